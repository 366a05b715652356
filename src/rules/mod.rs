//! Rules turn facts into findings with stable IDs. Each rule is one function over the facts of
//! one file; the registry below is the single list of IDs, slugs and default severities. Rules
//! never touch bytes and never print.
//!
//! Rule IDs are never renumbered or reused (see `docs/rules.md`).

pub mod bases;
pub(crate) mod cpu_quota;
mod debug;
mod gobuild;
mod hardening;
pub mod image;
mod linking;
mod registry;
mod runtime;
mod verdict;

use serde::{Serialize, Serializer};

use crate::facts::FileFacts;
pub use gobuild::is_directory_path;
pub use registry::{Category, Rule, RuleInfo};
pub use verdict::{Base, Needs, Scratch, Verdict, fit};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl Rule {
    pub fn id(self) -> &'static str {
        self.info().id
    }
    pub fn slug(self) -> &'static str {
        self.info().slug
    }
    /// Find a rule by ID (`GS101`, any case) or slug (`dynamic-interpreter`).
    pub fn find(name: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.id().eq_ignore_ascii_case(name) || r.slug() == name)
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub slug: &'static str,
    pub severity: Severity,
    /// One line, with the evidence.
    pub message: String,
    /// The build flag or Dockerfile line that fixes it.
    pub fix: String,
    /// Set when a policy suppression or a baseline covers the finding: it is still reported,
    /// but it does not count towards `--fail-on`.
    pub suppressed: Option<Suppression>,
    /// Image-level findings about one path in the image (`/usr/bin/passwd` for GS607).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_path: Option<String>,
    /// The evidence that makes this the same problem across rebuilds (the interpreter for
    /// GS101, the libraries for GS102...; docs/rules.md gives each rule's), set by the rule
    /// that makes the finding. With the rule and the path it is the finding's fingerprint, for
    /// `--baseline` and SARIF; `None` when the rule and the path are enough.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Finding {
    pub fn new(rule: Rule, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Finding {
            rule,
            slug: rule.slug(),
            severity: rule.info().severity,
            message: message.into(),
            fix: fix.into(),
            suppressed: None,
            image_path: None,
            key: None,
        }
    }

    /// The same finding, with the evidence key that identifies it across rebuilds.
    pub fn keyed(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The same finding, about one path in an image.
    pub fn at(mut self, image_path: impl Into<String>) -> Self {
        self.image_path = Some(image_path.into());
        self
    }

    /// Whether the finding counts towards the summary and the exit code.
    pub fn is_active(&self) -> bool {
        self.suppressed.is_none()
    }
}

/// Why a finding does not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// `config` (a suppression or allow-list in gostatic.toml) or `baseline` (the finding is in
    /// the `--baseline` report).
    pub kind: SuppressionKind,
    /// The reason given in the policy file, or `in baseline FILE`.
    pub reason: String,
    /// `YYYY-MM-DD`, when the suppression expires.
    pub expires: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionKind {
    Config,
    Baseline,
}

/// A rule that was not judged for a file, and why (a static binary has no RELRO to check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotApplicable {
    pub rule: Rule,
    pub slug: &'static str,
    pub reason: String,
}

impl NotApplicable {
    pub fn new(rule: Rule, reason: impl Into<String>) -> Self {
        NotApplicable {
            rule,
            slug: rule.slug(),
            reason: reason.into(),
        }
    }
}

/// What the rules say about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub not_applicable: Vec<NotApplicable>,
    pub verdict: Verdict,
}

/// Collects what the rule functions report.
#[derive(Default)]
pub(crate) struct Sink {
    findings: Vec<Finding>,
    not_applicable: Vec<NotApplicable>,
}

impl Sink {
    pub(crate) fn found(&mut self, finding: Finding) {
        self.findings.push(finding);
    }
    pub(crate) fn not_applicable(&mut self, rule: Rule, reason: impl Into<String>) {
        self.not_applicable.push(NotApplicable::new(rule, reason));
    }
}

