//! The report: one serialisable value per run, rendered by `text`, `json`, `sarif`, `github`,
//! `gitlab`, `junit` or `cyclonedx` (an SBOM). Reports never decide pass or fail; the CLI does that from the summary (and
//! hands `junit` the `--fail-on` threshold its test cases fail at).

pub mod buildinfo;
pub mod cyclonedx;
pub mod github;
pub mod gitlab;
pub mod gojson;
pub mod image;
pub mod json;
pub mod jsonl;
pub mod junit;
pub mod located;
pub mod location;
pub mod rules;
pub mod sarif;
pub mod text;

use serde::Serialize;

use crate::elf::ElfFacts;
use crate::error::InputError;
use crate::facts::{FileFacts, ScriptFacts};
use crate::foreign::ForeignFacts;
use crate::gobin::GoFacts;
use crate::rules::image::{ImageScratch, Starts};
use crate::rules::{Evaluation, Finding, NotApplicable, Scratch, Severity, Verdict};

pub const SCHEMA: &str = "gostatic/v1";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub tool: Tool,
    /// `gostatic image` only: one section per image read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<image::ImageSection>>,
    pub files: Vec<FileReport>,
    pub errors: Vec<ErrorEntry>,
    /// Things the policy wants said that are neither findings nor input errors, one line each:
    /// `gostatic.toml:12: suppression of GS401 for bin/x expired on 2026-01-31`.
    pub notices: Vec<String>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The path as given or walked; in image mode, the place as [`image::display_name`] names
    /// it (`SOURCE:/image/path`).
    pub path: String,
    /// Image mode: which image, which path in it, which layer.
    #[serde(flatten)]
    pub place: Option<ImagePlace>,
    /// `elf`, `pe`, `macho` or `macho-universal`.
    pub format: crate::input::Format,
    /// SHA-256 of the whole file, only when computed (`--digests`, or a policy that matches
    /// on it); absent from JSON otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub size: u64,
    pub elf: Option<ElfFacts>,
    /// Go facts: buildinfo, cgo, build paths, runtime needs; null for non-Go files.
    pub go: Option<GoFacts>,
    /// PE and Mach-O files: format, OS and architectures.
    pub foreign: Option<ForeignFacts>,
    /// `check`: what the reported path is a symlink to, as the link says; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// `check`: the other names the same file was met under, not reported again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<crate::input::Alias>,
    /// `#!` scripts: the line, the interpreter and its argument; absent for other files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script: Option<ScriptFacts>,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub not_applicable: Vec<NotApplicable>,
}

impl FileReport {
    pub fn new(
        path: String,
        size: u64,
        sha256: Option<String>,
        facts: FileFacts,
        evaluation: Evaluation,
    ) -> Self {
        let format = facts.format();
        let (elf, go, foreign, script) = match facts {
            FileFacts::Elf { elf, go } => (Some(*elf), go.map(|g| *g), None, None),
            FileFacts::Foreign(foreign) => (None, None, Some(foreign), None),
            FileFacts::Script(script) => (None, None, None, Some(script)),
        };
        FileReport {
            path,
            place: None,
            format,
            sha256,
            size,
            elf,
            go,
            foreign,
            link: None,
            aliases: Vec::new(),
            script,
            verdict: evaluation.verdict,
            findings: evaluation.findings,
            not_applicable: evaluation.not_applicable,
        }
    }

    /// The file's path in its image, in image mode.
    pub fn image_path(&self) -> Option<&str> {
        self.place.as_ref().map(|p| p.image_path.as_str())
    }
}

/// Where a file (or an error about one) of `gostatic image` is: structured, never parsed back
/// from the display path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImagePlace {
    /// Index into `Report::images` of the image the file is in.
    #[serde(skip)]
    pub section: usize,
    /// The image's name (`images[].name`).
    pub image: String,
    /// The file's absolute path inside the image's final filesystem.
    pub image_path: String,
    /// The digest (or diff id, or `layer N`) of the layer that last wrote the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

/// An input that could not be read or parsed.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorEntry {
    pub path: String,
    /// Image mode: the image file the error is about.
    #[serde(flatten)]
    pub place: Option<ImagePlace>,
    pub message: String,
    /// The cause class where one is known (a registry fetch, a digest mismatch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<crate::error::ErrorKind>,
}

