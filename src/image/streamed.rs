//! An archive read once, front to back, from a stream (`-` for stdin, or a gzip- or
//! zstd-compressed `docker save` file): documents are kept in memory (each capped), every
//! member that is not a document is decoded as a layer as it passes and kept only as its change
//! list, and the plan is made at the end, when `manifest.json` or `index.json` has been seen
//! (`docker save` writes the manifest last). Layers of images not selected are decoded too:
//! a stream cannot be rewound.

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::Arc;

use super::formats::Documents;
use super::layer::{self, Context, DecodedLayer};
use super::store::{entry_named_twice, outer_error};
use super::tar::{EntryKind, TarReader};
use super::{ImageError, Inspector, path};

const MAX_MEMBER_LINKS: usize = 8;

/// The stream uncompressed, as its first bytes say: gzip (`1f 8b`, RFC 1952; every member, as
/// `gzip -c a b` concatenates them), zstd (`28 b5 2f fd`, RFC 8878), else the bytes as they
/// are. Nothing is buffered beyond the decoders' windows: `docker save app | gzip | gostatic
/// image -` is read once, in order (issue 12, item 4). A pipe may hand over fewer than four
/// bytes per read, so the magic is gathered first and put back in front of the rest.
pub(crate) fn decompressed<'a>(mut input: impl Read + 'a) -> io::Result<Box<dyn Read + 'a>> {
    let mut head = Vec::with_capacity(4);
    (&mut input).take(4).read_to_end(&mut head)?;
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let zstd = head == [0x28, 0xb5, 0x2f, 0xfd];
    let whole = io::Cursor::new(head).chain(input);
    Ok(if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(whole)))
    } else if zstd {
        Box::new(zstd::stream::read::Decoder::new(whole)?)
    } else {
        Box::new(whole)
    })
}

pub(crate) struct StreamedArchive<T> {
    documents: HashMap<String, Vec<u8>>,
    layers: HashMap<String, Arc<DecodedLayer<T>>>,
    links: HashMap<String, String>,
}

/// The current member's data as a reader.
struct MemberData<'a, R>(&'a mut TarReader<R>);

impl<R: super::tar::Skip> Read for MemberData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read_data(buf)
    }
}

impl<T> StreamedArchive<T> {
    pub fn read<I: Inspector<Output = T>>(
        input: impl Read,
        ctx: &Context<'_, I>,
    ) -> Result<StreamedArchive<T>, ImageError> {
        let max_path = ctx.limits.max_path_bytes;
        let mut tar = TarReader::new(io::BufReader::with_capacity(256 * 1024, input), max_path);
        let mut archive = StreamedArchive {
            documents: HashMap::new(),
            layers: HashMap::new(),
            links: HashMap::new(),
        };
        // Bytes of every member kept as a document, replaced ones included.
        let mut kept = 0u64;
        while let Some(header) = tar.next_header().map_err(|e| outer_error(e, max_path))? {
            let Some(name) = path::normalise(&header.name) else {
                continue;
            };
            match header.kind {
                EntryKind::Symlink => {
                    let dir = path::split(&name).map_or("/", |(d, _)| d);
                    let target = path::normalise_clamped(&path::join(dir, &header.link));
                    if archive.links.insert(name.clone(), target).is_some()
                        || archive.documents.contains_key(&name)
                    {
                        entry_named_twice(&name)?;
                    }
                }
                EntryKind::HardLink => {
                    if let Some(target) = path::normalise(&header.link)
                        && (archive.links.insert(name.clone(), target).is_some()
                            || archive.documents.contains_key(&name))
                    {
                        entry_named_twice(&name)?;
                    }
                }
                EntryKind::File => {
                    let mut head = Vec::with_capacity(64);
                    MemberData(&mut tar)
                        .take(64)
                        .read_to_end(&mut head)
                        .map_err(|e| truncated(&name, &e))?;
                    let first = head.iter().find(|b| !b.is_ascii_whitespace());
                    let document = header.size <= ctx.limits.max_document_bytes
                        && (matches!(first, Some(b'{' | b'[')) || header.size < 512);
                    if document {
                        // Charged before it is read: 100 members of 8 MB of `{` and spaces
                        // are 822 KB gzipped (issue 11, item 7).
                        kept += header.size;
                        if kept > ctx.limits.max_streamed_documents_bytes {
                            return Err(ImageError::Limit {
                                what: "streamed document",
                                limit: format!(
                                    "{} bytes of JSON-looking members kept",
                                    ctx.limits.max_streamed_documents_bytes
                                ),
                                at: Some(name.trim_start_matches('/').to_string()),
                            });
                        }
                        MemberData(&mut tar)
                            .read_to_end(&mut head)
                            .map_err(|e| truncated(&name, &e))?;
                        if archive.links.contains_key(&name) {
                            entry_named_twice(&name)?;
                        }
                        if archive.documents.insert(name.clone(), head).is_some() {
                            entry_named_twice(&name)?;
                        }
                    } else {
                        let data = io::Cursor::new(head).chain(MemberData(&mut tar));
                        let shown = name.trim_start_matches('/').to_string();
                        let decoded = layer::decode(data, &shown, true, true, ctx)?;
                        archive.layers.insert(name, Arc::new(decoded));
                    }
                }
                EntryKind::Dir | EntryKind::Other(_) => {}
            }
        }
        Ok(archive)
    }

