//! The loader's view of an ELF file: what the kernel (`binfmt_elf`) and `ld.so` read when the
//! program starts. Only the ELF header, the program headers and PT_DYNAMIC are used, so it works
//! on files whose section headers are stripped or lie. Parsing is goblin's; every offset that
//! goblin does not check is checked here before it is used.
//!
//! Follows the kernel where it matters: the first PT_INTERP is the interpreter, the last
//! PT_GNU_STACK decides the stack (`fs/binfmt_elf.c`, `load_elf_binary`).

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::dynamic::{self, Dynamic};
use goblin::elf::program_header::{self as ph, ProgramHeader};

use crate::error::ElfError;

pub const ELF_MAGIC: &[u8; 4] = b"\x7fELF";

/// One program header, with the fields the rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub p_type: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

impl Segment {
    pub fn is_write(&self) -> bool {
        self.flags & ph::PF_W != 0
    }
    pub fn is_exec(&self) -> bool {
        self.flags & ph::PF_X != 0
    }
}

/// What PT_DYNAMIC says, with its strings resolved through DT_STRTAB.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DynamicSection {
    pub needed: Vec<String>,
    pub rpath: Vec<String>,
    pub runpath: Vec<String>,
    pub soname: Option<String>,
    pub flags: u64,
    pub flags_1: u64,
    pub has_bind_now: bool,
    pub has_textrel: bool,
    /// File range (offset, length) the strings were read from: DT_STRTAB through its PT_LOAD,
    /// cut at DT_STRSZ. None when no entry needed a string.
    pub strtab_range: Option<(u64, u64)>,
    /// DT_VERNEED and DT_VERDEF: virtual addresses of the symbol-version tables (`versions`
    /// reads them).
    pub verneed: Option<u64>,
    pub verdef: Option<u64>,
}

/// The loader's view of one ELF file.
#[derive(Debug, Clone)]
pub struct LoaderView {
    pub is_64: bool,
    pub little_endian: bool,
    pub e_type: u16,
    pub machine: u16,
    pub osabi: u8,
    pub entry: u64,
    pub shoff: u64,
    pub shnum: u16,
    pub shentsize: u16,
    pub shstrndx: u16,
    pub segments: Vec<Segment>,
    pub interpreter: Option<String>,
    /// Why the kernel's `load_elf_binary` would refuse the first PT_INTERP: its size is not
    /// 2 to PATH_MAX bytes, or its last byte is not NUL (fs/binfmt_elf.c).
    pub interpreter_refused: Option<String>,
    pub dynamic: Option<DynamicSection>,
}

pub const DF_BIND_NOW: u64 = 0x8;
pub const DF_1_NOW: u64 = 0x1;
pub const DF_1_PIE: u64 = 0x0800_0000;

impl LoaderView {
    pub fn has_segment(&self, p_type: u32) -> bool {
        self.segments.iter().any(|s| s.p_type == p_type)
    }

    pub fn needed(&self) -> &[String] {
        self.dynamic.as_ref().map_or(&[], |d| &d.needed)
    }

    /// File offset of a virtual address, through the PT_LOAD that holds it in its file image.
    pub fn vaddr_to_offset(&self, vaddr: u64) -> Option<u64> {
        self.vaddr_to_range(vaddr).map(|(offset, _)| offset)
    }

    /// File offset of a virtual address and how many bytes of that PT_LOAD's file image
    /// follow it (PT_LOAD ranges were checked against the file size when the view was read).
    pub fn vaddr_to_range(&self, vaddr: u64) -> Option<(u64, u64)> {
        self.segments
            .iter()
            .filter(|s| s.p_type == ph::PT_LOAD)
            .find(|s| vaddr >= s.vaddr && vaddr - s.vaddr < s.filesz)
            .and_then(|s| {
                let within = vaddr - s.vaddr;
                Some((s.offset.checked_add(within)?, s.filesz - within))
            })
    }
}

/// The parts of `e_ident` every reader needs, checked.
pub(crate) struct Ident {
    pub is_64: bool,
    pub little_endian: bool,
}

pub(crate) fn read_ident(data: &[u8]) -> Result<Ident, ElfError> {
    if data.len() < 16 {
        return Err(ElfError::TruncatedHeader {
            size: data.len() as u64,
            need: 16,
        });
    }
    let is_64 = match data[4] {
        1 => false,
        2 => true,
        other => return Err(ElfError::BadClass(other)),
    };
    let little_endian = match data[5] {
        1 => true,
        2 => false,
        other => return Err(ElfError::BadEncoding(other)),
    };
    let need = if is_64 { 64 } else { 52 };
    if (data.len() as u64) < need {
        return Err(ElfError::TruncatedHeader {
            size: data.len() as u64,
            need,
        });
    }
    Ok(Ident {
        is_64,
        little_endian,
    })
}

