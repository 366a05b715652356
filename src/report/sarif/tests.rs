use std::path::Path;

use serde_json::Value;

use super::*;
use crate::report::located::fingerprint;
use crate::report::{FileReport, Report};
use crate::rules::{Finding, Scratch, Suppression};

fn file(path: &str, findings: Vec<Finding>) -> FileReport {
    let mut file = crate::testkit::report::file(path, None, &[]);
    file.size = 0;
    file.verdict.scratch = Scratch::Blocked;
    file.verdict.summary = "scratch: blocked".to_string();
    file.findings = findings;
    file
}

fn sample() -> Report {
    let mut suppressed = Finding::new(Rule::Symtab, "symbol table left in: 80 KiB", "strip");
    suppressed.suppressed = Some(Suppression {
        kind: SuppressionKind::Config,
        reason: "debug build, ticket 42".to_string(),
        expires: Some("2030-01-01".to_string()),
    });
    let mut report = Report::new(
        vec![
            file(
                "./bin/server",
                vec![
                    Finding::new(
                        Rule::DynamicInterpreter,
                        "requests /lib/ld.so",
                        "CGO_ENABLED=0",
                    ),
                    suppressed,
                ],
            ),
            file(
                "/elsewhere/tool",
                vec![Finding::new(Rule::NoPie, "EXEC", "-buildmode=pie")],
            ),
            file("bin/clean", vec![]),
        ],
        vec![],
    );
    report.errors.push(ErrorEntry {
        path: "bin/broken".to_string(),
        place: None,
        message: "truncated ELF header".to_string(),
        kind: None,
    });
    report
}

fn sarif(report: &Report) -> Value {
    to_value(
        report,
        &SarifOptions {
            cwd: Some(Path::new("/work/repo")),
        },
    )
}

