//! One layer blob in, one change list out, in a single pass: the raw bytes are hashed, the
//! compression is recognised by its magic bytes (never by media type: tools label plain tar as
//! gzip), the tar is read member by member, and each executable is handed to the caller's
//! inspector while its bytes are in hand, then dropped. Nothing is written anywhere. Merging the
//! lists is `merge`'s job. `extract` is the second read `gostatic slim` makes: the whole bytes of
//! a few members, by position, stopping after the last of them.
//!
//! OCI image-spec `layer.md`: `.wh.NAME` whites out NAME, `.wh..wh..opq` (that exact name)
//! makes its directory opaque; other `.wh..wh.` names are AUFS internals and are skipped.

use std::io::{self, Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::caps::FileCaps;
use super::content::{Content, FileBytes, classify};
use super::digest::Hashing;
use super::limits::{Budget, ImageLimits};
use super::tar::{EntryKind, TarError, TarReader};
use super::{ImageError, Inspector, ProgressFn, path};

/// How a layer blob was stored, as its first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Plain tar.
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// One member of a layer, as `merge` applies it.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub path: String,
    pub op: Op,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub size: u64,
    /// The `security.capability` the runtime sets on the entry.
    pub capability: Option<FileCaps>,
    /// The member's position in its layer: its tar header's among every header read
    /// (a root filesystem's entry in walk order). Where a second read finds the bytes.
    pub member: u32,
}

#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// `.wh.NAME`: `path` is the whited-out NAME.
    Whiteout,
    /// `.wh..wh..opq`: `path` is the opaque directory.
    Opaque,
    Dir,
    /// A regular file; `content` indexes `DecodedLayer::contents` when its bytes mattered.
    File {
        content: Option<u32>,
    },
    Symlink(String),
    /// A hard link to a normalised path in this layer or a lower one.
    HardLink(String),
    Other,
}

#[derive(Debug)]
pub(crate) struct DecodedLayer<T> {
    pub changes: Vec<Change>,
    pub contents: Vec<Content<T>>,
    pub compression: Compression,
    /// Digest of the stored blob, when asked for.
    pub digest: Option<String>,
    /// Digest of the uncompressed tar, when asked for.
    pub diff_id: Option<String>,
    pub size: u64,
    pub uncompressed_size: u64,
}

/// What a decode needs besides the bytes.
pub(crate) struct Context<'a, I> {
    pub limits: &'a ImageLimits,
    pub budget: &'a Budget,
    /// Handed every executable met, whose answer the layer keeps.
    pub inspector: &'a I,
    pub progress: Option<&'a ProgressFn>,
    pub done: &'a AtomicU64,
    pub total: u64,
}

/// Marks a limit hit inside an `io::Read` chain so it is reported as a limit, not as I/O.
#[derive(Debug)]
enum LimitHit {
    /// The uncompressed bytes of every layer together passed `max_uncompressed_bytes`.
    Budget,
    /// The layer inflates more than `max_inflate_ratio` times its stored size.
    Ratio,
}
impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("uncompressed size limit")
    }
}
impl std::error::Error for LimitHit {}

/// Counts (and optionally hashes) the uncompressed stream, charging the shared budget, and
/// stops a stream that inflates beyond what any real layer does.
struct Metered<'a, R> {
    inner: Hashing<R>,
    budget: &'a Budget,
    limits: &'a ImageLimits,
    /// Stored bytes read so far, from [`Progressing`] under the decoder.
    raw: &'a std::cell::Cell<u64>,
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if !self.budget.take_bytes(n as u64, self.limits) {
            return Err(io::Error::other(LimitHit::Budget));
        }
        let inflated = self.inner.count;
        let ratio = self.limits.max_inflate_ratio;
        if ratio != 0
            && inflated > self.limits.inflate_ratio_after_bytes
            && inflated / ratio > self.raw.get()
        {
            return Err(io::Error::other(LimitHit::Ratio));
        }
        Ok(n)
    }
}

