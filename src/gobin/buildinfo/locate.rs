//! Go's view of an executable for buildinfo: the `exe` interface of
//! `src/debug/buildinfo/buildinfo.go` (Go 1.27), per format (ELF, PE, Mach-O and fat Mach-O,
//! AIX XCOFF, Plan 9 a.out). `data_start` is where Go looks
//! for the blob (`DataStart`); `reader` is `DataReader`: the bytes from an address to the end
//! of the first program header, PE section or Mach-O segment whose range holds it, in table
//! order and with Go's unsigned arithmetic (a zero-size region at address 0 matches every
//! address and yields no bytes, as in Go).
//!
//! This module reproduces Go's choices, quirks included; it is not where gostatic is clever
//! (see `scan`). It reads headers with object's low-level parsers and copies nothing.

use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use object::read::macho::{FatArch, MachHeader, MachOFatFile32, MachOFatFile64, Segment as _};
use object::read::pe::{ImageNtHeaders, ImageOptionalHeader};
use object::{Endianness, LittleEndian as LE, elf, macho, pe};

use super::BuildInfoError;

/// One place `DataReader` can read from.
#[derive(Debug, Clone)]
struct Region<'data> {
    start: u64,
    /// Last address of the range, computed as Go does (`start + size - 1`, wrapping).
    last: u64,
    /// The region's bytes in the file, from `start`, clipped to the end of the file.
    bytes: &'data [u8],
    /// Mach-O `__PAGEZERO`: matched, then skipped (Go's `continue`).
    skip: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Exe<'data> {
    regions: Vec<Region<'data>>,
    /// PE addresses are matched relative to the image base, in 32 bits.
    pe_image_base: Option<u64>,
    data_start: (u64, u64),
}

/// `DataReader` found no region holding the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotMapped;

/// Most regions kept (program headers, sections, segments); real files have a few dozen.
const MAX_REGIONS: usize = 4096;

impl<'data> Exe<'data> {
    /// Identify the format from the first 16 bytes, as `readRawBuildInfo` does, and read its
    /// headers.
    pub fn parse(data: &'data [u8]) -> Result<Exe<'data>, BuildInfoError> {
        let unrecognized = BuildInfoError::UnrecognizedFormat;
        let ident = data.get(..16).ok_or(BuildInfoError::UnrecognizedFormat)?;
        let exe = if ident.starts_with(b"\x7fELF") {
            match elf::FileClass(ident[4]) {
                elf::ELFCLASS32 => parse_elf::<elf::FileHeader32<Endianness>>(data),
                elf::ELFCLASS64 => parse_elf::<elf::FileHeader64<Endianness>>(data),
                _ => None,
            }
        } else if ident.starts_with(b"MZ") {
            parse_pe::<pe::ImageNtHeaders64>(data)
                .or_else(|| parse_pe::<pe::ImageNtHeaders32>(data))
        } else if ident.starts_with(b"\xfe\xed\xfa") || ident[1..].starts_with(b"\xfa\xed\xfe") {
            parse_macho_any(data)
        } else if ident.starts_with(b"\xca\xfe\xba\xbe") || ident.starts_with(b"\xca\xfe\xba\xbf") {
            first_fat_arch(data).and_then(parse_macho_any)
        } else if ident.starts_with(&[0x01, 0xdf]) || ident.starts_with(&[0x01, 0xf7]) {
            parse_xcoff(data)
        } else if is_plan9_magic(ident) {
            parse_plan9(data)
        } else {
            None
        };
        exe.ok_or(unrecognized)
    }

    /// `DataStart`: address and size of the range searched for the blob; size 0 when the
    /// file has no such section.
    pub fn data_start(&self) -> (u64, u64) {
        self.data_start
    }

    /// `DataReader(addr)`: the bytes from `address` to the end of its region.
    pub fn reader(&self, address: u64) -> Result<&'data [u8], NotMapped> {
        let address = match self.pe_image_base {
            Some(base) => address.wrapping_sub(base),
            None => address,
        };
        for region in &self.regions {
            if region.start <= address && address <= region.last {
                if region.skip {
                    continue;
                }
                let offset = address - region.start;
                let bytes = usize::try_from(offset)
                    .ok()
                    .and_then(|offset| region.bytes.get(offset..))
                    .unwrap_or_default();
                return Ok(bytes);
            }
        }
        Err(NotMapped)
    }
}

