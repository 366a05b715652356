//! Fuzz oracles: one function per parser of untrusted bytes, each running the parser and
//! everything downstream of it, and panicking when an invariant breaks. The cargo-fuzz targets
//! in `fuzz/` call these, and `tests/integration/fuzz_corpus.rs` replays every saved input
//! through them, so a crash found by the fuzzer stays a test on stable Rust.
//!
//! A new target is one function here, one entry in `TARGETS`, one file in `fuzz/fuzz_targets/`
//! and one `fuzz/corpus/<name>/` directory. Not part of the public API.

use goblin::elf::program_header::{PT_DYNAMIC, PT_INTERP};

use crate::elf::{self, ElfFacts, LoaderView, SectionView, loader, sections, upx};
use crate::report::{self, Report};
use crate::run::{self, Options};

/// An oracle: runs one parser on any bytes and panics if an invariant breaks.
pub type Target = fn(&[u8]);

/// Every fuzz target by name; the name is also its corpus directory.
pub const TARGETS: &[(&str, Target)] = &[
    ("elf", elf),
    ("buildinfo", buildinfo),
    ("pclntab", pclntab),
    ("upx", upx),
    ("tar", tar),
    ("image", archive),
];

mod gobin;
mod image;
#[cfg(test)]
mod seeds;

pub use gobin::{buildinfo, modinfo, pclntab};
pub use image::{archive, tar};

/// The ELF reader and the whole `check` path behind it.
///
/// Invariants, on any bytes:
/// - nothing panics; `elf::read` returns facts or an error;
/// - the facts repeat the loader's view (interpreter, NEEDED, linking class) and the section
///   count;
/// - `views_agree` is exactly the comparison of the two views: null when the section table has
///   neither `.interp` nor a readable SHT_DYNAMIC, else whether every part it has matches;
/// - where both views read the same bytes they decode them the same way: a `.interp` section
///   covering exactly the first non-empty PT_INTERP gives the same interpreter, and an
///   SHT_DYNAMIC covering exactly the first PT_DYNAMIC, with a string table at exactly the
///   loader's DT_STRTAB/DT_STRSZ range, gives the same NEEDED list;
/// - `run::analyse` (rules, verdict) accepts an ELF exactly when `elf::read` does, and its
///   report renders as JSON that parses back, as text, and as a CycloneDX SBOM that parses
///   back with unique `bom-ref`s that its dependencies name.
///
/// The views may legitimately disagree when they point at different bytes: that is what a
/// packer or a tampered section table looks like, and `views_agree: false` reports it. So the
/// oracle never asserts agreement of views read from different places.
pub fn elf(data: &[u8]) {
    let facts = elf::read(data);
    if let Ok(facts) = &facts {
        check_elf_facts(data, facts);
    }
    let is_elf = data.starts_with(loader::ELF_MAGIC);
    for named in [true, false] {
        let options = Options {
            hash: true,
            ..Options::default()
        };
        match run::analyse("fuzz-input", data, named, &options) {
            Ok(Some(file)) => {
                if is_elf {
                    assert!(
                        facts.is_ok(),
                        "analyse reported an ELF that elf::read refused"
                    );
                }
                render(Report::new(vec![file], Vec::new()));
            }
            Ok(None) => assert!(
                !named,
                "a named input is reported or refused, never skipped"
            ),
            Err(kind) => {
                if is_elf {
                    assert!(facts.is_err(), "analyse refused an ELF that elf::read read");
                }
                let error = crate::error::InputError {
                    path: "fuzz-input".into(),
                    kind,
                };
                render(Report::new(Vec::new(), vec![error]));
            }
        }
    }
}

fn check_elf_facts(data: &[u8], facts: &ElfFacts) {
    let view = loader::read(data).expect("elf::read succeeded, so the loader view parses");
    let sections =
        sections::read(data, view.is_64).expect("elf::read succeeded, so the section view parses");

    assert_eq!(facts.interpreter, view.interpreter);
    assert_eq!(facts.needed, view.needed());
    assert_eq!(facts.section_headers, sections.count);
    if !sections.code_stripped {
        assert_eq!(facts.linking, elf::classify(&view));
    }
    assert_eq!(
        facts.strip_savings_bytes,
        facts.symtab_bytes + facts.dwarf_bytes
    );

    let interpreter_matches = sections
        .interpreter
        .as_ref()
        .map(|interp| view.interpreter.as_ref() == Some(interp));
    let needed_matches = sections
        .needed
        .as_ref()
        .map(|needed| view.needed() == needed.as_slice());
    let expected = match (interpreter_matches, needed_matches) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(true) && b.unwrap_or(true)),
    };
    assert_eq!(
        facts.views_agree, expected,
        "views_agree is not the comparison"
    );

    check_same_bytes_same_answer(&view, &sections);
    check_versions(data, &view, facts);
}

