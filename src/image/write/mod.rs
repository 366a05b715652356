//! Writing a one-layer image, as `gostatic slim` makes it: the layer tar (`tar`), its config,
//! manifest and index, laid out as an OCI image layout directory (image-spec `image-layout.md`),
//! an OCI archive (that layout in a tar, c/image's `oci-archive:`), or a `docker save` tarball
//! (`manifest.json`, `<hex>.json`, `<hex>/layer.tar`, what `docker load` and c/image's
//! `docker-archive:` read). The same members, config and mtime give the same bytes: JSON fields
//! in a fixed order, archive members sorted, gzip without a name or a time (RFC 1952 MTIME 0,
//! OS 255), so the digests are stable.
//!
//! The layer is built in memory (it holds what `slim` keeps, megabytes, not the source image)
//! and written once; nothing but OUT is created.

pub mod tar;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use self::tar::{Body, Member, TarWriter};

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// How the new image is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputFormat {
    /// An OCI image layout in one tar (`oci-archive:`).
    OciArchive,
    /// A `docker save` tarball (`docker-archive:`), its layer uncompressed.
    DockerArchive,
    /// An OCI image layout directory (`oci:`).
    #[serde(rename = "oci")]
    OciLayout,
}

impl OutputFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::OciArchive => "oci-archive",
            OutputFormat::DockerArchive => "docker-archive",
            OutputFormat::OciLayout => "oci",
        }
    }

    /// The format a name asks for when none is given: a `.tar` file is an OCI archive,
    /// anything else an OCI layout directory.
    pub fn from_name(out: &Path) -> OutputFormat {
        match out.extension() {
            Some(ext) if ext == "tar" => OutputFormat::OciArchive,
            _ => OutputFormat::OciLayout,
        }
    }
}

/// An image config (image-spec `config.md`), fields in the order they are written.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigDoc {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    pub architecture: String,
    pub os: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub config: RunDoc,
    pub rootfs: RootFsDoc,
    pub history: Vec<HistoryDoc>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunDoc {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub exposed_ports: BTreeMap<String, Empty>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// `{}`, the value of an `ExposedPorts` key.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Empty {}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RootFsDoc {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub diff_ids: Vec<String>,
}

/// One `history` entry: what a step did and why.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryDoc {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    pub created_by: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub comment: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

/// The layer as stored, and its digests.
#[derive(Debug, Clone)]
pub struct Layer {
    pub blob: Vec<u8>,
    /// `sha256:` of the stored blob.
    pub digest: String,
    /// `sha256:` of the uncompressed tar.
    pub diff_id: String,
    pub uncompressed_size: u64,
    pub gzip: bool,
}

/// The layer of `members` (in the order given), gzip-compressed or not.
pub fn layer(members: &[Member<'_>], mtime: u64, gzip: bool) -> io::Result<Layer> {
    let diff = Hashing {
        inner: Vec::new(),
        hasher: Sha256::new(),
    };
    let (blob, diff_id, uncompressed_size) = if gzip {
        let encoder = flate2::GzBuilder::new()
            .mtime(0)
            .operating_system(255)
            .write(Vec::new(), flate2::Compression::default());
        let mut tar = TarWriter::new(
            Hashing {
                inner: encoder,
                hasher: Sha256::new(),
            },
            mtime,
        );
        for member in members {
            tar.member(member)?;
        }
        let (hashing, size) = tar.finish()?;
        let diff_id = hex_digest(hashing.hasher);
        (hashing.inner.finish()?, diff_id, size)
    } else {
        let mut tar = TarWriter::new(diff, mtime);
        for member in members {
            tar.member(member)?;
        }
        let (hashing, size) = tar.finish()?;
        (hashing.inner, hex_digest(hashing.hasher), size)
    };
    Ok(Layer {
        digest: super::digest::of(&blob),
        blob,
        diff_id,
        uncompressed_size,
        gzip,
    })
}

/// What was written, by digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Written {
    pub format: OutputFormat,
    pub manifest_digest: String,
    pub config_digest: String,
    pub layer_digest: String,
    /// `sha256:` of the uncompressed layer tar (the config's `rootfs.diff_ids`).
    pub diff_id: String,
    pub layer_media_type: &'static str,
    pub layer_size: u64,
    pub uncompressed_size: u64,
}