/// Whether the first 16 bytes start like a format Go's reader parses (ELF, PE, Mach-O, fat
/// Mach-O; XCOFF and Plan 9 are not supported here).
pub(crate) fn is_executable_ident(ident: &[u8]) -> bool {
    ident.len() >= 16
        && (ident.starts_with(b"\x7fELF")
            || ident.starts_with(b"MZ")
            || ident.starts_with(b"\xfe\xed\xfa")
            || ident[1..].starts_with(b"\xfa\xed\xfe")
            || ident.starts_with(b"\xca\xfe\xba\xbe")
            || ident.starts_with(b"\xca\xfe\xba\xbf")
            || ident.starts_with(&[0x01, 0xdf])
            || ident.starts_with(&[0x01, 0xf7])
            || is_plan9_magic(ident))
}

/// Plan 9 a.out magics Go's reader accepts: 386, amd64, arm (`debug/plan9obj`).
fn is_plan9_magic(ident: &[u8]) -> bool {
    const MAGIC_386: u32 = (4 * 11) * 11 + 7;
    const MAGIC_AMD64: u32 = (4 * 26) * 26 + 7 + 0x8000;
    const MAGIC_ARM: u32 = (4 * 20) * 20 + 7;
    be(ident, 0, 4).is_some_and(|m| matches!(m as u32, MAGIC_386 | MAGIC_AMD64 | MAGIC_ARM))
}

/// A big-endian unsigned integer of `size` bytes at `offset`.
fn be(data: &[u8], offset: usize, size: usize) -> Option<u64> {
    let bytes = data.get(offset..offset.checked_add(size)?)?;
    Some(bytes.iter().fold(0, |acc, &b| (acc << 8) | u64::from(b)))
}

/// The first architecture of a fat Mach-O (Go reads only `Arches[0]`).
pub(crate) fn first_fat_arch(data: &[u8]) -> Option<&[u8]> {
    if data.get(3) == Some(&0xbf) {
        let fat = MachOFatFile64::parse(data).ok()?;
        fat.arches().first()?.data(data).ok()
    } else {
        let fat = MachOFatFile32::parse(data).ok()?;
        fat.arches().first()?.data(data).ok()
    }
}

/// File bytes `[offset, offset + size)`, clipped to the end of the file (Go's section
/// readers return short reads there, not errors).
fn file_bytes(data: &[u8], offset: u64, size: u64) -> &[u8] {
    let Ok(start) = usize::try_from(offset) else {
        return &[];
    };
    let Some(rest) = data.get(start..) else {
        return &[];
    };
    let len = usize::try_from(size).unwrap_or(usize::MAX).min(rest.len());
    &rest[..len]
}

fn parse_elf<'data, H: FileHeader<Endian = Endianness>>(data: &'data [u8]) -> Option<Exe<'data>> {
    let header = H::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let mut regions = Vec::new();
    // Go's `elf.File.Progs`: every program header, not only PT_LOAD.
    for phdr in header
        .program_headers(endian, data)
        .ok()?
        .iter()
        .take(MAX_REGIONS)
    {
        let vaddr: u64 = phdr.p_vaddr(endian).into();
        let filesz: u64 = phdr.p_filesz(endian).into();
        let offset: u64 = phdr.p_offset(endian).into();
        regions.push(Region {
            start: vaddr,
            last: vaddr.wrapping_add(filesz).wrapping_sub(1),
            bytes: file_bytes(data, offset, filesz),
            skip: false,
        });
    }
    let sections = header.sections(endian, data).ok()?;
    let data_start = sections
        .iter()
        .find(|s| sections.section_name(endian, s).ok() == Some(b".go.buildinfo".as_slice()))
        .map_or((0, 0), |s| {
            (s.sh_addr(endian).into(), s.sh_size(endian).into())
        });
    Some(Exe {
        regions,
        pe_image_base: None,
        data_start,
    })
}

