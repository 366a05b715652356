//! The linker's leftovers, read from the section header table with object's zero-copy reader:
//! symbol tables and DWARF (and what they cost on disk), `.gnu_debuglink`, and the section-side
//! copies of `.interp` and `.dynamic`, which the rules compare with the loader's view.
//!
//! Nothing here decides whether a binary runs: the kernel never reads section headers.
//! Compressed DWARF: Go 1.11–1.18 wrote `.zdebug_*` ("ZLIB" + u64 big-endian size); Go 1.19+
//! and binutils use SHF_COMPRESSED with an `Elf{32,64}_Chdr` (`cmd/link/internal/ld/data.go`,
//! `compressSyms`; ELF gABI "Section Compression").

use object::Endianness;
use object::elf;
use object::read::elf::{FileHeader, SectionHeader, SectionTable};
use serde::Serialize;

use crate::error::ElfError;

/// One DWARF section as it lies in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DwarfSection {
    pub name: String,
    /// Bytes on disk (compressed, when compressed).
    pub size: u64,
    /// `zlib` or `zstd` (SHF_COMPRESSED), `zlib-gnu` (legacy `.zdebug_*`), or null.
    pub compression: Option<String>,
    /// The size once decompressed, read from the compression header; equals `size` when plain.
    pub uncompressed_size: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionView {
    pub count: usize,
    pub names: Vec<String>,
    pub symtab_bytes: u64,
    pub dwarf: Vec<DwarfSection>,
    pub debuglink: Option<String>,
    /// `.interp` contents, when the section exists.
    pub interpreter: Option<String>,
    /// File range (offset, length) of the `.interp` section `interpreter` came from.
    pub interpreter_range: Option<(u64, u64)>,
    /// DT_NEEDED names from the SHT_DYNAMIC section, when it exists.
    pub needed: Option<Vec<String>>,
    /// File ranges of the SHT_DYNAMIC section and its linked string table `needed` came from,
    /// so a caller can tell whether the loader's view read the same bytes.
    pub needed_ranges: Option<NeededRanges>,
    /// Executable sections exist and all are SHT_NOBITS: a separate debug-info file.
    pub code_stripped: bool,
    /// Why the section table cannot be used at all (its names are unreadable): the view is
    /// then empty, as for a file without section headers.
    pub unusable: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeededRanges {
    pub dynamic: (u64, u64),
    pub strtab: (u64, u64),
}

impl SectionView {
    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }
}

pub fn read(data: &[u8], is_64: bool) -> Result<SectionView, ElfError> {
    if is_64 {
        read_as::<elf::FileHeader64<Endianness>>(data)
    } else {
        read_as::<elf::FileHeader32<Endianness>>(data)
    }
}

