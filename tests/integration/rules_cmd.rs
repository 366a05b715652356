//! `gostatic rules` and `gostatic explain`: the registry as people and programs read it.

use serde_json::Value;

use crate::util::gostatic;

#[test]
fn rules_lists_every_rule_in_text_and_json() {
    let out = gostatic().arg("rules").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("rules_text", text);

    let out = gostatic()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = json["rules"].as_array().unwrap();
    assert_eq!(rules.len(), text.lines().count());
    for rule in rules {
        for field in [
            "id",
            "slug",
            "severity",
            "category",
            "summary",
            "rationale",
            "fix",
            "evidence",
        ] {
            assert!(
                rule[field].as_str().is_some_and(|s| !s.is_empty()),
                "{field} missing in {rule}"
            );
        }
    }
}

#[test]
fn explain_takes_an_id_or_a_slug() {
    let by_id = gostatic().args(["explain", "gs101"]).output().unwrap();
    let by_slug = gostatic()
        .args(["explain", "dynamic-interpreter"])
        .output()
        .unwrap();
    assert_eq!(by_id.status.code(), Some(0));
    assert_eq!(by_id.stdout, by_slug.stdout);
    insta::assert_snapshot!("explain_gs101", String::from_utf8(by_id.stdout).unwrap());

    let json = gostatic()
        .args(["explain", "GS302", "--format", "json"])
        .output()
        .unwrap();
    let value: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["slug"], "symtab");
}

#[test]
fn an_unknown_rule_is_a_usage_error() {
    let out = gostatic().args(["explain", "GS999"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "gostatic: unknown rule 'GS999' (see `gostatic rules`)\n"
    );
}
