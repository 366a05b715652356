//! The CI formats on the real fixtures: SARIF (snapshot, GitHub's structural requirements,
//! fingerprints stable across runs, and the SARIF Multitool when `GOSTATIC_SARIF_VALIDATOR`
//! names it), GitHub annotations and JUnit XML (snapshots, escaping), and `--output`.

use std::path::Path;

use serde_json::Value;

use gostatic::report::Report;
use gostatic::report::sarif::{self, SarifOptions};
use gostatic::rules::{Finding, Rule, Suppression, SuppressionKind};

use crate::util::{fixture, gostatic, outcome, version_filters, write};

const FIXTURES: [&str; 2] = ["testdata/bin", "testdata/go"];

fn run(format: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    outcome(gostatic().args(["check", "--format", format]).args(extra))
}

#[test]
fn sarif_on_the_fixtures() {
    let (code, sarif, _) = run("sarif", &FIXTURES);
    assert_eq!(code, Some(1));
    insta::with_settings!({ filters => version_filters() }, {
        insta::assert_snapshot!("check_fixtures_sarif", sarif);
    });
}

#[test]
fn github_annotations_on_the_fixtures() {
    let (code, annotations, _) = run("github", &FIXTURES);
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("check_fixtures_github", annotations);
}

#[test]
fn junit_on_the_fixtures() {
    let (code, xml, _) = run("junit", &FIXTURES);
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("check_fixtures_junit", xml);
    let (_, strict, _) = run("junit", &["--fail-on", "note", "testdata/bin"]);
    // Even the three stripped, trimmed static Go programs have a note: their go.mod says an
    // older go than 1.25, so GOMAXPROCS ignores the container's CPU limit (GS407).
    assert!(
        strict.contains(r#"tests="9" failures="9" errors="0""#),
        "{strict}"
    );
    let (_, never, _) = run("junit", &["--fail-on", "never", "testdata/bin"]);
    assert!(never.contains(r#"failures="0""#) && !never.contains("<failure"));
}

/// What GitHub's ingestion needs, checked without the Multitool (goodwithtech/dockle#197:
/// results without a location are rejected).
#[test]
fn sarif_has_what_github_requires() {
    let (_, text, _) = run("sarif", &FIXTURES);
    let log: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(
        log["$schema"]
            .as_str()
            .unwrap()
            .ends_with("sarif-schema-2.1.0.json")
    );
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    for field in ["name", "version", "semanticVersion", "informationUri"] {
        assert!(driver[field].is_string(), "driver.{field}");
    }
    let rules = driver["rules"].as_array().unwrap();
    for rule in rules {
        for field in ["id", "name"] {
            assert!(rule[field].is_string(), "{rule}");
        }
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(rule["help"]["text"].is_string() && rule["help"]["markdown"].is_string());
    }
    let results = runs[0]["results"].as_array().unwrap();
    assert!(results.len() > 20);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        assert!(
            result["message"]["text"]
                .as_str()
                .unwrap()
                .contains("Fix: ")
        );
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("testdata/"), "{uri}");
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(location["region"]["startLine"], 1);
        let print = result["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .unwrap();
        assert_eq!(print.len(), 18, "{print}");
    }
    assert_eq!(runs[0]["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn sarif_is_byte_identical_between_runs_and_paths_spellings() {
    let (_, first, _) = run("sarif", &FIXTURES);
    let (_, second, _) = run("sarif", &FIXTURES);
    assert_eq!(first, second);
    // `./testdata/bin` and an absolute path inside the working directory name the same files.
    let root = env!("CARGO_MANIFEST_DIR");
    let (_, dotted, _) = run("sarif", &["./testdata/bin", "./testdata/go"]);
    let (_, absolute, _) = run(
        "sarif",
        &[
            &format!("{root}/testdata/bin"),
            &format!("{root}/testdata/go"),
        ],
    );
    assert_eq!(first, dotted);
    assert_eq!(first, absolute);
}

#[test]
fn fingerprints_survive_a_rebuild() {
    // A "rebuild" of the same program: another binary at the same path.
    let dir = tempfile::tempdir().unwrap();
    let prints = |bytes: &[u8]| -> Vec<String> {
        write(dir.path(), "server", bytes);
        let out = gostatic()
            .current_dir(dir.path())
            .args(["check", "--format", "sarif", "server"])
            .output()
            .unwrap();
        let log: Value = serde_json::from_slice(&out.stdout).unwrap();
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r["ruleId"].as_str().unwrap(),
                    r["partialFingerprints"]["primaryLocationLineHash"]
                )
            })
            .collect()
    };
    let mut bytes = std::fs::read(fixture("go-static-unstripped")).unwrap();
    let first = prints(&bytes);
    bytes.extend_from_slice(b"rebuilt");
    let rebuilt = prints(&bytes);
    // Other bytes, the same findings: every alert keeps its fingerprint.
    assert_eq!(first.len(), 4, "{first:?}");
    assert_eq!(first, rebuilt);
}

#[test]
fn sarif_reports_unreadable_inputs_as_failed_execution() {
    let dir = tempfile::tempdir().unwrap();
    let junk = write(dir.path(), "junk", b"not a binary");
    let (code, text, _) = run("sarif", &[junk.to_str().unwrap(), "testdata/bin/c-static"]);
    assert_eq!(code, Some(2));
    let log: Value = serde_json::from_str(&text).unwrap();
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "error");
    let uri = note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/junk"),
        "{uri}"
    );
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "GS203");
}

