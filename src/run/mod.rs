//! The pipelines, and the only place the stages meet: inputs → facts → rules → report.
//!
//! - [`check`]: walked and named files, each read for its facts (`facts::read`) and judged by
//!   the file rules, in parallel;
//! - [`image`]: every image of a source, read by `image::open` with an inspector that reads
//!   each executable's facts while its bytes are in hand, then the file and image rules over
//!   the whole `Image<FileFacts>`;
//! - [`buildinfo`]: `go version -m` semantics for `gostatic buildinfo`;
//! - [`slim`]: the final stage `image` suggests, verified as an image of its own and written
//!   as one (`gostatic slim`).
//!
//! Each returns a report as data. The policy (`policy::apply`), rendering and the exit code
//! are the caller's.

mod buildinfo;
mod check;
mod image;
mod slim;
mod slim_config;
mod slim_json;
mod slim_verify;

pub use buildinfo::{clean, run as buildinfo};
pub use check::{Limits, Options, Outcome, analyse, check, check_one};
pub use image::{image, unreadable_image};
pub use slim::{KeptPath, SlimError, SlimRequest, Slimmed, slim};
pub use slim_json::{LayerDoc, SlimDocument, SlimStatus, WrittenDoc};
pub use slim_verify::{Refusal, RefusalKind};
