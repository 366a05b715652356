//! The image rules end to end: an archive built in test code (`testkit::archive::rules_image`)
//! that trips GS601, GS603 and GS605–GS610, rendered in every format (text and SARIF snapshots),
//! the policy and the baseline applied to image findings, GS602 on its own image, and the
//! SARIF Multitool on image-mode logs when `GOSTATIC_SARIF_VALIDATOR` names it.

use std::path::{Path, PathBuf};

use serde_json::Value;

use gostatic::testkit::archive::{self as testkit, ImageSpec, TarBuilder};

use crate::util::{fixture, go_fixture, gostatic, outcome, version_filters, write};

/// The findings of the image's one binary: GS402 and GS407.
const FILE_FINDINGS: usize = 2;

const IMAGE_RULES: [&str; 8] = [
    "GS601", "GS603", "GS605", "GS606", "GS607", "GS608", "GS609", "GS610",
];

/// A scratch directory holding `rules.tar`; runs use it as their working directory so the
/// archive is named `rules.tar` in every report.
fn rules_archive() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // A Go 1.25 program: its one file finding (GS402, a warning) shows where file findings go.
    let elf = std::fs::read(go_fixture("go1.25-hello")).unwrap();
    write(dir.path(), "rules.tar", &testkit::rules_image(&elf));
    dir
}

fn image(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    outcome(gostatic().current_dir(dir).arg("image").args(args))
}

#[test]
fn text_report_shows_image_findings_in_the_image_block() {
    let dir = rules_archive();
    let (code, text, stderr) = image(dir.path(), &["rules.tar"]);
    // GS603 is an error; nothing could not be read.
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    insta::assert_snapshot!("image_rules_text", text);
}

#[test]
fn quiet_text_names_image_findings_by_archive_and_path() {
    let dir = rules_archive();
    let (_, text, _) = image(dir.path(), &["--quiet", "rules.tar"]);
    assert!(
        text.contains("rules.tar:/usr/bin/passwd: warning[GS607 setuid] /usr/bin/passwd"),
        "{text}"
    );
    assert!(
        text.contains("rules.tar: warning[GS601 root-user]"),
        "{text}"
    );
    assert!(
        text.contains("rules.tar:/app: warning[GS402 go-unsupported]"),
        "{text}"
    );
}

