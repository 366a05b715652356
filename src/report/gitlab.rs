//! GitLab Code Quality (`--format gitlab`): the JSON array of Code Climate issues that GitLab's
//! merge request widget and pipeline Code Quality tab read (`artifacts:reports:codequality`).
//!
//! GitLab reads `description`, `check_name`, `fingerprint`, `severity`, `location.path` and
//! `location.lines.begin` (docs.gitlab.com, "Code Quality", "Code Quality report format");
//! `type` and `categories` are the Code Climate spec's required fields, kept so that other
//! Code Climate consumers accept the file too.
//!
//! - One issue per active finding; suppressed findings (policy or baseline) are left out, as
//!   GitHub annotations leave them out. Input errors are not issues: they are on stderr and in
//!   the exit status (2), which fails the job.
//! - `fingerprint` is the one SARIF's `partialFingerprints` carry (`report::located`): rule,
//!   path and evidence key, so an issue survives a rebuild and GitLab shows it as unchanged
//!   rather than fixed-and-new.
//! - `location.path` is the file relative to the working directory (the job's checkout); for a
//!   finding inside an image it is the image source (the archive), and the description starts
//!   with the path in the image. A binary has no lines: `begin` is 1.
//! - `severity`: error → `major`, warning → `minor`, note → `info` (gostatic has three levels,
//!   GitLab five; `critical` and `blocker` are left to tools that rank exploitability).

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::Report;
use super::located::{self, Located};
use crate::rules::{Category, Severity};

#[derive(Debug, Clone, Default)]
pub struct GitlabOptions<'a> {
    /// The working directory: paths inside it become relative, as GitLab expects.
    pub cwd: Option<&'a Path>,
}

/// One Code Climate issue.
#[derive(Debug, Serialize)]
struct Issue {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'static str,
    description: String,
    categories: [&'static str; 1],
    severity: CodeQualitySeverity,
    fingerprint: String,
    location: Location,
}

/// GitLab's five levels (Code Climate's `severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeQualitySeverity {
    Info,
    Minor,
    Major,
}

impl From<Severity> for CodeQualitySeverity {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::Error => CodeQualitySeverity::Major,
            Severity::Warning => CodeQualitySeverity::Minor,
            Severity::Note => CodeQualitySeverity::Info,
        }
    }
}

#[derive(Debug, Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Debug, Serialize)]
struct Lines {
    begin: u32,
}

