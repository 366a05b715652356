//! GS505 on synthetic images: programs and libraries with DT_VERNEED, libraries with DT_VERDEF.

use super::*;
use crate::rules::image::libs::resolve_all;
use crate::testkit::elf::Synth as Elf;
use crate::testkit::image::{Config, Layer, image};

const LOADER: &str = "lib64/ld-linux-x86-64.so.2";
const LIBC: &str = "lib/x86_64-linux-gnu/libc.so.6";

/// glibc's versions up to `last` (`GLIBC_2.31`): what a libc of that release defines.
fn glibc_defs(last: u32) -> Vec<String> {
    let mut defs = vec!["GLIBC_2.2.5".to_string(), "GLIBC_2.3".to_string()];
    defs.extend((4..=last).map(|minor| format!("GLIBC_2.{minor}")));
    defs.push("GLIBC_PRIVATE".into());
    defs
}

fn libc(last: u32) -> Vec<u8> {
    let defs = glibc_defs(last);
    let defs: Vec<&str> = defs.iter().map(String::as_str).collect();
    Elf::library("libc.so.6", &["ld-linux-x86-64.so.2"])
        .defines_versions(&defs)
        .needs_versions("ld-linux-x86-64.so.2", &["GLIBC_PRIVATE"])
        .build()
}

fn loader() -> Vec<u8> {
    Elf::library("ld-linux-x86-64.so.2", &[])
        .defines_versions(&["GLIBC_2.2.5", "GLIBC_2.3", "GLIBC_PRIVATE"])
        .build()
}

fn unmet_of(layer: &mut Layer) -> Vec<Unmet> {
    let img = image(layer, Config::default());
    let libraries = resolve_all(&img);
    let executables = Executables::new(&img);
    libraries
        .closures
        .iter()
        .flat_map(|c| unmet(&img, &executables, c))
        .collect()
}

fn versions(unmet: &[Unmet]) -> Vec<&str> {
    unmet.iter().map(|u| u.version.as_str()).collect()
}

