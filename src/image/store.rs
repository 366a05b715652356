//! Where an archive's members live: an indexed tar (headers read once, seeking over the data;
//! each member then read with positioned reads, so layers are decoded in parallel from one file
//! handle), or a directory. Positioned reads rather than a mapping: a mapping's touched pages
//! count as the process's resident memory, which would then grow with the image. Member names
//! are normalised before lookup; a name that climbs out is simply not found. Symlinked members
//! (buildah's `<id>/layer.tar -> ../<hex>.tar`) are followed inside the archive.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use super::formats::Documents;
use super::tar::{EntryKind, TarError, TarReader};
use super::{ImageError, path};
use std::io::{self, BufReader, Read};
use std::os::unix::fs::FileExt;

const MAX_MEMBER_LINKS: usize = 8;

#[derive(Debug, Clone)]
enum Member {
    Data { offset: u64, size: u64 },
    Link(String),
}

/// An outer tar, indexed by member name.
pub(crate) struct TarStore {
    file: File,
    len: u64,
    members: HashMap<String, Member>,
}

/// A file read through a buffer, skipping by seeking.
struct SeekingFile {
    inner: BufReader<File>,
    pos: u64,
    len: u64,
}

impl Read for SeekingFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl super::tar::Skip for SeekingFile {
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        let n = n.min(self.len.saturating_sub(self.pos));
        self.inner.seek_relative(n as i64)?;
        self.pos += n;
        Ok(n)
    }
}

/// One member's bytes, read with `pread` (no shared cursor: one per thread).
pub(crate) struct MemberReader<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
}

