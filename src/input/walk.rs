//! Turn the command line's paths into the list of files to look at.
//!
//! Directories are walked recursively, in parallel on rayon's pool, and the result sorted;
//! directory symlinks are not followed (no loops, no escaping the tree), file symlinks are
//! followed to the file they name; FIFOs, sockets and devices met in a walk are skipped, as they
//! cannot be executables and reading one could block. A path named directly is always reported: as a file, or as an error.

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
    /// Met in a walk of `Inputs::dirs[root]`.
    pub root: Option<usize>,
}

/// What the command line's paths name: the files to look at, in sorted order, the paths that
/// could not be walked, and the directories named (a gate must know when one held nothing).
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub candidates: Vec<Candidate>,
    pub errors: Vec<InputError>,
    /// The named directories, as shown in reports; `Candidate::root` indexes this.
    pub dirs: Vec<String>,
}

/// Collect the candidates under `paths`. Duplicates (the same display path twice) are dropped.
pub fn collect(paths: &[impl AsRef<OsStr>]) -> Inputs {
    let mut candidates = Vec::new();
    let mut errors = Vec::new();
    let mut dirs = Vec::new();
    for raw in paths {
        let raw = raw.as_ref();
        if raw == "-" {
            candidates.push(Candidate {
                origin: Origin::Stdin,
                display: "-".into(),
                named: true,
                root: None,
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
            Ok(meta) if meta.is_dir() => {
                let (mut files, errs) = walk_split(path, SPLIT_DEPTH);
                for file in &mut files {
                    file.root = Some(dirs.len());
                }
                candidates.extend(files);
                errors.extend(errs);
                dirs.push(display);
            }
            Ok(meta) if meta.is_file() => candidates.push(Candidate {
                origin: Origin::File(path.to_path_buf()),
                display,
                named: true,
                root: None,
            }),
            Ok(meta) if is_fifo(&meta) => candidates.push(Candidate {
                origin: Origin::Stream(path.to_path_buf()),
                display,
                named: true,
                root: None,
            }),
            Ok(_) => errors.push(InputError {
                path: display,
                kind: InputErrorKind::NotRegular,
            }),
        }
    }
    candidates.sort_by(|a, b| a.display.cmp(&b.display));
    candidates.dedup_by(|a, b| a.display == b.display);
    Inputs {
        candidates,
        errors,
        dirs,
    }
}

/// How many directory levels below a root are handed out to rayon's pool as separate jobs.
/// Two levels split `/usr` into a few hundred subtrees, enough to keep every core busy; below
/// that each subtree is walked sequentially.
const SPLIT_DEPTH: usize = 2;

/// Walk `dir` on rayon's pool: the first levels are listed here and their subdirectories
/// walked in parallel, so opening directories overlaps across cores (the walk was a third of
/// `check /usr`, all on one core). Order does not matter: `collect` sorts.
fn walk_split(dir: &Path, split_depth: usize) -> (Vec<Candidate>, Vec<InputError>) {
    use rayon::prelude::*;

    let max_depth = if split_depth == 0 { usize::MAX } else { 1 };
    let mut candidates = Vec::new();
    let mut errors = Vec::new();
    let mut subdirs = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .max_depth(max_depth);
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(dir).display().to_string();
                let kind = match err.io_error() {
                    Some(io) => InputErrorKind::from_io(io),
                    None => InputErrorKind::Io(err.to_string()),
                };
                errors.push(InputError { path, kind });
                continue;
            }
        };
        let file_type = entry.file_type();
        if split_depth > 0 && entry.depth() == 1 && file_type.is_dir() {
            subdirs.push(entry.into_path());
            continue;
        }
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
                root: None,
            });
        }
    }
    let nested: Vec<(Vec<Candidate>, Vec<InputError>)> = subdirs
        .par_iter()
        .map(|sub| walk_split(sub, split_depth - 1))
        .collect();
    for (files, errs) in nested {
        candidates.extend(files);
        errors.extend(errs);
    }
    (candidates, errors)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Files at, above and below the depth where the walk is split into parallel jobs are all
    /// found once, in sorted order; a directory symlink is not followed.
    #[test]
    fn split_walk_finds_every_file_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for sub in ["a/b/c/d", "a/e", "z"] {
            fs::create_dir_all(root.join(sub)).unwrap();
        }
        for file in [
            "top",
            "a/one",
            "a/b/two",
            "a/b/c/three",
            "a/b/c/d/four",
            "a/e/five",
        ] {
            fs::write(root.join(file), b"x").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("a"), root.join("z/loop")).unwrap();

        let inputs = collect(&[root]);
        assert!(inputs.errors.is_empty());
        assert_eq!(inputs.dirs, [root.display().to_string()]);
        assert!(inputs.candidates.iter().all(|c| c.root == Some(0)));
        let found: Vec<String> = inputs
            .candidates
            .iter()
            .map(|c| {
                c.display
                    .strip_prefix(&*root.display().to_string())
                    .unwrap()
                    .to_string()
            })
            .collect();
        let expected = [
            "/a/b/c/d/four",
            "/a/b/c/three",
            "/a/b/two",
            "/a/e/five",
            "/a/one",
            "/top",
        ];
        assert_eq!(found, expected);
    }
}
