//! A streaming tar reader over any `Read` that sees what Go's `archive/tar` sees: container
//! runtimes (moby, containerd, Podman) extract layers with it, so a member must have the name,
//! type, size and bytes Go gives it, or be refused. Followed: `src/archive/tar/reader.go` of
//! Go 1.27 (`Reader.next`, `readHeader`, `handleRegularFile`, `handleSparseFile`, `mergePAX`,
//! `parsePAX`), `format.go` (`getFormat`, the STAR layout) and `strconv.go` (`parseNumeric`,
//! `parseOctal`, `parsePAXRecord`). In particular:
//! - links, directories, devices and FIFOs (`1`-`6`) have no data whatever their size field
//!   says (`isHeaderOnlyType`): the next header follows at once;
//! - an old regular file (`\0`) whose final name ends in `/` is a directory (since Go 1.0);
//! - the name is the USTAR name with its 155-byte prefix; a STAR header (`tar\0` trailer) has
//!   a 131-byte prefix; an old GNU header (`ustar  \0`) has none, unless its atime or ctime
//!   does not parse, when Go (since 1.8, golang.org/issue/12594) reads the USTAR prefix;
//! - a PAX header (`x`) replaces the records of an earlier one; its empty values keep the
//!   header's own; a GNU long name or link (`L`/`K`) wins over PAX `path`/`linkpath`; a
//!   global header (`g`) ends the pending extensions (Go returns it as a member of its own,
//!   which runtimes ignore; so do we);
//! - one zero block followed by anything but a second zero block or the end is an error.
//!
//! Written here rather than taken from the `tar` crate so that every length read from a header
//! is bounded before anything is allocated (long names and PAX records are capped), offsets
//! are known (the outer archive is indexed, not copied), and errors name the offset.
//!
//! Refuses: a header whose checksum is wrong or whose numbers do not parse (the usual sign
//! that the input is not tar at all), a member that ends early, names over the path limit,
//! PAX records over 1 MiB, and GNU sparse members (old `S` headers and PAX `GNU.sparse.*`
//! 0.0, 0.1 and 1.0), which Go renames to `GNU.sparse.name` and expands from their sparse
//! map: gostatic does not expand them, so it refuses them rather than read other bytes under
//! another name than the runtime extracts.

use std::io::{self, Read};

const BLOCK: u64 = 512;
/// PAX extended headers larger than this are refused (real ones are a few hundred bytes).
const MAX_PAX_BYTES: u64 = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    HardLink,
    Symlink,
    Dir,
    /// Character or block device, FIFO, GNU sparse file, or an unknown type flag.
    Other(u8),
}

#[derive(Debug, Clone)]
pub struct Header {
    /// The member name, after PAX `path` or a GNU long name; not yet normalised.
    pub name: String,
    pub link: String,
    pub kind: EntryKind,
    /// The type flag as Go reports it (`Header.Typeflag`).
    pub flag: u8,
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// PAX `SCHILY.xattr.security.capability`, which runtimes set on the extracted file.
    pub capability: Option<Vec<u8>>,
    /// Offset of the member's data from the start of the stream.
    pub data_offset: u64,
}

#[derive(Debug)]
pub enum TarError {
    Io(io::Error),
    /// The stream ended inside a header or a member's data.
    Truncated(String),
    Bad {
        offset: u64,
        detail: String,
    },
    NameTooLong {
        what: &'static str,
        name: String,
    },
    Refused {
        offset: u64,
        name: String,
        reason: &'static str,
    },
}

impl From<io::Error> for TarError {
    fn from(err: io::Error) -> Self {
        TarError::Io(err)
    }
}

/// How a member's unread data is passed over: read and dropped on a stream, moved over on a
/// slice or a seekable file (so indexing an outer archive reads only its headers).
pub trait Skip: Read + Sized {
    /// Skip up to `n` bytes; the number skipped (fewer only at the end of the input).
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        io::copy(&mut Read::by_ref(self).take(n), &mut io::sink())
    }
}

impl Skip for &[u8] {
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        let n = n.min(self.len() as u64);
        *self = &self[n as usize..];
        Ok(n)
    }
}

