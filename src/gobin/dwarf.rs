//! DWARF, when the linker left it in (no `-w`): compile-unit producers (`DW_AT_producer`,
//! e.g. `Go cmd/compile go1.27.3; regabi`, which names the Go version and compiler flags),
//! compile directories, and line-table file names, the second witness for build paths next
//! to the pclntab (reference §2.5, §3.3).
//!
//! Compressed sections (Go 1.11–1.18 `.zdebug_*`, Go 1.19+ and binutils `SHF_COMPRESSED`,
//! zlib or zstd) are inflated by object only after the size their header declares has been
//! checked against `DwarfLimits`; a hostile header cannot make us allocate more than that.
//! Everything else is borrowed. Type and variable DIEs are never walked: only the first DIE
//! of each unit and its line-program header.

use std::borrow::Cow;
use std::collections::BTreeSet;

use gimli::{EndianSlice, RunTimeEndian, SectionId};
use object::{Object, ObjectSection};
use serde::Serialize;

/// Bounds on what one file's DWARF may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DwarfLimits {
    pub max_units: usize,
    /// Distinct file paths kept (line tables repeat them across units).
    pub max_files: usize,
    /// Distinct producers and compile directories kept.
    pub max_strings: usize,
    /// Bytes inflated across all compressed sections of one file.
    pub max_decompressed: u64,
}

impl Default for DwarfLimits {
    fn default() -> Self {
        DwarfLimits {
            max_units: 20_000,
            max_files: 50_000,
            max_strings: 64,
            max_decompressed: 256 << 20,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DwarfFacts {
    pub compile_units: usize,
    /// Distinct `DW_AT_producer` strings, sorted.
    pub producers: Vec<String>,
    /// The Go version from a `Go cmd/compile goX.Y.Z` producer.
    pub go_version: Option<String>,
    /// Distinct `DW_AT_comp_dir` values (Go units say `.`, C units name a directory).
    pub comp_dirs: Vec<String>,
    /// Distinct line-table paths, directory joined to file name when the name is relative.
    pub files: Vec<String>,
    /// A limit stopped the walk or a section could not be read; the lists are partial.
    pub truncated: bool,
}

/// Read producers and file names; `None` when the file has no `.debug_info`.
pub fn read(data: &[u8], limits: &DwarfLimits) -> Option<DwarfFacts> {
    let file = object::File::parse(data).ok()?;
    file.section_by_name(".debug_info")?;
    let endian = if file.is_little_endian() {
        RunTimeEndian::Little
    } else {
        RunTimeEndian::Big
    };
    let mut budget = limits.max_decompressed;
    let mut truncated = false;
    let sections = gimli::DwarfSections::load(|id: SectionId| -> Result<Cow<'_, [u8]>, ()> {
        Ok(load_section(&file, id, &mut budget, &mut truncated))
    })
    .ok()?;
    let dwarf = sections.borrow(|s| EndianSlice::new(s, endian));
    let mut facts = DwarfFacts {
        truncated,
        ..DwarfFacts::default()
    };
    let (mut producers, mut comp_dirs, mut files) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let mut units = dwarf.units();
    loop {
        let header = match units.next() {
            Ok(Some(header)) => header,
            Ok(None) => break,
            Err(_) => {
                facts.truncated = true;
                break;
            }
        };
        if facts.compile_units >= limits.max_units {
            facts.truncated = true;
            break;
        }
        facts.compile_units += 1;
        let Ok(unit) = dwarf.unit(header) else {
            facts.truncated = true;
            continue;
        };
        let mut entries = unit.entries();
        if let Ok(Some(root)) = entries.next_dfs()
            && let Some(value) = root.attr_value(gimli::DW_AT_producer)
            && let Ok(producer) = dwarf.attr_string(&unit, value)
        {
            insert_capped(&mut producers, lossy(producer.slice()), limits.max_strings);
        }
        if let Some(dir) = unit.comp_dir {
            insert_capped(&mut comp_dirs, lossy(dir.slice()), limits.max_strings);
        }
        if let Some(program) = &unit.line_program {
            let header = program.header();
            for entry in header.file_names() {
                if files.len() >= limits.max_files {
                    facts.truncated = true;
                    break;
                }
                let Ok(name) = dwarf.attr_string(&unit, entry.path_name()) else {
                    continue;
                };
                let dir = entry
                    .directory(header)
                    .and_then(|d| dwarf.attr_string(&unit, d).ok());
                files.insert(join(dir.map(|d| d.slice()), name.slice()));
            }
        }
    }
    facts.go_version = producers.iter().find_map(|p| go_version_of(p));
    facts.producers = producers.into_iter().collect();
    facts.comp_dirs = comp_dirs.into_iter().collect();
    facts.files = files.into_iter().collect();
    Some(facts)
}

/// A section's bytes, inflated if compressed and within the budget; empty when missing,
/// unreadable or over budget (gimli then sees an empty section and finds nothing there).
fn load_section<'data>(
    file: &object::File<'data>,
    id: SectionId,
    budget: &mut u64,
    truncated: &mut bool,
) -> Cow<'data, [u8]> {
    let Some(section) = file.section_by_name(id.name()) else {
        return Cow::Borrowed(&[]);
    };
    let Ok(compressed) = section.compressed_data() else {
        *truncated = true;
        return Cow::Borrowed(&[]);
    };
    if compressed.format != object::CompressionFormat::None {
        if compressed.uncompressed_size > *budget {
            *truncated = true;
            return Cow::Borrowed(&[]);
        }
        *budget -= compressed.uncompressed_size;
    }
    compressed.decompress().unwrap_or_else(|_| {
        *truncated = true;
        Cow::Borrowed(&[])
    })
}

/// `go1.27.3` from `Go cmd/compile go1.27.3; regabi` (also `devel go1.22-…` forms).
pub fn go_version_of(producer: &str) -> Option<String> {
    let rest = producer.strip_prefix("Go cmd/compile ")?;
    let version = rest.split(';').next()?.trim();
    version.starts_with("go").then(|| version.to_string())
}

fn join(dir: Option<&[u8]>, name: &[u8]) -> String {
    let name = lossy(name);
    let absolute = name.starts_with('/') || name.starts_with('\\') || name.get(1..2) == Some(":");
    match dir.map(lossy) {
        Some(dir) if !absolute && !dir.is_empty() && dir != "." => {
            format!("{}/{}", dir.trim_end_matches('/'), name)
        }
        _ => name,
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn insert_capped(set: &mut BTreeSet<String>, value: String, cap: usize) {
    if set.len() < cap {
        set.insert(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn producers_name_the_go_version() {
        assert_eq!(
            go_version_of("Go cmd/compile go1.27.3; regabi").as_deref(),
            Some("go1.27.3")
        );
        assert_eq!(
            go_version_of("Go cmd/compile go1.19.8").as_deref(),
            Some("go1.19.8")
        );
        assert_eq!(go_version_of("GNU C17 12.2.0 -mtune=generic"), None);
    }

    #[test]
    fn relative_names_join_their_directory() {
        assert_eq!(
            join(Some(b"/usr/include"), b"stdio.h"),
            "/usr/include/stdio.h"
        );
        assert_eq!(join(Some(b"."), b"main.go"), "main.go");
        assert_eq!(join(Some(b"/x"), b"/abs/f.go"), "/abs/f.go");
        assert_eq!(join(Some(b"/x"), b"C:/w/f.go"), "C:/w/f.go");
        assert_eq!(join(None, b"f.go"), "f.go");
    }

    #[test]
    fn no_debug_info_is_none() {
        assert!(read(b"not an object", &DwarfLimits::default()).is_none());
    }
}
