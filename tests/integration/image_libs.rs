//! The image rules about starting (GS504, GS604, GS501–GS503 in images) and the size story,
//! through `gostatic image --format json`: a static Go binary on scratch, the cgo fixture
//! without and with a (synthetic) glibc, an arm64 binary in an amd64 image, and the
//! runtime-needs fixture with and without a CA bundle.

use gostatic::testkit::archive::{ImageSpec, TarBuilder};
use serde_json::Value;

use crate::util::{file_at, fixture, image_of_layer};
use gostatic::testkit::elf::{ET_DYN, Synth};

fn go_fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/go")
            .join(name),
    )
    .unwrap()
}

fn run(layer: &TarBuilder, tweak: impl FnOnce(&mut ImageSpec)) -> (Value, i32) {
    image_of_layer("app:1.2", layer, tweak)
}

fn file<'a>(report: &'a Value, image_path: &str) -> &'a Value {
    file_at(report, image_path)
}

fn findings(file: &Value, rule: &str) -> Vec<Value> {
    file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .cloned()
        .collect()
}

/// A shared object the way a linker writes one: ET_DYN with DT_SONAME and the given needs.
fn shared_object(soname: &str, needed: &[&str]) -> Vec<u8> {
    Synth {
        e_type: ET_DYN,
        entry: 0,
        soname: Some(soname.into()),
        needed: needed.iter().map(|s| s.to_string()).collect(),
        ..Synth::exec64()
    }
    .build()
}

#[test]
fn a_static_go_binary_on_scratch_is_ready_and_its_story_is_the_binary() {
    let app = std::fs::read(fixture("go-static-stripped")).unwrap();
    let (report, code) = run(TarBuilder::new().file("app", &app), |_| {});
    let app_report = file(&report, "/app");
    for rule in ["GS501", "GS502", "GS503", "GS504", "GS604"] {
        assert!(
            findings(app_report, rule).is_empty(),
            "{rule}: {app_report}"
        );
    }
    let size = &report["images"][0]["size"];
    assert_eq!(
        size["parts"],
        serde_json::json!([{"path": "/app", "bytes": app.len(), "why": "entrypoint"}])
    );
    assert_eq!(size["scratch_bytes"], app.len());
    assert!(size["image_bytes"].as_u64().unwrap() > app.len() as u64);
    assert_eq!(
        size["dockerfile"],
        serde_json::json!([
            "FROM scratch",
            "COPY --from=app:1.2 /app /app",
            "USER 65532",
            "ENTRYPOINT [\"/app\"]"
        ])
    );
    assert_eq!(code, 0, "{report}");
}

#[test]
fn the_cgo_binary_without_libc_misses_the_loader_and_libc() {
    let cgo = std::fs::read(fixture("go-cgo-dynamic")).unwrap();
    let (report, code) = run(TarBuilder::new().file("server", &cgo), |spec| {
        spec.entrypoint = vec!["/server".into()];
    });
    let server = file(&report, "/server");
    let gs504 = findings(server, "GS504");
    let missing: Vec<&str> = gs504
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .map(|m| &m[..m.find(", which").unwrap()])
        .collect();
    assert_eq!(
        missing,
        [
            "/server needs the ELF interpreter /lib64/ld-linux-x86-64.so.2",
            "/server needs libc.so.6"
        ]
    );
    assert_eq!(gs504[0]["severity"], "error");
    assert_eq!(
        findings(server, "GS101").len(),
        1,
        "kept: the image lacks it"
    );
    assert_eq!(findings(server, "GS102").len(), 1);
    assert_eq!(code, 1);
}