fn read_as<Elf: FileHeader<Endian = Endianness>>(data: &[u8]) -> Result<SectionView, ElfError> {
    let header = Elf::parse(data).map_err(|e| ElfError::malformed("ELF header", e))?;
    let endian = header
        .endian()
        .map_err(|e| ElfError::malformed("ELF header", e))?;
    check_table_bounds(header, endian, data)?;
    if let Some(reason) = bad_shstrndx(header, endian, data) {
        return Ok(SectionView {
            unusable: Some(reason),
            ..SectionView::default()
        });
    }
    let table = header
        .sections(endian, data)
        .map_err(|e| ElfError::malformed("section header table", e))?;
    let mut view = SectionView {
        count: table.len(),
        ..SectionView::default()
    };
    if table.is_empty() {
        return Ok(view);
    }
    let size = data.len() as u64;
    let mut symtab_links = Vec::new();
    let mut linked_by_dynsym = Vec::new();
    let (mut code_sections, mut code_nobits) = (0usize, 0usize);

    for section in table.iter() {
        let name_bytes = table.section_name(endian, section).unwrap_or(b"");
        let name = String::from_utf8_lossy(name_bytes).into_owned();
        let sh_type = section.sh_type(endian);
        if let Some((offset, len)) = section.file_range(endian)
            && offset.checked_add(len).is_none_or(|end| end > size)
        {
            return Err(ElfError::SectionOutOfFile {
                name,
                offset,
                len,
                size,
            });
        }
        let on_disk = if sh_type == elf::SHT_NOBITS {
            0
        } else {
            section.sh_size(endian).into()
        };
        let flags = section.sh_flags(endian).0;
        if flags & elf::SHF_EXECINSTR.0 != 0
            && flags & elf::SHF_ALLOC.0 != 0
            && section.sh_size(endian).into() > 0
        {
            code_sections += 1;
            code_nobits += usize::from(sh_type == elf::SHT_NOBITS);
        }
        match sh_type {
            elf::SHT_SYMTAB => {
                view.symtab_bytes += on_disk;
                symtab_links.push(section.sh_link(endian) as usize);
            }
            elf::SHT_SYMTAB_SHNDX => view.symtab_bytes += on_disk,
            elf::SHT_DYNSYM => linked_by_dynsym.push(section.sh_link(endian) as usize),
            _ => {}
        }
        if is_dwarf_section(&name, flags) && sh_type != elf::SHT_NOBITS {
            let bytes = section.data(endian, data).unwrap_or(&[]);
            view.dwarf.push(dwarf_section(
                &name,
                bytes,
                flags,
                header.is_type_64(),
                endian,
            ));
        }
        if name == ".gnu_debuglink" {
            let bytes = section.data(endian, data).unwrap_or(&[]);
            view.debuglink = Some(super::loader::c_string(bytes)).filter(|s| !s.is_empty());
        }
        if name == ".interp" && sh_type == elf::SHT_PROGBITS {
            view.interpreter = section.data(endian, data).ok().map(super::loader::c_string);
            view.interpreter_range = view
                .interpreter
                .as_ref()
                .and_then(|_| section.file_range(endian));
        }
        if sh_type == elf::SHT_DYNAMIC
            && view.needed.is_none()
            && let Some((needed, ranges)) = dynamic_needed(&table, section, endian, data)
        {
            view.needed = Some(needed);
            view.needed_ranges = Some(ranges);
        }
        view.names.push(name);
    }
    view.code_stripped = code_sections > 0 && code_nobits == code_sections;
    // The string table of .symtab is part of what `-s` removes, unless the dynamic symbol
    // table or the section names share it.
    let shstrndx = header.shstrndx(endian, data).unwrap_or(0) as usize;
    symtab_links.sort_unstable();
    symtab_links.dedup();
    for link in symtab_links {
        if link == 0 || link == shstrndx || linked_by_dynsym.contains(&link) {
            continue;
        }
        if let Ok(strtab) = table.section(object::SectionIndex(link))
            && strtab.sh_type(endian) == elf::SHT_STRTAB
        {
            let strtab_size: u64 = strtab.sh_size(endian).into();
            view.symtab_bytes += strtab_size;
        }
    }
    Ok(view)
}

/// Report a section table that runs past the end of the file in the house style, before
/// object gives its generic message.
fn check_table_bounds<Elf: FileHeader<Endian = Endianness>>(
    header: &Elf,
    endian: Endianness,
    data: &[u8],
) -> Result<(), ElfError> {
    let shoff: u64 = header.e_shoff(endian).into();
    if shoff == 0 {
        return Ok(());
    }
    let bits = if header.is_type_64() { 64 } else { 32 };
    let expected: u16 = if header.is_type_64() { 64 } else { 40 };
    let entsize = header.e_shentsize(endian);
    if entsize != expected {
        return Err(ElfError::BadShentsize {
            found: entsize,
            expected,
            bits,
        });
    }
    let mut count = u64::from(header.e_shnum(endian));
    if count == 0 {
        // e_shnum == 0 with e_shoff set: the real count is in section 0's sh_size.
        count = 1;
    }
    let size = data.len() as u64;
    let end = shoff.checked_add(count * u64::from(entsize));
    if end.is_none_or(|end| end > size) {
        return Err(ElfError::TruncatedSectionHeaders {
            shoff,
            count,
            entsize: entsize.into(),
            size,
        });
    }
    Ok(())
}

