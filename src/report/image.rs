//! The image part of a report: one section per image read (`images[]` in JSON, a header block
//! in text), built from `image::Image`, with the image rules' findings and size story.

use serde::Serialize;

use crate::image::{Image, ImageConfig, ImageFormat, LayerInfo, Platform, SkippedFile};
use crate::rules::image::{ImageVerdict, PartKind, SizePart, SizeStory};
use crate::rules::{Finding, human_bytes};

#[derive(Debug, Clone, Serialize)]
pub struct ImageSection {
    pub name: String,
    pub source: String,
    /// The file or directory the source reads (`source` without a transport prefix), where
    /// SARIF and GitHub locate the image's results; `-` for stdin.
    #[serde(skip)]
    pub file: String,
    pub format: ImageFormat,
    pub platform: Platform,
    /// Starts? Runs clean? Scratch? Absent only for an image the rules have not judged.
    pub verdict: Option<ImageVerdict>,
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
    /// The source holds more than one image, so display names carry the image's name.
    #[serde(skip)]
    pub several: bool,
}

/// How reports name a place in an image: `SOURCE:/in/image/path`, `SOURCE[NAME]:/in/image/path`
/// when the source holds several images, and `SOURCE` (or `SOURCE[NAME]`) for the image itself.
/// The one place this text is made; nothing parses it back.
pub fn display_name(source: &str, name: &str, several: bool, image_path: Option<&str>) -> String {
    let mut shown = source.to_string();
    if several {
        shown.push_str(&format!("[{name}]"));
    }
    if let Some(image_path) = image_path {
        shown.push(':');
        shown.push_str(image_path);
    }
    shown
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
    pub fn new<T>(image: &Image<T>, several: bool) -> Self {
        ImageSection {
            name: image.name.clone(),
            source: image.source.clone(),
            file: image.source.clone(),
            format: image.format,
            platform: image.platform.clone(),
            verdict: None,
            manifest_digest: image.manifest_digest.clone(),
            config_digest: image.config_digest.clone(),
            config: ConfigSection::from(&image.config),
            layers: image.layers.clone(),
            entries: image.tree.len(),
            skipped: image.skipped.clone(),
            notes: image.notes.clone(),
            findings: Vec::new(),
            size: None,
            several,
        }
    }

    /// A path of this image as reports name it, or the image itself for `None`.
    pub fn display_name(&self, image_path: Option<&str>) -> String {
        display_name(&self.source, &self.name, self.several, image_path)
    }

    /// How the image itself is named: `SOURCE`, or `SOURCE[NAME]`.
    pub fn label(&self) -> String {
        self.display_name(None)
    }

    /// Where an image finding is, named as `files[]` names paths: `SOURCE:/in/image/path`, or
    /// `SOURCE` for a finding about the image as a whole.
    pub fn finding_path(&self, finding: &Finding) -> String {
        self.display_name(finding.image_path.as_deref())
    }
}

/// The size story in one line: `846 MiB now; 12.4 MiB on scratch: server 11.1 MiB, CA bundle
/// 212 KiB, zoneinfo 1.1 MiB`.
pub fn size_line(size: &SizeStory) -> String {
    const PARTS: usize = 6;
    if size.parts.is_empty() {
        // Nothing to keep is no "0 B on scratch": the reason says why there is no stage.
        return format!("{} now", human_bytes(size.image_bytes));
    }
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
    match part.why {
        PartKind::CaCertificates => "CA bundle".to_string(),
        PartKind::Zoneinfo => "zoneinfo".to_string(),
        // /etc/passwd and /etc/group: their file names say which.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Report;
    use crate::report::text::{TextOptions, render};
    use crate::rules::Rule;
    use crate::testkit::image::{Config, Layer, build};

    fn story() -> SizeStory {
        let part = |path: &str, bytes: u64, why: PartKind| SizePart {
            path: path.to_string(),
            bytes,
            why,
        };
        SizeStory {
            image_bytes: 846 << 20,
            scratch_bytes: 13_002_342,
            parts: vec![
                part("/usr/local/bin/server", 11_639_193, PartKind::Entrypoint),
                part(
                    "/etc/ssl/certs/ca-certificates.crt",
                    213_000,
                    PartKind::CaCertificates,
                ),
                part("/usr/share/zoneinfo/", 1_150_000, PartKind::Zoneinfo),
            ],
            dockerfile: vec![
                "FROM scratch".to_string(),
                "COPY --from=app /usr/local/bin/server /usr/local/bin/server".to_string(),
                "ENTRYPOINT [\"/usr/local/bin/server\"]".to_string(),
            ],
            no_stage_reason: None,
            plan: None,
        }
    }

    #[test]
    fn the_size_story_reads_as_one_line() {
        assert_eq!(
            size_line(&story()),
            "846 MiB now; 12.4 MiB on scratch: server 11.1 MiB, CA bundle 208 KiB, zoneinfo 1.1 MiB"
        );
        let mut many = story();
        many.parts = (0..8)
            .map(|i| SizePart {
                path: format!("/lib/lib{i}.so"),
                bytes: 1024,
                why: PartKind::Library,
            })
            .collect();
        assert!(size_line(&many).ends_with("lib5.so 1.0 KiB and 2 more"));
    }

    #[test]
    fn text_shows_image_findings_then_the_size_story_and_the_final_stage() {
        let sizes = |_: &str, bytes: &[u8]| Some(bytes.len());
        let config = Config {
            name: "app:1".into(),
            ..Config::default()
        };
        let image = build(&[Layer::new().file("app", b"x").clone()], &config, &sizes);
        let mut section = ImageSection::new(&image, false);
        section.findings = vec![Finding::new(Rule::RootUser, "runs as root", "USER 65532")];
        section.size = Some(story());
        let report = Report::with_images(Vec::new(), Vec::new(), vec![section]);
        let mut out = Vec::new();
        render(&report, &mut out, TextOptions::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let expected = "  warning[GS601 root-user] runs as root\n      fix: USER 65532\n  \
            size: 846 MiB now; 12.4 MiB on scratch: server 11.1 MiB, CA bundle 208 KiB, \
            zoneinfo 1.1 MiB\n  final stage:\n      FROM scratch\n      COPY --from=app \
            /usr/local/bin/server /usr/local/bin/server\n      ENTRYPOINT \
            [\"/usr/local/bin/server\"]\n\n";
        assert!(text.contains(expected), "{text}");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["images"][0]["size"]["scratch_bytes"], 13_002_342);
        assert_eq!(
            json["images"][0]["size"]["parts"][1]["why"],
            "ca-certificates"
        );
        assert!(json["images"][0].get("several").is_none());
    }
}