#[test]
fn github_and_junit_escape_untrusted_names() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("c-dynamic")).unwrap();
    write(dir.path(), "a,b:c%d&<e>\"f", &bytes);
    let check = |format: &str| {
        let out = gostatic()
            .current_dir(dir.path())
            .args(["check", "--format", format, "."])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let github = check("github");
    assert!(
        github.starts_with(
            "::error file=a%2Cb%3Ac%25d&<e>\"f,title=GS101 dynamic-interpreter::requests"
        ),
        "{github}"
    );
    let junit = check("junit");
    assert!(
        junit.contains(r#"<testcase classname="gostatic" name="./a,b:c%d&amp;&lt;e&gt;&quot;f">"#),
        "{junit}"
    );
}

#[test]
fn output_writes_the_report_to_a_file_and_the_summary_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let (_, text, _) = run("text", &["testdata/bin"]);
    let summary = format!("{}\n", text.lines().last().unwrap());
    assert!(
        summary.starts_with("9 files: 6 ready, 3 blocked; "),
        "{summary}"
    );
    for format in ["text", "json", "sarif", "github", "junit"] {
        let file = dir.path().join(format!("report.{format}"));
        let (code, stdout, stderr) = run(
            format,
            &["--output", file.to_str().unwrap(), "testdata/bin"],
        );
        let (plain_code, plain_stdout, _) = run(format, &["testdata/bin"]);
        assert_eq!(code, plain_code, "{format}: same exit status");
        assert_eq!(stdout, "", "{format}");
        assert_eq!(stderr, summary, "{format}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            plain_stdout,
            "{format}"
        );
    }
    // --quiet keeps stderr quiet too.
    let file = dir.path().join("quiet.sarif");
    let (_, _, stderr) = run(
        "sarif",
        &["--quiet", "-o", file.to_str().unwrap(), "testdata/bin"],
    );
    assert_eq!(stderr, "");
}

#[test]
fn output_to_an_unwritable_place_is_an_error() {
    let (code, stdout, stderr) = run(
        "sarif",
        &[
            "--output",
            "/nonexistent-dir/report.sarif",
            "testdata/bin/c-static",
        ],
    );
    assert_eq!(code, Some(2));
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("gostatic: cannot write /nonexistent-dir/report.sarif: "),
        "{stderr}"
    );
}

/// A report with what the CLI cannot produce yet (suppressions), built through the library.
fn suppressed_report() -> Report {
    let mut finding = Finding::new(Rule::Dwarf, "DWARF left in", "-ldflags=\"-s -w\"");
    finding.suppressed = Some(Suppression {
        kind: SuppressionKind::Baseline,
        reason: "in baseline gostatic-baseline.json".to_string(),
        expires: None,
    });
    // A ready file of `check`, as the test kit builds one.
    let mut file = gostatic::testkit::report::file("bin/my server", None, &[]);
    file.findings = vec![finding, Finding::new(Rule::NoPie, "EXEC", "-buildmode=pie")];
    Report::new(vec![file], vec![])
}

/// The SARIF Multitool's verdict (`validate --rule-kind "Sarif;Gh"`: the schema, SARIF's own
/// rules and GitHub's ingestion rules) on several logs; any error-level result fails. Runs only
/// when `GOSTATIC_SARIF_VALIDATOR` names the `Sarif.Multitool` executable (scripts/
/// validate-sarif.sh installs it), so `cargo test` needs no network.
#[test]
fn sarif_passes_the_multitool_when_available() {
    let Some(validator) = std::env::var_os("GOSTATIC_SARIF_VALIDATOR") else {
        #[allow(clippy::print_stderr)] // say why the test did nothing
        {
            eprintln!("skipped: GOSTATIC_SARIF_VALIDATOR is not set");
        }
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let junk = write(dir.path(), "junk", b"junk");
    let mut logs = vec![];
    for (name, args) in [
        ("fixtures", FIXTURES.to_vec()),
        (
            "errors",
            vec![
                junk.to_str().unwrap(),
                "/nonexistent",
                "testdata/bin/go-pie",
            ],
        ),
    ] {
        let (_, text, _) = run("sarif", &args);
        logs.push((name, text));
    }
    let mut suppressed = Vec::new();
    sarif::render(
        &suppressed_report(),
        &mut suppressed,
        &SarifOptions {
            cwd: Some(Path::new("/work")),
        },
    )
    .unwrap();
    logs.push(("suppressed", String::from_utf8(suppressed).unwrap()));
    for (name, text) in logs {
        let errors = crate::util::multitool_errors(validator.as_ref(), dir.path(), name, &text);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}
