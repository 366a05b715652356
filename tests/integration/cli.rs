//! The real binary: exit codes, one-line errors, the walk, stdin, and report shapes.

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

use crate::util::{gostatic, write};
use gostatic::testkit::elf::*;
use gostatic::testkit::minimal::pe64;

fn json_of(output: &[u8]) -> Value {
    serde_json::from_slice(output).expect("stdout is one JSON document")
}

#[test]
fn ready_binary_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let bin = write(dir.path(), "server", &Synth::exec64().build());
    gostatic()
        .arg("check")
        .arg(&bin)
        .assert()
        .code(0)
        .stdout(contains("scratch: ready"));
}

#[test]
fn dynamic_binary_exits_one_with_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let bin = write(dir.path(), "server", &Synth::dynamic64().build());
    gostatic()
        .arg("check")
        .arg(&bin)
        .assert()
        .code(1)
        .stdout(contains("error[GS101 dynamic-interpreter] requests the ELF interpreter /lib64/ld-linux-x86-64.so.2"))
        .stdout(contains("error[GS102 needed-libraries] needs 1 shared library: libc.so.6"))
        .stdout(contains("scratch: blocked (needs the loader /lib64/ld-linux-x86-64.so.2; needs libc.so.6)"));
}

#[test]
fn fail_on_chooses_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let mut synth = Synth::exec64();
    synth.sections = vec![Section::new(".debug_info", SHT_PROGBITS, 0, vec![1; 64])];
    let bin = write(dir.path(), "server", &synth.build());
    // A warning (GS301) and a note (GS203).
    gostatic()
        .args(["check", "--fail-on", "error"])
        .arg(&bin)
        .assert()
        .code(0);
    gostatic()
        .args(["check", "--fail-on", "warning"])
        .arg(&bin)
        .assert()
        .code(1);
    gostatic()
        .args(["check", "--fail-on", "note"])
        .arg(&bin)
        .assert()
        .code(1);
    gostatic()
        .args(["check", "--fail-on", "never"])
        .arg(&bin)
        .assert()
        .code(0);
    let ready = write(dir.path(), "plain", &Synth::exec64().build());
    gostatic()
        .args(["check", "--fail-on", "warning"])
        .arg(&ready)
        .assert()
        .code(0);
}

#[test]
fn missing_path_is_an_error_and_other_files_are_still_reported() {
    let dir = tempfile::tempdir().unwrap();
    let bin = write(dir.path(), "server", &Synth::exec64().build());
    let missing = dir.path().join("nope");
    gostatic()
        .arg("check")
        .arg(&missing)
        .arg(&bin)
        .assert()
        .code(2)
        .stdout(contains("scratch: ready"))
        .stderr(format!(
            "{}: no such file or directory\n",
            missing.display()
        ));
}

#[test]
fn empty_file_named_directly_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty", b"");
    gostatic()
        .arg("check")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(format!("{}: empty file\n", empty.display()));
}

#[test]
fn text_file_named_directly_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let notes = write(dir.path(), "notes.txt", b"release notes\n");
    gostatic()
        .arg("check")
        .arg(&notes)
        .assert()
        .code(2)
        .stderr(format!(
            "{}: not an ELF, PE or Mach-O file (starts with bytes 72 65 6c 65)\n",
            notes.display()
        ));
}

#[test]
fn issue_13_a_script_is_a_file_with_its_interpreter_not_an_input_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "run.sh", b"#!/bin/sh -e\nexec /server\n");
    let out = gostatic()
        .args(["check", "--format", "json"])
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "GS107 is an error");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = &json["files"][0];
    assert_eq!(file["format"], "script");
    assert_eq!(file["script"]["interpreter"], "/bin/sh");
    assert_eq!(file["script"]["argument"], "-e");
    assert_eq!(file["verdict"]["scratch"], "blocked");
    assert_eq!(file["findings"][0]["rule"], "GS107");
    assert_eq!(file["findings"][0]["key"], "/bin/sh");
    assert!(json["errors"].as_array().unwrap().is_empty());

    // In a directory, a script counts when it can be run; `env` scripts say what they find.
    let tree = dir.path().join("bin");
    std::fs::create_dir(&tree).unwrap();
    let tool = write(&tree, "tool", b"#!/usr/bin/env python3\nprint(1)\n");
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    write(
        &tree,
        "module.py",
        b"#!/usr/bin/env python3\n# imported, not run\n",
    );
    let out = gostatic()
        .args(["check", "--quiet"])
        .arg(&tree)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        format!(
            "{}: error[GS107 script] a #! script for /usr/bin/env (to find python3): an empty image has no interpreter to run it\n",
            tool.display()
        )
    );
}

