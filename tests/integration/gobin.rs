//! The Go readers (pclntab, DWARF, UPX, derived facts) on the committed fixtures, and on
//! copies with the section headers removed, which forces the pclntab magic scan.

use gostatic::elf::upx;
use gostatic::gobin::analysis::{self, AnalysisOptions, PathSource, VersionSource};
use gostatic::gobin::pclntab::{self, FoundBy, PclnVersion, Search};
use gostatic::gobin::{Binary, buildinfo, dwarf};
use gostatic::testkit::elf::without_section_headers;

use crate::util::fixture;

const GO_FIXTURES: [&str; 7] = [
    "go-static-stripped",
    "go-static-unstripped",
    "go-cgo-dynamic",
    "go-pie",
    "go-static-pie",
    "go-arm64",
    "go-mips",
];

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

fn all_options() -> AnalysisOptions {
    AnalysisOptions {
        dwarf: Some(dwarf::DwarfLimits::default()),
        version_fallback: true,
        ..AnalysisOptions::default()
    }
}

#[test]
fn every_go_fixture_has_a_pclntab_with_runtime_and_main() {
    for name in GO_FIXTURES {
        let data = read(name);
        let bin = Binary::parse(&data).unwrap();
        let found = pclntab::find(&bin).unwrap_or_else(|| panic!("{name}: no pclntab"));
        assert_eq!(found.found_by, FoundBy::Section, "{name}");
        assert_eq!(found.section.as_deref(), Some(".gopclntab"), "{name}");
        let facts = found.facts();
        assert_eq!(facts.layout, PclnVersion::Go120, "{name}");
        assert_eq!(facts.pointer_size, bin.pointer_size, "{name}");
        assert_eq!(facts.big_endian, bin.big_endian, "{name}");
        assert!(
            facts.functions > 1000 && facts.files > 100,
            "{name}: {facts:?}"
        );
        let names = found.collect_func_names(100_000);
        for needed in ["runtime.main", "main.main", "runtime.goexit"] {
            assert!(names.iter().any(|n| n == needed), "{name}: no {needed}");
        }
        assert!(
            found
                .table
                .file_names()
                .any(|f| f.ends_with("runtime/proc.go"))
        );
    }
}

#[test]
fn the_magic_scan_finds_the_same_table_without_section_headers() {
    for name in GO_FIXTURES {
        let original = read(name);
        let bin = Binary::parse(&original).unwrap();
        let by_section = pclntab::find(&bin).unwrap();
        let stripped = without_section_headers(original.clone());
        let bin = Binary::parse(&stripped).unwrap();
        assert!(bin.sections.is_empty(), "{name}");
        assert!(pclntab::find_with(&bin, Search::Named).is_none(), "{name}");
        let scanned = pclntab::find(&bin).unwrap_or_else(|| panic!("{name}: scan failed"));
        assert_eq!(scanned.found_by, FoundBy::MagicScan);
        assert_eq!(scanned.address, by_section.address, "{name}");
        assert_eq!(
            scanned.collect_func_names(100_000),
            by_section.collect_func_names(100_000),
            "{name}"
        );
    }
}

#[test]
fn c_binaries_have_no_go_facts() {
    for name in ["c-static", "c-dynamic"] {
        let data = read(name);
        let bin = Binary::parse(&data).unwrap();
        assert!(pclntab::find(&bin).is_none(), "{name}");
        let out = analysis::analyze(&bin, &all_options());
        assert!(out.pclntab.is_none() && out.functions.is_none() && out.version.is_none());
        assert_eq!(out.build_paths.count, 0);
        assert!(
            analysis::glibc_nss(&bin).is_none(),
            "{name}: hello world has no NSS"
        );
    }
}

