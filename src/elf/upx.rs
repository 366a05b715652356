//! UPX packing, detected from UPX's own headers, never from a `UPX!` anywhere in the file
//! (Go binaries that merely mention UPX, or carry a packed file as data, must not match).
//!
//! Two independent witnesses, both written by every UPX 3.x/4.x Linux ELF packer
//! (upx/upx `src/p_unix.cpp` `pack`/`pack4`/`patchLoaderChecksum`, `src/packhead.cpp`
//! `putPackHeader`/`decodePackHeaderFromBuf`, `src/stub/src/include/linux.h`):
//! - `l_info` right after the program header table: `l_checksum:u32`, `l_magic = "UPX!"`
//!   (always little-endian bytes), `l_lsize:u16`, `l_version:u8`, `l_format:u8`; then
//!   `p_info`: `p_progid`, `p_filesize` (the original file's size), `p_blocksize`, all u32
//!   in the target's byte order.
//! - the 32-byte `PackHeader` plus a u32 overlay offset at the end of the file (trailing zero
//!   padding allowed, as UPX's own `canUnpack` allows a zero-filled last page): `"UPX!"`,
//!   version, format, method, level, then sizes (little-endian for formats < 128, big-endian
//!   layout for formats ≥ 128), filter bytes, and a checksum byte = sum of bytes 4..31 mod 251
//!   (versions ≥ 10).
//!
//! A packed file's loadable content is the UPX stub: the packed program's interpreter,
//! DT_NEEDED, Go buildinfo and pclntab are inside the compressed blocks and not visible.

use serde::Serialize;

/// Facts that a UPX-packed file hides from every reader gostatic has.
pub const HIDDEN_FACTS: [&str; 6] = [
    "interpreter",
    "needed",
    "go-buildinfo",
    "go-pclntab",
    "symbols",
    "dwarf",
];

/// Zero padding skipped at the end of the file before the PackHeader (UPX: two pages + slack).
const MAX_TRAILING_ZEROS: usize = 2 * 4096 + 73;
const MAGIC: &[u8; 4] = b"UPX!";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpxFacts {
    /// `l_info` after the program headers was found.
    pub loader_info: bool,
    /// A checksummed PackHeader was found at the end of the file.
    pub pack_header: bool,
    /// UPX pack-format version (e.g. 13 for UPX 3.9x, 14 for 4.x).
    pub version: Option<u8>,
    pub format: Option<u8>,
    pub format_name: Option<&'static str>,
    pub method: Option<u8>,
    pub method_name: Option<&'static str>,
    pub level: Option<u8>,
    /// Size of the file before packing (`p_info.p_filesize`, else the PackHeader's).
    pub original_size: Option<u64>,
    pub hidden_facts: &'static [&'static str],
}

/// UPX facts for an ELF file, `None` when neither header is present.
pub fn detect(data: &[u8]) -> Option<UpxFacts> {
    let loader = loader_info(data);
    let pack = pack_header(data);
    if loader.is_none() && pack.is_none() {
        return None;
    }
    let format = pack.map(|p| p.format).or(loader.map(|l| l.format));
    let method = pack.map(|p| p.method);
    Some(UpxFacts {
        loader_info: loader.is_some(),
        pack_header: pack.is_some(),
        version: pack.map(|p| p.version).or(loader.map(|l| l.version)),
        format,
        format_name: format.and_then(format_name),
        method,
        method_name: method.and_then(method_name),
        level: pack.map(|p| p.level),
        original_size: loader
            .and_then(|l| l.original_size)
            .or(pack.map(|p| p.original_size)),
        hidden_facts: &HIDDEN_FACTS,
    })
}

#[derive(Debug, Clone, Copy)]
struct LoaderInfo {
    version: u8,
    format: u8,
    original_size: Option<u64>,
}

fn loader_info(data: &[u8]) -> Option<LoaderInfo> {
    if data.get(..4)? != b"\x7fELF" {
        return None;
    }
    let is64 = match data.get(4)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let big = match data.get(5)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let (phoff, phentsize, phnum) = if is64 {
        (
            uint(data, 0x20, 8, big)?,
            uint(data, 0x36, 2, big)?,
            uint(data, 0x38, 2, big)?,
        )
    } else {
        (
            uint(data, 0x1c, 4, big)?,
            uint(data, 0x2a, 2, big)?,
            uint(data, 0x2c, 2, big)?,
        )
    };
    let at = usize::try_from(phoff.checked_add(phentsize.checked_mul(phnum)?)?).ok()?;
    let l_info = data.get(at..at.checked_add(12)?)?;
    if &l_info[4..8] != MAGIC {
        return None;
    }
    let (version, format) = (l_info[10], l_info[11]);
    format_name(format)?;
    let original_size = uint(data, at + 16, 4, big).filter(|&size| size > 0);
    Some(LoaderInfo {
        version,
        format,
        original_size,
    })
}

