//! Opt-in: GS505 on real C libraries. Debian's libc6 from bullseye (glibc 2.31) and bookworm
//! (glibc 2.36), and musl, downloaded by `testdata/optin/fetch-libc.sh` (apt-get download with a
//! private configuration; never committed), each put into a synthetic image beside a real
//! program the system gcc builds here. Every 2.34+ program needs `__libc_start_main@GLIBC_2.34`,
//! so against 2.31 GS505 must fire and against 2.36 it must not; musl defines no versions.
//!
//! The oracles are independent of gostatic: the real loader of each release runs the program
//! (ld-2.31.so stops with "version `GLIBC_2.34' not found", 2.36's runs it), and `readelf -V`
//! lists the versions the library defines and the program needs.
//!
//! `GOSTATIC_OPTIN=1 cargo test --test integration real_libc -- --nocapture`

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use gostatic::testkit::archive::TarBuilder;
use gostatic::testkit::elf::Synth;
use serde_json::Value;

use crate::util::{file_at, gostatic, image_of_layer, write};

const PROGRAM: &str = "/app/cgohello";

/// The extracted packages, fetched once per run (shared with `static_nss`, so the two never
/// run the fetch at once); `None` (and why) when not asked for.
#[allow(clippy::print_stderr)]
pub fn libcs() -> Option<&'static Path> {
    if std::env::var_os("GOSTATIC_OPTIN").is_none_or(|v| v != "1") {
        eprintln!(
            "skipped: set GOSTATIC_OPTIN=1 to test GS505 and GS105 on Debian's glibc 2.31/2.36 and musl (apt-get download)"
        );
        return None;
    }
    if std::env::consts::ARCH != "x86_64" {
        eprintln!("skipped: the real-libc test is written for x86_64 libraries");
        return None;
    }
    static FETCHED: OnceLock<PathBuf> = OnceLock::new();
    Some(FETCHED.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/optin");
        let status = Command::new("bash")
            .arg(root.join("fetch-libc.sh"))
            .status()
            .expect("GOSTATIC_OPTIN=1: fetch-libc.sh runs");
        assert!(status.success(), "fetch-libc.sh failed: {status}");
        root.join("downloads/libc")
    }))
}

/// A C program built by the system gcc: against glibc 2.34 or newer it needs GLIBC_2.34.
fn hello(dir: &Path) -> PathBuf {
    let source = write(
        dir,
        "hello.c",
        b"#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n",
    );
    let out = dir.join("cgohello");
    let status = Command::new("gcc")
        .arg("-O1")
        .arg("-o")
        .arg(&out)
        .arg(&source)
        .status()
        .expect("gcc runs");
    assert!(status.success());
    out
}

/// Every file and symlink under `root`'s `dirs`, into the layer as the package has them.
fn add_tree(layer: &mut TarBuilder, root: &Path, dirs: &[&str]) {
    fn walk(layer: &mut TarBuilder, root: &Path, at: &Path) {
        let mut entries: Vec<_> = std::fs::read_dir(at).unwrap().map(|e| e.unwrap()).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                layer.symlink(&name, target.to_str().unwrap());
            } else if kind.is_dir() {
                layer.dir(&name);
                walk(layer, root, &path);
            } else {
                layer.file(&name, &std::fs::read(&path).unwrap());
            }
        }
    }
    for dir in dirs {
        if root.join(dir).exists() {
            layer.dir(dir);
            walk(layer, root, &root.join(dir));
        }
    }
}

/// `gostatic image --format json` on a one-layer OCI archive: the report and the exit code.
fn image(layer: &TarBuilder) -> (Value, i32) {
    image_of_layer("cgohello:1", layer, |spec| {
        spec.entrypoint = vec![PROGRAM.into()];
    })
}

fn file<'a>(report: &'a Value, image_path: &str) -> &'a Value {
    file_at(report, image_path)
}

fn findings(file: &Value, rule: &str) -> Vec<String> {
    file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// What `readelf -V` says a file defines (without the BASE entry) and needs.
fn readelf_versions(path: &Path) -> (Vec<String>, Vec<String>) {
    let out = Command::new("readelf")
        .args(["-V", "--wide"])
        .arg(path)
        .output()
        .expect("readelf runs (binutils)");
    let text = String::from_utf8(out.stdout).unwrap();
    let (mut defs, mut needs) = (Vec::new(), Vec::new());
    let mut section = "";
    for line in text.lines() {
        if line.starts_with("Version definition section") {
            section = "def";
        } else if line.starts_with("Version needs section") {
            section = "need";
        } else if line.starts_with("Version symbols section") {
            section = "";
        }
        let Some(name) = line.split("Name: ").nth(1) else {
            continue;
        };
        let name = name.split_whitespace().next().unwrap().to_string();
        match section {
            "def" if !line.contains("Flags: BASE") => defs.push(name),
            "need" => needs.push(name),
            _ => {}
        }
    }
    (defs, needs)
}

/// The program run by a release's own loader, with that release's libraries only.
fn run_with(release: &Path, program: &Path) -> std::process::Output {
    let libdir = release.join("lib/x86_64-linux-gnu");
    let loader = std::fs::read_dir(&libdir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name.starts_with("ld-") && !p.is_symlink()
        })
        .expect("the release's loader");
    Command::new(loader)
        .arg("--library-path")
        .arg(&libdir)
        .arg(program)
        .output()
        .unwrap()
}

