//! Opt-in: real Go 1.12–1.17 binaries (old esbuild npm packages: amd64, 386, s390x), which no
//! toolchain here can build, against what Go's own tools say about them
//! (`testdata/optin/records/`: `go version -m` and `debug/gosym` of Go 1.27.3).
//!
//! They are third-party and several MB each, so they are downloaded, never committed. Every
//! test here returns at once unless `GOSTATIC_OPTIN=1`; then the first one to run calls
//! `testdata/optin/fetch.sh` (npm, sha256-checked; a no-op when the files are there):
//!
//! `GOSTATIC_OPTIN=1 cargo test --test integration optin -- --nocapture`

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use gostatic::gobin::pclntab::{self, FoundBy};
use gostatic::gobin::{Binary, buildinfo};
use sha2::{Digest, Sha256};

use crate::util::gostatic;
use gostatic::testkit::elf::without_section_headers;

/// Name (Go version inside) and the Go version `go version -m` or the symbol table gives.
const BINARIES: [(&str, &str); 6] = [
    ("esbuild-0.0.2-go1.12.9-amd64", "go1.12.9"),
    ("esbuild-0.1.26-go1.14.2-amd64", "go1.14.2"),
    ("esbuild-0.7.22-go1.15-amd64", "go1.15"),
    ("esbuild-0.8.57-go1.16-amd64", "go1.16"),
    ("esbuild-0.11.12-go1.16.3-386", "go1.16.3"),
    ("esbuild-0.14.8-go1.17.5-s390x", "go1.17.5"),
];
/// Before Go 1.13 there is no buildinfo at all.
const NO_BUILDINFO: &str = "esbuild-0.0.2-go1.12.9-amd64";

pub(crate) fn optin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/optin")
}

/// The downloads directory, after `script` (in testdata/optin) ran once per test run; `None`
/// (and a note naming `what`) unless the environment asks for opt-in tests.
#[allow(clippy::print_stderr)]
pub(crate) fn fetched(
    script: &str,
    once: &'static OnceLock<Result<PathBuf, String>>,
    what: &str,
) -> Option<&'static Path> {
    if std::env::var_os("GOSTATIC_OPTIN").is_none_or(|v| v != "1") {
        eprintln!("skipped: set GOSTATIC_OPTIN=1 to test {what}");
        return None;
    }
    let fetched = once.get_or_init(|| {
        let status = Command::new("bash")
            .arg(optin().join(script))
            .status()
            .map_err(|e| format!("{script}: {e}"))?;
        if !status.success() {
            return Err(format!("{script} failed: {status}"));
        }
        Ok(optin().join("downloads"))
    });
    Some(
        fetched
            .as_ref()
            .expect("GOSTATIC_OPTIN=1: the downloads are required"),
    )
}

fn downloads() -> Option<&'static Path> {
    static FETCHED: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    fetched("fetch.sh", &FETCHED, "real Go 1.12-1.17 binaries (npm)")
}

