//! A plain directory taken as an image's root filesystem (an unpacked bundle, a chroot, a
//! `docker export` unpacked): one layer, built from the directory as it is. Symlinks are read,
//! never followed; files are classified as layer members are (`content`); nothing outside the
//! directory is opened.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::caps::FileCaps;
use super::content::{Content, FileBytes, classify, is_kept_small};
use super::layer::{Change, Compression, Context, DecodedLayer, Op};
use super::{ImageError, Inspector};
use crate::input::Blob;

pub(crate) fn read<I: Inspector>(
    root: &Path,
    ctx: &Context<'_, I>,
) -> Result<DecodedLayer<I::Output>, ImageError> {
    let mut layer = DecodedLayer {
        changes: Vec::new(),
        contents: Vec::new(),
        compression: Compression::None,
        digest: None,
        diff_id: None,
        size: 0,
        uncompressed_size: 0,
    };
    let walk = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1);
    for entry in walk {
        let entry = entry.map_err(|e| ImageError::Io(e.to_string()))?;
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let image_path = format!("/{}", relative.to_string_lossy());
        ctx.budget.take_entry(ctx.limits, &image_path)?;
        if image_path.len() > ctx.limits.max_path_bytes {
            return Err(ImageError::NameTooLong {
                member: root.display().to_string(),
                what: "path",
                name: image_path,
                limit: ctx.limits.max_path_bytes,
            });
        }
        let meta = entry
            .path()
            .symlink_metadata()
            .map_err(|e| ImageError::io(&image_path, &e))?;
        let kind = meta.file_type();
        let mut size = 0;
        let op = if kind.is_dir() {
            Op::Dir
        } else if kind.is_symlink() {
            let target =
                std::fs::read_link(entry.path()).map_err(|e| ImageError::io(&image_path, &e))?;
            Op::Symlink(target.to_string_lossy().into_owned())
        } else if kind.is_file() {
            size = meta.len();
            layer.uncompressed_size += size;
            let content = read_content(entry.path(), &image_path, size, ctx)?;
            Op::File {
                content: content.map(|c| {
                    layer.contents.push(c);
                    (layer.contents.len() - 1) as u32
                }),
            }
        } else {
            Op::Other
        };
        layer.changes.push(Change {
            path: image_path,
            op,
            mode: meta.mode() & 0o7777,
            uid: u64::from(meta.uid()),
            gid: u64::from(meta.gid()),
            size,
            capability: kind.is_file().then(|| capability(entry.path())).flatten(),
            member: u32::try_from(layer.changes.len()).unwrap_or(u32::MAX),
        });
    }
    Ok(layer)
}

/// The file's `security.capability`, which the kernel reads at exec. Real values are at most
/// 24 bytes; a larger one is refused by the kernel, and by this buffer.
fn capability(path: &std::path::Path) -> Option<FileCaps> {
    let mut value = [0u8; 64];
    let len = rustix::fs::lgetxattr(path, "security.capability", &mut value).ok()?;
    Some(FileCaps::decode(&value[..len]))
}

/// A file of the directory as [`FileBytes`]: read from the start, mapped whole when asked.
struct DiskFile(std::fs::File);

impl Read for DiskFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl FileBytes for DiskFile {
    fn with_all<T>(
        &mut self,
        _head: &[u8],
        use_bytes: impl FnOnce(&[u8]) -> T,
    ) -> std::io::Result<T> {
        let blob = Blob::map(&self.0)?;
        Ok(use_bytes(&blob))
    }
}

fn read_content<I: Inspector>(
    file: &Path,
    image_path: &str,
    size: u64,
    ctx: &Context<'_, I>,
) -> Result<Option<Content<I::Output>>, ImageError> {
    let io_err = |e: std::io::Error| ImageError::io(image_path, &e);
    // Nothing is opened that the classifier would not read.
    if size < 4 && !is_kept_small(image_path) {
        return Ok(None);
    }
    let mut disk = DiskFile(std::fs::File::open(file).map_err(io_err)?);
    classify(image_path, size, &mut disk, ctx.limits, ctx.inspector).map_err(io_err)
}

/// Top-level directories every root filesystem from a distribution has at least one of;
/// a directory of build outputs or documents has none.
pub(super) fn looks_like_rootfs(path: &Path) -> bool {
    ["etc", "usr", "bin", "sbin", "lib"]
        .iter()
        .any(|dir| path.join(dir).symlink_metadata().is_ok())
}

/// Bytes under an OCI layout directory's `blobs/`: the progress total of reading one.
pub(super) fn dir_size(path: &Path) -> u64 {
    walkdir::WalkDir::new(path.join("blobs"))
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}
