//! The rule registry for people: `gostatic rules` (one line per rule, or JSON) and
//! `gostatic explain RULE` (the long form). Rendered from `rules::registry`, like the SARIF rule
//! metadata and `docs/rules.md`, so they never drift apart.

use std::io::{self, Write};

use serde::Serialize;

use crate::rules::{Rule, RuleInfo};

/// `GS101  error    linking    dynamic-interpreter  PT_INTERP requests ...`
pub fn render_list(out: &mut dyn Write) -> io::Result<()> {
    let slug_width = Rule::ALL.iter().map(|r| r.slug().len()).max().unwrap_or(0);
    for rule in Rule::ALL {
        let info = rule.info();
        writeln!(
            out,
            "{}  {:<7}  {:<9}  {:<slug_width$}  {}",
            info.id,
            info.severity.as_str(),
            info.category.as_str(),
            info.slug,
            info.summary
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct RuleList {
    schema: &'static str,
    rules: Vec<&'static RuleInfo>,
}

pub fn render_list_json(out: &mut dyn Write) -> io::Result<()> {
    let list = RuleList {
        schema: super::SCHEMA,
        rules: Rule::ALL.iter().map(|r| r.info()).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &list).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// The long form of one rule, wrapped for a terminal.
pub fn render_explain(rule: Rule, out: &mut dyn Write) -> io::Result<()> {
    let info = rule.info();
    writeln!(out, "{} {}: {}", info.id, info.slug, info.summary)?;
    writeln!(
        out,
        "severity: {} (default)    category: {}",
        info.severity.as_str(),
        info.category.as_str()
    )?;
    for (heading, text) in [
        ("Why it matters", info.rationale),
        ("How to fix it", info.fix),
        ("Evidence reported", info.evidence),
    ] {
        writeln!(out, "\n{heading}:")?;
        for line in wrap(text, 92) {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

pub fn render_explain_json(rule: Rule, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, rule.info()).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Greedy word wrap; a word longer than `width` gets a line of its own.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_and_the_width() {
        let text = "one two three four five six seven eight nine ten eleven twelve";
        let lines = wrap(text, 14);
        assert!(lines.iter().all(|l| l.len() <= 14), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert_eq!(
            wrap("averyveryverylongword x", 5),
            ["averyveryverylongword", "x"]
        );
        assert!(wrap("", 10).is_empty());
    }
}
