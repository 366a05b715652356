//! The parts of `slim` a fixture cannot isolate: which bytes the second read keeps, the
//! environment the new config gets, and how a source with several images is refused.

use super::*;
use crate::run::slim_verify::judge_again;
use crate::testkit::archive::{self as testkit, ImageSpec, TarBuilder};

/// An OCI archive of one image with these layers, written to `dir`.
fn archive(dir: &Path, layers: Vec<Vec<u8>>) -> ImageSource {
    let files = testkit::oci_layout(&[ImageSpec::new("t:1", layers)]);
    let path = dir.join("image.tar");
    std::fs::write(&path, testkit::to_tar(&files)).unwrap();
    ImageSource::Path(path)
}

fn read(source: &ImageSource) -> Image<FileFacts> {
    let inspect = |_: &str, bytes: &[u8]| facts::read(bytes).ok().flatten();
    one(image::open(source, &ImageOptions::default(), &inspect).unwrap()).unwrap()
}

fn plan(copies: &[&str]) -> Plan {
    Plan {
        copies: copies
            .iter()
            .map(|p| CopyFrom {
                path: p.to_string(),
                chmod: None,
            })
            .collect(),
        user: "65532".into(),
        ..Plan::default()
    }
}

#[test]
fn the_second_read_finds_files_written_through_a_symlinked_directory_and_hard_links() {
    let dir = tempfile::tempdir().unwrap();
    let base = TarBuilder::new()
        .dir("usr/lib")
        .symlink("lib", "usr/lib")
        .file("etc/big.conf", &[7u8; 300_000])
        .finish();
    let top = TarBuilder::new()
        .file("lib/libc.so.6", b"the library")
        .hardlink("usr/lib/libc-again.so", "lib/libc.so.6")
        .file("etc/other.conf", b"not copied")
        .finish();
    let source = archive(dir.path(), vec![base, top]);
    let image = read(&source);
    let stage = crate::rules::image::stage_image(
        &image,
        &plan(&["/lib/libc.so.6", "/usr/lib/libc-again.so", "/etc/big.conf"]),
    );
    let bytes = kept_bytes(&source, &ImageOptions::default(), &image, &stage).unwrap();
    assert_eq!(&bytes["/lib/libc.so.6"][..], b"the library");
    assert_eq!(&bytes["/usr/lib/libc-again.so"][..], b"the library");
    assert_eq!(bytes["/etc/big.conf"].len(), 300_000);
    assert_eq!(bytes.len(), 3, "{:?}", bytes.keys());
}

#[test]
fn the_stage_s_variables_replace_the_source_s_of_the_same_name() {
    let dir = tempfile::tempdir().unwrap();
    let layer = TarBuilder::new().file("app", b"x").finish();
    let mut image = read(&archive(dir.path(), vec![layer]));
    image.config.env = vec!["PATH=/opt/bin".into(), "MODE=prod".into(), "FLAG".into()];
    image.config.exposed_ports = vec!["8080/tcp".into()];
    image.config.labels.insert("a".into(), "b".into());
    let mut stage = plan(&[]);
    stage.env = vec!["PATH=/opt/bin:/bin".into(), "HOME=/home/nonroot".into()];
    stage.workdir = Some("/srv".into());
    stage.entrypoint = Some(vec!["/app".into()]);
    let config = config_of(&image, &stage);
    assert_eq!(
        config.env,
        [
            "MODE=prod",
            "FLAG",
            "PATH=/opt/bin:/bin",
            "HOME=/home/nonroot"
        ]
    );
    assert_eq!(config.user, "65532");
    assert_eq!(config.working_dir, "/srv");
    assert_eq!(config.exposed_ports, ["8080/tcp"]);
    assert_eq!(config.labels["a"], "b");
    assert_eq!(config.entrypoint, Some(vec!["/app".to_string()]));
}

#[test]
fn a_source_must_give_exactly_one_image() {
    let err = one::<()>(Vec::new()).unwrap_err();
    assert_eq!(err, "holds no image");
    let dir = tempfile::tempdir().unwrap();
    let files = testkit::oci_layout(&[
        ImageSpec::new("a:1", vec![TarBuilder::new().finish()]),
        ImageSpec::new("b:1", vec![TarBuilder::new().finish()]),
    ]);
    let path = dir.path().join("two.tar");
    std::fs::write(&path, testkit::to_tar(&files)).unwrap();
    let sizes = |_: &str, b: &[u8]| Some(b.len());
    let images = image::open(&ImageSource::Path(path), &ImageOptions::default(), &sizes).unwrap();
    let err = one(images).unwrap_err();
    assert!(err.starts_with("holds 2 images (") && err.ends_with("pick one with --image"));
}

