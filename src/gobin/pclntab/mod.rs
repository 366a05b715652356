//! The Go pclntab: where it is, which layout it has, and its function and file names. It
//! survives `-s -w` and `strip` because the runtime needs it, which makes it gostatic's main
//! source of facts on stripped binaries.
//!
//! Finding it, in order (reference §2.3): a section by name (`.gopclntab`; internal-linked PIE
//! ≤1.25 `.data.rel.ro.gopclntab`; Mach-O `__gopclntab`), then the `runtime.pclntab` …
//! `runtime.epclntab` symbols (PE, or renamed sections), then a linear scan of every loadable
//! segment for the four magics in both byte orders, as GoReSym's `pcln_scan` does. A scan hit
//! must pass the header checks of `debug/gosym`, agree with the file's pointer size and byte
//! order, have a `textStart` inside an executable segment (1.18–1.25), and its first function
//! records must look like the linker's (see `table.rs`); the valid candidate with the most
//! functions wins.

mod table;

#[cfg(test)]
pub(crate) mod tests;

use serde::Serialize;

pub use table::{MAX_NAME_LEN, PclnVersion, PclntabError, Table};

use crate::gobin::binary::Binary;
use crate::gobin::symtab;

/// Section names that hold exactly the pclntab.
const SECTION_NAMES: [&str; 3] = [".gopclntab", ".data.rel.ro.gopclntab", "__gopclntab"];
/// Scan hits that pass the cheap byte checks and get a full parse; real binaries have one
/// or two. The scan stops at this many, so a file stuffed with fake magics costs a bounded
/// amount (and loses nothing it did not forge).
const MAX_SCAN_CANDIDATES: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FoundBy {
    Section,
    Symbols,
    MagicScan,
}

/// A located pclntab.
#[derive(Debug, Clone)]
pub struct Pclntab<'data> {
    pub table: Table<'data>,
    /// VA of the header.
    pub address: u64,
    pub found_by: FoundBy,
    /// The section it was found through, when it was.
    pub section: Option<String>,
}

/// The serialisable summary: what the header says, without the names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PclntabFacts {
    /// `1.2`, `1.16`, `1.18` or `1.20`: the layout, named after its first Go release.
    pub layout: PclnVersion,
    /// The Go releases that write this layout, e.g. `1.20+`.
    pub go_range: &'static str,
    pub magic: u32,
    pub found_by: FoundBy,
    pub section: Option<String>,
    pub address: u64,
    pub pointer_size: usize,
    pub big_endian: bool,
    pub quantum: u8,
    pub functions: usize,
    pub files: usize,
}

/// How hard `find_with` may look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Search {
    /// Sections and symbols only: a few lookups, no byte scan.
    Named,
    /// Then scan segments for the magic (linear in the file size).
    #[default]
    Everywhere,
}

/// Find and parse the pclntab, scanning if names do not lead to it.
pub fn find<'data>(bin: &Binary<'data>) -> Option<Pclntab<'data>> {
    find_with(bin, Search::Everywhere)
}

pub fn find_with<'data>(bin: &Binary<'data>, search: Search) -> Option<Pclntab<'data>> {
    let target = Some((bin.pointer_size, bin.big_endian));
    for name in SECTION_NAMES {
        if let Some(section) = bin.section(name)
            && let Ok(table) = Table::parse(section.data, target)
        {
            return Some(Pclntab {
                table,
                address: section.address,
                found_by: FoundBy::Section,
                section: Some(name.to_string()),
            });
        }
    }
    if let Some(found) = by_symbols(bin) {
        return Some(found);
    }
    match search {
        Search::Named => None,
        Search::Everywhere => scan(bin),
    }
}

fn by_symbols<'data>(bin: &Binary<'data>) -> Option<Pclntab<'data>> {
    let hits = symtab::lookup(bin.data, &["runtime.pclntab", "runtime.epclntab"]);
    let (start, end) = (hits.first().copied()??, hits.get(1).copied()??);
    let len = usize::try_from(end.address.checked_sub(start.address)?).ok()?;
    let data = bin.bytes_at(start.address, len)?;
    let table = Table::parse(data, Some((bin.pointer_size, bin.big_endian))).ok()?;
    Some(Pclntab {
        table,
        address: start.address,
        found_by: FoundBy::Symbols,
        section: None,
    })
}

