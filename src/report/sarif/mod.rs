//! The SARIF report (`--format sarif`): SARIF 2.1.0 that GitHub code scanning accepts, built
//! from the same `Report` as the text and JSON output. One run; the rule metadata comes from
//! the registry, one `rules[]` entry per rule in registry order, so `ruleIndex` is stable.
//!
//! What GitHub requires and this module guarantees (docs/ci.md): every result has a location
//! with an artifact URI and a region (a binary has no lines, so `startLine` is 1); rules carry
//! help text; `partialFingerprints` keep an alert the same alert across builds. Input errors
//! become tool execution notifications, and `executionSuccessful` is false when there are any.
//!
//! Images. A finding inside an image (`gostatic image`) is located at the archive, the file a
//! repository can hold and GitHub can show; the in-image path starts the message and is in the
//! result's `properties` (`image`, `imagePath`, `layer`). Its fingerprint adds the in-image
//! path (and the image's name when the archive holds several) to the rule and the archive.
//!
//! Fingerprints. An alert is "this rule on this file, about this evidence" (`report::located`
//! computes it, the same for GitLab Code Quality): the rule ID, the file's path as the SARIF
//! location gives it and the finding's evidence key (`Finding::key`, the one the baseline
//! matches on); never the binary's SHA-256 or the message, which change with each build. We fill
//! `primaryLocationLineHash` ourselves because github/codeql-action's upload step otherwise
//! computes it from the first "line" of the file, which for an ELF file is header bytes that
//! move between builds.

mod model;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use self::model::*;
use super::image::ImageSection;
use super::located::{self, Located};
use super::location::Artifact;
use super::{ErrorEntry, Report};
use crate::rules::{Category, Rule, Severity, SuppressionKind};

/// Where the tool is documented (`tool.driver.informationUri`). The project has no published
/// home yet: this is a placeholder, kept in this one place, to change when it has one.
pub const INFORMATION_URI: &str = "https://github.com/gostatic/gostatic";

/// The base every relative URI is resolved against; GitHub maps it to the checkout.
const SRCROOT: &str = "%SRCROOT%";

/// The fingerprint key GitHub's upload action fills in when it is absent.
const FINGERPRINT_KEY: &str = "primaryLocationLineHash";

#[derive(Debug, Clone, Default)]
pub struct SarifOptions<'a> {
    /// The working directory: paths inside it become relative URIs, the others `file://`.
    pub cwd: Option<&'a Path>,
}

pub fn render(report: &Report, out: &mut dyn Write, options: &SarifOptions) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &build(report, options)).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// The SARIF log of a report, as a value (tests inspect it).
pub fn to_value(report: &Report, options: &SarifOptions) -> serde_json::Value {
    serde_json::to_value(build(report, options)).expect("the SARIF model always serialises")
}

fn build(report: &Report, options: &SarifOptions) -> Log {
    let sections = report.images.as_deref().unwrap_or_default();
    let results = located::findings(report, options.cwd)
        .iter()
        .map(result)
        .collect();
    let notifications: Vec<Notification> = report
        .errors
        .iter()
        .map(|error| notification(error, sections, options.cwd))
        .collect();
    let failed = !notifications.is_empty();
    // Policy notices (an expired suppression) are warnings: the run itself succeeded.
    let notifications = notifications
        .into_iter()
        .chain(report.notices.iter().map(|notice| Notification {
            level: "warning",
            message: Message {
                text: sentence(notice),
            },
            locations: Vec::new(),
        }))
        .collect::<Vec<_>>();
    Log {
        schema: SCHEMA_URI,
        version: VERSION,
        runs: vec![Run {
            tool: Tool {
                driver: ToolComponent {
                    name: report.tool.name,
                    version: report.tool.version,
                    semantic_version: report.tool.version,
                    information_uri: INFORMATION_URI,
                    rules: Rule::ALL.iter().map(|&rule| descriptor(rule)).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: !failed,
                tool_execution_notifications: notifications,
            }],
            results,
        }],
    }
}