fn parse_pe<'data, H: ImageNtHeaders>(data: &'data [u8]) -> Option<Exe<'data>> {
    let dos = pe::ImageDosHeader::parse(data).ok()?;
    let mut offset = dos.nt_headers_offset().into();
    let (nt, _) = H::parse(data, &mut offset).ok()?;
    let image_base = nt.optional_header().image_base();
    let table = object::read::pe::SectionTable::parse(nt.file_header(), data, offset).ok()?;
    // `IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE`, ignoring
    // `IMAGE_SCN_ALIGN_32BYTES`: Go takes the first such section as the data section.
    const DATA: u32 =
        pe::IMAGE_SCN_CNT_INITIALIZED_DATA.0 | pe::IMAGE_SCN_MEM_READ.0 | pe::IMAGE_SCN_MEM_WRITE.0;
    const ALIGN_32BYTES: u32 = 0x0060_0000;
    let mut regions = Vec::new();
    let mut data_start = (0, 0);
    for section in table.iter().take(MAX_REGIONS) {
        let virtual_address = section.virtual_address.get(LE);
        // Go's `Size` is SizeOfRawData; the range arithmetic is uint32.
        let raw_size = section.size_of_raw_data.get(LE);
        regions.push(Region {
            start: u64::from(virtual_address),
            last: u64::from(virtual_address.wrapping_add(raw_size).wrapping_sub(1)),
            bytes: file_bytes(
                data,
                u64::from(section.pointer_to_raw_data.get(LE)),
                u64::from(raw_size),
            ),
            skip: false,
        });
        let characteristics = section.characteristics.get(LE).0;
        if data_start == (0, 0)
            && virtual_address != 0
            && raw_size != 0
            && characteristics & !ALIGN_32BYTES == DATA
        {
            data_start = (
                u64::from(virtual_address).wrapping_add(image_base),
                u64::from(section.virtual_size.get(LE)),
            );
        }
    }
    Some(Exe {
        regions,
        pe_image_base: Some(image_base),
        data_start,
    })
}

fn parse_macho_any(data: &[u8]) -> Option<Exe<'_>> {
    let magic = data.get(..4)?;
    if magic == [0xfe, 0xed, 0xfa, 0xcf] || magic == [0xcf, 0xfa, 0xed, 0xfe] {
        parse_macho::<macho::MachHeader64<Endianness>>(data)
    } else {
        parse_macho::<macho::MachHeader32<Endianness>>(data)
    }
}

fn parse_macho<'data, H: MachHeader<Endian = Endianness>>(data: &'data [u8]) -> Option<Exe<'data>> {
    let header = H::parse(data, 0).ok()?;
    let endian = header.endian().ok()?;
    let mut commands = header.load_commands(endian, data, 0).ok()?;
    let mut regions = Vec::new();
    let mut data_start = None;
    while let Some(command) = commands.next().ok()? {
        let Some((segment, section_data)) = H::Segment::from_command(command).ok()? else {
            continue;
        };
        if regions.len() < MAX_REGIONS {
            let start: u64 = segment.vmaddr(endian).into();
            let filesz: u64 = segment.filesize(endian).into();
            let fileoff: u64 = segment.fileoff(endian).into();
            regions.push(Region {
                start,
                last: start.wrapping_add(filesz).wrapping_sub(1),
                bytes: file_bytes(data, fileoff, filesz),
                skip: segment.name() == b"__PAGEZERO",
            });
        }
        if data_start.is_none() {
            for section in segment.sections(endian, section_data).ok()? {
                use object::read::macho::Section as _;
                if section.name() == b"__go_buildinfo" {
                    data_start = Some((section.addr(endian).into(), section.size(endian).into()));
                    break;
                }
            }
        }
    }
    Some(Exe {
        regions,
        pe_image_base: None,
        data_start: data_start.unwrap_or((0, 0)),
    })
}

