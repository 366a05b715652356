//! The pipeline of `gostatic buildinfo`: what `go version -m FILE...` does with its arguments
//! (`src/cmd/go/internal/version/version.go`, Go 1.27), so its output can be reproduced.
//!
//! - A named file is always read; if it is not a Go binary the error is shown only for a
//!   "candidate" (an executable mode bit, or a name ending in `.so`, `.exe`, `.dll` or
//!   containing `.so.`), and the run fails (exit status 1) either way.
//! - A named directory is walked like `filepath.WalkDir`: lexical order, symbolic links to
//!   directories not followed (a root that is a symlink is not walked at all), paths shown
//!   `filepath.Join`-cleaned; only Go binaries are reported, and nothing in a walk fails the run.
//! - A path that cannot be stat'ed prints Go's `stat PATH: reason` and fails the run.
//!
//! Where Go's reader fails and gostatic's wider scan finds the blob (`FoundBy::Scan`), the file
//! is reported like any Go binary: that is the point of the scan.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::InputErrorKind;
use crate::gobin::buildinfo::{self, BuildInfo, BuildInfoError};
use crate::input::Blob;
use crate::report::buildinfo::{Failure, Outcome, Run};

/// Bytes `debug/buildinfo` reads to identify a format.
const IDENT_LEN: usize = 16;

/// One file to read, in output order.
enum Item {
    /// Named on the command line: errors are reported.
    Named {
        path: PathBuf,
        shown: Vec<u8>,
        meta: Metadata,
    },
    /// Met in a walk: reported only if it is a Go binary.
    Walked {
        path: PathBuf,
        shown: Vec<u8>,
        symlink: bool,
    },
    /// Already decided (a path that could not be stat'ed).
    Done(Outcome),
}

/// Run `go version -m ARGS` semantics (`-v` when `verbose`). Files are read in parallel; the
/// order of the outcomes is Go's.
pub fn run(args: &[OsString], verbose: bool) -> Run {
    let mut items = Vec::new();
    for arg in args {
        let path = Path::new(arg);
        let shown = os_bytes(arg);
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &shown, &mut items),
            Ok(meta) => items.push(Item::Named {
                path: path.to_path_buf(),
                shown,
                meta,
            }),
            Err(err) => {
                let reason = InputErrorKind::from_io(&err).to_string();
                let mut message = b"stat ".to_vec();
                message.extend_from_slice(&shown);
                message.extend_from_slice(b": ");
                message.extend_from_slice(reason.as_bytes());
                items.push(Item::Done(Outcome {
                    path: shown,
                    result: Err(Failure {
                        reason,
                        message: Some(message),
                    }),
                }));
            }
        }
    }
    let named_failed = |item: &Item, outcome: &Option<Outcome>| {
        matches!(item, Item::Named { .. } | Item::Done(_))
            && outcome.as_ref().is_some_and(|o| o.result.is_err())
    };
    let outcomes: Vec<Option<Outcome>> = items
        .par_iter()
        .map(|item| read_item(item, verbose))
        .collect();
    let failed = items.iter().zip(&outcomes).any(|(i, o)| named_failed(i, o));
    Run {
        outcomes: outcomes.into_iter().flatten().collect(),
        failed,
    }
}

fn read_item(item: &Item, verbose: bool) -> Option<Outcome> {
    match item {
        Item::Named { path, shown, meta } => Some(read_named(path, shown.clone(), meta)),
        Item::Walked {
            path,
            shown,
            symlink,
        } if verbose => Some(read_walked_verbose(path, shown, *symlink)),
        Item::Walked {
            path,
            shown,
            symlink,
        } => read_walked(path, shown, *symlink),
        Item::Done(outcome) => Some(outcome.clone()),
    }
}