/// An `e_shstrndx` naming a section the table does not have (or none: SHN_UNDEF, a reserved
/// index). Neither the kernel (`fs/binfmt_elf.c`'s `load_elf_binary` reads the ELF header and
/// the program headers only) nor ld.so ever reads section headers, and readelf still prints
/// the program headers and the dynamic section of such a file: it runs, so it is described
/// from its program headers, the section table marked unusable rather than refused as input.
fn bad_shstrndx<Elf: FileHeader<Endian = Endianness>>(
    header: &Elf,
    endian: Endianness,
    data: &[u8],
) -> Option<String> {
    let count = header.shnum(endian, data).ok()?;
    if count == 0 {
        return None;
    }
    let raw = header.e_shstrndx(endian);
    let index = match header.shstrndx(endian, data) {
        Ok(index) => index,
        // SHN_UNDEF: the sections have no names, and object refuses the table.
        Err(_) if raw == elf::SHN_UNDEF => {
            return Some(format!(
                "e_shstrndx is 0 (SHN_UNDEF): {count} section headers without names"
            ));
        }
        Err(_) if raw.is_reserved() && raw != elf::SHN_XINDEX => {
            return Some(format!(
                "e_shstrndx is a reserved index ({count} section headers)"
            ));
        }
        Err(_) => return None,
    };
    (index >= count)
        .then(|| format!("e_shstrndx {index} is out of range ({count} section headers)"))
}

/// Debug information: named `.debug_*` (`.zdebug_*`) and never loaded. An allocated section of
/// such a name is program data: rustc's `.debug_gdb_scripts` (GDB's auto-load list, `SHF_ALLOC`,
/// kept by `strip --strip-debug`), unlike the one Go's linker writes among its DWARF, which
/// `-w` drops with the rest.
pub(crate) fn is_dwarf_section(name: &str, flags: u64) -> bool {
    (name.starts_with(".debug_") || name.starts_with(".zdebug_")) && flags & elf::SHF_ALLOC.0 == 0
}

fn dwarf_section(
    name: &str,
    bytes: &[u8],
    flags: u64,
    is_64: bool,
    endian: Endianness,
) -> DwarfSection {
    let size = bytes.len() as u64;
    let plain = DwarfSection {
        name: name.to_string(),
        size,
        compression: None,
        uncompressed_size: size,
    };
    if flags & elf::SHF_COMPRESSED.0 != 0 {
        let (ch_type, ch_size) = if is_64 {
            (read_u32(bytes, 0, endian), read_u64(bytes, 8, endian))
        } else {
            (
                read_u32(bytes, 0, endian),
                read_u32(bytes, 4, endian).map(u64::from),
            )
        };
        let compression = match ch_type {
            Some(1) => "zlib".to_string(),
            Some(2) => "zstd".to_string(),
            Some(other) => format!("unknown-{other}"),
            None => "truncated".to_string(),
        };
        return DwarfSection {
            compression: Some(compression),
            uncompressed_size: ch_size.unwrap_or(0),
            ..plain
        };
    }
    if name.starts_with(".zdebug_") && bytes.starts_with(b"ZLIB") {
        let uncompressed = read_u64(bytes, 4, Endianness::Big).unwrap_or(0);
        return DwarfSection {
            compression: Some("zlib-gnu".to_string()),
            uncompressed_size: uncompressed,
            ..plain
        };
    }
    plain
}

fn dynamic_needed<'data, Elf: FileHeader<Endian = Endianness>>(
    table: &SectionTable<'data, Elf, &'data [u8]>,
    section: &Elf::SectionHeader,
    endian: Endianness,
    data: &'data [u8],
) -> Option<(Vec<String>, NeededRanges)> {
    use object::read::elf::Dyn;
    let (entries, link) = section.dynamic(endian, data).ok()??;
    let strings = table.strings(endian, data, link).ok()?;
    let ranges = NeededRanges {
        dynamic: section.file_range(endian)?,
        strtab: table.section(link).ok()?.file_range(endian)?,
    };
    let mut needed = Vec::new();
    for entry in entries {
        let tag = entry.d_tag(endian);
        if tag == elf::DT_NULL {
            break;
        }
        if tag == elf::DT_NEEDED {
            // As many as the loader's view reads (loader.rs refuses more); past that the
            // section's list is not kept, rather than copied millions of times.
            if needed.len() >= 4096 {
                return None;
            }
            let at: u64 = entry.d_val(endian).into();
            // An offset past 4 GiB names nothing; truncating it would name some other string.
            let name = strings.get(u32::try_from(at).ok()?).ok()?;
            needed.push(String::from_utf8_lossy(name).into_owned());
        }
    }
    Some((needed, ranges))
}

