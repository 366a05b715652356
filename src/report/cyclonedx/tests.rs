use serde_json::{Value, json};

use super::*;
use crate::facts::FileFacts;
use crate::gobin::buildinfo::GoString;
use crate::report::ImagePlace;
use crate::rules::{Rule, Suppression, SuppressionKind};
use crate::testkit::report::{file, image_section};

/// The Go facts of a committed fixture, read by the real reader.
fn go_facts(fixture: &str) -> GoFacts {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture);
    let bytes = std::fs::read(&path).unwrap();
    match crate::facts::read(&bytes).unwrap() {
        Some(FileFacts::Elf { go: Some(go), .. }) => *go,
        other => panic!("{fixture}: no Go facts: {other:?}"),
    }
}

fn module(path: &str, version: &str, sum: &str) -> Module {
    Module {
        path: GoString::from(path),
        version: GoString::from(version),
        sum: GoString::from(sum),
        replace: None,
    }
}

const SUM: &str = "h1:9fHAtK0uDfpveeqqo1hkEZJcFvYXAiCN3UutL8F9xHw=";
const SUM_HEX: &str = "f5f1c0b4ad2e0dfa6f79eaaaa3586411925c16f61702208ddd4bad2fc17dc47c";

fn go_file(path: &str, deps: Vec<Module>) -> FileReport {
    let mut report = file(path, None, &[]);
    let mut go = go_facts("testdata/go/go-replace");
    go.deps = deps;
    report.go = Some(go);
    report
}

fn value(report: &Report) -> Value {
    let mut out = Vec::new();
    render(report, &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

fn component<'a>(bom: &'a Value, reference: &str) -> &'a Value {
    bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["bom-ref"] == reference)
        .unwrap_or_else(|| panic!("no component {reference} in {bom:#}"))
}

fn properties(component: &Value, name: &str) -> Vec<String> {
    component["properties"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["name"] == name)
        .map(|p| p["value"].as_str().unwrap().to_string())
        .collect()
}

fn depends_on(bom: &Value, reference: &str) -> Vec<String> {
    bom["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"] == reference)
        .unwrap_or_else(|| panic!("no dependency entry {reference} in {bom:#}"))["dependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_document_header_is_cyclonedx_1_6_without_run_dependent_fields() {
    let bom = value(&Report::new(Vec::new(), Vec::new()));
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["version"], 1);
    assert_eq!(bom["$schema"], model::SCHEMA);
    assert!(bom.get("serialNumber").is_none());
    assert!(bom["metadata"].get("timestamp").is_none());
    assert!(bom["metadata"].get("component").is_none());
    assert_eq!(
        bom["metadata"]["tools"]["components"],
        json!([{"type": "application", "name": "gostatic", "version": env!("CARGO_PKG_VERSION")}])
    );
    assert_eq!(
        bom["metadata"]["lifecycles"],
        json!([{"phase": "post-build"}])
    );
    assert_eq!(bom["components"], json!([]));
}

#[test]
fn modules_are_libraries_with_purls_and_h1_hashes_shared_between_programs() {
    let deps = vec![
        module("github.com/BurntSushi/toml", "v1.3.2", SUM),
        module("golang.org/x/sys", "v0.20.0", ""),
    ];
    let report = Report::new(
        vec![
            go_file("bin/a", deps.clone()),
            go_file("bin/b", deps[..1].to_vec()),
        ],
        Vec::new(),
    );
    let bom = value(&report);
    let toml = component(&bom, "pkg:golang/github.com/BurntSushi/toml@v1.3.2");
    assert_eq!(toml["type"], "library");
    assert_eq!(toml["name"], "github.com/BurntSushi/toml");
    assert_eq!(toml["version"], "v1.3.2");
    assert_eq!(toml["purl"], "pkg:golang/github.com/BurntSushi/toml@v1.3.2");
    assert_eq!(
        toml["hashes"],
        json!([{"alg": "SHA-256", "content": SUM_HEX}])
    );
    assert_eq!(properties(toml, "gostatic:go:sum"), [SUM]);
    let sys = component(&bom, "pkg:golang/golang.org/x/sys@v0.20.0");
    assert!(sys.get("hashes").is_none(), "no sum, no hash: {sys}");
    // One component per purl, however many programs use it.
    let count = |reference: &str| {
        bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["bom-ref"] == reference)
            .count()
    };
    assert_eq!(count("pkg:golang/github.com/BurntSushi/toml@v1.3.2"), 1);
    assert_eq!(count("pkg:golang/stdlib@1.27.3"), 1);
    assert_eq!(
        depends_on(&bom, "file:bin/a"),
        [
            "pkg:golang/stdlib@1.27.3",
            "pkg:golang/github.com/BurntSushi/toml@v1.3.2",
            "pkg:golang/golang.org/x/sys@v0.20.0"
        ]
    );
    assert_eq!(
        depends_on(&bom, "file:bin/b"),
        [
            "pkg:golang/stdlib@1.27.3",
            "pkg:golang/github.com/BurntSushi/toml@v1.3.2"
        ]
    );
}

