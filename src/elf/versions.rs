//! Symbol versions, as the loader reads them: DT_VERNEED (for each library, the versions this
//! file needs it to define: `GLIBC_2.34` from `libc.so.6`) and DT_VERDEF (the versions this
//! file defines), both found through PT_DYNAMIC, so they are read on files without section
//! headers. glibc checks them in `elf/dl-version.c` (`_dl_check_map_versions`) before a
//! program runs; the rules (GS505) compare one file's needs with another's definitions.
//!
//! The tables are parsed by goblin's `symver` iterators, handed a section header made from the
//! dynamic entries (the iterators take their range from a section; ld.so takes it from
//! PT_DYNAMIC). Like ld.so, the chains are followed through `vn_next`/`vd_next` rather than
//! trusting DT_VERNEEDNUM; unlike ld.so, a hostile chain stops at [`MAX_ENTRIES`] and a name at
//! [`MAX_NAME`] bytes, and an unreadable table is read as empty: a fact we cannot see, never
//! a panic.

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::section_header::{SHT_GNU_VERDEF, SHT_GNU_VERNEED, SectionHeader};
use goblin::elf::symver::{VER_FLG_BASE, VER_FLG_WEAK, VerdefSection, VerneedSection};
use serde::Serialize;

use super::LoaderView;

/// Version entries read from one file, needs and definitions each (real libraries have tens:
/// glibc 2.36's libc.so.6 defines 38).
pub const MAX_ENTRIES: usize = 4096;
/// Longest version or file name kept; real ones are under 32 bytes.
pub const MAX_NAME: usize = 256;

/// The versions a file needs from one library (one Elf_Verneed and its Elf_Vernaux entries).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VersionNeed {
    /// `vn_file`: the library, as its DT_NEEDED names it.
    pub file: String,
    /// The versions needed, in table order (`GLIBC_2.2.5`, `GLIBC_2.34`).
    pub versions: Vec<String>,
    /// Of those, the ones marked VER_FLG_WEAK: ld.so only warns when they are missing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weak: Vec<String>,
}

/// Both tables of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions {
    pub needs: Vec<VersionNeed>,
    /// The versions defined, without the VER_FLG_BASE entry (which names the file itself).
    pub defs: Vec<String>,
}

/// Read DT_VERNEED and DT_VERDEF of the file the loader view was read from.
pub fn read(data: &[u8], view: &LoaderView) -> Versions {
    let Some(dynamic) = &view.dynamic else {
        return Versions::default();
    };
    let Some(strtab) = dynamic
        .strtab_range
        .and_then(|(at, len)| data.get(at as usize..at.checked_add(len)? as usize))
    else {
        return Versions::default();
    };
    let ctx = Ctx::new(
        if view.is_64 {
            Container::Big
        } else {
            Container::Little
        },
        if view.little_endian {
            Endian::Little
        } else {
            Endian::Big
        },
    );
    let string = |at: usize| {
        let bytes = strtab.get(at..)?;
        Some(super::loader::c_string(&bytes[..bytes.len().min(MAX_NAME)]))
    };
    let table = |vaddr: Option<u64>, sh_type: u32| {
        let offset = view.vaddr_to_offset(vaddr?)?;
        let size = (data.len() as u64).checked_sub(offset)?;
        Some(SectionHeader {
            sh_type,
            sh_offset: offset,
            sh_size: size,
            sh_info: MAX_ENTRIES as u32,
            ..SectionHeader::default()
        })
    };

    let mut versions = Versions::default();
    let mut budget = MAX_ENTRIES;
    if let Some(header) = table(dynamic.verneed, SHT_GNU_VERNEED)
        && let Ok(Some(section)) = VerneedSection::parse(data, &[header], ctx)
    {
        for need in section.iter() {
            let Some(file) = string(need.vn_file) else {
                continue;
            };
            let mut entry = VersionNeed {
                file,
                ..VersionNeed::default()
            };
            for aux in need.iter().take(budget) {
                budget -= 1;
                let Some(name) = string(aux.vna_name) else {
                    continue;
                };
                if aux.vna_flags & VER_FLG_WEAK != 0 {
                    entry.weak.push(name.clone());
                }
                entry.versions.push(name);
            }
            versions.needs.push(entry);
            if budget == 0 {
                break;
            }
            budget -= 1;
        }
    }
    if let Some(header) = table(dynamic.verdef, SHT_GNU_VERDEF)
        && let Ok(Some(section)) = VerdefSection::parse(data, &[header], ctx)
    {
        for def in section.iter().take(MAX_ENTRIES) {
            if def.vd_flags & VER_FLG_BASE != 0 {
                continue;
            }
            // The first Elf_Verdaux names the version; the rest name its predecessors.
            if let Some(name) = def.iter().next().and_then(|aux| string(aux.vda_name))
                && !versions.defs.contains(&name)
            {
                versions.defs.push(name);
            }
        }
    }
    versions
}

