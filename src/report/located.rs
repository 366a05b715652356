//! Every finding of a report at its place in a repository, with the fingerprint that keeps it
//! the same issue across builds: what the formats read by code-scanning and code-quality
//! widgets share (SARIF's `partialFingerprints`, GitLab Code Quality's `fingerprint`), so one
//! finding is one issue, under one identity, in both.
//!
//! Order: image-level findings of each image, then each file's, as the report holds them.
//! Suppressed findings are included; each format decides what to do with them.
//!
//! Fingerprints. An issue is "this rule on this file, about this evidence": the fingerprint
//! hashes the rule ID, the file's URI (relative to the working directory when inside it) and
//! the finding's evidence key (`Finding::key`, the one the baseline matches on). Not the
//! binary's SHA-256, which changes with every build, and not the message, whose evidence
//! (sizes, counts, example paths) changes too; either would close and reopen the issue on each
//! push. A finding inside an image is located at the archive, and its fingerprint adds the
//! in-image path (and the image's name when the archive holds several).

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::Report;
use super::image::ImageSection;
use super::location::Artifact;
use crate::rules::Finding;

/// Where a finding is: a file, or a path in an image (located at the archive).
#[derive(Debug)]
pub struct Place<'a> {
    pub artifact: Artifact,
    pub image: Option<&'a ImageSection>,
    pub image_path: Option<&'a str>,
    pub layer: Option<&'a str>,
}

impl Place<'_> {
    /// `/usr/bin/passwd in image app:1: ` or `image app:1: `; empty outside images.
    pub fn prefix(&self) -> String {
        match (self.image, self.image_path) {
            (Some(image), Some(path)) => format!("{path} in image {}: ", image.name),
            (Some(image), None) => format!("image {}: ", image.name),
            _ => String::new(),
        }
    }
}

/// One finding, placed and fingerprinted.
#[derive(Debug)]
pub struct Located<'a> {
    pub finding: &'a Finding,
    pub place: Place<'a>,
    /// `<16 hex digits>:<occurrence>`, the shape GitHub's own line hashes have; the occurrence
    /// tells apart findings whose rule, place and evidence are all the same.
    pub fingerprint: String,
}

/// Every finding of `report`, placed against `cwd`.
pub fn findings<'a>(report: &'a Report, cwd: Option<&Path>) -> Vec<Located<'a>> {
    let mut located = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let sections = report.images.as_deref().unwrap_or_default();
    let mut push = |finding: &'a Finding, place: Place<'a>| {
        let input = fingerprint_input(finding, &place);
        let occurrence = seen.entry(input.clone()).or_default();
        *occurrence += 1;
        located.push(Located {
            finding,
            place,
            fingerprint: fingerprint(&input, *occurrence),
        });
    };
    for section in sections {
        for finding in &section.findings {
            let place = Place {
                artifact: Artifact::locate(&section.file, cwd),
                image: Some(section),
                image_path: finding.image_path.as_deref(),
                layer: None,
            };
            push(finding, place);
        }
    }
    for file in &report.files {
        for finding in &file.findings {
            let place = match &file.place {
                Some(in_image) => Place {
                    artifact: Artifact::locate(&sections[in_image.section].file, cwd),
                    image: Some(&sections[in_image.section]),
                    image_path: Some(&in_image.image_path),
                    layer: in_image.layer.as_deref(),
                },
                None => Place {
                    artifact: Artifact::locate(&file.path, cwd),
                    image: None,
                    image_path: None,
                    layer: None,
                },
            };
            push(finding, place);
        }
    }
    located
}

/// What makes an issue the same issue across runs, as the baseline matches a finding: the
/// rule, where the file is (in an image also the path inside it, and the image's name when its
/// archive holds several: a single image's name may be a digest, which changes with every
/// build) and the finding's evidence key, when its rule gives one (docs/rules.md).
fn fingerprint_input(finding: &Finding, place: &Place) -> String {
    let mut key = format!("{}\0{}", finding.rule.id(), place.artifact.uri());
    if let Some(image) = place.image {
        if image.several {
            key.push_str(&format!("\0{}", image.name));
        }
        key.push_str(&format!("\0{}", place.image_path.unwrap_or_default()));
    }
    // Appended only when there is one, so the issues of rules without a key keep the
    // fingerprints they had before keys.
    if let Some(evidence) = &finding.key {
        key.push_str(&format!("\0key\0{evidence}"));
    }
    key
}

/// `<16 hex digits>:<occurrence>`.
pub(crate) fn fingerprint(input: &str, occurrence: usize) -> String {
    let digest = Sha256::digest(input.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}:{occurrence}")
}