#[test]
fn truncated_elf_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = Synth::dynamic64().build();
    let cut = write(dir.path(), "cut", &bytes[..100]);
    gostatic()
        .arg("check")
        .arg(&cut)
        .assert()
        .code(2)
        .stderr(format!(
            "{}: truncated program header table (e_phoff 0x40 + 5*56 > size 100)\n",
            cut.display()
        ));
}

#[test]
fn tiny_file_with_elf_magic_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let stub = write(dir.path(), "stub", b"\x7fELF\x02\x01\x01");
    gostatic()
        .arg("check")
        .arg(&stub)
        .assert()
        .code(2)
        .stderr(format!(
            "{}: truncated ELF header (7 bytes, need 16)\n",
            stub.display()
        ));
}

#[test]
fn unreadable_file_is_an_error() {
    // Reading /proc/self/mem at offset 0 fails with EIO, even for root.
    gostatic()
        .args(["check", "/proc/self/mem"])
        .assert()
        .code(2)
        .stderr("/proc/self/mem: input/output error\n");
}

#[test]
fn device_named_directly_is_not_read() {
    gostatic()
        .args(["check", "/dev/null"])
        .assert()
        .code(2)
        .stderr("/dev/null: not a regular file\n");
}

#[test]
fn directories_are_walked_sorted_and_non_executables_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b/server", &Synth::dynamic64().build());
    write(dir.path(), "a/tool", &Synth::exec64().build());
    write(dir.path(), "a/README.md", b"# not a binary\n");
    write(dir.path(), "a/empty", b"");
    write(dir.path(), "c/app.exe", &pe64());
    let out = gostatic()
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    let paths: Vec<String> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["path"]
                .as_str()
                .unwrap()
                .strip_prefix(&dir.path().display().to_string())
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(paths, ["/a/tool", "/b/server", "/c/app.exe"]);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
}

#[cfg(unix)]
#[test]
fn symlinks_to_files_are_followed_and_to_directories_are_not() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "hidden", &Synth::exec64().build());
    let real = write(dir.path(), "real", &Synth::exec64().build());
    symlink(&real, dir.path().join("link")).unwrap();
    symlink(outside.path(), dir.path().join("dirlink")).unwrap();
    symlink(dir.path().join("gone"), dir.path().join("dangling")).unwrap();
    let out = gostatic()
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    let names: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    // The link and the file are one file: reported once, under its first name.
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].ends_with("/link"), "{names:?}");
    assert!(
        report["files"][0]["aliases"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("/real")
    );
}

#[cfg(unix)]
#[test]
fn fifo_in_a_directory_is_skipped_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "server", &Synth::exec64().build());
    let fifo = dir.path().join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    gostatic()
        .arg("check")
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(0)
        .stdout(contains("1 file: 1 ready"));
}

