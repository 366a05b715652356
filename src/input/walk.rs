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
    /// The file it leads to (device, inode), to report a file met under several names once.
    pub identity: Option<(u64, u64)>,
    /// What the path is a symlink to, as the link says; `None` when it is not one.
    pub link: Option<String>,
    /// The other names the same file was met under (later in sorted order), reported with it.
    pub aliases: Vec<Alias>,
}

/// Another name of a reported file: a symlink to it, or a hard link.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Alias {
    pub path: String,
    /// What the alias is a symlink to, as the link says; absent when it is not a symlink (the
    /// file itself, when the reported path is the symlink, or a hard link).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl Candidate {
    /// A candidate for the file at `path`, which `meta` (followed through symlinks) describes;
    /// `symlink`: the path itself is a symlink.
    fn file(path: PathBuf, meta: Option<&fs::Metadata>, symlink: bool, named: bool) -> Self {
        let link = symlink
            .then(|| fs::read_link(&path).ok())
            .flatten()
            .map(|target| target.display().to_string());
        Candidate {
            display: path.display().to_string(),
            origin: Origin::File(path),
            named,
            root: None,
            identity: meta.and_then(identity),
            link,
            aliases: Vec::new(),
        }
    }
}

#[cfg(unix)]
fn identity(meta: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_meta: &fs::Metadata) -> Option<(u64, u64)> {
    None
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
                identity: None,
                link: None,
                aliases: Vec::new(),
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
            Ok(meta) if meta.is_file() => {
                let symlink = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
                candidates.push(Candidate::file(
                    path.to_path_buf(),
                    Some(&meta),
                    symlink,
                    true,
                ));
            }
            Ok(meta) if is_fifo(&meta) => candidates.push(Candidate {
                origin: Origin::Stream(path.to_path_buf()),
                display,
                named: true,
                root: None,
                identity: None,
                link: None,
                aliases: Vec::new(),
            }),
            Ok(_) => errors.push(InputError {
                path: display,
                kind: InputErrorKind::NotRegular,
            }),
        }
    }
    candidates.sort_by(|a, b| a.display.cmp(&b.display));
    candidates.dedup_by(|a, b| a.display == b.display);
    let candidates = fold_aliases(candidates);
    Inputs {
        candidates,
        errors,
        dirs,
    }
}

/// One candidate per file: a file met under several names (symlinks, hard links) is kept under
/// its first path in sorted order, the others listed as its aliases (`/usr/lib` names libz
/// three times: libz.so, libz.so.1, libz.so.1.2.13).
fn fold_aliases(candidates: Vec<Candidate>) -> Vec<Candidate> {
    let mut first: std::collections::HashMap<(u64, u64), usize> = std::collections::HashMap::new();
    let mut kept: Vec<Candidate> = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        if let Some(id) = candidate.identity {
            if let Some(&at) = first.get(&id) {
                kept[at].aliases.push(Alias {
                    path: candidate.display,
                    link: candidate.link,
                });
                continue;
            }
            first.insert(id, kept.len());
        }
        kept.push(candidate);
    }
    kept
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
        if file_type.is_file() {
            let meta = entry.metadata().ok();
            candidates.push(Candidate::file(
                entry.into_path(),
                meta.as_ref(),
                false,
                false,
            ));
        } else if file_type.is_symlink() {
            // A dangling link or a link to a directory is not a file to report.
            if let Some(meta) = fs::metadata(entry.path()).ok().filter(|m| m.is_file()) {
                candidates.push(Candidate::file(entry.into_path(), Some(&meta), true, false));
            }
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

    /// A file met under several names is one candidate, under its first path, with the others
    /// as aliases saying what each symlink points to.
    #[cfg(unix)]
    #[test]
    fn names_of_one_file_fold_into_the_first() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("libz.so.1.2.13"), b"x").unwrap();
        symlink("libz.so.1.2.13", root.join("libz.so.1")).unwrap();
        symlink("libz.so.1", root.join("libz.so")).unwrap();
        fs::hard_link(root.join("libz.so.1.2.13"), root.join("zz-hard")).unwrap();
        fs::write(root.join("other"), b"y").unwrap();
        let inputs = collect(&[root]);
        let shown = |path: &str| {
            path.strip_prefix(&*root.display().to_string())
                .unwrap()
                .to_string()
        };
        type Named = (String, Option<String>);
        let found: Vec<(String, Option<String>, Vec<Named>)> = inputs
            .candidates
            .iter()
            .map(|c| {
                let aliases = c
                    .aliases
                    .iter()
                    .map(|a| (shown(&a.path), a.link.clone()))
                    .collect();
                (shown(&c.display), c.link.clone(), aliases)
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "/libz.so".to_string(),
                    Some("libz.so.1".to_string()),
                    vec![
                        ("/libz.so.1".to_string(), Some("libz.so.1.2.13".to_string())),
                        ("/libz.so.1.2.13".to_string(), None),
                        ("/zz-hard".to_string(), None),
                    ]
                ),
                ("/other".to_string(), None, vec![]),
            ]
        );
        // Named twice under two names: still one file.
        let named = collect(&[root.join("libz.so.1.2.13"), root.join("libz.so.1")]);
        assert_eq!(named.candidates.len(), 1);
        assert_eq!(named.candidates[0].aliases.len(), 1);
    }
}
