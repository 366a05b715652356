//! JUnit XML (`--format junit`) for GitLab's test report and Jenkins' JUnit plugin: one
//! `<testsuite>` for a `check` run; for `image`, one `<testsuite>` per image (named as the image
//! is: `SOURCE` or `SOURCE[NAME]`) holding its cases, and one per source that could not be
//! read. One `<testcase>` per image (`gostatic image`: name `SOURCE` or
//! `SOURCE[NAME]`, failing on the image-level findings and on those that keep the programs its
//! command runs from starting (the image verdict's `starts: no`), with the size story in
//! `<system-out>`), one per reported file (classname `gostatic`, name the path) and one per
//! input that could not be read (`<error>`).
//!
//! A file's test case fails with the active findings at or above the threshold the caller
//! passes (the CLI gives `--fail-on`; this module does not choose it). Every other finding,
//! suppressed ones included, and the scratch verdict go to `<system-out>`, so the report shows
//! them without failing. Files the verdict does not apply to (shared libraries, objects) are
//! `<skipped>` unless they fail.
//!
//! The XML is written by hand: a dozen elements do not justify a dependency. Text and
//! attributes are escaped, and characters XML 1.0 cannot carry at all (most C0 controls) are
//! written as visible `\u{..}`. No timestamps or durations, so runs are byte-identical.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::image::ImageSection;
use super::{FileReport, Report};
use crate::rules::image::START_RULES;
use crate::rules::{Finding, Scratch, Severity, SuppressionKind};

#[derive(Debug, Clone, Copy, Default)]
pub struct JunitOptions {
    /// Findings at or above this severity fail their test case; `None` never fails one.
    pub fail_at: Option<Severity>,
}

/// One test case's outcome.
enum Case<'a> {
    Passed,
    Failed(Vec<&'a Finding>),
    Skipped,
}