fn read_u32(bytes: &[u8], at: usize, endian: Endianness) -> Option<u32> {
    let raw: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(match endian {
        Endianness::Little => u32::from_le_bytes(raw),
        Endianness::Big => u32::from_be_bytes(raw),
    })
}

fn read_u64(bytes: &[u8], at: usize, endian: Endianness) -> Option<u64> {
    let raw: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(match endian {
        Endianness::Little => u64::from_le_bytes(raw),
        Endianness::Big => u64::from_be_bytes(raw),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::elf::Synth;

    #[test]
    fn dwarf_is_named_debug_and_never_loaded() {
        let alloc = elf::SHF_ALLOC.0;
        for name in [
            ".debug_info",
            ".debug_line",
            ".zdebug_info",
            ".debug_gdb_scripts",
        ] {
            assert!(is_dwarf_section(name, 0), "{name}");
        }
        for (name, flags) in [
            (".debug_gdb_scripts", alloc),
            (".debug_info", alloc),
            (".text", 0),
            (".debug", 0),
        ] {
            assert!(!is_dwarf_section(name, flags), "{name} {flags}");
        }
    }

    /// Set `e_shstrndx` of a little-endian ELF64.
    fn with_shstrndx(mut data: Vec<u8>, index: u16) -> Vec<u8> {
        data[0x3e..0x40].copy_from_slice(&index.to_le_bytes());
        data
    }

    #[test]
    fn an_out_of_range_shstrndx_makes_the_table_unusable_not_the_file() {
        let data = Synth::dynamic64().build();
        let intact = read(&data, true).unwrap();
        let count = intact.count;
        assert!(count > 1 && intact.unusable.is_none());
        assert!(!intact.names.is_empty());

        let bad = read(&with_shstrndx(data.clone(), count as u16), true).unwrap();
        assert_eq!(
            bad.unusable.as_deref(),
            Some(&*format!(
                "e_shstrndx {count} is out of range ({count} section headers)"
            ))
        );
        assert_eq!((bad.count, bad.names.len()), (0, 0));

        // The last valid index is still usable; SHN_UNDEF (no names) is not.
        let last = read(&with_shstrndx(data.clone(), count as u16 - 1), true).unwrap();
        assert!(last.unusable.is_none() && last.count == count);
        let none_data = || data.clone();
        // No section headers at all is not an unusable table.
        let bare = crate::testkit::elf::without_section_headers(data.clone());
        assert_eq!(read(&bare, true).unwrap().unusable, None);
        let none = read(&with_shstrndx(none_data(), 0), true).unwrap();
        assert_eq!(
            none.unusable.as_deref(),
            Some(&*format!(
                "e_shstrndx is 0 (SHN_UNDEF): {count} section headers without names"
            ))
        );
    }

    #[test]
    fn elf_facts_carry_the_reason_and_keep_the_loader_view() {
        let data = Synth::dynamic64().build();
        let count = read(&data, true).unwrap().count as u16;
        let facts = crate::elf::read(&with_shstrndx(data, count + 5)).unwrap();
        assert!(
            facts
                .section_table_unusable
                .as_deref()
                .is_some_and(|r| r.starts_with("e_shstrndx"))
        );
        assert_eq!(facts.section_headers, 0);
        assert_eq!(facts.needed, ["libc.so.6"]);
        assert_eq!(
            facts.interpreter.as_deref(),
            Some("/lib64/ld-linux-x86-64.so.2")
        );
    }
}
