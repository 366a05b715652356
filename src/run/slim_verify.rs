//! Judging the slim image: by the image rules before anything is read again, and once more
//! on the bytes the second read gave, which are what is written; the reasons for a refusal.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::slim::SlimError;
use crate::facts::{self, FileFacts};
use crate::image::Image;
use crate::rules::Severity;
use crate::rules::image::{StageImage, Starts};

/// Why a refused image was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefusalKind {
    /// An error finding of the image rules on the slim image.
    Finding,
    /// The verdict says it would not start, and no error finding says why.
    WouldNotStart,
    /// No final stage could be drawn up (the report's `no_stage_reason`).
    NoStage,
}

/// One reason the slim image is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub kind: RefusalKind,
    /// The finding's rule ID (`GS501`) and slug.
    pub rule: Option<&'static str>,
    pub slug: Option<&'static str>,
    /// The file of the slim image the finding is about; `None` for an image-level one.
    pub path: Option<String>,
    pub message: String,
}

impl Refusal {
    pub(super) fn reason(kind: RefusalKind, message: String) -> Refusal {
        Refusal {
            kind,
            rule: None,
            slug: None,
            path: None,
            message,
        }
    }
}

/// One line: `GS501 /usr/local/bin/app: message`, `GS603 message`, `starts: no: why`.
impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.kind, self.rule, &self.path) {
            (RefusalKind::WouldNotStart, ..) => write!(f, "starts: no: {}", self.message),
            (_, Some(rule), Some(path)) => write!(f, "{rule} {path}: {}", self.message),
            (_, Some(rule), None) => write!(f, "{rule} {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// The new image, judged by the image rules: it must start, and have no error finding.
pub(super) fn verify(image: &Image<FileFacts>) -> Result<(), SlimError> {
    let evaluation = crate::rules::image::evaluate(image);
    let finding = |f: &crate::rules::Finding, path: Option<&str>| Refusal {
        kind: RefusalKind::Finding,
        rule: Some(f.rule.id()),
        slug: Some(f.rule.slug()),
        path: path.map(str::to_string),
        message: f.message.clone(),
    };
    let files = image.files.iter().zip(&evaluation.files);
    let file_errors = files.flat_map(|(file, judged)| {
        judged
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(move |f| finding(f, Some(&file.image_path)))
    });
    let image_errors = evaluation
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| finding(f, None));
    let mut reasons: Vec<Refusal> = image_errors.chain(file_errors).collect();
    // The error findings say why it would not start; the verdict's reasons only when none does.
    if evaluation.verdict.starts != Starts::Yes && reasons.is_empty() {
        let starts = evaluation.verdict.start_reasons.iter();
        let would_not = |r: String| Refusal::reason(RefusalKind::WouldNotStart, r);
        reasons.extend(starts.map(|r| would_not(r.clone())));
        if reasons.is_empty() {
            reasons.push(would_not("the verdict gives no reason".into()));
        }
    }
    reasons.dedup();
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(SlimError::Refused {
            reasons,
            would_be: None,
        })
    }
}

/// The stage judged again on the bytes the second read gave, which are what is written: the
/// small files the rules read must be the bytes they read, and each executable's facts are
/// read again from its new bytes. A source changed between the reads is caught here, not
/// written (a layer read in part is not checked against its digest).
pub(super) fn judge_again(
    stage: &mut StageImage,
    bytes: &BTreeMap<String, Arc<[u8]>>,
) -> Result<(), SlimError> {
    let changed = |path: &str| {
        SlimError::Input(format!(
            "{path}: other bytes on the second read than on the first (the source changed?)"
        ))
    };
    let image = &mut stage.image;
    for (path, data) in bytes {
        let first = image.tree.nodes.get(path).and_then(|n| n.content);
        if let Some(small) = first.and_then(|c| image.tree.small.get(&c))
            && small[..] != data[..]
        {
            return Err(changed(path));
        }
    }
    for file in &mut image.files {
        let Some(data) = bytes.get(&file.image_path) else {
            continue;
        };
        match facts::read(data) {
            Ok(Some(facts)) => file.inspection = facts,
            _ => return Err(changed(&file.image_path)),
        }
    }
    verify(image)
}