#[test]
fn a_version_newer_than_the_image_libc_is_unmet() {
    let program = Elf::program().needs_versions("libc.so.6", &["GLIBC_2.2.5", "GLIBC_2.34"]);
    let got = unmet_of(
        Layer::new()
            .file("app/cgohello", &program.build())
            .file(LOADER, &loader())
            .file(LIBC, &libc(31)),
    );
    assert_eq!(versions(&got), ["GLIBC_2.34"]);
    assert_eq!(got[0].library, "libc.so.6");
    assert_eq!(got[0].path, "/lib/x86_64-linux-gnu/libc.so.6");
    assert_eq!(got[0].newest.as_deref(), Some("GLIBC_2.31"));
    assert_eq!(got[0].needed_by, None);

    let message = finding("/app/cgohello", true, &got[0]).message;
    assert_eq!(
        message,
        "/app/cgohello needs GLIBC_2.34 from libc.so.6; the image's libc.so.6 \
         (/lib/x86_64-linux-gnu/libc.so.6) defines up to GLIBC_2.31"
    );
    // With the release the library's banner gives.
    let released = Unmet {
        release: Some("2.31".into()),
        ..got[0].clone()
    };
    assert!(
        finding("/app/cgohello", true, &released)
            .message
            .contains("(/lib/x86_64-linux-gnu/libc.so.6, glibc 2.31) defines up to GLIBC_2.31")
    );
    let fix = finding("/app/cgohello", true, &got[0]).fix;
    assert!(
        fix.contains("gcr.io/distroless/base-debian12 (glibc 2.36)"),
        "{fix}"
    );
    assert!(fix.contains("CGO_ENABLED=0"), "{fix}");

    // The same program with a libc that defines it: nothing.
    let got = unmet_of(
        Layer::new()
            .file("app/cgohello", &program.build())
            .file(LOADER, &loader())
            .file(LIBC, &libc(36)),
    );
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn versions_compare_by_name_so_2_10_is_not_older_than_2_9() {
    // A libc that defines up to 2.9 lacks 2.10; one that defines up to 2.10 has it, though
    // "GLIBC_2.10" < "GLIBC_2.9" as text.
    let program = Elf::program().needs_versions("libc.so.6", &["GLIBC_2.10"]);
    let with = |last| {
        unmet_of(
            Layer::new()
                .file("app", &program.build())
                .file(LOADER, &loader())
                .file(LIBC, &libc(last)),
        )
    };
    let old = with(9);
    assert_eq!(versions(&old), ["GLIBC_2.10"]);
    assert_eq!(old[0].newest.as_deref(), Some("GLIBC_2.9"));
    assert!(with(10).is_empty());
}

#[test]
fn a_library_needs_are_checked_too_and_libstdcxx_versions_count() {
    let program = Elf::program()
        .needs(&["libc.so.6", "libstdc++.so.6"])
        .needs_versions("libstdc++.so.6", &["GLIBCXX_3.4.30", "CXXABI_1.3"]);
    let libstdcxx = Elf::library("libstdc++.so.6", &["libc.so.6"])
        .defines_versions(&[
            "GLIBCXX_3.4",
            "GLIBCXX_3.4.9",
            "GLIBCXX_3.4.28",
            "CXXABI_1.3",
        ])
        .needs_versions("libc.so.6", &["GLIBC_2.2.5", "GLIBC_2.33"]);
    let got = unmet_of(
        Layer::new()
            .file("app", &program.build())
            .file(LOADER, &loader())
            .file(LIBC, &libc(31))
            .file(
                "usr/lib/x86_64-linux-gnu/libstdc++.so.6",
                &libstdcxx.build(),
            ),
    );
    assert_eq!(versions(&got), ["GLIBCXX_3.4.30", "GLIBC_2.33"]);
    assert_eq!(got[0].newest.as_deref(), Some("GLIBCXX_3.4.28"));
    assert_eq!(
        got[1].needed_by.as_deref(),
        Some("/usr/lib/x86_64-linux-gnu/libstdc++.so.6")
    );
    let message = finding("/app", false, &got[1]).message;
    assert!(
        message.starts_with(
            "/app needs GLIBC_2.33 from libc.so.6 (through /usr/lib/x86_64-linux-gnu/libstdc++.so.6)"
        ),
        "{message}"
    );
    let fix = finding("/app", false, &got[0]).fix;
    assert!(fix.contains("gcr.io/distroless/cc-debian12"), "{fix}");
}

#[test]
fn unversioned_weak_or_absent_is_not_gs505() {
    // No DT_VERNEED at all: nothing to check.
    let plain = unmet_of(
        Layer::new()
            .file("app", &Elf::program().build())
            .file(LOADER, &loader())
            .file(LIBC, &libc(31)),
    );
    assert!(plain.is_empty());
    // A library without DT_VERDEF: ld.so only warns ("no version information available").
    let unversioned = unmet_of(
        Layer::new()
            .file(
                "app",
                &Elf::program()
                    .needs(&["libc.so.6", "libv.so.1"])
                    .needs_versions("libv.so.1", &["V_2"])
                    .build(),
            )
            .file(LOADER, &loader())
            .file(LIBC, &libc(31))
            .file("lib/libv.so.1", &Elf::library("libv.so.1", &[]).build()),
    );
    assert!(unversioned.is_empty(), "{unversioned:?}");
    // A weak need: ld.so only warns when it is missing.
    let weak = unmet_of(
        Layer::new()
            .file(
                "app",
                &Elf::program()
                    .needs_versions("libc.so.6", &["GLIBC_2.2.5", "GLIBC_2.34"])
                    .weak_versions(&["GLIBC_2.34"])
                    .build(),
            )
            .file(LOADER, &loader())
            .file(LIBC, &libc(31)),
    );
    assert!(weak.is_empty(), "{weak:?}");
    // libc absent: GS504's finding, not ours.
    let absent = unmet_of(
        Layer::new()
            .file(
                "app",
                &Elf::program()
                    .needs_versions("libc.so.6", &["GLIBC_2.34"])
                    .build(),
            )
            .file(LOADER, &loader()),
    );
    assert!(absent.is_empty(), "{absent:?}");
}

#[test]
fn the_loader_answers_for_its_own_versions() {
    // libc.so.6 needs GLIBC_PRIVATE from ld-linux-x86-64.so.2, which defines it; a program
    // that needs a version the loader lacks is reported against the loader.
    let program = Elf::program()
        .needs(&["libc.so.6", "ld-linux-x86-64.so.2"])
        .needs_versions("ld-linux-x86-64.so.2", &["GLIBC_2.35"]);
    let got = unmet_of(
        Layer::new()
            .file("app", &program.build())
            .file(LOADER, &loader())
            .file(LIBC, &libc(36)),
    );
    assert_eq!(versions(&got), ["GLIBC_2.35"]);
    assert_eq!(got[0].path, "/lib64/ld-linux-x86-64.so.2");
}

#[test]
fn musl_programs_are_not_judged() {
    let program = Elf::program()
        .interp(Some("/lib/ld-musl-x86_64.so.1"))
        .needs(&["libc.musl-x86_64.so.1"])
        .needs_versions("libc.musl-x86_64.so.1", &["GLIBC_2.34"]);
    let got = unmet_of(Layer::new().file("app", &program.build()).file(
        "lib/ld-musl-x86_64.so.1",
        &Elf::library("libc.musl-x86_64.so.1", &[]).build(),
    ));
    assert!(got.is_empty());
}

#[test]
fn each_unmet_version_is_one_gs505_error_on_the_program() {
    let program = Elf::program().needs_versions("libc.so.6", &["GLIBC_2.32", "GLIBC_2.34"]);
    let img = image(
        Layer::new()
            .file("app", &program.build())
            .file(LOADER, &loader())
            .file(LIBC, &libc(31)),
        Config::default(),
    );
    let mut collected = Collected::default();
    check(&img, &resolve_all(&img), &mut collected);
    let findings: Vec<&Finding> = collected
        .file_updates
        .iter()
        .flat_map(|u| u.add.iter())
        .collect();
    assert_eq!(findings.len(), 2);
    assert!(
        findings
            .iter()
            .all(|f| f.rule == Rule::SymbolVersions && f.severity == crate::rules::Severity::Error)
    );
    assert_eq!(findings[1].key.as_deref(), Some("libc.so.6 GLIBC_2.34"));
}
