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
        &crate::testkit::image::facts,
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
    let layer = crate::testkit::image::Layer::new()
        .file_mode("usr/bin/su", 0o4755, b"x")
        .file_mode("bin/mount", 0o4755, b"x")
        .file("bin/sh", b"x")
        .clone();
    let mut image = crate::testkit::image::image(&layer, Default::default());
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
fn a_files_findings_stay_sorted_by_rule_after_the_image_rules_change_them() {
    use crate::testkit::elf::go_needs;
    use crate::testkit::image::{Config, Layer, image};
    // An amd64 program in an arm64 image (GS604 added first) that needs a CA bundle the image
    // lacks (GS501 dropped, then added back as an error): the sort puts GS501 first again.
    let mut layer = Layer::new();
    layer
        .file_mode("app", 0o755, &go_needs())
        .file("usr/share/zoneinfo/UTC", b"TZif2")
        .file("etc/passwd", b"nonroot:x:65532:65532::/:/sbin/nologin\n");
    let config = Config {
        arch: "arm64",
        ..Config::default()
    };
    let evaluation = evaluate(&image(&layer, config));
    let rules: Vec<Rule> = evaluation.files[0]
        .findings
        .iter()
        .map(|f| f.rule)
        .collect();
    let mut sorted = rules.clone();
    sorted.sort();
    assert_eq!(rules, sorted);
    let at = |rule| rules.iter().position(|&r| r == rule);
    assert!(
        at(Rule::NeedsCaCertificates) < at(Rule::ArchMismatch),
        "{rules:?}"
    );
    assert!(at(Rule::ArchMismatch).is_some() && !rules.contains(&Rule::NeedsZoneinfo));
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
