//! GitHub Actions workflow annotations (`--format github`): one `::error`, `::warning` or
//! `::notice` command per active finding, one `::error` per input that could not be read, then
//! the summary line as plain log text. Suppressed findings are not annotated. A finding inside
//! an image annotates the archive (`file=`), with the in-image path starting the message.
//!
//! Escaping follows the runner's command parser (actions/toolkit `command.ts`, `escapeData` and
//! `escapeProperty`): in the message `%`, CR and LF are percent-encoded; in properties also `:`
//! and `,`. Other control characters from untrusted files are shown as `\u{..}` so they cannot
//! reach the log viewer raw.

use std::io::{self, Write};
use std::path::Path;

use super::Report;
use super::location::Artifact;
use super::text::summary_line;
use crate::rules::{Finding, Severity};

#[derive(Debug, Clone, Default)]
pub struct GithubOptions<'a> {
    /// The working directory: annotations name files relative to it, as GitHub expects
    /// (the job's working directory is usually the checkout).
    pub cwd: Option<&'a Path>,
}

pub fn render(report: &Report, out: &mut dyn Write, options: &GithubOptions) -> io::Result<()> {
    let sections = report.images.as_deref().unwrap_or_default();
    let mut annotate = |finding: &Finding, file: &str, prefix: &str| {
        writeln!(
            out,
            "::{} file={},title={}::{}",
            command(finding.severity),
            escape_property(Artifact::locate(file, options.cwd).path()),
            escape_property(&format!("{} {}", finding.rule.id(), finding.slug)),
            escape_data(&format!(
                "{prefix}{} (fix: {})",
                finding.message, finding.fix
            )),
        )
    };
    for section in sections {
        for finding in section.findings.iter().filter(|f| f.is_active()) {
            let prefix = match &finding.image_path {
                Some(path) => format!("{path} in image {}: ", section.name),
                None => format!("image {}: ", section.name),
            };
            annotate(finding, &section.file, &prefix)?;
        }
    }
    for file in &report.files {
        let (source, prefix) = match &file.place {
            Some(place) => (
                sections[place.section].file.as_str(),
                format!("{} in image {}: ", place.image_path, place.image),
            ),
            None => (file.path.as_str(), String::new()),
        };
        for finding in file.findings.iter().filter(|f| f.is_active()) {
            annotate(finding, source, &prefix)?;
        }
    }
    for error in &report.errors {
        let (source, prefix) = match &error.place {
            Some(place) => (
                sections[place.section].file.as_str(),
                format!("{}: ", place.image_path),
            ),
            None => (error.path.as_str(), String::new()),
        };
        writeln!(
            out,
            "::error file={}::{}",
            escape_property(Artifact::locate(source, options.cwd).path()),
            escape_data(&format!("{prefix}{}", error.message)),
        )?;
    }
    writeln!(out, "{}", summary_line(report))
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// The message after `::`.
pub fn escape_data(text: &str) -> String {
    escape(text, false)
}

/// A `key=value` property: the message rules plus `:` and `,`, which end a property.
pub fn escape_property(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, property: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c if c.is_control() || crate::sanitize::hides_or_reorders(c) => {
                out.extend(c.escape_unicode())
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_line_breaks_only() {
        assert_eq!(escape_data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
    }

    #[test]
    fn properties_also_escape_colons_and_commas() {
        assert_eq!(escape_property("bin/a:b,c%\n"), "bin/a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn bidi_overrides_and_zero_width_characters_are_made_visible() {
        assert_eq!(
            escape_property("bin/x\u{202e}txt.exe\u{200b}"),
            "bin/x\\u{202e}txt.exe\\u{200b}"
        );
        assert_eq!(escape_data("a\u{2066}b"), "a\\u{2066}b");
    }

    #[test]
    fn other_control_characters_are_made_visible() {
        assert_eq!(escape_data("a\u{1b}[31mb\tc"), "a\\u{1b}[31mb\\u{9}c");
    }
}