pub fn render(report: &Report, out: &mut dyn Write, options: &GitlabOptions) -> io::Result<()> {
    let issues: Vec<Issue> = located::findings(report, options.cwd)
        .iter()
        .filter(|located| located.finding.is_active())
        .map(issue)
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

fn issue(located: &Located) -> Issue {
    let finding = located.finding;
    Issue {
        kind: "issue",
        check_name: finding.rule.id(),
        description: format!(
            "{} {}: {}{} (fix: {})",
            finding.rule.id(),
            finding.slug,
            located.place.prefix(),
            finding.message,
            finding.fix
        ),
        categories: [category(finding.rule.info().category)],
        severity: finding.severity.into(),
        fingerprint: located.fingerprint.clone(),
        location: Location {
            path: located.place.artifact.path().to_string(),
            lines: Lines { begin: 1 },
        },
    }
}

/// Code Climate's categories (its spec lists Bug Risk, Clarity, Compatibility, Complexity,
/// Duplication, Performance, Security, Style): whether the program starts where it is shipped
/// is compatibility; hardening and what a build leaks or carries are security; leftover
/// symbols and DWARF are size, the closest of which is performance.
fn category(category: Category) -> &'static str {
    match category {
        Category::Linking | Category::Runtime | Category::Image => "Compatibility",
        Category::Hardening | Category::GoBuild => "Security",
        Category::Debug => "Performance",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{FileReport, ImagePlace};
    use crate::rules::{Finding, Rule, Suppression, SuppressionKind};
    use crate::testkit::report::{file, image_section};

    fn file_with(path: &str, findings: Vec<Finding>) -> FileReport {
        let mut report = file(path, None, &[]);
        report.findings = findings;
        report
    }

    fn issues(report: &Report, cwd: Option<&Path>) -> serde_json::Value {
        let mut out = Vec::new();
        render(report, &mut out, &GitlabOptions { cwd }).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn one_issue_per_active_finding_with_the_fields_gitlab_reads() {
        let mut suppressed = Finding::new(Rule::Symtab, "symbols", "strip");
        suppressed.suppressed = Some(Suppression {
            kind: SuppressionKind::Baseline,
            reason: "in baseline".to_string(),
            expires: None,
        });
        let interp = Finding::new(Rule::DynamicInterpreter, "asks for ld.so", "CGO_ENABLED=0")
            .keyed("/lib64/ld-linux-x86-64.so.2");
        let dwarf = Finding::new(Rule::Dwarf, "DWARF left in", "-w");
        let app = file_with("/repo/bin/app", vec![interp, suppressed, dwarf]);
        let report = Report::new(vec![app], Vec::new());
        let value = issues(&report, Some(Path::new("/repo")));
        let issues = value.as_array().unwrap();
        assert_eq!(issues.len(), 2, "{value:#}");
        let first = &issues[0];
        assert_eq!(first["check_name"], "GS101");
        assert_eq!(first["type"], "issue");
        assert_eq!(first["severity"], "major");
        assert_eq!(first["categories"][0], "Compatibility");
        assert_eq!(first["location"]["path"], "bin/app");
        assert_eq!(first["location"]["lines"]["begin"], 1);
        assert_eq!(
            first["description"],
            "GS101 dynamic-interpreter: asks for ld.so (fix: CGO_ENABLED=0)"
        );
        assert_eq!(
            first["fingerprint"],
            located::fingerprint("GS101\0bin/app\0key\0/lib64/ld-linux-x86-64.so.2", 1)
        );
        assert_eq!(issues[1]["check_name"], "GS301");
        assert_eq!(issues[1]["severity"], "minor");
        assert_eq!(issues[1]["categories"][0], "Performance");
    }

    #[test]
    fn fingerprints_are_unique_and_ignore_the_message() {
        let a = Finding::new(Rule::NeededLibraries, "needs 1 library", "x").keyed("libc.so.6");
        let b = Finding::new(Rule::NeededLibraries, "needs 2 libraries", "y").keyed("libc.so.6");
        let one = Report::new(vec![file_with("bin/a", vec![a.clone(), a])], Vec::new());
        let two = Report::new(vec![file_with("bin/a", vec![b.clone(), b])], Vec::new());
        let (one, two) = (issues(&one, None), issues(&two, None));
        assert_ne!(one[0]["fingerprint"], one[1]["fingerprint"]);
        assert_eq!(one[0]["fingerprint"], two[0]["fingerprint"]);
        assert_eq!(one[1]["fingerprint"], two[1]["fingerprint"]);
    }

    #[test]
    fn image_findings_are_at_the_archive_and_name_the_path_in_the_image() {
        let user = Finding::new(Rule::RootUser, "runs as root", "USER 65532");
        let section = image_section("app:1", false, vec![user]);
        let mut app = file(&section.display_name(Some("/app")), None, &[Rule::Symtab]);
        app.place = Some(ImagePlace {
            section: 0,
            image: "app:1".to_string(),
            image_path: "/app".to_string(),
            layer: None,
        });
        let report = Report::with_images(vec![app], Vec::new(), vec![section]);
        let value = issues(&report, None);
        assert_eq!(value[0]["location"]["path"], "app.tar");
        assert_eq!(value[0]["check_name"], "GS601");
        assert_eq!(
            value[0]["description"],
            "GS601 root-user: image app:1: runs as root (fix: USER 65532)"
        );
        assert_eq!(value[1]["location"]["path"], "app.tar");
        assert_eq!(
            value[1]["description"],
            "GS302 symtab: /app in image app:1: m (fix: f)"
        );
        assert_eq!(
            value[1]["fingerprint"],
            located::fingerprint("GS302\0app.tar\0/app", 1)
        );
    }

    #[test]
    fn severities_map_onto_gitlab_levels() {
        for (severity, name) in [
            (Severity::Error, "major"),
            (Severity::Warning, "minor"),
            (Severity::Note, "info"),
        ] {
            let value = serde_json::to_value(CodeQualitySeverity::from(severity)).unwrap();
            assert_eq!(value, name);
        }
    }

    #[test]
    fn an_empty_report_is_an_empty_array() {
        let mut out = Vec::new();
        let report = Report::new(Vec::new(), Vec::new());
        render(&report, &mut out, &GitlabOptions::default()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[]\n");
    }
}
