//! `gostatic buildinfo` against the `go version -m` records `build.sh` committed beside each
//! Go fixture (`testdata/bin/<name>.goversion`), byte for byte, plus Go's error messages and
//! exit statuses, directory walks, and what gostatic reads that `go version` cannot.

use std::path::Path;

use gostatic::testkit::elf;
use serde_json::Value;

use crate::util::{fixture, gostatic, write};

const GO_FIXTURES: [&str; 7] = [
    "go-arm64",
    "go-cgo-dynamic",
    "go-mips",
    "go-pie",
    "go-static-pie",
    "go-static-stripped",
    "go-static-unstripped",
];

fn record(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("{name}.goversion"))).unwrap()
}

fn in_fixtures() -> assert_cmd::Command {
    let mut cmd = gostatic();
    cmd.current_dir(fixture(""));
    cmd
}

#[test]
fn each_fixture_matches_go_version_m() {
    for name in GO_FIXTURES {
        let out = in_fixtures().args(["buildinfo", name]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&record(name)),
            "{name}"
        );
        assert!(out.stderr.is_empty());
    }
}

#[test]
fn many_files_and_a_directory_print_in_go_order() {
    let all: Vec<u8> = GO_FIXTURES.iter().flat_map(|n| record(n)).collect();
    let named = in_fixtures()
        .arg("buildinfo")
        .args(GO_FIXTURES)
        .output()
        .unwrap();
    assert_eq!(named.stdout, all);
    // A walk shows `filepath.Join`-cleaned paths ("./go-pie" is "go-pie") and skips non-Go
    // files silently, with exit status 0.
    let walked = in_fixtures().args(["buildinfo", "./"]).output().unwrap();
    assert_eq!(walked.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&walked.stdout),
        String::from_utf8_lossy(&all)
    );
    assert!(walked.stderr.is_empty());
}

#[test]
fn non_go_executable_named_directly_fails_like_go() {
    let out = in_fixtures()
        .args(["buildinfo", "c-static", "go-pie"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(out.stdout, record("go-pie"));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "c-static: could not read Go build info from c-static: not a Go executable\n"
    );
}

#[test]
fn missing_files_and_non_candidates() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "notes.txt",
        b"just some text, not an executable\n",
    );
    write(dir.path(), "lib.so", b"");
    let out = gostatic()
        .current_dir(dir.path())
        .args(["buildinfo", "nope", "notes.txt", "lib.so"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    // A file without an exec bit or a library-like name is a silent failure in Go.
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "stat nope: no such file or directory\n\
         lib.so: could not read Go build info from lib.so: unrecognized file format\n"
    );
}

#[test]
fn usage_errors_exit_two() {
    let out = gostatic().arg("buildinfo").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The fixture with its section header table removed, as `sstrip` does.
fn without_section_headers(name: &str, dir: &Path) -> std::path::PathBuf {
    let bytes = std::fs::read(fixture(name)).unwrap();
    write(dir, name, &elf::without_section_headers(bytes))
}

#[test]
fn reads_what_go_version_cannot() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["go-static-stripped", "go-pie"] {
        without_section_headers(name, dir.path());
        let out = gostatic()
            .current_dir(dir.path())
            .args(["buildinfo", name])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}");
        assert_eq!(out.stdout, record(name), "{name}");
        let json = gostatic()
            .current_dir(dir.path())
            .args(["buildinfo", "--json", name])
            .output()
            .unwrap();
        let value: Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(value[0]["go"]["found_by"], "scan");
    }
}

#[test]
fn json_has_one_entry_per_file() {
    let out = in_fixtures()
        .args(["buildinfo", "--json", "go-pie", "c-static", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.is_empty());
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    let go = &value[0]["go"];
    assert_eq!(value[0]["path"], "go-pie");
    assert_eq!(go["version"], "go1.27.3");
    assert_eq!(go["path"], "example.com/hello");
    assert_eq!(go["main"]["path"], "example.com/hello");
    assert_eq!(go["main"]["version"], "(devel)");
    assert_eq!(go["settings"]["-buildmode"], "pie");
    assert_eq!(go["settings"]["CGO_ENABLED"], "0");
    assert_eq!(go["found_by"], "go-lookup");
    assert_eq!(
        value[1],
        serde_json::json!({"path": "c-static", "error": "not a Go executable"})
    );
    assert_eq!(
        value[2],
        serde_json::json!({"path": "nope", "error": "no such file or directory"})
    );
}

#[cfg(unix)]
#[test]
fn walks_follow_file_symlinks_but_not_directory_symlinks() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::copy(fixture("go-pie"), root.join("sub/app")).unwrap();
    symlink(fixture("go-mips"), root.join("link")).unwrap();
    symlink(fixture(""), root.join("fixtures")).unwrap();
    write(&root, "readme", b"text");
    symlink(&root, dir.path().join("root-link")).unwrap();
    let out = gostatic()
        .current_dir(dir.path())
        .args(["buildinfo", "root/", "root-link"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let headers: Vec<&str> = text.lines().filter(|l| !l.starts_with('\t')).collect();
    // A root that is itself a symlink is not walked, as with Go's filepath.WalkDir.
    assert_eq!(headers, ["root/link: go1.27.3", "root/sub/app: go1.27.3"]);
}
