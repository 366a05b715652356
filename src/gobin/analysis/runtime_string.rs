//! `runtime.buildVersion` without symbols: the Go version of a binary that has neither
//! buildinfo (`-buildinfo=false`, a hand-stripped `.go.buildinfo`) nor `.symtab`/DWARF, read
//! through the runtime's own string header rather than by a blind byte scan.
//!
//! What the linker writes (`runtime/extern.go`: "buildVersion is the Go tree's version string
//! at build time. If any GOEXPERIMENTs are set to non-default values, it will include
//! "X:<GOEXPERIMENT>". This is set by the linker."): `cmd/link/internal/ld/data.go`'s
//! `addstrdata` turns the variable into SDATA holding a Go string header `{data, len}` whose
//! data points at a `runtime.buildVersion.str` symbol in SRODATA. (Older runtimes initialised
//! it from a constant, `var buildVersion = sys.TheVersion`, which leaves the same header over a
//! compiler string.) So the version is the one read-only string that starts `go1.` *and* is
//! named, with its exact length, by a pointer-aligned `{address, len}` pair in writable data.
//!
//! GoReSym takes the first `go1.` bytes of the file and the digits after them
//! (`mandiant/GoReSym:main.go`), which any user string or file name (`only_go1.26.go` in a
//! pclntab file table) can fool, and which cannot tell `go1.26.5` from the bytes that follow
//! it (Go strings are not NUL-terminated). Here a candidate must (1) start at a `go1.` in the
//! read-only data, (2) be pointed at by a string header whose length makes the whole string a
//! release version (`go1.N[.P][rcN|betaN]`, optionally ` X:experiments` or a vendor suffix),
//! (3) fall in the range the pclntab format allows (the caller's cross-check), and (4) be the
//! only such version: two different answers give none.
//!
//! Cost: only binaries without buildinfo, symbols or DWARF come here; one `memmem` pass over
//! `.rodata` (or the read-only segments) and one aligned word pass over `.data` (or the
//! writable segments), both bounded by the file's size and by [`MAX_CANDIDATES`].

use std::collections::BTreeSet;

use crate::gobin::binary::Binary;
use crate::gobin::release::GoVersion;

/// Longest version string accepted (a release plus `X:` experiments or a vendor suffix).
const MAX_LEN: usize = 64;
/// `go1.` occurrences considered in the read-only data; real binaries have a handful.
const MAX_CANDIDATES: usize = 4096;

/// The minors the pclntab format and the sections allow: `min..=max`, `max` open for `1.20+`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinorRange {
    pub min: u32,
    pub max: Option<u32>,
}

impl MinorRange {
    fn contains(self, minor: u32) -> bool {
        minor >= self.min && self.max.is_none_or(|max| minor <= max)
    }
}

/// The version `runtime.buildVersion` holds, found through its string header, when exactly
/// one version in `range` is named that way.
pub fn find(bin: &Binary<'_>, range: MinorRange) -> Option<String> {
    let starts = candidates(bin);
    if starts.is_empty() {
        return None;
    }
    let ptr = bin.pointer_size;
    let mut found = BTreeSet::new();
    for (address, data) in bin.areas(&[".data"], true) {
        // The linker aligns the variable to the pointer size (a string header's alignment).
        let skip = (ptr as u64 - address % ptr as u64) % ptr as u64;
        let Some(words) = data.get(skip as usize..) else {
            continue;
        };
        let mut chunks = words.chunks_exact(ptr).peekable();
        while let Some(word) = chunks.next() {
            let Some(target) = bin.read_uint(word, ptr) else {
                continue;
            };
            if !starts.contains(&target) {
                continue;
            }
            let Some(len) = chunks.peek().and_then(|w| bin.read_uint(w, ptr)) else {
                continue;
            };
            if let Some(version) = version_at(bin, target, len, range) {
                found.insert(version);
            }
        }
    }
    let mut found = found.into_iter();
    let version = found.next()?;
    // Two different versions named the same way: a user string looks like ours; say nothing.
    found.next().is_none().then_some(version)
}

/// Virtual addresses of every `go1.` in the read-only data (`.rodata`, else the read-only
/// loadable segments), at most [`MAX_CANDIDATES`].
fn candidates(bin: &Binary<'_>) -> BTreeSet<u64> {
    let finder = memchr::memmem::Finder::new(b"go1.");
    let mut starts = BTreeSet::new();
    for (address, data) in bin.areas(&[".rodata", "__rodata", ".rdata"], false) {
        for at in finder.find_iter(data) {
            if starts.len() == MAX_CANDIDATES {
                return starts;
            }
            starts.insert(address + at as u64);
        }
    }
    starts
}

fn version_at(bin: &Binary<'_>, address: u64, len: u64, range: MinorRange) -> Option<String> {
    let len = usize::try_from(len).ok().filter(|&l| l <= MAX_LEN)?;
    let bytes = bin.bytes_at(address, len).filter(|b| b.len() == len)?;
    let text = std::str::from_utf8(bytes).ok()?;
    let minor = release_minor(text)?;
    range.contains(minor).then(|| text.to_string())
}

/// The minor of a whole release version string, `go1.N[.P][rcN|betaN]` then nothing, a
/// ` X:experiment,...` list, or a vendor suffix after ` ` or `-` (`go1.22.5-1`); `None` for
/// anything else (`go1.` followed by more text, `devel` builds, control bytes).
fn release_minor(text: &str) -> Option<u32> {
    let rest = text.strip_prefix("go1.")?;
    let core_len = core_length(rest)?;
    let suffix = &rest[core_len..];
    let suffix_ok = suffix.is_empty()
        || ((suffix.starts_with(' ') || suffix.starts_with('-'))
            && suffix.len() > 1
            && suffix.bytes().all(|b| b.is_ascii_graphic() || b == b' '));
    if !suffix_ok {
        return None;
    }
    let version = GoVersion::parse(&text[..4 + core_len])?;
    (version.major == 1).then_some(version.minor)
}

/// Bytes of `N[.P][rcN|betaN]` at the start of `rest`.
fn core_length(rest: &str) -> Option<usize> {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let minor = digits(rest);
    if minor == 0 || minor > 3 {
        return None;
    }
    let mut at = minor;
    if let Some(after) = rest[at..].strip_prefix('.') {
        let patch = digits(after);
        if patch == 0 || patch > 3 {
            return None;
        }
        at += 1 + patch;
    }
    for tag in ["rc", "beta"] {
        if let Some(after) = rest[at..].strip_prefix(tag) {
            let n = digits(after);
            if n == 0 || n > 3 {
                return None;
            }
            at += tag.len() + n;
            break;
        }
    }
    Some(at)
}

#[cfg(test)]
#[path = "runtime_string_tests.rs"]
mod tests;
