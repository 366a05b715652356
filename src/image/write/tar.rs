//! A tar writer for the images `gostatic slim` makes: ustar headers as Go's `archive/tar`
//! writes them (`writer.go`: `writeUSTARHeader`), with a PAX extended header (`writePAXHeader`,
//! typeflag `x`, named `<dir>/PaxHeaders.0/<base>`) only when a field does not fit: a name or
//! link target over 100 bytes, an id or size past its octal field, or file capabilities
//! (`SCHILY.xattr.security.capability`, as BuildKit and containerd write and read them).
//! Nothing varies between runs: the mtime is the caller's, user and group names are empty, and
//! the entries are written in the order given.

use std::io::{self, Write};

const BLOCK: usize = 512;

/// What one member is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body<'a> {
    Dir,
    File(&'a [u8]),
    Symlink(String),
}

/// One member: a relative name (`etc/passwd`, `tmp/` for a directory), its bits and owner.
#[derive(Debug, Clone)]
pub struct Member<'a> {
    pub name: String,
    pub body: Body<'a>,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// The raw `security.capability` value.
    pub capability: Option<Vec<u8>>,
}

/// Writes members to `out` and counts the bytes.
pub struct TarWriter<W: Write> {
    out: W,
    mtime: u64,
    written: u64,
}

impl<W: Write> TarWriter<W> {
    pub fn new(out: W, mtime: u64) -> Self {
        TarWriter {
            out,
            mtime,
            written: 0,
        }
    }

    pub fn member(&mut self, member: &Member<'_>) -> io::Result<()> {
        let (flag, size, link, data): (u8, u64, &str, &[u8]) = match &member.body {
            Body::Dir => (b'5', 0, "", &[]),
            Body::File(bytes) => (b'0', bytes.len() as u64, "", *bytes),
            Body::Symlink(target) => (b'2', 0, target.as_str(), &[]),
        };
        let mut pax: Vec<(&str, Vec<u8>)> = Vec::new();
        if member.name.len() > 100 {
            pax.push(("path", member.name.as_bytes().to_vec()));
        }
        if link.len() > 100 {
            pax.push(("linkpath", link.as_bytes().to_vec()));
        }
        for (key, value) in [("uid", member.uid), ("gid", member.gid)] {
            if value > 0o7_777_777 {
                pax.push((key, value.to_string().into_bytes()));
            }
        }
        if size > 0o77_777_777_777 {
            pax.push(("size", size.to_string().into_bytes()));
        }
        if let Some(value) = &member.capability {
            pax.push(("SCHILY.xattr.security.capability", value.clone()));
        }
        if !pax.is_empty() {
            let records = pax_records(&pax);
            let name = pax_name(&member.name);
            let header = header(&name, b'x', 0o644, 0, 0, records.len() as u64, "", 0);
            self.write(&header)?;
            self.data(&records)?;
        }
        let header = header(
            &member.name,
            flag,
            member.mode,
            member.uid,
            member.gid,
            size,
            link,
            self.mtime,
        );
        self.write(&header)?;
        self.data(data)
    }

    /// The two zero blocks that end an archive; the writer and the byte count back.
    pub fn finish(mut self) -> io::Result<(W, u64)> {
        self.write(&[0u8; 2 * BLOCK])?;
        self.out.flush()?;
        Ok((self.out, self.written))
    }

    fn data(&mut self, data: &[u8]) -> io::Result<()> {
        self.write(data)?;
        let pad = (BLOCK - data.len() % BLOCK) % BLOCK;
        self.write(&[0u8; BLOCK][..pad])
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }
}

/// `len key=value\n` records, the length counting itself (PAX, POSIX.1-2001 `pax` format).
fn pax_records(records: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (key, value) in records {
        let rest = key.len() + value.len() + 3; // ' ', '=', '\n'
        let mut len = rest + 1;
        while len != rest + len.to_string().len() {
            len = rest + len.to_string().len();
        }
        out.extend_from_slice(format!("{len} {key}=").as_bytes());
        out.extend_from_slice(value);
        out.push(b'\n');
    }
    out
}

/// Go's name for a PAX header: `dir/PaxHeaders.0/base`, cut to the 100 bytes a ustar name holds.
fn pax_name(name: &str) -> String {
    let trimmed = name.trim_end_matches('/');
    let (dir, base) = trimmed.rsplit_once('/').unwrap_or(("", trimmed));
    let full = if dir.is_empty() {
        format!("PaxHeaders.0/{base}")
    } else {
        format!("{dir}/PaxHeaders.0/{base}")
    };
    let mut end = full.len().min(100);
    while !full.is_char_boundary(end) {
        end -= 1;
    }
    full[..end].to_string()
}