impl ErrorEntry {
    /// `path: message`, as printed on stderr.
    pub fn line(&self) -> String {
        format!("{}: {}", self.path, self.message)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub ready: usize,
    /// Ready once the files its verdict names are added.
    pub ready_if_added: usize,
    pub blocked: usize,
    pub not_applicable: usize,
    /// Active findings by severity (suppressed ones are not counted here).
    pub findings: SeverityCounts,
    /// Findings a policy suppression or the baseline covers.
    pub suppressed: usize,
    /// `gostatic image`: the images read, by whether they start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<ImageCounts>,
    /// Files named on the command line that the policy file's `ignore` left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
}

/// Images by verdict.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImageCounts {
    pub total: usize,
    /// `starts: yes`.
    pub start: usize,
    /// `starts: no`: the runtime cannot start them.
    pub will_not_start: usize,
    /// `starts: unknown`.
    pub unknown: usize,
    /// Started programs that lack run-time files.
    pub not_clean: usize,
    /// `scratch: ready` or `ready-with-files`.
    pub scratch_ready: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SeverityCounts {
    pub error: usize,
    pub warning: usize,
    pub note: usize,
}

impl Summary {
    /// The most severe finding in the run, if any.
    pub fn highest(&self) -> Option<Severity> {
        if self.findings.error > 0 {
            Some(Severity::Error)
        } else if self.findings.warning > 0 {
            Some(Severity::Warning)
        } else if self.findings.note > 0 {
            Some(Severity::Note)
        } else {
            None
        }
    }
}

impl Report {
    /// The report of `gostatic check`: files and input errors, each sorted by path.
    pub fn new(files: Vec<FileReport>, errors: Vec<InputError>) -> Self {
        let errors = errors
            .into_iter()
            .map(|e| ErrorEntry {
                path: e.path,
                place: None,
                message: e.kind.to_string(),
                kind: None,
            })
            .collect();
        Report::build(files, errors, None)
    }

    /// The report of `gostatic image`: every image's section, its executables as files, and
    /// the errors of its source or of files in it.
    pub fn with_images(
        files: Vec<FileReport>,
        errors: Vec<ErrorEntry>,
        images: Vec<image::ImageSection>,
    ) -> Self {
        Report::build(files, errors, Some(images))
    }

    /// The reports of several image sources as one, in the order given: each source's images,
    /// files and errors keep their order and follow the previous source's, and file places are
    /// renumbered to index the merged `images`. Notices are said once.
    pub fn merge(reports: Vec<Report>) -> Self {
        let mut merged = Report::with_images(Vec::new(), Vec::new(), Vec::new());
        let images = merged.images.get_or_insert_with(Vec::new);
        for report in reports {
            let offset = images.len();
            let renumber = |place: &mut Option<ImagePlace>| {
                if let Some(place) = place {
                    place.section += offset;
                }
            };
            for mut file in report.files {
                renumber(&mut file.place);
                merged.files.push(file);
            }
            for mut error in report.errors {
                renumber(&mut error.place);
                merged.errors.push(error);
            }
            images.extend(report.images.into_iter().flatten());
            for notice in report.notices {
                if !merged.notices.contains(&notice) {
                    merged.notices.push(notice);
                }
            }
            merged.summary.ignored.extend(report.summary.ignored);
        }
        merged.recount();
        merged
    }

    fn build(
        mut files: Vec<FileReport>,
        mut errors: Vec<ErrorEntry>,
        images: Option<Vec<image::ImageSection>>,
    ) -> Self {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        errors.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.message.cmp(&b.message)));
        let mut report = Report {
            schema: SCHEMA,
            tool: Tool {
                name: env!("CARGO_PKG_NAME"),
                version: env!("CARGO_PKG_VERSION"),
            },
            images,
            files,
            errors,
            notices: Vec::new(),
            summary: Summary::default(),
        };
        report.recount();
        report
    }

    /// Count the summary again from the files and errors, after the policy changed them.
    pub fn recount(&mut self) {
        let mut summary = Summary {
            files: self.files.len(),
            errors: self.errors.len(),
            ignored: std::mem::take(&mut self.summary.ignored),
            ..Summary::default()
        };
        let image_findings = self
            .images
            .iter()
            .flatten()
            .flat_map(|image| &image.findings);
        let file_findings = self.files.iter().flat_map(|file| &file.findings);
        for finding in image_findings.chain(file_findings) {
            if !finding.is_active() {
                summary.suppressed += 1;
                continue;
            }
            match finding.severity {
                Severity::Error => summary.findings.error += 1,
                Severity::Warning => summary.findings.warning += 1,
                Severity::Note => summary.findings.note += 1,
            }
        }
        for file in &self.files {
            match file.verdict.scratch {
                Scratch::Ready => summary.ready += 1,
                Scratch::ReadyIfAdded => summary.ready_if_added += 1,
                Scratch::Blocked => summary.blocked += 1,
                Scratch::NotApplicable => summary.not_applicable += 1,
            }
        }
        summary.images = self.images.as_ref().map(|images| {
            let mut counts = ImageCounts {
                total: images.len(),
                ..ImageCounts::default()
            };
            for verdict in images.iter().filter_map(|i| i.verdict.as_ref()) {
                match verdict.starts {
                    Starts::Yes => counts.start += 1,
                    Starts::No => counts.will_not_start += 1,
                    Starts::Unknown => counts.unknown += 1,
                }
                if !verdict.runtime_missing.is_empty() {
                    counts.not_clean += 1;
                }
                if verdict.scratch != ImageScratch::Blocked {
                    counts.scratch_ready += 1;
                }
            }
            counts
        });
        self.summary = summary;
    }
}
