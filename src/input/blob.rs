//! A file's bytes, borrowed by every parser: small files are read, large ones memory-mapped so
//! only the pages the parsers touch are read from disk. This is the crate's only `unsafe`.
#![allow(unsafe_code)]

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;

/// Files below this size are read whole: one read is cheaper than setting up a mapping.
const MAP_THRESHOLD: u64 = 256 * 1024;

pub enum Blob {
    /// A mapping, guarded against the file shrinking under it ([`super::sigbus`]). The guard
    /// comes first so that it is dropped, and the range unregistered, before the unmap.
    Mapped(super::sigbus::Guard, memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Blob {
    /// Bytes of `file`, whose size the caller got from `fstat`.
    pub fn open(file: &mut File, size: u64) -> io::Result<Blob> {
        if size < MAP_THRESHOLD {
            let mut bytes = Vec::with_capacity(size as usize);
            file.read_to_end(&mut bytes)?;
            return Ok(Blob::Owned(bytes));
        }
        // SAFETY: the mapping is read-only and private to this process. If another process
        // truncates the file while we read it, accesses past the new end raise SIGBUS, which
        // the guard `Blob::guarded` registers turns into zero pages and a counted fault that
        // the caller reports as an input error (`sigbus`), instead of a crash.
        let map = unsafe { memmap2::Mmap::map(&*file)? };
        Ok(Blob::guarded(map))
    }

    /// Bytes of `file` by mapping, whatever its size: for readers that look at a few headers
    /// of many files (`gostatic buildinfo` on a directory), where reading small files whole
    /// costs more than mapping them.
    pub fn map(file: &File) -> io::Result<Blob> {
        // SAFETY: as in `open`. (memmap2 maps an empty file as an empty slice.)
        let map = unsafe { memmap2::Mmap::map(file)? };
        Ok(Blob::guarded(map))
    }

    fn guarded(map: memmap2::Mmap) -> Blob {
        Blob::Mapped(super::sigbus::Guard::new(map.as_ptr(), map.len()), map)
    }

    /// Read everything from a stream (stdin, a pipe), refusing more than `limit` bytes.
    pub fn read_stream(reader: &mut dyn Read, limit: u64) -> io::Result<Result<Blob, u64>> {
        let mut bytes = Vec::new();
        reader.take(limit + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > limit {
            return Ok(Err(limit));
        }
        Ok(Ok(Blob::Owned(bytes)))
    }
}

/// Bytes hashed between two releases of a mapping's pages.
const HASH_CHUNK: usize = 32 << 20;

impl Blob {
    /// SHA-256 of the bytes as lowercase hex. A mapping is hashed a chunk at a time, each
    /// chunk's pages given back once hashed: the pages a mapping touches count as the
    /// process's resident memory, so hashing a 16 GB file whole made RSS follow it (issue 11,
    /// item 11). The file stays in the page cache; only our hold on it is released.
    pub fn sha256(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        match self {
            Blob::Owned(bytes) => hasher.update(bytes),
            Blob::Mapped(_, map) => {
                let mut at = 0;
                while at < map.len() {
                    let end = (at + HASH_CHUNK).min(map.len());
                    hasher.update(&map[at..end]);
                    // SAFETY: MADV_DONTNEED on a read-only private file mapping drops our page
                    // table entries for the range; a later access faults the file's page back
                    // in with the same contents, so no reader sees a change. No reference into
                    // the range is held across the call other than `map` itself. A failure
                    // only leaves the pages resident.
                    let _ = unsafe {
                        map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, at, end - at)
                    };
                    at = end;
                }
            }
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl Deref for Blob {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Blob::Mapped(_, map) => map,
            Blob::Owned(bytes) => bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rss_file_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("RssFile:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// Issue 11, item 11: hashing a mapped file does not keep its pages resident.
    #[test]
    fn hashing_a_mapped_file_gives_its_pages_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let bytes: Vec<u8> = (0..192u32 << 20).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let mut file = File::open(&path).unwrap();
        let blob = Blob::open(&mut file, bytes.len() as u64).unwrap();
        assert!(matches!(blob, Blob::Mapped(..)));
        let before = rss_file_kib();
        let digest = blob.sha256();
        let grown = rss_file_kib().saturating_sub(before);
        assert_eq!(digest, Blob::Owned(bytes).sha256());
        assert!(grown < 96 << 10, "RssFile grew by {grown} KiB");
    }

    /// Issue 11, item 13: a mapped file truncated under us reads as zeros past its new end
    /// and the fault is counted, instead of SIGBUS killing the process.
    #[test]
    fn a_mapped_file_that_shrinks_is_a_counted_fault_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shrinks");
        std::fs::write(&path, vec![7u8; 1 << 20]).unwrap();
        let mut file = File::open(&path).unwrap();
        let blob = Blob::open(&mut file, 1 << 20).unwrap();
        assert!(matches!(blob, Blob::Mapped(..)));
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(4096)
            .unwrap();
        let before = super::super::sigbus::faults();
        assert_eq!(std::hint::black_box(&blob[..])[100], 7);
        assert_eq!(std::hint::black_box(&blob[..])[(1 << 20) - 1], 0);
        assert!(super::super::sigbus::faults() > before);
    }
}
