//! The pclntab header and the two tables gostatic reads from it: function names (through the
//! functab and each `_func` record's `nameOff`) and source file names (the filetab). No PC
//! decoding: nothing here maps an address to a line.
//!
//! Layouts, by magic (`src/debug/gosym/pclntab.go` `parsePclnTab`/`go12Funcs`/`initFileMap`,
//! `src/runtime/symtab.go` `pcHeader`/`functab`/`_func`, `src/cmd/link/internal/ld/pcln.go`
//! `generatePCHeader`; reference §2.1–§2.2):
//! - 1.2–1.15 (`0xfffffffb`): `nfunc` then the functab at `8+ptr`, `{entry, funcoff}` words;
//!   `funcoff` and `nameOff` relative to the header; after the functab a u32 `filetabOff`
//!   to `nfiletab:u32` and `nfiletab-1` u32 string offsets.
//! - 1.16–1.17 (`0xfffffffa`): seven header words, tables at offsets from the header; functab
//!   of `{entry, funcoff}` words at `pclnOff`; `nameOff` at `_func+ptr`.
//! - 1.18+ (`0xfffffff0`, 1.20+ `0xfffffff1`): eight header words (`textStart` third);
//!   functab of `{entryoff:u32, funcoff:u32}`; `nameOff` at `_func+4`.
//!
//! Every offset is checked against the table's bytes; counts are checked against the bytes
//! they claim before any loop runs, and loops are capped, so hostile headers cost nothing.

use std::borrow::Cow;

use serde::Serialize;

use crate::elf::read_uint;

/// Longest function or file name read; longer ones are treated as garbage.
pub const MAX_NAME_LEN: usize = 4096;
/// Function records checked for plausibility before a table is trusted.
const CHECKED_FUNCS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum PclnVersion {
    #[serde(rename = "1.2")]
    Go12,
    #[serde(rename = "1.16")]
    Go116,
    #[serde(rename = "1.18")]
    Go118,
    #[serde(rename = "1.20")]
    Go120,
}

impl PclnVersion {
    pub const ALL: [PclnVersion; 4] = [Self::Go12, Self::Go116, Self::Go118, Self::Go120];

    pub fn from_magic(magic: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.magic() == magic)
    }

    pub fn magic(self) -> u32 {
        match self {
            Self::Go12 => 0xffff_fffb,
            Self::Go116 => 0xffff_fffa,
            Self::Go118 => 0xffff_fff0,
            Self::Go120 => 0xffff_fff1,
        }
    }

    /// The Go releases whose linker writes this magic.
    pub fn go_range(self) -> &'static str {
        match self {
            Self::Go12 => "1.2-1.15",
            Self::Go116 => "1.16-1.17",
            Self::Go118 => "1.18-1.19",
            Self::Go120 => "1.20+",
        }
    }

    /// The oldest Go minor (`1.N`) that writes this magic.
    pub fn min_minor(self) -> u32 {
        match self {
            Self::Go12 => 2,
            Self::Go116 => 16,
            Self::Go118 => 18,
            Self::Go120 => 20,
        }
    }

    /// The newest Go minor that writes this magic; `None` for the current one.
    pub fn max_minor(self) -> Option<u32> {
        match self {
            Self::Go12 => Some(15),
            Self::Go116 => Some(17),
            Self::Go118 => Some(19),
            Self::Go120 => None,
        }
    }

    fn header_words(self) -> usize {
        match self {
            Self::Go12 => 1,
            Self::Go116 => 7,
            Self::Go118 | Self::Go120 => 8,
        }
    }
}

/// Why bytes are not a usable pclntab.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PclntabError {
    #[error("pclntab: {len} bytes is too short for its header")]
    TooShort { len: usize },
    #[error("pclntab: unknown magic {0:#010x}")]
    BadMagic(u32),
    #[error("pclntab: bad header (pad {pad:#06x}, quantum {quantum}, pointer size {ptr})")]
    BadHeader { pad: u16, quantum: u8, ptr: u8 },
    #[error("pclntab: pointer size {found} or byte order disagrees with the file")]
    WrongTarget { found: u8 },
    #[error("pclntab: {field} {value:#x} outside the table ({len} bytes)")]
    OutOfRange {
        field: &'static str,
        value: u64,
        len: usize,
    },
    #[error("pclntab: implausible function record {index}")]
    BadFunction { index: usize },
}

/// A parsed pclntab header with the table positions resolved; names are read lazily.
#[derive(Debug, Clone)]
pub struct Table<'data> {
    /// From the header to the end of the section or segment that holds it.
    data: &'data [u8],
    pub version: PclnVersion,
    pub big_endian: bool,
    pub pointer_size: usize,
    pub quantum: u8,
    nfunc: usize,
    /// 1.16+: strings in the filetab. 1.2: entries of the offset array (entry 0 unused).
    nfiles: usize,
    /// 1.18–1.25: VA of `runtime.text`; 0 from 1.26 and before 1.18.
    pub text_start: u64,
    funcnametab: usize,
    /// Where `funcoff` values count from.
    funcdata: usize,
    functab: usize,
    /// Bytes per functab field: 4 (1.18+) or the pointer size.
    field: usize,
    filetab: usize,
    filetab_end: usize,
}

