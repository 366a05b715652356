//! The 32-byte `\xff Go buildinf:` header and the two strings after it, decoded the way
//! `readRawBuildInfo` in `src/debug/buildinfo/buildinfo.go` (Go 1.27) does: `searchMagic` in
//! 1 MiB chunks, then either the inline format (Go 1.18+: two uvarint-prefixed strings after
//! the header) or the pointer format (Go 1.13–1.17: virtual addresses of two Go string
//! headers, pointer size and byte order from the header). Lengths from the file are checked
//! against the bytes actually there before anything is copied.

use super::locate::{Exe, NotMapped};
use super::{BuildInfoError, MAX_STRING_LEN, RawBuildInfo};
use crate::elf::read_uint;

pub(crate) const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
pub(crate) const HEADER_SIZE: usize = 32;
pub(crate) const ALIGN: u64 = 16;
const SEARCH_CHUNK: u64 = 1 << 20;
const MAX_VARINT_LEN: usize = 10;
pub(crate) const FLAG_BIG_ENDIAN: u8 = 0x1;
pub(crate) const FLAG_INLINE: u8 = 0x2;

/// Where `readData` failed: Go turns the first into "unrecognized file format" and a short
/// read (`io.EOF`) into "not a Go executable".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadError {
    NotMapped,
    Short,
}

impl From<ReadError> for BuildInfoError {
    fn from(err: ReadError) -> Self {
        match err {
            ReadError::NotMapped => BuildInfoError::UnrecognizedFormat,
            ReadError::Short => BuildInfoError::NotGoExecutable,
        }
    }
}

/// Something that maps addresses to the bytes from there to the end of their region.
pub(crate) trait Memory<'data> {
    fn reader(&self, address: u64) -> Result<&'data [u8], NotMapped>;

    /// `readData`: exactly `size` bytes at `address` (`saferio.ReadDataAt` fails on a short
    /// read).
    fn read_data(&self, address: u64, size: u64) -> Result<&'data [u8], ReadError> {
        let bytes = self.reader(address).map_err(|_| ReadError::NotMapped)?;
        let size = usize::try_from(size).map_err(|_| ReadError::Short)?;
        bytes.get(..size).ok_or(ReadError::Short)
    }
}

impl<'data> Memory<'data> for Exe<'data> {
    fn reader(&self, address: u64) -> Result<&'data [u8], NotMapped> {
        Exe::reader(self, address)
    }
}

/// `readRawBuildInfo` after the format is identified.
pub(crate) fn read_like_go<'data>(exe: &Exe<'data>) -> Result<RawBuildInfo<'data>, BuildInfoError> {
    let (start, size) = exe.data_start();
    if size == 0 {
        return Err(BuildInfoError::NotGoExecutable);
    }
    let address = search_magic(exe, start, size)?;
    let header = exe.read_data(address, HEADER_SIZE as u64)?;
    decode(exe, address, header)
}

/// Decode the blob whose 32-byte `header` is at `address`.
pub(crate) fn decode<'data>(
    memory: &impl Memory<'data>,
    address: u64,
    header: &[u8],
) -> Result<RawBuildInfo<'data>, BuildInfoError> {
    let flags = header[15];
    let (version, modinfo) = if flags & FLAG_INLINE == FLAG_INLINE {
        let (version, next) = decode_string(memory, address.wrapping_add(HEADER_SIZE as u64))?;
        let (modinfo, _) = decode_string(memory, next)?;
        (version, modinfo)
    } else {
        let pointer_size = usize::from(header[14]);
        if pointer_size != 4 && pointer_size != 8 {
            return Err(BuildInfoError::NotGoExecutable);
        }
        let big_endian = flags & FLAG_BIG_ENDIAN != 0;
        let pointer = |at: usize| read_uint(&header[at..], pointer_size, big_endian).unwrap_or(0);
        let version = read_string(memory, pointer_size, big_endian, pointer(16));
        let modinfo = read_string(memory, pointer_size, big_endian, pointer(16 + pointer_size));
        (version, modinfo)
    };
    if version.is_empty() {
        return Err(BuildInfoError::NotGoExecutable);
    }
    Ok(RawBuildInfo {
        version,
        modinfo: strip_sentinels(modinfo),
    })
}

