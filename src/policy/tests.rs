//! Policy parsing, merging and matching, with pinned dates.

use super::*;
use crate::report::{FileReport, Report};
use crate::rules::{Finding, SuppressionKind};
use crate::testkit::report::{file, image_section};

fn parse(text: &str) -> Policy {
    Policy::parse(text, "gostatic.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn error(text: &str) -> String {
    Policy::parse(text, "gostatic.toml")
        .unwrap_err()
        .to_string()
}

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

const HASH_A: &str = "aaaa000000000000000000000000000000000000000000000000000000000000";
const HASH_B: &str = "bbbb000000000000000000000000000000000000000000000000000000000000";

#[test]
fn an_empty_file_is_the_defaults() {
    let policy = parse("");
    assert_eq!(policy.fail_on, None);
    assert_eq!(policy.severity(Rule::NoPie), Some(Severity::Note));
    assert!(policy.entries.is_empty());
    assert!(!policy.is_ignored("bin/x"));
    assert!(!policy.needs_hash());
}

#[test]
fn levels_by_id_or_slug_and_fail_on() {
    let policy = parse(
        "fail-on = \"warning\"\n[rules]\nGS203 = \"off\"\nbuild-paths = \"error\"\ngs302 = \"note\"\n",
    );
    assert_eq!(policy.fail_on, Some(FailOn::Warning));
    assert_eq!(policy.severity(Rule::NoPie), None);
    assert_eq!(policy.severity(Rule::BuildPaths), Some(Severity::Error));
    assert_eq!(policy.severity(Rule::Symtab), Some(Severity::Note));
    assert_eq!(policy.severity(Rule::Dwarf), Some(Severity::Warning));
}

#[test]
fn errors_name_the_file_line_and_column() {
    assert_eq!(
        error("fail-on = \"error\"\n\n\n\n\n\nseverty = 1\n"),
        "gostatic.toml:7:1: unknown field `severty`, expected one of `fail-on`, `rules`, `ignore`, `allow`, `suppress`, `cpu-level`"
    );
    assert_eq!(
        error("[rules]\nGS203 = \"off\"\nGS999 = \"error\"\n"),
        "gostatic.toml:3:1: unknown rule `GS999`, expected a rule ID or slug (see `gostatic rules`)"
    );
    assert_eq!(
        error("[rules]\nno-pie = \"fatal\"\n"),
        "gostatic.toml:2:10: unknown variant `fatal`, expected one of `error`, `warning`, `note`, `off`"
    );
    assert_eq!(
        error("fail-on = \"sometimes\""),
        "gostatic.toml:1:11: unknown variant `sometimes`, expected one of `error`, `warning`, `note`, `never`"
    );
    assert_eq!(
        error("ignore = [\"ok/*\", \"bad/[\"]"),
        "gostatic.toml:1:19: invalid glob `bad/[`: unclosed character class; missing ']'"
    );
    assert_eq!(
        error("[rules]\nno-pie = \"off\"\nGS203 = \"error\"\n"),
        "gostatic.toml:3:1: `GS203` and `no-pie` are the same rule, GS203"
    );
    let bad_syntax = error("[rules\n");
    assert!(bad_syntax.starts_with("gostatic.toml:1:"), "{bad_syntax}");
    assert!(!bad_syntax.contains('\n'), "{bad_syntax}");
}

#[test]
fn suppressions_need_a_rule_and_a_reason() {
    assert_eq!(
        error("[[suppress]]\nrule = \"GS401\"\nreason = \"  \"\n"),
        "gostatic.toml:3:10: empty reason: say why this finding is accepted"
    );
    let missing = error("[[suppress]]\nrule = \"GS401\"\n");
    assert!(
        missing.starts_with("gostatic.toml:1:1: missing field `reason`"),
        "{missing}"
    );
    let missing = error("\n[[suppress]]\nreason = \"x\"\n");
    assert!(
        missing.starts_with("gostatic.toml:2:1: missing field `rule`"),
        "{missing}"
    );
    assert_eq!(
        error("[[suppress]]\nrule = \"GS401\"\nreason = \"x\"\nexpires = 2027-02-30\n"),
        "gostatic.toml:4:11: invalid date, expected day between 01 and 28"
    );
    assert_eq!(
        error("[[suppress]]\nrule = \"GS401\"\nreason = \"x\"\nexpires = \"31/01/2027\"\n"),
        "gostatic.toml:4:11: invalid date `31/01/2027`: expected a calendar day as YYYY-MM-DD"
    );
    let timed =
        error("[[suppress]]\nrule = \"GS401\"\nreason = \"x\"\nexpires = 2027-01-31T10:00:00\n");
    assert!(
        timed.starts_with("gostatic.toml:4:11: invalid date"),
        "{timed}"
    );
    assert_eq!(
        error("[[suppress]]\nrule = \"GS401\"\nreason = \"x\"\nsha256 = \"abc\"\n"),
        "gostatic.toml:4:10: invalid sha256 `abc`: expected 64 hex digits"
    );
}

#[test]
fn allow_entries_need_a_selector() {
    assert_eq!(
        error("[[allow]]\nreason = \"x\"\nrules = [\"GS401\"]\n"),
        "gostatic.toml:1:1: an [[allow]] entry needs `sha256`, `module` or `image-path` (to turn a rule off everywhere, use [rules])"
    );
    let unknown = error(
        "[[allow]]\nmodule = \"example.com/x\"\nrules = [\"GS401\", \"nope\"]\nreason = \"x\"\n",
    );
    assert!(
        unknown.starts_with("gostatic.toml:3:19: unknown rule `nope`"),
        "{unknown}"
    );
    let empty = error("[[allow]]\nmodule = \"m\"\nrules = []\nreason = \"x\"\n");
    assert!(
        empty.starts_with("gostatic.toml:1:1: an [[allow]] entry with `rules = []`"),
        "{empty}"
    );
    let path = error("[[allow]]\npath = \"bin/*\"\nreason = \"x\"\n");
    assert!(
        path.starts_with("gostatic.toml:2:1: unknown field `path`"),
        "{path}"
    );
}

#[test]
fn entries_remember_their_line_and_dates() {
    let policy = parse(&format!(
        "\n[[suppress]]\nrule = \"build-paths\"\npath = \"bin/*\"\nreason = \"vendor build\"\nexpires = 2027-01-31\n\n\
         [[allow]]\nsha256 = \"{}\"\nreason = \"legacy\"\nexpires = \"2026-06-30\"\n",
        HASH_A.to_uppercase()
    ));
    assert_eq!(policy.entries.len(), 2);
    let suppress = &policy.entries[0];
    assert_eq!((suppress.kind, suppress.line), (EntryKind::Suppress, 2));
    assert_eq!(suppress.rules.as_deref(), Some(&[Rule::BuildPaths][..]));
    assert_eq!(suppress.expires, Some(day("2027-01-31")));
    let allow = &policy.entries[1];
    assert_eq!((allow.kind, allow.line), (EntryKind::Allow, 8));
    assert_eq!(allow.rules, None);
    assert_eq!(allow.sha256.as_deref(), Some(HASH_A));
    assert_eq!(allow.expires, Some(day("2026-06-30")));
    assert!(policy.needs_hash());
    // The expiry date itself is the last day the entry holds.
    assert!(!suppress.is_expired(day("2027-01-31")));
    assert!(suppress.is_expired(day("2027-02-01")));
}

#[test]
fn selectors_must_all_match() {
    let policy = parse(&format!(
        "[[suppress]]\nrule = \"GS401\"\npath = \"dist/**\"\nsha256 = \"{HASH_A}\"\nmodule = \"example.com/x\"\nreason = \"r\"\n"
    ));
    let entry = &policy.entries[0];
    let target = Target {
        path: "./dist/linux/server",
        sha256: Some(HASH_A),
        module: Some("example.com/x"),
        image_path: None,
    };
    assert!(entry.covers(Rule::BuildPaths, &target));
    assert!(!entry.covers(Rule::Dwarf, &target));
    for other in [
        Target {
            path: "bin/server",
            ..target
        },
        Target {
            sha256: Some(HASH_B),
            ..target
        },
        Target {
            sha256: None,
            ..target
        },
        Target {
            module: Some("example.com/x/v2"),
            ..target
        },
        Target {
            module: None,
            ..target
        },
    ] {
        assert!(!entry.covers(Rule::BuildPaths, &other), "{other:?}");
    }
}

#[test]
fn image_paths_match_only_in_images() {
    let policy = parse("[[allow]]\nimage-path = \"/usr/bin/*\"\nreason = \"base image tools\"\n");
    let entry = &policy.entries[0];
    let in_check = Target {
        path: "/usr/bin/env",
        sha256: None,
        module: None,
        image_path: None,
    };
    assert!(!entry.covers(Rule::Symtab, &in_check));
    let in_image = Target {
        image_path: Some("/usr/bin/env"),
        ..in_check
    };
    assert!(entry.covers(Rule::Symtab, &in_image));
}

#[test]
fn ignore_globs() {
    let policy = parse("ignore = [\"vendor/**\", \"*.debug\"]\n");
    assert!(policy.is_ignored("vendor/a/b"));
    assert!(policy.is_ignored("./vendor/a"));
    assert!(policy.is_ignored("dist/server.debug"));
    assert!(!policy.is_ignored("dist/server"));
}

#[test]
fn the_command_line_overrides_the_file() {
    let mut policy = parse("[rules]\nGS203 = \"off\"\nGS401 = \"error\"\n");
    policy.set_level(Rule::NoPie, Level::Error);
    policy.set_level(Rule::BuildPaths, Level::Off);
    assert_eq!(policy.severity(Rule::NoPie), Some(Severity::Error));
    assert_eq!(policy.severity(Rule::BuildPaths), None);
}

fn report(files: Vec<FileReport>) -> Report {
    Report::new(files, Vec::new())
}

#[test]
fn apply_sets_levels_drops_off_rules_and_recounts() {
    let mut report = report(vec![file(
        "bin/a",
        None,
        &[Rule::NoPie, Rule::Dwarf, Rule::BuildPaths],
    )]);
    assert_eq!(report.summary.findings.warning, 2);
    let policy = parse("[rules]\nno-pie = \"off\"\nGS401 = \"error\"\n");
    apply(&mut report, &policy, None, day("2026-01-01"));
    let findings = &report.files[0].findings;
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0].rule, Rule::Dwarf);
    assert_eq!(findings[1].severity, Severity::Error);
    assert_eq!(report.summary.findings.error, 1);
    assert_eq!(report.summary.findings.warning, 1);
    assert_eq!(report.summary.findings.note, 0);
}