/// `go version -m -v`: a walked file is scanned with `mustPrint` set, so it fails as a named
/// file does (`PATH: symlink` for a link to anything but a regular file, Go's error line for a
/// candidate), but it never fails the run (`scanDir` ignores `scanFile`'s result).
fn read_walked_verbose(path: &Path, shown: &[u8], symlink: bool) -> Outcome {
    let failure = |reason: String, message: Vec<u8>| Outcome {
        path: shown.to_vec(),
        result: Err(Failure {
            reason,
            message: Some(message),
        }),
    };
    let line = |tail: &str| {
        let mut message = shown.to_vec();
        message.extend_from_slice(tail.as_bytes());
        message
    };
    if symlink {
        // scanFile: `os.Stat` the link; anything but a regular file is `PATH: symlink`.
        return match fs::metadata(path) {
            Ok(meta) if meta.is_file() => read_named(path, shown.to_vec(), &meta),
            _ => failure("symlink".to_string(), line(": symlink")),
        };
    }
    // scanDir: `d.Info()` (an lstat) failing is `PATH: lstat PATH: reason` under -v.
    match fs::symlink_metadata(path) {
        Ok(meta) => read_named(path, shown.to_vec(), &meta),
        Err(err) => {
            let reason = InputErrorKind::from_io(&err).to_string();
            let mut message = line(": lstat ");
            message.extend_from_slice(shown);
            message.extend_from_slice(b": ");
            message.extend_from_slice(reason.as_bytes());
            failure(reason, message)
        }
    }
}

/// A walked regular file or symlink: reported only if it reads as a Go binary.
fn read_walked(path: &Path, shown: &[u8], symlink: bool) -> Option<Outcome> {
    // A symlink counts only if it leads to a regular file (scanFile's os.Stat check).
    if symlink && !fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let info = read_file(path).ok()?;
    Some(Outcome {
        path: shown.to_vec(),
        result: Ok(info),
    })
}

fn read_named(path: &Path, shown: Vec<u8>, meta: &Metadata) -> Outcome {
    let result = if meta.is_file() {
        read_file(path)
    } else {
        // Devices and FIFOs: Go's reader gets no executable header from them (and would block
        // on a FIFO); we do not open them at all.
        Err(ReadError::BuildInfo(BuildInfoError::UnrecognizedFormat))
    };
    let result = match result {
        Ok(info) => Ok(info),
        Err(ReadError::Open(reason)) => Err(Failure {
            // Go prints only the file name when opening fails (the `*os.PathError` branch).
            reason,
            message: Some(shown.clone()),
        }),
        Err(ReadError::BuildInfo(err)) => {
            let reason = err.to_string();
            let message = is_candidate(&shown, meta).then(|| {
                let mut line = shown.clone();
                line.extend_from_slice(b": could not read Go build info from ");
                line.extend_from_slice(&shown);
                line.extend_from_slice(b": ");
                line.extend_from_slice(reason.as_bytes());
                line
            });
            Err(Failure { reason, message })
        }
    };
    Outcome {
        path: shown,
        result,
    }
}

enum ReadError {
    Open(String),
    BuildInfo(BuildInfoError),
}

/// Build info of a regular file.
fn read_file(path: &Path) -> Result<BuildInfo, ReadError> {
    let open_error =
        |err: std::io::Error| ReadError::Open(InputErrorKind::from_io(&err).to_string());
    let unrecognized = ReadError::BuildInfo(BuildInfoError::UnrecognizedFormat);
    let mut file = File::open(path).map_err(open_error)?;
    // Go reads 16 bytes to choose a format and stops there for anything else; so do we,
    // rather than mapping every data file of a directory walk.
    let mut ident = [0u8; IDENT_LEN];
    if file.read_exact(&mut ident).is_err() || !buildinfo::is_executable_ident(&ident) {
        return Err(unrecognized);
    }
    let blob = Blob::map(&file).map_err(|_| unrecognized)?;
    buildinfo::read_bytes(&blob).map_err(ReadError::BuildInfo)
}

/// `isGoBinaryCandidate`: worth an error message when it does not read as a Go binary.
fn is_candidate(shown: &[u8], meta: &Metadata) -> bool {
    if meta.is_file() && executable(meta) {
        return true;
    }
    let name = shown.to_ascii_lowercase();
    let base_start = name.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    let extension = name[base_start..]
        .iter()
        .rposition(|&b| b == b'.')
        .map(|dot| &name[base_start + dot..]);
    matches!(extension, Some(b".so" | b".exe" | b".dll")) || name.windows(4).any(|w| w == b".so.")
}