#[test]
fn the_cgo_binary_with_a_glibc_tree_finds_everything() {
    let cgo = std::fs::read(fixture("go-cgo-dynamic")).unwrap();
    let libc = shared_object("libc.so.6", &["ld-linux-x86-64.so.2"]);
    let (report, _) = run(
        TarBuilder::new()
            .file("server", &cgo)
            .symlink("lib", "usr/lib")
            .symlink("lib64", "usr/lib64")
            .file(
                "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                &shared_object("ld-linux-x86-64.so.2", &[]),
            )
            .symlink(
                "usr/lib64/ld-linux-x86-64.so.2",
                "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
            )
            .file("usr/lib/x86_64-linux-gnu/libc-2.36.so", &libc)
            .symlink("usr/lib/x86_64-linux-gnu/libc.so.6", "libc-2.36.so")
            .file("usr/bin/ls", &vec![0u8; 50_000]),
        |spec| {
            spec.entrypoint = vec!["/server".into()];
            spec.user = String::new();
        },
    );
    let server = file(&report, "/server");
    assert!(findings(server, "GS504").is_empty(), "{server}");
    // Inside an image GS101 and GS102 are facts: notes that the image has what they name.
    for rule in ["GS101", "GS102"] {
        let found = findings(server, rule);
        assert_eq!(found.len(), 1, "{rule}: {server}");
        assert_eq!(found[0]["severity"], "note", "{rule}: {server}");
        assert!(
            found[0]["message"]
                .as_str()
                .unwrap()
                .contains("the image has"),
            "{rule}: {server}"
        );
    }
    assert_eq!(server["verdict"]["here"]["runs"], "yes");
    assert_eq!(report["images"][0]["verdict"]["starts"], "yes");
    let size = &report["images"][0]["size"];
    let whys: Vec<(&str, &str)> = size["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["path"].as_str().unwrap(), p["why"].as_str().unwrap()))
        .collect();
    assert_eq!(
        whys,
        [
            ("/server", "entrypoint"),
            ("/lib64/ld-linux-x86-64.so.2", "loader"),
            ("/lib/x86_64-linux-gnu/libc.so.6", "library"),
        ]
    );
    assert_eq!(size["parts"][2]["bytes"], libc.len());
    let dockerfile: Vec<&str> = size["dockerfile"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(
        dockerfile,
        [
            "FROM scratch",
            "COPY --from=app:1.2 /server /server",
            "COPY --from=app:1.2 /lib64/ld-linux-x86-64.so.2 /lib64/ld-linux-x86-64.so.2",
            "COPY --from=app:1.2 /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/libc.so.6",
            "USER 65532:65532",
            "ENTRYPOINT [\"/server\"]",
        ]
    );
}

/// A glibc `libc.so.6` whose version definitions run up to `GLIBC_2.{last}`.
fn versioned_libc(last: u32) -> Vec<u8> {
    let mut defs = vec![
        "GLIBC_2.2.5".to_string(),
        "GLIBC_2.3".into(),
        "GLIBC_2.3.2".into(),
    ];
    defs.extend((4..=last).map(|minor| format!("GLIBC_2.{minor}")));
    let defs: Vec<&str> = defs.iter().map(String::as_str).collect();
    Synth::library("libc.so.6", &["ld-linux-x86-64.so.2"])
        .defines_versions(&defs)
        .build()
}

#[test]
fn the_cgo_binary_against_an_older_glibc_needs_versions_it_lacks() {
    // go-cgo-dynamic was linked against glibc 2.36: it needs GLIBC_2.32 and GLIBC_2.34.
    let cgo = std::fs::read(fixture("go-cgo-dynamic")).unwrap();
    let with = |last| {
        run(
            TarBuilder::new()
                .file("server", &cgo)
                .file(
                    "lib64/ld-linux-x86-64.so.2",
                    &shared_object("ld-linux-x86-64.so.2", &[]),
                )
                .file("lib/x86_64-linux-gnu/libc.so.6", &versioned_libc(last)),
            |spec| spec.entrypoint = vec!["/server".into()],
        )
    };
    let (report, code) = with(31);
    let server = file(&report, "/server");
    assert!(findings(server, "GS504").is_empty(), "{server}");
    let gs505: Vec<String> = findings(server, "GS505")
        .iter()
        .map(|f| f["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(gs505, ["libc.so.6 GLIBC_2.32", "libc.so.6 GLIBC_2.34"]);
    let first = &findings(server, "GS505")[0];
    assert_eq!(
        first["message"],
        "/server needs GLIBC_2.32 from libc.so.6; the image's libc.so.6 \
         (/lib/x86_64-linux-gnu/libc.so.6) defines up to GLIBC_2.31"
    );
    assert_eq!(first["severity"], "error");
    assert_eq!(code, 1);

    let (report, _) = with(36);
    assert!(findings(file(&report, "/server"), "GS505").is_empty());
}

#[test]
fn an_arm64_binary_in_an_amd64_image_is_an_arch_mismatch() {
    let arm = std::fs::read(fixture("go-arm64")).unwrap();
    let (report, code) = run(TarBuilder::new().file("app", &arm), |_| {});
    let mismatch = findings(file(&report, "/app"), "GS604");
    assert_eq!(
        mismatch[0]["message"],
        "/app is aarch64 (ELF64, little-endian), but the image platform is linux/amd64"
    );
    assert_eq!(mismatch[0]["severity"], "error");
    assert_eq!(code, 1);

    let (report, _) = run(TarBuilder::new().file("app", &arm), |spec| {
        spec.arch = "arm64".into();
    });
    assert!(findings(file(&report, "/app"), "GS604").is_empty());
}

#[test]
fn a_ca_bundle_in_the_image_answers_gs501_and_its_absence_is_an_error() {
    let needs = go_fixture("go-needs");
    let (without, code) = run(TarBuilder::new().file("app", &needs), |_| {});
    let ca = findings(file(&without, "/app"), "GS501");
    assert_eq!(ca.len(), 1);
    assert_eq!(ca[0]["severity"], "error");
    assert!(
        ca[0]["message"]
            .as_str()
            .unwrap()
            .contains("the image has none of /etc/ssl/certs/ca-certificates.crt"),
        "{}",
        ca[0]
    );
    assert_eq!(code, 1);

    let bundle = vec![b'-'; 2048];
    let (with, _) = run(
        TarBuilder::new().file("app", &needs).file_mode(
            "etc/ssl/certs/ca-certificates.crt",
            0o644,
            &bundle,
        ),
        |_| {},
    );
    let app = file(&with, "/app");
    assert!(findings(app, "GS501").is_empty(), "{app}");
    assert_eq!(findings(app, "GS502")[0]["severity"], "error");
    let parts = &with["images"][0]["size"]["parts"];
    assert_eq!(
        parts[1],
        serde_json::json!({"path": "/etc/ssl/certs/ca-certificates.crt", "bytes": 2048, "why": "ca-certificates"})
    );
}
