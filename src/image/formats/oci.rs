//! OCI image layouts (image-spec `image-layout.md`, `image-index.md`, `manifest.md`):
//! `index.json` lists descriptors; each is an image manifest or a nested index (followed to a
//! depth of 8). Blobs live at `blobs/<alg>/<hex>` and every document read is checked against
//! the digest its descriptor gives. Manifests are named by the `io.containerd.image.name` or
//! `org.opencontainers.image.ref.name` annotation of their top-level descriptor; attestation
//! manifests (buildkit's `unknown/unknown` entries) are not images.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{
    Documents, Group, LayerPlan, Plan, Platform, config_platform, parse_json, require, verify,
};
use crate::image::{ImageError, ImageOptions, digest};

const MAX_INDEX_DEPTH: usize = 8;

/// Descriptors followed in all, indexes included. Nested indexes multiply: 16 descriptors per
/// level, 7 levels deep, name 268 million manifests from 28 KB (issue 11, item 6). A real
/// multi-platform index lists a few dozen, a `docker save` of many images a few hundred.
const MAX_DESCRIPTORS: usize = 4096;

#[derive(Debug, Clone, Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    digest: String,
    /// The blob's length, which containerd's content store and the registry client hold a
    /// blob to ("unexpected commit size"); absent from hand-made layouts, then unchecked.
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    platform: Option<DescriptorPlatform>,
    #[serde(default)]
    annotations: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize)]
struct DescriptorPlatform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
}

/// An index or a manifest: which one is decided by the fields present (media types are
/// optional in both, and some tools omit them).
#[derive(Debug, Deserialize)]
struct Document {
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
}

/// `blobs/sha256/<hex>` for a well-formed digest.
fn blob_name(digest_text: &str, context: &str) -> Result<String, ImageError> {
    let hex = digest::parse(digest_text).ok_or_else(|| {
        ImageError::document(
            context,
            "descriptor",
            format!("unsupported digest '{digest_text}'"),
        )
    })?;
    Ok(format!("blobs/sha256/{hex}"))
}

fn read_blob(
    docs: &dyn Documents,
    desc: &Descriptor,
    context: &str,
    options: &ImageOptions,
) -> Result<(String, Vec<u8>), ImageError> {
    let name = blob_name(&desc.digest, context)?;
    let bytes = require(docs, &name, options)?;
    verify(&name, &bytes, &desc.digest, "descriptor")?;
    Ok((name, bytes))
}

struct Leaf {
    name: String,
    names: Vec<String>,
    desc: Descriptor,
}