#[test]
fn a_severity_an_image_rule_set_stands_unless_the_policy_sets_a_level() {
    let raised = || {
        let mut file = file(
            "img:/app",
            None,
            &[Rule::NeedsCaCertificates, Rule::NeedsZoneinfo],
        );
        for finding in &mut file.findings {
            finding.severity = Severity::Error;
        }
        report(vec![file])
    };
    let mut kept = raised();
    apply(&mut kept, &parse(""), None, day("2026-01-01"));
    assert_eq!(kept.summary.findings.error, 2);

    let mut lowered = raised();
    apply(
        &mut lowered,
        &parse("[rules]\nGS501 = \"warning\"\n"),
        None,
        day("2026-01-01"),
    );
    assert_eq!(lowered.files[0].findings[0].severity, Severity::Warning);
    assert_eq!(lowered.files[0].findings[1].severity, Severity::Error);
}

#[test]
fn suppressions_mark_findings_until_they_expire() {
    let text = "[[suppress]]\nrule = \"GS401\"\npath = \"bin/*\"\nreason = \"fixed in v2\"\nexpires = 2026-01-31\n";
    let policy = parse(text);
    let fresh = || {
        report(vec![
            file("bin/a", None, &[Rule::BuildPaths]),
            file("lib/b", None, &[Rule::BuildPaths]),
        ])
    };

    let mut before = fresh();
    apply(&mut before, &policy, None, day("2026-01-31"));
    let suppressed = before.files[0].findings[0].suppressed.as_ref().unwrap();
    assert_eq!(suppressed.kind, SuppressionKind::Config);
    assert_eq!(suppressed.reason, "fixed in v2");
    assert_eq!(suppressed.expires.as_deref(), Some("2026-01-31"));
    assert!(before.files[1].findings[0].is_active());
    assert_eq!(
        (before.summary.suppressed, before.summary.findings.warning),
        (1, 1)
    );
    assert!(before.notices.is_empty());

    let mut after = fresh();
    apply(&mut after, &policy, None, day("2026-02-01"));
    assert!(after.files[0].findings[0].is_active());
    assert_eq!(
        (after.summary.suppressed, after.summary.findings.warning),
        (0, 2)
    );
    assert_eq!(
        after.notices,
        ["gostatic.toml:1: suppression of GS401 for bin/a expired on 2026-01-31"]
    );
}

