//! `scripts/action-install.sh`, the GitHub Action's install step, against a release laid out
//! in a directory and reached by `file://` URLs as it would be over HTTPS: the runner's asset
//! is downloaded and checked against `SHA256SUMS`; a corrupted one, an asset missing from the
//! sums, and a runner without a release binary all fail.

use std::path::Path;
use std::process::{Command, Output};

fn install(release: &Path, dest: &Path, version: &str, os: &str, arch: &str) -> Output {
    Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action-install.sh"))
        .arg(dest)
        .env("GOSTATIC_VERSION", version)
        .env(
            "GOSTATIC_RELEASE_URL",
            format!("file://{}", release.display()),
        )
        .env("RUNNER_OS", os)
        .env("RUNNER_ARCH", arch)
        .output()
        .unwrap()
}

fn sha256(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
#[allow(clippy::print_stderr)]
fn a_release_asset_is_downloaded_and_checked_against_its_sums() {
    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("skipped: no curl");
        return;
    }
    let release = tempfile::tempdir().unwrap();
    let dir = release.path().join("v1.2.3");
    std::fs::create_dir(&dir).unwrap();
    let asset = dir.join("gostatic-1.2.3-x86_64-unknown-linux-musl");
    std::fs::copy(env!("CARGO_BIN_EXE_gostatic"), &asset).unwrap();
    let sums = format!(
        "{}  gostatic-1.2.3-aarch64-unknown-linux-musl\n{}  gostatic-1.2.3-x86_64-unknown-linux-musl\n",
        "0".repeat(64),
        sha256(&asset)
    );
    std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();

    let dest = tempfile::tempdir().unwrap();
    let out = install(release.path(), dest.path(), "v1.2.3", "Linux", "X64");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let installed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        installed.trim(),
        dest.path().join("bin/gostatic").to_str().unwrap()
    );
    let ran = Command::new(installed.trim())
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&ran.stdout).starts_with("gostatic "));

    // The arm64 line of the sums is wrong: that asset is refused (and it is not even there).
    let dest = tempfile::tempdir().unwrap();
    let out = install(release.path(), dest.path(), "1.2.3", "Linux", "ARM64");
    assert!(!out.status.success());

    // A corrupted download is refused.
    let mut bytes = std::fs::read(&asset).unwrap();
    bytes.push(0);
    std::fs::write(&asset, bytes).unwrap();
    let dest = tempfile::tempdir().unwrap();
    let out = install(release.path(), dest.path(), "1.2.3", "Linux", "X64");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("FAILED"));
    assert!(!dest.path().join("bin/gostatic").exists());

    // No release binary for macOS: build instead.
    let out = install(release.path(), dest.path(), "1.2.3", "macOS", "ARM64");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("leave version empty to build"));
}
