//! The real fixtures in `testdata/bin`: each one's facts, checked against what readelf said when
//! `build.sh` made it (`<name>.readelf`), and snapshots of the text and JSON reports.

use serde_json::Value;

use crate::util::{fixture, gostatic};

const FIXTURES: [&str; 9] = [
    "c-dynamic",
    "c-static",
    "go-arm64",
    "go-cgo-dynamic",
    "go-mips",
    "go-pie",
    "go-static-pie",
    "go-static-stripped",
    "go-static-unstripped",
];

fn report(args: &[&str]) -> Value {
    let out = gostatic().args(args).output().unwrap();
    assert!(
        out.status.code().unwrap() < 2,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What the committed readelf record says about one fixture.
struct Readelf {
    elf_type: String,
    interpreter: Option<String>,
    needed: Vec<String>,
    symtab: bool,
    dwarf: bool,
}

fn readelf(name: &str) -> Readelf {
    let text = std::fs::read_to_string(fixture(&format!("{name}.readelf"))).unwrap();
    let field = |line: &str| line.split_whitespace().nth(1).unwrap().to_string();
    let bracketed =
        |line: &str| line[line.find('[').unwrap() + 1..line.rfind(']').unwrap()].to_string();
    Readelf {
        elf_type: text
            .lines()
            .find(|l| l.trim_start().starts_with("Type:"))
            .map(field)
            .unwrap(),
        interpreter: text
            .lines()
            .find(|l| l.contains("Requesting program interpreter"))
            .map(|l| {
                bracketed(l)
                    .trim_start_matches("Requesting program interpreter: ")
                    .to_string()
            }),
        needed: text
            .lines()
            .filter(|l| l.contains("(NEEDED)"))
            .map(bracketed)
            .collect(),
        symtab: text.lines().any(|l| l.contains("] .symtab ")),
        dwarf: text
            .lines()
            .any(|l| l.contains("] .debug_") || l.contains("] .zdebug_")),
    }
}

#[test]
fn every_fixture_agrees_with_readelf() {
    let report = report(&["check", "--format", "json", "testdata/bin"]);
    let files = report["files"].as_array().unwrap();
    let names: Vec<&str> = files
        .iter()
        .map(|f| {
            f["path"]
                .as_str()
                .unwrap()
                .trim_start_matches("testdata/bin/")
        })
        .collect();
    assert_eq!(
        names, FIXTURES,
        "every fixture, and only fixtures, are reported"
    );
    for (file, name) in files.iter().zip(FIXTURES) {
        let elf = &file["elf"];
        let expected = readelf(name);
        assert_eq!(
            elf["type"].as_str().unwrap(),
            expected.elf_type,
            "{name}: type"
        );
        assert_eq!(
            elf["interpreter"].as_str().map(str::to_string),
            expected.interpreter,
            "{name}: interpreter"
        );
        let needed: Vec<String> = elf["needed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect();
        assert_eq!(needed, expected.needed, "{name}: NEEDED");
        assert_eq!(
            elf["symtab_bytes"].as_u64().unwrap() > 0,
            expected.symtab,
            "{name}: .symtab"
        );
        assert_eq!(
            elf["dwarf_bytes"].as_u64().unwrap() > 0,
            expected.dwarf,
            "{name}: DWARF"
        );
        assert_ne!(
            elf["views_agree"],
            Value::Bool(false),
            "{name}: section and program headers agree"
        )
    }
}

#[test]
fn each_fixture_has_the_class_its_build_promises() {
    let expected = [
        ("c-dynamic", "dynamic", "blocked"),
        ("c-static", "static", "ready"),
        ("go-arm64", "static", "ready"),
        ("go-cgo-dynamic", "dynamic", "blocked"),
        ("go-mips", "static", "ready"),
        ("go-pie", "pie-with-interpreter", "blocked"),
        ("go-static-pie", "static-pie", "ready"),
        ("go-static-stripped", "static", "ready"),
        ("go-static-unstripped", "static", "ready"),
    ];
    let report = report(&["check", "--format", "json", "testdata/bin"]);
    for (file, (name, linking, scratch)) in report["files"].as_array().unwrap().iter().zip(expected)
    {
        assert_eq!(file["elf"]["linking"], linking, "{name}");
        assert_eq!(file["verdict"]["scratch"], scratch, "{name}");
        assert_eq!(
            file["elf"]["go"],
            name.starts_with("go-"),
            "{name}: Go fingerprint"
        );
    }
}

#[test]
fn architectures_and_byte_orders_of_the_cross_builds() {
    let arm = report(&["check", "--format", "json", "testdata/bin/go-arm64"]);
    let elf = &arm["files"][0]["elf"];
    assert_eq!(
        (
            elf["machine"].as_str(),
            elf["arch"].as_str(),
            elf["class"].as_str()
        ),
        (Some("aarch64"), Some("arm64"), Some("ELF64"))
    );
    let mips = report(&["check", "--format", "json", "testdata/bin/go-mips"]);
    let elf = &mips["files"][0]["elf"];
    assert_eq!(
        (
            elf["class"].as_str(),
            elf["endian"].as_str(),
            elf["arch"].as_str()
        ),
        (Some("ELF32"), Some("big"), Some("mips"))
    );
}

#[test]
fn unstripped_go_reports_what_s_w_would_save() {
    let report = report(&[
        "check",
        "--format",
        "json",
        "testdata/bin/go-static-unstripped",
    ]);
    let file = &report["files"][0];
    let elf = &file["elf"];
    // Each DWARF section's on-disk size and SHF_COMPRESSED flag, as readelf -S printed them.
    let record = std::fs::read_to_string(fixture("go-static-unstripped.readelf")).unwrap();
    let from_readelf: Vec<(String, u64, bool)> = record
        .lines()
        .filter(|l| l.contains("] .debug_"))
        .map(|l| {
            let cols: Vec<&str> = l[l.find(']').unwrap() + 1..].split_whitespace().collect();
            (
                cols[0].to_string(),
                u64::from_str_radix(cols[4], 16).unwrap(),
                cols[6].contains('C'),
            )
        })
        .collect();
    let ours: Vec<(String, u64, bool)> = elf["dwarf_sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["size"].as_u64().unwrap(),
                d["compression"] == "zlib",
            )
        })
        .collect();
    assert_eq!(ours, from_readelf);
    let rules: Vec<&str> = file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    // No GS203: a static pure-Go program has no PIE advice that would not add cgo. GS407: the
    // fixture's go.mod says go 1.19, so Go 1.27 builds it with containermaxprocs=0.
    assert_eq!(rules, ["GS301", "GS302", "GS401", "GS407"]);
    assert_eq!(file["not_applicable"][0]["rule"], "GS203");
    let total = elf["symtab_bytes"].as_u64().unwrap() + elf["dwarf_bytes"].as_u64().unwrap();
    assert_eq!(elf["strip_savings_bytes"].as_u64().unwrap(), total);
    assert!(
        file["findings"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("-ldflags=\"-s -w\"")
    );
}

#[test]
fn go_build_ids_are_read_from_notes() {
    let report = report(&[
        "check",
        "--format",
        "json",
        "testdata/bin/go-static-stripped",
    ]);
    let build_id = report["files"][0]["elf"]["go_build_id"]
        .as_str()
        .unwrap()
        .to_string();
    let record = std::fs::read(fixture("go-static-stripped")).unwrap();
    assert_eq!(build_id.split('/').count(), 4, "{build_id}");
    assert!(
        record
            .windows(build_id.len())
            .any(|w| w == build_id.as_bytes())
    );
}

#[test]
fn text_report_snapshot() {
    let out = gostatic()
        .args(["check", "--color", "never", "testdata/bin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(
        "check_fixtures_text",
        String::from_utf8(out.stdout).unwrap()
    );
}

#[test]
fn json_report_snapshot() {
    let out = gostatic()
        .args(["check", "--format", "json", "testdata/bin"])
        .output()
        .unwrap();
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    insta::with_settings!({ filters => vec![(r#""version": "\d+\.\d+\.\d+""#, r#""version": "[version]""#)] }, {
        insta::assert_snapshot!("check_fixtures_json", serde_json::to_string_pretty(&value).unwrap());
    });
}

#[test]
fn help_snapshots() {
    for (name, args) in [
        ("help_main", vec!["--help"]),
        ("help_check", vec!["check", "--help"]),
        ("help_image", vec!["image", "--help"]),
        ("help_buildinfo", vec!["buildinfo", "--help"]),
        ("help_explain", vec!["explain", "--help"]),
        ("help_rules", vec!["rules", "--help"]),
    ] {
        let out = gostatic().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        insta::assert_snapshot!(name, String::from_utf8(out.stdout).unwrap());
    }
}