impl<'data> Table<'data> {
    /// Parse the header at the start of `data`. `target` is the file's (pointer size, big
    /// endian), when known, which the header must agree with.
    pub fn parse(data: &'data [u8], target: Option<(usize, bool)>) -> Result<Self, PclntabError> {
        if data.len() < 16 {
            return Err(PclntabError::TooShort { len: data.len() });
        }
        let le = read_uint(data, 4, false).unwrap_or(0) as u32;
        let be = read_uint(data, 4, true).unwrap_or(0) as u32;
        let (version, big_endian) = match (PclnVersion::from_magic(le), PclnVersion::from_magic(be))
        {
            (Some(v), _) => (v, false),
            (None, Some(v)) => (v, true),
            (None, None) => return Err(PclntabError::BadMagic(le)),
        };
        let (pad, quantum, ptr) = (u16::from_le_bytes([data[4], data[5]]), data[6], data[7]);
        if pad != 0 || !matches!(quantum, 1 | 2 | 4) || !matches!(ptr, 4 | 8) {
            return Err(PclntabError::BadHeader { pad, quantum, ptr });
        }
        let pointer_size = usize::from(ptr);
        if let Some((size, big)) = target
            && (size != pointer_size || big != big_endian)
        {
            return Err(PclntabError::WrongTarget { found: ptr });
        }
        let header_len = 8 + version.header_words() * pointer_size;
        if data.len() < header_len {
            return Err(PclntabError::TooShort { len: data.len() });
        }
        let word = |i: usize| read_uint(&data[8 + i * pointer_size..], pointer_size, big_endian);
        let offset = |field: &'static str, i: usize| -> Result<usize, PclntabError> {
            let value = word(i).unwrap_or(u64::MAX);
            if value < header_len as u64 || value >= data.len() as u64 {
                return Err(PclntabError::OutOfRange {
                    field,
                    value,
                    len: data.len(),
                });
            }
            Ok(value as usize)
        };
        let nfunc_raw = word(0).unwrap_or(0);
        let mut table = Table {
            data,
            version,
            big_endian,
            pointer_size,
            quantum,
            nfunc: 0,
            nfiles: 0,
            text_start: 0,
            funcnametab: 0,
            funcdata: 0,
            functab: 0,
            field: pointer_size,
            filetab: 0,
            filetab_end: data.len(),
        };
        match version {
            PclnVersion::Go12 => {
                table.functab = header_len;
            }
            PclnVersion::Go116 => {
                table.nfiles = clamp_count(word(1).unwrap_or(0), data.len());
                table.funcnametab = offset("funcnameOff", 2)?;
                offset("cuOff", 3)?;
                table.filetab = offset("filetabOff", 4)?;
                let pctab = offset("pctabOff", 5)?;
                table.functab = offset("pclnOff", 6)?;
                table.funcdata = table.functab;
                if pctab > table.filetab {
                    table.filetab_end = pctab;
                }
            }
            PclnVersion::Go118 | PclnVersion::Go120 => {
                table.nfiles = clamp_count(word(1).unwrap_or(0), data.len());
                table.text_start = word(2).unwrap_or(0);
                table.funcnametab = offset("funcnameOff", 3)?;
                offset("cuOff", 4)?;
                table.filetab = offset("filetabOff", 5)?;
                let pctab = offset("pctabOff", 6)?;
                table.functab = offset("pclnOff", 7)?;
                table.funcdata = table.functab;
                table.field = 4;
                if pctab > table.filetab {
                    table.filetab_end = pctab;
                }
            }
        }
        // (2·nfunc+1) fields must fit after the functab start before nfunc is believed.
        let room = (data.len() - table.functab) as u64 / table.field as u64;
        if nfunc_raw == 0 || nfunc_raw > room.saturating_sub(1) / 2 {
            return Err(PclntabError::OutOfRange {
                field: "nfunc",
                value: nfunc_raw,
                len: data.len(),
            });
        }
        table.nfunc = nfunc_raw as usize;
        if version == PclnVersion::Go12 {
            table.locate_go12_filetab()?;
        }
        table.check_functions()?;
        Ok(table)
    }

    /// 1.2–1.15: the u32 after the functab points at `nfiletab` and its offset array.
    fn locate_go12_filetab(&mut self) -> Result<(), PclntabError> {
        let after = self.functab + (2 * self.nfunc + 1) * self.field;
        let file_off = self.u32_at(after).unwrap_or(u32::MAX) as usize;
        let count = self.u32_at(file_off).map(u64::from).unwrap_or(u64::MAX);
        let fits = (count as usize)
            .checked_mul(4)
            .and_then(|n| n.checked_add(file_off))
            .is_some_and(|end| end <= self.data.len());
        if !fits {
            return Err(PclntabError::OutOfRange {
                field: "filetab",
                value: file_off as u64,
                len: self.data.len(),
            });
        }
        self.filetab = file_off;
        self.nfiles = count as usize;
        Ok(())
    }

    /// The first records must look like the linker's: entries ascend, each `_func` repeats
    /// its functab entry, and names are short printable strings. This is what separates a
    /// real table from six lucky bytes found by a scan.
    fn check_functions(&self) -> Result<(), PclntabError> {
        let mut previous = 0u64;
        for index in 0..self.nfunc.min(CHECKED_FUNCS) {
            let bad = PclntabError::BadFunction { index };
            let (entry, func) = self.functab_entry(index).ok_or(bad.clone())?;
            let own_entry = self.field_at(func, self.field).ok_or(bad.clone())?;
            if entry < previous || own_entry != entry {
                return Err(bad);
            }
            previous = entry;
            let name = self.name_bytes(func).ok_or(bad.clone())?;
            if name.is_empty() || !name.iter().all(|&b| b > 0x20 && b != 0x7f) {
                return Err(bad);
            }
        }
        Ok(())
    }

    pub fn func_count(&self) -> usize {
        self.nfunc
    }

    /// Entries in the file table (1.2 tables count the unused entry 0 as Go does).
    pub fn file_count(&self) -> usize {
        self.nfiles
    }

    /// Function names in table order (duplicates possible), decoded one by one as the
    /// iterator advances. Records that fail a bounds check are skipped.
    pub fn func_names(&self) -> impl Iterator<Item = Cow<'data, str>> + '_ {
        self.func_name_bytes().map(String::from_utf8_lossy)
    }

    /// Function names as the table stores them, undecoded: for scans that look at every
    /// name and decode only the few they keep.
    pub fn func_name_bytes(&self) -> impl Iterator<Item = &'data [u8]> + '_ {
        (0..self.nfunc).filter_map(move |i| {
            let (_, func) = self.functab_entry(i)?;
            self.name_bytes(func)
        })
    }

    /// Source file paths in table order, decoded lazily.
    pub fn file_names(&self) -> Box<dyn Iterator<Item = Cow<'data, str>> + '_> {
        match self.version {
            PclnVersion::Go12 => Box::new((1..self.nfiles).filter_map(move |i| {
                let off = self.u32_at(self.filetab + 4 * i)? as usize;
                cstr(self.data, off).map(String::from_utf8_lossy)
            })),
            _ => {
                let region = &self.data[self.filetab..self.filetab_end];
                Box::new(
                    region
                        .split(|&b| b == 0)
                        .take(self.nfiles)
                        .filter(|s| s.len() <= MAX_NAME_LEN)
                        .map(String::from_utf8_lossy),
                )
            }
        }
    }

    /// (entry, offset of the `_func` record in `data`) of functab entry `index`. The entry is
    /// an offset from `runtime.text` for 1.18+ and a PC before.
    fn functab_entry(&self, index: usize) -> Option<(u64, usize)> {
        let at = self.functab + 2 * index * self.field;
        let entry = self.field_at(at, self.field)?;
        let funcoff = self.field_at(at + self.field, self.field)?;
        let func = usize::try_from(funcoff).ok()?.checked_add(self.funcdata)?;
        (func < self.data.len()).then_some((entry, func))
    }

    fn name_bytes(&self, func: usize) -> Option<&'data [u8]> {
        let name_field = match self.version {
            PclnVersion::Go118 | PclnVersion::Go120 => 4,
            _ => self.pointer_size,
        };
        let name_off = self.u32_at(func.checked_add(name_field)?)? as i32;
        let name_off = usize::try_from(name_off).ok()?;
        cstr(self.data, self.funcnametab.checked_add(name_off)?)
    }

    fn field_at(&self, at: usize, size: usize) -> Option<u64> {
        read_uint(self.data.get(at..)?, size, self.big_endian)
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        self.field_at(at, 4).map(|v| v as u32)
    }
}

/// A count that cannot exceed one entry per byte of the table; it bounds loops only, the
/// slice walks stop at the real end anyway.
fn clamp_count(raw: u64, len: usize) -> usize {
    raw.min(len as u64) as usize
}

/// The NUL-terminated string at `off`, if it ends within `MAX_NAME_LEN` bytes.
fn cstr(data: &[u8], off: usize) -> Option<&[u8]> {
    let rest = data.get(off..)?;
    let window = &rest[..rest.len().min(MAX_NAME_LEN + 1)];
    let end = memchr::memchr(0, window)?;
    Some(&rest[..end])
}
