//! The one test kit, for unit tests (`cfg(test)`) and for integration tests, examples and
//! fuzz seeds (the `testkit` feature, which `[dev-dependencies]` turns on for this crate
//! itself). Builders of synthetic inputs, each producing the bytes or values a real run would
//! meet, never a shortcut around the readers:
//! - [`elf`]: ELF files with chosen class, byte order, program headers and sections;
//! - [`minimal`]: the smallest ELF around given bytes, a PE32+ image, a Mach-O header;
//! - [`archive`]: tar streams, gzip/zstd, OCI layouts and `docker save` archives as bytes, for
//!   tests of the image reader itself and end-to-end runs of the binary;
//! - [`image`]: an [`Image<FileFacts>`](crate::image::Image) built in memory through the
//!   reader's own layer merge, for tests of the image rules;
//! - [`report`]: report values by hand, for the policy, merging and renderers.
//!
//! Not part of the supported API: hidden from the docs, and free to change with the tests.
#![allow(clippy::missing_panics_doc)]

pub mod archive;
pub mod elf;
pub mod hostile;
pub mod image;
pub mod minimal;
pub mod report;