/// The module text between cmd/go's 16-byte `infoStart`/`infoEnd` sentinels. Like Go, only
/// the length and the `\n` before the end sentinel are checked, not the sentinel bytes.
pub(crate) fn strip_sentinels(modinfo: &[u8]) -> &[u8] {
    let n = modinfo.len();
    if n >= 33 && modinfo[n - 17] == b'\n' {
        &modinfo[16..n - 16]
    } else {
        &[]
    }
}

/// `decodeString`: a uvarint length, then that many bytes.
fn decode_string<'data>(
    memory: &impl Memory<'data>,
    address: u64,
) -> Result<(&'data [u8], u64), BuildInfoError> {
    let prefix = memory.read_data(address, MAX_VARINT_LEN as u64)?;
    let (length, used) = uvarint(prefix).ok_or(BuildInfoError::NotGoExecutable)?;
    let address = address.wrapping_add(used as u64);
    if length > MAX_STRING_LEN {
        return Err(BuildInfoError::NotGoExecutable);
    }
    let bytes = memory.read_data(address, length)?;
    Ok((bytes, address.wrapping_add(length)))
}

/// `binary.Uvarint`: the value and the bytes used; `None` for a truncated or overflowing
/// varint (Go's `n <= 0`).
pub(crate) fn uvarint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if i == MAX_VARINT_LEN {
            return None;
        }
        if b < 0x80 {
            if i == MAX_VARINT_LEN - 1 && b > 1 {
                return None;
            }
            return Some((value | u64::from(b) << (7 * i), i + 1));
        }
        value |= u64::from(b & 0x7f) << (7 * i);
    }
    None
}

/// `readString`: a Go string header `{data, len}` at `address`; empty on any failure.
fn read_string<'data>(
    memory: &impl Memory<'data>,
    pointer_size: usize,
    big_endian: bool,
    address: u64,
) -> &'data [u8] {
    let Ok(header) = memory.read_data(address, 2 * pointer_size as u64) else {
        return &[];
    };
    let data = read_uint(header, pointer_size, big_endian).unwrap_or(0);
    let len = read_uint(&header[pointer_size..], pointer_size, big_endian).unwrap_or(0);
    if len > MAX_STRING_LEN {
        return &[];
    }
    memory.read_data(data, len).unwrap_or_default()
}

/// `searchMagic`: the first 16-byte-aligned magic in `[start, start + size)`. Reproduces Go
/// exactly, including that after skipping a misaligned match the returned address is
/// relative to the skipped-to position (harmless in real files, where the section starts
/// with the blob).
fn search_magic(exe: &Exe<'_>, start: u64, size: u64) -> Result<u64, BuildInfoError> {
    let end = start
        .checked_add(size)
        .ok_or(BuildInfoError::UnrecognizedFormat)?;
    let mut start = start.wrapping_add(ALIGN - 1) & !(ALIGN - 1);
    if start >= end {
        return Err(BuildInfoError::NotGoExecutable);
    }
    while start < end {
        let remaining = end - start;
        let chunk = SEARCH_CHUNK.min(remaining);
        let available = exe
            .reader(start)
            .map_err(|_| BuildInfoError::UnrecognizedFormat)?;
        let n = available.len().min(chunk as usize);
        if n == 0 {
            return Err(BuildInfoError::NotGoExecutable);
        }
        let mut data = &available[..n];
        while !data.is_empty() {
            let Some(i) = find(data, MAGIC) else {
                break;
            };
            if remaining - (i as u64) < HEADER_SIZE as u64 {
                return Err(BuildInfoError::NotGoExecutable);
            }
            if !(i as u64).is_multiple_of(ALIGN) {
                let next = (i + ALIGN as usize - 1) & !(ALIGN as usize - 1);
                if next > data.len() {
                    return Err(BuildInfoError::NotGoExecutable);
                }
                data = &data[next..];
                continue;
            }
            return Ok(start + i as u64);
        }
        start += chunk;
    }
    Err(BuildInfoError::NotGoExecutable)
}

/// First occurrence of `needle` (starting with a byte that is rare in data, 0xff).
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let mut from = 0;
    while let Some(offset) = haystack.get(from..)?.iter().position(|&b| b == first) {
        let at = from + offset;
        if haystack.get(at..at + needle.len())? == needle {
            return Some(at);
        }
        from = at + 1;
    }
    None
}
