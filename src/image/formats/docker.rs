//! `docker save` tarballs, read through their `manifest.json` (moby `image/tarexport/load.go`):
//! `[{"Config": "...", "RepoTags": [...], "Layers": [...]}]`, one entry per image. Before
//! Docker 25 the names are `<hex>.json` and `<id>/layer.tar` (buildah writes each layer.tar as
//! a symlink to `../<hex>.tar`); from Docker 25 on they point into the OCI layout's
//! `blobs/sha256/`, so the name itself gives the digest. Config `rootfs.diff_ids` gives the
//! uncompressed digest of each layer.

use serde::Deserialize;

use super::{Documents, Group, LayerPlan, Plan, config_platform, parse_json, require, verify};
use crate::image::{ImageError, ImageOptions, digest};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    #[serde(default)]
    layers: Vec<String>,
}

/// The digest a member name carries: `blobs/sha256/<hex>` or `<hex>.json`.
fn digest_in_name(name: &str) -> Option<String> {
    let base = name.trim_start_matches("./");
    let hex = base
        .strip_prefix("blobs/sha256/")
        .or_else(|| base.strip_suffix(".json"))?;
    let digest = format!("sha256:{hex}");
    digest::parse(&digest).is_some().then_some(digest)
}

pub(crate) fn plan(
    docs: &dyn Documents,
    manifest: &[u8],
    options: &ImageOptions,
) -> Result<Vec<Group>, ImageError> {
    let entries: Vec<Entry> = parse_json(manifest, "manifest.json", "docker manifest")?;
    let mut groups = Vec::new();
    for entry in entries {
        let config_bytes = require(docs, &entry.config, options)?;
        let config_digest = digest_in_name(&entry.config);
        if let Some(expected) = &config_digest {
            verify(&entry.config, &config_bytes, expected, "config's file name")?;
        }
        let config: super::ConfigFile = parse_json(&config_bytes, &entry.config, "image config")?;
        let diff_ids = config
            .rootfs
            .as_ref()
            .map(|r| r.diff_ids.clone())
            .filter(|ids| ids.len() == entry.layers.len())
            .unwrap_or_default();
        let layers = entry
            .layers
            .iter()
            .enumerate()
            .map(|(i, blob)| LayerPlan {
                blob: blob.clone(),
                digest: digest_in_name(blob).filter(|_| blob.contains("blobs/")),
                diff_id: diff_ids.get(i).cloned(),
                size: None,
                media_type: None,
            })
            .collect();
        let tags = entry.repo_tags.unwrap_or_default();
        let name = match (tags.first(), &config_digest) {
            (Some(tag), _) => tag.clone(),
            (None, Some(digest)) => digest[..19].to_string(),
            (None, None) => entry.config.clone(),
        };
        let platform = config_platform(&config);
        groups.push(Group {
            names: if tags.is_empty() {
                vec![name.clone()]
            } else {
                tags
            },
            candidates: vec![Plan {
                name,
                manifest_digest: None,
                config,
                config_digest,
                layers,
                platform,
            }],
        });
    }
    Ok(groups)
}
