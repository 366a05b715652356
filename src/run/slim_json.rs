//! `gostatic slim --json`: what slim did as one document (docs/slim.md, "JSON"): what the new
//! image holds and why, the sizes before and after, the written image's digests and its one
//! layer; on a refusal the findings that refused it, on an error its one line. Every key is
//! always present (null or empty when it does not apply), so a consumer reads one shape.

use std::path::Path;

use serde::Serialize;

use super::slim::{KeptPath, SlimError, Slimmed};
use super::slim_verify::Refusal;
use crate::image::write::OutputFormat;
use crate::report::{SCHEMA, Tool};

/// What became of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SlimStatus {
    /// The image was written to `written.out` (exit 0).
    Written,
    /// `--dry-run`: what would be written (exit 0).
    DryRun,
    /// The slim image would not work; nothing written (exit 1).
    Refused,
    /// A usage error, an unreadable source, an OUT that cannot be written (exit 2).
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlimDocument {
    pub schema: &'static str,
    pub tool: Tool,
    /// The source as given.
    pub source: String,
    pub status: SlimStatus,
    /// The source image's name (its first tag or reference name).
    pub image: Option<String>,
    /// The source image's layers, uncompressed.
    pub source_bytes: Option<u64>,
    /// The new image's files, uncompressed.
    pub slim_bytes: Option<u64>,
    /// Every path the new image holds, with its bytes and why.
    pub kept: Vec<KeptPath>,
    /// The equivalent final stage.
    pub dockerfile: Vec<String>,
    pub written: Option<WrittenDoc>,
    /// Why nothing was written (`status: refused`).
    pub refused: Vec<Refusal>,
    /// The error line (`status: error`).
    pub error: Option<String>,
}

/// The written image.
#[derive(Debug, Clone, Serialize)]
pub struct WrittenDoc {
    /// OUT, as given.
    pub out: String,
    pub format: OutputFormat,
    /// The image manifest's digest: the image's digest in a registry (`NAME@sha256:...`).
    pub manifest_digest: String,
    /// The config's digest: the image ID `docker load` and `docker images` show.
    pub config_digest: String,
    pub layer: LayerDoc,
}

/// The new image's one layer.
#[derive(Debug, Clone, Serialize)]
pub struct LayerDoc {
    /// Digest of the stored blob (gzip in OCI output, the tar itself in a docker archive).
    pub digest: String,
    /// Digest of the uncompressed tar.
    pub diff_id: String,
    pub media_type: &'static str,
    /// Bytes stored.
    pub size: u64,
    /// Bytes of the uncompressed tar.
    pub uncompressed_size: u64,
}

impl SlimDocument {
    /// The document of one run of `slim` on `source` writing to `out` (`None`: a dry run).
    pub fn of(source: &str, out: Option<&Path>, result: &Result<Slimmed, SlimError>) -> Self {
        let mut doc = SlimDocument {
            schema: SCHEMA,
            tool: Tool {
                name: env!("CARGO_PKG_NAME"),
                version: env!("CARGO_PKG_VERSION"),
            },
            source: source.to_string(),
            status: SlimStatus::Error,
            image: None,
            source_bytes: None,
            slim_bytes: None,
            kept: Vec::new(),
            dockerfile: Vec::new(),
            written: None,
            refused: Vec::new(),
            error: None,
        };
        match result {
            Ok(slimmed) => {
                doc.image = Some(slimmed.name.clone());
                doc.source_bytes = Some(slimmed.source_bytes);
                doc.slim_bytes = Some(slimmed.slim_bytes);
                doc.kept = slimmed.kept.clone();
                doc.dockerfile = slimmed.dockerfile.clone();
                doc.status = SlimStatus::DryRun;
                if let (Some(written), Some(out)) = (&slimmed.written, out) {
                    doc.status = SlimStatus::Written;
                    doc.written = Some(WrittenDoc {
                        out: out.display().to_string(),
                        format: written.format,
                        manifest_digest: written.manifest_digest.clone(),
                        config_digest: written.config_digest.clone(),
                        layer: LayerDoc {
                            digest: written.layer_digest.clone(),
                            diff_id: written.diff_id.clone(),
                            media_type: written.layer_media_type,
                            size: written.layer_size,
                            uncompressed_size: written.uncompressed_size,
                        },
                    });
                }
            }
            Err(SlimError::Refused { reasons, would_be }) => {
                if let Some(slimmed) = would_be {
                    doc.image = Some(slimmed.name.clone());
                    doc.source_bytes = Some(slimmed.source_bytes);
                    doc.slim_bytes = Some(slimmed.slim_bytes);
                    doc.kept = slimmed.kept.clone();
                    doc.dockerfile = slimmed.dockerfile.clone();
                }
                doc.status = SlimStatus::Refused;
                doc.refused = reasons.clone();
            }
            Err(SlimError::Input(line)) => doc.error = Some(line.clone()),
        }
        doc
    }
}