#[allow(clippy::too_many_arguments)]
fn header(
    name: &str,
    flag: u8,
    mode: u32,
    uid: u64,
    gid: u64,
    size: u64,
    link: &str,
    mtime: u64,
) -> [u8; BLOCK] {
    let mut block = [0u8; BLOCK];
    let cut = |s: &str| -> Vec<u8> { s.as_bytes().iter().take(100).copied().collect() };
    put(&mut block[0..100], &cut(name));
    octal(&mut block[100..108], u64::from(mode & 0o7777));
    octal(&mut block[108..116], uid.min(0o7_777_777));
    octal(&mut block[116..124], gid.min(0o7_777_777));
    octal(&mut block[124..136], size.min(0o77_777_777_777));
    octal(&mut block[136..148], mtime.min(0o77_777_777_777));
    block[156] = flag;
    put(&mut block[157..257], &cut(link));
    put(&mut block[257..263], b"ustar\0");
    put(&mut block[263..265], b"00");
    octal(&mut block[329..337], 0);
    octal(&mut block[337..345], 0);
    block[148..156].fill(b' ');
    let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
    put(&mut block[148..156], format!("{sum:06o}\0 ").as_bytes());
    block
}

fn put(field: &mut [u8], value: &[u8]) {
    let n = value.len().min(field.len());
    field[..n].copy_from_slice(&value[..n]);
}

/// Zero-padded octal and a NUL, filling the field (`%07o\0` for an 8-byte field).
fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    put(field, format!("{value:0width$o}\0").as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::caps::FileCaps;

    fn archive(members: &[Member<'_>]) -> Vec<u8> {
        let mut tar = TarWriter::new(Vec::new(), 1_700_000_000);
        for member in members {
            tar.member(member).unwrap();
        }
        let (bytes, count) = tar.finish().unwrap();
        assert_eq!(count, bytes.len() as u64);
        bytes
    }

    fn member<'a>(name: &str, body: Body<'a>) -> Member<'a> {
        Member {
            name: name.to_string(),
            body,
            mode: 0o755,
            uid: 0,
            gid: 0,
            capability: None,
        }
    }

    #[test]
    fn the_reader_reads_back_what_was_written() {
        let long = format!("usr/share/{}/file", "d".repeat(120));
        let caps = FileCaps::decode(&{
            let mut v = 0x0200_0001u32.to_le_bytes().to_vec();
            for word in [1u32 << 10, 0, 0, 0] {
                v.extend_from_slice(&word.to_le_bytes());
            }
            v
        });
        let value = caps.encode().unwrap();
        let mut server = member("server", Body::File(b"\x7fELF binary"));
        server.capability = Some(value);
        server.uid = 3_000_000;
        let bytes = archive(&[
            member("etc/", Body::Dir),
            member("etc/passwd", Body::File(b"root:x:0:0::/:/sbin/nologin\n")),
            member("bin", Body::Symlink("usr/bin".into())),
            member(&long, Body::File(b"x")),
            server,
        ]);
        let listed = crate::image::list_tar(&bytes).unwrap();
        let names: Vec<&str> = listed.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            ["etc/", "etc/passwd", "bin", long.as_str(), "server"]
        );
        assert_eq!(listed[2].link, "usr/bin");
        assert_eq!(listed[1].size, 28);
        let image = crate::image::tests::open_layers(vec![bytes]);
        let server = image.tree.get("/server").unwrap();
        assert_eq!((server.uid, server.mode), (3_000_000, 0o755));
        assert_eq!(server.capabilities, Some(caps));
        assert_eq!(image.tree.read_small("/etc/passwd").unwrap().len(), 28);
        assert_eq!(archive(&[member("a", Body::Dir)]).len(), 3 * BLOCK);
    }

    #[test]
    fn pax_lengths_count_themselves() {
        for size in [1usize, 5, 88, 89, 90, 990, 995] {
            let records = pax_records(&[("path", vec![b'a'; size])]);
            let text = String::from_utf8(records.clone()).unwrap();
            let (len, _) = text.split_once(' ').unwrap();
            assert_eq!(len.parse::<usize>().unwrap(), records.len(), "{size}");
        }
        assert_eq!(pax_name("a/b/c"), "a/b/PaxHeaders.0/c");
        assert_eq!(pax_name("dir/"), "PaxHeaders.0/dir");
    }

    #[test]
    fn headers_are_go_s_ustar() {
        let block = header("a", b'0', 0o1777, 1, 2, 3, "", 0);
        assert_eq!(&block[100..108], b"0001777\0");
        assert_eq!(&block[124..136], b"00000000003\0");
        assert_eq!(&block[257..265], b"ustar\x0000");
        let sum = u32::from_str_radix(std::str::from_utf8(&block[148..154]).unwrap(), 8).unwrap();
        let mut blank = block;
        blank[148..156].fill(b' ');
        assert_eq!(sum, blank.iter().map(|&b| u32::from(b)).sum::<u32>());
    }
}