#[test]
fn a_live_entry_still_suppresses_next_to_an_expired_one() {
    let text = "[[suppress]]\nrule = \"GS401\"\nreason = \"old\"\nexpires = 2020-01-01\n\n\
                [[allow]]\nmodule = \"example.com/x\"\nreason = \"new\"\n";
    let policy = parse(text);
    let mut r = report(vec![file("bin/a", None, &[Rule::BuildPaths])]);
    apply(&mut r, &policy, None, day("2026-01-01"));
    // No module facts on this file: the allow entry cannot match, the old one has expired.
    assert!(r.files[0].findings[0].is_active());
    assert_eq!(r.notices.len(), 1);
}

#[test]
fn allow_by_hash_covers_the_listed_rules() {
    let text = format!(
        "[[allow]]\nsha256 = \"{HASH_A}\"\nrules = [\"dwarf\", \"GS302\"]\nreason = \"debug build\"\n"
    );
    let policy = parse(&text);
    let mut r = report(vec![
        file(
            "a",
            Some(HASH_A),
            &[Rule::Dwarf, Rule::Symtab, Rule::BuildPaths],
        ),
        file("b", Some(HASH_B), &[Rule::Dwarf]),
    ]);
    apply(&mut r, &policy, None, day("2026-01-01"));
    let active: Vec<bool> = r.files[0].findings.iter().map(Finding::is_active).collect();
    assert_eq!(active, [false, false, true]);
    assert!(r.files[1].findings[0].is_active());
    assert_eq!(r.summary.suppressed, 2);
}

