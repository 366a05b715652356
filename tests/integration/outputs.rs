//! JUnit and GitHub annotations read back by a consumer's rules, not only snapshotted: the
//! JUnit XML goes through an independent parser (roxmltree) and its test cases and failures
//! are compared with the JSON report of the same run; every GitHub line is parsed as the
//! runner's command parser would (actions/toolkit `command.ts`), its escapes checked, and its
//! `file=` must exist or be the archive.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use gostatic::testkit::archive::{self, ImageSpec, TarBuilder};
use gostatic::testkit::elf::Synth;

use crate::util::{fixture, gostatic, write};

/// The report in `format` and in JSON for the same arguments, run in `cwd`.
fn both(cwd: &Path, args: &[&str], format: &str) -> (String, Value) {
    let run = |format: &str| {
        let out = gostatic()
            .current_dir(cwd)
            .args(args)
            .args(["--format", format])
            .output()
            .unwrap();
        assert!(out.status.code().is_some_and(|c| c <= 2), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let json = serde_json::from_str(&run("json")).unwrap();
    (run(format), json)
}

fn rank(severity: &str) -> u8 {
    match severity {
        "note" => 1,
        "warning" => 2,
        "error" => 3,
        other => panic!("unknown severity {other}"),
    }
}

/// Does this list of JSON findings hold an active one at or above `fail_on`?
fn fails(findings: &Value, fail_on: &str) -> bool {
    fail_on != "never"
        && findings.as_array().unwrap().iter().any(|f| {
            f["suppressed"].is_null() && rank(f["severity"].as_str().unwrap()) >= rank(fail_on)
        })
}

/// Each image's test case name: its source, with `[NAME]` when the source holds several.
fn image_label(image: &Value, images: &[Value]) -> String {
    let source = &image["source"];
    match images.iter().filter(|i| i["source"] == *source).count() {
        1 => source.as_str().unwrap().to_string(),
        _ => format!(
            "{}[{}]",
            source.as_str().unwrap(),
            image["name"].as_str().unwrap()
        ),
    }
}

/// (test case names, names of the failing ones) the JSON report says JUnit must show.
fn expected_cases(json: &Value, fail_on: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut names = BTreeSet::new();
    let mut failing = BTreeSet::new();
    let images = json["images"].as_array().cloned().unwrap_or_default();
    let files = json["files"].as_array().unwrap();
    let cases = images
        .iter()
        .map(|i| (image_label(i, &images), &i["findings"]))
        .chain(
            files
                .iter()
                .map(|f| (f["path"].as_str().unwrap().to_string(), &f["findings"])),
        );
    // An image's case also fails with what keeps its command's programs from starting.
    const START_RULES: [&str; 3] = ["GS103", "GS504", "GS604"];
    for image in &images {
        let programs = image["verdict"]["programs"].as_array().unwrap();
        let stopped = files.iter().any(|file| {
            file["image"] == image["name"]
                && programs.contains(&file["image_path"])
                && fail_on != "never"
                && file["findings"].as_array().unwrap().iter().any(|f| {
                    START_RULES.contains(&f["rule"].as_str().unwrap())
                        && f["suppressed"].is_null()
                        && rank(f["severity"].as_str().unwrap()) >= rank(fail_on)
                })
        });
        if stopped {
            assert_eq!(image["verdict"]["starts"], "no", "{image}");
            failing.insert(image_label(image, &images));
        }
    }
    for (name, findings) in cases {
        if fails(findings, fail_on) {
            failing.insert(name.clone());
        }
        assert!(names.insert(name.clone()), "two test cases named {name}");
    }
    for error in json["errors"].as_array().unwrap() {
        names.insert(error["path"].as_str().unwrap().to_string());
    }
    (names, failing)
}

fn check_junit(cwd: &Path, args: &[&str], fail_on: &str) {
    let mut args = args.to_vec();
    args.extend(["--fail-on", fail_on]);
    let (xml, json) = both(cwd, &args, "junit");
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    // `check`: one suite; `image`: one per image and one per unreadable source (issue 12).
    let images = json["images"].as_array().map(Vec::len);
    let sources_failed = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e.get("image_path").is_none())
        .count();
    let want_suites = images.map_or(1, |images| images + sources_failed);
    assert_eq!(suites.len(), want_suites, "testsuites: {xml}");
    let mut names = BTreeSet::new();
    let mut failing = BTreeSet::new();
    for suite in &suites {
        assert_eq!(suite.tag_name().name(), "testsuite");
        let mut in_suite = 0;
        let mut failing_in_suite = 0;
        for case in suite.children().filter(|n| n.is_element()) {
            assert_eq!(case.tag_name().name(), "testcase");
            let name = case.attribute("name").unwrap().to_string();
            if images.is_some() {
                let suite_name = suite.attribute("name").unwrap();
                assert!(name.starts_with(suite_name), "{name} in suite {suite_name}");
            }
            let failures = case
                .children()
                .filter(|c| c.has_tag_name("failure"))
                .count();
            assert!(failures <= 1, "{name}: {failures} failures");
            if failures == 1 {
                failing.insert(name.clone());
                failing_in_suite += 1;
            }
            in_suite += 1;
            assert!(names.insert(name.clone()), "two test cases named {name}");
        }
        assert_eq!(
            suite.attribute("tests"),
            Some(in_suite.to_string().as_str())
        );
        assert_eq!(
            suite.attribute("failures"),
            Some(failing_in_suite.to_string().as_str())
        );
    }
    let (want_names, want_failing) = expected_cases(&json, fail_on);
    assert_eq!(names, want_names, "a testcase per file and per image");
    assert_eq!(failing, want_failing, "failures at or above {fail_on}");
    assert_eq!(
        root.attribute("tests"),
        Some(names.len().to_string().as_str())
    );
    let failures = failing.len().to_string();
    assert_eq!(root.attribute("failures"), Some(failures.as_str()));
}

/// An archive of two images whose names are prefixes of each other, a static and a dynamic
/// program at `/app`, in `dir` as `two.tar`.
pub fn two_images(dir: &Path) -> std::path::PathBuf {
    let layer = |elf: Vec<u8>| TarBuilder::new().file("app", &elf).finish();
    let specs = [
        ImageSpec::new("a:1", vec![layer(Synth::exec64().build())]),
        ImageSpec::new("a:1-b", vec![layer(Synth::dynamic64().build())]),
    ];
    write(
        dir,
        "two.tar",
        &archive::to_tar(&archive::docker_legacy(&specs)),
    )
}

/// `rules.tar` (every image rule) in `dir`.
fn rules_tar(dir: &Path) {
    let app = std::fs::read(fixture("go-static-stripped")).unwrap();
    write(dir, "rules.tar", &archive::rules_image(&app));
}

#[test]
fn junit_is_xml_with_a_case_per_file_and_image_failing_exactly_at_the_threshold() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for fail_on in ["error", "warning", "note", "never"] {
        check_junit(here, &["check", "testdata/bin", "testdata/go"], fail_on);
    }
    let dir = tempfile::tempdir().unwrap();
    rules_tar(dir.path());
    two_images(dir.path());
    std::fs::write(dir.path().join("broken"), b"\x7fELF\x02\x01").unwrap();
    for fail_on in ["error", "warning", "note"] {
        check_junit(dir.path(), &["image", "rules.tar"], fail_on);
        check_junit(dir.path(), &["image", "two.tar"], fail_on);
        // Several sources, one unreadable: a suite per image, one for the failed source.
        check_junit(
            dir.path(),
            &["image", "rules.tar", "missing.tar", "two.tar"],
            fail_on,
        );
        check_junit(dir.path(), &["check", "broken", "rules.tar"], fail_on);
    }
}

