//! `gostatic image` end to end on archives built in test code: the image header, per-file
//! blocks with image paths, the JSON `images[]` section, stdin, and exit 2 on bad input.

use gostatic::testkit::archive::{self as testkit, Compress, ImageSpec, TarBuilder};

use crate::util::{fixture, gostatic, write};

fn archive(compress: Compress) -> Vec<u8> {
    let base = TarBuilder::new()
        .dir("etc")
        .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
        .file("bin/old", &std::fs::read(fixture("c-dynamic")).unwrap())
        .finish();
    let top = TarBuilder::new()
        .file(
            "app",
            &std::fs::read(fixture("go-static-stripped")).unwrap(),
        )
        .hardlink("app-link", "app")
        .whiteout("bin", "old")
        .finish();
    let mut spec = ImageSpec::new("example/app:1", vec![base, top]);
    spec.compress = compress;
    testkit::to_tar(&testkit::oci_layout(&[spec]))
}

#[test]
fn text_report_has_the_image_header_and_one_block_per_surviving_executable() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "app.oci.tar", &archive(Compress::Zstd));
    let out = gostatic().arg("image").arg(&path).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("image example/app:1 (oci-archive, linux/amd64)"),
        "{stdout}"
    );
    assert!(stdout.contains("2 layers"), "{stdout}");
    assert!(stdout.contains("zstd"), "{stdout}");
    assert!(stdout.contains("entrypoint [\"/app\"]"), "{stdout}");
    assert!(
        stdout.contains("  starts: yes; runs clean; scratch: ready\n"),
        "the verdict under the header: {stdout}"
    );
    assert!(stdout.contains("app.oci.tar:/app: ELF64"), "{stdout}");
    // The program the command runs is shown in full, the others summarised...
    assert!(!stdout.contains("app.oci.tar:/app-link: ELF64"), "{stdout}");
    assert!(
        stdout.contains("1 other executable (1 static; 1 Go); --all shows them in full"),
        "{stdout}"
    );
    assert!(!stdout.contains("/bin/old"), "{stdout}");
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    // ...unless --all.
    let out = gostatic()
        .args(["image", "--all"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("app.oci.tar:/app-link: ELF64"), "{stdout}");
    assert!(!stdout.contains("other executables"), "{stdout}");
}

#[test]
fn json_report_carries_images_and_image_paths() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "app.docker.tar", &archive(Compress::None));
    let out = gostatic()
        .args(["image", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let image = &json["images"][0];
    assert_eq!(image["format"], "oci-archive");
    assert_eq!(image["platform"]["architecture"], "amd64");
    assert_eq!(image["config"]["user"], "65532");
    assert_eq!(image["layers"][0]["compression"], "none");
    assert!(image["layers"][0]["wasted_bytes"].as_u64().unwrap() > 0);
    assert_eq!(image["findings"], serde_json::json!([]));
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["image_path"], "/app");
    assert!(files[0]["layer"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(json["summary"]["files"], 2);
}

#[test]
fn stdin_is_read_as_a_stream() {
    let bytes = testkit::to_tar(&testkit::docker_legacy(&[ImageSpec::new(
        "s:1",
        vec![
            TarBuilder::new()
                .file(
                    "app",
                    &std::fs::read(fixture("go-static-stripped")).unwrap(),
                )
                .finish(),
        ],
    )]));
    let out = gostatic()
        .args(["image", "-"])
        .write_stdin(bytes)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("image s:1 (docker-archive, linux/amd64)"),
        "{stdout}"
    );
    assert!(stdout.contains("-:/app: ELF64"), "{stdout}");
}

#[test]
fn unreadable_input_is_one_line_on_stderr_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "notes.txt", &[b'x'; 2000]);
    let out = gostatic().arg("image").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("notes.txt: not an image archive"),
        "{stderr}"
    );

    let out = gostatic()
        .args(["image", "--platform", "linux"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Issue 11, item 12: a layer of zeros whose member header claims no more than the budget allows
/// stops at the ratio past its first GiB, with a line saying how to read it anyway; the flag and
/// its variable do read it.
#[test]
fn a_layer_inflating_past_the_ratio_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = write(
        dir.path(),
        "bomb.tar",
        &gostatic::testkit::hostile::many_member_bomb(1, Compress::Zstd),
    );
    let (code, _, stderr) = crate::util::outcome(gostatic().arg("image").arg(&bomb));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("decompression ratio limit exceeded (256:1 past 1024 MiB"),
        "{stderr}"
    );
    assert!(stderr.contains("--max-inflate-ratio 0"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let flag = crate::util::outcome(
        gostatic()
            .args(["image", "--max-inflate-ratio", "0"])
            .arg(&bomb),
    );
    let variable = crate::util::outcome(
        gostatic()
            .arg("image")
            .arg(&bomb)
            .env("GOSTATIC_MAX_INFLATE_RATIO", "0"),
    );
    for (code, _, stderr) in [flag, variable] {
        assert_ne!(code, Some(2), "{stderr}");
        assert!(!stderr.contains("limit exceeded"), "{stderr}");
    }
    // slim reads layers through the same limit, and takes the same flag.
    let slim = |ratio: &str| {
        crate::util::outcome(
            gostatic()
                .args(["slim", "--dry-run", "--max-inflate-ratio", ratio])
                .arg(&bomb),
        )
    };
    let (code, _, stderr) = slim("256");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("decompression ratio limit exceeded"),
        "{stderr}"
    );
    let (_, _, stderr) = slim("0");
    assert!(!stderr.contains("limit exceeded"), "{stderr}");
}
