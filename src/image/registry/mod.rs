//! Images pulled from a registry (issue 12, item 1): `registry.example.com/team/app:1.2`,
//! `…@sha256:…`, `docker://…`, Docker Hub short names. The manifest is fetched with every
//! current media type accepted (OCI image index and manifest, Docker schema 2 manifest list
//! and manifest; schema 1 is refused), verified against the reference's digest or the
//! registry's `Docker-Content-Digest`, and an index is narrowed to one platform here, before
//! anything else is fetched. What is left is read exactly as an OCI layout is: the chosen
//! manifest becomes the one entry of an `index.json` the OCI planner (`formats::oci`) reads,
//! each document it asks for is fetched (manifests from `/manifests/`, configs from `/blobs/`)
//! and checked against its descriptor's digest, and the layers are fetched in parallel on the
//! rayon pool, each body streamed into the same layer decoder the archives use, hashed as it
//! passes and verified against the manifest. Nothing is written to disk.
//!
//! Platform choice (distribution-spec and image-spec `image-index.md` leave it to the client):
//! `--platform` picks the matching entries; without it an index with one image, or with one
//! linux image among others (a Windows variant, say), gives that one; anything else is an
//! error naming the platforms there are. gostatic never silently picks the host's platform: it
//! judges images for where they will run, which is rarely where it runs.

pub mod auth;
pub mod client;
pub mod reference;
mod url;

use std::cell::Cell;
use std::collections::{BTreeMap, HashSet};
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::Deserialize;

pub use auth::{Credential, CredentialSources};
pub use client::{ProxyEnv, Retry, Settings};
pub use reference::Reference;

use self::client::Client;
use super::assemble::{Decoded, build_all};
use super::formats::{self, Documents, ImageFormat, Platform};
use super::layer::{self, Context};
use super::{Image, ImageError, ImageOptions, Inspector};
use crate::error::ErrorKind;

/// The manifest media types asked for, most wanted first (containerd's
/// `remotes/docker/resolver.go` sends the same four).
const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
                      application/vnd.docker.distribution.manifest.list.v2+json, \
                      application/vnd.oci.image.manifest.v1+json, \
                      application/vnd.docker.distribution.manifest.v2+json";

#[derive(Debug, Deserialize)]
struct Probe {
    #[serde(rename = "schemaVersion", default)]
    schema_version: Option<u32>,
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<Vec<Entry>>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
struct Entry {
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    media_type: Option<String>,
    digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    platform: Option<EntryPlatform>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    annotations: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
struct EntryPlatform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    variant: Option<String>,
}

impl EntryPlatform {
    fn platform(&self) -> Platform {
        Platform {
            os: self.os.clone(),
            architecture: self.architecture.clone(),
            variant: self.variant.clone().filter(|v| !v.is_empty()),
        }
    }
}

/// Read the image `text` names from its registry.
pub(super) fn open<I: Inspector>(
    text: &str,
    display: &str,
    options: &ImageOptions,
    ctx: &Context<'_, I>,
) -> Result<Vec<Image<I::Output>>, ImageError> {
    let reference = Reference::parse(text).map_err(ImageError::BadReference)?;
    let client = Client::connect(&reference, &options.registry)?;
    let what = format!("manifest {}", reference.object());
    let response = client.get(
        &client.path("manifests", reference.object()),
        Some(ACCEPT),
        &what,
    )?;
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_string());
    let said_digest = response
        .headers()
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = read_document(response, &what, options.limits.max_document_bytes)?;
    let digest = super::digest::of(&bytes);
    for (expected, source_doc) in [
        (reference.digest.as_deref(), "reference"),
        (
            said_digest.as_deref().filter(|d| d.starts_with("sha256:")),
            "registry's Docker-Content-Digest",
        ),
    ] {
        if let Some(expected) = expected
            && expected != digest
        {
            return Err(ImageError::DigestMismatch {
                blob: what.clone(),
                what: "content digest",
                expected: expected.to_string(),
                actual: digest,
                source_doc,
            });
        }
    }
    let probe: Probe = formats::parse_json(&bytes, &what, "manifest")?;
    let media_type = probe.media_type.clone().or(content_type);
    if probe.schema_version == Some(1)
        || media_type
            .as_deref()
            .is_some_and(|m| m.starts_with("application/vnd.docker.distribution.manifest.v1"))
    {
        return Err(ImageError::document(
            &what,
            "manifest",
            "Docker schema 1 manifests are not supported (deprecated since Docker 1.10 and \
             refused by Docker 28); push the image again with a current client",
        ));
    }
    let entry = match &probe.manifests {
        Some(children) => choose(children, options, &reference)?,
        None => Entry {
            media_type,
            digest: digest.clone(),
            platform: None,
            annotations: None,
        },
    };
    let mut annotated = entry.clone();
    annotated.annotations = Some(BTreeMap::from([(
        "org.opencontainers.image.ref.name".to_string(),
        display.to_string(),
    )]));
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "manifests": [annotated],
    }))
    .map_err(|err| ImageError::document("index.json", "image index", err))?;
    let docs = RegistryDocs {
        client: &client,
        index,
        top: (digest, bytes),
        manifests: Mutex::new(HashSet::from([entry.digest.clone()])),
    };
    let groups = formats::oci::plan(&docs, &docs.index, options)?;
    let plans = formats::select(groups, options)?;
    // Each blob once, by its layout name (`blobs/sha256/<hex>`), with the digest to fetch.
    let mut seen = HashSet::new();
    let blobs: Vec<(&str, &str, Option<u64>)> = plans
        .iter()
        .flat_map(|p| &p.layers)
        .filter_map(|l| Some((l.blob.as_str(), l.digest.as_deref()?, l.size)))
        .filter(|(blob, ..)| seen.insert(*blob))
        .collect();
    // The descriptors' sizes are the progress total, and bound each body: a server that never
    // stops sending costs no more than the blob it should have sent.
    let ctx = &Context {
        total: blobs.iter().map(|(.., size)| size.unwrap_or(0)).sum(),
        ..*ctx
    };
    let decoded: Vec<Decoded<I::Output>> = blobs
        .par_iter()
        .map(|&(blob, digest, size)| {
            let what = format!("blob {digest}");
            let response = client.get(&client.path("blobs", digest), None, &what)?;
            let longer = Cell::new(false);
            let body = AtMost {
                inner: response.into_body().into_reader(),
                left: size.unwrap_or(u64::MAX),
                longer: &longer,
            };
            // The only I/O here is the network: a body cut short is a network error.
            let decoded = layer::decode(body, blob, true, false, ctx).map_err(|err| match err {
                // Whatever the decoder made of the byte past the end, the body is the news.
                _ if longer.get() => ImageError::SizeMismatch {
                    blob: blob.to_string(),
                    actual: size.unwrap_or(0).saturating_add(1),
                    expected: size.unwrap_or(0),
                },
                ImageError::Io(message) => ImageError::registry(ErrorKind::Network, message),
                err => err,
            })?;
            Ok((blob.to_string(), Arc::new(decoded)))
        })
        .collect();
    build_all(
        plans,
        decoded,
        ImageFormat::Registry,
        display,
        &options.limits,
    )
}