/// Symbol versions come from the loader's PT_DYNAMIC and stay within their limits whatever the
/// chains say: at most `MAX_ENTRIES` needs and definitions, no name longer than `MAX_NAME`
/// bytes before lossy decoding, every weak need among the needs.
fn check_versions(data: &[u8], view: &LoaderView, facts: &ElfFacts) {
    use crate::elf::versions::{self, MAX_ENTRIES, MAX_NAME};
    let again = versions::read(data, view);
    assert_eq!(
        facts.version_needs, again.needs,
        "versions read differently"
    );
    assert_eq!(facts.version_defs, again.defs, "versions read differently");
    if view.dynamic.as_ref().is_none_or(|d| d.verneed.is_none()) {
        assert!(facts.version_needs.is_empty());
    }
    if view.dynamic.as_ref().is_none_or(|d| d.verdef.is_none()) {
        assert!(facts.version_defs.is_empty());
    }
    let needed: usize = facts.version_needs.iter().map(|n| n.versions.len()).sum();
    assert!(needed <= MAX_ENTRIES && facts.version_needs.len() <= MAX_ENTRIES + 1);
    assert!(facts.version_defs.len() <= MAX_ENTRIES);
    let names = facts
        .version_needs
        .iter()
        .flat_map(|n| std::iter::once(&n.file).chain(&n.versions))
        .chain(&facts.version_defs);
    for name in names {
        assert!(name.chars().count() <= MAX_NAME, "a name past MAX_NAME");
    }
    for need in &facts.version_needs {
        assert!(need.weak.iter().all(|w| need.versions.contains(w)));
    }
}

fn check_same_bytes_same_answer(view: &LoaderView, sections: &SectionView) {
    let first_interp = view
        .segments
        .iter()
        .find(|s| s.p_type == PT_INTERP && s.filesz > 0);
    if let (Some(segment), Some(range)) = (first_interp, sections.interpreter_range)
        && (segment.offset, segment.filesz) == range
    {
        assert_eq!(
            view.interpreter, sections.interpreter,
            "PT_INTERP and .interp cover the same bytes but read differently"
        );
    }

    // goblin, like ld.so, reads the first PT_DYNAMIC.
    let first_dynamic = view.segments.iter().find(|s| s.p_type == PT_DYNAMIC);
    if let (Some(segment), Some(ranges), Some(needed)) =
        (first_dynamic, sections.needed_ranges, &sections.needed)
        && (segment.offset, segment.filesz) == ranges.dynamic
    {
        // Same entries; with no string entries there is no string table to compare.
        let loader_strtab = view.dynamic.as_ref().and_then(|d| d.strtab_range);
        if loader_strtab.is_none_or(|range| range == ranges.strtab) {
            assert_eq!(
                view.needed(),
                needed.as_slice(),
                "PT_DYNAMIC and SHT_DYNAMIC cover the same bytes but read differently"
            );
        }
    }
}

/// UPX detection on any bytes.
///
/// Invariants: nothing panics; a detection has at least one witness; a PackHeader brings
/// version, format, method and level (≤ 15); a format is always one UPX names; `l_info` is only
/// read from an ELF; the original size is a u32; the hidden facts are the documented list.
pub fn upx(data: &[u8]) {
    let Some(facts) = upx::detect(data) else {
        return;
    };
    assert!(facts.loader_info || facts.pack_header);
    if facts.loader_info {
        assert!(data.starts_with(loader::ELF_MAGIC));
    }
    if facts.pack_header {
        assert!(facts.version.is_some() && facts.method.is_some());
        assert!(facts.level.is_some_and(|level| level <= 15));
    } else {
        assert!(facts.method.is_none() && facts.level.is_none());
    }
    assert!(facts.format.is_some() && facts.format_name.is_some());
    assert_eq!(
        facts.method_name.is_some(),
        facts.method.is_some_and(|m| matches!(m, 2..=10 | 14..=17))
    );
    assert!(
        facts
            .original_size
            .is_none_or(|size| size <= u64::from(u32::MAX))
    );
    assert_eq!(facts.hidden_facts, &upx::HIDDEN_FACTS);
    serde_json::to_string(&facts).expect("UPX facts serialise");
}

fn render(report: Report) {
    let mut json = Vec::new();
    report::json::render(&report, &mut json).expect("JSON renders into memory");
    serde_json::from_slice::<serde_json::Value>(&json).expect("the JSON report parses back");
    let mut text = Vec::new();
    report::text::render(&report, &mut text, report::text::TextOptions::default())
        .expect("text renders into memory");
    let mut sbom = Vec::new();
    report::cyclonedx::render(&report, &mut sbom).expect("the SBOM renders into memory");
    let sbom: serde_json::Value =
        serde_json::from_slice(&sbom).expect("the CycloneDX SBOM parses back");
    check_bom_refs(&sbom);
}

/// Every `bom-ref` of an SBOM is unique, and every reference in `dependencies` names one.
fn check_bom_refs(sbom: &serde_json::Value) {
    let components = sbom["components"].as_array().expect("components");
    let mut refs = std::collections::HashSet::new();
    for component in components.iter().chain(sbom["metadata"].get("component")) {
        let reference = component["bom-ref"]
            .as_str()
            .expect("every component has a bom-ref");
        assert!(refs.insert(reference), "bom-ref {reference} is not unique");
    }
    for dependency in sbom["dependencies"].as_array().expect("dependencies") {
        let named = std::iter::once(&dependency["ref"])
            .chain(dependency["dependsOn"].as_array().expect("dependsOn"));
        for reference in named {
            let reference = reference.as_str().expect("a reference is a string");
            assert!(refs.contains(reference), "{reference} names no component");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_survives_trivial_inputs() {
        for (_, target) in TARGETS {
            for input in [
                &b""[..],
                b"\x7fELF",
                b"\x7fELF\x02\x01\x01",
                b"MZ",
                &[0u8; 64],
            ] {
                target(input);
            }
        }
    }
}
