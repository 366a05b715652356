//! The one place where policy meets a report (cargo-deny applies its severity overrides in one
//! sink the same way): ignored paths go, each finding gets its rule's level or goes when the
//! rule is off, then the first live `[[suppress]]`/`[[allow]]` entry that covers it marks it
//! suppressed, then the baseline marks what it already knew. The summary is counted last.
//!
//! Image-level findings (`images[].findings`) go through the same steps, each matched as a
//! target whose path is named as image-mode files are (`SOURCE:/in/image/path`, or `SOURCE`
//! for a finding about the whole image) and whose `image_path` is the finding's, so
//! `[[allow]] image-path = "/usr/bin/*"` covers GS607 on `/usr/bin/passwd`. The baseline
//! knows them by rule, place in the image and key (`baseline.rs`); `--baseline-exact` by
//! rule, path and the image's config digest, as they have no file hash.

use std::collections::BTreeSet;

use super::baseline::{Place, Subject};
use super::{Baseline, Date, EntryKind, Policy, Target};
use crate::report::image::ImageSection;
use crate::report::{FileReport, Report};
use crate::rules::{Finding, Rule, Severity, Suppression, SuppressionKind};

/// Apply `policy` (and `baseline`) to a scanned report, as of `today`.
pub fn apply(report: &mut Report, policy: &Policy, baseline: Option<&Baseline>, today: Date) {
    report.files.retain(|file| !policy.is_ignored(&file.path));
    report
        .errors
        .retain(|error| !policy.is_ignored(&error.path));
    let source = policy.source.as_deref().unwrap_or("gostatic.toml");
    // (entry index, path, rule): one notice per expired entry and file it would have covered.
    let mut expired = BTreeSet::new();
    let sections = report.images.as_deref().unwrap_or_default();
    for file in &mut report.files {
        // In an image, a file is placed by the path in it (and the image's name when the
        // source holds several), as the baseline places it.
        let place = match &file.place {
            Some(place) => Place::Image {
                name: sections
                    .get(place.section)
                    .is_some_and(|s| s.several)
                    .then(|| place.image.clone()),
                image_path: Some(place.image_path.clone()),
            },
            None => Place::File(file.path.clone()),
        };
        expired.extend(apply_to_file(file, &place, policy, baseline, today));
    }
    for image in report.images.iter_mut().flatten() {
        expired.extend(apply_to_image(image, policy, baseline, today));
    }
    for (index, path, rule) in expired {
        let entry = &policy.entries[index];
        let line = entry.line;
        let last = entry.expires.map(|d| d.to_string()).unwrap_or_default();
        let what = match (entry.kind, rule) {
            (EntryKind::Suppress, Some(rule)) => format!("suppression of {rule}"),
            _ => "allow-list entry".to_string(),
        };
        let notice = format!("{source}:{line}: {what} for {path} expired on {last}");
        if !report.notices.contains(&notice) {
            report.notices.push(notice);
        }
    }
    report.recount();
}

fn apply_to_file(
    file: &mut FileReport,
    place: &Place,
    policy: &Policy,
    baseline: Option<&Baseline>,
    today: Date,
) -> Vec<(usize, String, Option<&'static str>)> {
    let mut expired = Vec::new();
    file.not_applicable
        .retain(|skipped| policy.severity(skipped.rule).is_some());
    // A configured level wins. Otherwise the severity the rules gave stands: it is the
    // registry's, except where an image rule judged the case (GS501 raised to an error when
    // the image lacks the CA bundle, GS604 lowered to a warning for i386 on amd64).
    let cpu = file.go.as_ref().and_then(|go| go.cpu_level.as_ref());
    file.findings.retain_mut(|finding| {
        // `[cpu-level]`: the fleet's minimum replaces the architecture's baseline for GS406.
        // A program the whole fleet runs loses its note (an image variant's error stays); one
        // above the minimum will not start on part of the fleet.
        if finding.rule == Rule::CpuLevel
            && let Some(runs) = cpu.and_then(|cpu| policy.fleet_runs(cpu))
        {
            if runs && finding.severity < Severity::Error {
                return false;
            }
            if !runs {
                finding.severity = Severity::Error;
            }
        }
        match policy.level(finding.rule).map(|level| level.severity()) {
            Some(Some(severity)) => finding.severity = severity,
            Some(None) => return false,
            None => {}
        }
        true
    });
    let module = file
        .go
        .as_ref()
        .and_then(|go| go.main.as_ref())
        .map(|main| main.path.to_str_lossy().into_owned());
    let subject = policy.glob_subject(&file.path);
    let target = Target {
        path: &subject,
        sha256: file.sha256.as_deref(),
        module: module.as_deref(),
        image_path: file.place.as_ref().map(|p| p.image_path.as_str()),
    };
    for finding in &mut file.findings {
        judge(
            finding,
            &target,
            place,
            policy,
            baseline,
            today,
            &mut expired,
        );
    }
    expired
}

