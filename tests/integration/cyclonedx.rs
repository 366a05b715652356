//! `--format cyclonedx` on the real fixtures: snapshots of `check` and `image`, the official
//! CycloneDX 1.6 JSON schema (cyclonedx-python-lib's strict validator, PyPI), the exit status
//! and reproducibility. The module list against syft's is `scripts/crosscheck-syft-cyclonedx.py`
//! (run by `.ci/run`).
//!
//! The schema check runs the validator in `GOSTATIC_CYCLONEDX_PYTHON` (a Python with
//! `cyclonedx-python-lib[json-validation]`; `.ci/run` installs one and sets it, so there it
//! cannot skip), else `~/.cache/gostatic-tools/cyclonedx/bin/python`, else `python3` when it
//! has the library; without any it says so and skips.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::{gostatic, outcome, version_filters};

const GO: [&str; 4] = [
    "testdata/go/go-replace",
    "testdata/go/go-vcs",
    "testdata/bin/go-cgo-dynamic",
    "testdata/bin/c-dynamic",
];

fn cyclonedx(args: &[&str]) -> (Option<i32>, String, String) {
    outcome(gostatic().args(args).args(["--format", "cyclonedx"]))
}

fn bom(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn check_snapshot() {
    let mut args = vec!["check"];
    args.extend(GO);
    let (code, text, stderr) = cyclonedx(&args);
    assert_eq!(code, Some(1), "{stderr}");
    insta::with_settings!({ filters => version_filters() }, {
        insta::assert_snapshot!("check_go_cyclonedx", text);
    });
}

#[test]
fn image_snapshot() {
    let (code, text, stderr) = cyclonedx(&["image", "testdata/image/layers.docker.tar"]);
    assert!(code.unwrap() < 2, "{stderr}");
    insta::with_settings!({ filters => version_filters() }, {
        insta::assert_snapshot!("image_layers_cyclonedx", text);
    });
    let value = bom(&text);
    let image = &value["metadata"]["component"];
    assert_eq!(image["type"], "container");
    assert_eq!(image["name"], "localhost/layers:latest");
    assert!(image["version"].as_str().unwrap().starts_with("sha256:"));
    // The image depends on exactly its executables.
    let programs: Vec<&Value> = value["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["bom-ref"].as_str().unwrap().starts_with("file:"))
        .collect();
    let entry = value["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"] == image["bom-ref"])
        .unwrap();
    assert_eq!(
        entry["dependsOn"].as_array().unwrap().len(),
        programs.len(),
        "{value:#}"
    );
}

#[test]
fn several_images_are_container_components() {
    let (code, text, stderr) = cyclonedx(&["image", "testdata/image/scratch-dynamic.oci.tar"]);
    assert!(code.unwrap() < 2, "{stderr}");
    let value = bom(&text);
    assert!(value["metadata"].get("component").is_none());
    let containers: Vec<&str> = value["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "container")
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(containers, ["scratch-dynamic", "scratch-dynamic-libs"]);
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let mut args = vec!["check", "--jobs", "1", "testdata/bin", "testdata/go"];
    let (_, one, _) = cyclonedx(&args);
    args[2] = "2";
    let (_, two, _) = cyclonedx(&args);
    assert_eq!(one, two);
}

#[test]
fn the_gate_and_input_errors_are_as_in_every_format() {
    let (code, _, _) = cyclonedx(&["check", "--fail-on", "never", "testdata/bin"]);
    assert_eq!(code, Some(0));
    let dir = tempfile::tempdir().unwrap();
    let empty = crate::util::write(dir.path(), "empty", b"");
    let (code, text, stderr) = cyclonedx(&[
        "check",
        "testdata/bin/go-static-stripped",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("empty file"), "{stderr}");
    let value = bom(&text);
    let errors: Vec<&Value> = value["metadata"]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "gostatic:error")
        .collect();
    assert_eq!(errors.len(), 1, "{value:#}");
    assert_eq!(
        value["components"][0]["name"],
        "testdata/bin/go-static-stripped"
    );
}

#[test]
fn digests_put_the_file_hash_on_the_program() {
    let (_, text, _) = cyclonedx(&["check", "--digests", "testdata/bin/go-static-stripped"]);
    let value = bom(&text);
    let expected = std::fs::read_to_string("testdata/bin/SHA256SUMS")
        .unwrap()
        .lines()
        .find(|l| l.ends_with(" go-static-stripped"))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .unwrap();
    assert_eq!(
        value["components"][0]["hashes"],
        serde_json::json!([{"alg": "SHA-256", "content": expected}])
    );
    let (_, text, _) = cyclonedx(&["check", "testdata/bin/go-static-stripped"]);
    assert!(bom(&text)["components"][0].get("hashes").is_none());
}

/// A Python that has cyclonedx-python-lib's JSON validator, or why there is none.
fn validator_python() -> Result<PathBuf, String> {
    let has_library = |python: &Path| {
        Command::new(python)
            .args(["-c", "import cyclonedx.validation.json"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if let Some(given) = std::env::var_os("GOSTATIC_CYCLONEDX_PYTHON") {
        let given = PathBuf::from(given);
        assert!(
            has_library(&given),
            "GOSTATIC_CYCLONEDX_PYTHON={} cannot import cyclonedx.validation.json",
            given.display()
        );
        return Ok(given);
    }
    let venv = std::env::var_os("HOME")
        .map(|home| Path::new(&home).join(".cache/gostatic-tools/cyclonedx/bin/python"));
    for python in venv.into_iter().chain([PathBuf::from("python3")]) {
        if has_library(&python) {
            return Ok(python);
        }
    }
    Err(
        "no Python with cyclonedx-python-lib[json-validation] (pip install it, or set \
         GOSTATIC_CYCLONEDX_PYTHON)"
            .to_string(),
    )
}

#[test]
#[allow(clippy::print_stderr)]
fn every_document_passes_the_official_schema() {
    let python = match validator_python() {
        Ok(python) => python,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let runs: [&[&str]; 7] = [
        &[
            "check",
            "--digests",
            "testdata/bin",
            "testdata/go",
            "testdata/pe-macho",
        ],
        &["image", "testdata/image/layers.docker.tar"],
        &["image", "testdata/image/needs.oci"],
        &["image", "testdata/image/scratch-dynamic.oci.tar"],
        &["image", "testdata/image/stage.oci.tar"],
        &[
            "image",
            "--platform",
            "linux/arm64",
            "testdata/image/multiarch.oci.tar",
        ],
        &[
            "image",
            "testdata/image/scratch-static.oci.tar",
            "testdata/image/scratch-static.oci.tar",
        ],
    ];
    let mut documents = Vec::new();
    for (i, args) in runs.iter().enumerate() {
        let (code, text, stderr) = cyclonedx(args);
        assert!(code.unwrap() < 2, "{args:?}: {stderr}");
        documents.push(crate::util::write(
            dir.path(),
            &format!("{i}.json"),
            text.as_bytes(),
        ));
    }
    let out = Command::new(&python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/validate-cyclonedx.py"))
        .args(&documents)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.matches("valid CycloneDX 1.6").count(),
        runs.len(),
        "{stdout}"
    );
}

/// The validator is not a rubber stamp: it rejects a document gostatic would never write.
#[test]
#[allow(clippy::print_stderr)]
fn the_validator_rejects_a_broken_document() {
    let python = match validator_python() {
        Ok(python) => python,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let (_, text, _) = cyclonedx(&["check", "testdata/go/go-replace"]);
    let mut value = bom(&text);
    value["components"][0]["type"] = "program".into();
    let dir = tempfile::tempdir().unwrap();
    let path = crate::util::write(dir.path(), "bad.json", value.to_string().as_bytes());
    let out = Command::new(&python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/validate-cyclonedx.py"))
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("'program' is not one of"));
}
