//! `--baseline`: a JSON report of an earlier run accepts its findings (same rule, path and
//! SHA-256); new findings, new files and rebuilt binaries still fail.

use predicates::str::contains;

use crate::policy::{check_in, json, workspace};

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
    // Text mode hashes the files too, so the baseline matches there as well.
    check_in(dir.path())
        .args(["--fail-on", "note", "--baseline", "baseline.json", "bin"])
        .assert()
        .code(0)
        .stdout(contains("(reason: in baseline baseline.json)"))
        .stdout(contains("(4 suppressed)"));

    // A new file brings new findings: they fail, the known ones stay accepted.
    std::fs::copy(
        crate::util::fixture("go-pie"),
        dir.path().join("bin/go-pie"),
    )
    .unwrap();
    let (report, code) = json(dir.path(), &["--baseline", "baseline.json", "bin"]);
    assert_eq!(code, 1);
    assert!(
        kinds(&report, 0)
            .iter()
            .all(|k| k.as_deref() == Some("baseline"))
    );
    assert!(kinds(&report, 1).iter().all(Option::is_none));

    // A rebuilt binary (same path, other bytes) is not the one the baseline accepted.
    let mut bytes = std::fs::read(dir.path().join("bin/c-dynamic")).unwrap();
    bytes.extend_from_slice(b"rebuilt");
    std::fs::write(dir.path().join("bin/c-dynamic"), bytes).unwrap();
    let (report, code) = json(
        dir.path(),
        &["--baseline", "baseline.json", "bin/c-dynamic"],
    );
    assert_eq!(code, 1);
    assert!(kinds(&report, 0).iter().all(Option::is_none));
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