#[test]
fn stdin_is_read_with_a_dash() {
    gostatic()
        .args(["check", "-"])
        .write_stdin(Synth::dynamic64().build())
        .assert()
        .code(1)
        .stdout(contains("-: ELF64 x86-64 DYN, dynamic"));
    gostatic()
        .args(["check", "-"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr("-: empty file\n");
}

#[test]
fn json_report_has_the_contract_fields() {
    let dir = tempfile::tempdir().unwrap();
    let bin = write(dir.path(), "server", &Synth::dynamic64().build());
    let missing = dir.path().join("missing");
    let out = gostatic()
        .args(["check", "--format", "json"])
        .arg(&bin)
        .arg(&missing)
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    assert_eq!(report["schema"], "gostatic/v1");
    let file = &report["files"][0];
    for key in [
        "path",
        "format",
        "size",
        "elf",
        "verdict",
        "findings",
        "not_applicable",
    ] {
        assert!(file.get(key).is_some(), "files[].{key} missing");
    }
    // Hashed only when asked for (--digests) or needed by the policy.
    assert!(file.get("sha256").is_none());
    let elf = &file["elf"];
    for key in [
        "class",
        "machine",
        "endian",
        "type",
        "linking",
        "interpreter",
        "needed",
        "rpath",
        "runpath",
        "symtab_bytes",
        "dwarf_bytes",
        "dwarf_sections",
        "pie",
        "nx",
        "relro",
    ] {
        assert!(elf.get(key).is_some(), "elf.{key} missing");
    }
    assert_eq!(elf["linking"], "dynamic");
    assert_eq!(elf["needed"], serde_json::json!(["libc.so.6"]));
    assert_eq!(file["findings"][0]["rule"], "GS101");
    assert_eq!(file["findings"][0]["slug"], "dynamic-interpreter");
    assert_eq!(file["findings"][0]["severity"], "error");
    assert!(
        file["findings"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("-static")
    );
    assert_eq!(report["errors"][0]["message"], "no such file or directory");
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(report["summary"]["blocked"], 1);
}

#[test]
fn issue_13_json_has_hashes_only_with_digests() {
    let dir = tempfile::tempdir().unwrap();
    let bin = write(dir.path(), "server", &Synth::exec64().build());
    let report = |digests: bool| {
        let mut cmd = gostatic();
        cmd.args(["check", "--format", "json"]);
        if digests {
            cmd.arg("--digests");
        }
        json_of(&cmd.arg(&bin).assert().get_output().stdout)
    };
    assert!(report(false)["files"][0].get("sha256").is_none());
    use sha2_check::hex_sha256;
    assert_eq!(
        report(true)["files"][0]["sha256"],
        hex_sha256(&std::fs::read(&bin).unwrap())
    );
}

mod sha2_check {
    /// An independent SHA-256 via `sha256sum`, so the test does not trust our own hashing.
    pub fn hex_sha256(bytes: &[u8]) -> String {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new("sha256sum")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(bytes).unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    }
}

#[test]
fn quiet_prints_only_findings() {
    let dir = tempfile::tempdir().unwrap();
    let bin = write(dir.path(), "server", &Synth::dynamic64().build());
    let out = gostatic()
        .args(["check", "--quiet"])
        .arg(&bin)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines()
            .all(|l| l.starts_with(&format!("{}: error[GS10", bin.display()))),
        "{text}"
    );
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let dir = tempfile::tempdir().unwrap();
    let bin = write(dir.path(), "server", &Synth::dynamic64().build());
    gostatic()
        .args(["check", "--color", "always"])
        .arg(&bin)
        .assert()
        .stdout(contains("\x1b["));
    gostatic()
        .args(["check", "--color", "never"])
        .arg(&bin)
        .assert()
        .stdout(contains("\x1b[").not());
    gostatic()
        .args(["check"])
        .arg(&bin)
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .assert()
        .stdout(contains("\x1b[").not());
    gostatic()
        .args(["check"])
        .arg(&bin)
        .env("CLICOLOR_FORCE", "1")
        .assert()
        .stdout(contains("\x1b["));
}

#[test]
fn untrusted_strings_are_escaped_on_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let synth = Synth {
        needed: vec!["lib\x1b[2Jc.so".into()],
        ..Synth::dynamic64()
    };
    let bin = write(dir.path(), "server", &synth.build());
    gostatic()
        .arg("check")
        .arg(&bin)
        .assert()
        .stdout(contains("lib\\u{1b}[2Jc.so"))
        .stdout(contains("\x1b[2J").not());
}

#[test]
fn usage_errors_exit_two() {
    gostatic().assert().code(2);
    gostatic()
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains("required"));
    gostatic()
        .args(["check", "--format", "xml", "x"])
        .assert()
        .code(2);
    gostatic()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(contains(format!(
            "gostatic {} (Go release table of {})",
            env!("CARGO_PKG_VERSION"),
            gostatic::gobin::release::TABLE_AS_OF
        )));
}

#[test]
fn a_file_that_vanishes_after_the_walk_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "keeps", &Synth::exec64().build());
    let doomed = write(dir.path(), "vanishes", &Synth::exec64().build());
    let inputs = gostatic::input::collect(&[dir.path()]);
    assert_eq!((inputs.candidates.len(), inputs.errors.len()), (2, 0));
    std::fs::remove_file(&doomed).unwrap();
    let report = gostatic::run::check(&inputs, &Default::default());
    assert_eq!(report.files.len(), 1);
    assert_eq!(report.errors.len(), 1);
    assert_eq!(
        report.errors[0].line(),
        format!("{}: no such file or directory", doomed.display())
    );
}