fn apply_to_image(
    image: &mut ImageSection,
    policy: &Policy,
    baseline: Option<&Baseline>,
    today: Date,
) -> Vec<(usize, String, Option<&'static str>)> {
    let mut expired = Vec::new();
    let config_digest = image.config_digest.clone();
    let name = image.several.then(|| image.name.clone());
    let mut findings = std::mem::take(&mut image.findings);
    findings.retain_mut(|finding| {
        let path = image.finding_path(finding);
        if policy.is_ignored(&path) {
            return false;
        }
        match policy.severity(finding.rule) {
            Some(severity) => finding.severity = severity,
            None => return false,
        }
        let image_path = finding.image_path.clone();
        let subject = policy.glob_subject(&path);
        let target = Target {
            path: &subject,
            sha256: None,
            module: None,
            image_path: image_path.as_deref(),
        };
        let place = Place::Image {
            name: name.clone(),
            image_path: image_path.clone(),
        };
        let mut found = Vec::new();
        judge_as(
            finding,
            &target,
            &place,
            &path,
            config_digest.as_deref(),
            policy,
            baseline,
            today,
            &mut found,
        );
        expired.extend(found);
        true
    });
    image.findings = findings;
    expired
}

/// A file's finding: suppressed by the first live entry that covers it, else by the baseline.
fn judge(
    finding: &mut Finding,
    target: &Target<'_>,
    place: &Place,
    policy: &Policy,
    baseline: Option<&Baseline>,
    today: Date,
    expired: &mut Vec<(usize, String, Option<&'static str>)>,
) {
    judge_as(
        finding,
        target,
        place,
        target.path,
        target.sha256,
        policy,
        baseline,
        today,
        expired,
    );
}

/// The suppression steps for one finding. `place` is where the baseline looks for it; `path`
/// names it in notices and, with `hash` (the file's SHA-256, or an image's config digest), in
/// an exact baseline.
#[allow(clippy::too_many_arguments)]
fn judge_as(
    finding: &mut Finding,
    target: &Target<'_>,
    place: &Place,
    path: &str,
    hash: Option<&str>,
    policy: &Policy,
    baseline: Option<&Baseline>,
    today: Date,
    expired: &mut Vec<(usize, String, Option<&'static str>)>,
) {
    if finding.suppressed.is_some() {
        return;
    }
    for (index, entry) in policy.entries.iter().enumerate() {
        if !entry.covers(finding.rule, target) {
            continue;
        }
        if entry.is_expired(today) {
            let rule = (entry.kind == EntryKind::Suppress).then(|| finding.rule.id());
            expired.push((index, path.to_string(), rule));
            continue;
        }
        if finding.suppressed.is_none() {
            finding.suppressed = Some(Suppression {
                kind: SuppressionKind::Config,
                reason: entry.reason.clone(),
                expires: entry.expires.map(|d| d.to_string()),
            });
        }
    }
    if finding.suppressed.is_none()
        && let Some(baseline) = baseline
        && baseline.contains(&Subject {
            rule: finding.rule.id(),
            place,
            key: finding.key.as_deref(),
            path,
            hash,
        })
    {
        finding.suppressed = Some(Suppression {
            kind: SuppressionKind::Baseline,
            reason: format!("in baseline {}", baseline.source),
            expires: None,
        });
    }
}
