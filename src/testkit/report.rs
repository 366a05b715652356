//! Report values built by hand, for tests of what happens to a report after the rules: the
//! policy, merging, renderers.

use crate::report::FileReport;
use crate::report::image::{ConfigSection, ImageSection};
use crate::rules::{Finding, Rule, Scratch, Verdict};

/// A file of `check` at `path`, ready for scratch, with one finding per rule.
pub fn file(path: &str, sha256: Option<&str>, rules: &[Rule]) -> FileReport {
    FileReport {
        path: path.to_string(),
        format: crate::input::Format::Elf,
        sha256: sha256.map(str::to_string),
        size: 1,
        elf: None,
        go: None,
        place: None,
        foreign: None,
        script: None,
        link: None,
        aliases: Vec::new(),
        verdict: Verdict {
            scratch: Scratch::Ready,
            reasons: Vec::new(),
            add: Vec::new(),
            base: None,
            needs_glibc: None,
            needs_glibcxx: None,
            here: None,
            summary: "scratch: ready".to_string(),
        },
        findings: rules.iter().map(|&r| Finding::new(r, "m", "f")).collect(),
        not_applicable: Vec::new(),
    }
}

/// An image `name` of the source `app.tar`, not judged, with these image findings.
pub fn image_section(name: &str, several: bool, findings: Vec<Finding>) -> ImageSection {
    ImageSection {
        name: name.to_string(),
        source: "app.tar".to_string(),
        file: "app.tar".to_string(),
        format: crate::image::ImageFormat::DockerArchive,
        platform: crate::image::Platform::default(),
        verdict: None,
        manifest_digest: None,
        config_digest: Some("sha256:c0".to_string()),
        config: ConfigSection::from(&crate::image::ImageConfig::default()),
        layers: Vec::new(),
        entries: 0,
        skipped: Vec::new(),
        notes: Vec::new(),
        findings,
        size: None,
        several,
    }
}