pub fn read(data: &[u8]) -> Result<LoaderView, ElfError> {
    let ident = read_ident(data)?;
    let header =
        goblin::elf::Elf::parse_header(data).map_err(|e| ElfError::malformed("ELF header", e))?;
    let container = if ident.is_64 {
        Container::Big
    } else {
        Container::Little
    };
    let endian = if ident.little_endian {
        Endian::Little
    } else {
        Endian::Big
    };
    let ctx = Ctx::new(container, endian);
    let size = data.len() as u64;
    let bits = if ident.is_64 { 64 } else { 32 };

    let entsize: u64 = if ident.is_64 { 56 } else { 32 };
    let count = u64::from(header.e_phnum);
    if count > 0 && u64::from(header.e_phentsize) != entsize {
        return Err(ElfError::BadPhentsize {
            found: header.e_phentsize,
            expected: entsize as u16,
            bits,
        });
    }
    let table_end = header.e_phoff.checked_add(count * entsize);
    if count > 0 && table_end.is_none_or(|end| end > size) {
        return Err(ElfError::TruncatedProgramHeaders {
            phoff: header.e_phoff,
            count,
            entsize,
            size,
        });
    }
    let phdrs = if count == 0 {
        Vec::new()
    } else {
        ProgramHeader::parse(data, header.e_phoff as usize, count as usize, ctx)
            .map_err(|e| ElfError::malformed("program header table", e))?
    };

    let segments: Vec<Segment> = phdrs
        .iter()
        .map(|p| Segment {
            p_type: p.p_type,
            flags: p.p_flags,
            offset: p.p_offset,
            vaddr: p.p_vaddr,
            filesz: p.p_filesz,
            memsz: p.p_memsz,
            align: p.p_align,
        })
        .collect();
    for (index, seg) in segments.iter().enumerate() {
        let what = match seg.p_type {
            ph::PT_LOAD => "PT_LOAD",
            ph::PT_INTERP => "PT_INTERP",
            ph::PT_DYNAMIC => "PT_DYNAMIC",
            _ => continue,
        };
        if seg
            .offset
            .checked_add(seg.filesz)
            .is_none_or(|end| end > size)
        {
            return Err(ElfError::SegmentOutOfFile {
                what,
                index,
                offset: seg.offset,
                filesz: seg.filesz,
                size,
            });
        }
    }

    let mut view = LoaderView {
        is_64: ident.is_64,
        little_endian: ident.little_endian,
        e_type: header.e_type,
        machine: header.e_machine,
        osabi: data[7],
        entry: header.e_entry,
        shoff: header.e_shoff,
        shnum: header.e_shnum,
        shentsize: header.e_shentsize,
        shstrndx: header.e_shstrndx,
        segments,
        interpreter: None,
        interpreter_refused: None,
        dynamic: None,
    };

    // The kernel reads the first PT_INTERP and refuses one outside 2..=PATH_MAX bytes or
    // without its NUL (fs/binfmt_elf.c, load_elf_binary).
    if let Some(first) = view.segments.iter().find(|s| s.p_type == ph::PT_INTERP) {
        const PATH_MAX: u64 = 4096;
        view.interpreter_refused = if !(2..=PATH_MAX).contains(&first.filesz) {
            let plural = if first.filesz == 1 { "" } else { "s" };
            Some(format!(
                "its PT_INTERP is {} byte{plural} (the kernel takes 2 to {PATH_MAX})",
                first.filesz
            ))
        } else if data[(first.offset + first.filesz - 1) as usize] != 0 {
            Some("its PT_INTERP does not end with a NUL byte".to_string())
        } else {
            None
        };
    }

    // An empty PT_INTERP names nothing (the kernel refuses it; readelf finds no name).
    if let Some(interp) = view
        .segments
        .iter()
        .find(|s| s.p_type == ph::PT_INTERP && s.filesz > 0)
    {
        // Bounds were checked above.
        let bytes = &data[interp.offset as usize..(interp.offset + interp.filesz) as usize];
        view.interpreter = Some(c_string(bytes));
    }

    if view.has_segment(ph::PT_DYNAMIC) {
        let parsed =
            Dynamic::parse(data, &phdrs, ctx).map_err(|e| ElfError::malformed("PT_DYNAMIC", e))?;
        if let Some(parsed) = parsed {
            view.dynamic = Some(resolve_dynamic(data, &view, &parsed)?);
        }
    }
    Ok(view)
}

