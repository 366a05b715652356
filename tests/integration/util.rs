//! Helpers shared by the integration tests.

use std::path::PathBuf;

use assert_cmd::Command;

/// The environment variables that stand for command-line options (docs/config.md).
pub const FLAG_VARIABLES: [&str; 13] = [
    "GOSTATIC_FORMAT",
    "GOSTATIC_FAIL_ON",
    "GOSTATIC_COLOR",
    "GOSTATIC_JOBS",
    "GOSTATIC_CONFIG",
    "GOSTATIC_BASELINE",
    "GOSTATIC_BASELINE_EXACT",
    "GOSTATIC_DIGESTS",
    "GOSTATIC_ALLOW_EMPTY",
    "GOSTATIC_PLATFORM",
    "GOSTATIC_MAX_BINARY_BYTES",
    "GOSTATIC_QUIET",
    "GOSTATIC_SHARD",
];

/// The `gostatic` binary in a scrubbed environment: no colour variables, no terminal.
pub fn gostatic() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gostatic"));
    let engines = [
        "DOCKER_HOST",
        "CONTAINER_HOST",
        "GOSTATIC_REGISTRY_USERNAME",
        "GOSTATIC_REGISTRY_PASSWORD",
        "GOSTATIC_REGISTRY_RETRIES",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ];
    for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM", "COLUMNS"]
        .into_iter()
        .chain(engines)
        .chain(FLAG_VARIABLES)
    {
        cmd.env_remove(var);
    }
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// The exit code, stdout and stderr of a finished `gostatic` command.
pub fn outcome(cmd: &mut Command) -> (Option<i32>, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `gostatic check --format json PATH`, asserted to have read it (exit below 2): the report.
pub fn check_report(path: &std::path::Path) -> serde_json::Value {
    let (code, stdout, stderr) = outcome(gostatic().args(["check", "--format", "json"]).arg(path));
    assert!(code.unwrap() < 2, "{}: {stderr}", path.display());
    serde_json::from_str(&stdout).unwrap()
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/bin")
        .join(name)
}

/// A fixture of `testdata/go`.
pub fn go_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/go")
        .join(name)
}

pub fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Validate one SARIF log with Microsoft's SARIF Multitool (`validate --rule-kind "Sarif;Gh"`:
/// the schema, SARIF's own rules and GitHub's ingestion rules) and return its error-level
/// results, one line each. `validator` is the `Sarif.Multitool` executable.
pub fn multitool_errors(
    validator: &std::path::Path,
    dir: &std::path::Path,
    name: &str,
    text: &str,
) -> Vec<String> {
    let input = write(dir, &format!("{name}.sarif"), text.as_bytes());
    let output = dir.join(format!("{name}.validation.sarif"));
    let ran = std::process::Command::new(validator)
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .args([
            "validate",
            "--rule-kind",
            "Sarif;Gh",
            "--log",
            "ForceOverwrite",
            "-o",
        ])
        .arg(&output)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "{name}: the validator failed to run: {}",
        String::from_utf8_lossy(&ran.stdout)
    );
    let verdict: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    verdict["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|run| run["results"].as_array().cloned().unwrap_or_default())
        .filter(|r| r["level"].as_str().unwrap_or("warning") == "error")
        .map(|r| format!("{} {}", r["ruleId"], r["message"]))
        .collect()
}

/// insta filters that hide the tool's version in JSON and SARIF snapshots.
pub fn version_filters() -> Vec<(&'static str, &'static str)> {
    vec![(
        r#""(version|semanticVersion)": "\d+\.\d+\.\d+""#,
        r#""$1": "[version]""#,
    )]
}

/// `gostatic image --format json` on a one-layer OCI archive named `name`, the spec tweaked
/// first: the report and the exit code.
pub fn image_of_layer(
    name: &str,
    layer: &gostatic::testkit::archive::TarBuilder,
    tweak: impl FnOnce(&mut gostatic::testkit::archive::ImageSpec),
) -> (serde_json::Value, i32) {
    use gostatic::testkit::archive::{self as testkit, Compress, ImageSpec};
    let mut spec = ImageSpec::new(name, vec![layer.finish()]);
    spec.compress = Compress::Gzip;
    tweak(&mut spec);
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "app.oci.tar",
        &testkit::to_tar(&testkit::oci_layout(&[spec])),
    );
    let out = gostatic()
        .args(["image", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (json, out.status.code().unwrap())
}

/// The `files[]` entry of an image report at this path in the image.
pub fn file_at<'a>(report: &'a serde_json::Value, image_path: &str) -> &'a serde_json::Value {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["image_path"] == image_path)
        .unwrap_or_else(|| panic!("{image_path} in {report}"))
}

/// The rule IDs of a JSON report's file, in report order.
pub fn rule_ids(file: &serde_json::Value) -> Vec<String> {
    file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}
