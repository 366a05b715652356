//! GS406 cpu-level on the fixtures built with `GOAMD64=v3` and `GOARM64=v8.2`
//! (`testdata/go/go-amd64-v3`, `go-arm64-v8.2`): the level `go version -m` recorded, the note
//! in `check`, what the fixtures do on emulated CPUs below and at their level (`.cpu-run`,
//! qemu-user), the same level without buildinfo from the runtime's start-up check, and the
//! error in an image whose platform variant is lower.

use gostatic::testkit::archive::TarBuilder;
use serde_json::Value;

use crate::util::{check_report, file_at, go_fixture, gostatic, image_of_layer};

fn check(path: &std::path::Path) -> Value {
    check_report(path)["files"][0].clone()
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

/// The recorded runs on emulated CPUs (`<fixture>.cpu-run`, qemu-user in testdata/build.sh):
/// each `# EMULATOR -cpu CPU` block's output and exit status, by CPU.
fn cpu_runs(name: &str) -> Vec<(String, String, i32)> {
    let record = std::fs::read_to_string(go_fixture(&format!("{name}.cpu-run"))).unwrap();
    let mut runs = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in record.lines() {
        if let Some(cpu) = line
            .strip_prefix("# ")
            .and_then(|l| l.split(" -cpu ").nth(1))
        {
            current = Some((cpu.to_string(), String::new()));
        } else if let Some(status) = line.strip_prefix("# exit status ") {
            let (cpu, output) = current.take().unwrap();
            runs.push((cpu, output, status.parse().unwrap()));
        } else if let Some((_, output)) = current.as_mut() {
            output.push_str(line);
            output.push('\n');
        }
    }
    runs
}

#[test]
fn the_note_says_what_a_cpu_below_the_level_does() {
    // amd64: Nehalem (v2) gets the runtime's refusal, the very text the note quotes; Haswell
    // (v3) runs it.
    let runs = cpu_runs("go-amd64-v3");
    assert_eq!(runs.len(), 2, "{runs:?}");
    let (below, at) = (&runs[0], &runs[1]);
    assert_eq!(below.0, "Nehalem");
    assert_ne!(below.2, 0);
    let refusal = below.1.trim_end();
    assert!(
        refusal.starts_with("This program can only be run on AMD64"),
        "{refusal}"
    );
    let found = gs406(&check(&go_fixture("go-amd64-v3")));
    assert!(
        found[0].1.contains(&format!("(\"{refusal}\")")),
        "{found:?}"
    );
    assert_eq!((at.0.as_str(), at.2), ("Haswell", 0));
    assert_eq!(at.1, "hello from a Go binary\n");
    // arm64 v8.2: an emulated v8.0 core (cortex-a53) cannot run it, a v8.2 one (cortex-a76) can.
    let runs = cpu_runs("go-arm64-v8.2");
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[0].0, "cortex-a53");
    assert_ne!(runs[0].2, 0);
    assert_eq!((runs[1].0.as_str(), runs[1].2), ("cortex-a76", 0));
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
        // A final stage copies the same program: on the lower variant it is withheld, GS406
        // named as the reason; elsewhere it is printed.
        let size = &image["size"];
        if starts == "no" {
            assert!(size["dockerfile"].as_array().is_none_or(Vec::is_empty));
            let reason = size["no_stage_reason"].as_str().unwrap();
            assert!(
                reason.contains("GS406 /app is built with GOAMD64=v3"),
                "{reason}"
            );
        } else {
            assert_eq!(size["dockerfile"][0], "FROM scratch", "{variant:?}: {size}");
        }
    }
}

/// `check --config` with a `[cpu-level]` table: the report and the exit code.
fn check_with(config: &str, path: &std::path::Path) -> (Value, i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("gostatic.toml");
    std::fs::write(&toml, config).unwrap();
    let out = gostatic()
        .args(["check", "--format", "json", "--config"])
        .arg(&toml)
        .arg(path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (report, out.status.code().unwrap(), stderr)
}

#[test]
fn the_fleet_minimum_replaces_the_baseline() {
    let v3 = go_fixture("go-amd64-v3");
    // The whole fleet has v3: nothing to say.
    let (report, code, _) = check_with("[cpu-level]\namd64 = \"v3\"\n", &v3);
    assert!(gs406(&report["files"][0]).is_empty());
    assert_eq!(code, 0);
    // Part of the fleet is v2: the program will not start there.
    let (report, code, _) = check_with("[cpu-level]\namd64 = \"v2\"\n", &v3);
    let found = gs406(&report["files"][0]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "error");
    assert_eq!(code, 1);
    // Another architecture's minimum leaves amd64 at its baseline: the note.
    let (report, code, _) = check_with("[cpu-level]\narm64 = \"v8.2\"\n", &v3);
    assert_eq!(gs406(&report["files"][0])[0].0, "note");
    assert_eq!(code, 0);
    // ... and judges arm64.
    let arm64 = go_fixture("go-arm64-v8.2");
    let (report, _, _) = check_with("[cpu-level]\narm64 = \"v8.1\"\n", &arm64);
    assert_eq!(gs406(&report["files"][0])[0].0, "error");
    // A configured rule level still wins.
    let (report, code, _) = check_with(
        "[rules]\ncpu-level = \"warning\"\n[cpu-level]\namd64 = \"v1\"\n",
        &v3,
    );
    assert_eq!(gs406(&report["files"][0])[0].0, "warning");
    assert_eq!(code, 0);
}

#[test]
fn a_wrong_cpu_level_table_is_a_usage_error_at_its_place() {
    let v3 = go_fixture("go-amd64-v3");
    for (config, message) in [
        (
            "[cpu-level]\nriscv64 = \"v1\"\n",
            ":2:1: unknown architecture `riscv64` in [cpu-level], expected amd64, arm64 or arm",
        ),
        (
            "[cpu-level]\namd64 = \"x86-64-v3\"\n",
            ":2:9: `x86-64-v3` is not a CPU level for amd64",
        ),
        (
            "[cpu-level]\narm64 = \"v7\"\n",
            ":2:9: `v7` is not a CPU level for arm64",
        ),
    ] {
        let (_, code, stderr) = check_with(config, &v3);
        assert_eq!(code, 2, "{config}");
        assert!(stderr.contains(message), "{config}: {stderr}");
    }
}