/// A blob body that fails on the first byte past its descriptor's size, and says so in `longer`.
struct AtMost<'a, R> {
    inner: R,
    left: u64,
    longer: &'a Cell<bool>,
}

impl<R: Read> Read for AtMost<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            if buf.is_empty() || self.inner.read(&mut [0])? == 0 {
                return Ok(0);
            }
            self.longer.set(true);
            return Err(io::Error::other(
                "the body is longer than its descriptor's size",
            ));
        }
        let wanted = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..wanted])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// A bare short name that is no file (`app:1`, not `ghcr.io/team/app:1`) may be a mistyped
/// path: its registry error says both.
pub(super) fn unless_explicit(err: ImageError, text: &str, explicit: bool) -> ImageError {
    match err {
        ImageError::Registry { kind, message } if !explicit && !text.contains('/') => {
            ImageError::Registry {
                kind,
                message: format!("no such file or directory; as an image reference: {message}"),
            }
        }
        err => err,
    }
}

/// A document's body, at most `limit` bytes.
fn read_document(
    response: ureq::http::Response<ureq::Body>,
    what: &str,
    limit: u64,
) -> Result<Vec<u8>, ImageError> {
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| {
            ImageError::registry(ErrorKind::Network, format!("{what}: read failed: {err}"))
        })?;
    if bytes.len() as u64 > limit {
        return Err(ImageError::Limit {
            what: "document",
            limit: format!("{limit} bytes"),
            at: Some(what.to_string()),
        });
    }
    Ok(bytes)
}

/// Attestations (buildkit's `unknown/unknown` entries) are not images.
fn is_image(entry: &Entry) -> bool {
    let attestation = entry
        .annotations
        .as_ref()
        .and_then(|a| a.get("vnd.docker.reference.type"))
        .is_some_and(|t| t == "attestation-manifest");
    !attestation && entry.platform.as_ref().is_none_or(|p| p.os != "unknown")
}