/// One linear pass per segment over `ff ff ff` runs: a little-endian magic is a byte from
/// the magic set, exactly three `ff` and `00 00`; a big-endian one is the last three `ff` of
/// a run, a magic byte and `00 00`.
fn scan<'data>(bin: &Binary<'data>) -> Option<Pclntab<'data>> {
    let finder = memchr::memmem::Finder::new(b"\xff\xff\xff");
    let target = Some((bin.pointer_size, bin.big_endian));
    let mut best: Option<Pclntab<'data>> = None;
    let mut parsed = 0usize;
    let is_magic_byte = |b: u8| matches!(b, 0xfb | 0xfa | 0xf0 | 0xf1);
    for segment in &bin.segments {
        let hay = segment.data;
        let mut at = 0usize;
        while parsed < MAX_SCAN_CANDIDATES
            && let Some(found) = finder.find(&hay[at..])
        {
            let run_start = at + found;
            let run_end = hay[run_start..]
                .iter()
                .position(|&b| b != 0xff)
                .map_or(hay.len(), |n| run_start + n);
            at = run_end;
            let zero_pad = |i: usize| hay.get(i..i + 2) == Some(&[0, 0][..]);
            let mut starts = [None, None];
            if !bin.big_endian
                && run_end - run_start == 3
                && run_start > 0
                && is_magic_byte(hay[run_start - 1])
                && zero_pad(run_end)
            {
                starts[0] = Some(run_start - 1);
            }
            if bin.big_endian
                && hay.get(run_end).is_some_and(|&b| is_magic_byte(b))
                && zero_pad(run_end + 1)
            {
                starts[1] = Some(run_end - 3);
            }
            for start in starts.into_iter().flatten() {
                let address = segment.address.wrapping_add(start as u64);
                if address % 4 != 0 {
                    continue;
                }
                parsed += 1;
                let Ok(table) = Table::parse(&hay[start..], target) else {
                    continue;
                };
                if !text_start_plausible(bin, &table) {
                    continue;
                }
                if best
                    .as_ref()
                    .is_none_or(|b| table.func_count() > b.table.func_count())
                {
                    best = Some(Pclntab {
                        table,
                        address,
                        found_by: FoundBy::MagicScan,
                        section: None,
                    });
                }
            }
        }
    }
    best
}

/// 1.18–1.25 write `runtime.text` into the header; 1.26+ write 0, and a dynamic relocation
/// the file does not apply (RELA without in-place addends) also leaves 0.
fn text_start_plausible(bin: &Binary<'_>, table: &Table<'_>) -> bool {
    let text = table.text_start;
    text == 0
        || bin
            .segments
            .iter()
            .any(|s| s.executable && text >= s.address && text - s.address < s.mem_size.max(1))
}

impl<'data> Pclntab<'data> {
    pub fn facts(&self) -> PclntabFacts {
        let t = &self.table;
        PclntabFacts {
            layout: t.version,
            go_range: t.version.go_range(),
            magic: t.version.magic(),
            found_by: self.found_by,
            section: self.section.clone(),
            address: self.address,
            pointer_size: t.pointer_size,
            big_endian: t.big_endian,
            quantum: t.quantum,
            functions: t.func_count(),
            files: t.file_count(),
        }
    }

    /// At most `cap` distinct function names, sorted.
    pub fn collect_func_names(&self, cap: usize) -> Vec<String> {
        collect_sorted(self.table.func_names(), cap)
    }

    /// At most `cap` distinct file names, sorted.
    pub fn collect_file_names(&self, cap: usize) -> Vec<String> {
        collect_sorted(self.table.file_names(), cap)
    }
}

fn collect_sorted<'a>(
    names: impl Iterator<Item = std::borrow::Cow<'a, str>>,
    cap: usize,
) -> Vec<String> {
    let mut set = std::collections::BTreeSet::new();
    for name in names {
        if set.len() >= cap {
            break;
        }
        set.insert(name.into_owned());
    }
    set.into_iter().collect()
}
