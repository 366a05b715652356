//! gostatic: will this binary run on `FROM scratch`, and is it built the hardened way?
//!
//! One direction of travel (`../shared/design/ARCHITECTURE.md`): inputs (`input`, and `image`
//! for container images) → facts (`facts`, from the `elf`, `gobin` and `foreign` readers) →
//! findings with stable IDs (`rules`) → the report as data (`report`, with one renderer per
//! format) → the user's policy applied once (`policy`). `run` is the pipeline that strings
//! them together. Nothing in the library prints or exits; the `gostatic` binary is a thin
//! command line over it.
//!
//! ```no_run
//! let inputs = gostatic::input::collect(&["./server"]);
//! let report = gostatic::run::check(&inputs, &Default::default());
//! assert_eq!(report.schema, "gostatic/v1");
//! ```

pub mod elf;
pub mod error;
pub mod facts;
pub mod foreign;
#[doc(hidden)]
pub mod fuzzing;
pub mod gobin;
pub mod image;
pub mod input;
pub mod policy;
pub mod report;
pub mod rules;
pub mod run;
pub mod sanitize;
#[cfg(any(test, feature = "testkit"))]
#[doc(hidden)]
pub mod testkit;
