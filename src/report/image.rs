//! The image part of a report: one section per image read (`images[]` in JSON, a header block
//! in text), built from `image::Image`, with the image rules' findings and size story.

use serde::Serialize;

use crate::image::{Image, ImageConfig, ImageFormat, LayerInfo, Platform, SkippedFile};
use crate::rules::image::{SizePart, SizeStory};
use crate::rules::{Finding, human_bytes};

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
    /// How the image's paths are named in `files[]`: `SOURCE`, or `SOURCE[NAME]` when the
    /// source holds several images.
    #[serde(skip)]
    pub shown: String,
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
    /// `several`: the source holds more than one image, so paths carry the image's name.
    pub fn new(image: &Image, several: bool) -> Self {
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
            shown: if several {
                format!("{}[{}]", image.source, image.name)
            } else {
                image.source.clone()
            },
        }
    }

    /// Where an image finding is, named as `files[]` names paths: `SOURCE:/in/image/path`, or
    /// `SOURCE` for a finding about the image as a whole.
    pub fn finding_path(&self, finding: &Finding) -> String {
        match &finding.image_path {
            Some(image_path) => format!("{}:{image_path}", self.shown),
            None => self.shown.clone(),
        }
    }
}

/// The size story in one line: `846 MiB now; 12.4 MiB on scratch: server 11.1 MiB, CA bundle
/// 212 KiB, zoneinfo 1.1 MiB`.
pub fn size_line(size: &SizeStory) -> String {
    const PARTS: usize = 6;
    let mut line = format!(
        "{} now; {} on scratch",
        human_bytes(size.image_bytes),
        human_bytes(size.scratch_bytes)
    );
    let parts: Vec<String> = size
        .parts
        .iter()
        .take(PARTS)
        .map(|part| format!("{} {}", part_label(part), human_bytes(part.bytes)))
        .collect();
    if !parts.is_empty() {
        line.push_str(": ");
        line.push_str(&parts.join(", "));
        if size.parts.len() > PARTS {
            line.push_str(&format!(" and {} more", size.parts.len() - PARTS));
        }
    }
    line
}

/// How a part of the scratch image is called: programs and libraries by file name, data by
/// what it is.
fn part_label(part: &SizePart) -> String {
    match part.why.as_str() {
        "ca-certificates" => "CA bundle".to_string(),
        "zoneinfo" => "zoneinfo".to_string(),
        "passwd" => "passwd".to_string(),
        _ => part
            .path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .filter(|name| !name.is_empty())
            .unwrap_or(&part.path)
            .to_string(),
    }
}

/// The image a reported path (`SOURCE:/x` or `SOURCE[NAME]:/x`) lies in, and the path inside
/// it; `None` for a path outside image mode.
pub fn locate<'a>(
    sections: &'a [ImageSection],
    path: &'a str,
) -> Option<(&'a ImageSection, &'a str)> {
    sections
        .iter()
        .filter_map(|section| {
            let rest = path
                .strip_prefix(section.shown.as_str())?
                .strip_prefix(':')?;
            rest.starts_with('/').then_some((section, rest))
        })
        .max_by_key(|(section, _)| section.shown.len())
}
