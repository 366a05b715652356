//! Error types of the library: what structure was bad and where. The path of the input is
//! added once, at the edge (`InputError`), so readers never need to know file names.

use std::fmt;

/// A reason an ELF file could not be read the way the kernel or `ld.so` would read it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ElfError {
    #[error("truncated ELF header ({size} bytes, need {need})")]
    TruncatedHeader { size: u64, need: u64 },
    #[error("invalid ELF class {0} (EI_CLASS must be 1 or 2)")]
    BadClass(u8),
    #[error("invalid ELF data encoding {0} (EI_DATA must be 1 or 2)")]
    BadEncoding(u8),
    #[error("unexpected e_phentsize {found} (ELF{bits} needs {expected})")]
    BadPhentsize { found: u16, expected: u16, bits: u8 },
    #[error(
        "truncated program header table (e_phoff {phoff:#x} + {count}*{entsize} > size {size})"
    )]
    TruncatedProgramHeaders {
        phoff: u64,
        count: u64,
        entsize: u64,
        size: u64,
    },
    #[error(
        "truncated {what} segment (program header {index}: offset {offset:#x} + filesz {filesz:#x} > size {size})"
    )]
    SegmentOutOfFile {
        what: &'static str,
        index: usize,
        offset: u64,
        filesz: u64,
        size: u64,
    },
    #[error("unexpected e_shentsize {found} (ELF{bits} needs {expected})")]
    BadShentsize { found: u16, expected: u16, bits: u8 },
    #[error(
        "truncated section header table (e_shoff {shoff:#x} + {count}*{entsize} > size {size})"
    )]
    TruncatedSectionHeaders {
        shoff: u64,
        count: u64,
        entsize: u64,
        size: u64,
    },
    #[error("truncated section {name} (offset {offset:#x} + size {len:#x} > size {size})")]
    SectionOutOfFile {
        name: String,
        offset: u64,
        len: u64,
        size: u64,
    },
    #[error("bad {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
}

impl ElfError {
    pub(crate) fn malformed(what: &'static str, detail: impl fmt::Display) -> Self {
        ElfError::Malformed {
            what,
            detail: detail.to_string(),
        }
    }
}

/// The cause class of an input that could not be fetched or trusted, in JSON `errors[].kind`,
/// so a pipeline can tell a retryable failure (`network`, `rate-limited`) from one that needs a
/// person (`auth`, `not-found`, `digest-mismatch`). Errors of other causes carry no kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// Credentials missing or refused (HTTP 401/403, a token endpoint that said no).
    Auth,
    /// No such repository, tag, manifest or blob (HTTP 404).
    NotFound,
    /// The registry could not be reached, or answered with a server error after retries.
    Network,
    /// Bytes that are not what their manifest or reference names: another digest, or another
    /// length than the descriptor's `size`.
    DigestMismatch,
    /// HTTP 429 after the retries `Retry-After` allowed.
    RateLimited,
}

/// Why one input produced no report. Rendered as `path: reason`.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum InputErrorKind {
    #[error("{0}")]
    Io(String),
    #[error("empty file")]
    Empty,
    #[error("not an ELF, PE or Mach-O file (starts with {0})")]
    UnknownFormat(String),
    #[error("not a regular file")]
    NotRegular,
    #[error("larger than the {limit}-byte limit for streamed input")]
    TooLarge { limit: u64 },
    #[error("{0}")]
    Elf(#[from] ElfError),
    #[error("{0}")]
    Foreign(String),
    /// A named directory in which no file is an executable: a gate that checks nothing must
    /// not pass in silence.
    #[error("{}", nothing_to_check(*files, examples))]
    NothingToCheck { files: usize, examples: String },
}

fn nothing_to_check(files: usize, examples: &str) -> String {
    let held = match files {
        0 => "it holds no files".to_string(),
        1 => format!("its one file ({examples}) is not"),
        n => format!("none of its {n} files ({examples}) is"),
    };
    let what = if files == 0 {
        held
    } else {
        format!("{held} an ELF, PE or Mach-O executable")
    };
    format!("nothing to check: {what} (--allow-empty accepts that)")
}

impl InputErrorKind {
    /// An I/O error in the words a user expects: lowercase, without the `(os error N)` suffix.
    pub fn from_io(err: &std::io::Error) -> Self {
        use std::io::ErrorKind;
        let text = match err.kind() {
            ErrorKind::NotFound => "no such file or directory".to_string(),
            ErrorKind::PermissionDenied => "permission denied".to_string(),
            ErrorKind::IsADirectory => "is a directory".to_string(),
            ErrorKind::UnexpectedEof => "file ended while reading".to_string(),
            _ => {
                let text = err.to_string();
                let text = match text.find(" (os error") {
                    Some(cut) => text[..cut].to_string(),
                    None => text,
                };
                lowercase_first(&text)
            }
        };
        InputErrorKind::Io(text)
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One input that could not be reported, with the path as the user named or reached it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct InputError {
    pub path: String,
    pub kind: InputErrorKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_read_like_sentences() {
        let err = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(
            InputErrorKind::from_io(&err).to_string(),
            "no such file or directory"
        );
        let err = std::io::Error::from_raw_os_error(5);
        assert_eq!(
            InputErrorKind::from_io(&err).to_string(),
            "input/output error"
        );
    }

    #[test]
    fn elf_errors_name_the_structure() {
        let err = ElfError::TruncatedProgramHeaders {
            phoff: 0x40,
            count: 13,
            entsize: 56,
            size: 512,
        };
        assert_eq!(
            err.to_string(),
            "truncated program header table (e_phoff 0x40 + 13*56 > size 512)"
        );
    }
}
