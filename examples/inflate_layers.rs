//! The floor under `gostatic image`: decompress every layer of an image archive with the same
//! decoders gostatic uses (flate2's zlib-rs `MultiGzDecoder` behind a 256 KiB buffer, libzstd's
//! streaming decoder), in parallel across layers on the rayon pool, and throw the bytes away.
//! No tar parsing of the layers, no hashing, no ELF analysis: what is left is the cost of
//! inflation and I/O, the limit `scripts/bench-image.sh` compares `gostatic image` against.
//!
//! A layer is any member of the outer tar that starts with the gzip or zstd magic, or that is
//! itself a tar (`ustar` at offset 257: the uncompressed layers of a docker archive, which are
//! read through). The outer tar is indexed with a minimal ustar header walk (POSIX.1-1988 and
//! the GNU/PAX extension headers, which are skipped), then each layer is read from its offset.
//!
//!     cargo run --release --example inflate_layers -- ARCHIVE
// An example is a tiny command-line program: printing its one result is its job.
#![allow(clippy::print_stderr)]

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::time::Instant;

use rayon::prelude::*;

const BLOCK: u64 = 512;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Compression {
    Gzip,
    Zstd,
    Tar,
}

struct Member {
    offset: u64,
    size: u64,
    compression: Compression,
}

fn main() -> io::Result<()> {
    let path = std::env::args_os()
        .nth(1)
        .ok_or_else(|| io::Error::other("usage: inflate_layers ARCHIVE"))?;
    let started = Instant::now();
    let mut file = File::open(&path)?;
    let members = index(&mut file)?;
    let inflated: Vec<io::Result<u64>> = members.par_iter().map(|m| inflate(&path, m)).collect();
    let mut total = 0u64;
    for bytes in inflated {
        total += bytes?;
    }
    let packed: u64 = members.iter().map(|m| m.size).sum();
    eprintln!(
        "{} layers ({} gzip, {} zstd, {} tar), {} bytes read, {} bytes inflated, {:.3} s",
        members.len(),
        count(&members, Compression::Gzip),
        count(&members, Compression::Zstd),
        count(&members, Compression::Tar),
        packed,
        total,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn count(members: &[Member], compression: Compression) -> usize {
    members
        .iter()
        .filter(|m| m.compression == compression)
        .count()
}

/// Walks the outer tar's headers, seeking over contents, and keeps the members that are layers.
fn index(file: &mut File) -> io::Result<Vec<Member>> {
    let length = file.metadata()?.len();
    let mut members = Vec::new();
    let mut offset = 0u64;
    let mut header = [0u8; BLOCK as usize];
    while offset + BLOCK <= length {
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(&mut header)?;
        if header.iter().all(|&b| b == 0) {
            break;
        }
        let size = octal_or_binary(&header[124..136])
            .ok_or_else(|| io::Error::other(format!("bad tar size field at offset {offset}")))?;
        let data = offset + BLOCK;
        let regular = matches!(header[156], b'0' | 0 | b'7');
        if regular && size > 0 && data + size <= length {
            let mut magic = [0u8; 262];
            let head = magic.len().min(size as usize);
            file.read_exact(&mut magic[..head])?;
            let compression = match magic {
                [0x1f, 0x8b, ..] => Some(Compression::Gzip),
                [0x28, 0xb5, 0x2f, 0xfd, ..] => Some(Compression::Zstd),
                _ if head == 262 && &magic[257..262] == b"ustar" => Some(Compression::Tar),
                _ => None,
            };
            if let Some(compression) = compression {
                members.push(Member {
                    offset: data,
                    size,
                    compression,
                });
            }
        }
        offset = data + size.div_ceil(BLOCK) * BLOCK;
    }
    Ok(members)
}

/// A tar numeric field: octal text, or base-256 with the high bit set (GNU, for large sizes).
fn octal_or_binary(field: &[u8]) -> Option<u64> {
    if field[0] & 0x80 != 0 {
        return field[1..]
            .iter()
            .try_fold(u64::from(field[0] & 0x7f), |n, &b| {
                n.checked_mul(256)?.checked_add(u64::from(b))
            });
    }
    let text = std::str::from_utf8(field).ok()?;
    let text = text.trim_matches(|c: char| c == '\0' || c == ' ');
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

/// Decompresses one layer into a sink; returns the inflated size.
fn inflate(path: &std::ffi::OsStr, member: &Member) -> io::Result<u64> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(member.offset))?;
    let raw = file.take(member.size);
    let mut decoder: Box<dyn Read> = match member.compression {
        Compression::Tar => Box::new(raw),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            256 * 1024,
            raw,
        ))),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(raw)?),
    };
    io::copy(&mut decoder, &mut io::sink())
}