pub fn render(report: &Report, out: &mut dyn Write, options: JunitOptions) -> io::Result<()> {
    let sections = report.images.as_deref().unwrap_or_default();
    let image_cases: Vec<Case> = sections
        .iter()
        .enumerate()
        .map(|(index, image)| {
            // An image fails with its own findings and with those that stop the programs its
            // command runs from starting (a missing library of the entrypoint, say).
            let programs = image.verdict.as_ref().map_or(&[][..], |v| &v.programs[..]);
            let started = report.files.iter().filter(|file| {
                file.place
                    .as_ref()
                    .is_some_and(|p| p.section == index && programs.contains(&p.image_path))
            });
            let mut failing = failing(&image.findings, options.fail_at);
            for file in started {
                failing.extend(
                    self::failing(&file.findings, options.fail_at)
                        .into_iter()
                        .filter(|f| START_RULES.contains(&f.rule)),
                );
            }
            if failing.is_empty() {
                Case::Passed
            } else {
                Case::Failed(failing)
            }
        })
        .collect();
    let cases: Vec<Case> = report
        .files
        .iter()
        .map(|file| judge(file, options.fail_at))
        .collect();
    // `check`: one suite. `image`: a suite per image (its own case, its files', its files'
    // errors), then one per source that could not be read.
    let mut suites: Vec<Suite> = Vec::new();
    if report.images.is_none() {
        suites.push(Suite {
            name: "gostatic check".to_string(),
            files: (0..report.files.len()).collect(),
            errors: (0..report.errors.len()).collect(),
            image: None,
        });
    } else {
        let section = |place: Option<&super::ImagePlace>| place.map(|p| p.section);
        for (index, image) in sections.iter().enumerate() {
            suites.push(Suite {
                name: image.label(),
                image: Some(index),
                files: (0..report.files.len())
                    .filter(|&i| section(report.files[i].place.as_ref()) == Some(index))
                    .collect(),
                errors: (0..report.errors.len())
                    .filter(|&i| section(report.errors[i].place.as_ref()) == Some(index))
                    .collect(),
            });
        }
        let placed = |index: Option<usize>| index.is_some_and(|i| i < sections.len());
        let loose_files: Vec<usize> = (0..report.files.len())
            .filter(|&i| !placed(section(report.files[i].place.as_ref())))
            .collect();
        if !loose_files.is_empty() {
            suites.push(Suite {
                name: "gostatic image".to_string(),
                image: None,
                files: loose_files,
                errors: Vec::new(),
            });
        }
        for (i, error) in report.errors.iter().enumerate() {
            if !placed(section(error.place.as_ref())) {
                suites.push(Suite {
                    name: error.path.clone(),
                    image: None,
                    files: Vec::new(),
                    errors: vec![i],
                });
            }
        }
    }
    let tally = |suite: &Suite| {
        let image_case = suite.image.map(|i| &image_cases[i]);
        let file_cases = suite.files.iter().map(|&i| &cases[i]);
        let all: Vec<&Case> = image_case.into_iter().chain(file_cases).collect();
        let failures = all.iter().filter(|c| matches!(c, Case::Failed(_))).count();
        let skipped = all.iter().filter(|c| matches!(c, Case::Skipped)).count();
        (
            all.len() + suite.errors.len(),
            failures,
            suite.errors.len(),
            skipped,
        )
    };
    let counts = |(tests, failures, errors, skipped): (usize, usize, usize, usize)| {
        format!(
            "tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\""
        )
    };
    let total = suites.iter().map(tally).fold((0, 0, 0, 0), |a, b| {
        (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3)
    });
    let mut xml = String::new();
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(xml, "<testsuites name=\"gostatic\" {}>", counts(total));
    for suite in &suites {
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" {}>",
            attr(&suite.name),
            counts(tally(suite))
        );
        if let Some(index) = suite.image {
            write_image_case(&mut xml, &sections[index], &image_cases[index]);
        }
        for &i in &suite.files {
            let file = &report.files[i];
            let summary = format!("{}\n", file.verdict.summary);
            write_case(&mut xml, &file.path, &summary, &file.findings, &cases[i]);
        }
        for &i in &suite.errors {
            let error = &report.errors[i];
            let _ = writeln!(
                xml,
                "    <testcase classname=\"gostatic\" name=\"{}\">\n      <error message=\"{}\" type=\"input-error\">{}</error>\n    </testcase>",
                attr(&error.path),
                attr(&error.message),
                text(&error.line()),
            );
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    out.write_all(xml.as_bytes())
}

/// What one `<testsuite>` holds, by index into the report's images, files and errors.
struct Suite {
    name: String,
    image: Option<usize>,
    files: Vec<usize>,
    errors: Vec<usize>,
}

/// An image's own test case: its verdict and size story, failing as `render` judged it.
fn write_image_case(xml: &mut String, image: &ImageSection, case: &Case) {
    let mut summary = format!(
        "image {} ({}, {})\n",
        image.name,
        image.format.as_str(),
        image.platform
    );
    if let Some(verdict) = &image.verdict {
        let _ = writeln!(summary, "{}", verdict.summary());
    }
    if let Some(size) = &image.size {
        let _ = writeln!(summary, "size: {}", super::image::size_line(size));
        for line in &size.dockerfile {
            let _ = writeln!(summary, "  {line}");
        }
        if let Some(reason) = &size.no_stage_reason {
            let _ = writeln!(summary, "final stage: none: {reason}");
        }
    }
    write_case(xml, &image.label(), &summary, &image.findings, case);
}

/// The active findings at or above the threshold.
fn failing(findings: &[Finding], fail_at: Option<Severity>) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.is_active() && fail_at.is_some_and(|level| f.severity >= level))
        .collect()
}

fn judge(file: &FileReport, fail_at: Option<Severity>) -> Case<'_> {
    let failing = failing(&file.findings, fail_at);
    if !failing.is_empty() {
        Case::Failed(failing)
    } else if file.verdict.scratch == Scratch::NotApplicable {
        Case::Skipped
    } else {
        Case::Passed
    }
}

