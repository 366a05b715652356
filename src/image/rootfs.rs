//! A plain directory taken as an image's root filesystem (an unpacked bundle, a chroot, a
//! `docker export` unpacked): one layer, built from the directory as it is. Symlinks are read,
//! never followed; executables are sniffed and analysed like layer members; nothing outside the
//! directory is opened.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;

use super::ImageError;
use super::layer::{Change, Compression, Content, Context, DecodedLayer, Op, is_kept_small};
use crate::input::Blob;

pub(crate) fn read(root: &Path, ctx: &Context<'_>) -> Result<DecodedLayer, ImageError> {
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
        });
    }
    Ok(layer)
}

fn read_content(
    file: &Path,
    image_path: &str,
    size: u64,
    ctx: &Context<'_>,
) -> Result<Option<Content>, ImageError> {
    let io_err = |e: std::io::Error| ImageError::io(image_path, &e);
    if is_kept_small(image_path) {
        if size > ctx.limits.max_small_file_bytes {
            return Ok(None);
        }
        let bytes = std::fs::read(file).map_err(io_err)?;
        return Ok(Some(Content::Small(Arc::from(bytes))));
    }
    if size < 4 {
        return Ok(None);
    }
    let mut handle = std::fs::File::open(file).map_err(io_err)?;
    let mut head = Vec::with_capacity(crate::input::SNIFF_LEN);
    (&mut handle)
        .take(crate::input::SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(io_err)?;
    if head.starts_with(b"#!") {
        (&mut handle)
            .take((super::layer::INTERPRETER_LINE_BYTES - head.len()) as u64)
            .read_to_end(&mut head)
            .map_err(io_err)?;
        return Ok(super::layer::interpreter_line(&head));
    }
    if crate::input::sniff(&head).is_none() {
        return Ok(None);
    }
    if size > ctx.limits.max_binary_bytes {
        return Ok(Some(Content::TooBig));
    }
    let blob = Blob::map(&handle).map_err(io_err)?;
    Ok(
        match crate::scan::analyse(image_path, &blob, false, ctx.scan) {
            Ok(Some(report)) => Some(Content::Executable(Box::new(report))),
            Ok(None) => None,
            Err(kind) => Some(Content::Failed(kind.to_string())),
        },
    )
}