/// One annotation as the runner parses it: command, properties, message (all still escaped).
fn parse_annotation(line: &str) -> (&str, Vec<(&str, &str)>, &str) {
    let rest = line.strip_prefix("::").unwrap_or_else(|| panic!("{line}"));
    let (head, message) = rest.split_once("::").unwrap_or_else(|| panic!("{line}"));
    let (command, properties) = head.split_once(' ').unwrap_or_else(|| panic!("{line}"));
    assert!(["error", "warning", "notice"].contains(&command), "{line}");
    let properties = properties
        .split(',')
        .map(|p| p.split_once('=').unwrap_or_else(|| panic!("{line}")))
        .collect();
    (command, properties, message)
}

/// The text of an escaped value; panics on anything the runner would not read back as sent.
fn unescape(value: &str, property: bool, line: &str) -> String {
    let allowed: &[&str] = if property {
        &["25", "0D", "0A", "3A", "2C"]
    } else {
        &["25", "0D", "0A"]
    };
    let mut out = String::new();
    let mut rest = value;
    while let Some(c) = rest.chars().next() {
        assert!(!c.is_control(), "raw control character in {line:?}");
        assert!(!(property && (c == ':' || c == ',')), "raw {c} in {line:?}");
        if c == '%' {
            let code = rest.get(1..3).unwrap_or_else(|| panic!("{line}"));
            assert!(allowed.contains(&code), "%{code} in {line:?}");
            out.push(char::from(u8::from_str_radix(code, 16).unwrap()));
            rest = &rest[3..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Every line but the summary is an annotation with valid escapes; each names a file that
/// exists (relative to `cwd`) or the archive; one per active finding and per error.
fn check_github(cwd: &Path, args: &[&str], archive: Option<&str>) {
    let (text, json) = both(cwd, args, "github");
    let lines: Vec<&str> = text.lines().collect();
    let (summary, annotations) = lines.split_last().unwrap();
    assert!(!summary.starts_with("::"), "{summary}");
    let active = |findings: &Value| {
        findings
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["suppressed"].is_null())
            .count()
    };
    let images = json["images"].as_array().cloned().unwrap_or_default();
    let files = json["files"].as_array().unwrap();
    let expected = images.iter().map(|i| active(&i["findings"])).sum::<usize>()
        + files.iter().map(|f| active(&f["findings"])).sum::<usize>()
        + json["errors"].as_array().unwrap().len();
    assert_eq!(annotations.len(), expected, "{text}");
    for line in annotations {
        let (command, properties, message) = parse_annotation(line);
        let keys: Vec<&str> = properties.iter().map(|(k, _)| *k).collect();
        match keys.as_slice() {
            ["file", "title"] => {
                let title = unescape(properties[1].1, true, line);
                assert!(title.starts_with("GS"), "{line}");
            }
            ["file"] => assert_eq!(command, "error", "{line}"),
            _ => panic!("properties {keys:?} in {line}"),
        }
        let file = unescape(properties[0].1, true, line);
        assert!(
            archive == Some(file.as_str()) || cwd.join(&file).exists(),
            "{file} is neither a file nor the archive: {line}"
        );
        assert!(!unescape(message, false, line).is_empty(), "{line}");
    }
}

#[test]
fn github_lines_are_commands_the_runner_reads_back_naming_real_files() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    check_github(here, &["check", "testdata/bin", "testdata/go"], None);
    let dir = tempfile::tempdir().unwrap();
    rules_tar(dir.path());
    two_images(dir.path());
    let bytes = std::fs::read(fixture("c-dynamic")).unwrap();
    write(dir.path(), "a,b:c%d\r\n&<e>", &bytes);
    std::fs::write(dir.path().join("broken"), b"\x7fELF\x02\x01").unwrap();
    check_github(dir.path(), &["check", "."], None);
    check_github(dir.path(), &["image", "rules.tar"], Some("rules.tar"));
    check_github(dir.path(), &["image", "two.tar"], Some("two.tar"));
}
