//! GS406 cpu-level on the fixtures built with `GOAMD64=v3` and `GOARM64=v8.2`
//! (`testdata/go/go-amd64-v3`, `go-arm64-v8.2`): the level `go version -m` recorded, the note
//! in `check`, the same level without buildinfo from the runtime's start-up check, and the
//! error in an image whose platform variant is lower.

use gostatic::testkit::archive::TarBuilder;
use serde_json::Value;

use crate::util::{file_at, go_fixture, gostatic, image_of_layer};

fn check(path: &std::path::Path) -> Value {
    let out = gostatic()
        .args(["check", "--format", "json"])
        .arg(path)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["files"][0].clone()
}

fn gs406(file: &Value) -> Vec<(String, String)> {
    file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "GS406")
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn check_reports_the_level_go_version_m_recorded() {
    for (name, variable, value) in [
        ("go-amd64-v3", "GOAMD64", "v3"),
        ("go-arm64-v8.2", "GOARM64", "v8.2"),
    ] {
        let record = std::fs::read_to_string(go_fixture(&format!("{name}.goversion"))).unwrap();
        assert!(
            record.contains(&format!("\tbuild\t{variable}={value}\n")),
            "{name}: {record}"
        );
        let file = check(&go_fixture(name));
        let level = &file["go"]["cpu_level"];
        assert_eq!(level["variable"], variable, "{name}");
        assert_eq!(level["value"], value, "{name}");
        assert_eq!(level["source"], "buildinfo", "{name}");
        let found = gs406(&file);
        assert_eq!(found.len(), 1, "{name}");
        assert_eq!(found[0].0, "note", "{name}");
        assert!(
            found[0]
                .1
                .starts_with(&format!("built with {variable}={value} (buildinfo)")),
            "{name}: {}",
            found[0].1
        );
    }
}

#[test]
fn without_buildinfo_the_amd64_level_comes_from_the_runtime_check() {
    let mut data = std::fs::read(go_fixture("go-amd64-v3")).unwrap();
    let at = memchr::memmem::find(&data, b"\xff Go buildinf:").unwrap();
    data[at..at + 14].fill(0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app");
    std::fs::write(&path, &data).unwrap();
    let file = check(&path);
    assert!(file["go"]["buildinfo"].is_null());
    assert_eq!(file["go"]["cpu_level"]["source"], "runtime-check");
    assert_eq!(file["go"]["cpu_level"]["value"], "v3");
    let found = gs406(&file);
    assert!(
        found[0]
            .1
            .starts_with("built with GOAMD64=v3 (the runtime's start-up check)"),
        "{found:?}"
    );
}

#[test]
fn an_image_whose_variant_is_lower_does_not_start() {
    let data = std::fs::read(go_fixture("go-amd64-v3")).unwrap();
    let mut layer = TarBuilder::new();
    layer.file("app", &data);
    for (variant, starts, severity) in [
        (Some("v2"), "no", "error"),
        (Some("v3"), "yes", "note"),
        (None, "yes", "note"),
    ] {
        let (report, code) = image_of_layer("v3:1", &layer, |spec| {
            spec.variant = variant.map(str::to_string);
        });
        let image = &report["images"][0];
        assert_eq!(image["verdict"]["starts"], starts, "{variant:?}");
        let found = gs406(file_at(&report, "/app"));
        assert_eq!(found.len(), 1, "{variant:?}: {found:?}");
        assert_eq!(found[0].0, severity, "{variant:?}");
        assert_eq!(code, i32::from(severity == "error"), "{variant:?}");
    }
}
