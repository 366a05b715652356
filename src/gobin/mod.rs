//! Go facts read from the bytes of an executable: buildinfo (`buildinfo`), the pclntab's
//! function and file tables (`pclntab`), DWARF producers and line tables (`dwarf`), and what
//! they imply (`analysis`: cgo, build paths, runtime file needs, glibc NSS, Go version).
//! Each reader takes a `Binary` (or the file's bytes) and returns plain data or `None`;
//! readers never decide whether a fact is a problem.
//!
//! Byte layouts follow `../shared/reference/go-binary-formats.md` and the Go sources it cites
//! (`src/debug/buildinfo/buildinfo.go`, `src/debug/gosym/pclntab.go`).

pub mod analysis;
pub mod binary;
pub mod buildinfo;
pub mod dwarf;
pub mod facts;
pub mod pclntab;
pub mod release;
pub mod symtab;

pub use binary::Binary;
pub use facts::GoFacts;
