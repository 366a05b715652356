//! From the documents of an archive (manifest.json, index.json, manifests, configs) to a plan:
//! which images it holds, each with its config and the blobs of its layers in order, and the
//! digests every blob must have. The format is recognised by which documents exist, never by
//! file name or media type. `docker` reads both `docker save` layouts, `oci` reads OCI image
//! layouts (archived or as a directory), following nested indexes.

pub(crate) mod docker;
pub(crate) mod oci;

use serde::{Deserialize, Serialize};

use super::{ImageError, ImageOptions};

/// The layout an image was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageFormat {
    /// `docker save` before Docker 25: `manifest.json`, `<id>/layer.tar`, `<hex>.json`.
    DockerArchive,
    /// `docker save` from Docker 25 on: an OCI layout plus `manifest.json` into `blobs/sha256/`.
    DockerOciArchive,
    /// An OCI image layout in a tar (`oci-archive:`, buildx `type=oci`).
    OciArchive,
    /// An OCI image layout directory (`oci:DIR`).
    OciLayout,
    /// A plain directory taken as the image's root filesystem (one layer, no config).
    Rootfs,
    /// Pulled from a registry through the OCI distribution API (`registry.example.com/app:1`).
    Registry,
}

impl ImageFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageFormat::DockerArchive => "docker-archive",
            ImageFormat::DockerOciArchive => "docker-oci-archive",
            ImageFormat::OciArchive => "oci-archive",
            ImageFormat::OciLayout => "oci-layout",
            ImageFormat::Rootfs => "rootfs",
            ImageFormat::Registry => "registry",
        }
    }
}