/// Reports raw bytes read to the progress callback, about every MiB.
struct Progressing<'a, R, I> {
    inner: R,
    ctx: &'a Context<'a, I>,
    pending: u64,
    /// Every raw byte read, for the ratio check.
    seen: &'a std::cell::Cell<u64>,
}

impl<R: Read, I> Read for Progressing<'_, R, I> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen.set(self.seen.get() + n as u64);
        self.pending += n as u64;
        if self.pending >= 1 << 20 || n == 0 {
            let done = self.ctx.done.fetch_add(self.pending, Ordering::Relaxed) + self.pending;
            self.pending = 0;
            if let Some(progress) = self.ctx.progress {
                progress(done, self.ctx.total);
            }
        }
        Ok(n)
    }
}

/// Decode one layer blob. `hash_raw` and `hash_diff` say which digests the caller will check.
pub(crate) fn decode<I: Inspector>(
    raw: impl Read,
    blob: &str,
    hash_raw: bool,
    hash_diff: bool,
    ctx: &Context<'_, I>,
) -> Result<DecodedLayer<I::Output>, ImageError> {
    let seen = std::cell::Cell::new(0);
    let progressing = Progressing {
        inner: raw,
        ctx,
        pending: 0,
        seen: &seen,
    };
    let mut raw = Hashing::new(progressing, hash_raw);
    let (head, compression) = sniff(&mut raw, blob)?;
    // The decoder borrows `raw`; the block ends the borrow before the raw digest is read.
    let mut layer = {
        let stream = Cursor::new(head).chain(&mut raw);
        let decoder = decompressor(compression, stream, blob)?;
        let metered = Metered {
            inner: Hashing::new(decoder, hash_diff),
            budget: ctx.budget,
            limits: ctx.limits,
            raw: &seen,
        };
        let mut tar = TarReader::new(
            io::BufReader::with_capacity(256 * 1024, metered),
            ctx.limits.max_path_bytes,
        );
        let mut layer = DecodedLayer {
            changes: Vec::new(),
            contents: Vec::new(),
            compression,
            digest: None,
            diff_id: None,
            size: 0,
            uncompressed_size: 0,
        };
        let budget_error = || ImageError::Limit {
            what: "uncompressed size",
            limit: format!("{} bytes", ctx.limits.max_uncompressed_bytes),
            at: Some(blob.to_string()),
        };
        let map_io = |err: io::Error| -> ImageError {
            match err
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<LimitHit>())
            {
                Some(LimitHit::Budget) => {
                    return budget_error();
                }
                Some(LimitHit::Ratio) => {
                    return ImageError::Limit {
                        what: "decompression ratio",
                        limit: format!(
                            "{}:1 past {} MiB: a bomb, or a file of zeros that \
                             --max-inflate-ratio 0 would read",
                            ctx.limits.max_inflate_ratio,
                            ctx.limits.inflate_ratio_after_bytes >> 20
                        ),
                        at: Some(blob.to_string()),
                    };
                }
                None => {}
            }
            io_error(err, blob, compression)
        };
        let map_tar = |err: TarError| tar_error(err, blob, ctx.limits.max_path_bytes, map_io);
        let mut buffer = Vec::new();
        let mut members = 0u32;
        while let Some(header) = tar.next_header().map_err(map_tar)? {
            let member = members;
            members = members.saturating_add(1);
            ctx.budget.take_entry(ctx.limits, blob)?;
            // A member whose header claims more than the budget has left can only end in the
            // limit: stop at the header, not after inflating up to 64 GiB to reach it.
            if !ctx.budget.could_take(header.size, ctx.limits) {
                return Err(budget_error());
            }
            let unsafe_name = |name: &str| ImageError::UnsafeName {
                member: blob.to_string(),
                name: name.to_string(),
            };
            let full = path::normalise(&header.name).ok_or_else(|| unsafe_name(&header.name))?;
            let Some((dir, base)) = path::split(&full) else {
                continue; // the root directory's own entry
            };
            let (change_path, op) = if base == ".wh..wh..opq" {
                (dir.to_string(), Op::Opaque)
            } else if base.starts_with(".wh..wh.") {
                continue; // AUFS metadata (.wh..wh.plnk, .wh..wh.aufs)
            } else if let Some(name) = base.strip_prefix(".wh.") {
                if name.is_empty() {
                    continue; // a bare `.wh.` names nothing (stereoscope#647 deleted the parent)
                }
                (path::join(dir, name), Op::Whiteout)
            } else {
                let op = match header.kind {
                    EntryKind::Dir => Op::Dir,
                    EntryKind::Symlink => Op::Symlink(header.link.clone()),
                    EntryKind::HardLink => Op::HardLink(
                        path::normalise(&header.link).ok_or_else(|| unsafe_name(&header.link))?,
                    ),
                    EntryKind::Other(_) => Op::Other,
                    EntryKind::File => {
                        let mut member = Member {
                            tar: &mut tar,
                            buffer: &mut buffer,
                        };
                        let content =
                            classify(&full, header.size, &mut member, ctx.limits, ctx.inspector)
                                .map_err(map_io)?;
                        Op::File {
                            content: content.map(|c| {
                                layer.contents.push(c);
                                (layer.contents.len() - 1) as u32
                            }),
                        }
                    }
                };
                (full, op)
            };
            let size = if matches!(op, Op::File { .. }) {
                header.size
            } else {
                0
            };
            layer.changes.push(Change {
                path: change_path,
                op,
                mode: header.mode,
                uid: header.uid,
                gid: header.gid,
                size,
                capability: header.capability.as_deref().map(FileCaps::decode),
                member,
            });
        }
        // Read to the end so that both digests cover every byte (and a corrupt tail is noticed).
        tar.drain().map_err(map_io)?;
        let metered = tar.into_inner().into_inner();
        layer.uncompressed_size = metered.inner.count;
        layer.diff_id = metered.inner.finish();
        layer
    };
    io::copy(&mut raw, &mut io::sink()).map_err(|e| ImageError::io(blob, &e))?;
    layer.size = raw.count;
    layer.digest = raw.finish();
    Ok(layer)
}

