//! A format-neutral view of an executable for the Go readers: sections by name, loadable
//! segments with their permissions, virtual address to file offset, pointer size and byte
//! order. ELF, PE and Mach-O come through object's unified reader, which is what lets
//! `gostatic buildinfo` read Windows and macOS builds the way `go version -m` does.
//!
//! It borrows from the file's bytes and never copies section contents. Nothing here knows
//! about Go; it only answers "which bytes live at this address" and "where is this section".

use object::read::elf::{FileHeader, ProgramHeader};
use object::{BinaryFormat, Endian, Endianness, Object, ObjectSection, ObjectSegment};

use crate::elf::read_uint;

/// Most sections or segments kept from one file; real executables have a few dozen.
const MAX_TABLE_ENTRIES: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Elf,
    Pe,
    MachO,
}

/// A section that has bytes in the file.
#[derive(Debug, Clone)]
pub struct Section<'data> {
    pub name: String,
    pub address: u64,
    pub data: &'data [u8],
    /// Where `data` starts in the file.
    pub offset: u64,
}

/// A loadable segment (ELF PT_LOAD, Mach-O LC_SEGMENT, PE section).
#[derive(Debug, Clone)]
pub struct Segment<'data> {
    pub address: u64,
    /// Size in memory, which may exceed the bytes in the file (`.bss`).
    pub mem_size: u64,
    pub data: &'data [u8],
    pub offset: u64,
    pub writable: bool,
    pub executable: bool,
}

#[derive(Debug, Clone)]
pub struct Binary<'data> {
    pub data: &'data [u8],
    pub container: Container,
    /// 4 or 8.
    pub pointer_size: usize,
    pub big_endian: bool,
    pub sections: Vec<Section<'data>>,
    pub segments: Vec<Segment<'data>>,
}