/// `gostatic … | head`: a reader that stops early closes the pipe; every format then exits 0
/// without a word (docs/exit-codes.md), as `check`'s text always did.
#[test]
fn a_closed_pipe_ends_every_format_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let runs: [&[&str]; 5] = [
        &["check", "--format", "json", "testdata"],
        &["check", "--format", "sarif", "testdata"],
        &["check", "--format", "text", "testdata"],
        &["buildinfo", "--json", "testdata/bin", "testdata/go"],
        &["rules", "--format", "json"],
    ];
    for args in runs {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gostatic"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gostatic starts");
        let mut first = [0u8; 16];
        child
            .stdout
            .take()
            .expect("stdout")
            .read_exact(&mut first)
            .expect("some output");
        // The read end is dropped here: further writes fail with EPIPE.
        let output = child.wait_with_output().expect("gostatic ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{args:?}: {:?} {stderr}",
            output.status
        );
    }
}

/// A gate that checked nothing must not pass: a named directory without one executable is an
/// error naming what it held, unless --allow-empty (issue 13, item 3).
#[test]
fn a_directory_without_executables_is_an_error_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README.md", b"# notes\n");
    write(dir.path(), "app.conf", b"port = 80\n");
    let empty = tempfile::tempdir().unwrap();
    gostatic()
        .arg("check")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains(
            "nothing to check: none of its 2 files (README.md, app.conf) is an ELF, PE or Mach-O executable",
        ));
    gostatic()
        .arg("check")
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(contains("nothing to check: it holds no files"));
    gostatic()
        .args(["check", "--allow-empty"])
        .arg(dir.path())
        .assert()
        .code(0);
    // A directory with an executable next to an empty one: only the empty one is an error.
    let bin = tempfile::tempdir().unwrap();
    write(bin.path(), "server", &Synth::exec64().build());
    let output = gostatic()
        .args(["check", "--format", "json"])
        .arg(bin.path())
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let report = json_of(&output.stdout);
    assert_eq!(report["summary"]["files"], 1);
    assert_eq!(
        report["errors"][0]["path"],
        empty.path().display().to_string()
    );
}

#[test]
fn a_named_file_the_policy_ignores_is_listed_and_alone_checks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = write(dir.path(), "server", &Synth::exec64().build());
    let other = write(dir.path(), "other", &Synth::exec64().build());
    let config = write(dir.path(), "gostatic.toml", b"ignore = [\"**/server\"]\n");
    let output = gostatic()
        .args(["check", "--format", "json", "--config"])
        .arg(&config)
        .arg(&server)
        .arg(&other)
        .output()
        .unwrap();
    let report = json_of(&output.stdout);
    assert_eq!(report["summary"]["files"], 1);
    assert_eq!(
        report["summary"]["ignored"][0],
        server.display().to_string()
    );
    gostatic()
        .args(["check", "--config"])
        .arg(&config)
        .arg(&server)
        .assert()
        .code(2)
        .stdout(contains("ignored by the policy file: "))
        .stderr(contains(
            "ignored by the policy file, and nothing else to check",
        ));
    gostatic()
        .args(["check", "--allow-empty", "--config"])
        .arg(&config)
        .arg(&server)
        .assert()
        .code(0);
}

/// `gostatic image DIR` reads a directory as a root filesystem only when it looks like one;
/// `dir:DIR` reads any directory as one.
#[test]
fn image_takes_a_directory_as_a_root_filesystem_only_when_it_looks_like_one() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "server", &Synth::exec64().build());
    gostatic()
        .arg("image")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("name it dir:PATH").or(contains("(dir:PATH)")));
    gostatic()
        .arg("image")
        .arg(format!("dir:{}", dir.path().display()))
        .assert()
        .code(0)
        .stdout(contains("/server"));
    std::fs::create_dir(dir.path().join("etc")).unwrap();
    gostatic()
        .arg("image")
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(contains("/server"));
}

/// `--jobs` has a ceiling (issue 11, item 18): an absurd count is capped, and said so.
#[test]
fn an_absurd_job_count_is_capped_and_said() {
    gostatic()
        .args(["check", "-j", "20000", "testdata/bin/go-static-stripped"])
        .assert()
        .code(0)
        .stderr(contains(
            "--jobs 20000 is more threads than can help; using",
        ));
    gostatic()
        .args(["check", "-j", "1", "testdata/bin/go-static-stripped"])
        .assert()
        .code(0)
        .stderr("");
}