/// A blob's first (up to six) bytes, read off `raw`, and the compression they say, refusing
/// the ones no runtime reads.
fn sniff(raw: &mut impl Read, blob: &str) -> Result<(Vec<u8>, Compression), ImageError> {
    let mut head = Vec::with_capacity(6);
    raw.by_ref()
        .take(6)
        .read_to_end(&mut head)
        .map_err(|e| ImageError::io(blob, &e))?;
    let compression = match head.as_slice() {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        [b'B', b'Z', b'h', ..] => return Err(unsupported(blob, "bzip2")),
        [0xfd, b'7', b'z', b'X', b'Z', 0] => return Err(unsupported(blob, "xz")),
        _ => Compression::None,
    };
    Ok((head, compression))
}

/// The uncompressed tar of a blob's `stream`.
fn decompressor<'a>(
    compression: Compression,
    stream: impl Read + 'a,
    blob: &str,
) -> Result<Box<dyn Read + 'a>, ImageError> {
    Ok(match compression {
        Compression::None => Box::new(stream),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(256 * 1024, stream),
        )),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::new(stream)
                .map_err(|e| io_error(e, blob, Compression::Zstd))?,
        ),
    })
}

/// An I/O error met reading a layer's tar: a short plain layer is truncated; under a
/// decompressor, the stream is corrupt.
fn io_error(err: io::Error, blob: &str, compression: Compression) -> ImageError {
    match (compression, err.kind()) {
        (Compression::None, io::ErrorKind::UnexpectedEof) => ImageError::Truncated {
            member: blob.to_string(),
            detail: "the layer ends early".into(),
        },
        (Compression::None, _) => ImageError::io(blob, &err),
        _ => ImageError::Decompress {
            blob: blob.to_string(),
            compression: compression.as_str(),
            detail: err.to_string(),
        },
    }
}

