//! The image part of a report: one section per image read (`images[]` in JSON, a header block
//! in text), built from `image::Image`, with the image rules' findings and size story.

use serde::Serialize;

use crate::image::{Image, ImageConfig, ImageFormat, LayerInfo, Platform, SkippedFile};
use crate::rules::Finding;
use crate::rules::image::SizeStory;

#[derive(Debug, Clone, Serialize)]
pub struct ImageSection {
    pub name: String,
    pub source: String,
    pub format: ImageFormat,
    pub platform: Platform,
    pub manifest_digest: Option<String>,
    pub config_digest: Option<String>,
    pub config: ConfigSection,
    pub layers: Vec<LayerInfo>,
    /// Paths in the final filesystem.
    pub entries: usize,
    /// Executables seen but not analysed (over the size limit).
    pub skipped: Vec<SkippedFile>,
    /// Oddities met while merging layers that did not stop the read.
    pub notes: Vec<String>,
    /// Image-level findings: the image as a whole, or one path in it.
    pub findings: Vec<Finding>,
    /// The size story and the suggested final stage.
    pub size: Option<SizeStory>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigSection {
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub user: String,
    pub workdir: String,
    pub env: Vec<String>,
    pub labels: std::collections::BTreeMap<String, String>,
}

impl From<&ImageConfig> for ConfigSection {
    fn from(config: &ImageConfig) -> Self {
        ConfigSection {
            entrypoint: config.entrypoint.clone(),
            cmd: config.cmd.clone(),
            user: config.user.clone(),
            workdir: config.working_dir.clone(),
            env: config.env.clone(),
            labels: config.labels.clone(),
        }
    }
}

impl ImageSection {
    pub fn new(image: &Image) -> Self {
        ImageSection {
            name: image.name.clone(),
            source: image.source.clone(),
            format: image.format,
            platform: image.platform.clone(),
            manifest_digest: image.manifest_digest.clone(),
            config_digest: image.config_digest.clone(),
            config: ConfigSection::from(&image.config),
            layers: image.layers.clone(),
            entries: image.tree.len(),
            skipped: image.skipped.clone(),
            notes: image.notes.clone(),
            findings: Vec::new(),
            size: None,
        }
    }
}