#[test]
fn gs505_fires_against_glibc_2_31_and_not_against_2_36() {
    let Some(libcs) = libcs() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let program = hello(dir.path());
    let bytes = std::fs::read(&program).unwrap();
    let (_, program_needs) = readelf_versions(&program);
    assert!(
        program_needs.contains(&"GLIBC_2.34".to_string()),
        "{program_needs:?}"
    );

    // `check`: the newest glibc version it needs is a fact, and it picks the base.
    let out = gostatic()
        .args(["check", "--format", "json"])
        .arg(&program)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let checked = &report["files"][0];
    assert_eq!(checked["verdict"]["needs_glibc"], "GLIBC_2.34");
    assert_eq!(checked["verdict"]["base"], "distroless-base");
    let mut ours: Vec<String> = checked["elf"]["version_needs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| strings(&n["versions"]))
        .collect();
    let mut theirs = program_needs.clone();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs, "the program's needs, against readelf");

    // glibc 2.31 added no symbol version: its newest is GLIBC_2.30.
    for (release, glibc, newest, fires) in [
        ("glibc-2.31", "2.31", "2.30", true),
        ("glibc-2.36", "2.36", "2.36", false),
    ] {
        let root = libcs.join(release);
        let mut layer = TarBuilder::new();
        add_tree(&mut layer, &root, &["lib", "lib64"]);
        layer
            .dir("app")
            .file(PROGRAM.trim_start_matches('/'), &bytes);
        let (report, code) = image(&layer);
        let app = file(&report, PROGRAM);
        assert!(findings(app, "GS504").is_empty(), "{release}: {app}");
        let gs505 = findings(app, "GS505");

        // The real loader of that release is the oracle.
        let run = run_with(&root, &program);
        let stderr = String::from_utf8_lossy(&run.stderr);
        if fires {
            assert_eq!(
                gs505,
                [format!(
                    "{PROGRAM} needs GLIBC_2.34 from libc.so.6; the image's libc.so.6 \
                     (/lib/x86_64-linux-gnu/libc.so.6, glibc {glibc}) defines up to GLIBC_{newest}"
                )],
                "{release}"
            );
            assert_eq!(code, 1, "an unmet version is an error");
            assert!(!run.status.success());
            assert!(
                stderr.contains("version `GLIBC_2.34' not found"),
                "{stderr}"
            );
        } else {
            assert!(gs505.is_empty(), "{release}: {gs505:?}");
            assert!(run.status.success(), "{stderr}");
            assert_eq!(String::from_utf8_lossy(&run.stdout), "hello\n");
        }

        // The library's definitions, against readelf.
        let libc = std::fs::canonicalize(root.join("lib/x86_64-linux-gnu/libc.so.6")).unwrap();
        let real = format!(
            "/lib/x86_64-linux-gnu/{}",
            libc.file_name().unwrap().to_str().unwrap()
        );
        let ours = strings(&file(&report, &real)["elf"]["version_defs"]);
        let (theirs, _) = readelf_versions(&libc);
        assert_eq!(
            ours, theirs,
            "{release}: libc's definitions, against readelf"
        );
        assert!(ours.contains(&format!("GLIBC_{newest}")));
        assert_eq!(file(&report, &real)["elf"]["glibc_release"], glibc);
    }
}

#[test]
fn every_glibc_base_library_the_table_lists_is_in_both_releases() {
    let Some(libcs) = libcs() else {
        return;
    };
    for release in ["glibc-2.31", "glibc-2.36"] {
        let dir = libcs.join(release).join("lib/x86_64-linux-gnu");
        for name in gostatic::rules::bases::GLIBC {
            assert!(dir.join(name).exists(), "{release} has no {name}");
        }
    }
}

#[test]
fn musl_defines_no_versions_and_gets_no_gs505() {
    let Some(libcs) = libcs() else {
        return;
    };
    let root = libcs.join("musl");
    let mut layer = TarBuilder::new();
    add_tree(&mut layer, &root, &["lib", "etc"]);
    // A musl program as musl-gcc links it: the loader, and libc by its musl name.
    let program = Synth::program()
        .interp(Some("/lib/ld-musl-x86_64.so.1"))
        .needs(&["libc.musl-x86_64.so.1"])
        .needs_versions("libc.musl-x86_64.so.1", &["GLIBC_2.34"])
        .build();
    layer
        .dir("app")
        .file(PROGRAM.trim_start_matches('/'), &program);
    let (report, _) = image(&layer);
    let musl = file(&report, "/lib/x86_64-linux-musl/libc.so");
    assert!(strings(&musl["elf"]["version_defs"]).is_empty());
    assert!(musl["elf"]["version_needs"].as_array().unwrap().is_empty());
    let app = file(&report, PROGRAM);
    assert!(findings(app, "GS504").is_empty(), "{app}");
    // musl's loader checks no versions, so even a stray need is not an error.
    assert!(findings(app, "GS505").is_empty(), "{app}");
}
