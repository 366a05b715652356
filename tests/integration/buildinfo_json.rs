//! `gostatic buildinfo -json` against the `go version -m -json` records `build.sh` committed
//! beside each Go fixture (`NAME.gojson`, Go 1.27.3), byte for byte; `-v` as `go version -v`;
//! and `--json`, gostatic's own shape, kept apart from Go's.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{gostatic, outcome};

/// Every fixture with a `.gojson` record: (directory, name).
fn recorded() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut found = Vec::new();
    for dir in ["bin", "go", "pe-macho"] {
        let dir = root.join(dir);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if let Some(binary) = name.strip_suffix(".gojson") {
                found.push((dir.clone(), binary.to_string()));
            }
        }
    }
    found.sort();
    found
}

fn record(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(format!("{name}.gojson"))).unwrap()
}

fn buildinfo_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    outcome(gostatic().current_dir(dir).arg("buildinfo").args(args))
}

#[test]
fn each_fixture_matches_go_version_m_json_in_every_spelling() {
    let fixtures = recorded();
    assert!(fixtures.len() >= 20, "{fixtures:?}");
    for (dir, name) in &fixtures {
        let expected = record(dir, name);
        for spelling in [
            &["-json"][..],
            &["-m", "-json"],
            &["--go-json"],
            &["--format", "go-json"],
        ] {
            let mut args = spelling.to_vec();
            args.push(name);
            let (code, stdout, stderr) = buildinfo_in(dir, &args);
            // Every record is a binary Go reads: exit 0, the document, nothing on stderr.
            assert_eq!(
                (code, stderr.as_str()),
                (Some(0), ""),
                "{name} {spelling:?}"
            );
            assert_eq!(stdout, expected, "{name} {spelling:?}");
        }
    }
}

#[test]
fn a_directory_prints_one_document_per_go_binary_in_walk_order() {
    let fixtures: Vec<(PathBuf, String)> = recorded()
        .into_iter()
        .filter(|(dir, _)| dir.ends_with("bin"))
        .collect();
    let dir = fixtures[0].0.clone();
    let expected: String = fixtures.iter().map(|(d, n)| record(d, n)).collect();
    let (code, stdout, stderr) = buildinfo_in(&dir, &["-json", "."]);
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    assert_eq!(stdout, expected);
}

#[test]
fn a_file_go_cannot_read_is_its_error_line_and_exit_1() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bin");
    let (code, stdout, stderr) = buildinfo_in(&dir, &["-json", "c-static", "go-pie"]);
    assert_eq!(code, Some(1));
    assert_eq!(stdout, record(&dir, "go-pie"));
    assert_eq!(
        stderr,
        "c-static: could not read Go build info from c-static: not a Go executable\n"
    );
}

/// `go version -v DIR` (checked against Go 1.27.3): every executable of the walk that is not a
/// Go binary gets its error line, a link to no regular file is `PATH: symlink`, other files
/// stay silent, and none of it changes the exit status.
#[test]
fn verbose_walks_report_what_is_not_a_go_binary_without_failing() {
    let dir = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bin");
    std::fs::copy(bin.join("c-static"), dir.path().join("c-static")).unwrap();
    std::fs::copy(bin.join("go-pie"), dir.path().join("go-pie")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a binary").unwrap();
    std::os::unix::fs::symlink("/nonexistent", dir.path().join("dangling")).unwrap();
    let (code, stdout, stderr) = buildinfo_in(dir.path(), &["-v", "."]);
    assert_eq!(code, Some(0));
    assert!(stdout.starts_with("go-pie: go1.27.3\n"), "{stdout}");
    assert_eq!(
        stderr,
        "c-static: could not read Go build info from c-static: not a Go executable\n\
         dangling: symlink\n"
    );
    // Without -v the walk is silent about them.
    let (_, _, quiet) = buildinfo_in(dir.path(), &["."]);
    assert_eq!(quiet, "");
}

#[test]
fn gostatic_json_keeps_its_own_shape() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bin");
    let (code, stdout, _) = buildinfo_in(&dir, &["--json", "go-pie"]);
    assert_eq!(code, Some(0));
    let value: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value[0]["path"], "go-pie");
    assert_eq!(value[0]["go"]["version"], "go1.27.3");
    assert!(value[0]["go"]["settings"].is_object());
    let (code, _, stderr) = buildinfo_in(&dir, &["--json", "-json", "go-pie"]);
    assert_eq!(code, Some(2), "{stderr}");
}
