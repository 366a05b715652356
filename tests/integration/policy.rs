//! gostatic.toml and the policy flags on the real binary: config errors with line and column,
//! levels, suppressions and their expiry, allow-lists, ignore globs, and precedence.
//! Each test copies fixtures into a scratch directory and runs there, so paths are stable.

use std::path::Path;

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

use crate::util::{fixture, gostatic};

/// A scratch directory with `gostatic.toml` (when given) and fixtures copied to `bin/NAME`.
pub fn workspace(config: Option<&str>, fixtures: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    if let Some(config) = config {
        std::fs::write(dir.path().join("gostatic.toml"), config).unwrap();
    }
    std::fs::create_dir(dir.path().join("bin")).unwrap();
    for name in fixtures {
        std::fs::copy(fixture(name), dir.path().join("bin").join(name)).unwrap();
    }
    dir
}

pub fn check_in(dir: &Path) -> assert_cmd::Command {
    let mut cmd = gostatic();
    cmd.current_dir(dir).arg("check");
    cmd
}

pub fn json(dir: &Path, args: &[&str]) -> (Value, i32) {
    let out = check_in(dir)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    (value, out.status.code().unwrap())
}

/// The `path` of every file a JSON report lists.
fn reported_paths(report: &Value) -> Vec<&str> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect()
}