/// AIX XCOFF (`internal/xcoff`): sections by virtual address; Go searches the first section
/// whose flags are exactly `STYP_DATA`. Go's parser also reads the symbol and string tables;
/// here only their presence is checked, as Go rejects a file without them.
fn parse_xcoff(data: &[u8]) -> Option<Exe<'_>> {
    const STYP_DATA: u64 = 0x0040;
    let is64 = be(data, 0, 2)? == 0x01f7;
    let sections = be(data, 2, 2)? as usize;
    let (symptr, nsyms, opthdr, header_size, entry_size) = if is64 {
        (be(data, 8, 8)?, be(data, 20, 4)?, be(data, 16, 2)?, 24, 72)
    } else {
        (be(data, 8, 4)?, be(data, 12, 4)?, be(data, 16, 2)?, 20, 40)
    };
    if symptr == 0 || nsyms == 0 {
        return None;
    }
    let mut regions = Vec::new();
    let mut data_start = None;
    let mut at = header_size + opthdr as usize;
    for _ in 0..sections.min(MAX_REGIONS) {
        let word = if is64 { 8 } else { 4 };
        let vaddr = be(data, at + 8 + word, word)?;
        let size = be(data, at + 8 + 2 * word, word)?;
        let scnptr = be(data, at + 8 + 3 * word, word)?;
        let flags = be(data, at + if is64 { 64 } else { 36 }, 4)?;
        regions.push(Region {
            start: vaddr,
            last: vaddr.wrapping_add(size).wrapping_sub(1),
            // Go reads a section without file data (.bss) as zeros; no blob lives there.
            bytes: if scnptr == 0 {
                &[]
            } else {
                file_bytes(data, scnptr, size)
            },
            skip: false,
        });
        if data_start.is_none() && flags == STYP_DATA {
            data_start = Some((vaddr, size));
        }
        at += entry_size;
    }
    Some(Exe {
        regions,
        pe_image_base: None,
        data_start: data_start.unwrap_or((0, 0)),
    })
}

/// Plan 9 a.out (`debug/plan9obj`): five sections back to back after the header, addressed
/// by file offset; Go searches the `data` section.
fn parse_plan9(data: &[u8]) -> Option<Exe<'_>> {
    let magic = be(data, 0, 4)?;
    let header_size: u64 = if magic & 0x8000 != 0 { 40 } else { 32 };
    if (data.len() as u64) < header_size {
        return None;
    }
    // text, data, syms, spsz, pcsz sizes, in file order (the header lists bss between).
    let sizes = [
        be(data, 4, 4)?,
        be(data, 8, 4)?,
        be(data, 16, 4)?,
        be(data, 24, 4)?,
        be(data, 28, 4)?,
    ];
    let mut regions = Vec::new();
    let mut offset = header_size as u32;
    let mut data_start = (0, 0);
    for (index, &size) in sizes.iter().enumerate() {
        let size = size as u32;
        regions.push(Region {
            start: u64::from(offset),
            last: u64::from(offset.wrapping_add(size).wrapping_sub(1)),
            bytes: file_bytes(data, u64::from(offset), u64::from(size)),
            skip: false,
        });
        if index == 1 {
            data_start = (u64::from(offset), u64::from(size));
        }
        offset = offset.wrapping_add(size);
    }
    Some(Exe {
        regions,
        pe_image_base: None,
        data_start,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exe(regions: Vec<Region<'static>>) -> Exe<'static> {
        Exe {
            regions,
            pe_image_base: None,
            data_start: (0, 0),
        }
    }

    #[test]
    fn reader_takes_the_first_region_in_table_order() {
        let x = exe(vec![
            Region {
                start: 0x1000,
                last: 0x1003,
                bytes: b"abcd",
                skip: false,
            },
            Region {
                start: 0x1000,
                last: 0x1007,
                bytes: b"ABCDEFGH",
                skip: false,
            },
        ]);
        assert_eq!(x.reader(0x1002), Ok(&b"cd"[..]));
        assert_eq!(x.reader(0x1005), Ok(&b"FGH"[..]));
        assert_eq!(x.reader(0x2000), Err(NotMapped));
    }

    #[test]
    fn an_empty_region_at_zero_matches_everything_like_go() {
        let x = exe(vec![Region {
            start: 0,
            last: u64::MAX,
            bytes: b"",
            skip: false,
        }]);
        assert_eq!(x.reader(0x1234), Ok(&b""[..]));
    }

    #[test]
    fn pagezero_is_skipped_after_matching() {
        let x = exe(vec![
            Region {
                start: 0,
                last: u64::MAX,
                bytes: b"",
                skip: true,
            },
            Region {
                start: 0x10,
                last: 0x11,
                bytes: b"xy",
                skip: false,
            },
        ]);
        assert_eq!(x.reader(0x11), Ok(&b"y"[..]));
        assert_eq!(x.reader(0x12), Err(NotMapped));
    }

    #[test]
    fn short_or_foreign_input_is_unrecognized() {
        for data in [
            &b""[..],
            b"\x7fELF",
            b"#!/bin/sh\necho hello world\n",
            b"MZ\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        ] {
            assert_eq!(
                Exe::parse(data).unwrap_err(),
                BuildInfoError::UnrecognizedFormat
            );
        }
    }
}