/// One test case: `name`, its outcome, then `summary` (the verdict, or the image's facts) and
/// the findings that did not fail it in `<system-out>`.
fn write_case(xml: &mut String, name: &str, summary: &str, findings: &[Finding], case: &Case) {
    let _ = writeln!(
        xml,
        "    <testcase classname=\"gostatic\" name=\"{}\">",
        attr(name)
    );
    let mut in_failure: &[&Finding] = &[];
    match case {
        Case::Failed(failing) => {
            in_failure = failing;
            let rules: Vec<&str> = failing.iter().map(|f| f.rule.id()).collect();
            let names: Vec<String> = failing
                .iter()
                .map(|f| format!("{} {}", f.rule.id(), f.slug))
                .collect();
            let body: String = failing.iter().map(|f| finding_lines(f)).collect();
            let _ = writeln!(
                xml,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                attr(&format!(
                    "{} finding{}: {}",
                    failing.len(),
                    if failing.len() == 1 { "" } else { "s" },
                    names.join(", ")
                )),
                attr(&rules.join(" ")),
                text(&body),
            );
        }
        Case::Skipped => {
            let _ = writeln!(
                xml,
                "      <skipped message=\"{}\"/>",
                attr(summary.trim_end())
            );
        }
        Case::Passed => {}
    }
    let mut others = summary.to_string();
    for finding in findings {
        if in_failure.iter().any(|f| std::ptr::eq(*f, finding)) {
            continue;
        }
        others.push_str(&finding_lines(finding));
    }
    let _ = writeln!(xml, "      <system-out>{}</system-out>", text(&others));
    xml.push_str("    </testcase>\n");
}

/// `error[GS101 dynamic-interpreter] message` and an indented fix line, as the text report
/// prints them; suppressed findings say by what.
fn finding_lines(finding: &Finding) -> String {
    let mut lines = format!(
        "{}[{} {}] {}\n  fix: {}\n",
        finding.severity.as_str(),
        finding.rule.id(),
        finding.slug,
        finding.message,
        finding.fix
    );
    if let Some(suppression) = &finding.suppressed {
        let kind = match suppression.kind {
            SuppressionKind::Config => "config",
            SuppressionKind::Baseline => "baseline",
        };
        let _ = write!(lines, "  suppressed ({kind}): {}", suppression.reason);
        if let Some(expires) = &suppression.expires {
            let _ = write!(lines, ", until {expires}");
        }
        lines.push('\n');
    }
    lines
}

/// Character data: `&`, `<` and `>` as entities.
fn text(value: &str) -> String {
    escape(value, false)
}

/// An attribute value in double quotes: also `"`, `'`, and the whitespace an XML parser would
/// otherwise normalise to spaces.
fn attr(value: &str) -> String {
    escape(value, true)
}

fn escape(value: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            // Not allowed in an XML 1.0 document in any form (XML 1.0 §2.2, `Char`).
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.extend(c.escape_unicode())
            }
            // Allowed in XML, but they hide or reorder what a reader of the CI page sees.
            c if crate::sanitize::hides_or_reorders(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_overrides_are_made_visible_in_text_and_attributes() {
        assert_eq!(escape("a\u{202e}b", false), "a\\u{202e}b");
        assert_eq!(attr("\u{feff}x\u{2069}"), "\\u{feff}x\\u{2069}");
    }

    #[test]
    fn text_and_attributes_are_escaped() {
        assert_eq!(text("a<b>&\"c'\n"), "a&lt;b&gt;&amp;\"c'\n");
        assert_eq!(
            attr("a<b>&\"c'\n\t"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#10;&#9;"
        );
    }

    #[test]
    fn characters_xml_cannot_carry_are_made_visible() {
        assert_eq!(text("a\u{0}b\u{1b}c\u{ffff}"), "a\\u{0}b\\u{1b}c\\u{ffff}");
        assert_eq!(text("x\ry"), "x&#13;y");
    }
}