#[derive(Debug, Clone, Copy)]
struct PackHeader {
    version: u8,
    format: u8,
    method: u8,
    level: u8,
    original_size: u64,
}

fn pack_header(data: &[u8]) -> Option<PackHeader> {
    let tail_start = data.len().saturating_sub(MAX_TRAILING_ZEROS + 40);
    let tail = &data[tail_start..];
    let last_nonzero = tail.iter().rposition(|&b| b != 0)?;
    // The header ends 4 bytes (the overlay offset) before the end of the written data, and
    // that offset's high bytes may be zero: look 32..=40 bytes back from the last non-zero.
    let window_start = (last_nonzero + 1).saturating_sub(40);
    let window = &tail[window_start..=last_nonzero];
    let found = memchr::memmem::rfind(window, MAGIC)?;
    let header = tail.get(window_start + found..window_start + found + 32)?;
    let (version, format, method, level) = (header[4], header[5], header[6], header[7]);
    format_name(format)?;
    if version >= 10 {
        let sum: u32 = header[4..31].iter().map(|&b| u32::from(b)).sum();
        if (sum % 251) as u8 != header[31] {
            return None;
        }
    }
    let original_size = if format < 128 {
        uint(header, 24, 4, false)?
    } else {
        uint(header, 24, 4, true)?
    };
    Some(PackHeader {
        version,
        format,
        method,
        level: level & 15,
        original_size,
    })
}

fn uint(data: &[u8], at: usize, size: usize, big: bool) -> Option<u64> {
    super::read_uint(data.get(at..)?, size, big)
}

/// UPX_F_* from upx/upx `src/conf.h` (executable formats; ≥128 are big-endian).
fn format_name(format: u8) -> Option<&'static str> {
    Some(match format {
        1 => "dos/com",
        2 => "dos/sys",
        3 => "dos/exe",
        4 => "djgpp2/coff",
        5 => "watcom/le",
        8 => "tmt/adam",
        9 => "win32/pe",
        10 => "linux/i386",
        12 => "linux/elf386",
        14 => "linux/sh386",
        15 => "vmlinuz/386",
        16 => "bvmlinuz/386",
        18 => "ps1/exe",
        19 => "vmlinux/386",
        20 => "linux.exec/386",
        21 => "wince/arm",
        22 => "linux/amd64",
        23 => "linux/arm",
        24 => "bsd/i386",
        25 => "bsd/elf386",
        26 => "bsd/sh386",
        27 => "vmlinux/amd64",
        28 => "vmlinux/arm",
        29 => "macho/i386",
        30 => "linux/mipsel",
        31 => "vmlinuz/arm",
        32 => "macho/arm",
        33 => "dylib/i386",
        34 => "macho/amd64",
        35 => "dylib/amd64",
        36 => "win64/pe",
        37 => "macho/arm64",
        39 => "linux/ppc64le",
        40 => "vmlinux/ppc64le",
        42 => "linux/arm64",
        129 => "atari/tos",
        131 => "macho/ppc32",
        132 => "linux/ppc32",
        133 => "linux/armeb",
        134 => "macho/fat",
        135 => "vmlinux/armeb",
        136 => "vmlinux/ppc32",
        137 => "linux/mips",
        138 => "dylib/ppc32",
        139 => "macho/ppc64",
        140 => "linux/ppc64",
        141 => "vmlinux/ppc64",
        142 => "dylib/ppc64",
        _ => return None,
    })
}

/// M_* from upx/upx `src/conf.h`; LZMA may carry extra bits above the low byte.
fn method_name(method: u8) -> Option<&'static str> {
    Some(match method {
        2..=4 => "nrv2b",
        5..=7 => "nrv2d",
        8..=10 => "nrv2e",
        14 => "lzma",
        15 => "deflate",
        16 => "zstd",
        17 => "bzip2",
        _ => return None,
    })
}

#[cfg(test)]
#[path = "upx_tests.rs"]
pub(crate) mod tests;