impl<R: Read> Skip for io::BufReader<R> {}

pub struct TarReader<R> {
    inner: R,
    offset: u64,
    /// Unread bytes of the current member, then its padding to the next block.
    remaining: u64,
    padding: u64,
    max_path: usize,
    finished: bool,
}

/// What the extension headers before a member say about it.
#[derive(Default)]
struct Extension {
    /// From the latest PAX header (`x`): a new one replaces these.
    pax: Pax,
    /// From GNU `L` and `K` members; these win over PAX `path` and `linkpath`.
    long_name: Option<String>,
    long_link: Option<String>,
}

#[derive(Default)]
struct Pax {
    name: Option<String>,
    link: Option<String>,
    size: Option<u64>,
    uid: Option<u64>,
    gid: Option<u64>,
    capability: Option<Vec<u8>>,
    /// A `GNU.sparse.*` record was present; `GNU.sparse.name` when it had one.
    sparse: bool,
    sparse_name: Option<String>,
}

impl<R: Skip> TarReader<R> {
    pub fn new(inner: R, max_path: usize) -> Self {
        TarReader {
            inner,
            offset: 0,
            remaining: 0,
            padding: 0,
            max_path,
            finished: false,
        }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The next member's header, skipping what the caller did not read of the previous one;
    /// `None` at the end-of-archive blocks (or a clean end of stream between members).
    pub fn next_header(&mut self) -> Result<Option<Header>, TarError> {
        let mut ext = Extension::default();
        loop {
            if self.finished {
                return Ok(None);
            }
            self.skip_rest()?;
            let mut block = [0u8; BLOCK as usize];
            let start = self.offset;
            if !self.read_block(&mut block)? {
                return Ok(None);
            }
            if block.iter().all(|&b| b == 0) {
                // `readHeader`: the end is two zero blocks, or one and the end of the stream.
                self.finished = true;
                if self.read_block(&mut block)? && block.iter().any(|&b| b != 0) {
                    return Err(TarError::Bad {
                        offset: start + BLOCK,
                        detail: "a header after a zero block".into(),
                    });
                }
                return Ok(None);
            }
            let header = parse_block(&block, start)?;
            // `handleRegularFile` on the raw header: an extension member's own size.
            self.set_data(header.flag, header.size);
            match header.flag {
                b'x' => {
                    let data = self.read_meta(header.size, MAX_PAX_BYTES, "PAX header")?;
                    ext.pax = parse_pax(&data, start)?;
                }
                b'g' => {
                    // Checked as Go checks it, then ignored as runtimes ignore it; Go returns
                    // it as a member, so what came before it applies to nothing.
                    let data = self.read_meta(header.size, MAX_PAX_BYTES, "PAX global header")?;
                    parse_pax(&data, start)?;
                    ext = Extension::default();
                }
                b'L' => {
                    let data =
                        self.read_meta(header.size, self.max_path as u64 + 1, "GNU long name")?;
                    ext.long_name = Some(c_string(&data)).filter(|n| !n.is_empty());
                }
                b'K' => {
                    let data =
                        self.read_meta(header.size, self.max_path as u64 + 1, "GNU long link")?;
                    ext.long_link = Some(c_string(&data)).filter(|n| !n.is_empty());
                }
                raw_flag => {
                    let pax = ext.pax;
                    let name = ext.long_name.or(pax.name).unwrap_or(header.name);
                    let link = ext.long_link.or(pax.link).unwrap_or(header.link);
                    if raw_flag == b'S' || pax.sparse {
                        return Err(TarError::Refused {
                            offset: start,
                            name: pax.sparse_name.unwrap_or(name),
                            reason: "a GNU sparse file, which container runtimes expand from \
                                     its sparse map (often under another name) and gostatic \
                                     does not",
                        });
                    }
                    for (what, text) in [("member name", &name), ("link target", &link)] {
                        if text.len() > self.max_path {
                            return Err(TarError::NameTooLong {
                                what,
                                name: text.chars().take(80).collect::<String>() + "…",
                            });
                        }
                    }
                    let flag = match raw_flag {
                        0 if name.ends_with('/') => b'5',
                        0 => b'0',
                        other => other,
                    };
                    // `handleRegularFile` again, with the PAX size and the final type.
                    let size = self.set_data(flag, pax.size.unwrap_or(header.size));
                    let kind = match flag {
                        b'0' | b'7' => EntryKind::File,
                        b'1' => EntryKind::HardLink,
                        b'2' => EntryKind::Symlink,
                        b'5' => EntryKind::Dir,
                        other => EntryKind::Other(other),
                    };
                    return Ok(Some(Header {
                        name,
                        link,
                        kind,
                        flag,
                        size,
                        mode: header.mode,
                        uid: pax.uid.unwrap_or(header.uid),
                        gid: pax.gid.unwrap_or(header.gid),
                        capability: pax.capability,
                        data_offset: self.offset,
                    }));
                }
            }
        }
    }

    /// Set up the current member's data: none for the header-only types, else `size` bytes
    /// and the padding to the next block. The data size.
    fn set_data(&mut self, flag: u8, size: u64) -> u64 {
        let size = if is_header_only(flag) { 0 } else { size };
        self.remaining = size;
        self.padding = (BLOCK - size % BLOCK) % BLOCK;
        size
    }

    /// One whole block; `false` at a clean end of the stream (which ends the archive).
    fn read_block(&mut self, block: &mut [u8; BLOCK as usize]) -> Result<bool, TarError> {
        let start = self.offset;
        let got = crate::input::read_full(&mut self.inner, block)?;
        self.offset += got as u64;
        if got == 0 {
            self.finished = true;
            return Ok(false);
        }
        if got < block.len() {
            return Err(TarError::Truncated(format!(
                "header at offset {start:#x} has {got} of 512 bytes"
            )));
        }
        Ok(true)
    }

    /// Read from the current member's data.
    pub fn read_data(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = (buf.len() as u64).min(self.remaining) as usize;
        if want == 0 {
            return Ok(0);
        }
        let got = self.inner.read(&mut buf[..want])?;
        if got == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "member data ends early",
            ));
        }
        self.remaining -= got as u64;
        self.offset += got as u64;
        Ok(got)
    }

    /// Read the rest of the current member (at most `cap` bytes are accepted).
    pub fn read_data_to_end(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        let mut chunk = [0u8; 64 * 1024];
        while self.remaining > 0 {
            let got = self.read_data(&mut chunk)?;
            out.extend_from_slice(&chunk[..got]);
        }
        Ok(())
    }

    /// Read the rest of the stream after the end-of-archive block, discarding it, so that the
    /// digest and the decompressor see every byte (trailing garbage is allowed, as tar allows).
    pub fn drain(&mut self) -> io::Result<u64> {
        io::copy(&mut self.inner, &mut io::sink())
    }

    fn skip_rest(&mut self) -> Result<(), TarError> {
        let skip = self.remaining + self.padding;
        if skip == 0 {
            return Ok(());
        }
        let skipped = self.inner.skip(skip)?;
        self.offset += skipped;
        if skipped < self.remaining {
            return Err(TarError::Truncated(format!(
                "member data ends at offset {:#x}, {} bytes early",
                self.offset,
                self.remaining - skipped
            )));
        }
        // A missing final padding is tolerated: some writers stop right after the data.
        self.remaining = 0;
        self.padding = 0;
        Ok(())
    }

    fn read_meta(&mut self, size: u64, cap: u64, what: &'static str) -> Result<Vec<u8>, TarError> {
        if size > cap {
            return Err(TarError::Bad {
                offset: self.offset,
                detail: format!("{what} of {size} bytes (limit {cap})"),
            });
        }
        let mut data = Vec::with_capacity(size as usize);
        self.read_data_to_end(&mut data)
            .map_err(|err| match err.kind() {
                io::ErrorKind::UnexpectedEof => TarError::Truncated(format!("{what} ends early")),
                _ => TarError::Io(err),
            })?;
        Ok(data)
    }
}