fn descriptor(rule: Rule) -> ReportingDescriptor {
    let info = rule.info();
    let security_severity = security_severity(rule);
    let mut tags = vec![info.category.as_str()];
    if security_severity.is_some() {
        tags.push("security");
    }
    if matches!(info.category, Category::Linking | Category::Runtime) {
        tags.push("container");
    }
    ReportingDescriptor {
        id: info.id,
        name: info.slug,
        short_description: plain(sentence(info.summary)),
        full_description: plain(format!(
            "{} {}",
            sentence(info.summary),
            sentence(info.rationale)
        )),
        help: MultiformatMessage {
            text: format!(
                "{}\n\nWhy: {}\n\nFix: {}\n\nEvidence: {}\n\nMore: gostatic explain {}",
                sentence(info.summary),
                sentence(info.rationale),
                sentence(info.fix),
                sentence(info.evidence),
                info.id
            ),
            markdown: Some(format!(
                "{}\n\n**Why.** {}\n\n**Fix.** {}\n\n**Evidence.** {}\n\nMore: `gostatic explain {}`",
                sentence(info.summary),
                info.rationale,
                info.fix,
                sentence(info.evidence),
                info.id
            )),
        },
        default_configuration: ReportingConfiguration {
            level: level(info.severity),
        },
        properties: RuleProperties {
            category: info.category.as_str(),
            tags,
            // Every rule reads a fact from the file's headers; none guesses.
            precision: "very-high",
            security_severity,
        },
    }
}

/// GitHub ranks security alerts by `security-severity`: 9 and up critical, 7 high, 4 medium,
/// above 0 low. Only rules that weaken the program's defences get one; the scratch blockers
/// (GS101–GS103) are failures to start, not vulnerabilities, and stay ordinary errors.
fn security_severity(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::ExecStack | Rule::WxSegment => "7.5",
        Rule::GoUnsupported => "7.0",
        Rule::Rpath | Rule::UpxPacked => "4.0",
        Rule::NoPie | Rule::NoRelro | Rule::BuildPaths => "2.0",
        _ => return None,
    })
}

fn result(located: &Located) -> SarifResult {
    let Located { finding, place, .. } = located;
    let rule_index = Rule::ALL
        .iter()
        .position(|&r| r == finding.rule)
        .expect("every rule is in the registry");
    let suppressions = finding
        .suppressed
        .iter()
        .map(|s| Suppression {
            kind: "external",
            status: "accepted",
            justification: s.reason.clone(),
            properties: SuppressionProperties {
                source: match s.kind {
                    SuppressionKind::Config => "config",
                    SuppressionKind::Baseline => "baseline",
                },
                expires: s.expires.clone(),
            },
        })
        .collect();
    SarifResult {
        rule_id: finding.rule.id(),
        rule_index,
        level: level(finding.severity),
        message: Message {
            text: format!(
                "{}{} Fix: {}",
                place.prefix(),
                sentence(&finding.message),
                sentence(&finding.fix)
            ),
        },
        locations: vec![location(&place.artifact, Some(Region { start_line: 1 }))],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, located.fingerprint.clone())]),
        suppressions,
        properties: place.image.map(|image| ResultProperties {
            image: image.name.clone(),
            image_path: place.image_path.map(str::to_string),
            layer: place.layer.map(str::to_string),
        }),
    }
}

fn notification(error: &ErrorEntry, sections: &[ImageSection], cwd: Option<&Path>) -> Notification {
    // An executable of an image that could not be analysed: the archive is the artifact.
    let artifact = match &error.place {
        Some(place) => Artifact::locate(&sections[place.section].file, cwd),
        None => Artifact::locate(&error.path, cwd),
    };
    Notification {
        level: "error",
        message: Message {
            text: sentence(&error.line()),
        },
        locations: vec![location(&artifact, None)],
    }
}

fn location(artifact: &Artifact, region: Option<Region>) -> Location {
    Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: artifact.uri(),
                uri_base_id: matches!(artifact, Artifact::Relative(_)).then_some(SRCROOT),
            },
            region,
        },
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn plain(text: String) -> MultiformatMessage {
    MultiformatMessage {
        text,
        markdown: None,
    }
}

/// A message as SARIF asks for one (§3.11.5: "one or more complete sentences"): with a final
/// period. The first letter is left alone: messages often start with a path or a symbol.
fn sentence(text: &str) -> String {
    let mut out = text.trim().to_string();
    if !out.is_empty() && !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests;