/// The glibc release a `libc.so.6` is, from the banner it prints when run ("GNU C Library
/// (Debian GLIBC 2.31-13+deb11u11) stable release version 2.31."): its newest symbol version
/// can be older (2.31 added none, so it defines up to GLIBC_2.30).
pub fn glibc_release(data: &[u8]) -> Option<String> {
    const MARK: &[u8] = b" release version ";
    let banner = memchr::memmem::find(data, b"GNU C Library")?;
    let rest = &data[banner..data.len().min(banner + 256)];
    let at = memchr::memmem::find(rest, MARK)? + MARK.len();
    let number: String = rest[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .map(|&b| char::from(b))
        .collect();
    let number = number.trim_end_matches('.');
    parse_version(&format!("GLIBC_{number}")).map(|_| number.to_string())
}

/// A version name split into its family and number: `GLIBC_2.34` is `("GLIBC", [2, 34])`,
/// `GLIBCXX_3.4.30` is `("GLIBCXX", [3, 4, 30])`. `None` for names without a number
/// (`GLIBC_PRIVATE`), which order nothing.
pub fn parse_version(name: &str) -> Option<(&str, Vec<u32>)> {
    let (family, number) = name.rsplit_once('_')?;
    let parts = number
        .split('.')
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<Vec<u32>>>()?;
    (!family.is_empty()).then_some((family, parts))
}

/// The newest numbered version of `family` among `names`: `GLIBC_2.10` is newer than
/// `GLIBC_2.9` (numbers compare part by part, not as text).
pub fn newest<'a>(names: impl IntoIterator<Item = &'a str>, family: &str) -> Option<&'a str> {
    names
        .into_iter()
        .filter_map(|n| parse_version(n).map(|(f, parts)| (n, f, parts)))
        .filter(|(_, f, _)| *f == family)
        .max_by(|a, b| a.2.cmp(&b.2))
        .map(|(n, _, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::elf::{EM_386, EM_MIPS, Synth};

    fn read_synth(synth: &Synth) -> Versions {
        let data = synth.build();
        read(&data, &crate::elf::loader::read(&data).unwrap())
    }

    #[test]
    fn needs_and_definitions_are_read_in_every_class_and_byte_order() {
        for (is_64, little_endian, machine) in [
            (true, true, 62),
            (false, true, EM_386),
            (false, false, EM_MIPS),
            (true, false, EM_MIPS),
        ] {
            let mut program = Synth::program()
                .machine(is_64, machine)
                .needs(&["libc.so.6", "libstdc++.so.6"])
                .needs_versions("libc.so.6", &["GLIBC_2.2.5", "GLIBC_2.34"])
                .needs_versions("libstdc++.so.6", &["GLIBCXX_3.4.30"]);
            program.little_endian = little_endian;
            let got = read_synth(&program);
            assert_eq!(got.needs.len(), 2, "{is_64} {little_endian}");
            assert_eq!(got.needs[0].file, "libc.so.6");
            assert_eq!(got.needs[0].versions, ["GLIBC_2.2.5", "GLIBC_2.34"]);
            assert_eq!(got.needs[1].versions, ["GLIBCXX_3.4.30"]);
            assert!(got.needs[0].weak.is_empty());
            assert!(got.defs.is_empty());

            let mut library = Synth::library("libc.so.6", &[])
                .machine(is_64, machine)
                .defines_versions(&["GLIBC_2.2.5", "GLIBC_2.31"]);
            library.little_endian = little_endian;
            let got = read_synth(&library);
            // The VER_FLG_BASE entry names the file, not a version.
            assert_eq!(got.defs, ["GLIBC_2.2.5", "GLIBC_2.31"]);
            assert!(got.needs.is_empty());
        }
    }

    #[test]
    fn weak_needs_are_told_apart() {
        let program = Synth::program()
            .needs_versions("libc.so.6", &["GLIBC_2.2.5", "GLIBC_2.34"])
            .weak_versions(&["GLIBC_2.34"]);
        let got = read_synth(&program);
        assert_eq!(got.needs[0].versions, ["GLIBC_2.2.5", "GLIBC_2.34"]);
        assert_eq!(got.needs[0].weak, ["GLIBC_2.34"]);
    }

    #[test]
    fn tables_are_found_without_section_headers() {
        let program = Synth::program().needs_versions("libc.so.6", &["GLIBC_2.34"]);
        let data = crate::testkit::elf::without_section_headers(program.build());
        let facts = crate::elf::read(&data).unwrap();
        assert_eq!(facts.version_needs[0].versions, ["GLIBC_2.34"]);
    }

    #[test]
    fn broken_tables_read_as_what_can_be_seen_and_never_panic() {
        let program = Synth::program().needs_versions("libc.so.6", &["GLIBC_2.34"]);
        let data = program.build();
        let view = crate::elf::loader::read(&data).unwrap();
        let dynamic = view.dynamic.clone().unwrap();
        let at = view.vaddr_to_offset(dynamic.verneed.unwrap()).unwrap() as usize;
        // vn_next pointing at itself would loop for ever; an offset past the end, nowhere.
        for (field, value) in [(12, 0u32), (12, 1), (8, u32::MAX), (4, u32::MAX)] {
            let mut bad = data.clone();
            bad[at + field..at + field + 4].copy_from_slice(&value.to_le_bytes());
            let got = read(&bad, &view);
            assert!(got.needs.len() <= MAX_ENTRIES, "{field} {value}");
        }
        // Every truncation of the file either fails to parse or reads.
        for len in 0..data.len() {
            if let Ok(view) = crate::elf::loader::read(&data[..len]) {
                read(&data[..len], &view);
            }
        }
    }

    #[test]
    fn versions_order_by_number_not_by_text() {
        let names = ["GLIBC_2.2.5", "GLIBC_2.9", "GLIBC_2.10", "GLIBC_PRIVATE"];
        assert_eq!(newest(names, "GLIBC"), Some("GLIBC_2.10"));
        let names = ["GLIBC_2.10", "GLIBC_2.34", "GLIBC_2.4", "GLIBCXX_3.4.30"];
        assert_eq!(newest(names, "GLIBC"), Some("GLIBC_2.34"));
        assert_eq!(newest(names, "GLIBCXX"), Some("GLIBCXX_3.4.30"));
        assert_eq!(newest(["GLIBC_PRIVATE"], "GLIBC"), None);
        assert_eq!(
            parse_version("GLIBCXX_3.4.9"),
            Some(("GLIBCXX", vec![3, 4, 9]))
        );
        assert_eq!(parse_version("GLIBC_2.x"), None);
        assert_eq!(parse_version("_2.3"), None);
    }

    #[test]
    fn the_glibc_release_comes_from_the_banner() {
        let banner =
            b"\0GNU C Library (Debian GLIBC 2.31-13+deb11u11) stable release version 2.31.\n";
        assert_eq!(glibc_release(banner).as_deref(), Some("2.31"));
        assert_eq!(
            glibc_release(b"GNU C Library stable release version x").as_deref(),
            None
        );
        assert_eq!(glibc_release(b"release version 2.31").as_deref(), None);
    }
}