    /// The member a name leads to, following the archive's own links.
    pub(crate) fn resolve(&self, name: &str) -> Option<String> {
        let mut key = path::normalise(name)?;
        for _ in 0..=MAX_MEMBER_LINKS {
            match self.links.get(&key) {
                Some(target) => key = target.clone(),
                None => return Some(key),
            }
        }
        None
    }

    pub fn has(&self, name: &str) -> bool {
        self.resolve(name)
            .is_some_and(|k| self.documents.contains_key(&k) || self.layers.contains_key(&k))
    }

    /// The decoded layer stored under a member name (digests computed both ways). A member
    /// small enough to have been kept as a document (a 0-byte layer) is decoded now.
    pub fn layer<I: Inspector<Output = T>>(
        &self,
        name: &str,
        ctx: &Context<'_, I>,
    ) -> Result<Option<Arc<DecodedLayer<T>>>, ImageError> {
        let Some(key) = self.resolve(name) else {
            return Ok(None);
        };
        if let Some(layer) = self.layers.get(&key) {
            return Ok(Some(layer.clone()));
        }
        match self.documents.get(&key) {
            Some(bytes) => {
                layer::decode(&bytes[..], name, true, true, ctx).map(|l| Some(Arc::new(l)))
            }
            None => Ok(None),
        }
    }
}

impl<T> Documents for StreamedArchive<T> {
    fn document(&self, name: &str, _limit: u64) -> Result<Option<Vec<u8>>, ImageError> {
        Ok(self
            .resolve(name)
            .and_then(|k| self.documents.get(&k))
            .cloned())
    }
}

fn truncated(name: &str, err: &io::Error) -> ImageError {
    match err.kind() {
        io::ErrorKind::UnexpectedEof => ImageError::Truncated {
            member: name.trim_start_matches('/').to_string(),
            detail: "the archive ends inside this member".into(),
        },
        _ => ImageError::io(name, err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands over one byte per read, as a slow pipe may.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&byte, rest)), Some(slot)) => {
                    *slot = byte;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn through(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        decompressed(Trickle(bytes))
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn gzip_zstd_and_plain_streams_come_out_whole() {
        use std::io::Write;
        let plain = b"a tar would be here, 512-byte blocks and all".repeat(50);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&plain).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::stream::encode_all(&plain[..], 1).unwrap();
        assert_eq!(through(&gz), plain);
        assert_eq!(through(&zst), plain);
        assert_eq!(through(&plain), plain);
        // Concatenated gzip members are one stream, as gunzip reads them.
        assert_eq!(
            through(&[gz.clone(), gz].concat()),
            [&plain[..], &plain[..]].concat()
        );
        // Shorter than a magic number: the bytes as they are.
        assert_eq!(through(b"\x1f"), b"\x1f");
        assert_eq!(through(b""), b"");
    }
}
