//! gostatic: will this binary run on `FROM scratch`, and is it built the hardened way?
//!
//! The library gathers facts once (`elf`, `foreign`), turns them into findings with stable IDs
//! (`rules`), applies the user's policy to them (`policy`: gostatic.toml, suppressions,
//! baselines) and renders them (`report`). Nothing in the library prints or exits; the
//! `gostatic` binary is a thin command line over it.
//!
//! ```no_run
//! let (candidates, errors) = gostatic::input::collect(&["./server"]);
//! let report = gostatic::scan::scan_all(&candidates, errors, &Default::default());
//! assert_eq!(report.schema, "gostatic/v1");
//! ```

pub mod elf;
pub mod error;
pub mod facts;
pub mod foreign;
#[doc(hidden)]
pub mod fuzzing;
pub mod gobin;
pub mod goversion;
pub mod image;
pub mod input;
pub mod policy;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod scan;