/// Write the image of `layer` and `config` (its `rootfs` filled in here) to `out`. An archive
/// replaces a file at `out`; a layout directory must not exist yet or be empty.
pub fn write(
    out: &Path,
    format: OutputFormat,
    layer: &Layer,
    mut config: ConfigDoc,
    mtime: u64,
) -> io::Result<Written> {
    config.rootfs = RootFsDoc {
        kind: "layers",
        diff_ids: vec![layer.diff_id.clone()],
    };
    let config_bytes = json(&config)?;
    let config_digest = super::digest::of(&config_bytes);
    let layer_media = if layer.gzip {
        OCI_LAYER_GZIP
    } else {
        "application/vnd.oci.image.layer.v1.tar"
    };
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": descriptor(OCI_CONFIG, &config_digest, config_bytes.len()),
        "layers": [descriptor(layer_media, &layer.digest, layer.blob.len())],
    });
    let manifest_bytes = json(&manifest)?;
    let manifest_digest = super::digest::of(&manifest_bytes);
    let mut files: BTreeMap<String, &[u8]> = BTreeMap::new();
    let index;
    let docker_manifest;
    let layout = br#"{"imageLayoutVersion":"1.0.0"}"#;
    match format {
        OutputFormat::OciArchive | OutputFormat::OciLayout => {
            index = json(&serde_json::json!({
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "manifests": [descriptor(OCI_MANIFEST, &manifest_digest, manifest_bytes.len())],
            }))?;
            files.insert(blob_path(&layer.digest), &layer.blob);
            files.insert(blob_path(&config_digest), &config_bytes);
            files.insert(blob_path(&manifest_digest), &manifest_bytes);
            files.insert("index.json".into(), &index);
            files.insert("oci-layout".into(), layout);
        }
        OutputFormat::DockerArchive => {
            let config_name = format!("{}.json", hex(&config_digest));
            let layer_name = format!("{}/layer.tar", hex(&layer.diff_id));
            docker_manifest = json(&serde_json::json!([{
                "Config": config_name,
                "RepoTags": [],
                "Layers": [layer_name],
            }]))?;
            files.insert(config_name, &config_bytes);
            files.insert(layer_name, &layer.blob);
            files.insert("manifest.json".into(), &docker_manifest);
        }
    }
    match format {
        OutputFormat::OciLayout => write_dir(out, &files)?,
        _ => write_archive(out, &files, mtime).inspect_err(|_| {
            // A half-written archive is no image: leave nothing behind.
            let _ = std::fs::remove_file(out);
        })?,
    }
    Ok(Written {
        format,
        manifest_digest,
        config_digest,
        layer_digest: layer.digest.clone(),
        diff_id: layer.diff_id.clone(),
        layer_media_type: layer_media,
        layer_size: layer.blob.len() as u64,
        uncompressed_size: layer.uncompressed_size,
    })
}

fn write_dir(out: &Path, files: &BTreeMap<String, &[u8]>) -> io::Result<()> {
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "a directory that is not empty (an OCI layout is written only into a new or empty one)",
        ));
    }
    for (name, bytes) in files {
        let path = out.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    Ok(())
}

/// The files as one tar, each directory before what it holds, in name order.
fn write_archive(out: &Path, files: &BTreeMap<String, &[u8]>, mtime: u64) -> io::Result<()> {
    let mut tar = TarWriter::new(BufWriter::new(File::create(out)?), mtime);
    let mut dirs = std::collections::BTreeSet::new();
    for (name, bytes) in files {
        let mut at = 0;
        while let Some(slash) = name[at..].find('/') {
            let dir = format!("{}/", &name[..at + slash]);
            if dirs.insert(dir.clone()) {
                tar.member(&owned_by_root(&dir, Body::Dir, 0o755))?;
            }
            at += slash + 1;
        }
        tar.member(&owned_by_root(name, Body::File(bytes), 0o644))?;
    }
    tar.finish()?.0.into_inner().map_err(|e| e.into_error())?;
    Ok(())
}

fn owned_by_root<'a>(name: &str, body: Body<'a>, mode: u32) -> Member<'a> {
    Member {
        name: name.to_string(),
        body,
        mode,
        uid: 0,
        gid: 0,
        capability: None,
    }
}

fn descriptor(media_type: &str, digest: &str, size: usize) -> serde_json::Value {
    serde_json::json!({"mediaType": media_type, "digest": digest, "size": size})
}

fn blob_path(digest: &str) -> String {
    format!("blobs/sha256/{}", hex(digest))
}

fn hex(digest: &str) -> &str {
    digest.strip_prefix("sha256:").unwrap_or(digest)
}

fn json(value: &impl Serialize) -> io::Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(io::Error::other)
}

fn hex_digest(hasher: Sha256) -> String {
    let bytes = hasher.finalize();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests;
