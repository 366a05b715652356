//! `evaluate` as a whole: the order of findings, and what a root filesystem directory (an
//! image without a config) is judged on.

use super::*;
use crate::image::{ImageOptions, ImageSource};

#[test]
fn a_rootfs_directory_is_judged_on_its_contents_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("bin")).unwrap();
    std::fs::write(dir.path().join("bin/sh"), b"shell").unwrap();
    let image = crate::image::open(
        &ImageSource::Path(dir.path().into()),
        &ImageOptions::default(),
        &testing::facts,
    )
    .unwrap()
    .remove(0);
    let rules: Vec<&str> = evaluate(&image)
        .findings
        .iter()
        .map(|f| f.rule.id())
        .collect();
    // No GS601 or GS603: a directory has no USER and no command to judge.
    assert_eq!(rules, ["GS605"]);
}

#[test]
fn findings_are_sorted_by_rule_then_path() {
    let layer = crate::image::testkit::TarBuilder::new()
        .file_mode("usr/bin/su", 0o4755, b"x")
        .file_mode("bin/mount", 0o4755, b"x")
        .file("bin/sh", b"x")
        .finish();
    let mut image = testing::image(vec![layer]);
    image.config.user = String::new();
    let evaluation = evaluate(&image);
    let found: Vec<(&str, Option<&str>)> = evaluation
        .findings
        .iter()
        .map(|f| (f.rule.id(), f.image_path.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            ("GS601", None),
            ("GS603", Some("/app")),
            ("GS605", None),
            ("GS607", Some("/bin/mount")),
            ("GS607", Some("/usr/bin/su")),
        ]
    );
}

#[test]
fn part_kinds_are_named_in_json_as_as_str_says() {
    for kind in [
        PartKind::Entrypoint,
        PartKind::Executable,
        PartKind::Loader,
        PartKind::Library,
        PartKind::LdSoCache,
        PartKind::CaCertificates,
        PartKind::Zoneinfo,
        PartKind::Passwd,
    ] {
        assert_eq!(
            serde_json::to_value(kind).unwrap(),
            serde_json::Value::String(kind.as_str().into())
        );
    }
}
