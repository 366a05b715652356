//! An ELF whose `e_shstrndx` is out of range (issue 14, item 7): the kernel runs it and readelf
//! still reads its program headers and dynamic section, so gostatic reports the loader's view
//! and the Go facts found by scanning segments, with the section table marked unusable,
//! instead of refusing the file as input.
//!
//! Each committed fixture is corrupted in a temporary copy; the oracle is readelf (`-lW -d`) on
//! that very copy when binutils is installed, and the intact fixture's committed readelf
//! record (program headers and dynamic section are untouched by the corruption) always.

use std::process::Command;

use serde_json::Value;

use crate::util::{check_report, fixture, gostatic, rule_ids};

/// (fixture, ELF64?, big-endian?)
const FIXTURES: [(&str, bool, bool); 5] = [
    ("go-cgo-dynamic", true, false),
    ("go-pie", true, false),
    ("go-static-pie", true, false),
    ("go-static-stripped", true, false),
    ("go-mips", false, true),
];

/// The fixture with `e_shstrndx` set past the end of its section table.
fn corrupt(data: &[u8], is_64: bool, big: bool) -> Vec<u8> {
    let mut out = data.to_vec();
    let at = if is_64 { 0x3e } else { 0x32 };
    let bad: u16 = 0xfeff;
    out[at..at + 2].copy_from_slice(&if big {
        bad.to_be_bytes()
    } else {
        bad.to_le_bytes()
    });
    out
}

fn check_json(path: &std::path::Path) -> Value {
    let report = check_report(path);
    assert_eq!(report["errors"].as_array().map_or(0, Vec::len), 0);
    report["files"][0].clone()
}

/// Interpreter and NEEDED entries as readelf prints them (`-lW -d`, or a committed record).
fn loader_view(readelf: &str) -> (Option<String>, Vec<String>) {
    let bracketed =
        |line: &str| line[line.find('[').unwrap() + 1..line.rfind(']').unwrap()].to_string();
    let interpreter = readelf
        .lines()
        .find(|l| l.contains("Requesting program interpreter"))
        .map(|l| {
            bracketed(l)
                .trim_start_matches("Requesting program interpreter: ")
                .to_string()
        });
    let needed = readelf
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .map(bracketed)
        .collect();
    (interpreter, needed)
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_out_of_range_shstrndx_keeps_the_loader_view_and_the_go_facts() {
    let dir = tempfile::tempdir().unwrap();
    for (name, is_64, big) in FIXTURES {
        let intact_path = fixture(name);
        let data = std::fs::read(&intact_path).unwrap();
        let bad_path = dir.path().join(name);
        std::fs::write(&bad_path, corrupt(&data, is_64, big)).unwrap();

        let intact = check_json(&intact_path);
        let bad = check_json(&bad_path);
        let elf = &bad["elf"];
        let reason = elf["section_table_unusable"].as_str().unwrap_or_default();
        assert!(
            reason.starts_with("e_shstrndx 65279 is out of range"),
            "{name}: {reason:?}"
        );
        assert!(intact["elf"]["section_table_unusable"].is_null(), "{name}");
        assert_eq!(elf["section_headers"], 0, "{name}");

        // The loader's view, from the program headers: what readelf reads.
        let record = std::fs::read_to_string(fixture(&format!("{name}.readelf"))).unwrap();
        let mut oracles = vec![("record", record)];
        if let Ok(out) = Command::new("readelf")
            .args(["-lW", "-d"])
            .arg(&bad_path)
            .env("LC_ALL", "C")
            .output()
        {
            oracles.push(("readelf", String::from_utf8_lossy(&out.stdout).into_owned()));
        }
        for (which, text) in &oracles {
            let (interpreter, needed) = loader_view(text);
            assert_eq!(
                elf["interpreter"].as_str().map(str::to_string),
                interpreter,
                "{name} ({which}): interpreter"
            );
            assert_eq!(strings(&elf["needed"]), needed, "{name} ({which}): NEEDED");
        }
        for key in ["type", "linking", "pie", "nx", "relro", "entry", "machine"] {
            assert_eq!(elf[key], intact["elf"][key], "{name}: {key}");
        }
        assert_eq!(bad["verdict"], intact["verdict"], "{name}: verdict");

        // The Go facts, found by magic in the segments.
        let (go, was) = (&bad["go"], &intact["go"]);
        assert!(go.is_object(), "{name}: no Go facts");
        assert_eq!(go["buildinfo"], "scan", "{name}");
        for key in [
            "version",
            "version_source",
            "main",
            "deps",
            "settings",
            "cgo",
        ] {
            assert_eq!(go[key], was[key], "{name}: go.{key}");
        }
        assert_eq!(go["pclntab"]["found_by"], "magic-scan", "{name}");
        assert_eq!(
            go["pclntab"]["functions"], was["pclntab"]["functions"],
            "{name}: functions"
        );
        assert_eq!(go["runtime_needs"], was["runtime_needs"], "{name}: needs");
        assert_eq!(rule_ids(&bad), rule_ids(&intact), "{name}: findings");
    }
}

#[test]
fn the_text_report_says_the_section_table_is_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read(fixture("go-cgo-dynamic")).unwrap();
    let path = dir.path().join("app");
    std::fs::write(&path, corrupt(&data, true, false)).unwrap();
    let out = gostatic().arg("check").arg(&path).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "dynamic, Go 1.27.3, section table unusable: e_shstrndx 65279 is out of range"
        ),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(1), "GS101/GS102 still fail it");
}