fn record(name: &str, kind: &str) -> String {
    let path = optin().join("records").join(format!("{name}.{kind}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn buildinfo_prints_what_go_version_m_prints() {
    let Some(dir) = downloads() else { return };
    for (name, _) in BINARIES {
        let out = gostatic()
            .current_dir(dir)
            .args(["buildinfo", name])
            .output()
            .unwrap();
        let both = [out.stdout, out.stderr].concat();
        assert_eq!(
            String::from_utf8_lossy(&both),
            record(name, "goversion"),
            "{name}"
        );
        // Go exits 1 for a named file that is not a Go executable.
        assert_eq!(
            out.status.code(),
            Some(i32::from(name == NO_BUILDINFO)),
            "{name}"
        );
    }
}

/// The `funcsum` record: functab entries, distinct names, sha256 of the sorted distinct names.
fn funcsum(names: &BTreeSet<String>, functions: usize) -> String {
    let mut hash = Sha256::new();
    for name in names {
        hash.update(name.as_bytes());
        hash.update(b"\n");
    }
    let hex: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "functions {functions}\ndistinct {}\nsha256 {hex}\n",
        names.len()
    )
}

#[test]
fn pclntab_reads_what_debug_gosym_reads() {
    let Some(dir) = downloads() else { return };
    for (name, _) in BINARIES {
        let data = std::fs::read(dir.join(name)).unwrap();
        let bin = Binary::parse(&data).unwrap();
        let table = pclntab::find(&bin).unwrap_or_else(|| panic!("{name}: no pclntab"));
        assert_eq!(table.found_by, FoundBy::Section, "{name}");
        let names: BTreeSet<String> = table.collect_func_names(usize::MAX).into_iter().collect();
        let ours = funcsum(&names, table.table.func_count());
        assert_eq!(ours, record(name, "funcsum"), "{name}");
        let files: Vec<String> = table.collect_file_names(usize::MAX);
        let record_files = record(name, "files");
        let expected: Vec<&str> = record_files.lines().collect();
        assert_eq!(files, expected, "{name}: file names");

        // Without section headers the magic scan must find the same table.
        let bare = without_section_headers(data.clone());
        let scanned = pclntab::find(&Binary::parse(&bare).unwrap())
            .unwrap_or_else(|| panic!("{name}: the scan missed the pclntab"));
        assert_eq!(scanned.found_by, FoundBy::MagicScan, "{name}");
        assert_eq!(scanned.address, table.address, "{name}");
        let names: BTreeSet<String> = scanned.collect_func_names(usize::MAX).into_iter().collect();
        assert_eq!(
            funcsum(&names, scanned.table.func_count()),
            ours,
            "{name} (scan)"
        );

        let info = buildinfo::read_bytes(&data);
        if name == NO_BUILDINFO {
            assert_eq!(
                info,
                Err(buildinfo::BuildInfoError::NotGoExecutable),
                "{name}"
            );
        } else {
            assert!(info.is_ok(), "{name}: {info:?}");
        }
    }
}

fn check_json(dir: &Path, name: &str) -> serde_json::Value {
    let out = gostatic()
        .current_dir(dir)
        .args(["check", "--format", "json", name])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    report["files"][0].clone()
}

#[test]
fn check_judges_every_ancient_go_binary() {
    let Some(dir) = downloads() else { return };
    for (name, version) in BINARIES {
        let file = check_json(dir, name);
        let go = &file["go"];
        assert!(go.is_object(), "{name}: check does not see Go");
        assert_eq!(go["version"], version, "{name}");
        let source = go["version_source"].as_str().unwrap();
        let rules: BTreeSet<&str> = file["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        assert!(
            rules.contains("GS402"),
            "{name}: no go-unsupported in {rules:?}"
        );
        if name == NO_BUILDINFO {
            assert!(matches!(source, "symtab" | "pclntab"), "{name}: {source}");
            assert!(go["buildinfo"].is_null(), "{name}");
            assert!(
                rules.contains("GS404"),
                "{name}: no no-buildinfo in {rules:?}"
            );
        } else {
            assert_eq!(source, "buildinfo", "{name}");
            assert!(!rules.contains("GS404"), "{name}");
        }

        let summary = record(name, "funcsum");
        let functions = summary
            .lines()
            .next()
            .unwrap()
            .strip_prefix("functions ")
            .unwrap();
        assert_eq!(go["pclntab"]["functions"].to_string(), functions, "{name}");

        // GS401 exactly where debug/gosym lists absolute paths (all but the -trimpath build).
        let absolute = record(name, "files")
            .lines()
            .filter(|l| l.starts_with('/'))
            .count();
        assert_eq!(rules.contains("GS401"), absolute > 0, "{name}: {rules:?}");
        assert_eq!(go["build_paths"]["count"], absolute, "{name}");
        if absolute > 0 {
            let examples = go["build_paths"]["examples"].to_string();
            assert!(
                examples.contains("/Users/evan/dev/esbuild/"),
                "{name}: {examples}"
            );
        }
    }
}
