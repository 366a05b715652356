//! Layer semantics, each from a synthetic archive: whiteouts, opaque directories, hard and
//! symbolic links, kind changes, name forms, digests, formats, and hostile input.

use super::*;
use crate::testkit::archive::{self as testkit, Compress, ImageSpec, TarBuilder};

mod bounds;
mod formats_tests;
mod hostile;
mod model;

/// The image reader's own tests need no analysis: each executable is kept as its size.
pub(super) fn sizes(_image_path: &str, bytes: &[u8]) -> Option<usize> {
    Some(bytes.len())
}

/// An OCI archive of one image with these layers, read back.
pub(super) fn open_layers(layers: Vec<Vec<u8>>) -> Image<usize> {
    let files = testkit::oci_layout(&[ImageSpec::new("t:1", layers)]);
    open_bytes(&testkit::to_tar(&files), &ImageOptions::default())
        .unwrap()
        .remove(0)
}

pub(super) fn open_bytes(
    bytes: &[u8],
    options: &ImageOptions,
) -> Result<Vec<Image<usize>>, ImageError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.tar");
    std::fs::write(&path, bytes).unwrap();
    open(&ImageSource::Path(path), options, &sizes)
}

pub(super) fn paths<T>(image: &Image<T>) -> Vec<&str> {
    image.tree.iter().map(|(p, _)| p).collect()
}

/// A real ELF (a tiny one when the fixture is missing): the reader keeps it as an executable.
pub(super) fn elf() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/bin/go-static-stripped"
    ))
    .unwrap_or_else(|_| crate::testkit::elf::Synth::exec64().build())
}

#[test]
fn a_whiteout_deletes_the_lower_file_and_its_subtree() {
    let base = TarBuilder::new()
        .dir("a")
        .file("a/x", b"1")
        .dir("a/d")
        .file("a/d/y", b"22")
        .finish();
    let top = TarBuilder::new()
        .whiteout("a", "d")
        .whiteout("a", "x")
        .finish();
    let image = open_layers(vec![base, top]);
    assert_eq!(paths(&image), ["/a"]);
    assert_eq!(image.layers[0].wasted_bytes, 3);
    assert_eq!(image.wasted.len(), 2);
}

#[test]
fn whiteouts_apply_before_the_same_layers_additions_whatever_the_tar_order() {
    let base = TarBuilder::new().file("f", b"old").finish();
    let top = TarBuilder::new()
        .file("f", b"new!")
        .whiteout("", "f")
        .finish();
    let image = open_layers(vec![base, top]);
    let node = image.tree.get("/f").unwrap();
    assert_eq!((node.layer, node.size), (1, 4));
}

#[test]
fn an_opaque_marker_hides_only_lower_content_of_its_directory() {
    let base = TarBuilder::new()
        .dir("p")
        .file("p/old", b"x")
        .file("keep", b"k")
        .finish();
    let top = TarBuilder::new()
        .dir("p")
        .file("p/new", b"y")
        .opaque("p")
        .finish();
    let image = open_layers(vec![base, top]);
    assert_eq!(paths(&image), ["/keep", "/p", "/p/new"]);
}

#[test]
fn only_the_exact_opaque_name_is_opaque_and_a_bare_wh_deletes_nothing() {
    let base = TarBuilder::new().dir("p").file("p/old", b"x").finish();
    let top = TarBuilder::new()
        .file("p/.wh..wh..opqx", b"")
        .file("p/.wh.", b"")
        .file("p/.wh..wh.plnk", b"")
        .finish();
    let image = open_layers(vec![base, top]);
    assert!(image.tree.get("/p/old").is_some());
    assert!(image.tree.get("/p").is_some());
    assert!(image.tree.get("/p/opqx").is_none());
}

#[test]
fn hard_links_share_their_targets_inspection_within_and_across_layers() {
    let base = TarBuilder::new()
        .dir("bin")
        .file("bin/app", &elf())
        .finish();
    let top = TarBuilder::new()
        .hardlink("bin/app2", "bin/app")
        .hardlink("bin/app3", "./bin/app2")
        .finish();
    let image = open_layers(vec![base, top]);
    let reported: Vec<&str> = image.files.iter().map(|f| f.image_path.as_str()).collect();
    assert_eq!(reported, ["/bin/app", "/bin/app2", "/bin/app3"]);
    let linked = image.tree.get("/bin/app3").unwrap();
    assert!(matches!(linked.kind, NodeKind::HardLink { .. }));
    assert_eq!(linked.size, elf().len() as u64);
    assert_eq!(image.files[2].layer, 1);
    assert_eq!(image.files[0].layer, 0);
    assert!(image.files.iter().all(|f| f.inspection == elf().len()));
}

#[test]
fn a_hard_link_to_nothing_is_a_note_not_a_file() {
    let image = open_layers(vec![TarBuilder::new().hardlink("x", "missing").finish()]);
    assert!(image.tree.get("/x").is_none());
    assert_eq!(image.notes.len(), 1);
}

