//! GS504 on synthetic images: each way ld.so finds a library, and each way it fails.

use super::*;
use crate::facts::FileFacts;
use crate::rules::Severity;
use crate::testkit::elf::{EM_386, Synth as Elf};
use crate::testkit::image::Layer;
use crate::testkit::image::{Config, image};

const LOADER: &str = "lib64/ld-linux-x86-64.so.2";

fn loader() -> Vec<u8> {
    Elf::library("ld-linux-x86-64.so.2", &[]).build()
}

fn libc() -> Vec<u8> {
    Elf::library("libc.so.6", &["ld-linux-x86-64.so.2"]).build()
}

fn closure_of(img: &Image<FileFacts>, program: &str) -> Closure {
    let index = img
        .files
        .iter()
        .position(|f| f.image_path == program)
        .unwrap_or_else(|| panic!("{program} analysed"));
    resolve_all(img).of(index).cloned().expect("a closure")
}

fn evaluate(img: &Image<FileFacts>) -> Collected {
    let mut evaluation = Collected::default();
    check(img, &resolve_all(img), &mut evaluation);
    evaluation
}

fn messages(evaluation: &Collected) -> Vec<String> {
    evaluation
        .file_updates
        .iter()
        .flat_map(|u| u.add.iter())
        .filter(|f| f.rule == Rule::MissingLibraries)
        .map(|f| f.message.clone())
        .collect()
}

#[test]
fn found_in_the_default_directories_turns_the_scratch_findings_into_notes() {
    let img = image(
        Layer::new()
            .file("app", &Elf::program().build())
            .file(LOADER, &loader())
            .file("lib/x86_64-linux-gnu/libc.so.6", &libc()),
        Config::default(),
    );
    let closure = closure_of(&img, "/app");
    assert!(closure.missing.is_empty(), "{:?}", closure.missing);
    assert_eq!(
        closure.loader.as_ref().map(|l| l.path.as_str()),
        Some("/lib64/ld-linux-x86-64.so.2")
    );
    assert_eq!(
        closure.libraries.len(),
        1,
        "libc's NEEDED loader is the loader"
    );
    assert_eq!(closure.libraries[0].path, "/lib/x86_64-linux-gnu/libc.so.6");
    assert!(!closure.libraries[0].via_cache);

    let evaluation = evaluate(&img);
    let update = &evaluation.file_updates[0];
    assert_eq!(
        update.drop,
        [Rule::DynamicInterpreter, Rule::NeededLibraries]
    );
    let added: Vec<(Rule, Severity)> = update.add.iter().map(|f| (f.rule, f.severity)).collect();
    assert_eq!(
        added,
        [
            (Rule::DynamicInterpreter, Severity::Note),
            (Rule::NeededLibraries, Severity::Note)
        ]
    );
}

#[test]
fn found_through_an_ld_so_conf_include_when_the_cache_exists() {
    let layer = || {
        let mut layer = Layer::new();
        layer
            .file(
                "app",
                &Elf::program().needs(&["libc.so.6", "libv.so.1"]).build(),
            )
            .file(LOADER, &loader())
            .file("usr/lib64/libc.so.6", &libc())
            .file("etc/ld.so.conf", b"include /etc/ld.so.conf.d/*.conf\n")
            .file("etc/ld.so.conf.d/vendor.conf", b"/opt/vendor/lib\n")
            .file(
                "opt/vendor/lib/libv.so.1",
                &Elf::library("libv.so.1", &[]).build(),
            );
        layer
    };
    let img = image(
        layer().file("etc/ld.so.cache", b"glibc-ld.so.cache1.1"),
        Config::default(),
    );
    let closure = closure_of(&img, "/app");
    assert!(closure.missing.is_empty(), "{:?}", closure.missing);
    let libv = &closure.libraries[1];
    assert_eq!(libv.path, "/opt/vendor/lib/libv.so.1");
    assert!(libv.via_cache);

    let no_cache = image(&layer(), Config::default());
    assert_eq!(
        messages(&evaluate(&no_cache)),
        [
            "/app needs libv.so.1, which is not in the image (searched /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64, /usr/lib64, /lib, /usr/lib)"
        ],
        "without ld.so.cache the loader never learns of ld.so.conf"
    );
}