/// Go's `isHeaderOnlyType`: hard links, symlinks, devices, directories and FIFOs.
fn is_header_only(flag: u8) -> bool {
    matches!(flag, b'1'..=b'6')
}

struct RawHeader {
    name: String,
    link: String,
    flag: u8,
    size: u64,
    mode: u32,
    uid: u64,
    gid: u64,
}

fn parse_block(block: &[u8; 512], offset: u64) -> Result<RawHeader, TarError> {
    let bad = |detail: String| TarError::Bad { offset, detail };
    // `getFormat`: the checksum is octal only; unsigned or (old writers) signed sums.
    let stored = parse_octal(&block[148..156]).ok_or_else(|| bad("unreadable checksum".into()))?;
    let sum: u64 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    let signed: i64 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                i64::from(b as i8)
            }
        })
        .sum();
    if stored != sum && stored as i64 != signed {
        return Err(bad(format!("checksum {stored:#o}, computed {sum:#o}")));
    }
    let number = |range: std::ops::Range<usize>, what: &str| {
        parse_numeric(&block[range]).ok_or_else(|| bad(format!("unreadable {what}")))
    };
    let unsigned = |range: std::ops::Range<usize>, what: &str| {
        u64::try_from(number(range, what)?).map_err(|_| bad(format!("negative {what}")))
    };
    let size = unsigned(124..136, "size")?;
    let mode = number(100..108, "mode")? as u32;
    let uid = unsigned(108..116, "uid")?;
    let gid = unsigned(116..124, "gid")?;
    number(136..148, "mtime")?;
    let mut name = c_string(&block[0..100]);
    // `readHeader`'s formats, told apart by `getFormat`'s magic (`ustar\0` and a `tar\0`
    // trailer for STAR, `ustar\0` for USTAR and PAX, `ustar  \0` for old GNU, else V7).
    let (magic, version, trailer) = (&block[257..263], &block[263..265], &block[508..512]);
    let prefix = if magic == b"ustar\0" {
        number(329..337, "devmajor")?;
        number(337..345, "devminor")?;
        if trailer == b"tar\0" {
            number(476..488, "atime")?;
            number(488..500, "ctime")?;
            &block[345..476]
        } else {
            &block[345..500]
        }
    } else if magic == b"ustar " && version == b" \0" {
        number(329..337, "devmajor")?;
        number(337..345, "devminor")?;
        // Old GNU has times where USTAR has its prefix; times that do not parse mean a file
        // from Go before 1.8, whose prefix Go still reads when it is ASCII.
        let time_ok = |field: &[u8]| field[0] == 0 || parse_numeric(field).is_some();
        let prefix = &block[345..500];
        let end = prefix.iter().position(|&b| b == 0).unwrap_or(prefix.len());
        if time_ok(&block[345..357]) && time_ok(&block[357..369]) || !prefix[..end].is_ascii() {
            &[][..]
        } else {
            prefix
        }
    } else {
        &[][..]
    };
    let prefix = c_string(prefix);
    if !prefix.is_empty() {
        name = format!("{prefix}/{name}");
    }
    Ok(RawHeader {
        name,
        link: c_string(&block[157..257]),
        flag: block[156],
        size,
        mode,
        uid,
        gid,
    })
}

