//! Container images, read offline and without a daemon: every `docker save` and OCI form, a
//! directory root filesystem, or a tar on stdin, turned into one virtual filesystem per image
//! (layers merged exactly as the OCI image spec says). Every executable met on the way is
//! handed, with its bytes, to the caller's [`Inspector`]; the image keeps whatever it returned
//! for the executables that survive in the final filesystem ([`Image<T>`]). The reader knows
//! nothing of analysis, rules or reports, as ripgrep's searcher knows nothing of its printer.
//! Nothing is extracted to disk; memory is bounded by [`ImageLimits`], not by the image's size.
//!
//! ```no_run
//! use gostatic::image::{self, ImageOptions, ImageSource};
//! let sizes = |_path: &str, bytes: &[u8]| Some(bytes.len());
//! let source = ImageSource::Path("app.oci.tar".into());
//! let images = image::open(&source, &ImageOptions::default(), &sizes)?;
//! for img in &images {
//!     println!("{} {}: {} executables", img.name, img.platform, img.files.len());
//!     if let Some(passwd) = img.tree.read_small("/etc/passwd") { /* GS602 */ }
//! }
//! # Ok::<(), gostatic::image::ImageError>(())
//! ```
//!
//! How an archive is read: its format is recognised from the documents it holds (`formats`);
//! a file is mapped and its members indexed (`store`), then the selected images' layers are
//! decoded in parallel, one pass each (`layer`), into change lists that are merged in order
//! (`merge`) into a [`Tree`]. A stream (stdin, a compressed outer tar) is read once in order
//! (`streamed`).

pub(crate) mod assemble;
pub mod caps;
pub(crate) mod content;
pub mod daemon;
pub mod digest;
mod error;
mod extract;
pub mod formats;
pub mod layer;
pub(crate) mod limits;
pub mod merge;
pub mod owners;
pub mod path;
pub mod registry;
mod rootfs;
mod source;
mod store;
mod streamed;
pub(crate) mod tar;
pub mod tree;
pub mod write;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

pub use content::is_kept_small;
pub use error::ImageError;
pub use extract::read_files;
pub use formats::{ImageFormat, Platform};
pub use layer::Compression;
pub use limits::ImageLimits;
pub use merge::Wasted;
pub use owners::HighIds;
pub use source::{ImageSource, Transport, is_reference};
#[doc(hidden)]
pub use tar::Listed as TarMember;
pub use tree::{DataRef, Node, NodeKind, Tree};

/// Every member of a tar (a layer or an outer archive, uncompressed) as gostatic's tar reader
/// sees it: name, type flag, data size and SHA-256, link target. For the differential test
/// against Go's `archive/tar`; not a supported API.
#[doc(hidden)]
pub fn list_tar(bytes: &[u8]) -> Result<Vec<TarMember>, String> {
    tar::list(bytes, ImageLimits::default().max_path_bytes).map_err(|err| format!("{err:?}"))
}

/// Progress callback: bytes of archive read so far, and the total (0 when unknown, on stdin).
/// Called from worker threads, about once per MiB.
pub type ProgressFn = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// What to read and how.
#[derive(Clone, Default)]
pub struct ImageOptions {
    /// `--platform`: the manifest to pick from an index. Without it an index must hold one.
    pub platform: Option<Platform>,
    /// `--image`: the one image of a multi-image archive to read, by tag or reference name.
    pub image: Option<String>,
    pub limits: ImageLimits,
    pub progress: Option<ProgressFn>,
    /// Where `docker:` and `podman:` sources find their engine (the CLI reads the variables).
    pub endpoints: daemon::Endpoints,
    /// Registry flags, credentials and proxies (the CLI reads the variables).
    pub registry: registry::Settings,
}

impl std::fmt::Debug for ImageOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageOptions")
            .field("platform", &self.platform)
            .field("image", &self.image)
            .field("limits", &self.limits)
            .field("progress", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

/// The run configuration of an image (its config's `config` object).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImageConfig {
    /// `Entrypoint`, or null when unset (distinct from an empty list).
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    /// `User` as written (`""`, `app`, `1000:1000`); empty means root.
    pub user: String,
    pub working_dir: String,
    pub env: Vec<String>,
    pub labels: BTreeMap<String, String>,
    /// `ExposedPorts` keys (`8080/tcp`), sorted; not in reports.
    #[serde(skip)]
    pub exposed_ports: Vec<String>,
    /// The config's `created` (RFC 3339), as written; not in reports.
    #[serde(skip)]
    pub created: Option<String>,
}

