//! ELF notes, walked through PT_NOTE program headers the way Go's `cmd/internal/buildid`
//! (`readELF`) does, so they are found with no section headers; SHT_NOTE sections are the
//! fallback for relocatable objects, which have no program headers.
//!
//! Notes read: GNU build ID (`NT_GNU_BUILD_ID`), the Go build ID (name "Go", type 4,
//! `cmd/link/internal/ld/elf.go` `ELF_NOTE_GOBUILDID_TAG`), and the ABI notes that name an OS
//! (`NT_GNU_ABI_TAG`, FreeBSD, NetBSD, OpenBSD).

use object::Endianness;
use object::elf;
use object::read::elf::{FileHeader, NoteIterator, ProgramHeader, SectionHeader};

use super::names::ElfOs;

/// Upper bound on notes read from one file: real binaries have a handful.
const MAX_NOTES: usize = 256;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notes {
    pub gnu_build_id: Option<String>,
    pub go_build_id: Option<String>,
    /// The OS an ABI note names, when one does.
    pub abi_os: Option<super::names::ElfOs>,
}

const NT_GO_BUILD_ID: u32 = 4;

pub fn read(data: &[u8], is_64: bool) -> Notes {
    if is_64 {
        read_as::<elf::FileHeader64<Endianness>>(data)
    } else {
        read_as::<elf::FileHeader32<Endianness>>(data)
    }
}

fn read_as<Elf: FileHeader<Endian = Endianness>>(data: &[u8]) -> Notes {
    let mut notes = Notes::default();
    let Ok(header) = Elf::parse(data) else {
        return notes;
    };
    let Ok(endian) = header.endian() else {
        return notes;
    };
    let mut seen = 0;
    let mut found_segment = false;
    if let Ok(segments) = header.program_headers(endian, data) {
        for segment in segments {
            if let Ok(Some(iter)) = segment.notes(endian, data) {
                found_segment = true;
                walk(iter, endian, &mut notes, &mut seen);
            }
        }
    }
    if !found_segment && let Ok(sections) = header.sections(endian, data) {
        for section in sections.iter() {
            if let Ok(Some(iter)) = section.notes(endian, data) {
                walk(iter, endian, &mut notes, &mut seen);
            }
        }
    }
    notes
}

fn walk<Elf: FileHeader<Endian = Endianness>>(
    mut iter: NoteIterator<'_, Elf>,
    endian: Endianness,
    notes: &mut Notes,
    seen: &mut usize,
) {
    while let Ok(Some(note)) = iter.next() {
        *seen += 1;
        if *seen > MAX_NOTES {
            return;
        }
        let n_type = note.n_type(endian).0;
        match (note.name(), n_type) {
            (b"GNU", 3) if notes.gnu_build_id.is_none() => {
                notes.gnu_build_id = Some(hex(note.desc()))
            }
            (b"GNU", 1) if notes.abi_os.is_none() => {
                let os = note.desc().get(..4).map(|w| match endian {
                    Endianness::Little => u32::from_le_bytes([w[0], w[1], w[2], w[3]]),
                    Endianness::Big => u32::from_be_bytes([w[0], w[1], w[2], w[3]]),
                });
                notes.abi_os = match os {
                    Some(0) => Some(ElfOs::Linux),
                    Some(1) => Some(ElfOs::Hurd),
                    Some(2) => Some(ElfOs::Solaris),
                    Some(3) => Some(ElfOs::Freebsd),
                    _ => None,
                };
            }
            (b"Go", NT_GO_BUILD_ID) if notes.go_build_id.is_none() => {
                notes.go_build_id = Some(super::loader::c_string(note.desc()));
            }
            (b"FreeBSD", _) => notes.abi_os = Some(ElfOs::Freebsd),
            (b"NetBSD", _) => notes.abi_os = Some(ElfOs::Netbsd),
            (b"OpenBSD", _) => notes.abi_os = Some(ElfOs::Openbsd),
            _ => {}
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}
