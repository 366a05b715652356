//! The image verdict on synthetic images: each way an image fails to start, what only static
//! facts cannot decide, run-time files, and scratch judged on what the command really runs.

use crate::gobin::analysis::NeedKind;
use crate::image::Image;
use crate::rules::image::{ImageEvaluation, ImageScratch, Starts, evaluate};
use crate::rules::{Base, Rule, Severity};
use crate::testkit::elf::{EM_386, EM_AARCH64, Synth as Elf, go_needs, go_static};
use crate::testkit::image::{Config, Layer, image};

const LOADER: &str = "lib64/ld-linux-x86-64.so.2";

fn loader() -> Vec<u8> {
    Elf::library("ld-linux-x86-64.so.2", &[]).build()
}

fn libc() -> Vec<u8> {
    Elf::library("libc.so.6", &["ld-linux-x86-64.so.2"]).build()
}

fn entry(command: &[&str]) -> Config {
    Config {
        entrypoint: command.iter().map(|s| s.to_string()).collect(),
        ..Config::default()
    }
}

fn judged(img: &Image<crate::facts::FileFacts>) -> ImageEvaluation {
    evaluate(img)
}

fn file<'a>(
    img: &Image<crate::facts::FileFacts>,
    evaluation: &'a ImageEvaluation,
    path: &str,
) -> &'a crate::rules::Evaluation {
    let index = img
        .files
        .iter()
        .position(|f| f.image_path == path)
        .unwrap_or_else(|| panic!("{path} analysed"));
    &evaluation.files[index]
}

#[test]
fn a_static_program_with_its_files_starts_runs_clean_and_is_ready_for_scratch() {
    let img = image(
        Layer::new().file_mode("app", 0o755, &go_static()),
        entry(&["/app"]),
    );
    let evaluation = judged(&img);
    let verdict = &evaluation.verdict;
    assert_eq!(verdict.starts, Starts::Yes, "{verdict:?}");
    assert!(verdict.start_reasons.is_empty());
    assert_eq!(verdict.programs, ["/app"]);
    assert!(verdict.runtime_missing.is_empty());
    assert_eq!(verdict.scratch, ImageScratch::Ready);
    assert_eq!(verdict.base, Some(Base::Scratch));
    assert_eq!(verdict.summary(), "starts: yes; runs clean; scratch: ready");
    let here = file(&img, &evaluation, "/app")
        .verdict
        .here
        .clone()
        .unwrap();
    assert_eq!(here.runs, Starts::Yes);
    assert!(
        file(&img, &evaluation, "/app")
            .verdict
            .summary
            .starts_with("runs here; scratch: ready")
    );
}

#[test]
fn shell_form_without_a_shell_does_not_start_but_its_program_could_be_scratch() {
    let img = image(
        Layer::new().file_mode("server", 0o755, &go_static()),
        entry(&["/bin/sh", "-c", "/server"]),
    );
    let evaluation = judged(&img);
    let verdict = &evaluation.verdict;
    assert_eq!(verdict.starts, Starts::No);
    assert!(
        verdict.start_reasons[0].contains("/bin/sh"),
        "{:?}",
        verdict.start_reasons
    );
    // Every `no` is an error finding: the gate cannot pass it.
    assert!(
        evaluation
            .findings
            .iter()
            .any(|f| f.rule == Rule::Entrypoint && f.severity == Severity::Error)
    );
}

#[test]
fn an_arm64_program_in_an_amd64_image_does_not_start() {
    let arm = Elf::static_program().machine(true, EM_AARCH64).build();
    let img = image(Layer::new().file_mode("app", 0o755, &arm), entry(&["/app"]));
    let evaluation = judged(&img);
    assert_eq!(evaluation.verdict.starts, Starts::No);
    assert!(evaluation.verdict.start_reasons[0].contains("aarch64"));
    let here = file(&img, &evaluation, "/app")
        .verdict
        .here
        .clone()
        .unwrap();
    assert_eq!(here.runs, Starts::No);
    assert!(
        file(&img, &evaluation, "/app")
            .verdict
            .summary
            .starts_with("fails here: /app is")
    );
}