/// One layer as stored and as read.
#[derive(Debug, Clone, Serialize)]
pub struct LayerInfo {
    /// Digest of the stored blob (verified); null for a docker `<id>/layer.tar` or a rootfs.
    pub digest: Option<String>,
    /// Digest of the uncompressed tar (verified against config `rootfs.diff_ids` for docker
    /// archives; computed for uncompressed layers; else null).
    pub diff_id: Option<String>,
    pub media_type: Option<String>,
    /// As the blob's first bytes say (media types are not trusted).
    pub compression: Compression,
    /// Bytes stored in the archive.
    pub size: u64,
    /// Bytes of the uncompressed tar.
    pub uncompressed_size: u64,
    /// Tar members in the layer (whiteouts included).
    pub entries: usize,
    /// Bytes of regular files this layer carries that the final filesystem does not show.
    pub wasted_bytes: u64,
    /// Entries owned by ids past 16 bits, which a 65536-id user namespace cannot create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high_ids: Option<HighIds>,
    /// Where the source holds the blob: its archive member or layout file (links followed
    /// where the archive was a stream); a second read (`read_files`) goes there. Not in reports.
    #[serde(skip)]
    pub(crate) blob: String,
}

impl LayerInfo {
    /// The layer's name in reports: its digest, diff id, or `layer N`.
    pub fn label(&self, index: usize) -> String {
        self.digest
            .clone()
            .or_else(|| self.diff_id.clone())
            .unwrap_or_else(|| format!("layer {index}"))
    }
}

/// An executable seen in the final filesystem but not inspected (too big).
#[derive(Debug, Clone, Serialize)]
pub struct SkippedFile {
    pub image_path: String,
    pub layer: usize,
    pub size: u64,
    pub reason: String,
}

/// What the image reader asks about each executable it meets: the caller's view of one file,
/// from its path in the image and its bytes (in hand only for the call). `None` keeps nothing,
/// as for a file that is not an executable. Called from several threads at once.
pub trait Inspector: Sync {
    type Output: Clone + Send + Sync;
    fn inspect(&self, image_path: &str, bytes: &[u8]) -> Option<Self::Output>;
}

impl<T, F> Inspector for F
where
    F: Fn(&str, &[u8]) -> Option<T> + Sync,
    T: Clone + Send + Sync,
{
    type Output = T;
    fn inspect(&self, image_path: &str, bytes: &[u8]) -> Option<T> {
        self(image_path, bytes)
    }
}

/// An executable of the final filesystem and what the inspector said of it. A hard link to an
/// executable carries the target's answer under its own path.
#[derive(Debug, Clone)]
pub struct ImageFile<T> {
    /// Absolute path in the final filesystem.
    pub image_path: String,
    /// Index into `Image::layers` of the layer that last wrote the path.
    pub layer: usize,
    pub size: u64,
    pub inspection: T,
}

/// One image: where it came from, its config, its layers, its final filesystem and the
/// inspection of every executable in it.
#[derive(Debug)]
pub struct Image<T> {
    /// First tag or reference name; else the start of the manifest or config digest.
    pub name: String,
    pub format: ImageFormat,
    /// The source as given on the command line (`-` for stdin).
    pub source: String,
    pub platform: Platform,
    pub manifest_digest: Option<String>,
    pub config_digest: Option<String>,
    pub config: ImageConfig,
    pub layers: Vec<LayerInfo>,
    pub tree: Tree,
    /// Every executable of the final filesystem the inspector kept, in path order.
    pub files: Vec<ImageFile<T>>,
    /// Executables over `max_binary_bytes`, not inspected.
    pub skipped: Vec<SkippedFile>,
    /// Every regular file a later layer overwrote or deleted, with the layer holding its bytes.
    pub wasted: Vec<Wasted>,
    /// Oddities met while merging that did not stop the read (a dangling hard link).
    pub notes: Vec<String>,
}

impl<T> Image<T> {
    /// The same image with each file's inspection replaced, or the file dropped (`None`).
    pub fn map_files<U>(
        self,
        change: impl FnMut(ImageFile<T>) -> Option<ImageFile<U>>,
    ) -> Image<U> {
        Image {
            name: self.name,
            format: self.format,
            source: self.source,
            platform: self.platform,
            manifest_digest: self.manifest_digest,
            config_digest: self.config_digest,
            config: self.config,
            layers: self.layers,
            tree: self.tree,
            files: self.files.into_iter().filter_map(change).collect(),
            skipped: self.skipped,
            wasted: self.wasted,
            notes: self.notes,
        }
    }
}

/// Read every image `source` holds (after `--image` and `--platform` selection), handing each
/// executable met to `inspector`.
pub fn open<I: Inspector>(
    source: &ImageSource,
    options: &ImageOptions,
    inspector: &I,
) -> Result<Vec<Image<I::Output>>, ImageError> {
    assemble::open(source, options, inspector)
}