/// Go's `parseNumeric`: GNU base-256 (high bit of the first byte set; two's complement, so
/// it may be negative) or octal.
fn parse_numeric(field: &[u8]) -> Option<i64> {
    match field.first() {
        Some(&first) if first & 0x80 != 0 => {
            let invert = if first & 0x40 != 0 { 0xff } else { 0 };
            let mut value: u64 = 0;
            for (i, &b) in field.iter().enumerate() {
                let mut b = b ^ invert;
                if i == 0 {
                    b &= 0x7f;
                }
                if value >> 56 != 0 {
                    return None;
                }
                value = value << 8 | u64::from(b);
            }
            let value = i64::try_from(value).ok()?;
            Some(if invert == 0xff { !value } else { value })
        }
        _ => parse_octal(field).map(|v| v as i64),
    }
}

/// Go's `parseOctal`: spaces and NULs trimmed from both ends, then up to the first NUL, all
/// octal digits (an empty field is 0).
fn parse_octal(field: &[u8]) -> Option<u64> {
    let pad = |b: &u8| *b == b' ' || *b == 0;
    let start = field.iter().position(|b| !pad(b)).unwrap_or(field.len());
    let end = field.iter().rposition(|b| !pad(b)).map_or(start, |i| i + 1);
    let text = &field[start..end];
    let text = &text[..text.iter().position(|&b| b == 0).unwrap_or(text.len())];
    let mut value: u64 = 0;
    for &b in text {
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        value = value.checked_mul(8)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(value)
}

fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// PAX records (`parsePAX`, `parsePAXRecord`, `mergePAX`): `LEN key=value\n`, LEN counting
/// the whole record; an empty value keeps the header's own.
fn parse_pax(data: &[u8], offset: u64) -> Result<Pax, TarError> {
    let bad = |detail: &str| TarError::Bad {
        offset,
        detail: format!("PAX header: {detail}"),
    };
    let mut pax = Pax::default();
    let mut rest = data;
    while !rest.is_empty() {
        let space = rest
            .iter()
            .position(|&b| b == b' ')
            .ok_or_else(|| bad("no length"))?;
        let len: usize = std::str::from_utf8(&rest[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("bad length"))?;
        if len < 5 || len <= space + 1 || len > rest.len() || rest[len - 1] != b'\n' {
            return Err(bad("record overruns the header"));
        }
        let record = &rest[space + 1..len - 1];
        rest = &rest[len..];
        let Some(eq) = record.iter().position(|&b| b == b'=') else {
            return Err(bad("record without '='"));
        };
        let (key, value) = (&record[..eq], &record[eq + 1..]);
        // `validPAXRecord`: names may not hold a NUL, nor may other keys.
        let names = matches!(key, b"path" | b"linkpath" | b"uname" | b"gname");
        if key.is_empty() || (names && value.contains(&0)) || (!names && key.contains(&0)) {
            return Err(bad("invalid record"));
        }
        if key.starts_with(b"GNU.sparse.") {
            pax.sparse = true;
            if key == b"GNU.sparse.name" && !value.is_empty() {
                pax.sparse_name = Some(String::from_utf8_lossy(value).into_owned());
            }
            continue;
        }
        if value.is_empty() {
            continue;
        }
        let text = || String::from_utf8_lossy(value).into_owned();
        let number = |what: &str| {
            std::str::from_utf8(value)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| bad(&format!("bad {what}")))
        };
        match key {
            b"path" => pax.name = Some(text()),
            b"linkpath" => pax.link = Some(text()),
            b"size" => pax.size = Some(number("size")?),
            b"uid" => pax.uid = Some(number("uid")?),
            b"gid" => pax.gid = Some(number("gid")?),
            b"SCHILY.xattr.security.capability" => pax.capability = Some(value.to_vec()),
            _ => {}
        }
    }
    Ok(pax)
}

/// One member as [`list`] reports it: what Go's `archive/tar` would report, for the
/// differential test (`tests/integration/tar_differential.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    /// `Header.Typeflag`, as a character.
    pub typeflag: char,
    /// The bytes a reader of the member's data gets, and their SHA-256.
    pub size: u64,
    pub sha256: String,
    pub link: String,
}

/// Every member of a tar with the digest of its data, as this reader sees them.
pub fn list(bytes: &[u8], max_path: usize) -> Result<Vec<Listed>, TarError> {
    use sha2::{Digest, Sha256};
    let mut reader = TarReader::new(bytes, max_path);
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    while let Some(header) = reader.next_header()? {
        let mut hash = Sha256::new();
        let mut size = 0;
        loop {
            let got = reader.read_data(&mut chunk)?;
            if got == 0 {
                break;
            }
            hash.update(&chunk[..got]);
            size += got as u64;
        }
        out.push(Listed {
            name: header.name,
            typeflag: char::from(header.flag),
            size,
            sha256: hash.finalize().iter().map(|b| format!("{b:02x}")).collect(),
            link: header.link,
        });
    }
    Ok(out)
}

#[cfg(test)]
#[path = "tar_tests.rs"]
mod tests;