#[test]
fn cgo_is_seen_in_cgo_builds_only() {
    for name in GO_FIXTURES {
        let data = read(name);
        let bin = Binary::parse(&data).unwrap();
        let functions = analysis::analyze(&bin, &AnalysisOptions::default())
            .functions
            .unwrap();
        let expect = matches!(name, "go-cgo-dynamic" | "go-static-pie");
        assert_eq!(functions.cgo.linked, expect, "{name}: {:?}", functions.cgo);
        if expect {
            assert!(functions.cgo.evidence.iter().any(|e| e == "crosscall2"));
        }
    }
}

#[test]
fn trimpath_builds_leak_no_paths_and_untrimmed_ones_do() {
    for name in GO_FIXTURES {
        let data = read(name);
        let bin = Binary::parse(&data).unwrap();
        let paths = analysis::analyze(&bin, &all_options()).build_paths;
        if name == "go-static-unstripped" {
            assert!(paths.count > 100, "{paths:?}");
            assert!(paths.goroot.is_some());
            assert_eq!(paths.workspace_paths, 1, "{paths:?}");
            assert!(
                paths.examples[0].ends_with("/src/hello/main.go"),
                "{paths:?}"
            );
            assert_eq!(paths.sources, [PathSource::Pclntab, PathSource::Dwarf]);
        } else {
            assert_eq!(paths.count, 0, "{name}: {paths:?}");
            assert!(paths.relative_paths > 100, "{name}");
        }
    }
}

#[test]
fn untrimmed_paths_survive_without_section_headers() {
    let data = without_section_headers(read("go-static-unstripped"));
    let bin = Binary::parse(&data).unwrap();
    let out = analysis::analyze(&bin, &all_options());
    assert!(out.dwarf.is_none(), "no section headers, no DWARF");
    assert!(out.build_paths.count > 100);
    assert_eq!(out.build_paths.sources, [PathSource::Pclntab]);
}

#[test]
fn dwarf_and_symtab_name_the_go_version() {
    let data = read("go-static-unstripped");
    let expected = std::fs::read_to_string(fixture("go-static-unstripped.goversion")).unwrap();
    let expected = expected.lines().next().unwrap().rsplit(' ').next().unwrap();
    let dwarf = dwarf::read(&data, &dwarf::DwarfLimits::default()).unwrap();
    assert_eq!(dwarf.go_version.as_deref(), Some(expected));
    assert!(
        dwarf
            .producers
            .iter()
            .all(|p| p.starts_with("Go cmd/compile"))
    );
    assert!(dwarf.compile_units > 10 && !dwarf.truncated);
    assert!(
        dwarf
            .files
            .iter()
            .any(|f| f.ends_with("/src/runtime/proc.go"))
    );
    let bin = Binary::parse(&data).unwrap();
    let version = analysis::go_version(&bin, None, None).unwrap();
    assert_eq!(version.source, VersionSource::Symtab);
    assert_eq!(version.version.as_deref(), Some(expected));
}

#[test]
fn dwarf_limits_bound_the_work() {
    let data = read("go-static-unstripped");
    let tiny = dwarf::DwarfLimits {
        max_decompressed: 1000,
        ..dwarf::DwarfLimits::default()
    };
    let out = dwarf::read(&data, &tiny).unwrap();
    assert!(out.truncated && out.compile_units == 0);
    let few = dwarf::DwarfLimits {
        max_units: 3,
        max_files: 10,
        ..dwarf::DwarfLimits::default()
    };
    let out = dwarf::read(&data, &few).unwrap();
    assert!(out.truncated && out.compile_units == 3 && out.files.len() <= 10);
}

#[test]
fn stripped_binaries_get_the_version_from_the_runtime_string() {
    let data = read("go-static-stripped");
    let bin = Binary::parse(&data).unwrap();
    let out = analysis::analyze(&bin, &all_options());
    let version = out.version.unwrap();
    assert_eq!(version.source, VersionSource::RuntimeString);
    let truth = buildinfo::read_bytes(&data).unwrap().go_version;
    assert_eq!(version.version.as_deref(), Some(&*truth.to_str_lossy()));
}