#[test]
fn ignored_files_and_their_errors_leave_the_report() {
    let errors = vec![crate::error::InputError {
        path: "vendor/broken".to_string(),
        kind: crate::error::InputErrorKind::Empty,
    }];
    let mut r = Report::new(
        vec![
            file("vendor/x", None, &[Rule::Dwarf]),
            file("bin/y", None, &[]),
        ],
        errors,
    );
    apply(
        &mut r,
        &parse("ignore = [\"vendor/**\"]"),
        None,
        day("2026-01-01"),
    );
    assert_eq!(r.files.len(), 1);
    assert!(r.errors.is_empty());
    assert_eq!(
        (
            r.summary.files,
            r.summary.errors,
            r.summary.findings.warning
        ),
        (1, 0, 0)
    );
}

#[test]
fn the_baseline_marks_known_findings_after_the_config() {
    let json = format!(
        r#"{{"schema":"gostatic/v1","files":[{{"path":"bin/a","sha256":"{HASH_A}","findings":[{{"rule":"GS301"}},{{"rule":"GS302"}}]}}]}}"#
    );
    let baseline = Baseline::parse(json.as_bytes(), "prev.json", None).unwrap();
    let policy = parse("[[suppress]]\nrule = \"GS302\"\nreason = \"accepted\"\n");
    let mut r = report(vec![
        file(
            "bin/a",
            Some(HASH_A),
            &[Rule::Dwarf, Rule::Symtab, Rule::BuildPaths],
        ),
        file("bin/rebuilt", Some(HASH_B), &[Rule::Dwarf]),
    ]);
    apply(&mut r, &policy, Some(&baseline), day("2026-01-01"));
    let kinds: Vec<Option<SuppressionKind>> = r.files[0]
        .findings
        .iter()
        .map(|f| f.suppressed.as_ref().map(|s| s.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            Some(SuppressionKind::Baseline),
            Some(SuppressionKind::Config),
            None
        ]
    );
    assert_eq!(
        r.files[0].findings[0].suppressed.as_ref().unwrap().reason,
        "in baseline prev.json"
    );
    assert!(r.files[1].findings[0].is_active());
    assert_eq!((r.summary.suppressed, r.summary.findings.warning), (2, 2));
}