fn rules_of(file: &Value) -> Vec<(String, String, Option<String>)> {
    file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["suppressed"]["kind"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn sha256_of(name: &str) -> String {
    let sums = std::fs::read_to_string(fixture("SHA256SUMS")).unwrap();
    sums.lines()
        .find_map(|l| l.strip_suffix(&format!("  {name}")))
        .unwrap()
        .to_string()
}

fn one_line(text: &str) -> String {
    assert_eq!(text.lines().count(), 1, "not one line: {text:?}");
    text.trim_end().to_string()
}

#[test]
fn config_errors_name_the_line_and_column() {
    let dir = workspace(
        Some("fail-on = \"error\"\n\n[rules]\nGS203 = \"off\"\n\n\nseverty = \"error\"\n"),
        &["c-dynamic"],
    );
    let out = check_in(dir.path()).arg("bin").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    // `severty` sits inside [rules] here, so it is read as a rule name.
    assert_eq!(
        one_line(&String::from_utf8_lossy(&out.stderr)),
        "gostatic.toml:7:1: unknown rule `severty`, expected a rule ID or slug (see `gostatic rules`)"
    );

    std::fs::write(dir.path().join("gostatic.toml"), "\n\n\nseverty = 1\n").unwrap();
    let out = check_in(dir.path()).arg("bin").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        one_line(&String::from_utf8_lossy(&out.stderr))
            .starts_with("gostatic.toml:4:1: unknown field `severty`, expected one of `fail-on`"),
    );

    std::fs::write(
        dir.path().join("gostatic.toml"),
        "[rules]\nno-pie = \"loud\"\n",
    )
    .unwrap();
    check_in(dir.path())
        .arg("bin")
        .assert()
        .code(2)
        .stderr(contains("gostatic.toml:2:10: unknown variant `loud`"));
}

#[test]
fn a_missing_config_flag_file_is_an_error_and_an_absent_default_is_not() {
    let dir = workspace(None, &["c-dynamic"]);
    let out = check_in(dir.path())
        .args(["--config", "nope.toml", "bin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        one_line(&String::from_utf8_lossy(&out.stderr)),
        "nope.toml: no such file or directory"
    );
    // No ./gostatic.toml: the defaults, and c-dynamic's errors fail the run.
    check_in(dir.path()).arg("bin").assert().code(1);
}

#[test]
fn an_unknown_rule_on_the_command_line_is_a_usage_error() {
    let dir = workspace(None, &["c-dynamic"]);
    for flag in ["--deny", "--warn", "--allow"] {
        let out = check_in(dir.path())
            .args([flag, "GS999", "bin"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        assert_eq!(
            one_line(&String::from_utf8_lossy(&out.stderr)),
            format!("gostatic: {flag}: unknown rule 'GS999' (see `gostatic rules`)")
        );
    }
}

#[test]
fn an_off_rule_disappears_and_a_raised_one_fails() {
    let dir = workspace(
        Some("[rules]\ndwarf = \"off\"\nGS203 = \"off\"\n"),
        &["go-static-unstripped"],
    );
    let (report, code) = json(dir.path(), &["bin"]);
    assert_eq!(code, 0);
    let file = &report["files"][0];
    assert_eq!(
        rules_of(file),
        [
            ("GS302".into(), "warning".into(), None),
            ("GS401".into(), "warning".into(), None),
            ("GS407".into(), "note".into(), None)
        ]
    );
    assert!(
        !file["not_applicable"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["rule"] == "GS203")
    );
    assert_eq!(report["summary"]["findings"]["warning"], 2);

    std::fs::write(
        dir.path().join("gostatic.toml"),
        "[rules]\nbuild-paths = \"error\"\n",
    )
    .unwrap();
    check_in(dir.path())
        .arg("bin")
        .assert()
        .code(1)
        .stdout(contains("error[GS401 build-paths]"));
}

const SUPPRESS_LOADER: &str = r#"
[[suppress]]
rule = "dynamic-interpreter"
path = "bin/c-*"
reason = "runs on distroless/base, which has the loader"
expires = EXPIRES

[[suppress]]
rule = "GS102"
path = "bin/c-dynamic"
reason = "runs on distroless/base, which has libc"
expires = EXPIRES
"#;

#[test]
fn a_suppression_with_a_reason_stops_the_gate() {
    let dir = workspace(
        Some(&SUPPRESS_LOADER.replace("EXPIRES", "2999-12-31")),
        &["c-dynamic"],
    );
    check_in(dir.path())
        .arg("bin")
        .assert()
        .code(0)
        .stdout(contains(
            "  suppressed[GS101 dynamic-interpreter] requests the ELF interpreter",
        ))
        .stdout(contains(
            "(reason: runs on distroless/base, which has the loader, expires 2999-12-31)",
        ))
        .stdout(contains("; 0 errors, 1 warning, 1 note (2 suppressed)"))
        .stderr("");
    let (report, code) = json(dir.path(), &["bin"]);
    assert_eq!(code, 0);
    let first = &report["files"][0]["findings"][0];
    assert_eq!(
        first["suppressed"],
        serde_json::json!({
            "kind": "config",
            "reason": "runs on distroless/base, which has the loader",
            "expires": "2999-12-31"
        })
    );
    assert_eq!(report["summary"]["suppressed"], 2);
    assert_eq!(report["summary"]["findings"]["error"], 0);
    assert_eq!(report["notices"], serde_json::json!([]));
    // --quiet prints only what could fail the run.
    check_in(dir.path())
        .args(["--quiet", "bin"])
        .assert()
        .code(0)
        .stdout(contains("suppressed").not())
        .stdout(contains("bin/c-dynamic: warning[GS302 symtab]"));
}

#[test]
fn an_expired_suppression_stops_suppressing_and_says_so() {
    let dir = workspace(
        Some(&SUPPRESS_LOADER.replace("EXPIRES", "2020-01-31")),
        &["c-dynamic"],
    );
    let out = check_in(dir.path()).arg("bin").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "gostatic.toml:2: suppression of GS101 for bin/c-dynamic expired on 2020-01-31\n\
         gostatic.toml:8: suppression of GS102 for bin/c-dynamic expired on 2020-01-31\n"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("error[GS101 dynamic-interpreter]"),
        "{stdout}"
    );
    let (report, code) = json(dir.path(), &["bin"]);
    assert_eq!(code, 1);
    assert_eq!(
        report["notices"][0],
        "gostatic.toml:2: suppression of GS101 for bin/c-dynamic expired on 2020-01-31"
    );
    assert_eq!(report["summary"]["suppressed"], 0);
}

#[test]
fn allow_lists_by_sha256_and_by_module() {
    let by_hash = format!(
        "[[allow]]\nsha256 = \"{}\"\nreason = \"the vendor's build, replaced in Q3\"\n",
        sha256_of("c-dynamic")
    );
    let dir = workspace(Some(&by_hash), &["c-dynamic", "go-pie"]);
    let (report, code) = json(dir.path(), &["bin"]);
    // go-pie's GS101 is not covered: it is another file.
    assert_eq!(code, 1);
    assert!(
        rules_of(&report["files"][0])
            .iter()
            .all(|(_, _, kind)| kind.as_deref() == Some("config"))
    );
    assert!(
        rules_of(&report["files"][1])
            .iter()
            .all(|(_, _, kind)| kind.is_none())
    );
    // Text mode hashes too when the policy needs it.
    check_in(dir.path()).arg("bin/c-dynamic").assert().code(0);
    // The hash the entry matched on is in the JSON report, though --digests was not given.
    assert_eq!(report["files"][0]["sha256"], sha256_of("c-dynamic"));

    let by_module = "[[allow]]\nmodule = \"example.com/cgohello\"\nrules = [\"GS101\", \"needed-libraries\"]\nreason = \"cgo on purpose\"\n";
    let dir = workspace(Some(by_module), &["go-cgo-dynamic", "go-pie"]);
    let (report, code) = json(dir.path(), &["bin"]);
    assert_eq!(code, 1, "go-pie (example.com/hello) still fails");
    let cgo = rules_of(&report["files"][0]);
    assert_eq!(
        cgo[0],
        ("GS101".into(), "error".into(), Some("config".into()))
    );
    assert_eq!(
        cgo[1],
        ("GS102".into(), "error".into(), Some("config".into()))
    );
    assert_eq!(cgo[2], ("GS104".into(), "warning".into(), None));
    check_in(dir.path())
        .arg("bin/go-cgo-dynamic")
        .assert()
        .code(0);
}

#[test]
fn ignored_paths_are_not_reported() {
    let dir = workspace(
        Some("ignore = [\"bin/c-*\", \"*.debug\"]\n"),
        &["c-dynamic", "go-static-stripped"],
    );
    std::fs::write(dir.path().join("bin/server.debug"), b"not elf").unwrap();
    let (report, code) = json(dir.path(), &["bin", "bin/server.debug"]);
    assert_eq!(code, 0, "the named non-ELF file is ignored too");
    let paths = reported_paths(&report);
    assert_eq!(paths, ["bin/go-static-stripped"]);
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(report["summary"]["files"], 1);
}

#[test]
fn the_command_line_beats_the_file() {
    let dir = workspace(
        Some("fail-on = \"never\"\n[rules]\nneeded-libraries = \"off\"\nGS101 = \"note\"\n"),
        &["c-dynamic"],
    );
    // The file alone: GS101 is a note, GS102 off, and nothing fails.
    let (report, code) = json(dir.path(), &["bin"]);
    assert_eq!(code, 0);
    let rules: Vec<_> = rules_of(&report["files"][0]);
    assert_eq!(rules[0], ("GS101".into(), "note".into(), None));
    assert!(rules.iter().all(|(id, ..)| id != "GS102"));
    // --fail-on over fail-on.
    check_in(dir.path())
        .args(["--fail-on", "note", "bin"])
        .assert()
        .code(1);
    // --deny over [rules]: GS102 is back as an error.
    let (report, code) = json(
        dir.path(),
        &["--fail-on", "error", "--deny", "GS102", "bin"],
    );
    assert_eq!(code, 1);
    assert!(rules_of(&report["files"][0]).contains(&("GS102".into(), "error".into(), None)));
    // The last flag for a rule wins.
    let (report, _) = json(
        dir.path(),
        &["--deny", "GS101", "--allow", "dynamic-interpreter", "bin"],
    );
    assert!(
        rules_of(&report["files"][0])
            .iter()
            .all(|(id, ..)| id != "GS101")
    );
    let (report, _) = json(dir.path(), &["--allow", "GS101", "--warn", "GS101", "bin"]);
    assert_eq!(
        rules_of(&report["files"][0])[0],
        ("GS101".into(), "warning".into(), None)
    );
}

#[test]
fn an_input_error_beats_a_suppressed_run() {
    let dir = workspace(
        Some(&SUPPRESS_LOADER.replace("EXPIRES", "2999-12-31")),
        &["c-dynamic"],
    );
    check_in(dir.path())
        .args(["bin", "missing"])
        .assert()
        .code(2)
        .stderr("missing: no such file or directory\n");
}

#[test]
fn the_committed_example_config_is_valid() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/gostatic.example.toml");
    let dir = workspace(None, &["go-static-stripped"]);
    check_in(dir.path())
        .arg("--config")
        .arg(&example)
        .arg("bin")
        .assert()
        .code(0)
        .stderr("");
}

#[test]
fn policy_text_report_snapshot() {
    let config = format!(
        "{}\n[[allow]]\nmodule = \"example.com/hello\"\nrules = [\"GS203\"]\nreason = \"Go's default; not worth a PIE here\"\n\n[rules]\nsymtab = \"error\"\n",
        SUPPRESS_LOADER
            .replace("EXPIRES", "2999-12-31")
            .replacen("2999-12-31", "2020-01-31", 1)
    );
    let dir = workspace(Some(&config), &["c-dynamic", "go-static-stripped"]);
    let out = check_in(dir.path()).arg("bin").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ));
}