#[test]
fn stripped_binaries_without_the_runtime_string_get_a_range_from_the_pclntab() {
    let mut data = read("go-static-stripped");
    // Spoil every `go1.` in the file: no string header then names a release version.
    let at: Vec<usize> = memchr::memmem::find_iter(&data, b"go1.").collect();
    assert!(!at.is_empty());
    for i in at {
        data[i] = b'X';
    }
    let bin = Binary::parse(&data).unwrap();
    let out = analysis::analyze(&bin, &all_options());
    let version = out.version.unwrap();
    assert_eq!(version.source, VersionSource::Pclntab);
    assert!(version.version.is_none());
    assert!(version.at_least_minor.unwrap() >= 20);
}

#[test]
fn no_fixture_is_upx_packed() {
    for name in GO_FIXTURES.iter().chain(&["c-static", "c-dynamic"]) {
        assert!(upx::detect(&read(name)).is_none(), "{name}");
    }
}

#[test]
fn analysis_serializes() {
    let data = read("go-cgo-dynamic");
    let bin = Binary::parse(&data).unwrap();
    let json = serde_json::to_value(analysis::analyze(&bin, &all_options())).unwrap();
    assert_eq!(json["pclntab"]["layout"], "1.20");
    assert_eq!(json["pclntab"]["found_by"], "section");
    assert_eq!(json["functions"]["cgo"]["linked"], true);
    assert_eq!(json["build_paths"]["count"], 0);
}

/// Cross-check against Go's `debug/gosym` on a directory of ELF Go binaries:
/// `(cd testdata/tools/pclnlist && go build -o /tmp/pclnlist .)`, then
/// `PCLNLIST=/tmp/pclnlist GOSTATIC_CROSSCHECK_DIR=dir cargo test --test integration
/// crosscheck -- --ignored --nocapture`. Each file must give the same set of function names
/// by section and, with its section headers removed, by the magic scan.
#[test]
#[ignore = "needs a Go-built helper and a directory of Go binaries"]
#[allow(clippy::print_stderr)]
fn crosscheck_pclntab_against_debug_gosym() {
    use std::collections::BTreeSet;
    let tool = std::env::var("PCLNLIST").expect("PCLNLIST");
    let dir = std::env::var("GOSTATIC_CROSSCHECK_DIR").expect("GOSTATIC_CROSSCHECK_DIR");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let mut checked = 0;
    for path in paths {
        let data = std::fs::read(&path).unwrap();
        if !data.starts_with(b"\x7fELF") {
            continue;
        }
        let output = std::process::Command::new(&tool)
            .args(["funcs", "."])
            .arg(&path)
            .output()
            .unwrap();
        if !output.status.success() {
            // Not a Go binary for debug/gosym (a C program): ours must find no table either.
            let bin = Binary::parse(&data).unwrap();
            assert!(pclntab::find(&bin).is_none(), "{}", path.display());
            continue;
        }
        let expected: BTreeSet<String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        let bin = Binary::parse(&data).unwrap();
        let ours = pclntab::find(&bin).unwrap();
        let names: BTreeSet<String> = ours.collect_func_names(usize::MAX).into_iter().collect();
        assert_eq!(names, expected, "{}", path.display());
        let bare = without_section_headers(data.clone());
        let scanned = pclntab::find(&Binary::parse(&bare).unwrap()).unwrap();
        let scanned: BTreeSet<String> =
            scanned.collect_func_names(usize::MAX).into_iter().collect();
        assert_eq!(scanned, expected, "{} (scan)", path.display());
        let facts = ours.facts();
        eprintln!(
            "{}: layout {:?} ptr {} big-endian {} quantum {} functions {} ({} distinct) ok",
            path.file_name().unwrap().to_string_lossy(),
            facts.layout,
            facts.pointer_size,
            facts.big_endian,
            facts.quantum,
            facts.functions,
            names.len()
        );
        checked += 1;
    }
    assert!(checked > 0, "no ELF files in the directory");
}