#[test]
fn standard_input_is_refused_before_anything_is_read() {
    let request = SlimRequest {
        out: None,
        format: OutputFormat::OciArchive,
        keep: Vec::new(),
        add: Vec::new(),
    };
    let err = slim(&ImageSource::Stdin, &ImageOptions::default(), &request).unwrap_err();
    assert!(
        matches!(&err, SlimError::Input(line) if line.starts_with("-: slim reads its source twice"))
    );
}

#[test]
fn an_added_host_file_lands_root_owned_with_its_parents_and_is_analysed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path().join("tool");
    std::fs::write(&host, b"#!/bin/sh\necho\n").unwrap();
    std::fs::set_permissions(&host, std::fs::Permissions::from_mode(0o750)).unwrap();
    let layer = TarBuilder::new().file("app", b"x").finish();
    let source = archive(dir.path(), vec![layer]);
    let image = read(&source);
    let mut stage = crate::rules::image::stage_image(&image, &plan(&["/app"]));
    add_host_file(&mut stage, 0, &host, "/opt/tools/../bin/tool").unwrap();
    // Over a copied file: the host's bytes win, not the source's.
    add_host_file(&mut stage, 1, &host, "/app").unwrap();
    let bytes = kept_bytes(&source, &ImageOptions::default(), &image, &stage).unwrap();
    assert_eq!(&bytes["/app"][..], b"#!/bin/sh\necho\n");
    let image = &mut stage.image;
    let node = image.tree.get("/opt/bin/tool").unwrap();
    assert_eq!((node.mode, node.uid, node.size), (0o750, 0, 15));
    assert!(image.tree.get("/opt").unwrap().is_dir());
    assert_eq!(image.tree.get("/opt/bin").unwrap().mode, 0o755);
    let content = node.content.unwrap();
    assert_eq!(&image.tree.small[&content][..], b"#!/bin/sh\necho\n");
    assert!(add_host_file(&mut stage, 2, dir.path(), "/x").is_err());
    assert!(add_host_file(&mut stage, 2, &host, "/").is_err());
    assert!(add_host_file(&mut stage, 2, &host, "/opt").is_err());
}

#[test]
fn bytes_that_differ_from_what_was_judged_are_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::testkit::elf::fixture("bin/go-static-stripped");
    let passwd = b"root:x:0:0::/:/sbin/nologin\nnonroot:x:65532:65532::/:/sbin/nologin\n";
    let layer = TarBuilder::new()
        .file("app", &server)
        .file("etc/passwd", passwd)
        .finish();
    let image = read(&archive(dir.path(), vec![layer]));
    let mut plan = plan(&["/app", "/etc/passwd"]);
    plan.entrypoint = Some(vec!["/app".into()]);
    let mut stage = crate::rules::image::stage_image(&image, &plan);
    stage.image.config.entrypoint = plan.entrypoint.clone();
    stage.image.config.user = plan.user.clone();
    let same: BTreeMap<String, Arc<[u8]>> = [
        ("/app".to_string(), Arc::from(&server[..])),
        ("/etc/passwd".to_string(), Arc::from(&passwd[..])),
    ]
    .into();
    judge_again(&mut stage, &same).unwrap();
    for (path, other) in [
        ("/etc/passwd", &b"root:x:0:0::/:/bin/sh\n"[..]),
        ("/app", b"no longer a program"),
    ] {
        let mut changed = same.clone();
        changed.insert(path.to_string(), Arc::from(other));
        let err = judge_again(&mut stage, &changed).unwrap_err();
        assert!(
            matches!(&err, SlimError::Input(line) if line.starts_with(path) && line.contains("the source changed")),
            "{err}"
        );
    }
    // Still a program, judged again as what it now is: a script with no shell to run it.
    let mut changed = same.clone();
    changed.insert("/app".into(), Arc::from(&b"#!/bin/sh\n"[..]));
    let err = judge_again(&mut stage, &changed).unwrap_err();
    assert!(err.to_string().contains("GS107 /app"), "{err}");
}