impl<'data> Binary<'data> {
    /// Parse the section and segment tables; `None` for anything object cannot read as an
    /// executable container (the ELF readers report why elsewhere).
    pub fn parse(data: &'data [u8]) -> Option<Binary<'data>> {
        let Ok(file) = object::File::parse(data) else {
            return Self::elf_segments_only(data);
        };
        let container = match file.format() {
            BinaryFormat::Elf => Container::Elf,
            BinaryFormat::Pe => Container::Pe,
            BinaryFormat::MachO => Container::MachO,
            _ => return None,
        };
        let size = data.len() as u64;
        let in_file = |offset: u64, len: u64| {
            let end = offset.checked_add(len).filter(|&end| end <= size)?;
            data.get(offset as usize..end as usize)
        };
        let mut sections = Vec::new();
        for section in file.sections().take(MAX_TABLE_ENTRIES) {
            let Some((offset, len)) = section.file_range() else {
                continue;
            };
            let Some(bytes) = in_file(offset, len) else {
                continue;
            };
            let name = section.name().unwrap_or_default().to_string();
            sections.push(Section {
                name,
                address: section.address(),
                data: bytes,
                offset,
            });
        }
        let mut segments = Vec::new();
        for segment in file.segments().take(MAX_TABLE_ENTRIES) {
            let (offset, len) = segment.file_range();
            let Some(bytes) = in_file(offset, len) else {
                continue;
            };
            let permissions = segment.permissions();
            segments.push(Segment {
                address: segment.address(),
                mem_size: segment.size(),
                data: bytes,
                offset,
                writable: permissions.writable(),
                executable: permissions.executable(),
            });
        }
        Some(Binary {
            data,
            container,
            pointer_size: if file.is_64() { 8 } else { 4 },
            big_endian: !file.is_little_endian(),
            sections,
            segments,
        })
    }

    /// An ELF file whose section table object refuses (an `e_shstrndx` out of range, say),
    /// seen as the kernel sees it: the ELF header and the PT_LOAD program headers, no
    /// sections. The Go readers then search segments, as for a file without section headers.
    fn elf_segments_only(data: &'data [u8]) -> Option<Binary<'data>> {
        match object::FileKind::parse(data).ok()? {
            object::FileKind::Elf32 => segments_as::<object::elf::FileHeader32<Endianness>>(data),
            object::FileKind::Elf64 => segments_as::<object::elf::FileHeader64<Endianness>>(data),
            _ => None,
        }
    }

    /// `(address, bytes)` of the named sections, or when the file has none of them, of the
    /// loadable segments that are (`writable`) or are not writable: where to search data
    /// when a section table may be missing or renamed.
    pub fn areas(&self, names: &[&str], writable: bool) -> Vec<(u64, &'data [u8])> {
        let named: Vec<_> = names
            .iter()
            .filter_map(|name| self.section(name))
            .map(|s| (s.address, s.data))
            .collect();
        if !named.is_empty() {
            return named;
        }
        self.segments
            .iter()
            .filter(|s| s.writable == writable)
            .map(|s| (s.address, s.data))
            .collect()
    }

    pub fn section(&self, name: &str) -> Option<&Section<'data>> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// Up to `len` bytes at virtual address `address`, as far as the file holds them (fewer
    /// when the segment's file image ends first; empty when the address is in none).
    pub fn bytes_at(&self, address: u64, len: usize) -> Option<&'data [u8]> {
        let segment = self
            .segments
            .iter()
            .find(|s| address >= s.address && address - s.address < s.data.len() as u64)?;
        let start = (address - segment.address) as usize;
        let end = start.saturating_add(len).min(segment.data.len());
        segment.data.get(start..end)
    }

    pub fn read_uint(&self, bytes: &[u8], size: usize) -> Option<u64> {
        read_uint(bytes, size, self.big_endian)
    }

    /// A pointer-sized value at `address`.
    pub fn pointer_at(&self, address: u64) -> Option<u64> {
        let bytes = self.bytes_at(address, self.pointer_size)?;
        self.read_uint(bytes, self.pointer_size)
    }
}

fn segments_as<'data, Elf: FileHeader<Endian = Endianness>>(
    data: &'data [u8],
) -> Option<Binary<'data>> {
    let header = Elf::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let size = data.len() as u64;
    let segments = header
        .program_headers(endian, data)
        .ok()?
        .iter()
        .filter(|ph| ph.p_type(endian) == object::elf::PT_LOAD)
        .take(MAX_TABLE_ENTRIES)
        .filter_map(|ph| {
            let offset: u64 = ph.p_offset(endian).into();
            let len: u64 = ph.p_filesz(endian).into();
            let end = offset.checked_add(len).filter(|&end| end <= size)?;
            let flags = ph.p_flags(endian).0;
            Some(Segment {
                address: ph.p_vaddr(endian).into(),
                mem_size: ph.p_memsz(endian).into(),
                data: data.get(offset as usize..end as usize)?,
                offset,
                writable: flags & object::elf::PF_W.0 != 0,
                executable: flags & object::elf::PF_X.0 != 0,
            })
        })
        .collect();
    Some(Binary {
        data,
        container: Container::Elf,
        pointer_size: if header.is_type_64() { 8 } else { 4 },
        big_endian: endian.is_big_endian(),
        sections: Vec::new(),
        segments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_binary() {
        assert!(Binary::parse(b"\x7fELF garbage").is_none());
        assert!(Binary::parse(&[]).is_none());
    }

    #[test]
    fn an_unreadable_section_table_leaves_the_segments() {
        let data = crate::testkit::elf::go_static();
        let intact = Binary::parse(&data).unwrap();
        let mut bad = data.clone();
        bad[0x3e..0x40].copy_from_slice(&0xfeffu16.to_le_bytes());
        assert!(object::File::parse(&*bad).is_err());
        let bin = Binary::parse(&bad).unwrap();
        assert!(bin.sections.is_empty());
        assert_eq!((bin.pointer_size, bin.big_endian), (8, false));
        let summary = |b: &Binary<'_>| -> Vec<(u64, u64, usize, bool, bool)> {
            b.segments
                .iter()
                .map(|s| {
                    (
                        s.address,
                        s.mem_size,
                        s.data.len(),
                        s.writable,
                        s.executable,
                    )
                })
                .collect()
        };
        assert_eq!(summary(&bin), summary(&intact));
        // Big-endian 32-bit too.
        let mut mips = crate::testkit::elf::fixture("bin/go-mips");
        mips[0x32..0x34].copy_from_slice(&0xfeffu16.to_be_bytes());
        let bin = Binary::parse(&mips).unwrap();
        assert_eq!((bin.pointer_size, bin.big_endian), (4, true));
        assert!(bin.segments.iter().any(|s| s.executable));
    }
}
