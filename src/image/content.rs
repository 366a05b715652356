//! What a regular file's bytes are to the image reader, decided the same way for a tar member
//! and for a file of a root-filesystem directory: a small configuration file the rules read
//! (kept whole), a script (its `#!` line kept), an executable (handed to the caller's
//! [`Inspector`], whose answer is kept), one too big to inspect, or nothing worth keeping.
//! Executables are recognised by their first bytes (`input::sniff`), never by name or mode.

use std::io;
use std::sync::Arc;

use super::Inspector;
use super::limits::ImageLimits;
use crate::input::{
    INTERPRETER_LINE_BYTES, SNIFF_LEN, interpreter_line, is_script, read_full, sniff,
};

/// What was learnt from a file's bytes while they were in hand.
#[derive(Debug, Clone)]
pub(crate) enum Content<T> {
    /// An executable, as the caller's inspector saw it.
    Inspected(T),
    /// An executable over `max_binary_bytes`: listed, not inspected.
    TooBig,
    /// A small configuration file later rules read (`/etc/passwd` …).
    Small(Arc<[u8]>),
    /// A script's `#!` line, without the `#!` (the entrypoint rule checks the interpreter).
    Interpreter(Arc<str>),
}

/// Files whose content later rules read; kept up to `max_small_file_bytes`.
pub fn is_kept_small(path: &str) -> bool {
    matches!(
        path,
        "/etc/passwd"
            | "/etc/group"
            | "/etc/ld.so.conf"
            | "/etc/os-release"
            | "/usr/lib/os-release"
            | "/etc/nsswitch.conf"
    ) || path
        .strip_prefix("/etc/ld.so.conf.d/")
        .is_some_and(|rest| !rest.contains('/'))
        || path
            .strip_prefix("/etc/ld-musl-")
            .is_some_and(|rest| rest.ends_with(".path") && !rest.contains('/'))
}

/// One regular file's bytes, read from wherever they are (a tar member, a file on disk): its
/// first bytes through `Read`, and all of it when the classifier asks.
pub(crate) trait FileBytes: io::Read {
    /// The whole file, `head` being the bytes `read` already returned.
    fn with_all<R>(&mut self, head: &[u8], use_bytes: impl FnOnce(&[u8]) -> R) -> io::Result<R>;
}

/// Decide what the file at `path` (of `size` bytes) is, reading only what that takes.
pub(crate) fn classify<I: Inspector>(
    path: &str,
    size: u64,
    file: &mut impl FileBytes,
    limits: &ImageLimits,
    inspector: &I,
) -> io::Result<Option<Content<I::Output>>> {
    if is_kept_small(path) {
        if size > limits.max_small_file_bytes {
            return Ok(None);
        }
        return file.with_all(&[], |bytes| Some(Content::Small(Arc::from(bytes))));
    }
    if size < 4 {
        return Ok(None);
    }
    let mut head = [0u8; INTERPRETER_LINE_BYTES];
    let at_most = |n: usize| (size as usize).min(n);
    let mut got = read_full(file, &mut head[..at_most(SNIFF_LEN)])?;
    if is_script(&head[..got]) {
        got += read_full(file, &mut head[got..at_most(INTERPRETER_LINE_BYTES)])?;
        return Ok(interpreter_line(&head[..got]).map(Content::Interpreter));
    }
    if sniff(&head[..got]).is_none() {
        return Ok(None);
    }
    if size > limits.max_binary_bytes {
        return Ok(Some(Content::TooBig));
    }
    file.with_all(&head[..got], |bytes| {
        inspector.inspect(path, bytes).map(Content::Inspected)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file in memory, handed out in small pieces as a slow stream would.
    struct Pieces<'a> {
        bytes: &'a [u8],
        at: usize,
    }

    impl io::Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(3).min(self.bytes.len() - self.at);
            buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    impl FileBytes for Pieces<'_> {
        fn with_all<R>(&mut self, head: &[u8], f: impl FnOnce(&[u8]) -> R) -> io::Result<R> {
            assert_eq!(head, &self.bytes[..self.at], "head is what was read");
            Ok(f(self.bytes))
        }
    }

    fn classify_bytes(path: &str, bytes: &[u8]) -> Option<Content<usize>> {
        let limits = ImageLimits {
            max_binary_bytes: 64,
            max_small_file_bytes: 16,
            ..ImageLimits::default()
        };
        let inspector = |_: &str, bytes: &[u8]| Some(bytes.len());
        let mut file = Pieces { bytes, at: 0 };
        classify(path, bytes.len() as u64, &mut file, &limits, &inspector).unwrap()
    }

    #[test]
    fn each_kind_of_file_is_told_apart_by_its_bytes() {
        let elf = b"\x7fELF\x02\x01\x01\0rest of it";
        assert!(matches!(
            classify_bytes("/app", elf),
            Some(Content::Inspected(n)) if n == elf.len()
        ));
        let mut big = elf.to_vec();
        big.resize(65, 0);
        assert!(matches!(
            classify_bytes("/app", &big),
            Some(Content::TooBig)
        ));
        assert!(matches!(
            classify_bytes("/run.sh", b"#!/bin/sh -e\necho"),
            Some(Content::Interpreter(line)) if &*line == "/bin/sh -e"
        ));
        assert!(matches!(
            classify_bytes("/etc/passwd", b"root:x:0:0::/:"),
            Some(Content::Small(bytes)) if &*bytes == b"root:x:0:0::/:"
        ));
        assert!(classify_bytes("/etc/passwd", &[b'x'; 17]).is_none());
        assert!(classify_bytes("/notes.txt", b"hello world").is_none());
        assert!(classify_bytes("/tiny", b"\x7fEL").is_none());
    }

    #[test]
    fn an_inspector_may_decline_an_executable() {
        let limits = ImageLimits::default();
        let decline = |_: &str, _: &[u8]| None::<()>;
        let bytes = b"\x7fELF\x02\x01\x01\0";
        let mut file = Pieces { bytes, at: 0 };
        let content = classify("/x", 8, &mut file, &limits, &decline).unwrap();
        assert!(content.is_none());
    }

    #[test]
    fn the_interpreter_line_stops_at_the_kernel_limit() {
        let mut script = b"#!".to_vec();
        script.extend(std::iter::repeat_n(b'a', 400));
        let Some(Content::Interpreter(line)) = classify_bytes("/s", &script) else {
            panic!("a script");
        };
        assert_eq!(line.len(), INTERPRETER_LINE_BYTES - 2);
    }

    #[test]
    fn kept_small_files_are_exactly_those_the_rules_read() {
        assert!(is_kept_small("/etc/passwd"));
        assert!(is_kept_small("/etc/ld.so.conf.d/libc.conf"));
        assert!(!is_kept_small("/etc/ld.so.conf.d/sub/x.conf"));
        assert!(is_kept_small("/etc/ld-musl-x86_64.path"));
        assert!(!is_kept_small("/etc/ld-musl-x86_64.conf"));
        assert!(!is_kept_small("/etc/shadow"));
    }
}