#[cfg(unix)]
fn executable(meta: &Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn executable(_meta: &Metadata) -> bool {
    false
}

/// `scanDir`: queue the regular files and symlinks under `root`; which of them are Go
/// binaries is decided when they are read.
fn walk(root: &Path, shown_root: &[u8], items: &mut Vec<Item>) {
    // WalkDir starts from Lstat(root): a root that is a symlink is visited, not descended
    // (scanFile then finds no regular file behind it: silent, or `ROOT: symlink` under -v).
    match fs::symlink_metadata(root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(meta) if meta.file_type().is_symlink() => {
            // The root is passed to the callback as given, not cleaned.
            items.push(Item::Walked {
                path: root.to_path_buf(),
                shown: shown_root.to_vec(),
                symlink: true,
            });
            return;
        }
        _ => return,
    }
    // Depth-first, pre-order, each directory's entries sorted by name, as WalkDir does.
    let mut stack = vec![children(root, shown_root).into_iter()];
    while let Some(level) = stack.last_mut() {
        let Some(child) = level.next() else {
            stack.pop();
            continue;
        };
        // The type from the directory entry, as Go's `d.Type()`, without a stat.
        if child.file_type.is_dir() {
            stack.push(children(&child.path, &child.shown).into_iter());
        } else if child.file_type.is_file() || child.file_type.is_symlink() {
            items.push(Item::Walked {
                path: child.path,
                shown: child.shown,
                symlink: child.file_type.is_symlink(),
            });
        }
    }
}

struct Child {
    path: PathBuf,
    shown: Vec<u8>,
    file_type: fs::FileType,
}

/// A directory's entries, sorted by name, with the paths Go shows for them
/// (`filepath.Join(dir, name)`). Unreadable directories have no entries (Go ignores the error).
fn children(dir: &Path, shown_dir: &[u8]) -> Vec<Child> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut children: Vec<Child> = entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let name = entry.file_name();
            let mut joined = shown_dir.to_vec();
            joined.push(b'/');
            joined.extend_from_slice(&os_bytes(&name));
            Some(Child {
                path: entry.path(),
                shown: clean(&joined),
                file_type: entry.file_type().ok()?,
            })
        })
        .collect();
    children.sort_by(|a, b| a.path.file_name().cmp(&b.path.file_name()));
    children
}

#[cfg(unix)]
fn os_bytes(text: &OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    text.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(text: &OsStr) -> Vec<u8> {
    text.to_string_lossy().into_owned().into_bytes()
}

/// Go's `filepath.Clean` (Unix): shortest equivalent path by lexical processing.
pub fn clean(path: &[u8]) -> Vec<u8> {
    if path.is_empty() {
        return b".".to_vec();
    }
    let rooted = path[0] == b'/';
    let n = path.len();
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0, 0);
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    while r < n {
        let at_end = |i: usize| i == n || path[i] == b'/';
        if path[r] == b'/' || (path[r] == b'.' && at_end(r + 1)) {
            r += 1;
        } else if path[r] == b'.' && r + 1 < n && path[r + 1] == b'.' && at_end(r + 2) {
            r += 2;
            if out.len() > dotdot {
                let mut w = out.len() - 1;
                while w > dotdot && out[w] != b'/' {
                    w -= 1;
                }
                out.truncate(w);
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if (rooted && out.len() != 1) || (!rooted && !out.is_empty()) {
                out.push(b'/');
            }
            while r < n && path[r] != b'/' {
                out.push(path[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return b".".to_vec();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        let cases = [
            ("", "."),
            (".", "."),
            ("./", "."),
            ("dir/", "dir"),
            ("./dir//x", "dir/x"),
            ("/", "/"),
            ("//x", "/x"),
            ("/../x", "/x"),
            ("a/b/../c", "a/c"),
            ("a/b/../../..", ".."),
            ("../../x/..", "../.."),
            ("a/../..", ".."),
            ("/a/b/..", "/a"),
            ("abc/./def/", "abc/def"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input.as_bytes()), want.as_bytes(), "{input}");
        }
    }
}
