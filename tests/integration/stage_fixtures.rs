//! The suggested final stage of the committed fixture images, as `gostatic image --format json`
//! prints it: each way the old stage failed (testdata/image/stage.oci.tar) now gets the line
//! that makes it start, and an image without a working stage says why. These run anywhere;
//! `stage_runs.rs` runs the stages themselves (root).

use serde_json::Value;

use crate::util::gostatic;

/// The size story of one image of a committed archive.
fn size_of(archive: &str, extra: &[&str]) -> Value {
    let out = gostatic()
        .args(["image", "--format", "json", archive])
        .args(extra)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["images"][0]["size"].clone()
}

fn dockerfile(size: &Value) -> Vec<&str> {
    size["dockerfile"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect()
}

/// What each failure of the old stage is now, without running anything (any user, any tool).
#[test]
fn the_stage_fixtures_get_the_lines_that_make_them_start() {
    let archive = "testdata/image/stage.oci.tar";
    let expect = [
        (
            "stage-symlink",
            "COPY --from=stage-symlink /entrypoint /entrypoint",
        ),
        ("stage-relative", "WORKDIR /opt/app"),
        ("stage-path", "ENV PATH=/opt/app/bin"),
        ("stage-named-user", "USER 65532:65532"),
        ("stage-shell", "ENTRYPOINT [\"/opt/app/bin/worker\"]"),
        (
            "stage-noexec",
            "COPY --from=stage-noexec --chmod=0755 /server /server",
        ),
        ("stage-os-user", "COPY <<EOF /etc/passwd"),
    ];
    for (image, line) in expect {
        let size = size_of(archive, &["--image", image]);
        let lines = dockerfile(&size);
        assert!(lines.contains(&line), "{image}: {lines:#?}");
        assert!(size.get("no_stage_reason").is_none(), "{image}");
    }
    // The shell is gone, not only looked through.
    let shell = size_of(archive, &["--image", "stage-shell"]);
    assert!(!dockerfile(&shell).iter().any(|l| l.contains("/bin/sh")));
}

#[test]
fn images_without_a_working_stage_say_why() {
    let size = size_of(
        "testdata/image/scratch-dynamic.oci.tar",
        &["--image", "scratch-dynamic"],
    );
    assert!(dockerfile(&size).is_empty());
    let reason = size["no_stage_reason"].as_str().unwrap();
    assert!(
        reason.contains("GS504") && reason.contains("ld-linux-x86-64.so.2"),
        "{reason}"
    );

    let size = size_of("testdata/image/needs.oci", &["--image", "needs"]);
    let reason = size["no_stage_reason"].as_str().unwrap();
    assert!(
        reason.contains("GS501") && reason.contains("GS502"),
        "{reason}"
    );

    // An entrypoint too big to analyse: no stage, and no "0 B on scratch" in the text.
    let archive = "testdata/image/scratch-static.oci.tar";
    let size = size_of(archive, &["--max-binary-bytes", "1000"]);
    assert!(
        size["no_stage_reason"]
            .as_str()
            .unwrap()
            .contains("not analysed")
    );
    let out = gostatic()
        .args(["image", "--max-binary-bytes", "1000", archive])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("on scratch"), "{text}");
    assert!(
        text.contains("final stage: none: the entrypoint /server was not analysed"),
        "{text}"
    );
}
