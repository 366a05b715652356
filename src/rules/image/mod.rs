//! Image-level rules: what a container image's final filesystem and config say about whether
//! its programs will start and how lean and locked-down it is (GS504, GS6xx), and the runtime
//! needs GS501–GS503, which become errors when the image lacks the files. Rules read facts
//! (`Image<FileFacts>`: config, tree, layers, every executable's facts) and never bytes.
//!
//! `evaluate` runs the file rules on every executable, then the image rules, which judge some
//! file findings against the image (the CA bundle is there: GS501 goes; a library is missing:
//! GS504 comes) and add findings about the image as a whole or one path in it. Last, the image
//! verdict (`verdict.rs`: starts, runs clean, scratch) is read from what they found, and each
//! program's `runs here`.

mod accounts;
mod arch;
mod command;
mod contents;
mod entrypoint;
mod go_runtime;
mod leftovers;
mod libs;
mod lookup;
mod privileges;
mod runtime;
mod search;
mod size;
mod stage;
#[cfg(test)]
mod tests;
mod users;
mod verdict;
mod versions;
mod writable;

pub use verdict::{Here, ImageScratch, ImageVerdict, START_RULES, Starts, need_id};

use serde::Serialize;

use super::{Evaluation, Finding, Rule};
use crate::facts::FileFacts;
use crate::image::Image;

/// What the rules say about one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageEvaluation {
    /// Findings about the image as a whole, or about one path in it (`Finding::image_path`).
    pub findings: Vec<Finding>,
    /// The evaluation of each of `image.files`, in order, as judged inside this image.
    pub files: Vec<Evaluation>,
    /// The size story and the suggested final stage, once computed.
    pub size: Option<SizeStory>,
    /// Starts? Runs clean? Scratch?
    pub verdict: ImageVerdict,
}

/// What the image rules collect before the file updates are applied.
#[derive(Debug, Default)]
struct Collected {
    findings: Vec<Finding>,
    file_updates: Vec<FileUpdate>,
}

/// Changes to one executable's findings: rules whose `check` finding the image answers (the CA
/// bundle is there) are dropped, and image-aware findings are added (a missing library, or
/// GS501 again as an error when the bundle is absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct FileUpdate {
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
    /// `FROM scratch`, the `COPY` lines, `USER`, `ENTRYPOINT`/`CMD`: only a stage that,
    /// judged by these rules as an image of its own, starts and meets its programs' needs.
    pub dockerfile: Vec<String>,
    /// Why no final stage is suggested, when none is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_stage_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SizePart {
    pub path: String,
    pub bytes: u64,
    pub why: PartKind,
}

/// Why a file is part of the scratch image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartKind {
    /// The program the command runs.
    Entrypoint,
    /// A Go program kept when the command names none.
    Executable,
    /// A dynamic program's PT_INTERP.
    Loader,
    Library,
    /// `/etc/ld.so.cache`, when a library came from an ld.so.conf directory.
    LdSoCache,
    CaCertificates,
    Zoneinfo,
    /// `/etc/passwd` and `/etc/group`.
    Passwd,
    /// `/tmp`, where Go programs make temporary files.
    Tmp,
}

impl PartKind {
    /// The name JSON gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            PartKind::Entrypoint => "entrypoint",
            PartKind::Executable => "executable",
            PartKind::Loader => "loader",
            PartKind::Library => "library",
            PartKind::LdSoCache => "ld-so-cache",
            PartKind::CaCertificates => "ca-certificates",
            PartKind::Zoneinfo => "zoneinfo",
            PartKind::Passwd => "passwd",
            PartKind::Tmp => "tmp",
        }
    }
}

/// Who the container runs as and what it runs: the one account model and the one command
/// resolution, computed once per image for every rule that asks (GS503, GS601–GS604, the size
/// story).
#[derive(Debug)]
struct Start {
    accounts: accounts::Accounts,
    user: accounts::ExecUser,
    command: command::Command,
}

impl Start {
    fn of(image: &Image<FileFacts>) -> Self {
        let accounts = accounts::Accounts::read(&image.tree);
        let user = accounts::ExecUser::resolve(&image.config.user, &accounts);
        let command = command::Command::resolve(image, &user);
        Start {
            accounts,
            user,
            command,
        }
    }
}

/// Run the file rules on every executable of one image, then the image rules.
pub fn evaluate(image: &Image<FileFacts>) -> ImageEvaluation {
    judge(image, Story::Tell)
}

/// Whether an evaluation builds the size story and its final stage. A suggested stage is
/// judged with `Skip`: the stage of a stage is never built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Story {
    Tell,
    Skip,
}

fn judge(image: &Image<FileFacts>, story: Story) -> ImageEvaluation {
    let mut files: Vec<Evaluation> = image
        .files
        .iter()
        .map(|file| super::evaluate(&file.inspection))
        .collect();
    let mut collected = Collected::default();
    let start = Start::of(image);
    let libraries = libs::resolve_all(image);
    libs::check(image, &libraries, &mut collected);
    versions::check(image, &libraries, &mut collected);
    arch::check(image, &start.command, &mut collected);
    runtime::check(image, &start, &mut collected);
    go_runtime::check(image, &mut collected);
    let size = (story == Story::Tell).then(|| size::story(image, &start, &libraries));
    config_and_contents(image, &start, &mut collected.findings);
    for update in collected.file_updates {
        let Some(file) = files.get_mut(update.index) else {
            continue;
        };
        file.findings.retain(|f| !update.drop.contains(&f.rule));
        file.findings.extend(update.add);
        file.findings.sort_by_key(|f| f.rule);
    }
    verdict::judge_files(image, &mut files);
    let (verdict, added) = verdict::judge(
        image,
        &start.command,
        &files,
        &collected.findings,
        &libraries,
        &size::go_programs(image)
            .into_iter()
            .map(|(index, _)| index)
            .collect::<Vec<_>>(),
    );
    let mut findings = collected.findings;
    findings.extend(added);
    findings.sort_by(|a, b| (a.rule, &a.image_path).cmp(&(b.rule, &b.image_path)));
    ImageEvaluation {
        findings,
        files,
        size,
        verdict,
    }
}

/// GS601–GS603 and GS611 from the config, GS605–GS610, GS612 and GS613 from the final
/// filesystem and the layers.
fn config_and_contents(image: &Image<FileFacts>, start: &Start, findings: &mut Vec<Finding>) {
    // A root filesystem directory has no config: nothing to say about USER or the command.
    if image.format != crate::image::ImageFormat::Rootfs {
        users::check(&start.user, findings);
        entrypoint::check(&start.command, &start.user, findings);
    }
    contents::check(image, &start.accounts, findings);
    leftovers::check(image, findings);
    privileges::check(image, findings);
}