/// The one entry of an index to read: by `--platform`, or the only image, or the only linux one.
fn choose(
    children: &[Entry],
    options: &ImageOptions,
    reference: &Reference,
) -> Result<Entry, ImageError> {
    let images: Vec<&Entry> = children.iter().filter(|e| is_image(e)).collect();
    let platform_of = |e: &Entry| e.platform.clone().unwrap_or_default().platform();
    let listing = || {
        images
            .iter()
            .map(|e| platform_of(e).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let name = format!("index {}", reference.object());
    let matching: Vec<&Entry> = match &options.platform {
        Some(wanted) => images
            .iter()
            .copied()
            .filter(|e| platform_of(e).matches(wanted))
            .collect(),
        None if images.len() <= 1 => images.clone(),
        None => {
            let linux: Vec<&Entry> = images
                .iter()
                .copied()
                .filter(|e| platform_of(e).os == "linux")
                .collect();
            if linux.len() == 1 {
                linux
            } else {
                return Err(ImageError::AmbiguousPlatform {
                    name,
                    count: images.len(),
                    choices: listing(),
                });
            }
        }
    };
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => match &options.platform {
            Some(wanted) => Err(ImageError::NoSuchPlatform {
                name,
                wanted: wanted.to_string(),
                choices: listing(),
            }),
            None => Err(ImageError::NoImage),
        },
        several => Err(ImageError::AmbiguousPlatform {
            name,
            count: several.len(),
            choices: several
                .iter()
                .map(|e| platform_of(e).to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// The documents of one registry image, as the OCI planner asks for them by layout name.
struct RegistryDocs<'a> {
    client: &'a Client,
    index: Vec<u8>,
    /// The manifest (or index) the reference named: digest and bytes, already fetched.
    top: (String, Vec<u8>),
    /// Digests known to be manifests (fetched from `/manifests/`); anything else is a blob.
    manifests: Mutex<HashSet<String>>,
}

impl Documents for RegistryDocs<'_> {
    fn document(&self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, ImageError> {
        if name == "index.json" {
            return Ok(Some(self.index.clone()));
        }
        let Some(hex) = name.strip_prefix("blobs/sha256/") else {
            return Ok(None);
        };
        let digest = format!("sha256:{hex}");
        if digest == self.top.0 {
            return Ok(Some(self.top.1.clone()));
        }
        let is_manifest = self
            .manifests
            .lock()
            .map(|m| m.contains(&digest))
            .unwrap_or(false);
        let (kind, what) = if is_manifest {
            ("manifests", format!("manifest {digest}"))
        } else {
            ("blobs", format!("blob {digest}"))
        };
        let accept = is_manifest.then_some(ACCEPT);
        let response = self
            .client
            .get(&self.client.path(kind, &digest), accept, &what)?;
        let bytes = read_document(response, &what, limit)?;
        if is_manifest
            && let Ok(Probe {
                manifests: Some(children),
                ..
            }) = serde_json::from_slice::<Probe>(&bytes)
            && let Ok(mut known) = self.manifests.lock()
        {
            known.extend(children.into_iter().map(|c| c.digest));
        }
        Ok(Some(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(platform: &str, digest: char) -> Entry {
        let p = Platform::parse(platform).unwrap();
        Entry {
            media_type: Some("application/vnd.oci.image.manifest.v1+json".into()),
            digest: format!("sha256:{}", digest.to_string().repeat(64)),
            platform: Some(EntryPlatform {
                os: p.os,
                architecture: p.architecture,
                variant: p.variant,
            }),
            annotations: None,
        }
    }

    fn chosen(children: &[Entry], platform: Option<&str>) -> Result<String, String> {
        let options = ImageOptions {
            platform: platform.map(|p| Platform::parse(p).unwrap()),
            ..ImageOptions::default()
        };
        let reference = Reference::parse("r.io/app:1").unwrap();
        choose(children, &options, &reference)
            .map(|e| e.platform.unwrap().platform().to_string())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn platforms_are_chosen_never_guessed() {
        let multi = [
            entry("linux/amd64", 'a'),
            entry("linux/arm64/v8", 'b'),
            entry("unknown/unknown", 'c'),
        ];
        assert_eq!(
            chosen(&multi, Some("linux/arm64")).unwrap(),
            "linux/arm64/v8"
        );
        assert_eq!(chosen(&multi, Some("linux/amd64")).unwrap(), "linux/amd64");
        let err = chosen(&multi, None).unwrap_err();
        assert_eq!(
            err,
            "index 1: 2 platforms, pick one with --platform: linux/amd64, linux/arm64/v8"
        );
        let err = chosen(&multi, Some("linux/s390x")).unwrap_err();
        assert_eq!(
            err,
            "index 1: no manifest for platform linux/s390x (available: linux/amd64, \
             linux/arm64/v8)"
        );
        // One linux image beside a Windows one: that one, without --platform.
        let one_linux = [entry("windows/amd64", 'a'), entry("linux/amd64", 'b')];
        assert_eq!(chosen(&one_linux, None).unwrap(), "linux/amd64");
        // An attestation is not an image: one image left.
        assert_eq!(
            chosen(
                &[entry("linux/arm64", 'a'), entry("unknown/unknown", 'b')],
                None
            )
            .unwrap(),
            "linux/arm64"
        );
        assert!(chosen(&[entry("unknown/unknown", 'b')], None).is_err());
    }
}