#[test]
fn runpath_origin_is_the_programs_directory_and_hides_rpath() {
    let program = Elf::program()
        .needs(&["libc.so.6", "libapp.so"])
        .runpath("$ORIGIN/../lib")
        .rpath("/nowhere");
    let img = image(
        Layer::new()
            .file("srv/bin/server", &program.build())
            .file(LOADER, &loader())
            .file("lib/x86_64-linux-gnu/libc.so.6", &libc())
            .file("srv/lib/libapp.so", &Elf::library("libapp.so", &[]).build()),
        Config::default(),
    );
    let closure = closure_of(&img, "/srv/bin/server");
    assert!(closure.missing.is_empty(), "{:?}", closure.missing);
    assert_eq!(closure.libraries[1].path, "/srv/lib/libapp.so");

    let lost = image(
        Layer::new()
            .file("srv/bin/server", &program.needs(&["libgone.so"]).build())
            .file(LOADER, &loader()),
        Config::default(),
    );
    let message = &messages(&evaluate(&lost))[0];
    assert!(
        message.contains("searched /srv/lib, /lib/x86_64-linux-gnu"),
        "{message}"
    );
    assert!(
        !message.contains("/nowhere"),
        "RPATH is ignored with RUNPATH: {message}"
    );
}

#[test]
fn rpath_of_the_program_applies_to_its_libraries_and_ld_library_path_is_read() {
    let img = image(
        Layer::new()
            .file(
                "app",
                &Elf::program()
                    .needs(&["libc.so.6", "liba.so"])
                    .rpath("/opt/r")
                    .build(),
            )
            .file(LOADER, &loader())
            .file("lib/x86_64-linux-gnu/libc.so.6", &libc())
            .file(
                "opt/e/liba.so",
                &Elf::library("liba.so", &["libb.so"]).build(),
            )
            .file("opt/r/libb.so", &Elf::library("libb.so", &[]).build()),
        Config {
            env: vec!["LD_LIBRARY_PATH=/opt/e".into()],
            ..Config::default()
        },
    );
    let closure = closure_of(&img, "/app");
    assert!(closure.missing.is_empty(), "{:?}", closure.missing);
    let paths: Vec<&str> = closure.libraries.iter().map(|l| l.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/lib/x86_64-linux-gnu/libc.so.6",
            "/opt/e/liba.so",
            "/opt/r/libb.so"
        ]
    );
}

#[test]
fn a_library_of_the_wrong_class_is_skipped() {
    let libc32 = Elf::library("libc.so.6", &[])
        .machine(false, EM_386)
        .build();
    let img = image(
        Layer::new()
            .file("app", &Elf::program().build())
            .file(LOADER, &loader())
            .file("lib/x86_64-linux-gnu/libc.so.6", &libc32)
            .file("usr/lib64/libc.so.6", &libc()),
        Config::default(),
    );
    let closure = closure_of(&img, "/app");
    assert!(closure.missing.is_empty(), "{:?}", closure.missing);
    assert_eq!(closure.libraries[0].path, "/usr/lib64/libc.so.6");

    let only32 = image(
        Layer::new()
            .file("app", &Elf::program().build())
            .file(LOADER, &loader())
            .file("lib/x86_64-linux-gnu/libc.so.6", &libc32),
        Config::default(),
    );
    let message = &messages(&evaluate(&only32))[0];
    assert!(
        message.ends_with("skipped /lib/x86_64-linux-gnu/libc.so.6 (ELF32 i386))"),
        "{message}"
    );
}

#[test]
fn a_missing_loader_and_library_are_named_once_each_and_the_scratch_findings_become_notes() {
    let img = image(
        Layer::new().file("server", &Elf::program().build()),
        Config::default(),
    );
    let evaluation = evaluate(&img);
    assert_eq!(
        messages(&evaluation),
        [
            "/server needs the ELF interpreter /lib64/ld-linux-x86-64.so.2, which is not in the image",
            "/server needs libc.so.6, which is not in the image (searched /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64, /usr/lib64, /lib, /usr/lib)",
        ]
    );
    let update = &evaluation.file_updates[0];
    assert_eq!(
        update.drop,
        [Rule::DynamicInterpreter, Rule::NeededLibraries]
    );
    let errors: Vec<Rule> = update
        .add
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.rule)
        .collect();
    assert_eq!(errors, [Rule::MissingLibraries, Rule::MissingLibraries]);
    assert!(
        update.add[2]
            .message
            .ends_with("/lib64/ld-linux-x86-64.so.2: the image does not have it (GS504)"),
        "{}",
        update.add[2].message
    );
    assert!(
        update.add[0]
            .fix
            .contains("COPY --from=build /lib64/ld-linux-x86-64.so.2 /lib64/"),
        "{}",
        update.add[0].fix
    );
    assert!(
        update.add[1]
            .fix
            .contains("COPY --from=build /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/"),
        "{}",
        update.add[1].fix
    );
}