#[test]
fn symlinks_resolve_inside_the_root_with_absolute_targets_re_rooted() {
    let layer = TarBuilder::new()
        .dir("etc")
        .file("usr/lib/os-release", b"ID=debian\n")
        .symlink("etc/os-release", "../usr/lib/os-release")
        .symlink("escape", "../../../../usr/lib/os-release")
        .symlink("abs", "/etc/os-release")
        .symlink("loop1", "loop2")
        .symlink("loop2", "loop1")
        .finish();
    let image = open_layers(vec![layer]);
    assert_eq!(
        image.tree.read_small("/etc/os-release"),
        Some(&b"ID=debian\n"[..])
    );
    assert_eq!(
        image.tree.resolve("/escape").unwrap().0,
        "/usr/lib/os-release"
    );
    assert_eq!(image.tree.resolve("/abs").unwrap().0, "/usr/lib/os-release");
    assert!(image.tree.resolve("/loop1").is_none());
    assert!(matches!(
        image.tree.get("/abs").unwrap().kind,
        NodeKind::Symlink { .. }
    ));
}

#[test]
fn a_directory_replaced_by_a_file_or_symlink_loses_its_subtree_and_back() {
    let base = TarBuilder::new()
        .file("d/x", b"1")
        .file("e/y", b"2")
        .file("f", b"3")
        .finish();
    let top = TarBuilder::new()
        .file("d", b"now a file")
        .symlink("e", "/d")
        .file("f/z", b"f is a dir now")
        .finish();
    let image = open_layers(vec![base, top]);
    assert_eq!(paths(&image), ["/d", "/e", "/f", "/f/z"]);
    assert!(image.tree.get("/f").unwrap().is_dir());
}

#[test]
fn a_member_under_a_symlinked_directory_lands_in_its_target() {
    let base = TarBuilder::new()
        .dir("usr/lib")
        .symlink("lib", "usr/lib")
        .finish();
    let top = TarBuilder::new().file("lib/libc.so.6", b"x").finish();
    let image = open_layers(vec![base, top]);
    assert!(image.tree.get("/usr/lib/libc.so.6").is_some());
    assert!(image.tree.resolve("/lib/libc.so.6").is_some());
}

#[test]
fn dot_slash_absolute_pax_and_gnu_names_are_one_namespace() {
    let long = format!("/opt/{}/tool", "x".repeat(120));
    let layer = TarBuilder::new()
        .file("./a", b"1")
        .file("/b", b"2")
        .pax_file(&long, b"3")
        .gnu_long_file(&format!("opt/{}/tool2", "y".repeat(120)), b"4")
        .finish();
    let image = open_layers(vec![layer]);
    assert!(image.tree.get("/a").is_some());
    assert!(image.tree.get("/b").is_some());
    assert!(image.tree.get(&long).is_some());
    assert_eq!(
        image
            .tree
            .iter()
            .filter(|(p, _)| p.ends_with("tool2"))
            .count(),
        1
    );
}

#[test]
fn small_files_are_kept_and_others_are_not() {
    let layer = TarBuilder::new()
        .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
        .file("etc/ld.so.conf.d/libc.conf", b"/usr/local/lib\n")
        .file("etc/ld-musl-x86_64.path", b"/lib\n")
        .file("etc/hosts", b"127.0.0.1 localhost\n")
        .finish();
    let image = open_layers(vec![layer]);
    assert!(
        image
            .tree
            .read_small("/etc/passwd")
            .unwrap()
            .starts_with(b"root")
    );
    assert!(
        image
            .tree
            .read_small("/etc/ld.so.conf.d/libc.conf")
            .is_some()
    );
    assert!(image.tree.read_small("/etc/ld-musl-x86_64.path").is_some());
    assert!(image.tree.read_small("/etc/hosts").is_none());
}

#[test]
fn only_survivors_are_reported_and_oversized_executables_are_skipped() {
    let base = TarBuilder::new()
        .file("old", &elf())
        .file("big", &elf())
        .finish();
    let top = TarBuilder::new().whiteout("", "old").finish();
    let files = testkit::oci_layout(&[ImageSpec::new("t:1", vec![base, top])]);
    let mut options = ImageOptions::default();
    options.limits.max_binary_bytes = 64;
    let image = open_bytes(&testkit::to_tar(&files), &options)
        .unwrap()
        .remove(0);
    assert!(image.files.is_empty());
    assert_eq!(image.skipped.len(), 1);
    assert_eq!(image.skipped[0].image_path, "/big");
}

#[test]
fn gzip_zstd_and_plain_layers_are_told_by_their_bytes() {
    for compress in [Compress::None, Compress::Gzip, Compress::Zstd] {
        let mut spec = ImageSpec::new(
            "t:1",
            vec![TarBuilder::new().file("bin/app", &elf()).finish()],
        );
        spec.compress = compress;
        let bytes = testkit::to_tar(&testkit::oci_layout(&[spec]));
        let image = open_bytes(&bytes, &ImageOptions::default())
            .unwrap()
            .remove(0);
        assert_eq!(image.files.len(), 1, "{compress:?}");
        let expected = match compress {
            Compress::None => Compression::None,
            Compress::Gzip => Compression::Gzip,
            Compress::Zstd => Compression::Zstd,
        };
        assert_eq!(image.layers[0].compression, expected);
    }
}
