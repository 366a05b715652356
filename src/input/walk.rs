//! Turn the command line's paths into the list of files to look at.
//!
//! Directories are walked recursively and sorted; directory symlinks are not followed (no
//! loops, no escaping the tree), file symlinks are followed to the file they name; FIFOs,
//! sockets and devices met in a walk are skipped, as they cannot be executables and reading
//! one could block. A path named directly is always reported: as a file, or as an error.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{InputError, InputErrorKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File(PathBuf),
    /// A FIFO or pipe named on the command line (`<(cat bin)`): read as a stream.
    Stream(PathBuf),
    Stdin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub origin: Origin,
    /// The path as shown in reports.
    pub display: String,
    /// Named on the command line: an unrecognised format is an error, not a skip.
    pub named: bool,
}

/// Collect the candidates under `paths`, in sorted order, and the paths that could not be
/// walked. Duplicates (the same display path twice) are dropped.
pub fn collect(paths: &[impl AsRef<OsStr>]) -> (Vec<Candidate>, Vec<InputError>) {
    let mut candidates = Vec::new();
    let mut errors = Vec::new();
    for raw in paths {
        let raw = raw.as_ref();
        if raw == "-" {
            candidates.push(Candidate {
                origin: Origin::Stdin,
                display: "-".into(),
                named: true,
            });
            continue;
        }
        let path = Path::new(raw);
        let display = path.display().to_string();
        match fs::metadata(path) {
            Err(err) => errors.push(InputError {
                path: display,
                kind: InputErrorKind::from_io(&err),
            }),
            Ok(meta) if meta.is_dir() => walk_dir(path, &mut candidates, &mut errors),
            Ok(meta) if meta.is_file() => candidates.push(Candidate {
                origin: Origin::File(path.to_path_buf()),
                display,
                named: true,
            }),
            Ok(meta) if is_fifo(&meta) => candidates.push(Candidate {
                origin: Origin::Stream(path.to_path_buf()),
                display,
                named: true,
            }),
            Ok(_) => errors.push(InputError {
                path: display,
                kind: InputErrorKind::NotRegular,
            }),
        }
    }
    candidates.sort_by(|a, b| a.display.cmp(&b.display));
    candidates.dedup_by(|a, b| a.display == b.display);
    (candidates, errors)
}

fn walk_dir(root: &Path, candidates: &mut Vec<Candidate>, errors: &mut Vec<InputError>) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(root).display().to_string();
                let kind = match err.io_error() {
                    Some(io) => InputErrorKind::from_io(io),
                    None => InputErrorKind::Io(err.to_string()),
                };
                errors.push(InputError { path, kind });
                continue;
            }
        };
        let file_type = entry.file_type();
        let is_file = if file_type.is_file() {
            true
        } else if file_type.is_symlink() {
            // A dangling link or a link to a directory is not a file to report.
            fs::metadata(entry.path()).is_ok_and(|m| m.is_file())
        } else {
            false
        };
        if is_file {
            let path = entry.into_path();
            candidates.push(Candidate {
                display: path.display().to_string(),
                origin: Origin::File(path),
                named: false,
            });
        }
    }
}

#[cfg(unix)]
fn is_fifo(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_fifo()
}

#[cfg(not(unix))]
fn is_fifo(_meta: &fs::Metadata) -> bool {
    false
}