/// Each option a CI job sets has a `GOSTATIC_*` variable (issue 13, item 10); the command line
/// beats the environment.
#[test]
fn options_come_from_gostatic_variables_and_flags_beat_them() {
    let output = gostatic()
        .args(["check", "testdata/bin/go-static-stripped"])
        .env("GOSTATIC_FORMAT", "json")
        .env("GOSTATIC_DIGESTS", "1")
        .output()
        .unwrap();
    let report = json_of(&output.stdout);
    assert_eq!(
        report["files"][0]["sha256"].as_str().map(str::len),
        Some(64)
    );
    gostatic()
        .args([
            "check",
            "--format",
            "text",
            "testdata/bin/go-static-stripped",
        ])
        .env("GOSTATIC_FORMAT", "json")
        .assert()
        .stdout(contains("scratch: ready"));
    gostatic()
        .args(["check", "testdata/bin/c-static"])
        .env("GOSTATIC_FAIL_ON", "note")
        .assert()
        .code(1);
    gostatic()
        .args(["check", "testdata/bin/c-static"])
        .env("GOSTATIC_FAIL_ON", "note")
        .env("GOSTATIC_DIGESTS", "0")
        .args(["--fail-on", "never"])
        .assert()
        .code(0);
    let empty = tempfile::tempdir().unwrap();
    gostatic()
        .arg("check")
        .arg(empty.path())
        .env("GOSTATIC_ALLOW_EMPTY", "true")
        .assert()
        .code(0);
}

#[test]
fn each_subcommand_takes_only_the_flags_it_honours() {
    // (arguments, what clap must refuse)
    let refused: [&[&str]; 8] = [
        &["rules", "--fail-on", "never"],
        &["rules", "--format", "sarif"],
        &["explain", "GS101", "--quiet"],
        &["explain", "GS101", "--jobs", "2"],
        &[
            "buildinfo",
            "--format",
            "junit",
            "testdata/bin/go-static-stripped",
        ],
        &[
            "buildinfo",
            "--fail-on",
            "never",
            "testdata/bin/go-static-stripped",
        ],
        &[
            "buildinfo",
            "--color",
            "always",
            "testdata/bin/go-static-stripped",
        ],
        &["--format", "json", "check", "testdata/bin"],
    ];
    for args in refused {
        let out = gostatic().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // And what they take, they honour.
    let rules = gostatic()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let rules: serde_json::Value = serde_json::from_slice(&rules.stdout).unwrap();
    assert_eq!(rules["rules"][0]["id"], "GS101");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gs101.json");
    gostatic()
        .args(["explain", "GS101", "--format", "json", "-o"])
        .arg(&file)
        .assert()
        .code(0)
        .stdout("");
    let explained: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(explained["slug"], "dynamic-interpreter");
    let info = gostatic()
        .args([
            "buildinfo",
            "--format",
            "json",
            "-j",
            "1",
            "testdata/bin/go-static-stripped",
        ])
        .output()
        .unwrap();
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(info[0]["go"]["version"], "go1.27.3");
}

#[test]
fn version_is_text_or_a_json_object() {
    let out = gostatic().arg("--version").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "gostatic {} (Go release table of 20",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
    let out = gostatic()
        .args(["--version", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["name"], "gostatic");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert!(text.contains(json["go_release_table"].as_str().unwrap()));
}

#[test]
fn issue_13_one_file_under_many_names_is_reported_once_with_its_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("lib");
    std::fs::create_dir(&lib).unwrap();
    std::fs::write(lib.join("libz.so.1.2.13"), fixture("bin/c-dynamic")).unwrap();
    std::os::unix::fs::symlink("libz.so.1.2.13", lib.join("libz.so.1")).unwrap();
    std::os::unix::fs::symlink("libz.so.1", lib.join("libz.so")).unwrap();
    let out = gostatic()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "lib"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 1);
    let file = &json["files"][0];
    assert_eq!(file["path"], "lib/libz.so");
    assert_eq!(file["link"], "libz.so.1");
    assert_eq!(
        file["aliases"],
        serde_json::json!([
            {"path": "lib/libz.so.1", "link": "libz.so.1.2.13"},
            {"path": "lib/libz.so.1.2.13"}
        ])
    );
    let text = gostatic()
        .current_dir(dir.path())
        .args(["check", "lib"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.starts_with("lib/libz.so -> libz.so.1: ELF64 x86-64 DYN, dynamic")
            && text
                .contains("\n  also named: lib/libz.so.1 -> libz.so.1.2.13, lib/libz.so.1.2.13\n"),
        "{text}"
    );
}