#[test]
fn a_v3_program_on_an_amd64_v2_platform_does_not_start() {
    let v3 = crate::testkit::elf::fixture("go/go-amd64-v3");
    let on = |variant| {
        let img = image(
            Layer::new().file_mode("app", 0o755, &v3),
            Config {
                variant,
                ..entry(&["/app"])
            },
        );
        let evaluation = judged(&img);
        let gs406: Vec<Severity> = file(&img, &evaluation, "/app")
            .findings
            .iter()
            .filter(|f| f.rule == Rule::CpuLevel)
            .map(|f| f.severity)
            .collect();
        (evaluation.verdict, gs406)
    };
    let (verdict, gs406) = on(Some("v2"));
    assert_eq!(verdict.starts, Starts::No);
    assert!(
        verdict.start_reasons[0].contains("GOAMD64=v3"),
        "{:?}",
        verdict.start_reasons
    );
    assert_eq!(
        gs406,
        [Severity::Error],
        "the note is replaced, not doubled"
    );
    let (verdict, gs406) = on(Some("v3"));
    assert_eq!((verdict.starts, gs406), (Starts::Yes, vec![Severity::Note]));
    let (verdict, gs406) = on(None);
    assert_eq!((verdict.starts, gs406), (Starts::Yes, vec![Severity::Note]));
}

#[test]
fn a_32_bit_program_on_amd64_may_start_depending_on_the_host() {
    let x86 = Elf::static_program().machine(false, EM_386).build();
    let img = image(Layer::new().file_mode("app", 0o755, &x86), entry(&["/app"]));
    let verdict = judged(&img).verdict;
    assert_eq!(verdict.starts, Starts::Unknown);
    assert!(verdict.start_reasons[0].contains("32-bit support"));
}

#[test]
fn a_dynamic_program_with_its_loader_and_libc_runs_here_and_scratch_copies_them() {
    let img = image(
        Layer::new()
            .file_mode("app", 0o755, &Elf::program().build())
            .file(LOADER, &loader())
            .file("lib/x86_64-linux-gnu/libc.so.6", &libc()),
        entry(&["/app"]),
    );
    let evaluation = judged(&img);
    let verdict = &evaluation.verdict;
    assert_eq!(verdict.starts, Starts::Yes, "{verdict:?}");
    assert_eq!(verdict.scratch, ImageScratch::ReadyWithFiles);
    assert_eq!(
        verdict.scratch_files,
        [
            "/lib64/ld-linux-x86-64.so.2",
            "/lib/x86_64-linux-gnu/libc.so.6"
        ]
    );
    assert!(
        verdict.summary().contains("or FROM"),
        "{}",
        verdict.summary()
    );
    let app = file(&img, &evaluation, "/app");
    assert!(
        app.verdict
            .summary
            .starts_with("runs here; scratch: blocked")
    );
    // GS101 and GS102 are facts inside an image, and they say the image has the files.
    let notes: Vec<(Rule, Severity, &str)> = app
        .findings
        .iter()
        .filter(|f| matches!(f.rule, Rule::DynamicInterpreter | Rule::NeededLibraries))
        .map(|f| (f.rule, f.severity, f.message.as_str()))
        .collect();
    assert_eq!(
        notes,
        [
            (
                Rule::DynamicInterpreter,
                Severity::Note,
                "requests the ELF interpreter /lib64/ld-linux-x86-64.so.2: the image has it"
            ),
            (
                Rule::NeededLibraries,
                Severity::Note,
                "needs 1 shared library: libc.so.6; the image has them all"
            ),
        ]
    );
}

#[test]
fn a_missing_library_is_one_error_and_the_loader_is_not_called_missing() {
    let img = image(
        Layer::new()
            .file_mode(
                "app",
                0o755,
                &Elf::program()
                    .needs(&["libc.so.6", "libselinux.so.1"])
                    .build(),
            )
            .file(LOADER, &loader())
            .file("lib/x86_64-linux-gnu/libc.so.6", &libc()),
        entry(&["/app"]),
    );
    let evaluation = judged(&img);
    let app = file(&img, &evaluation, "/app");
    let errors: Vec<&str> = app
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error && f.rule.id().starts_with("GS"))
        .filter(|f| f.rule != Rule::ExecStack)
        .map(|f| f.rule.id())
        .collect();
    assert_eq!(errors, ["GS504"], "{:?}", app.findings);
    for finding in &app.findings {
        assert!(
            !finding.message.contains("empty image"),
            "{}",
            finding.message
        );
    }
    let needed = app
        .findings
        .iter()
        .find(|f| f.rule == Rule::NeededLibraries)
        .unwrap();
    assert!(
        needed
            .message
            .ends_with("the image lacks libselinux.so.1 (GS504)"),
        "{}",
        needed.message
    );
    assert_eq!(evaluation.verdict.starts, Starts::No);
    assert_eq!(evaluation.verdict.scratch, ImageScratch::Blocked);
    // GS504 says it: the verdict adds no GS603 of its own.
    assert!(
        evaluation
            .findings
            .iter()
            .all(|f| f.rule != Rule::Entrypoint),
        "{:?}",
        evaluation.findings
    );
}

