//! A streaming tar reader over any `Read`: ustar, GNU (`L`/`K` long names, base-256 sizes) and
//! PAX (`path`, `linkpath`, `size`, `uid`, `gid`) as GNU tar and Go's `archive/tar` write them.
//! Written here rather than taken from the `tar` crate so that every length read from a header
//! is bounded before anything is allocated (long names and PAX records are capped), offsets
//! are known (the outer archive is indexed, not copied), and errors name the offset.
//!
//! Refuses: a header whose checksum is wrong (the usual sign that the input is not tar at all),
//! a member that ends early, names over the path limit, PAX records over 1 MiB.

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
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
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

#[derive(Default)]
struct Extension {
    name: Option<String>,
    link: Option<String>,
    size: Option<u64>,
    uid: Option<u64>,
    gid: Option<u64>,
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
    /// `None` at the end-of-archive block (or a clean end of stream between members).
    pub fn next_header(&mut self) -> Result<Option<Header>, TarError> {
        let mut ext = Extension::default();
        loop {
            if self.finished {
                return Ok(None);
            }
            self.skip_rest()?;
            let mut block = [0u8; BLOCK as usize];
            let start = self.offset;
            let got = read_full(&mut self.inner, &mut block)?;
            self.offset += got as u64;
            if got == 0 {
                self.finished = true;
                return Ok(None);
            }
            if got < block.len() {
                return Err(TarError::Truncated(format!(
                    "header at offset {start:#x} has {got} of 512 bytes"
                )));
            }
            if block.iter().all(|&b| b == 0) {
                self.finished = true;
                return Ok(None);
            }
            let header = parse_block(&block, start)?;
            let size = ext.size.unwrap_or(header.size);
            self.remaining = size;
            self.padding = (BLOCK - size % BLOCK) % BLOCK;
            match header.flag {
                b'x' => {
                    let data = self.read_meta(size, MAX_PAX_BYTES, "PAX header")?;
                    parse_pax(&data, &mut ext, start)?;
                }
                b'g' => {} // global PAX defaults: nothing images rely on
                b'L' => {
                    let data = self.read_meta(size, self.max_path as u64 + 1, "GNU long name")?;
                    ext.name = Some(c_string(&data));
                }
                b'K' => {
                    let data = self.read_meta(size, self.max_path as u64 + 1, "GNU long link")?;
                    ext.link = Some(c_string(&data));
                }
                flag => {
                    let name = ext.name.take().unwrap_or(header.name);
                    let link = ext.link.take().unwrap_or(header.link);
                    for (what, text) in [("member name", &name), ("link target", &link)] {
                        if text.len() > self.max_path {
                            return Err(TarError::NameTooLong {
                                what,
                                name: text.chars().take(80).collect::<String>() + "…",
                            });
                        }
                    }
                    let kind = match flag {
                        b'0' | 0 | b'7' => EntryKind::File,
                        b'1' => EntryKind::HardLink,
                        b'2' => EntryKind::Symlink,
                        b'5' => EntryKind::Dir,
                        other => EntryKind::Other(other),
                    };
                    // Only regular files carry data that matters; others' sizes are skipped.
                    return Ok(Some(Header {
                        name,
                        link,
                        kind,
                        size,
                        mode: header.mode,
                        uid: ext.uid.unwrap_or(header.uid),
                        gid: ext.gid.unwrap_or(header.gid),
                        data_offset: self.offset,
                    }));
                }
            }
        }
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
    let stored = parse_number(&block[148..156]).ok_or_else(|| bad("unreadable checksum".into()))?;
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
    // Some old writers summed signed chars; accept that sum too.
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
    let field = |range: std::ops::Range<usize>, what: &str| {
        parse_number(&block[range]).ok_or_else(|| bad(format!("unreadable {what}")))
    };
    let size = field(124..136, "size")?;
    let mode = field(100..108, "mode")? as u32;
    let uid = field(108..116, "uid")?;
    let gid = field(116..124, "gid")?;
    let mut name = c_string(&block[0..100]);
    // POSIX ustar ("ustar\0") has a 155-byte prefix; old GNU ("ustar  \0") uses those bytes
    // for times, so the prefix is read only for the POSIX magic.
    if &block[257..263] == b"ustar\0" {
        let prefix = c_string(&block[345..500]);
        if !prefix.is_empty() {
            name = format!("{prefix}/{name}");
        }
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

/// Octal (NUL- or space-terminated) or GNU base-256 (high bit of the first byte set).
fn parse_number(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        if field[0] & 0x40 != 0 {
            return None; // negative
        }
        let mut value: u64 = u64::from(field[0] & 0x3f);
        for &b in &field[1..] {
            value = value.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(value);
    }
    let text = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ' || b == 0)
        .take_while(|&b| b != 0 && b != b' ');
    let mut value: u64 = 0;
    for b in text {
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

/// PAX records: `LEN key=value\n`, LEN counting the whole record.
fn parse_pax(data: &[u8], ext: &mut Extension, offset: u64) -> Result<(), TarError> {
    let bad = |detail: &str| TarError::Bad {
        offset,
        detail: format!("PAX header: {detail}"),
    };
    let mut rest = data;
    while !rest.is_empty() {
        if rest.iter().all(|&b| b == 0) {
            break;
        }
        let space = rest
            .iter()
            .position(|&b| b == b' ')
            .ok_or_else(|| bad("no length"))?;
        let len: usize = std::str::from_utf8(&rest[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("bad length"))?;
        if len <= space + 1 || len > rest.len() || rest[len - 1] != b'\n' {
            return Err(bad("record overruns the header"));
        }
        let record = &rest[space + 1..len - 1];
        rest = &rest[len..];
        let Some(eq) = record.iter().position(|&b| b == b'=') else {
            return Err(bad("record without '='"));
        };
        let (key, value) = (&record[..eq], &record[eq + 1..]);
        let text = || String::from_utf8_lossy(value).into_owned();
        let number = || {
            std::str::from_utf8(value)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
        };
        match key {
            b"path" => ext.name = Some(text()),
            b"linkpath" => ext.link = Some(text()),
            b"size" => ext.size = Some(number().ok_or_else(|| bad("bad size"))?),
            b"uid" => ext.uid = number(),
            b"gid" => ext.gid = number(),
            _ => {}
        }
    }
    Ok(())
}

fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
#[path = "tar_tests.rs"]
mod tests;
