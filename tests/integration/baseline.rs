//! `--baseline`: a JSON report of an earlier run accepts its findings (same rule, path and
//! evidence key), rebuilt binaries included; new findings and new files still fail.
//! `--baseline-exact` keeps the per-build match (same rule, path and SHA-256).

use std::path::Path;

use predicates::str::contains;

use crate::policy::{check_in, json, workspace};
use crate::util::fixture;

fn kinds(report: &serde_json::Value, file: usize) -> Vec<Option<String>> {
    report["files"][file]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["suppressed"]["kind"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_baseline_round_trip_accepts_known_findings_and_fails_new_ones() {
    let dir = workspace(None, &["c-dynamic"]);
    let out = check_in(dir.path())
        .args(["--format", "json", "--fail-on", "note", "bin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(dir.path().join("baseline.json"), &out.stdout).unwrap();

    // The same run against its own report: everything is known.
    let (report, code) = json(
        dir.path(),
        &["--fail-on", "note", "--baseline", "baseline.json", "bin"],
    );
    assert_eq!(code, 0);
    assert!(
        kinds(&report, 0)
            .iter()
            .all(|k| k.as_deref() == Some("baseline"))
    );
    assert_eq!(
        report["files"][0]["findings"][0]["suppressed"]["reason"],
        "in baseline baseline.json"
    );
    assert_eq!(report["summary"]["suppressed"], 4);
    // Text mode matches the same way.
    check_in(dir.path())
        .args(["--fail-on", "note", "--baseline", "baseline.json", "bin"])
        .assert()
        .code(0)
        .stdout(contains("(reason: in baseline baseline.json)"))
        .stdout(contains("(4 suppressed)"));

    // A new file brings new findings: they fail, the known ones stay accepted.
    std::fs::copy(fixture("go-pie"), dir.path().join("bin/go-pie")).unwrap();
    let (report, code) = json(dir.path(), &["--baseline", "baseline.json", "bin"]);
    assert_eq!(code, 1);
    assert!(
        kinds(&report, 0)
            .iter()
            .all(|k| k.as_deref() == Some("baseline"))
    );
    assert!(kinds(&report, 1).iter().all(Option::is_none));

    // A rebuilt binary (same path, other bytes) has the same findings: still accepted.
    rebuild(dir.path(), "bin/c-dynamic");
    let (report, code) = json(
        dir.path(),
        &[
            "--fail-on",
            "note",
            "--baseline",
            "baseline.json",
            "bin/c-dynamic",
        ],
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(kinds(&report, 0), vec![Some("baseline".to_string()); 4]);
}

/// The next build of `path`: other bytes (one appended past everything the loader maps), the
/// same program.
fn rebuild(dir: &Path, path: &str) {
    let mut bytes = std::fs::read(dir.join(path)).unwrap();
    bytes.extend_from_slice(b"rebuilt");
    std::fs::write(dir.join(path), bytes).unwrap();
}

fn baseline_of(dir: &Path, args: &[&str]) {
    let out = check_in(dir)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    std::fs::write(dir.join("baseline.json"), &out.stdout).unwrap();
}

/// (rule, suppressed kind) of one file's findings.
fn judged(report: &serde_json::Value, file: usize) -> Vec<(String, Option<String>)> {
    report["files"][file]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["suppressed"]["kind"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn issue_13_another_build_keeps_its_known_findings_and_only_new_evidence_fails() {
    let dir = workspace(None, &["c-dynamic"]);
    baseline_of(dir.path(), &["bin"]);
    // Each finding carries the evidence it is matched on.
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("baseline.json")).unwrap()).unwrap();
    let keys: Vec<&str> = written["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        keys,
        ["/lib64/ld-linux-x86-64.so.2", "libc.so.6", "partial", "-"]
    );

    // Another program at the same path (a cgo build of the same service, say): GS101, GS102
    // and GS204 say the same things; cgo (GS104), the fixed address (GS203) and the Go
    // runtime's GOMAXPROCS (GS407: a C program has none) are new.
    std::fs::copy(fixture("go-cgo-dynamic"), dir.path().join("bin/c-dynamic")).unwrap();
    let (report, code) = json(
        dir.path(),
        &["--fail-on", "note", "--baseline", "baseline.json", "bin"],
    );
    assert_eq!(code, 1);
    let baseline = Some("baseline".to_string());
    assert_eq!(
        judged(&report, 0),
        [
            ("GS101".to_string(), baseline.clone()),
            ("GS102".to_string(), baseline.clone()),
            ("GS104".to_string(), None),
            ("GS203".to_string(), None),
            ("GS204".to_string(), baseline.clone()),
            ("GS407".to_string(), None),
        ]
    );

    // Other evidence for the same rule is a new problem: another interpreter.
    let edited = std::fs::read_to_string(dir.path().join("baseline.json"))
        .unwrap()
        .replace("/lib64/ld-linux-x86-64.so.2", "/lib/ld-musl-x86_64.so.1");
    std::fs::write(dir.path().join("musl.json"), edited).unwrap();
    std::fs::copy(fixture("c-dynamic"), dir.path().join("bin/c-dynamic")).unwrap();
    let (report, _) = json(dir.path(), &["--baseline", "musl.json", "bin"]);
    assert_eq!(judged(&report, 0)[0], ("GS101".to_string(), None));
    assert_eq!(judged(&report, 0)[1], ("GS102".to_string(), baseline));
}

#[test]
fn issue_13_a_baseline_without_keys_matches_on_rule_and_path() {
    let dir = workspace(None, &["c-dynamic"]);
    // A report from before keys: rule and path only (and a hash of another build).
    let old = format!(
        r#"{{"schema":"gostatic/v1","files":[{{"path":"bin/c-dynamic","sha256":"{}",
            "findings":[{{"rule":"GS101"}},{{"rule":"GS102"}},{{"rule":"GS204"}},{{"rule":"GS302"}}]}}]}}"#,
        "0".repeat(64)
    );
    std::fs::write(dir.path().join("old.json"), old).unwrap();
    let (report, code) = json(
        dir.path(),
        &["--fail-on", "note", "--baseline", "old.json", "bin"],
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(kinds(&report, 0), vec![Some("baseline".to_string()); 4]);
}

#[test]
fn issue_13_bin_dot_bin_and_the_absolute_path_are_one_file() {
    let dir = workspace(None, &["c-dynamic"]);
    let absolute = dir.path().canonicalize().unwrap().join("bin");
    let absolute = absolute.to_str().unwrap();
    for written in ["bin", "./bin", absolute] {
        baseline_of(dir.path(), &[written]);
        for checked in [
            "bin",
            "./bin",
            absolute,
            "bin/c-dynamic",
            "./bin/../bin/c-dynamic",
        ] {
            let (report, code) = json(
                dir.path(),
                &["--fail-on", "note", "--baseline", "baseline.json", checked],
            );
            assert_eq!(code, 0, "written as {written}, checked as {checked}");
            assert_eq!(kinds(&report, 0), vec![Some("baseline".to_string()); 4]);
        }
    }
}

#[test]
fn issue_13_baseline_exact_still_matches_per_build() {
    let dir = workspace(None, &["c-dynamic"]);
    baseline_of(dir.path(), &["--digests", "bin"]);
    let exact = [
        "--fail-on",
        "note",
        "--baseline",
        "baseline.json",
        "--baseline-exact",
        "bin",
    ];
    let (report, code) = json(dir.path(), &exact);
    assert_eq!(code, 0);
    assert_eq!(kinds(&report, 0), vec![Some("baseline".to_string()); 4]);
    // The hash it matched on is in the report, though --digests was not given.
    assert_eq!(report["files"][0]["sha256"].as_str().unwrap().len(), 64);

    rebuild(dir.path(), "bin/c-dynamic");
    let (report, code) = json(dir.path(), &exact);
    assert_eq!(code, 1);
    assert!(kinds(&report, 0).iter().all(Option::is_none));
    // Without --baseline-exact the rebuilt binary is the same file.
    let (_, code) = json(
        dir.path(),
        &["--fail-on", "note", "--baseline", "baseline.json", "bin"],
    );
    assert_eq!(code, 0);

    // A baseline without digests cannot match per build: said, not silently matching nothing.
    baseline_of(dir.path(), &["bin"]);
    check_in(dir.path())
        .args(["--baseline", "baseline.json", "--baseline-exact", "bin"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "baseline.json: --baseline-exact: the report has no sha256 to match \
             (write it with --digests)\n",
        );
    // And the flag means nothing without a baseline.
    check_in(dir.path())
        .args(["--baseline-exact", "bin"])
        .assert()
        .code(2);
}

#[test]
fn issue_13_sarif_fingerprints_survive_a_rebuild() {
    let dir = workspace(None, &["c-dynamic"]);
    let prints = || -> Vec<(String, String)> {
        let out = check_in(dir.path())
            .args(["--format", "sarif", "bin"])
            .output()
            .unwrap();
        let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["partialFingerprints"]["primaryLocationLineHash"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect()
    };
    let before = prints();
    assert_eq!(before.len(), 4);
    rebuild(dir.path(), "bin/c-dynamic");
    assert_eq!(prints(), before);
    // The same evidence in another program at that path: the same alerts for what it shares.
    std::fs::copy(fixture("go-cgo-dynamic"), dir.path().join("bin/c-dynamic")).unwrap();
    let after = prints();
    for rule in ["GS101", "GS102", "GS204"] {
        let of = |all: &[(String, String)]| all.iter().find(|(r, _)| r == rule).cloned();
        assert_eq!(of(&after), of(&before), "{rule}");
    }
}

#[test]
fn config_suppressions_come_before_the_baseline() {
    let dir = workspace(
        Some("[[suppress]]\nrule = \"GS302\"\nreason = \"symbols kept for profiling\"\n"),
        &["c-dynamic"],
    );
    let out = check_in(dir.path())
        .args(["--format", "json", "bin"])
        .output()
        .unwrap();
    std::fs::write(dir.path().join("prev.json"), &out.stdout).unwrap();
    let (report, code) = json(dir.path(), &["--baseline", "prev.json", "bin"]);
    assert_eq!(code, 0);
    assert_eq!(
        kinds(&report, 0),
        [
            Some("baseline".to_string()),
            Some("baseline".to_string()),
            Some("baseline".to_string()),
            Some("config".to_string())
        ]
    );
}

#[test]
fn a_baseline_that_is_not_a_report_is_an_error() {
    let dir = workspace(None, &["c-dynamic"]);
    std::fs::write(dir.path().join("other.json"), r#"{"schema":"other/v1"}"#).unwrap();
    std::fs::write(dir.path().join("junk.json"), "not json").unwrap();
    for (file, line) in [
        (
            "other.json",
            "other.json: not a gostatic/v1 JSON report from `gostatic check --format json`\n",
        ),
        (
            "junk.json",
            "junk.json: not a gostatic/v1 JSON report from `gostatic check --format json`\n",
        ),
        ("missing.json", "missing.json: no such file or directory\n"),
    ] {
        check_in(dir.path())
            .args(["--baseline", file, "bin"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(line);
    }
}
