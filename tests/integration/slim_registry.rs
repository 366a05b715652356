//! `gostatic slim` of an image in a registry, with the registry flags `gostatic image` takes:
//! a real `docker-registry` behind htpasswd Basic auth (`registry.rs`'s helpers; skipped,
//! saying why, without docker-registry, skopeo or htpasswd), the image pushed from a
//! committed fixture, read once to judge it and again for the one blob its program is in.

use std::path::Path;

use crate::registry::{Registry, htpasswd};
use crate::slim::{image_json, slim_to};
use crate::util::gostatic;

/// The layer digest of the image written at `out`.
fn layer_digest(out: &Path) -> String {
    let json = image_json(out, &[]);
    let image = &json["images"][0];
    assert_eq!(image["verdict"]["starts"], "yes", "{image:#}");
    image["layers"][0]["digest"].as_str().unwrap().to_string()
}

#[test]
fn an_image_in_a_registry_slims_with_the_registry_flags() {
    let dir = tempfile::tempdir().unwrap();
    let Some(file) = htpasswd(dir.path(), "ci", "s3cret") else {
        return;
    };
    let Some(registry) = Registry::start(Some(&file)) else {
        return;
    };
    registry.push(
        "testdata/image/layers.oci.tar",
        "app:1",
        &["--dest-creds", "ci:s3cret"],
    );
    let reference = registry.name("app:1");
    let local = dir.path().join("local.tar");
    slim_to("layers.oci.tar", &[], &local, &[]);
    let slim = |extra: &[&str], stdin: &str| {
        let out = dir.path().join("pulled.tar");
        let _ = std::fs::remove_file(&out);
        let mut cmd = gostatic();
        if stdin == "env" {
            cmd.env("GOSTATIC_REGISTRY_USERNAME", "ci")
                .env("GOSTATIC_REGISTRY_PASSWORD", "s3cret");
        }
        let output = cmd
            .env("DOCKER_CONFIG", dir.path())
            .env("GOSTATIC_REGISTRY_RETRIES", "0")
            .args(["slim", &reference, "-o"])
            .arg(&out)
            .args(extra)
            .write_stdin(stdin)
            .output()
            .unwrap();
        (output, out)
    };
    // Without credentials: the registry's refusal, one line, exit 2, nothing written.
    let (output, out) = slim(&[], "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!out.exists());
    // --username with --password-stdin: the same layer as the archive's slim image (the
    // config differs only in naming its source).
    let (output, out) = slim(&["--username", "ci", "--password-stdin"], "s3cret\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("wrote oci-archive"));
    assert_eq!(layer_digest(&out), layer_digest(&local));
    // The credential variables, and --insecure-registry (loopback is plain HTTP anyway).
    let (output, out) = slim(&["--insecure-registry", "127.0.0.1"], "env");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(layer_digest(&out), layer_digest(&local));
    // --ca-file is read as `gostatic image` reads it: one that is not there is its error.
    let (output, _) = slim(&["--ca-file", "/nonexistent/ca.pem"], "env");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ca.pem"), "{stderr}");
}
