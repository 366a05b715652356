//! gostatic's wider search, used only when Go's own lookup (`locate`) finds nothing: every
//! writable loadable segment (ELF PT_LOAD, PE section, Mach-O segment), at every
//! 16-byte-aligned virtual address, through the whole segment. The linker always puts the
//! blob in writable data (`SBUILDINFO` is a data kind; PE `.data`, Mach-O `__DATA`), so code
//! and read-only segments are not read; nor is an ELF file whose section table exists but has
//! no `.go.buildinfo` (there is no blob to find, and scanning every such C binary of a
//! directory walk would read it whole). This reads binaries that
//! `go version -m` 1.27 cannot: ELF files without section headers (sstrip, some packers;
//! Go 1.27 looks only at the `.go.buildinfo` section, and Go 1.21–1.26 failed on internally
//! linked PIEs, whose first writable segment is RELRO), and PE or Mach-O files whose blob is
//! not in the one section Go reads.
//!
//! A hit must look like a real blob, stricter than Go's check: pointer size 4 or 8, no
//! unknown flag bits, strings that decode, and a version starting with `go` or `devel`.

use super::RawBuildInfo;
use super::blob::{self, ALIGN, HEADER_SIZE, MAGIC, Memory};
use super::locate::{NotMapped, first_fat_arch};
use crate::gobin::Binary;
use crate::gobin::binary::Container;

struct SegmentMemory<'a, 'data>(&'a Binary<'data>);

impl<'data> Memory<'data> for SegmentMemory<'_, 'data> {
    fn reader(&self, address: u64) -> Result<&'data [u8], NotMapped> {
        self.0.bytes_at(address, usize::MAX).ok_or(NotMapped)
    }
}

pub(crate) fn scan(data: &[u8]) -> Option<RawBuildInfo<'_>> {
    let data = if data.starts_with(b"\xca\xfe\xba\xbe") || data.starts_with(b"\xca\xfe\xba\xbf") {
        first_fat_arch(data)?
    } else {
        data
    };
    let bin = Binary::parse(data)?;
    if bin.container == Container::Elf
        && !bin.sections.is_empty()
        && bin.section(".go.buildinfo").is_none()
    {
        return None;
    }
    for segment in bin.segments.iter().filter(|s| s.writable) {
        let misalignment = (ALIGN - segment.address % ALIGN) % ALIGN;
        let mut offset = misalignment as usize;
        while let Some(header) = segment.data.get(offset..offset + HEADER_SIZE) {
            if header.starts_with(MAGIC)
                && let Some(raw) = decode_checked(&bin, segment.address + offset as u64, header)
            {
                return Some(raw);
            }
            offset += ALIGN as usize;
        }
    }
    None
}

fn decode_checked<'data>(
    bin: &Binary<'data>,
    address: u64,
    header: &[u8],
) -> Option<RawBuildInfo<'data>> {
    let pointer_size = header[14];
    let flags = header[15];
    if !(pointer_size == 4 || pointer_size == 8)
        || flags & !(blob::FLAG_INLINE | blob::FLAG_BIG_ENDIAN) != 0
    {
        return None;
    }
    let raw = blob::decode(&SegmentMemory(bin), address, header).ok()?;
    let plausible = raw.version.starts_with(b"go") || raw.version.starts_with(b"devel");
    plausible.then_some(raw)
}