/// Run every rule over the facts of one file.
pub fn evaluate(facts: &FileFacts) -> Evaluation {
    let mut sink = Sink::default();
    match facts {
        FileFacts::Elf { elf, go } => {
            linking::check(elf, &mut sink);
            hardening::check(elf, go.as_deref(), &mut sink);
            debug::check(elf, &mut sink);
            if let Some(go) = go {
                gobuild::check(elf, go, &mut sink);
                cpu_quota::check(elf, go, &mut sink);
                runtime::check(go, &mut sink);
            }
        }
        FileFacts::Foreign(foreign) => linking::check_foreign(foreign, &mut sink),
        FileFacts::Script(script) => linking::check_script(script, &mut sink),
    }
    let mut findings = sink.findings;
    findings.sort_by_key(|f| f.rule);
    let mut not_applicable = sink.not_applicable;
    not_applicable.sort_by_key(|n| n.rule);
    Evaluation {
        verdict: verdict::judge(facts),
        findings,
        not_applicable,
    }
}

/// The first three of `names`, then how many more of `total` there are: evidence in messages.
pub(crate) fn first_few<S: AsRef<str>>(names: &[S], total: usize) -> String {
    const SHOWN: usize = 3;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ");
    let shown = names.len().min(SHOWN);
    if total > shown {
        text.push_str(&format!(" and {} more", total - shown));
    }
    text
}

/// `1.2 MiB`, `840 KiB`, `512 B`: sizes in messages.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_slugs_are_unique_and_well_formed() {
        let ids: HashSet<_> = Rule::ALL.iter().map(|r| r.id()).collect();
        let slugs: HashSet<_> = Rule::ALL.iter().map(|r| r.slug()).collect();
        assert_eq!(ids.len(), Rule::ALL.len());
        assert_eq!(slugs.len(), Rule::ALL.len());
        for rule in Rule::ALL {
            assert!(
                rule.id().starts_with("GS") && rule.id().len() == 5,
                "{}",
                rule.id()
            );
            assert!(
                rule.slug()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                rule.slug()
            );
        }
    }

    #[test]
    fn the_rule_list_is_stable() {
        let listed: Vec<String> = Rule::ALL
            .iter()
            .map(|r| format!("{} {} {}", r.id(), r.slug(), r.info().severity.as_str()))
            .collect();
        assert_eq!(
            listed,
            [
                "GS101 dynamic-interpreter error",
                "GS102 needed-libraries error",
                "GS103 not-linux error",
                "GS104 cgo warning",
                "GS105 static-glibc-nss warning",
                "GS106 rpath warning",
                "GS107 script error",
                "GS201 exec-stack error",
                "GS202 wx-segment error",
                "GS203 no-pie note",
                "GS204 no-relro note",
                "GS205 upx-packed warning",
                "GS301 dwarf warning",
                "GS302 symtab warning",
                "GS401 build-paths warning",
                "GS402 go-unsupported warning",
                "GS403 vcs-modified note",
                "GS404 no-buildinfo note",
                "GS405 local-replace note",
                "GS406 cpu-level note",
                "GS407 cpu-quota note",
                "GS501 needs-ca-certificates note",
                "GS502 needs-zoneinfo note",
                "GS503 needs-passwd note",
                "GS504 missing-libraries error",
                "GS505 symbol-versions error",
                "GS506 needs-tmp note",
                "GS507 needs-home note",
                "GS508 hosts-order note",
                "GS601 root-user warning",
                "GS602 unknown-user error",
                "GS603 entrypoint error",
                "GS604 arch-mismatch error",
                "GS605 shell-present note",
                "GS606 package-manager note",
                "GS607 setuid warning",
                "GS608 wasted-bytes note",
                "GS609 toolchain-in-image warning",
                "GS610 source-in-image warning",
                "GS611 named-user warning",
                "GS612 high-ids warning",
                "GS613 file-capabilities note",
            ]
        );
    }

    #[test]
    fn rules_are_found_by_id_or_slug() {
        assert_eq!(Rule::find("GS101"), Some(Rule::DynamicInterpreter));
        assert_eq!(Rule::find("gs302"), Some(Rule::Symtab));
        assert_eq!(Rule::find("wx-segment"), Some(Rule::WxSegment));
        assert_eq!(Rule::find("GS999"), None);
    }

    #[test]
    fn human_bytes_reads_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(1_258_291), "1.2 MiB");
        assert_eq!(human_bytes(300 * 1024 * 1024), "300 MiB");
    }
}