#[test]
fn the_committed_example_parses() {
    let example = include_str!("../../docs/gostatic.example.toml");
    let policy =
        Policy::parse(example, "docs/gostatic.example.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(policy.fail_on, Some(FailOn::Warning));
    assert_eq!(policy.severity(Rule::NoPie), None);
    assert_eq!(policy.entries.len(), 5);
    assert!(policy.is_ignored("third_party/x/bin"));
}

#[test]
fn config_md_shows_the_committed_example() {
    let doc = include_str!("../../docs/config.md");
    let example = include_str!("../../docs/gostatic.example.toml");
    let start = doc.rfind("```toml\n").expect("a toml block") + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    assert_eq!(
        &doc[start..end],
        example,
        "docs/config.md and docs/gostatic.example.toml differ"
    );
}

#[test]
fn ignore_globs_drop_image_findings_by_their_place() {
    let setuid = |path: &str| Finding::new(Rule::Setuid, "m", "f").at(path);
    let findings = || {
        vec![
            Finding::new(Rule::RootUser, "m", "f"),
            setuid("/bin/mount"),
            setuid("/usr/bin/su"),
        ]
    };
    let mut r = Report::with_images(
        Vec::new(),
        Vec::new(),
        vec![
            image_section("a:1", true, findings()),
            image_section("b:2", true, findings()),
        ],
    );
    assert_eq!(r.summary.findings.warning, 6);
    apply(
        &mut r,
        // `[` opens a character class in a glob: the image's name is written escaped.
        &parse("ignore = ['app.tar\\[b:2\\]:/usr/bin/**']"),
        None,
        day("2026-01-01"),
    );
    let kept = |index: usize| -> Vec<Option<String>> {
        r.images.as_ref().unwrap()[index]
            .findings
            .iter()
            .map(|f| f.image_path.clone())
            .collect()
    };
    assert_eq!(kept(0).len(), 3, "image a:1 is not matched");
    assert_eq!(kept(1), [None, Some("/bin/mount".to_string())]);
    assert_eq!(r.summary.findings.warning, 5);

    // The image's own name covers its findings about the whole image, not its paths.
    let mut whole = Report::with_images(
        Vec::new(),
        Vec::new(),
        vec![image_section("a:1", false, findings())],
    );
    apply(
        &mut whole,
        &parse("ignore = [\"app.tar\"]"),
        None,
        day("2026-01-01"),
    );
    let rules: Vec<Rule> = whole.images.as_ref().unwrap()[0]
        .findings
        .iter()
        .map(|f| f.rule)
        .collect();
    assert_eq!(rules, [Rule::Setuid, Rule::Setuid]);
}

#[test]
fn files_are_read_whole_up_to_the_limit_and_refused_beyond() {
    let dir = tempfile::tempdir().unwrap();
    let exact = dir.path().join("exact");
    std::fs::write(&exact, b"12345678").unwrap();
    assert_eq!(read_limited(&exact, 8).unwrap(), b"12345678");
    assert_eq!(read_limited(&exact, 9).unwrap(), b"12345678");
    assert_eq!(read_limited(&exact, 7).unwrap_err(), "larger than 7 bytes");
    assert_eq!(
        read_limited(&dir.path().join("missing"), 8).unwrap_err(),
        "no such file or directory"
    );
}

#[test]
fn globs_of_a_file_found_above_are_rooted_where_it_was_found() {
    let mut policy = Policy::default();
    assert_eq!(policy.glob_subject("./bin/x"), "./bin/x", "as reported");
    policy.root_globs_at(Path::new("/repo"), Path::new("/repo/svc/api"));
    assert_eq!(policy.glob_subject("bin/x"), "svc/api/bin/x");
    assert_eq!(policy.glob_subject("./bin/x"), "svc/api/bin/x");
    assert_eq!(policy.glob_subject("/repo/tools/y"), "tools/y");
    assert_eq!(policy.glob_subject("/elsewhere/z"), "/elsewhere/z");
    let mut at_root = Policy::default();
    at_root.root_globs_at(Path::new("/repo"), Path::new("/repo"));
    assert_eq!(at_root.glob_subject("bin/x"), "bin/x");
    // A working directory outside the file's directory roots nothing.
    let mut outside = Policy::default();
    outside.root_globs_at(Path::new("/repo"), Path::new("/tmp"));
    assert_eq!(outside.glob_subject("bin/x"), "bin/x");
}
