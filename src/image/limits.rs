//! The explicit bounds on what one image may make us hold or do. Memory does not grow with the
//! image: it grows with the number of entries (the path index), with one executable buffer per
//! layer decoded in parallel, and with the small files kept; each is capped here.

use std::sync::atomic::{AtomicU64, Ordering};

use super::ImageError;

/// Bounds on one image. The defaults fit the largest real images (tens of GB, a few million
/// files) and refuse decompression bombs with a clear error instead of running for minutes.
#[derive(Debug, Clone, Copy)]
pub struct ImageLimits {
    /// Executables (ELF, PE, Mach-O) larger than this are listed in `Image::skipped`, not inspected.
    pub max_binary_bytes: u64,
    /// Files in every layer together (tar members, whiteouts included).
    pub max_entries: u64,
    /// Entries merged into the trees of all the images of one source together, once there
    /// is more than one: each tree costs about 200 bytes an entry, and images that share
    /// layers merge them again (one image alone is bounded by `max_entries`).
    pub max_merged_entries: u64,
    /// Longest member name or link target, after PAX or GNU long-name extension.
    pub max_path_bytes: usize,
    /// Uncompressed bytes of every layer together: bounds the time a decompression bomb costs.
    pub max_uncompressed_bytes: u64,
    /// The most a layer may inflate (uncompressed bytes per stored byte) once past
    /// `inflate_ratio_after_bytes`; 0 sets no limit. Real layers inflate 2-10:1 (text-heavy ones
    /// a few tens); a gigabyte at 256:1 is a file of zeros. Deflate reaches about 1032:1 and
    /// zstd's RLE blocks 30,000:1, so without this a 70 MB gzip or 2 MB zstd stream spread over
    /// members no header of which claims too much ran until the 64 GiB budget, 7-10 s later
    /// (issue 11, item 12). The one legitimate layer it refuses is a huge zero-filled file, such
    /// as the sparse `/var/log/lastlog` a `useradd` with a large uid writes without `-l`
    /// (moby#5419): `--max-inflate-ratio 0` reads that anyway.
    pub max_inflate_ratio: u64,
    pub inflate_ratio_after_bytes: u64,
    /// Largest JSON document (manifest, index, config) read into memory.
    pub max_document_bytes: u64,
    /// Documents kept together while a stream is read (stdin, a compressed archive), which
    /// cannot be rewound: every small JSON-looking member waits in memory for the manifest.
    pub max_streamed_documents_bytes: u64,
    /// Largest small file (`/etc/passwd` …) kept for later rules; bigger ones are not kept.
    pub max_small_file_bytes: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_binary_bytes: 256 << 20,
            max_entries: 4_000_000,
            max_merged_entries: 1_000_000,
            max_path_bytes: 4096,
            max_uncompressed_bytes: 64 << 30,
            max_inflate_ratio: 256,
            inflate_ratio_after_bytes: 1 << 30,
            max_document_bytes: 8 << 20,
            max_streamed_documents_bytes: 64 << 20,
            max_small_file_bytes: 1 << 20,
        }
    }
}

/// Counters shared by the layers decoded in parallel, checked against the limits.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    entries: AtomicU64,
    bytes: AtomicU64,
}

impl Budget {
    pub(crate) fn take_entry(&self, limits: &ImageLimits, at: &str) -> Result<(), ImageError> {
        let used = self.entries.fetch_add(1, Ordering::Relaxed) + 1;
        if used > limits.max_entries {
            return Err(ImageError::Limit {
                what: "entry",
                limit: format!("{} entries", limits.max_entries),
                at: Some(at.to_string()),
            });
        }
        Ok(())
    }

    /// Is there room for `n` more uncompressed bytes (a member's declared size)?
    pub(crate) fn could_take(&self, n: u64, limits: &ImageLimits) -> bool {
        self.bytes.load(Ordering::Relaxed).saturating_add(n) <= limits.max_uncompressed_bytes
    }

    /// Account for `n` more uncompressed bytes; `false` once the budget is exhausted.
    pub(crate) fn take_bytes(&self, n: u64, limits: &ImageLimits) -> bool {
        let used = self.bytes.fetch_add(n, Ordering::Relaxed) + n;
        used <= limits.max_uncompressed_bytes
    }
}
