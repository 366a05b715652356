//! `--baseline FILE`: an earlier `gostatic check --format json` report. A finding of this run
//! that the baseline already has (same rule, same path, same file SHA-256) is accepted debt:
//! reported, marked `suppressed {kind: baseline}`, not counted. A rebuilt binary has a new hash,
//! so its findings are new until a fresh baseline is written (docs/config.md says why).
//! An earlier `gostatic image --format json` report works the same way; its image-level
//! findings are keyed by rule, `SOURCE[:/image/path]` and the image's config digest, which
//! changes with every rebuilt image as a file's hash does.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use super::file::normalise;
use crate::report::SCHEMA;
use crate::report::image::display_name;

/// The findings of an earlier report, as (rule ID, path, sha256) keys.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The file name, as said in each suppression's reason.
    pub source: String,
    known: HashSet<(String, String, String)>,
}

/// A baseline that cannot be used; the message is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct BaselineError {
    pub file: String,
    pub message: String,
}

/// Only the fields the baseline needs; everything else in the report is ignored.
#[derive(Deserialize)]
struct RawReport {
    #[serde(default)]
    files: Vec<RawFile>,
    #[serde(default)]
    images: Vec<RawImage>,
}

#[derive(Deserialize)]
struct RawImage {
    source: String,
    name: String,
    config_digest: Option<String>,
    #[serde(default)]
    findings: Vec<RawImageFinding>,
}

#[derive(Deserialize)]
struct RawImageFinding {
    rule: String,
    image_path: Option<String>,
}

#[derive(Deserialize)]
struct RawFile {
    path: String,
    sha256: Option<String>,
    #[serde(default)]
    findings: Vec<RawFinding>,
}

#[derive(Deserialize)]
struct RawFinding {
    rule: String,
}

/// JSON reports of whole file systems are large, but not this large.
const MAX_BASELINE_BYTES: u64 = 512 << 20;

impl Baseline {
    pub fn load(path: &Path, name: &str) -> Result<Baseline, BaselineError> {
        let bytes =
            super::read_limited(path, MAX_BASELINE_BYTES).map_err(|message| BaselineError {
                file: name.to_string(),
                message,
            })?;
        Baseline::parse(&bytes, name)
    }

    pub fn parse(bytes: &[u8], name: &str) -> Result<Baseline, BaselineError> {
        let error = |message: String| BaselineError {
            file: name.to_string(),
            message,
        };
        let not_ours = || {
            error(format!(
                "not a {SCHEMA} JSON report from `gostatic check --format json`"
            ))
        };
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|_| not_ours())?;
        if value.get("schema").and_then(|s| s.as_str()) != Some(SCHEMA) {
            return Err(not_ours());
        }
        let raw: RawReport = serde_json::from_value(value)
            .map_err(|e| error(format!("not a {SCHEMA} check report: {e}")))?;
        let mut known = HashSet::new();
        for file in &raw.files {
            // Without the binary's hash an entry could match a different build: it never matches.
            let Some(sha256) = &file.sha256 else { continue };
            let path = normalise(&file.path).to_string();
            for finding in &file.findings {
                known.insert((
                    finding.rule.to_ascii_uppercase(),
                    path.clone(),
                    sha256.to_ascii_lowercase(),
                ));
            }
        }
        for image in &raw.images {
            let Some(digest) = &image.config_digest else {
                continue;
            };
            // Named as the report names the image's paths (`SOURCE[NAME]` when it has several).
            let several = raw
                .images
                .iter()
                .filter(|i| i.source == image.source)
                .count()
                > 1;
            for finding in &image.findings {
                let path = display_name(
                    &image.source,
                    &image.name,
                    several,
                    finding.image_path.as_deref(),
                );
                known.insert((
                    finding.rule.to_ascii_uppercase(),
                    normalise(&path).to_string(),
                    digest.to_ascii_lowercase(),
                ));
            }
        }
        Ok(Baseline {
            source: name.to_string(),
            known,
        })
    }

    /// Whether the baseline has this rule's finding for this exact file.
    pub fn contains(&self, rule_id: &str, path: &str, sha256: Option<&str>) -> bool {
        let Some(sha256) = sha256 else { return false };
        self.known.contains(&(
            rule_id.to_string(),
            normalise(path).to_string(),
            sha256.to_ascii_lowercase(),
        ))
    }

    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "ab12000000000000000000000000000000000000000000000000000000000000";

    fn report(schema: &str) -> String {
        format!(
            r#"{{"schema":"{schema}","tool":{{"name":"gostatic"}},"files":[
                {{"path":"./bin/x","sha256":"{HASH}","findings":[{{"rule":"GS401","slug":"build-paths"}}]}},
                {{"path":"bin/nohash","sha256":null,"findings":[{{"rule":"GS401"}}]}}
            ],"errors":[],"summary":{{}}}}"#
        )
    }

    #[test]
    fn matches_rule_path_and_hash() {
        let baseline = Baseline::parse(report(SCHEMA).as_bytes(), "prev.json").unwrap();
        assert_eq!(baseline.len(), 1);
        assert!(baseline.contains("GS401", "bin/x", Some(HASH)));
        assert!(baseline.contains("GS401", "./bin/x", Some(&HASH.to_uppercase())));
        assert!(!baseline.contains("GS301", "bin/x", Some(HASH)));
        assert!(!baseline.contains("GS401", "bin/y", Some(HASH)));
        assert!(!baseline.contains("GS401", "bin/x", Some(&"0".repeat(64))));
        assert!(!baseline.contains("GS401", "bin/x", None));
        assert!(!baseline.contains("GS401", "bin/nohash", None));
    }

    #[test]
    fn image_findings_match_by_path_in_the_image_and_config_digest() {
        let report = format!(
            r#"{{"schema":"{SCHEMA}","files":[],"images":[
                {{"source":"app.tar","name":"a:1","config_digest":"sha256:AA","findings":[
                    {{"rule":"GS601"}},{{"rule":"GS607","image_path":"/usr/bin/su"}}]}},
                {{"source":"two.tar","name":"b:1","config_digest":"sha256:bb","findings":[{{"rule":"GS601"}}]}},
                {{"source":"two.tar","name":"c:1","config_digest":null,"findings":[{{"rule":"GS601"}}]}}
            ]}}"#
        );
        let baseline = Baseline::parse(report.as_bytes(), "prev.json").unwrap();
        assert_eq!(baseline.len(), 3);
        assert!(baseline.contains("GS601", "app.tar", Some("sha256:aa")));
        assert!(baseline.contains("GS607", "app.tar:/usr/bin/su", Some("sha256:aa")));
        assert!(!baseline.contains("GS607", "app.tar:/usr/bin/sudo", Some("sha256:aa")));
        assert!(!baseline.contains("GS601", "app.tar", Some("sha256:ab")));
        assert!(baseline.contains("GS601", "two.tar[b:1]", Some("sha256:bb")));
        assert!(!baseline.contains("GS601", "two.tar", Some("sha256:bb")));
    }

    #[test]
    fn anything_but_a_report_is_refused_in_one_line() {
        for bad in [
            report("gostatic/v2"),
            "[]".to_string(),
            "{}".to_string(),
            "not json".to_string(),
            r#"{"schema":"gostatic/v1","files":"x"}"#.to_string(),
        ] {
            let err = Baseline::parse(bad.as_bytes(), "prev.json").unwrap_err();
            let line = err.to_string();
            assert!(line.starts_with("prev.json: not a gostatic/v1"), "{line}");
            assert!(!line.contains('\n'), "{line}");
        }
    }
}