#[test]
fn issue_13_the_policy_file_is_found_up_to_the_repository_root_with_its_globs_rooted_there() {
    // repo/.git, repo/gostatic.toml, repo/svc/bin/c-dynamic; gostatic runs in repo/svc.
    let outer = tempfile::tempdir().unwrap();
    let repo = outer.path().join("repo");
    let svc = repo.join("svc");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(svc.join("bin")).unwrap();
    std::fs::copy(fixture("c-dynamic"), svc.join("bin/c-dynamic")).unwrap();
    std::fs::copy(fixture("c-static"), svc.join("bin/c-static")).unwrap();
    std::fs::write(
        repo.join("gostatic.toml"),
        "ignore = [\"svc/bin/c-dynamic\"]\n\n[[suppress]]\nrule = \"GS203\"\npath = \"svc/bin/*\"\nreason = \"C programs here are not PIE\"\n",
    )
    .unwrap();
    let (report, code) = json(&svc, &["bin"]);
    let paths = reported_paths(&report);
    assert_eq!(
        paths,
        ["bin/c-static"],
        "the root's ignore glob, rooted at the root"
    );
    let no_pie = &report["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "GS203")
        .cloned()
        .unwrap();
    assert_eq!(no_pie["suppressed"]["kind"], "config", "{no_pie}");
    assert_eq!(code, 0);
    // An absolute path inside the repository is matched from the root too.
    let (report, _) = json(&svc, &[svc.join("bin").to_str().unwrap()]);
    assert_eq!(report["files"].as_array().unwrap().len(), 1);

    // The search stops at the repository root: a file above it is not the repository's.
    std::fs::rename(
        repo.join("gostatic.toml"),
        outer.path().join("gostatic.toml"),
    )
    .unwrap();
    let (report, code) = json(&svc, &["bin"]);
    assert_eq!(report["files"].as_array().unwrap().len(), 2);
    assert_eq!(code, 1, "c-dynamic's errors count again");
}
