//! `--format gitlab` (GitLab Code Quality) on the real fixtures: snapshots for `check` and
//! `image`, the fields GitLab reads, and fingerprints that are SARIF's and survive a rebuild.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::util::{fixture, gostatic, write};

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = gostatic().args(args).output().unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

/// Every issue has exactly what GitLab's widget reads, and no two share a fingerprint
/// (GitLab shows only the first issue of a fingerprint).
fn assert_gitlab_shape(text: &str) -> Vec<Value> {
    let value: Value = serde_json::from_str(text).unwrap();
    let issues = value.as_array().expect("an array of issues").clone();
    let mut prints = BTreeSet::new();
    for issue in &issues {
        for field in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[field].is_string(), "{field}: {issue:#}");
        }
        assert!(issue["location"]["path"].is_string(), "{issue:#}");
        assert_eq!(issue["location"]["lines"]["begin"], 1, "{issue:#}");
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap())
        );
        assert!(prints.insert(issue["fingerprint"].to_string()), "{issue:#}");
    }
    issues
}

#[test]
fn gitlab_on_the_fixtures() {
    let (code, text) = run(&["check", "--format", "gitlab", "testdata/bin", "testdata/go"]);
    assert_eq!(code, Some(1));
    let issues = assert_gitlab_shape(&text);
    assert!(issues.iter().any(|i| i["severity"] == "major"));
    insta::assert_snapshot!("check_fixtures_gitlab", text);
}

#[test]
fn gitlab_on_an_image_locates_issues_at_the_archive() {
    let archive = "testdata/image/layers.docker.tar";
    let (code, text) = run(&["image", "--format", "gitlab", archive]);
    assert_eq!(code, Some(1));
    let issues = assert_gitlab_shape(&text);
    assert!(!issues.is_empty());
    for issue in &issues {
        assert_eq!(issue["location"]["path"], archive);
        let description = issue["description"].as_str().unwrap();
        assert!(
            description.contains(" in image localhost/layers:latest: "),
            "{description}"
        );
    }
    insta::assert_snapshot!("image_layers_gitlab", text);
}

/// The same finding has the same identity in GitLab and in GitHub code scanning.
#[test]
fn fingerprints_are_the_sarif_fingerprints() {
    let (_, gitlab) = run(&["check", "--format", "gitlab", "testdata/bin"]);
    let (_, sarif) = run(&["check", "--format", "sarif", "testdata/bin"]);
    let gitlab: Value = serde_json::from_str(&gitlab).unwrap();
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let from_gitlab: BTreeMap<String, String> = gitlab
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["fingerprint"].as_str().unwrap().to_string(),
                i["check_name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let from_sarif: BTreeMap<String, String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["ruleId"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(!from_gitlab.is_empty());
    assert_eq!(from_gitlab, from_sarif);
}

#[test]
fn gitlab_fingerprints_survive_a_rebuild_and_suppressed_findings_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let issues = |bytes: &[u8], extra: &[&str]| -> Vec<Value> {
        write(dir.path(), "server", bytes);
        let out = gostatic()
            .current_dir(dir.path())
            .args(["check", "--format", "gitlab", "server"])
            .args(extra)
            .output()
            .unwrap();
        assert_gitlab_shape(std::str::from_utf8(&out.stdout).unwrap())
    };
    let mut bytes = std::fs::read(fixture("go-static-unstripped")).unwrap();
    let first = issues(&bytes, &[]);
    bytes.extend_from_slice(b"rebuilt");
    let rebuilt = issues(&bytes, &[]);
    assert!(first.len() >= 3, "{first:?}");
    assert!(
        first.iter().any(|i| i["check_name"] == "GS301"),
        "{first:?}"
    );
    let prints = |issues: &[Value]| -> Vec<Value> {
        issues.iter().map(|i| i["fingerprint"].clone()).collect()
    };
    assert_eq!(prints(&first), prints(&rebuilt));
    assert_eq!(first[0]["location"]["path"], "server");
    // Allowed by the policy: suppressed, so not an issue.
    let allowed = issues(&bytes, &["--allow", "GS301"]);
    assert_eq!(allowed.len(), first.len() - 1);
    assert!(allowed.iter().all(|i| i["check_name"] != "GS301"));
}
