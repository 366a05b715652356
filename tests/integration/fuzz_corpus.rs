//! Corpus replay: every saved fuzz input (`fuzz/corpus/<target>/`, `fuzz/regressions/<target>/`)
//! goes through the same invariant function the fuzzer calls (`gostatic::fuzzing`), so
//! `cargo test` keeps every crash fixed on stable Rust without cargo-fuzz.
//!
//! The synthetic seeds are written by `write_elf_seeds` (ignored; run it with
//! `cargo test --test integration -- --ignored write_elf_seeds` after changing the builder).

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use gostatic::elf;
use gostatic::fuzzing::TARGETS;

use gostatic::testkit::elf::*;
use gostatic::testkit::minimal::{macho_arm64, pe64};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_saved_input_keeps_every_invariant() {
    for (name, target) in TARGETS {
        let corpus = inputs(&fuzz_dir().join("corpus").join(name));
        assert!(!corpus.is_empty(), "fuzz/corpus/{name}/ has no seeds");
        let regressions = inputs(&fuzz_dir().join("regressions").join(name));
        let mut broken = Vec::new();
        for path in corpus.iter().chain(&regressions) {
            let data = fs::read(path).unwrap();
            if panic::catch_unwind(AssertUnwindSafe(|| target(&data))).is_err() {
                broken.push(path.display().to_string());
            }
        }
        assert!(broken.is_empty(), "{name}: invariants broken by {broken:?}");
    }
}

/// The seeds: one of each shape the readers know, small enough to mutate quickly.
fn elf_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut static64 = Synth::exec64();
    static64.sections = vec![
        Section::new(
            ".text",
            SHT_PROGBITS,
            SHF_ALLOC | SHF_EXECINSTR,
            vec![0xc3; 16],
        ),
        Section::new(".debug_info", SHT_PROGBITS, 0, vec![1; 32]),
        Section::new(
            ".gopclntab",
            SHT_PROGBITS,
            SHF_ALLOC,
            vec![0xf1, 0xff, 0xff, 0xff],
        ),
    ];
    let mut symtab = Section::new(".symtab", SHT_SYMTAB, 0, vec![0; 48]);
    symtab.link = 5;
    static64.sections.push(symtab);
    static64
        .sections
        .push(Section::new(".strtab", SHT_STRTAB, 0, b"\0main\0".to_vec()));

    let dynamic64 = Synth {
        loader_sections: true,
        runpath: Some("$ORIGIN/lib".into()),
        ..Synth::dynamic64()
    };
    let mips = Synth {
        is_64: false,
        little_endian: false,
        machine: EM_MIPS,
        loader_sections: true,
        ..Synth::dynamic64()
    };
    let mut tampered = Synth::dynamic64();
    tampered.sections = vec![Section::new(
        ".interp",
        SHT_PROGBITS,
        SHF_ALLOC,
        b"/lib/ld-musl-x86_64.so.1\0".to_vec(),
    )];
    let shared = Synth {
        soname: Some("libfuzz.so.1".into()),
        flags_1: 0,
        interp: None,
        loader_sections: true,
        ..Synth::dynamic64()
    };
    let static_pie = Synth {
        interp: None,
        needed: Vec::new(),
        dynamic: true,
        ..Synth::dynamic64()
    };
    let mut zstd32 = Synth {
        is_64: false,
        gnu_stacks: vec![PF_R | PF_W | PF_X],
        extra_loads: vec![PF_R | PF_W | PF_X],
        ..Synth::exec64()
    };
    let compressed = zstd32.compressed(2, 4096, &[0x28, 0xb5, 0x2f, 0xfd]);
    zstd32.sections = vec![Section::new(
        ".debug_info",
        SHT_PROGBITS,
        SHF_COMPRESSED,
        compressed,
    )];
    let no_sections = Synth {
        section_headers: false,
        ..Synth::dynamic64()
    };
    let truncated = Synth::dynamic64().build()[..100].to_vec();

    vec![
        ("static64", static64.build()),
        ("dynamic64", dynamic64.build()),
        ("mips32be-dynamic", mips.build()),
        ("tampered-interp", tampered.build()),
        ("shared-library", shared.build()),
        ("static-pie", static_pie.build()),
        ("elf32-zstd-dwarf-wx", zstd32.build()),
        ("dynamic64-no-sections", no_sections.build()),
        ("truncated-phdrs", truncated),
        ("pe64", pe64()),
        ("macho-arm64", macho_arm64()),
    ]
}

#[test]
#[ignore = "writes fuzz/corpus/elf/; run by hand after changing the seeds"]
fn write_elf_seeds() {
    let dir = fuzz_dir().join("corpus").join("elf");
    fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in elf_seeds() {
        fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
    }
}

#[test]
fn seeds_are_committed_and_current() {
    let dir = fuzz_dir().join("corpus").join("elf");
    for (name, bytes) in elf_seeds() {
        let saved = fs::read(dir.join(format!("seed-{name}"))).unwrap();
        assert!(saved == bytes, "seed-{name} is stale: run write_elf_seeds");
    }
}

/// The seed whose sections sit on the loader's bytes exercises the strongest invariant, so
/// make sure it really does: both views are read and agree.
#[test]
fn linker_layout_seeds_compare_both_views() {
    for (name, bytes) in elf_seeds() {
        let expected = match name {
            "dynamic64" | "mips32be-dynamic" | "shared-library" => Some(true),
            "tampered-interp" => Some(false),
            _ => continue,
        };
        let facts = elf::read(&bytes).unwrap();
        assert_eq!(facts.views_agree, expected, "{name}");
        if expected == Some(false) {
            continue;
        }
        // The oracle's same-bytes checks fire only when the ranges match exactly.
        let view = elf::loader::read(&bytes).unwrap();
        let sections = elf::sections::read(&bytes, view.is_64).unwrap();
        let dynamic = view
            .segments
            .iter()
            .find(|s| s.p_type == PT_DYNAMIC)
            .unwrap();
        let ranges = sections.needed_ranges.unwrap();
        assert_eq!(ranges.dynamic, (dynamic.offset, dynamic.filesz), "{name}");
        let strtab = view.dynamic.as_ref().and_then(|d| d.strtab_range);
        assert_eq!(strtab, Some(ranges.strtab), "{name}");
        if let Some(interp) = view.segments.iter().find(|s| s.p_type == PT_INTERP) {
            let range = Some((interp.offset, interp.filesz));
            assert_eq!(sections.interpreter_range, range, "{name}");
        }
    }
}