#[test]
fn json_carries_image_findings_and_counts_them() {
    let dir = rules_archive();
    let (_, json, _) = image(dir.path(), &["--format", "json", "rules.tar"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let findings = json["images"][0]["findings"].as_array().unwrap();
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, IMAGE_RULES);
    let setuid = &findings[4];
    assert_eq!(setuid["slug"], "setuid");
    assert_eq!(setuid["image_path"], "/usr/bin/passwd");
    assert!(findings[0].get("image_path").is_none());
    // Eight image findings, the binary's GS402 warning and its GS407 note (Go 1.25 with an
    // older go line in go.mod).
    assert_eq!(json["summary"]["findings"]["error"], 1);
    assert_eq!(json["summary"]["findings"]["warning"], 5);
    assert_eq!(json["summary"]["findings"]["note"], 4);
}

#[test]
fn sarif_locates_image_findings_at_the_archive() {
    let dir = rules_archive();
    let (code, sarif, _) = image(dir.path(), &["--format", "sarif", "rules.tar"]);
    assert_eq!(code, Some(1));
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), IMAGE_RULES.len() + FILE_FINDINGS);
    let mut fingerprints = std::collections::HashSet::new();
    for result in results {
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "rules.tar");
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(location["region"]["startLine"], 1);
        assert_eq!(result["properties"]["image"], "example/rules:1");
        assert!(fingerprints.insert(result["partialFingerprints"].to_string()));
    }
    let setuid = results.iter().find(|r| r["ruleId"] == "GS607").unwrap();
    assert_eq!(setuid["properties"]["imagePath"], "/usr/bin/passwd");
    assert!(
        setuid["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("/usr/bin/passwd in image example/rules:1: /usr/bin/passwd is setuid")
    );
    let binary = results.iter().find(|r| r["ruleId"] == "GS402").unwrap();
    assert_eq!(binary["properties"]["imagePath"], "/app");
    assert!(
        binary["properties"]["layer"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    // The same archive elsewhere gives the same alerts.
    let again = tempfile::tempdir().unwrap();
    std::fs::copy(dir.path().join("rules.tar"), again.path().join("rules.tar")).unwrap();
    let (_, second, _) = image(again.path(), &["--format", "sarif", "rules.tar"]);
    assert_eq!(sarif, second);
    insta::with_settings!({ filters => version_filters() }, {
        insta::assert_snapshot!("image_rules_sarif", sarif);
    });
}

#[test]
fn github_annotates_the_archive_with_the_image_path() {
    let dir = rules_archive();
    let (_, annotations, _) = image(dir.path(), &["--format", "github", "rules.tar"]);
    assert!(
        annotations.contains(
            "::warning file=rules.tar,title=GS607 setuid::/usr/bin/passwd in image \
             example/rules:1: /usr/bin/passwd is setuid root"
        ),
        "{annotations}"
    );
    assert!(
        annotations.contains("::warning file=rules.tar,title=GS601 root-user::image example/rules:1: the image runs as root"),
        "{annotations}"
    );
    assert!(
        annotations.contains("::warning file=rules.tar,title=GS402 go-unsupported::/app in image"),
        "{annotations}"
    );
}

#[test]
fn junit_has_a_test_case_per_image() {
    let dir = rules_archive();
    let (_, xml, _) = image(dir.path(), &["--format", "junit", "rules.tar"]);
    assert!(
        xml.contains(r#"<testsuites name="gostatic" tests="2" failures="1""#),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<testcase classname=\"gostatic\" name=\"rules.tar\">\n      <failure message=\"1 finding: GS603 entrypoint\""
        ),
        "{xml}"
    );
    assert!(
        xml.contains("warning[GS607 setuid] /usr/bin/passwd"),
        "{xml}"
    );
    let (_, strict, _) = image(
        dir.path(),
        &["--format", "junit", "--fail-on", "warning", "rules.tar"],
    );
    assert!(
        strict.contains("failure message=\"5 findings: GS601 root-user, GS603 entrypoint"),
        "{strict}"
    );
}

#[test]
fn the_policy_applies_to_image_findings() {
    let dir = rules_archive();
    write(
        dir.path(),
        "gostatic.toml",
        br#"
[rules]
GS601 = "off"
shell-present = "error"

[[allow]]
image-path = "/usr/bin/*"
rules = ["GS607"]
reason = "passwd stays until the base image is replaced"

[[suppress]]
rule = "GS603"
path = "rules.tar:/app"
reason = "the runtime sets the mode"
"#,
    );
    let (code, json, stderr) = image(dir.path(), &["--format", "json", "rules.tar"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let findings = json["images"][0]["findings"].as_array().unwrap();
    let rule = |id: &str| findings.iter().find(|f| f["rule"] == id);
    assert!(rule("GS601").is_none(), "turned off");
    assert_eq!(rule("GS605").unwrap()["severity"], "error");
    assert_eq!(rule("GS607").unwrap()["suppressed"]["kind"], "config");
    assert_eq!(
        rule("GS603").unwrap()["suppressed"]["reason"],
        "the runtime sets the mode"
    );
    assert_eq!(json["summary"]["suppressed"], 2);
    // GS605 is an error now.
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(json["summary"]["findings"]["error"], 1);
}

#[test]
fn a_baseline_covers_the_same_images_findings() {
    let dir = rules_archive();
    let (_, first, _) = image(dir.path(), &["--format", "json", "rules.tar"]);
    write(dir.path(), "baseline.json", first.as_bytes());
    let (code, json, stderr) = image(
        dir.path(),
        &[
            "--format",
            "json",
            "--baseline",
            "baseline.json",
            "rules.tar",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        json["summary"]["suppressed"],
        IMAGE_RULES.len() + FILE_FINDINGS
    );
    for finding in json["images"][0]["findings"].as_array().unwrap() {
        assert_eq!(finding["suppressed"]["kind"], "baseline", "{finding}");
    }
}

#[test]
fn issue_13_a_baseline_covers_the_next_build_of_the_image() {
    let dir = rules_archive();
    let (_, first, _) = image(dir.path(), &["--format", "json", "rules.tar"]);
    write(dir.path(), "baseline.json", first.as_bytes());
    // The next build: the program rebuilt (other bytes, so other layers and another config
    // digest), written under another name.
    let mut elf = std::fs::read(go_fixture("go1.25-hello")).unwrap();
    elf.extend_from_slice(b"rebuilt");
    write(dir.path(), "next.tar", &testkit::rules_image(&elf));
    let digest = |json: &str| -> Value {
        serde_json::from_str::<Value>(json).unwrap()["images"][0]["config_digest"].clone()
    };
    let (code, next, stderr) = image(
        dir.path(),
        &[
            "--format",
            "json",
            "--baseline",
            "baseline.json",
            "next.tar",
        ],
    );
    assert_ne!(digest(&next), digest(&first), "a new build");
    assert_eq!(code, Some(0), "{stderr}");
    let json: Value = serde_json::from_str(&next).unwrap();
    assert_eq!(
        json["summary"]["suppressed"],
        IMAGE_RULES.len() + FILE_FINDINGS
    );
    // Per build, nothing of the new image is known.
    let (_, with_digests, _) = image(dir.path(), &["--format", "json", "--digests", "rules.tar"]);
    write(dir.path(), "exact.json", with_digests.as_bytes());
    let exact = [
        "--format",
        "json",
        "--baseline",
        "exact.json",
        "--baseline-exact",
    ];
    let (code, same, _) = image(dir.path(), &[&exact[..], &["rules.tar"]].concat());
    assert_eq!(code, Some(0));
    let same: Value = serde_json::from_str(&same).unwrap();
    assert_eq!(
        same["summary"]["suppressed"],
        IMAGE_RULES.len() + FILE_FINDINGS
    );
    let (code, next, _) = image(dir.path(), &[&exact[..], &["next.tar"]].concat());
    assert_eq!(code, Some(1));
    let next: Value = serde_json::from_str(&next).unwrap();
    assert_eq!(next["summary"]["suppressed"], 0);
}

fn user_image(user: &str, layer: Vec<u8>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = ImageSpec::new("users:1", vec![layer]);
    spec.user = user.to_string();
    write(
        dir.path(),
        "users.tar",
        &testkit::to_tar(&testkit::oci_layout(&[spec])),
    );
    dir
}

#[test]
fn gs602_a_named_user_without_passwd_is_an_error() {
    let app = std::fs::read(fixture("go-static-stripped")).unwrap();
    let dir = user_image("app:app", TarBuilder::new().file("app", &app).finish());
    let (code, text, _) = image(dir.path(), &["--quiet", "users.tar"]);
    assert_eq!(code, Some(1));
    assert!(
        text.contains(
            "users.tar:/etc/passwd: error[GS602 unknown-user] USER app is not in /etc/passwd \
             (the image has no /etc/passwd)"
        ),
        "{text}"
    );
    assert!(
        text.contains("users.tar:/etc/group: error[GS602 unknown-user] group app of USER"),
        "{text}"
    );
    let dir = user_image(
        "app",
        TarBuilder::new()
            .file("app", &app)
            .file_mode("etc/passwd", 0o644, b"app:x:1000:1000::/:/x\n")
            .finish(),
    );
    let (code, text, _) = image(dir.path(), &["--quiet", "users.tar"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(!text.contains("GS60"), "{text}");
}

#[test]
fn gs603_shell_form_without_a_shell() {
    let app = std::fs::read(fixture("go-static-stripped")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut spec = ImageSpec::new(
        "shell:1",
        vec![TarBuilder::new().file("server", &app).finish()],
    );
    spec.entrypoint = vec!["/bin/sh".into(), "-c".into(), "/server".into()];
    write(
        dir.path(),
        "shell.tar",
        &testkit::to_tar(&testkit::docker_legacy(&[spec])),
    );
    let (code, text, _) = image(dir.path(), &["--quiet", "shell.tar"]);
    assert_eq!(code, Some(1));
    assert!(
        text.contains(
            "shell.tar:/bin/sh: error[GS603 entrypoint] ENTRYPOINT [\"/bin/sh\", \"-c\", \
             \"/server\"] needs /bin/sh, which the image does not have"
        ),
        "{text}"
    );
}

/// Several images in one archive: paths and fingerprints carry each image's name.
#[test]
fn several_images_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let layer = || {
        TarBuilder::new()
            .file_mode("usr/bin/su", 0o4755, b"su")
            .finish()
    };
    let mut a = ImageSpec::new("a:1", vec![layer()]);
    let mut b = ImageSpec::new("b:1", vec![layer()]);
    a.entrypoint = vec!["/usr/bin/su".into()];
    b.entrypoint = vec!["/usr/bin/su".into()];
    write(
        dir.path(),
        "two.tar",
        &testkit::to_tar(&testkit::docker_legacy(&[a, b])),
    );
    let (_, text, _) = image(dir.path(), &["--quiet", "two.tar"]);
    assert!(
        text.contains("two.tar[a:1]:/usr/bin/su: warning[GS607"),
        "{text}"
    );
    assert!(
        text.contains("two.tar[b:1]:/usr/bin/su: warning[GS607"),
        "{text}"
    );
    let (_, sarif, _) = image(dir.path(), &["--format", "sarif", "two.tar"]);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let prints: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["partialFingerprints"]["primaryLocationLineHash"])
        .collect();
    assert_eq!(prints.len(), 2);
    assert_ne!(prints[0], prints[1]);
    assert!(prints.iter().all(|p| p.as_str().unwrap().ends_with(":1")));
}

/// Image-mode logs through the SARIF Multitool (see formats.rs): relative and absolute
/// archive paths, stdin, several images, suppressions, and an unanalysable executable.
#[test]
fn image_sarif_passes_the_multitool_when_available() {
    let Some(validator) = std::env::var_os("GOSTATIC_SARIF_VALIDATOR") else {
        #[allow(clippy::print_stderr)] // say why the test did nothing
        {
            eprintln!("skipped: GOSTATIC_SARIF_VALIDATOR is not set");
        }
        return;
    };
    let dir = rules_archive();
    let archive = dir.path().join("rules.tar");
    let broken = TarBuilder::new().file("bad", b"\x7fELF\x02\x01").finish();
    let mut spec = ImageSpec::new("broken:1", vec![broken]);
    spec.user = "nobody".into();
    write(
        dir.path(),
        "broken.tar",
        &testkit::to_tar(&testkit::docker_legacy(&[spec.clone(), {
            spec.tag = "again:2".into();
            spec
        }])),
    );
    write(
        dir.path(),
        "gostatic.toml",
        b"[[allow]]\nimage-path = \"/usr/*\"\nreason = \"accepted\"\n",
    );
    let mut logs: Vec<(&str, String)> = Vec::new();
    for (name, arg) in [
        ("relative", PathBuf::from("rules.tar")),
        ("absolute", archive.clone()),
        ("several", PathBuf::from("broken.tar")),
    ] {
        let out = gostatic()
            .current_dir(dir.path())
            .args(["image", "--format", "sarif"])
            .arg(&arg)
            .output()
            .unwrap();
        logs.push((name, String::from_utf8(out.stdout).unwrap()));
    }
    let out = gostatic()
        .current_dir(dir.path())
        .args(["image", "--format", "sarif", "-"])
        .write_stdin(std::fs::read(&archive).unwrap())
        .output()
        .unwrap();
    logs.push(("stdin", String::from_utf8(out.stdout).unwrap()));
    for (name, text) in logs {
        assert!(text.contains("\"results\""), "{name}: {text}");
        let errors = crate::util::multitool_errors(validator.as_ref(), dir.path(), name, &text);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}
