//! `gostatic slim --json`: one document on stdout for each outcome (written, dry run, refused,
//! error), snapshotted, with the exit code of the text mode; the digests it gives are those
//! of the image it wrote, read back.

use std::path::Path;

use serde_json::Value;

use crate::slim::image_json;
use crate::util::gostatic;

/// What one run printed.
struct Run {
    code: Option<i32>,
    doc: Value,
    stdout: String,
    stderr: String,
}

/// `gostatic slim testdata/image/SOURCE ARGS --json`, run from the checkout so that the
/// source is named the same everywhere (the config's history names it, so the digests do).
fn slim_json(source: &str, args: &[&str]) -> Run {
    let output = gostatic()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("slim")
        .arg(format!("testdata/image/{source}"))
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let doc = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{source} {args:?}: {e}: {stderr}"));
    Run {
        code: output.status.code(),
        doc,
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr,
    }
}

/// The document as printed, OUT's temporary directory and the version made stable.
fn shown(run: &Run, dir: &Path) -> String {
    run.stdout
        .replace(&dir.display().to_string(), "[out]")
        .replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn a_written_image_s_document_gives_its_digests_kept_paths_and_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("slim.tar");
    let out_arg = out.display().to_string();
    let run = slim_json("layers.oci.tar", &["-o", &out_arg]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    insta::assert_snapshot!("slim_json_written", shown(&run, dir.path()));
    let doc = run.doc;
    // The digests are the written image's, as `gostatic image` reads it back.
    let back = image_json(&out, &[]);
    let image = &back["images"][0];
    let written = &doc["written"];
    assert_eq!(image["manifest_digest"], written["manifest_digest"]);
    assert_eq!(image["config_digest"], written["config_digest"]);
    assert_eq!(image["layers"][0]["digest"], written["layer"]["digest"]);
    assert_eq!(image["layers"][0]["size"], written["layer"]["size"]);
    assert_eq!(
        image["layers"][0]["uncompressed_size"],
        written["layer"]["uncompressed_size"]
    );
    // A docker archive: the layer is the tar itself.
    let docker = dir.path().join("slim.docker.tar");
    let docker_arg = docker.display().to_string();
    let args = ["-o", &docker_arg, "--format", "docker-archive"];
    let run = slim_json("layers.oci.tar", &args);
    assert_eq!(run.code, Some(0));
    let doc = run.doc;
    let layer = &doc["written"]["layer"];
    assert_eq!(doc["written"]["format"], "docker-archive");
    assert_eq!(layer["digest"], layer["diff_id"]);
    assert_eq!(layer["size"], layer["uncompressed_size"]);
}

#[test]
fn dry_runs_refusals_and_errors_are_documents_too() {
    let dir = tempfile::tempdir().unwrap();
    let run = slim_json("needs.oci", &["--image", "needs-fixed", "--dry-run"]);
    assert_eq!(run.code, Some(0));
    let dry = run.doc;
    assert_eq!(dry["status"], "dry-run");
    assert_eq!(dry["written"], Value::Null);
    let reasons: Vec<&str> = dry["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["reason"].as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"ca-certificates"), "{reasons:?}");
    // Refused: exit 1, the findings, what it would have held; nothing written, stderr quiet.
    let out = dir.path().join("refused.tar");
    let out_arg = out.display().to_string();
    let refused = slim_json("needs.oci", &["--image", "needs", "-o", &out_arg]);
    assert_eq!(refused.code, Some(1));
    assert!(refused.stderr.is_empty(), "{}", refused.stderr);
    assert!(!out.exists());
    insta::assert_snapshot!("slim_json_refused", shown(&refused, dir.path()));
    // An error: exit 2, its one line in the document and on stderr.
    let error = slim_json("missing.tar", &["--dry-run"]);
    assert_eq!(error.code, Some(2));
    assert_eq!(error.doc["status"], "error");
    let line = error.doc["error"].as_str().unwrap();
    assert_eq!(
        line,
        "testdata/image/missing.tar: no such file or directory"
    );
    assert_eq!(error.stderr, format!("gostatic: {line}\n"));
}