/// Resolve the string-valued entries through DT_STRTAB/DT_STRSZ, as `ld.so` does.
fn resolve_dynamic(
    data: &[u8],
    view: &LoaderView,
    parsed: &Dynamic,
) -> Result<DynamicSection, ElfError> {
    let mut out = DynamicSection::default();
    let mut strtab_addr = None;
    let mut strsz = None;
    for entry in &parsed.dyns {
        match entry.d_tag {
            dynamic::DT_STRTAB => strtab_addr = Some(entry.d_val),
            dynamic::DT_STRSZ => strsz = Some(entry.d_val),
            dynamic::DT_FLAGS => out.flags = entry.d_val,
            dynamic::DT_FLAGS_1 => out.flags_1 = entry.d_val,
            dynamic::DT_BIND_NOW => out.has_bind_now = true,
            dynamic::DT_TEXTREL => out.has_textrel = true,
            dynamic::DT_VERNEED => out.verneed = Some(entry.d_val),
            dynamic::DT_VERDEF => out.verdef = Some(entry.d_val),
            _ => {}
        }
    }
    let wants_strings = parsed.dyns.iter().any(|d| is_string_tag(d.d_tag));
    if !wants_strings {
        // Version tables name their files and versions through DT_STRTAB too; without one
        // (or outside the file) they are unreadable, which is for `versions` to shrug at, not
        // a malformed file.
        if out.verneed.is_some() || out.verdef.is_some() {
            out.strtab_range = strtab_addr.and_then(|addr| {
                let offset = view.vaddr_to_offset(addr)?;
                let available = (data.len() as u64).checked_sub(offset)?;
                Some((offset, strsz.map_or(available, |sz| sz.min(available))))
            });
        }
        return Ok(out);
    }
    let strtab = match strtab_addr {
        Some(addr) => {
            let offset = view.vaddr_to_offset(addr).ok_or_else(|| {
                ElfError::malformed(
                    "PT_DYNAMIC",
                    format!("DT_STRTAB {addr:#x} is not inside any PT_LOAD file image"),
                )
            })?;
            let available = data.len() as u64 - offset;
            let len = strsz.map_or(available, |sz| sz.min(available));
            out.strtab_range = Some((offset, len));
            &data[offset as usize..(offset + len) as usize]
        }
        None => {
            return Err(ElfError::malformed(
                "PT_DYNAMIC",
                "string entries without DT_STRTAB",
            ));
        }
    };
    let strings = parsed
        .dyns
        .iter()
        .filter(|d| is_string_tag(d.d_tag))
        .count();
    if strings > MAX_DYNAMIC_STRINGS {
        return Err(ElfError::malformed(
            "PT_DYNAMIC",
            format!(
                "{strings} DT_NEEDED/DT_RPATH/DT_RUNPATH/DT_SONAME entries (more than the \
                 {MAX_DYNAMIC_STRINGS} gostatic reads)"
            ),
        ));
    }
    let mut kept_bytes = 0usize;
    for entry in &parsed.dyns {
        if !is_string_tag(entry.d_tag) {
            continue;
        }
        let at = entry.d_val;
        if at >= strtab.len() as u64 {
            return Err(ElfError::malformed(
                "PT_DYNAMIC",
                format!(
                    "{} string offset {at:#x} outside DT_STRTAB (size {:#x})",
                    tag_name(entry.d_tag),
                    strtab.len()
                ),
            ));
        }
        let value = c_string(&strtab[at as usize..]);
        // Entries may all name one long string: bound the copies as well as their number.
        kept_bytes += value.len();
        if kept_bytes > MAX_DYNAMIC_STRING_BYTES {
            return Err(ElfError::malformed(
                "PT_DYNAMIC",
                format!("its strings add up to more than {MAX_DYNAMIC_STRING_BYTES} bytes"),
            ));
        }
        match entry.d_tag {
            dynamic::DT_NEEDED => out.needed.push(value),
            dynamic::DT_RPATH => out.rpath.extend(split_path_list(&value)),
            dynamic::DT_RUNPATH => out.runpath.extend(split_path_list(&value)),
            dynamic::DT_SONAME => out.soname = Some(value),
            _ => {}
        }
    }
    Ok(out)
}

/// String entries of PT_DYNAMIC read per file. A real program needs tens of libraries (the
/// largest in Debian's /usr/lib, a few hundred); a 379 KB crafted image with millions of
/// DT_NEEDED entries naming one string once made the facts of one file 2.9 GB (issue 11,
/// item 10). Past this the file is refused as an input error, not judged on a partial list.
const MAX_DYNAMIC_STRINGS: usize = 4096;
/// Bytes of those strings copied into the facts, together.
const MAX_DYNAMIC_STRING_BYTES: usize = 1 << 20;

fn is_string_tag(tag: u64) -> bool {
    matches!(
        tag,
        dynamic::DT_NEEDED | dynamic::DT_RPATH | dynamic::DT_RUNPATH | dynamic::DT_SONAME
    )
}

fn tag_name(tag: u64) -> &'static str {
    match tag {
        dynamic::DT_NEEDED => "DT_NEEDED",
        dynamic::DT_RPATH => "DT_RPATH",
        dynamic::DT_RUNPATH => "DT_RUNPATH",
        dynamic::DT_SONAME => "DT_SONAME",
        _ => "dynamic",
    }
}

fn split_path_list(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(':')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
}

/// The bytes up to the first NUL, as text (invalid UTF-8 is replaced, never trusted).
pub(crate) fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
