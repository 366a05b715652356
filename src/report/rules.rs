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
    serde_json::to_writer_pretty(&mut *out, &list).map_err(io::Error::from)?;
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
        ("Matched across builds by", info.key),
        ("Example", info.example),
    ] {
        writeln!(out, "\n{heading}:")?;
        for line in wrap(text, 92) {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

pub fn render_explain_json(rule: Rule, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, rule.info()).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// `docs/rules.md`: the table of rules, then one section per rule. A test compares it with the
/// committed file, so the documentation cannot drift from the registry.
pub fn render_markdown(out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# Rules")?;
    writeln!(out)?;
    writeln!(
        out,
        "<!-- Generated from src/rules/registry.rs; do not edit. \
         Regenerate with `GOSTATIC_BLESS=1 cargo test rules_md`. -->"
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Every finding names its rule by a stable ID and a slug; IDs are never renumbered or \
         reused. `gostatic rules` lists them and `gostatic explain RULE` prints one. The \
         severity below is the default: `gostatic.toml` and `--deny`/`--warn`/`--allow` change \
         it, and suppressions accept single findings with a reason (docs/config.md)."
    )?;
    writeln!(out)?;
    writeln!(out, "| ID | slug | default | category | what it finds |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for rule in Rule::ALL {
        let info = rule.info();
        writeln!(
            out,
            "| [{id}](#{anchor}) | `{slug}` | {severity} | {category} | {summary} |",
            id = info.id,
            anchor = format!("{}-{}", info.id, info.slug).to_ascii_lowercase(),
            slug = info.slug,
            severity = info.severity.as_str(),
            category = info.category.as_str(),
            summary = prose(info.summary).replace('|', "\\|"),
        )?;
    }
    for rule in Rule::ALL {
        let info = rule.info();
        writeln!(out)?;
        writeln!(out, "## {} {}", info.id, info.slug)?;
        writeln!(out)?;
        writeln!(
            out,
            "Default severity **{}**, category {}. {}",
            info.severity.as_str(),
            info.category.as_str(),
            sentence(&prose(info.summary))
        )?;
        // The rationale and fix are written as sentences already ("glibc ..." stays lowercase).
        for (heading, text) in [
            ("Why it matters", prose(info.rationale)),
            ("How to fix it", prose(info.fix)),
            ("Evidence reported", sentence(&prose(info.evidence))),
            ("Matched across builds by", sentence(&prose(info.key))),
        ] {
            writeln!(out)?;
            writeln!(out, "**{heading}.** {text}")?;
        }
        writeln!(out)?;
        writeln!(out, "Example:")?;
        writeln!(out)?;
        writeln!(out, "```text")?;
        writeln!(
            out,
            "{}[{} {}] {}",
            info.severity.as_str(),
            info.id,
            info.slug,
            info.example
        )?;
        writeln!(out, "```")?;
    }
    Ok(())
}

/// Registry text as Markdown prose: `*` and `_` are literal (`libnss_*.so`, `.debug_*`).
fn prose(text: &str) -> String {
    text.replace('*', "\\*").replace('_', "\\_")
}

/// Capitalised, with a full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut sentence: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !sentence.ends_with('.') {
        sentence.push('.');
    }
    sentence
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

    /// docs/rules.md is rendered from the registry; `GOSTATIC_BLESS=1` rewrites it.
    #[test]
    fn rules_md_matches_the_registry() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
        let mut rendered = Vec::new();
        render_markdown(&mut rendered).unwrap();
        let rendered = String::from_utf8(rendered).unwrap();
        if std::env::var_os("GOSTATIC_BLESS").is_some() {
            std::fs::write(&path, &rendered).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == rendered,
            "docs/rules.md is out of date with the rule registry: run GOSTATIC_BLESS=1 cargo test rules_md"
        );
    }
}
