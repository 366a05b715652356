//! Image-level rules: what a container image's final filesystem and config say about whether
//! its programs will start and how lean and locked-down it is (GS504, GS6xx), and the runtime
//! needs GS501–GS503, which become errors when the image lacks the files. Rules read facts
//! (`image::Image`: config, tree, layers, the executables' `check` reports) and never bytes.
//!
//! `evaluate` returns findings about the image as a whole (or one path in it) and updates to
//! the findings of individual executables; `Report::for_images` applies them.

mod accounts;
mod arch;
mod contents;
mod entrypoint;
mod leftovers;
mod libs;
mod lookup;
mod runtime;
mod search;
mod size;
#[cfg(test)]
mod testimage;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
mod users;

use serde::Serialize;

use super::{Finding, Rule};
use crate::image::Image;

/// What the image rules say about one image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageEvaluation {
    /// Findings about the image as a whole, or about one path in it (`Finding::image_path`).
    pub findings: Vec<Finding>,
    /// Changes to the findings of `image.files[index]`.
    pub file_updates: Vec<FileUpdate>,
    /// The size story and the suggested final stage, once computed.
    pub size: Option<SizeStory>,
}

/// Changes to one executable's findings: rules whose `check` finding the image answers (the CA
/// bundle is there) are dropped, and image-aware findings are added (a missing library, or
/// GS501 again as an error when the bundle is absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileUpdate {
    /// Index into `Image::files`.
    pub index: usize,
    pub drop: Vec<Rule>,
    pub add: Vec<Finding>,
}

/// What the image weighs now, what its programs need, and what the same programs would weigh
/// on `FROM scratch`, with the final-stage Dockerfile lines that get there.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SizeStory {
    /// Sum of the layers' uncompressed sizes.
    pub image_bytes: u64,
    /// The executables to keep and every file they need (loader, libraries, CA bundle,
    /// zoneinfo, passwd), as they would be copied.
    pub scratch_bytes: u64,
    /// What makes up `scratch_bytes`: `{path, bytes, why}`.
    pub parts: Vec<SizePart>,
    /// `FROM scratch`, the `COPY` lines, `USER`, `ENTRYPOINT`/`CMD`.
    pub dockerfile: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SizePart {
    pub path: String,
    pub bytes: u64,
    /// `entrypoint`, `executable`, `loader`, `library`, `ld-so-cache`, `ca-certificates`,
    /// `zoneinfo`, `passwd`.
    pub why: String,
}

/// Run every image rule over one image.
pub fn evaluate(image: &Image) -> ImageEvaluation {
    let mut evaluation = ImageEvaluation::default();
    let libraries = libs::resolve_all(image);
    libs::check(image, &libraries, &mut evaluation);
    arch::check(image, &mut evaluation);
    runtime::check(image, &mut evaluation);
    evaluation.size = Some(size::story(image, &libraries));
    config_and_contents(image, &mut evaluation.findings);
    evaluation
        .findings
        .sort_by(|a, b| (a.rule, &a.image_path).cmp(&(b.rule, &b.image_path)));
    evaluation
}

/// GS601–GS603 from the config, GS605–GS610 from the final filesystem and the layers.
fn config_and_contents(image: &Image, findings: &mut Vec<Finding>) {
    let accounts = accounts::Accounts::read(&image.tree);
    // A root filesystem directory has no config: nothing to say about USER or the command.
    if image.format != crate::image::ImageFormat::Rootfs {
        users::check(image, &accounts, findings);
        entrypoint::check(image, &accounts, findings);
    }
    contents::check(image, &accounts, findings);
    leftovers::check(image, findings);
}