#[test]
fn a_program_the_kernel_refuses_does_not_start_and_says_so_as_an_error() {
    let refused = Elf::program().interp(Some("")).needs(&[]).build();
    let img = image(
        Layer::new().file_mode("app", 0o755, &refused),
        entry(&["/app"]),
    );
    let evaluation = judged(&img);
    assert_eq!(evaluation.verdict.starts, Starts::No, "{:?}", evaluation);
    assert!(evaluation.verdict.start_reasons[0].contains("PT_INTERP"));
    let added = evaluation
        .findings
        .iter()
        .find(|f| f.rule == Rule::Entrypoint)
        .expect("a GS603 for the refusal");
    assert_eq!(added.severity, Severity::Error);
    assert_eq!(added.image_path.as_deref(), Some("/app"));
}

#[test]
fn a_shell_that_only_runs_a_program_is_looked_through_for_scratch() {
    let img = image(
        Layer::new()
            .file_mode("bin/sh", 0o755, &go_static())
            .file_mode("server", 0o755, &go_static()),
        entry(&["/bin/sh", "-c", "exec /server --port 80"]),
    );
    let verdict = judged(&img).verdict;
    assert_eq!(verdict.starts, Starts::Yes);
    assert_eq!(verdict.programs, ["/bin/sh", "/server"]);
    assert_eq!(verdict.scratch, ImageScratch::Ready);
}

#[test]
fn a_real_shell_command_or_a_script_blocks_scratch() {
    let img = image(
        Layer::new()
            .file_mode("bin/sh", 0o755, &go_static())
            .file_mode("server", 0o755, &go_static()),
        entry(&["/bin/sh", "-c", "/server | tee /log"]),
    );
    let verdict = judged(&img).verdict;
    assert_eq!(verdict.starts, Starts::Yes);
    assert_eq!(verdict.scratch, ImageScratch::Blocked);
    assert!(verdict.scratch_reasons[0].contains("shell command"));

    let img = image(
        Layer::new()
            .file_mode("bin/sh", 0o755, &go_static())
            .file_mode("run.sh", 0o755, b"#!/bin/sh\nexec /server\n"),
        entry(&["/run.sh"]),
    );
    let verdict = judged(&img).verdict;
    assert_eq!(verdict.starts, Starts::Yes, "{verdict:?}");
    assert_eq!(verdict.programs, ["/run.sh", "/bin/sh"]);
    assert_eq!(verdict.scratch, ImageScratch::Blocked);
    assert!(verdict.scratch_reasons[0].contains("is a script (#!/bin/sh)"));
    assert_eq!(verdict.base, None);
    assert!(verdict.summary().ends_with("; no known base"));
}

#[test]
fn the_shell_a_script_needs_must_start_too() {
    let img = image(
        Layer::new()
            .file_mode("bin/sh", 0o755, &Elf::program().build())
            .file_mode("run.sh", 0o755, b"#!/bin/sh\nexec /server\n"),
        entry(&["/run.sh"]),
    );
    let verdict = judged(&img).verdict;
    assert_eq!(verdict.starts, Starts::No);
    assert!(
        verdict
            .start_reasons
            .iter()
            .all(|r| r.starts_with("/bin/sh needs")),
        "{:?}",
        verdict.start_reasons
    );
}

#[test]
fn missing_run_time_files_are_named_by_id() {
    let img = image(
        Layer::new().file_mode("app", 0o755, &go_needs()),
        entry(&["/app"]),
    );
    let verdict = judged(&img).verdict;
    assert_eq!(verdict.starts, Starts::Yes);
    let ids: Vec<&str> = verdict
        .runtime_missing
        .iter()
        .map(|k| super::need_id(*k))
        .collect();
    assert_eq!(
        ids,
        ["ca-certificates", "zoneinfo", "passwd", "tmp", "home"]
    );
    assert_eq!(verdict.runtime_reasons.len(), 5);
    assert_eq!(verdict.scratch, ImageScratch::ReadyWithFiles);
    assert!(
        verdict
            .summary()
            .contains("runs clean: no (lacks ca-certificates, zoneinfo, passwd, tmp, home)")
    );

    let mut layer = Layer::new();
    layer
        .file_mode("app", 0o755, &go_needs())
        .file("etc/ssl/certs/ca-certificates.crt", b"pem")
        .file("usr/share/zoneinfo/UTC", b"TZif2")
        .file("etc/passwd", b"nonroot:x:65532:65532::/:/sbin/nologin\n")
        .dir_mode("tmp", 0o1777);
    let verdict = judged(&image(&layer, entry(&["/app"]))).verdict;
    // HOME is the passwd's `/`, which uid 65532 may not write.
    assert_eq!(verdict.runtime_missing, [NeedKind::Home], "{verdict:?}");
    layer
        .file(
            "etc/passwd",
            b"nonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n",
        )
        .dir("home")
        .dir_owned("home/nonroot", 0o755, (65532, 65532));
    let verdict = judged(&image(&layer, entry(&["/app"]))).verdict;
    assert!(verdict.runtime_missing.is_empty(), "{verdict:?}");
}

