//! Inputs: walking the paths named on the command line, sniffing magic bytes, and getting a
//! file's bytes (mapped or read). Names and permission bits are never trusted: a file is an ELF
//! because it starts like one.

pub mod blob;
pub mod sigbus;
pub mod walk;

pub use blob::Blob;
pub use walk::{Alias, Candidate, Inputs, Origin, collect};

/// Executable formats gostatic recognises by their first bytes; serialised as the JSON
/// report's `format` (`elf`, `pe`, `macho`, `macho-universal`, `script`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Format {
    #[serde(rename = "elf")]
    Elf,
    /// `MZ`: confirmed as PE only once the `PE\0\0` signature is found at `e_lfanew`.
    #[serde(rename = "pe")]
    Pe,
    #[serde(rename = "macho")]
    MachO,
    #[serde(rename = "macho-universal")]
    MachOFat,
    /// A `#!` script: run through the interpreter its first line names. Not sniffed by
    /// [`sniff`] (the image reader keeps scripts' first lines apart); see [`is_script`].
    #[serde(rename = "script")]
    Script,
}

impl Format {
    /// The name the JSON report gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Elf => "elf",
            Format::Pe => "pe",
            Format::MachO => "macho",
            Format::MachOFat => "macho-universal",
            Format::Script => "script",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a file's first bytes are a `#!` line, as the kernel's `binfmt_script` reads it.
pub fn is_script(head: &[u8]) -> bool {
    head.starts_with(b"#!")
}

/// The most of a `#!` line the kernel reads (`BINPRM_BUF_SIZE`, Linux 5.1 and later).
pub const INTERPRETER_LINE_BYTES: usize = 256;

/// The `#!` line of a script from its first bytes: the text after `#!` up to the newline (or
/// the kernel's limit), trimmed; `None` if `head` does not start with `#!`.
pub fn interpreter_line(head: &[u8]) -> Option<std::sync::Arc<str>> {
    let rest = head.strip_prefix(b"#!")?;
    let rest = &rest[..rest.len().min(INTERPRETER_LINE_BYTES - 2)];
    let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
    Some(std::sync::Arc::from(String::from_utf8_lossy(line).trim()))
}

/// How many leading bytes `sniff` needs to decide.
pub const SNIFF_LEN: usize = 8;

/// Recognise an executable format from the first bytes of a file.
pub fn sniff(head: &[u8]) -> Option<Format> {
    let magic: [u8; 4] = head.get(..4)?.try_into().ok()?;
    match magic {
        [0x7f, b'E', b'L', b'F'] => Some(Format::Elf),
        [b'M', b'Z', _, _] => Some(Format::Pe),
        [0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe] => Some(Format::MachO),
        [0xca, 0xfe, 0xba, 0xbe | 0xbf] => {
            // Java class files share this magic; their next word is a version >= 45, a fat
            // Mach-O's is its architecture count (file(1) uses the same cut-off).
            let count = u32::from_be_bytes(head.get(4..8)?.try_into().ok()?);
            (1..20).contains(&count).then_some(Format::MachOFat)
        }
        _ => None,
    }
}

/// Fill `buf` from `reader` as far as it goes (a short count only at the end of the input),
/// retrying reads a signal interrupted.
pub fn read_full(reader: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Open `path` for reading, refusing anything but a regular file. The open does not block
/// (`O_NONBLOCK`: a file swapped for a FIFO after the walk saw a regular file would otherwise
/// wait forever for a writer), and the type checked is that of what was opened (`fstat`), not
/// what a walk or a `stat` saw earlier. `O_NONBLOCK` changes nothing for regular files.
pub fn open_regular(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            NotRegular,
        ));
    }
    Ok(file)
}

/// The error [`open_regular`] gives for a FIFO, device, socket or directory.
#[derive(Debug)]
pub struct NotRegular;

impl std::fmt::Display for NotRegular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a regular file")
    }
}

impl std::error::Error for NotRegular {}

/// The first bytes of a file, for an error message about an unknown format.
pub fn describe_head(head: &[u8]) -> String {
    if head.is_empty() {
        return "nothing".to_string();
    }
    let shown: Vec<String> = head.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("bytes {}", shown.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_format() {
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01\x00"), Some(Format::Elf));
        assert_eq!(sniff(b"MZ\x90\x00\x03\x00\x00\x00"), Some(Format::Pe));
        assert_eq!(
            sniff(b"\xcf\xfa\xed\xfe\x07\x00\x00\x01"),
            Some(Format::MachO)
        );
        assert_eq!(
            sniff(b"\xca\xfe\xba\xbe\x00\x00\x00\x02"),
            Some(Format::MachOFat)
        );
    }

    #[test]
    fn java_class_files_are_not_mach_o() {
        assert_eq!(sniff(b"\xca\xfe\xba\xbe\x00\x00\x00\x3d"), None);
    }

    #[test]
    fn short_or_unknown_input_is_none() {
        assert_eq!(sniff(b"\x7fEL"), None);
        assert_eq!(sniff(b"#!/bin/sh\n"), None);
        assert_eq!(describe_head(b"#!/b"), "bytes 23 21 2f 62");
    }
}