/// A tar error in a layer (or the outer archive), in the user's words; I/O errors go through
/// `map_io`.
pub(crate) fn tar_error(
    err: TarError,
    blob: &str,
    max_path: usize,
    map_io: impl FnOnce(io::Error) -> ImageError,
) -> ImageError {
    match err {
        TarError::Io(err) => map_io(err),
        TarError::Truncated(detail) => ImageError::Truncated {
            member: blob.to_string(),
            detail,
        },
        TarError::Bad { offset, detail } => ImageError::BadTar {
            member: blob.to_string(),
            offset,
            detail,
        },
        TarError::NameTooLong { what, name } => ImageError::NameTooLong {
            member: blob.to_string(),
            what,
            name,
            limit: max_path,
        },
        TarError::Refused {
            offset,
            name,
            reason,
        } => ImageError::RefusedMember {
            member: blob.to_string(),
            name,
            offset,
            reason,
        },
    }
}

/// The whole bytes of the regular-file members of one layer blob at the positions `wanted`
/// names (position -> the size the first read saw), read in one pass that stops after the
/// last of them: the rest of the layer is neither inflated nor parsed. At most
/// `uncompressed_size` bytes (what the first read inflated) are inflated. A wanted member
/// that is not a regular file of that size means the source changed since it was judged.
pub(crate) fn extract(
    raw: impl Read,
    blob: &str,
    wanted: &std::collections::BTreeMap<u32, u64>,
    uncompressed_size: u64,
    max_path: usize,
) -> Result<std::collections::BTreeMap<u32, Vec<u8>>, ImageError> {
    let mut found = std::collections::BTreeMap::new();
    let Some(&last) = wanted.keys().next_back() else {
        return Ok(found);
    };
    let mut raw = raw;
    let (head, compression) = sniff(&mut raw, blob)?;
    let decoder = decompressor(compression, Cursor::new(head).chain(raw), blob)?;
    let bounded = decoder.take(uncompressed_size);
    let mut tar = TarReader::new(io::BufReader::with_capacity(256 * 1024, bounded), max_path);
    let map_io = |err: io::Error| io_error(err, blob, compression);
    let changed = |member: u32, detail: String| ImageError::Changed {
        member: blob.to_string(),
        detail: format!("its member {member} {detail}"),
    };
    let mut member = 0u32;
    while member <= last {
        let Some(header) = tar
            .next_header()
            .map_err(|e| tar_error(e, blob, max_path, map_io))?
        else {
            return Err(changed(member, "is missing".into()));
        };
        if let Some(&size) = wanted.get(&member) {
            if header.kind != EntryKind::File || header.size != size {
                return Err(changed(
                    member,
                    format!(
                        "is {} ({} bytes), not a file of {size} bytes",
                        header.name, header.size
                    ),
                ));
            }
            let mut bytes = Vec::with_capacity(size.min(64 << 20) as usize);
            tar.read_data_to_end(&mut bytes).map_err(map_io)?;
            found.insert(member, bytes);
        }
        member += 1;
    }
    Ok(found)
}

fn unsupported(blob: &str, found: &str) -> ImageError {
    ImageError::UnsupportedCompression {
        blob: blob.to_string(),
        found: found.to_string(),
    }
}

/// The current tar member as [`FileBytes`]; its whole bytes are gathered in `buffer`.
struct Member<'a, R> {
    tar: &'a mut TarReader<R>,
    buffer: &'a mut Vec<u8>,
}

impl<R: super::tar::Skip> Read for Member<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.tar.read_data(buf)
    }
}

impl<R: super::tar::Skip> FileBytes for Member<'_, R> {
    fn with_all<T>(&mut self, head: &[u8], use_bytes: impl FnOnce(&[u8]) -> T) -> io::Result<T> {
        self.buffer.clear();
        self.buffer.extend_from_slice(head);
        self.tar.read_data_to_end(self.buffer)?;
        let result = use_bytes(self.buffer);
        // A big buffer is not kept between files: peak memory is one executable per layer.
        if self.buffer.capacity() > 16 << 20 {
            *self.buffer = Vec::new();
        }
        Ok(result)
    }
}