impl Read for MemberReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = (buf.len() as u64).min(self.end - self.pos) as usize;
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "archive shrank",
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl TarStore {
    /// Index every member of the tar (headers only, seeking over the data).
    pub fn index(file: File, max_path: usize) -> Result<TarStore, ImageError> {
        let len = file.metadata().map_err(|e| ImageError::io("", &e))?.len();
        let mut reading = file.try_clone().map_err(|e| ImageError::io("", &e))?;
        // The clone shares the cursor, which the caller's sniff moved.
        io::Seek::seek(&mut reading, io::SeekFrom::Start(0)).map_err(|e| ImageError::io("", &e))?;
        let mut members = HashMap::new();
        let source = SeekingFile {
            inner: BufReader::with_capacity(64 * 1024, reading),
            pos: 0,
            len,
        };
        let mut reader = TarReader::new(source, max_path);
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
                    if end > len {
                        return Err(ImageError::Truncated {
                            member: name.trim_start_matches('/').to_string(),
                            detail: format!(
                                "the archive ends at {len} bytes, inside this member (which needs {end})"
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
            if members.contains_key(&name) {
                entry_named_twice(&name)?;
            }
            members.insert(name, member);
        }
        Ok(TarStore { file, len, members })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.members.keys().map(|k| k.trim_start_matches('/'))
    }

    /// Offset and size of a member's data, following member links.
    fn locate(&self, name: &str) -> Option<(u64, u64)> {
        let mut key = path::normalise(name)?;
        for _ in 0..=MAX_MEMBER_LINKS {
            match self.members.get(&key)? {
                Member::Data { offset, size } => return Some((*offset, *size)),
                Member::Link(target) => key = target.clone(),
            }
        }
        None
    }

    pub fn has(&self, name: &str) -> bool {
        self.locate(name).is_some()
    }

    /// A reader over a member's bytes.
    pub fn get(&self, name: &str) -> Option<MemberReader<'_>> {
        let (offset, size) = self.locate(name)?;
        let end = offset.checked_add(size).filter(|&end| end <= self.len)?;
        Some(MemberReader {
            file: &self.file,
            pos: offset,
            end,
        })
    }
}

impl Documents for TarStore {
    fn document(&self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, ImageError> {
        let Some(reader) = self.get(name) else {
            return Ok(None);
        };
        if reader.end - reader.pos > limit {
            return Err(document_limit(name, limit));
        }
        let mut bytes = Vec::with_capacity((reader.end - reader.pos) as usize);
        let mut reader = reader;
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| ImageError::io(name, &e))?;
        Ok(Some(bytes))
    }
}

/// The members an importer finds an archive's images by. Named twice, they are read
/// differently by the runtimes: containerd's `ImportIndex` (core/images/archive/importer.go)
/// decodes every `manifest.json` and `oci-layout` it meets and keeps blobs in a map, so the last
/// copy wins, as it does for moby's classic loader, which extracts the archive to a directory
/// first; containers/image (`docker/internal/tarfile/reader.go`, `findTarComponent`, used by
/// `podman load` and skopeo) takes the first member of the name. Blobs are named by their
/// digest and verified, so a second copy that differs is caught either way; these are not.
const ENTRY_DOCUMENTS: [&str; 4] = [
    "/manifest.json",
    "/index.json",
    "/oci-layout",
    "/repositories",
];

/// `Err` when `name`, a member seen a second time, is one of the entry documents.
pub(crate) fn entry_named_twice(name: &str) -> Result<(), ImageError> {
    if ENTRY_DOCUMENTS.contains(&name) {
        return Err(ImageError::document(
            name.trim_start_matches('/'),
            "archive member",
            "named twice in the archive: docker load and containerd read the last copy, \
             podman load and skopeo the first; refusing to pick one",
        ));
    }
    Ok(())
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
        TarError::Bad { offset: 0, detail } => {
            ImageError::NotAnImage(format!("not a tar file: {detail}"))
        }
        err => super::layer::tar_error(err, "archive", max_path, |err| ImageError::io("", &err)),
    }
}

/// An image layout (or `docker save` output) unpacked in a directory. A layout's own symlinks
/// are followed only while they stay inside it (`index.json -> /proc/self/pagemap` or a blob
/// linked to `../../secret` is refused, not read), and only regular files are members: a FIFO
/// would block the read forever and a device or a `/proc` file would never end. Each file is
/// opened without blocking and checked again (fstat) after the open, so a file swapped after
/// the check is caught too, and a document is read no further than its limit whatever the size
/// its metadata claims (`/proc` files claim 0).
pub(crate) struct DirStore {
    root: PathBuf,
    /// The root with its own symlinks resolved: what every member must stay under.
    real_root: Option<PathBuf>,
}

impl DirStore {
    pub fn new(root: &Path) -> Self {
        DirStore {
            root: root.to_path_buf(),
            real_root: root.canonicalize().ok(),
        }
    }

    /// The file for a member name, if there is one: an error when the name leads out of the
    /// directory or to something that is not a regular file.
    pub fn resolve(&self, name: &str) -> Result<Option<PathBuf>, ImageError> {
        let Some(normal) = path::normalise(name) else {
            return Ok(None);
        };
        let shown = normal.trim_start_matches('/');
        let path = self.root.join(shown);
        if std::fs::symlink_metadata(&path).is_err() {
            return Ok(None);
        }
        let refused = |detail: String| ImageError::document(shown, "layout member", detail);
        let real = path
            .canonicalize()
            .map_err(|e| refused(format!("a symlink that leads nowhere ({e})")))?;
        if !self.real_root.as_ref().is_some_and(|r| real.starts_with(r)) {
            return Err(refused(format!(
                "a symlink out of the layout (to {}); not followed",
                real.display()
            )));
        }
        let meta = std::fs::metadata(&real).map_err(|e| ImageError::io(shown, &e))?;
        if !meta.is_file() {
            return Err(refused(format!("not a regular file ({})", kind(&meta))));
        }
        Ok(Some(real))
    }

    /// Is there a regular file inside the layout for this name?
    pub fn file(&self, name: &str) -> Option<PathBuf> {
        self.resolve(name).ok().flatten()
    }

    /// A member's file, opened: without blocking (a FIFO swapped in after the check would
    /// otherwise hang the open), and refused unless what was opened is a regular file.
    pub fn get(&self, name: &str) -> Result<Option<File>, ImageError> {
        let Some(path) = self.resolve(name)? else {
            return Ok(None);
        };
        crate::input::open_regular(&path)
            .map(Some)
            .map_err(|e| ImageError::io(name, &e))
    }
}

fn kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

impl Documents for DirStore {
    fn document(&self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, ImageError> {
        let Some(file) = self.get(name)? else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| ImageError::io(name, &e))?;
        if bytes.len() as u64 > limit {
            return Err(document_limit(name, limit));
        }
        Ok(Some(bytes))
    }
}
