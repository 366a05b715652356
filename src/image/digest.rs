//! Content digests (`sha256:<64 hex>`), computed on bytes as they stream past, and compared
//! with what a manifest, an index or a config's `rootfs.diff_ids` says. Only sha256 is
//! accepted: it is the only algorithm registries and `docker save` write.

use std::io::{self, Read};

use sha2::{Digest as _, Sha256};

/// `sha256:<hex>` if `text` is a well-formed sha256 digest.
pub fn parse(text: &str) -> Option<&str> {
    let hex = text.strip_prefix("sha256:")?;
    (hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then_some(hex)
}

pub fn of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A reader that hashes (optionally) and counts what passes through it.
pub struct Hashing<R> {
    inner: R,
    hasher: Option<Sha256>,
    pub count: u64,
}

impl<R: Read> Hashing<R> {
    pub fn new(inner: R, hash: bool) -> Self {
        Hashing {
            inner,
            hasher: hash.then(Sha256::new),
            count: 0,
        }
    }

    /// The digest of everything read, if hashing was asked for.
    pub fn finish(self) -> Option<String> {
        self.hasher
            .map(|h| format!("sha256:{}", hex(&h.finalize())))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(hasher) = &mut self.hasher {
            hasher.update(&buf[..n]);
        }
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_sha256() {
        let good = format!("sha256:{}", "a".repeat(64));
        assert!(parse(&good).is_some());
        assert!(parse(&format!("sha512:{}", "a".repeat(128))).is_none());
        assert!(parse("sha256:../../etc/passwd").is_none());
    }

    #[test]
    fn hashing_reader_matches_one_shot() {
        let mut reader = Hashing::new(&b"hello"[..], true);
        io::copy(&mut reader, &mut io::sink()).unwrap();
        assert_eq!(reader.count, 5);
        assert_eq!(reader.finish().unwrap(), of(b"hello"));
    }
}
