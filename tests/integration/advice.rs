//! Advice is code: each build-flag fix gostatic prints is followed by a fixture that
//! `testdata/build.sh` builds with exactly those flags, and checking that fixture shows the
//! finding gone and nothing new at warning or above (advice that leads in a circle, like the
//! static-PIE advice GS203 once gave pure-Go programs, fails here).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::gostatic;

/// One fix, followed: the rule, the fixture it is reported on, the flags its fix names, and the
/// fixture build.sh builds with those flags.
struct Followed {
    rule: &'static str,
    before: &'static str,
    flags: &'static [&'static str],
    after: &'static str,
}

const FOLLOWED: [Followed; 5] = [
    // A cgo program: -buildmode=pie, and for scratch the static PIE.
    Followed {
        rule: "GS203",
        before: "go-cgo-dynamic",
        flags: &[
            "-buildmode=pie",
            "-linkmode=external",
            "-extldflags=-static-pie",
        ],
        after: "go-static-pie",
    },
    Followed {
        rule: "GS301",
        before: "go-static-unstripped",
        flags: &["-s -w"],
        after: "go-static-stripped",
    },
    Followed {
        rule: "GS302",
        before: "go-static-unstripped",
        flags: &["-s -w"],
        after: "go-static-stripped",
    },
    Followed {
        rule: "GS401",
        before: "go-static-unstripped",
        flags: &["-trimpath"],
        after: "go-static-stripped",
    },
    Followed {
        rule: "GS104",
        before: "go-cgo-dynamic",
        flags: &["CGO_ENABLED=0"],
        after: "go-static-stripped",
    },
];

fn findings(fixture: &str) -> Vec<Value> {
    let out = gostatic()
        .args(["check", "--format", "json", "--fail-on", "never"])
        .arg(format!("testdata/bin/{fixture}"))
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["files"][0]["findings"].as_array().unwrap().clone()
}

/// The `b NAME ...` line of build.sh's `bin` group, with its continuation lines.
fn build_line(script: &str, name: &str) -> String {
    let mut lines = script.lines().skip_while(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        words.first() != Some(&"b") || words.get(1) != Some(&name)
    });
    let mut joined = String::new();
    for line in lines.by_ref() {
        joined.push_str(line.trim_end_matches('\\'));
        if !line.ends_with('\\') {
            break;
        }
    }
    assert!(!joined.is_empty(), "build.sh builds {name}");
    joined
}

fn serious(findings: &[Value]) -> BTreeSet<String> {
    findings
        .iter()
        .filter(|f| f["severity"] != "note")
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn each_build_flag_fix_is_followed_by_a_fixture_that_no_longer_has_the_finding() {
    let script = std::fs::read_to_string("testdata/build.sh").unwrap();
    for case in FOLLOWED {
        let before = findings(case.before);
        let finding = before
            .iter()
            .find(|f| f["rule"] == case.rule)
            .unwrap_or_else(|| panic!("{} on {}", case.rule, case.before));
        let fix = finding["fix"].as_str().unwrap();
        let built = build_line(&script, case.after);
        for flag in case.flags {
            assert!(
                fix.contains(flag),
                "{}'s fix names {flag}: {fix}",
                case.rule
            );
            assert!(
                built.contains(flag),
                "{} is built with {flag}: {built}",
                case.after
            );
        }
        let after = findings(case.after);
        assert!(
            after.iter().all(|f| f["rule"] != case.rule),
            "{} followed: {} still on {}",
            case.rule,
            case.rule,
            case.after
        );
        let new: Vec<String> = serious(&after)
            .difference(&serious(&before))
            .cloned()
            .collect();
        assert!(
            new.is_empty(),
            "following {}'s fix brings {new:?} ({})",
            case.rule,
            case.after
        );
    }
}

#[test]
fn no_fix_sends_a_static_pure_go_program_to_cgo() {
    for fixture in [
        "go-static-stripped",
        "go-static-unstripped",
        "go-arm64",
        "go-mips",
    ] {
        for finding in findings(fixture) {
            let fix = finding["fix"].as_str().unwrap();
            assert!(
                !fix.contains("-linkmode=external") && !fix.contains("CGO_ENABLED=1"),
                "{fixture}: {} advises cgo: {fix}",
                finding["rule"]
            );
        }
    }
}