#[test]
fn results_point_at_files_with_a_region() {
    let log = sarif(&sample());
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "bin/clean has no findings, so no result");
    let uris: Vec<(&str, Option<&str>)> = results
        .iter()
        .map(|r| {
            let artifact = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            (
                artifact["uri"].as_str().unwrap(),
                artifact["uriBaseId"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        uris,
        [
            ("bin/server", Some("%SRCROOT%")),
            ("bin/server", Some("%SRCROOT%")),
            ("file:///elsewhere/tool", None),
        ]
    );
    for result in results {
        assert_eq!(
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
            1
        );
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        let rule = &log["runs"][0]["tool"]["driver"]["rules"][index];
        assert_eq!(rule["id"], result["ruleId"]);
    }
}

#[test]
fn messages_carry_the_fix() {
    let log = sarif(&sample());
    assert_eq!(
        log["runs"][0]["results"][0]["message"]["text"],
        "requests /lib/ld.so. Fix: CGO_ENABLED=0."
    );
    assert_eq!(log["runs"][0]["results"][0]["level"], "error");
    assert_eq!(log["runs"][0]["results"][2]["level"], "note");
}

#[test]
fn suppressed_findings_are_results_with_a_justification() {
    let log = sarif(&sample());
    let result = &log["runs"][0]["results"][1];
    assert_eq!(result["ruleId"], "GS302");
    assert_eq!(
        result["suppressions"],
        serde_json::json!([{
            "kind": "external",
            "status": "accepted",
            "justification": "debug build, ticket 42",
            "properties": {"source": "config", "expires": "2030-01-01"}
        }])
    );
    assert!(log["runs"][0]["results"][0].get("suppressions").is_none());
}

#[test]
fn input_errors_are_notifications_and_fail_the_execution() {
    let log = sarif(&sample());
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert_eq!(
        notification["message"]["text"],
        "bin/broken: truncated ELF header."
    );
    assert_eq!(
        notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "bin/broken"
    );
    let clean = sarif(&Report::new(vec![], vec![]));
    assert_eq!(
        clean["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
    assert!(
        clean["runs"][0]["invocations"][0]
            .get("toolExecutionNotifications")
            .is_none()
    );
    assert_eq!(clean["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn fingerprints_depend_on_rule_and_path_only() {
    let before = sarif(&sample());
    // The next build: other evidence in the message, another hash; same rule, same file.
    let mut next = sample();
    next.files[0].findings[0].message = "requests /lib64/ld-linux-x86-64.so.2".to_string();
    next.files[0].sha256 = Some("ab".repeat(32));
    let after = sarif(&next);
    let prints = fingerprints;
    assert_eq!(prints(&before), prints(&after));
    let all = prints(&before);
    assert!(
        all.iter().all(|p| p.len() == 18 && p.ends_with(":1")),
        "{all:?}"
    );
    assert_ne!(all[0], all[1], "two rules on one file are two alerts");
    // `./bin/server` and `/work/repo/bin/server` are the same file, hence the same alerts.
    let mut moved = sample();
    moved.files[0].path = "/work/repo/bin/server".to_string();
    assert_eq!(prints(&sarif(&moved)), all);
}

#[test]
fn the_same_rule_twice_on_one_file_gets_distinct_occurrences() {
    let report = Report::new(
        vec![file(
            "bin/x",
            vec![
                Finding::new(Rule::Rpath, "a", "b"),
                Finding::new(Rule::Rpath, "c", "d"),
            ],
        )],
        vec![],
    );
    let log = sarif(&report);
    let first = log["runs"][0]["results"][0]["partialFingerprints"]["primaryLocationLineHash"]
        .as_str()
        .unwrap();
    let second = log["runs"][0]["results"][1]["partialFingerprints"]["primaryLocationLineHash"]
        .as_str()
        .unwrap();
    assert_eq!(first[..16], second[..16]);
    assert!(first.ends_with(":1") && second.ends_with(":2"));
}

#[test]
fn the_evidence_key_tells_findings_of_one_rule_apart_and_no_key_keeps_the_old_print() {
    let report = Report::new(
        vec![file(
            "bin/x",
            vec![
                Finding::new(Rule::MissingLibraries, "libz.so.1 is missing", "f")
                    .keyed("libz.so.1"),
                Finding::new(Rule::MissingLibraries, "libm.so.6 is missing", "f")
                    .keyed("libm.so.6"),
                Finding::new(Rule::Symtab, "symbol table left in: 1 KiB", "f"),
            ],
        )],
        vec![],
    );
    let prints = |report: &Report| fingerprints(&sarif(report));
    let all = prints(&report);
    // Each library is its own alert, not the first and second occurrence of one.
    assert_ne!(all[0][..16], all[1][..16]);
    assert!(all[0].ends_with(":1") && all[1].ends_with(":1"), "{all:?}");
    // The other order (the next build found them the other way round): the same alerts.
    let mut swapped = report.clone();
    swapped.files[0].findings.swap(0, 1);
    let again = prints(&swapped);
    assert_eq!((&again[0], &again[1]), (&all[1], &all[0]));
    // A rule without a key: the fingerprint of the rule and the path, as before keys.
    assert_eq!(all[2], fingerprint("GS302\0bin/x", 1));
}

#[test]
fn every_registry_rule_is_described_with_help() {
    let log = sarif(&Report::new(vec![], vec![]));
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "gostatic");
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), Rule::ALL.len());
    for (rule, entry) in Rule::ALL.iter().zip(rules) {
        assert_eq!(entry["id"], rule.id());
        assert_eq!(entry["name"], rule.slug());
        assert!(
            entry["help"]["text"]
                .as_str()
                .unwrap()
                .contains(rule.info().fix)
        );
        assert!(
            entry["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("**Fix.**")
        );
        assert_eq!(
            entry["defaultConfiguration"]["level"],
            rule.info().severity.as_str()
        );
        let severity = entry["properties"].get("security-severity");
        let tagged = entry["properties"]["tags"]
            .as_array()
            .unwrap()
            .contains(&Value::from("security"));
        assert_eq!(severity.is_some(), tagged, "{}", rule.id());
        if let Some(severity) = severity {
            let score: f64 = severity.as_str().unwrap().parse().unwrap();
            assert!((0.1..=10.0).contains(&score));
        }
    }
}

#[test]
fn sentences_end_with_a_period() {
    assert_eq!(sentence("a b"), "a b.");
    assert_eq!(sentence("a b."), "a b.");
    assert_eq!(sentence(" x? "), "x?");
    assert_eq!(sentence(""), "");
}

#[test]
fn policy_notices_are_warnings_that_do_not_fail_the_execution() {
    let mut report = crate::report::Report::new(Vec::new(), Vec::new());
    report
        .notices
        .push("gostatic.toml:3: suppression of GS401 for bin/x expired on 2026-01-31".into());
    let value = to_value(&report, &SarifOptions { cwd: None });
    let invocation = &value["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "warning");
    assert!(
        notification["message"]["text"]
            .as_str()
            .unwrap()
            .contains("expired on 2026-01-31")
    );
}

/// Every result's `primaryLocationLineHash`, in order.
fn fingerprints(log: &Value) -> Vec<String> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}
