//! How `gostatic image` names its sources (issue 12): compressed tars on stdin, transport
//! prefixes that force or refuse a format, registry references, and several sources per run,
//! all on the committed archives of `testdata/image`.

use std::io::Write;

use crate::util::gostatic;

const DOCKER: &str = "testdata/image/scratch-static.docker.tar";
const OCI: &str = "testdata/image/scratch-static.oci.tar";
const LAYOUT: &str = "testdata/image/needs.oci";

fn read(path: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn json(stdout: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stdout).unwrap()
}

/// The report of one file read by path, for comparison with other ways of naming it: the
/// findings and verdicts, not the source's name.
fn judged(report: &serde_json::Value) -> serde_json::Value {
    let images = report["images"].as_array().unwrap();
    serde_json::json!({
        "verdicts": images.iter().map(|i| i["verdict"].clone()).collect::<Vec<_>>(),
        "files": report["files"].as_array().unwrap().iter().map(|f| {
            serde_json::json!([f["image_path"], f["verdict"], f["findings"]])
        }).collect::<Vec<_>>(),
        "summary": report["summary"],
    })
}

#[test]
fn stdin_takes_gzip_and_zstd_tarballs_as_files_do() {
    let by_path = gostatic()
        .args(["image", "--format", "json", DOCKER])
        .output()
        .unwrap();
    assert_eq!(by_path.status.code(), Some(0));
    let expected = judged(&json(&by_path.stdout));
    let plain = read(DOCKER);
    let zstd = zstd::stream::encode_all(&plain[..], 3).unwrap();
    for (name, bytes) in [
        ("plain", plain.clone()),
        ("gzip", gzip(&plain)),
        ("zstd", zstd),
    ] {
        let out = gostatic()
            .args(["image", "--format", "json", "-"])
            .write_stdin(bytes)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
        let report = json(&out.stdout);
        assert_eq!(report["images"][0]["source"], "-", "{name}");
        assert_eq!(report["images"][0]["format"], "docker-archive", "{name}");
        assert_eq!(judged(&report), expected, "{name}");
    }
}

#[test]
fn a_damaged_compressed_stdin_is_one_line_and_exit_2() {
    let mut bytes = gzip(&read(OCI));
    bytes.truncate(bytes.len() / 2);
    let out = gostatic()
        .args(["image", "-"])
        .write_stdin(bytes)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("-: "), "{stderr}");
}

#[test]
fn a_prefix_forces_the_format_and_refuses_another() {
    for (arg, format) in [
        (format!("docker-archive:{DOCKER}"), "docker-archive"),
        (format!("oci-archive:{OCI}"), "oci-archive"),
        (format!("oci:{LAYOUT}:needs-fixed"), "oci-layout"),
    ] {
        let out = gostatic()
            .args(["image", "--format", "json", &arg])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(2), "{arg}: {stderr}");
        let report = json(&out.stdout);
        assert_eq!(report["images"][0]["format"], format, "{arg}");
        assert_eq!(report["images"][0]["source"], arg.as_str());
    }
    for (arg, said) in [
        (
            format!("oci-archive:{DOCKER}"),
            "oci-archive: names an OCI archive (a tar with index.json and oci-layout), and this \
             is a docker save tarball (docker-archive)",
        ),
        (
            format!("docker-archive:{OCI}"),
            "docker-archive: names a docker save tarball (a tar with manifest.json), and this is \
             an OCI archive (oci-archive)",
        ),
        (
            format!("oci:{OCI}"),
            "oci: names an OCI layout directory (index.json and oci-layout), and this is a file",
        ),
        (
            format!("oci-archive:{LAYOUT}"),
            "oci-archive: names an OCI archive (a tar with index.json and oci-layout), and this \
             is a directory",
        ),
        (
            format!("oci:{LAYOUT}:no-such-tag"),
            "no image named 'no-such-tag'",
        ),
    ] {
        let out = gostatic().args(["image", &arg]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{arg}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with(&format!("{arg}: ")), "{stderr}");
        assert!(stderr.contains(said), "{arg}: {stderr}");
    }
}

#[test]
fn a_prefix_reference_and_image_must_agree() {
    let arg = format!("oci:{LAYOUT}:needs-fixed");
    let out = gostatic()
        .args(["image", &arg, "--image", "needs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("the source names image 'needs-fixed' and --image names 'needs'"),
        "{stderr}"
    );
}

#[test]
fn a_name_that_is_a_file_and_a_reference_is_the_file_unless_prefixed() {
    let dir = tempfile::tempdir().unwrap();
    // `app:1` is also a valid image reference (docker.io/library/app:1).
    std::fs::write(dir.path().join("app:1"), read(DOCKER)).unwrap();
    let out = gostatic()
        .current_dir(dir.path())
        .args(["image", "app:1"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for arg in ["registry:app:1", "docker://app:1"] {
        let out = gostatic()
            .current_dir(dir.path())
            .args(["image", arg])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            stderr,
            "app:1: registry references are not supported yet; save the image with `docker save` \
             or `skopeo copy` and name the archive\n"
        );
    }
    // A reference that is no file says both.
    let out = gostatic()
        .current_dir(dir.path())
        .args(["image", "alpine:3.20"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("alpine:3.20: no such file or directory, and registry references"),
        "{stderr}"
    );
    // A mistyped archive name stays a missing file.
    let out = gostatic()
        .current_dir(dir.path())
        .args(["image", "app.tar"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "app.tar: no such file or directory\n"
    );
}