#[test]
fn the_toolchain_is_syfts_stdlib_component() {
    let bom = value(&Report::new(vec![go_file("app", Vec::new())], Vec::new()));
    let stdlib = component(&bom, "pkg:golang/stdlib@1.27.3");
    assert_eq!(
        *stdlib,
        json!({
            "type": "library",
            "bom-ref": "pkg:golang/stdlib@1.27.3",
            "name": "stdlib",
            "version": "go1.27.3",
            "cpe": "cpe:2.3:a:golang:go:1.27.3:-:*:*:*:*:*:*",
            "purl": "pkg:golang/stdlib@1.27.3"
        })
    );
}

#[test]
fn replacements_are_named_by_the_replacing_module_or_kept_local() {
    let mut forked = module("github.com/up/x", "v1.0.0", "");
    forked.replace = Some(Box::new(module("github.com/fork/x", "v1.0.1", SUM)));
    let mut local = module("example.com/greeting", "v0.0.0", "");
    local.replace = Some(Box::new(module("../greeting", "", "")));
    let bom = value(&Report::new(
        vec![go_file("app", vec![forked, local])],
        Vec::new(),
    ));
    let fork = component(&bom, "pkg:golang/github.com/fork/x@v1.0.1");
    assert_eq!(fork["name"], "github.com/fork/x");
    assert_eq!(fork["hashes"][0]["content"], SUM_HEX);
    assert_eq!(
        properties(fork, "gostatic:go:replaces"),
        ["github.com/up/x v1.0.0"]
    );
    let local_ref = "file:app#go-local:example.com/greeting => ../greeting";
    let greeting = component(&bom, local_ref);
    assert_eq!(greeting["name"], "example.com/greeting");
    assert!(greeting.get("purl").is_none() && greeting.get("version").is_none());
    assert_eq!(
        properties(greeting, "gostatic:go:replaced-by"),
        ["../greeting"]
    );
    assert!(depends_on(&bom, "file:app").contains(&local_ref.to_string()));
}

#[test]
fn programs_carry_the_main_module_facts_verdict_and_findings() {
    let mut app = go_file("bin/app", Vec::new());
    app.sha256 = Some("ab".repeat(32));
    let go = app.go.as_mut().unwrap();
    go.main = Some(module("example.com/app", "v1.2.3+dirty", ""));
    let mut suppressed = Finding::new(Rule::Symtab, "symbols left in", "strip");
    suppressed.suppressed = Some(Suppression {
        kind: SuppressionKind::Baseline,
        reason: "in baseline".to_string(),
        expires: None,
    });
    app.findings = vec![Finding::new(Rule::Dwarf, "DWARF left in", "-w"), suppressed];
    let bom = value(&Report::new(vec![app], Vec::new()));
    let program = component(&bom, "file:bin/app");
    assert_eq!(program["type"], "application");
    assert_eq!(program["name"], "bin/app");
    assert_eq!(program["version"], "v1.2.3+dirty");
    assert!(
        program.get("purl").is_none(),
        "the purl is the module's: {program}"
    );
    assert_eq!(program["hashes"][0]["content"], "ab".repeat(32));
    let main = component(&bom, "pkg:golang/example.com/app@v1.2.3%2Bdirty");
    assert_eq!(main["type"], "library");
    assert_eq!(main["name"], "example.com/app");
    assert_eq!(main["version"], "v1.2.3+dirty");
    assert_eq!(
        properties(main, "gostatic:go:main-version-from"),
        ["buildinfo"]
    );
    assert_eq!(
        depends_on(&bom, "file:bin/app"),
        [
            "pkg:golang/example.com/app@v1.2.3%2Bdirty",
            "pkg:golang/stdlib@1.27.3"
        ]
    );
    assert_eq!(properties(program, "gostatic:scratch"), ["ready"]);
    assert_eq!(properties(program, "gostatic:go:version"), ["go1.27.3"]);
    assert_eq!(
        properties(program, "gostatic:go:main-module"),
        ["example.com/app"]
    );
    assert_eq!(properties(program, "gostatic:go:cgo"), ["false"]);
    assert_eq!(
        properties(program, "gostatic:go:setting:CGO_ENABLED"),
        ["0"]
    );
    assert_eq!(
        properties(program, "gostatic:finding"),
        ["GS301 warning dwarf: DWARF left in"]
    );
    assert_eq!(
        properties(program, "gostatic:finding:suppressed"),
        ["GS302 warning symtab: symbols left in"]
    );
}

