//! Opt-in: `.pre-commit-hooks.yaml` run by the real `pre-commit` (PyPI) in a scratch
//! repository, as a user's `.pre-commit-config.yaml` would run it. pre-commit is downloaded
//! (pip, into `~/.cache/gostatic-tools/pre-commit`) unless `GOSTATIC_PRE_COMMIT` names one, so
//! every test here returns at once unless `GOSTATIC_OPTIN=1`:
//!
//! `GOSTATIC_OPTIN=1 cargo test --test integration precommit -- --nocapture`
//!
//! `gostatic-system` runs the gostatic under test from PATH; `gostatic` (language `rust`) makes
//! pre-commit `cargo install` this repository, a release build of several minutes, so it runs
//! only with `GOSTATIC_OPTIN_SLOW=1` too.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::fixture;

/// The pre-commit executable, installed on first use; `None` (and a note) when not asked.
#[allow(clippy::print_stderr)]
fn pre_commit() -> Option<PathBuf> {
    if std::env::var_os("GOSTATIC_OPTIN").is_none_or(|v| v != "1") {
        eprintln!(
            "skipped: set GOSTATIC_OPTIN=1 to run the pre-commit hooks with pre-commit (PyPI)"
        );
        return None;
    }
    if let Some(given) = std::env::var_os("GOSTATIC_PRE_COMMIT") {
        return Some(PathBuf::from(given));
    }
    let home = std::env::var_os("HOME").expect("HOME");
    let venv = Path::new(&home).join(".cache/gostatic-tools/pre-commit");
    let exe = venv.join("bin/pre-commit");
    if !exe.exists() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3");
        assert!(made.success(), "python3 -m venv failed");
        let installed = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "pre-commit"])
            .status()
            .expect("pip");
        assert!(installed.success(), "pip install pre-commit failed");
    }
    Some(exe)
}

/// A git repository with `bin/` holding the given fixtures, and a PATH with the gostatic
/// under test first.
fn scratch_repo(binaries: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "--quiet"]);
    std::fs::write(dir.path().join("README"), "scratch\n").unwrap();
    git(&["add", "README"]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "--quiet",
        "-m",
        "init",
    ]);
    std::fs::create_dir(dir.path().join("bin")).unwrap();
    for name in binaries {
        std::fs::copy(fixture(name), dir.path().join("bin").join(name)).unwrap();
    }
    dir
}

/// `pre-commit try-repo THIS-REPOSITORY HOOK --all-files` in `repo`: the hooks as they are in
/// the working tree, uncommitted changes included.
fn try_repo(pre_commit: &Path, repo: &Path, hook: &str) -> Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_gostatic")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new(pre_commit)
        .args(["try-repo", env!("CARGO_MANIFEST_DIR"), hook, "--all-files"])
        .current_dir(repo)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", repo.join(".pre-commit-cache"))
        .env_remove("GOSTATIC_FORMAT")
        .env_remove("GOSTATIC_FAIL_ON")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_system_hook_passes_scratch_ready_binaries_and_fails_a_dynamic_one() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let clean = scratch_repo(&["go-static-stripped"]);
    let out = try_repo(&pre_commit, clean.path(), "gostatic-system");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Passed"), "{}", text(&out));

    let dynamic = scratch_repo(&["go-static-stripped", "go-cgo-dynamic"]);
    let out = try_repo(&pre_commit, dynamic.path(), "gostatic-system");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("Failed"), "{said}");
    assert!(
        said.contains("bin/go-cgo-dynamic: error[GS101 dynamic-interpreter]"),
        "{said}"
    );
}

#[test]
fn the_rust_hook_builds_gostatic_with_cargo() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    if std::env::var_os("GOSTATIC_OPTIN_SLOW").is_none_or(|v| v != "1") {
        return;
    }
    let dynamic = scratch_repo(&["go-cgo-dynamic"]);
    let out = try_repo(&pre_commit, dynamic.path(), "gostatic");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("GS101"), "{}", text(&out));
}
