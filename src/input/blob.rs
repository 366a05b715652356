//! A file's bytes, borrowed by every parser: small files are read, large ones memory-mapped so
//! only the pages the parsers touch are read from disk. This is the crate's only `unsafe`.
#![allow(unsafe_code)]

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;

/// Files below this size are read whole: one read is cheaper than setting up a mapping.
const MAP_THRESHOLD: u64 = 256 * 1024;

pub enum Blob {
    Mapped(memmap2::Mmap),
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
        // truncates the file while we read it, accesses past the new end raise SIGBUS; this is
        // the same trade-off ripgrep makes (`searcher/mmap.rs`), accepted because inputs are
        // build outputs and images, not files being rewritten under us.
        let map = unsafe { memmap2::Mmap::map(&*file)? };
        Ok(Blob::Mapped(map))
    }

    /// Bytes of `file` by mapping, whatever its size: for readers that look at a few headers
    /// of many files (`gostatic buildinfo` on a directory), where reading small files whole
    /// costs more than mapping them.
    pub fn map(file: &File) -> io::Result<Blob> {
        // SAFETY: as in `open`. (memmap2 maps an empty file as an empty slice.)
        let map = unsafe { memmap2::Mmap::map(file)? };
        Ok(Blob::Mapped(map))
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

impl Deref for Blob {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Blob::Mapped(map) => map,
            Blob::Owned(bytes) => bytes,
        }
    }
}
