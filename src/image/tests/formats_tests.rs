//! Every input form, from archives built in test code.

use super::*;

fn spec(tag: &str) -> ImageSpec {
    let layers = vec![
        TarBuilder::new()
            .file("etc/passwd", b"root:x:0:0::/:/bin/sh\n")
            .finish(),
        TarBuilder::new().file("app", &elf()).finish(),
    ];
    ImageSpec::new(tag, layers)
}

fn check(image: &Image<usize>, format: ImageFormat) {
    assert_eq!(image.format, format);
    assert_eq!(image.files.len(), 1);
    assert_eq!(image.files[0].image_path, "/app");
    assert_eq!(
        image.config.entrypoint.as_deref(),
        Some(&["/app".to_string()][..])
    );
    assert_eq!(image.config.user, "65532");
    assert_eq!(image.platform.to_string(), "linux/amd64");
    assert!(image.tree.read_small("/etc/passwd").is_some());
}

#[test]
fn docker_archive_legacy_with_plain_and_gzip_layers() {
    for compress in [Compress::None, Compress::Gzip] {
        let mut s = spec("app:1");
        s.compress = compress;
        let bytes = testkit::to_tar(&testkit::docker_legacy(&[s]));
        let image = open_bytes(&bytes, &ImageOptions::default())
            .unwrap()
            .remove(0);
        check(&image, ImageFormat::DockerArchive);
        assert_eq!(image.name, "app:1");
        assert!(image.layers[0].diff_id.is_some());
    }
}

#[test]
fn docker_archive_with_symlinked_layer_members_as_buildah_writes() {
    let mut files = testkit::docker_legacy(&[spec("app:1")]);
    let mut tar = TarBuilder::new();
    for (name, bytes) in &mut files {
        if let Some(id) = name.strip_suffix("/layer.tar") {
            let target = format!("{id}.tar");
            tar.file_mode(&target, 0o644, bytes);
            tar.symlink(name, &format!("../{target}"));
        } else {
            tar.file_mode(name, 0o644, bytes);
        }
    }
    let image = open_bytes(&tar.finish(), &ImageOptions::default())
        .unwrap()
        .remove(0);
    check(&image, ImageFormat::DockerArchive);
}

#[test]
fn docker_25_archive_reads_blobs_through_manifest_json() {
    let bytes = testkit::to_tar(&testkit::docker25(&[spec("app:1")]));
    let image = open_bytes(&bytes, &ImageOptions::default())
        .unwrap()
        .remove(0);
    check(&image, ImageFormat::DockerOciArchive);
    assert!(image.layers[0].digest.is_some());
}

#[test]
fn oci_archive_layout_directory_and_stdin_form() {
    let files = testkit::oci_layout(&[spec("app:1")]);
    let image = open_bytes(&testkit::to_tar(&files), &ImageOptions::default())
        .unwrap()
        .remove(0);
    check(&image, ImageFormat::OciArchive);
    assert_eq!(image.name, "app:1");
    assert!(image.manifest_digest.is_some());

    let dir = tempfile::tempdir().unwrap();
    testkit::write_dir(&files, dir.path()).unwrap();
    let image = open(
        &ImageSource::Path(dir.path().into()),
        &ImageOptions::default(),
        &sizes,
    )
    .unwrap()
    .remove(0);
    check(&image, ImageFormat::OciLayout);

    // The streamed path (stdin), exercised through a gzip-wrapped outer tar.
    let gz = testkit::gzip(&testkit::to_tar(&testkit::docker_legacy(&[spec("app:1")])));
    let image = open_bytes(&gz, &ImageOptions::default()).unwrap().remove(0);
    check(&image, ImageFormat::DockerArchive);
}

#[test]
fn a_rootfs_directory_is_one_layer() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::write(dir.path().join("etc/passwd"), b"root:x:0:0::/:/bin/sh\n").unwrap();
    std::fs::write(dir.path().join("app"), elf()).unwrap();
    std::os::unix::fs::symlink("/../../outside", dir.path().join("link")).unwrap();
    std::fs::write(dir.path().join("run.sh"), b"#!/bin/sh -e\necho\n").unwrap();
    let image = open(
        &ImageSource::Path(dir.path().into()),
        &ImageOptions::default(),
        &sizes,
    )
    .unwrap()
    .remove(0);
    assert_eq!(image.format, ImageFormat::Rootfs);
    assert_eq!(image.files.len(), 1);
    assert!(image.tree.read_small("/etc/passwd").is_some());
    assert!(image.tree.resolve("/link").is_none());
    assert_eq!(image.tree.interpreter("/run.sh"), Some("/bin/sh -e"));
    assert_eq!(image.tree.interpreter("/app"), None);
}

#[test]
fn a_scripts_interpreter_line_is_kept_and_bounded() {
    let long = format!("#!/bin/{}\n", "x".repeat(400));
    let image = super::open_layers(vec![
        TarBuilder::new()
            .file("run.sh", b"#!  /usr/bin/env  python3\nprint()\n")
            .file("long.sh", long.as_bytes())
            .file("tiny", b"#!")
            .hardlink("again.sh", "run.sh")
            .finish(),
    ]);
    assert_eq!(
        image.tree.interpreter("/run.sh"),
        Some("/usr/bin/env  python3")
    );
    assert_eq!(
        image.tree.interpreter("/again.sh"),
        Some("/usr/bin/env  python3")
    );
    assert_eq!(image.tree.interpreter("/long.sh").map(str::len), Some(254));
    assert_eq!(image.tree.interpreter("/tiny"), None);
}

#[test]
fn several_images_are_each_read_and_image_picks_one() {
    let bytes = testkit::to_tar(&testkit::docker_legacy(&[spec("a:1"), spec("b:2")]));
    let images = open_bytes(&bytes, &ImageOptions::default()).unwrap();
    let names: Vec<&str> = images.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["a:1", "b:2"]);
    assert_eq!(images[1].files[0].image_path, "/app");
    let options = ImageOptions {
        image: Some("b:2".into()),
        ..Default::default()
    };
    let images = open_bytes(&bytes, &options).unwrap();
    assert_eq!(images.len(), 1);
    let options = ImageOptions {
        image: Some("c".into()),
        ..Default::default()
    };
    let err = open_bytes(&bytes, &options).unwrap_err().to_string();
    assert!(err.contains("a:1, b:2"), "{err}");
}

#[test]
fn a_nested_index_needs_platform_when_it_holds_several() {
    let mut arm = spec("x");
    arm.arch = "arm64".into();
    arm.variant = Some("v8".into());
    let bytes = testkit::to_tar(&testkit::oci_multiarch("multi:1", &[spec("x"), arm]));
    let err = open_bytes(&bytes, &ImageOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("linux/amd64, linux/arm64/v8"), "{err}");
    let options = ImageOptions {
        platform: Some(Platform::parse("linux/arm64").unwrap()),
        ..Default::default()
    };
    let image = open_bytes(&bytes, &options).unwrap().remove(0);
    assert_eq!(image.platform.to_string(), "linux/arm64/v8");
    assert_eq!(image.name, "multi:1");
    let options = ImageOptions {
        platform: Some(Platform::parse("linux/s390x").unwrap()),
        ..Default::default()
    };
    let err = open_bytes(&bytes, &options).unwrap_err().to_string();
    assert!(
        err.contains("no manifest for platform linux/s390x"),
        "{err}"
    );
}