#[test]
fn a_devel_main_module_gives_no_version_and_no_purl() {
    let bom = value(&Report::new(vec![go_file("app", Vec::new())], Vec::new()));
    let program = component(&bom, "file:app");
    assert!(program.get("purl").is_none() && program.get("version").is_none());
    assert_eq!(
        properties(program, "gostatic:go:main-module"),
        ["example.com/app"]
    );
}

#[test]
fn a_devel_main_module_takes_its_version_from_ldflags_or_the_commit() {
    use crate::gobin::buildinfo::BuildSetting;
    let setting = |key: &str, value: &str| BuildSetting {
        key: GoString::from(key),
        value: GoString::from(value),
    };
    let mut app = go_file("app", Vec::new());
    let go = app.go.as_mut().unwrap();
    go.settings
        .push(setting("vcs.revision", "0123456789abcdef"));
    go.settings
        .push(setting("vcs.time", "2026-01-02T03:04:05Z"));
    let mut stamped = app.clone();
    let go = stamped.go.as_mut().unwrap();
    go.settings
        .push(setting("-ldflags", "-s -w -X main.version=1.4.0"));
    let bom = value(&Report::new(vec![app.clone()], Vec::new()));
    let main = component(
        &bom,
        "pkg:golang/example.com/app@v0.0.0-20260102030405-0123456789ab",
    );
    assert_eq!(properties(main, "gostatic:go:main-version-from"), ["vcs"]);
    let bom = value(&Report::new(vec![stamped], Vec::new()));
    let main = component(&bom, "pkg:golang/example.com/app@v1.4.0");
    assert_eq!(main["version"], "v1.4.0");
    assert_eq!(
        properties(main, "gostatic:go:main-version-from"),
        ["ldflags"]
    );
    assert_eq!(component(&bom, "file:app")["version"], "v1.4.0");
}

#[test]
fn one_image_is_the_metadata_component_and_depends_on_its_programs() {
    let mut section = image_section(
        "app:1",
        false,
        vec![Finding::new(Rule::RootUser, "runs as root", "USER 65532")],
    );
    section.manifest_digest = Some(format!("sha256:{}", "1".repeat(64)));
    let mut program = go_file(&section.display_name(Some("/app")), Vec::new());
    program.place = Some(ImagePlace {
        section: 0,
        image: "app:1".to_string(),
        image_path: "/app".to_string(),
        layer: Some(format!("sha256:{}", "2".repeat(64))),
    });
    let bom = value(&Report::with_images(
        vec![program],
        Vec::new(),
        vec![section],
    ));
    let image = &bom["metadata"]["component"];
    assert_eq!(image["type"], "container");
    assert_eq!(image["name"], "app:1");
    assert_eq!(image["bom-ref"], "image:app.tar");
    assert_eq!(image["version"], format!("sha256:{}", "1".repeat(64)));
    assert_eq!(
        properties(image, "gostatic:finding"),
        ["GS601 warning root-user: runs as root"]
    );
    let program = component(&bom, "file:app.tar:/app");
    assert_eq!(program["name"], "/app");
    assert_eq!(properties(program, "gostatic:path"), ["/app"]);
    assert_eq!(properties(program, "gostatic:image"), ["app:1"]);
    assert_eq!(
        properties(program, "gostatic:layer"),
        [format!("sha256:{}", "2".repeat(64))]
    );
    assert_eq!(depends_on(&bom, "image:app.tar"), ["file:app.tar:/app"]);
    assert!(
        bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["type"] != "container")
    );
}

#[test]
fn several_images_are_components_and_repeated_references_stay_unique() {
    let one = image_section("a:1", false, Vec::new());
    let two = image_section("a:1", false, Vec::new());
    let bom = value(&Report::with_images(Vec::new(), Vec::new(), vec![one, two]));
    assert!(bom["metadata"].get("component").is_none());
    let refs: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["image:app.tar", "image:app.tar#2"]);
}

#[test]
fn input_errors_are_metadata_properties() {
    let report = Report::new(
        Vec::new(),
        vec![crate::error::InputError {
            path: "bin/broken".to_string(),
            kind: crate::error::InputErrorKind::Empty,
        }],
    );
    let bom = value(&report);
    let errors = properties(&bom["metadata"], "gostatic:error");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("bin/broken: "), "{errors:?}");
}
