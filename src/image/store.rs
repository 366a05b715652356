//! Where an archive's members live: an indexed tar (the file mapped once, each member a slice
//! of it, so layers can be decoded in parallel without copying), or a directory. Member names
//! are normalised before lookup; a name that climbs out is simply not found. Symlinked members
//! (buildah's `<id>/layer.tar -> ../<hex>.tar`) are followed inside the archive.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use super::formats::Documents;
use super::tar::{EntryKind, TarError, TarReader};
use super::{ImageError, path};
use crate::input::Blob;

const MAX_MEMBER_LINKS: usize = 8;

#[derive(Debug, Clone)]
enum Member {
    Data { offset: u64, size: u64 },
    Link(String),
}

/// An outer tar, mapped and indexed by member name.
pub(crate) struct TarStore {
    map: Blob,
    members: HashMap<String, Member>,
}

impl TarStore {
    /// Index every member of the mapped tar (headers only: one pass over ~1 KiB per member).
    pub fn index(map: Blob, max_path: usize) -> Result<TarStore, ImageError> {
        let mut members = HashMap::new();
        let mut reader = TarReader::new(&map[..], max_path);
        loop {
            let header = match reader.next_header() {
                Ok(Some(header)) => header,
                Ok(None) => break,
                // Not even one header: the file is not a tar, whatever went wrong.
                Err(super::tar::TarError::Truncated(_)) if members.is_empty() => {
                    return Err(ImageError::NotAnImage(
                        "not a tar file: shorter than one tar header".into(),
                    ));
                }
                Err(err) => return Err(outer_error(err, max_path)),
            };
            let Some(name) = path::normalise(&header.name) else {
                continue; // never looked up: an outer member outside the root names no blob
            };
            let member = match header.kind {
                EntryKind::File => {
                    let end = header.data_offset.saturating_add(header.size);
                    if end > map.len() as u64 {
                        return Err(ImageError::Truncated {
                            member: name.trim_start_matches('/').to_string(),
                            detail: format!(
                                "the archive ends at {} bytes, inside this member (which needs {end})",
                                map.len()
                            ),
                        });
                    }
                    Member::Data {
                        offset: header.data_offset,
                        size: header.size,
                    }
                }
                EntryKind::Symlink => {
                    let dir = path::split(&name).map_or("/", |(d, _)| d);
                    Member::Link(path::normalise_clamped(&path::join(dir, &header.link)))
                }
                EntryKind::HardLink => match path::normalise(&header.link) {
                    Some(target) => Member::Link(target),
                    None => continue,
                },
                EntryKind::Dir | EntryKind::Other(_) => continue,
            };
            members.insert(name, member);
        }
        Ok(TarStore { map, members })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.members.keys().map(|k| k.trim_start_matches('/'))
    }

    /// The bytes of a member, following member links.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        let mut key = path::normalise(name)?;
        for _ in 0..=MAX_MEMBER_LINKS {
            match self.members.get(&key)? {
                Member::Data { offset, size } => {
                    return self.map.get(*offset as usize..(*offset + *size) as usize);
                }
                Member::Link(target) => key = target.clone(),
            }
        }
        None
    }
}

impl Documents for TarStore {
    fn document(&self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, ImageError> {
        match self.get(name) {
            None => Ok(None),
            Some(bytes) if bytes.len() as u64 > limit => Err(document_limit(name, limit)),
            Some(bytes) => Ok(Some(bytes.to_vec())),
        }
    }
}

pub(crate) fn document_limit(name: &str, limit: u64) -> ImageError {
    ImageError::Limit {
        what: "document size",
        limit: format!("{limit} bytes"),
        at: Some(name.to_string()),
    }
}

/// An error in the outer archive, in the user's words.
pub(crate) fn outer_error(err: TarError, max_path: usize) -> ImageError {
    match err {
        TarError::Io(err) => ImageError::io("", &err),
        TarError::Truncated(detail) => ImageError::Truncated {
            member: "archive".into(),
            detail,
        },
        TarError::Bad { offset: 0, detail } => {
            ImageError::NotAnImage(format!("not a tar file: {detail}"))
        }
        TarError::Bad { offset, detail } => ImageError::BadTar {
            member: "archive".into(),
            offset,
            detail,
        },
        TarError::NameTooLong { what, name } => ImageError::NameTooLong {
            member: "archive".into(),
            what,
            name,
            limit: max_path,
        },
    }
}

/// An image layout (or `docker save` output) unpacked in a directory.
pub(crate) struct DirStore {
    root: PathBuf,
}

impl DirStore {
    pub fn new(root: &Path) -> Self {
        DirStore {
            root: root.to_path_buf(),
        }
    }

    /// The file for a member name, if the name stays inside the directory.
    pub fn file(&self, name: &str) -> Option<PathBuf> {
        let normal = path::normalise(name)?;
        let path = self.root.join(normal.trim_start_matches('/'));
        path.is_file().then_some(path)
    }

    /// The bytes of a member, mapped.
    pub fn get(&self, name: &str) -> Result<Option<Blob>, ImageError> {
        let Some(path) = self.file(name) else {
            return Ok(None);
        };
        let file = File::open(&path).map_err(|e| ImageError::io(name, &e))?;
        Blob::map(&file)
            .map(Some)
            .map_err(|e| ImageError::io(name, &e))
    }
}

impl Documents for DirStore {
    fn document(&self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, ImageError> {
        let Some(path) = self.file(name) else {
            return Ok(None);
        };
        let size = std::fs::metadata(&path)
            .map_err(|e| ImageError::io(name, &e))?
            .len();
        if size > limit {
            return Err(document_limit(name, limit));
        }
        std::fs::read(&path)
            .map(Some)
            .map_err(|e| ImageError::io(name, &e))
    }
}