#[test]
fn a_missing_transitive_dependency_names_the_library_that_needs_it() {
    let img = image(
        Layer::new()
            .file(
                "app",
                &Elf::program().needs(&["libc.so.6", "libfoo.so.1"]).build(),
            )
            .file(LOADER, &loader())
            .file("lib/x86_64-linux-gnu/libc.so.6", &libc())
            .file(
                "usr/lib/libfoo.so.1",
                &Elf::library("libfoo.so.1", &["libc.so.6", "libbar.so.2"]).build(),
            ),
        Config::default(),
    );
    let messages = messages(&evaluate(&img));
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with(
            "/app needs libbar.so.2 (needed by /usr/lib/libfoo.so.1), which is not in the image"
        ),
        "{}",
        messages[0]
    );
}

#[test]
fn musl_reads_its_path_file_and_answers_libc_itself() {
    let program = Elf::program()
        .interp(Some("/lib/ld-musl-x86_64.so.1"))
        .needs(&["libc.musl-x86_64.so.1", "libz.so.1"]);
    let musl = Elf::library("libc.musl-x86_64.so.1", &[]).build();
    let with_path = image(
        Layer::new()
            .file("app", &program.build())
            .file("lib/ld-musl-x86_64.so.1", &musl)
            .file("etc/ld-musl-x86_64.path", b"/opt/z\n/lib\n")
            .file("opt/z/libz.so.1", &Elf::library("libz.so.1", &[]).build()),
        Config::default(),
    );
    let closure = closure_of(&with_path, "/app");
    assert!(closure.missing.is_empty(), "{:?}", closure.missing);
    assert_eq!(closure.flavor, Flavor::Musl("x86_64".into()));
    assert_eq!(closure.libraries.len(), 1);

    let without = image(
        Layer::new()
            .file("app", &program.build())
            .file("lib/ld-musl-x86_64.so.1", &musl),
        Config::default(),
    );
    assert_eq!(
        messages(&evaluate(&without)),
        [
            "/app needs libz.so.1, which is not in the image (searched /lib, /usr/local/lib, /usr/lib)"
        ]
    );
}

#[test]
fn symlinked_libraries_and_directories_resolve_inside_the_root() {
    let img = image(
        Layer::new()
            .file("app", &Elf::program().build())
            .symlink("lib64", "usr/lib64")
            .symlink("lib", "usr/lib")
            .file("usr/lib64/ld-linux-x86-64.so.2", &loader())
            .file("usr/lib/x86_64-linux-gnu/libc-2.36.so", &libc())
            .symlink("usr/lib/x86_64-linux-gnu/libc.so.6", "libc-2.36.so"),
        Config::default(),
    );
    let closure = closure_of(&img, "/app");
    assert!(closure.missing.is_empty(), "{:?}", closure.missing);
    let loader = closure.loader.expect("loader");
    assert_eq!(loader.path, "/lib64/ld-linux-x86-64.so.2");
    assert_eq!(loader.real, "/usr/lib64/ld-linux-x86-64.so.2");
    assert_eq!(closure.libraries[0].path, "/lib/x86_64-linux-gnu/libc.so.6");
    assert_eq!(
        closure.libraries[0].real,
        "/usr/lib/x86_64-linux-gnu/libc-2.36.so"
    );
}

#[test]
fn a_file_that_is_not_an_elf_does_not_count() {
    let img = image(
        Layer::new()
            .file("app", &Elf::program().build())
            .file(LOADER, &loader())
            .file("lib/x86_64-linux-gnu/libc.so.6", b"GROUP ( libc.so.6 )\n"),
        Config::default(),
    );
    let messages = messages(&evaluate(&img));
    assert!(
        messages[0].contains("skipped /lib/x86_64-linux-gnu/libc.so.6 (not a loadable ELF file)"),
        "{messages:?}"
    );
}

#[test]
fn static_programs_and_libraries_are_not_resolved() {
    let img = image(
        Layer::new()
            .file("app", &Elf::static_program().build())
            .file(
                "usr/lib/libx.so",
                &Elf::library("libx.so", &["libmissing.so"]).build(),
            ),
        Config::default(),
    );
    assert!(resolve_all(&img).closures.is_empty());
}