pub(crate) fn plan(
    docs: &dyn Documents,
    index: &[u8],
    options: &ImageOptions,
) -> Result<Vec<Group>, ImageError> {
    let index: Document = parse_json(index, "index.json", "image index")?;
    let mut leaves = Vec::new();
    let mut visited = 0;
    for top in index.manifests.unwrap_or_default() {
        let annotations = top.annotations.clone().unwrap_or_default();
        let names: Vec<String> = [
            "io.containerd.image.name",
            "org.opencontainers.image.ref.name",
        ]
        .iter()
        .filter_map(|key| annotations.get(*key).cloned())
        .collect();
        let name = names.first().cloned().unwrap_or_default();
        let walk = Walk {
            docs,
            options,
            name: &name,
            names: &names,
        };
        walk.collect(top, 0, &mut visited, &mut leaves)?;
    }
    let mut groups: Vec<Group> = Vec::new();
    for leaf in leaves {
        let (manifest_name, bytes) = read_blob(docs, &leaf.desc, "index.json", options)?;
        let manifest: Document = parse_json(&bytes, &manifest_name, "image manifest")?;
        let Some(config_desc) = manifest.config else {
            return Err(ImageError::document(
                &manifest_name,
                "image manifest",
                "no config",
            ));
        };
        let (config_name, config_bytes) = read_blob(docs, &config_desc, &manifest_name, options)?;
        let config: super::ConfigFile = parse_json(&config_bytes, &config_name, "image config")?;
        let platform = match &leaf.desc.platform {
            Some(p) if !p.os.is_empty() => Platform {
                os: p.os.clone(),
                architecture: p.architecture.clone(),
                variant: p.variant.clone().filter(|v| !v.is_empty()),
            },
            _ => config_platform(&config),
        };
        let manifest_layers = manifest.layers.unwrap_or_default();
        // The config's diff_ids, reported with each layer; the manifest's blob digests are
        // what is verified (they cover the config, which lists these).
        let diff_ids = config
            .rootfs
            .as_ref()
            .map(|r| r.diff_ids.clone())
            .filter(|ids| ids.len() == manifest_layers.len())
            .unwrap_or_default();
        let layers = manifest_layers
            .into_iter()
            .enumerate()
            .map(|(i, layer)| {
                Ok(LayerPlan {
                    blob: blob_name(&layer.digest, &manifest_name)?,
                    digest: Some(layer.digest),
                    diff_id: diff_ids.get(i).cloned(),
                    size: layer.size,
                    media_type: layer.media_type,
                })
            })
            .collect::<Result<Vec<_>, ImageError>>()?;
        let display = if leaf.name.is_empty() {
            leaf.desc.digest.chars().take(19).collect()
        } else {
            leaf.name.clone()
        };
        let plan = Plan {
            name: display.clone(),
            manifest_digest: Some(leaf.desc.digest.clone()),
            config,
            config_digest: Some(config_desc.digest),
            layers,
            platform,
        };
        match groups
            .iter_mut()
            .find(|g| g.names.first() == Some(&display))
        {
            Some(group) => group.candidates.push(plan),
            None => {
                let mut names = leaf.names;
                if names.is_empty() {
                    names.push(display);
                }
                groups.push(Group {
                    names,
                    candidates: vec![plan],
                });
            }
        }
    }
    Ok(groups)
}

/// The walk down one top-level descriptor of `index.json`.
struct Walk<'a> {
    docs: &'a dyn Documents,
    options: &'a ImageOptions,
    name: &'a str,
    names: &'a [String],
}

impl Walk<'_> {
    /// The image manifests under `desc`, counting every descriptor followed in `visited`.
    fn collect(
        &self,
        desc: Descriptor,
        depth: usize,
        visited: &mut usize,
        out: &mut Vec<Leaf>,
    ) -> Result<(), ImageError> {
        *visited += 1;
        if *visited > MAX_DESCRIPTORS {
            return Err(ImageError::Limit {
                what: "descriptor",
                limit: format!("{MAX_DESCRIPTORS} manifests and indexes followed"),
                at: Some("index.json".into()),
            });
        }
        let annotations = desc.annotations.clone().unwrap_or_default();
        let attestation = annotations
            .get("vnd.docker.reference.type")
            .is_some_and(|t| t == "attestation-manifest")
            || desc.platform.as_ref().is_some_and(|p| p.os == "unknown");
        if attestation {
            return Ok(());
        }
        let is_index = desc.media_type.as_deref().is_some_and(|m| {
            m.ends_with("image.index.v1+json") || m.ends_with("manifest.list.v2+json")
        });
        let is_manifest = desc.media_type.as_deref().is_some_and(|m| {
            m.ends_with("image.manifest.v1+json") || m.ends_with("manifest.v2+json")
        });
        let leaf = |desc| Leaf {
            name: self.name.to_string(),
            names: self.names.to_vec(),
            desc,
        };
        if is_manifest {
            out.push(leaf(desc));
            return Ok(());
        }
        // An index, or a descriptor without a media type: read it to see which it is.
        let (blob, bytes) = read_blob(self.docs, &desc, "index.json", self.options)?;
        let doc: Document = parse_json(&bytes, &blob, "image index")?;
        match doc.manifests {
            Some(children) if is_index || doc.config.is_none() => {
                if depth >= MAX_INDEX_DEPTH {
                    return Err(ImageError::document(
                        &blob,
                        "image index",
                        "nested more than 8 deep",
                    ));
                }
                for child in children {
                    self.collect(child, depth + 1, visited, out)?;
                }
            }
            _ => out.push(leaf(desc)),
        }
        Ok(())
    }
}