/// An image's target platform, from its index descriptor or its config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Platform {
    /// `os/arch[/variant]`.
    pub fn parse(text: &str) -> Result<Platform, ImageError> {
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: None,
            }),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Platform {
                    os: os.to_string(),
                    architecture: arch.to_string(),
                    variant: Some(variant.to_string()),
                })
            }
            _ => Err(ImageError::BadPlatform(text.to_string())),
        }
    }

    /// Does this platform satisfy `wanted`? A wanted variant must match; none matches any.
    pub fn matches(&self, wanted: &Platform) -> bool {
        self.os == wanted.os
            && self.architecture == wanted.architecture
            && (wanted.variant.is_none() || self.variant == wanted.variant)
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

/// The parts of an image config (`application/vnd.oci.image.config.v1+json`, the same for
/// Docker) that gostatic reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ConfigFile {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub config: Option<RunConfig>,
    #[serde(default)]
    pub rootfs: Option<RootFs>,
    #[serde(default)]
    pub created: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RunConfig {
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub working_dir: Option<String>,
    #[serde(default)]
    pub env: Option<Vec<String>>,
    #[serde(default)]
    pub labels: Option<std::collections::BTreeMap<String, String>>,
    /// `{"8080/tcp": {}}`: only the keys mean anything.
    #[serde(default)]
    pub exposed_ports: Option<std::collections::BTreeMap<String, serde::de::IgnoredAny>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RootFs {
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

/// One layer to read: where its blob is and what its digests must be.
#[derive(Debug, Clone)]
pub(crate) struct LayerPlan {
    /// Archive member or layout-relative file name.
    pub blob: String,
    /// Digest of the stored bytes (OCI descriptor, or a `blobs/sha256/<hex>` name).
    pub digest: Option<String>,
    /// Digest of the uncompressed tar (docker archives: config `rootfs.diff_ids`).
    pub diff_id: Option<String>,
    /// Length of the stored bytes, from the OCI descriptor.
    pub size: Option<u64>,
    pub media_type: Option<String>,
}

/// One image of an archive, ready to read.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub name: String,
    pub manifest_digest: Option<String>,
    pub config: ConfigFile,
    pub config_digest: Option<String>,
    pub layers: Vec<LayerPlan>,
    pub platform: Platform,
}

/// Documents by name, from an indexed tar, a directory, or a tar read from a stream.
pub(crate) trait Documents {
    /// The bytes of a member, at most `limit` bytes; `None` if there is no such member.
    fn document(&self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, ImageError>;
}

pub(crate) fn parse_json<'a, T: Deserialize<'a>>(
    bytes: &'a [u8],
    member: &str,
    what: &'static str,
) -> Result<T, ImageError> {
    serde_json::from_slice(bytes).map_err(|e| ImageError::document(member, what, e))
}

pub(crate) fn require(
    docs: &dyn Documents,
    name: &str,
    options: &ImageOptions,
) -> Result<Vec<u8>, ImageError> {
    docs.document(name, options.limits.max_document_bytes)?
        .ok_or_else(|| ImageError::MissingBlob(name.to_string()))
}

/// The manifests that answer to one name: one per platform.
#[derive(Debug)]
pub(crate) struct Group {
    pub names: Vec<String>,
    pub candidates: Vec<Plan>,
}

/// Keep the images `--image` names (by any of their names), then in each the one manifest
/// `--platform` picks, or the only one. Several platforms and no `--platform` is an error that
/// lists them; an image with no manifest for the wanted platform is left out, and if that
/// leaves nothing, the error lists every platform there was.
pub(crate) fn select(groups: Vec<Group>, options: &ImageOptions) -> Result<Vec<Plan>, ImageError> {
    let available = listing(
        groups
            .iter()
            .map(|g| g.names.first().cloned().unwrap_or_default()),
    );
    let groups: Vec<Group> = match &options.image {
        None => groups,
        Some(wanted) => {
            let kept: Vec<Group> = groups
                .into_iter()
                .filter(|g| g.names.iter().any(|n| same_name(n, wanted)))
                .collect();
            if kept.is_empty() {
                return Err(ImageError::NoSuchImage {
                    wanted: wanted.clone(),
                    available,
                });
            }
            kept
        }
    };
    let mut every_platform = Vec::new();
    let mut chosen = Vec::new();
    for group in groups {
        let name = group.names.first().cloned().unwrap_or_default();
        let choices = group
            .candidates
            .iter()
            .map(|p| p.platform.to_string())
            .collect::<Vec<_>>();
        every_platform.extend(choices.iter().cloned());
        let mut matching: Vec<Plan> = match &options.platform {
            Some(wanted) => group
                .candidates
                .into_iter()
                .filter(|p| p.platform.matches(wanted))
                .collect(),
            None => group.candidates,
        };
        match matching.len() {
            0 => {}
            1 => chosen.push(matching.remove(0)),
            count => {
                return Err(ImageError::AmbiguousPlatform {
                    name,
                    count,
                    choices: listing(choices.into_iter()),
                });
            }
        }
    }
    if chosen.is_empty()
        && let Some(wanted) = &options.platform
    {
        return Err(ImageError::NoSuchPlatform {
            name: available,
            wanted: wanted.to_string(),
            choices: listing(every_platform.into_iter()),
        });
    }
    // A gate that read no image checked nothing: that must not pass in silence.
    if chosen.is_empty() {
        return Err(ImageError::NoImage);
    }
    Ok(chosen)
}

/// Names or platforms for an error line: the first few, then how many more. An archive may
/// list thousands (a crafted one, millions), and an error is one short line.
fn listing(items: impl Iterator<Item = String>) -> String {
    const SHOWN: usize = 8;
    let mut shown = Vec::new();
    let mut more = 0usize;
    for item in items {
        if shown.len() < SHOWN {
            shown.push(item.chars().take(80).collect::<String>());
        } else {
            more += 1;
        }
    }
    let mut text = shown.join(", ");
    if more > 0 {
        text.push_str(&format!(", … and {more} more"));
    }
    text
}

/// `alpine` names `alpine:latest` and `docker.io/library/alpine:latest`.
fn same_name(have: &str, wanted: &str) -> bool {
    let canonical = |name: &str| {
        // Docker Hub's implicit prefixes, and podman/buildah's `localhost/` for local images.
        let name = name
            .strip_prefix("docker.io/library/")
            .or_else(|| name.strip_prefix("docker.io/"))
            .or_else(|| name.strip_prefix("localhost/"))
            .unwrap_or(name);
        let last = name.rsplit('/').next().unwrap_or(name);
        if last.contains(':') || last.contains('@') {
            name.to_string()
        } else {
            format!("{name}:latest")
        }
    };
    have == wanted || canonical(have) == canonical(wanted)
}

/// Platform of a config (for docker archives and OCI manifests listed without one).
pub(crate) fn config_platform(config: &ConfigFile) -> Platform {
    Platform {
        os: config.os.clone(),
        architecture: config.architecture.clone(),
        variant: config.variant.clone().filter(|v| !v.is_empty()),
    }
}

/// Check bytes against a digest a document gave for them.
pub(crate) fn verify(
    blob: &str,
    bytes: &[u8],
    expected: &str,
    source_doc: &'static str,
) -> Result<(), ImageError> {
    let actual = super::digest::of(bytes);
    if actual != expected {
        return Err(ImageError::DigestMismatch {
            blob: blob.to_string(),
            what: "content digest",
            expected: expected.to_string(),
            actual,
            source_doc,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_parsing_and_matching() {
        let arm = Platform::parse("linux/arm64/v8").unwrap();
        assert_eq!(arm.to_string(), "linux/arm64/v8");
        assert!(arm.matches(&Platform::parse("linux/arm64").unwrap()));
        assert!(!Platform::parse("linux/arm64").unwrap().matches(&arm));
        assert!(Platform::parse("linux").is_err());
        assert!(Platform::parse("linux//v7").is_err());
    }

    #[test]
    fn short_names_match_their_canonical_form() {
        assert!(same_name("docker.io/library/alpine:latest", "alpine"));
        assert!(same_name("alpine:latest", "alpine"));
        assert!(!same_name("alpine:3.19", "alpine"));
        assert!(same_name("ghcr.io/x/y:1", "ghcr.io/x/y:1"));
        assert!(same_name(
            "localhost/scratch-dynamic-libs:latest",
            "scratch-dynamic-libs"
        ));
        assert!(!same_name("localhost/app:1", "app"));
    }
}