#[test]
fn an_unknown_user_stops_the_start() {
    let img = image(
        Layer::new().file_mode("app", 0o755, &go_static()),
        Config {
            user: "app".into(),
            ..entry(&["/app"])
        },
    );
    let verdict = judged(&img).verdict;
    assert_eq!(verdict.starts, Starts::No);
    assert!(verdict.start_reasons[0].starts_with("USER app is not in /etc/passwd"));
}

#[test]
fn a_program_it_could_not_read_leaves_the_start_unknown() {
    let img = image(
        Layer::new().file_mode("app", 0o755, b"MZ not an ELF at all"),
        entry(&["/app"]),
    );
    let verdict = judged(&img).verdict;
    assert_eq!(verdict.starts, Starts::Unknown, "{verdict:?}");
    assert!(verdict.start_reasons[0].starts_with("/app is neither"));
}

#[test]
fn without_a_command_the_go_programs_are_judged_for_scratch() {
    let img = image(
        Layer::new()
            .file_mode("usr/local/bin/a", 0o755, &go_static())
            .file_mode("usr/local/bin/b", 0o755, &go_needs()),
        Config {
            entrypoint: Vec::new(),
            ..Config::default()
        },
    );
    let verdict = judged(&img).verdict;
    assert_eq!(verdict.starts, Starts::No);
    assert_eq!(verdict.scratch, ImageScratch::ReadyWithFiles);
    assert_eq!(verdict.base, Some(Base::DistrolessStatic));
}

#[test]
fn an_unmet_symbol_version_stops_the_start_and_copying_the_libraries_does_not_help() {
    let old_libc = Elf::library("libc.so.6", &["ld-linux-x86-64.so.2"])
        .defines_versions(&["GLIBC_2.2.5", "GLIBC_2.30"])
        .build();
    let program = Elf::program().needs_versions("libc.so.6", &["GLIBC_2.2.5", "GLIBC_2.34"]);
    let img = image(
        Layer::new()
            .file_mode("app", 0o755, &program.build())
            .file(LOADER, &loader())
            .file("lib/x86_64-linux-gnu/libc.so.6", &old_libc),
        entry(&["/app"]),
    );
    let evaluation = judged(&img);
    let verdict = &evaluation.verdict;
    assert_eq!(verdict.starts, Starts::No, "{verdict:?}");
    assert!(
        verdict
            .start_reasons
            .iter()
            .any(|r| r.contains("needs GLIBC_2.34 from libc.so.6")),
        "{:?}",
        verdict.start_reasons
    );
    // The image's libc is too old: a scratch stage with a copy of it would fail the same way.
    assert_eq!(verdict.scratch, ImageScratch::Blocked);
    assert_eq!(verdict.base, Some(Base::DistrolessBase));
    let app = file(&img, &evaluation, "/app");
    assert!(
        app.verdict.summary.starts_with("fails here"),
        "{}",
        app.verdict.summary
    );
    assert_eq!(app.verdict.needs_glibc.as_deref(), Some("GLIBC_2.34"));
}

#[test]
fn the_image_base_is_fitted_to_the_programs_needs_with_the_loader_as_needed() {
    // Rust's std lists the loader in DT_NEEDED: distroless/cc has it, as every glibc base does.
    let rust = Elf::program().needs(&["libgcc_s.so.1", "libc.so.6", "ld-linux-x86-64.so.2"]);
    let img = image(
        Layer::new()
            .file_mode("app", 0o755, &rust.build())
            .file(LOADER, &loader())
            .file("lib/x86_64-linux-gnu/libc.so.6", &libc())
            .file(
                "lib/x86_64-linux-gnu/libgcc_s.so.1",
                &Elf::library("libgcc_s.so.1", &["libc.so.6"]).build(),
            ),
        entry(&["/app"]),
    );
    let verdict = judged(&img).verdict;
    assert_eq!(verdict.starts, Starts::Yes, "{verdict:?}");
    assert_eq!(verdict.base, Some(Base::DistrolessCc));
    // libselinux: only Debian slim has it.
    let selinux = Elf::program().needs(&["libselinux.so.1", "libc.so.6"]);
    let img = image(
        Layer::new()
            .file_mode("app", 0o755, &selinux.build())
            .file(LOADER, &loader())
            .file("lib/x86_64-linux-gnu/libc.so.6", &libc())
            .file(
                "lib/x86_64-linux-gnu/libselinux.so.1",
                &Elf::library("libselinux.so.1", &["libc.so.6"]).build(),
            ),
        entry(&["/app"]),
    );
    assert_eq!(judged(&img).verdict.base, Some(Base::Distribution));
}
