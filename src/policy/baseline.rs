//! `--baseline FILE`: an earlier `gostatic check --format json` (or `gostatic image --format
//! json`) report. A finding of this run that the baseline already has is accepted debt:
//! reported, marked `suppressed {kind: baseline}`, not counted.
//!
//! "Already has" means the same fingerprint, one that survives a rebuild (PRODUCT.md,
//! "Identity, hashes and baselines"; cargo-deny, detekt and CodeQL baselines work the same
//! way): the rule, where the finding is, and the finding's evidence key (`Finding::key`, set by
//! the rule; docs/rules.md gives each rule's). Where, for a file of `check`, is its path
//! relative to the working directory, so `bin/x`, `./bin/x` and `$PWD/bin/x` are one file; for
//! an image's file or finding it is the path in the image, with the image's name when the
//! source holds several (a single image's name may be a digest, new with every build), never
//! the archive's path or the config digest. A baseline entry without a key (a report from
//! before keys, or a rule that has none) matches on the rule and the place alone.
//!
//! `--baseline-exact` keeps the older, per-build match: rule, path and the file's SHA-256 (an
//! image finding: its config digest), so a rebuilt binary's findings are new again. It needs a
//! baseline written with the digests (`--digests`, or itself a `--baseline-exact` run).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::report::SCHEMA;
use crate::report::image::display_name;
use crate::report::location::Artifact;

/// Where a finding is, as the baseline compares places.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Place {
    /// A file of `check`, by its path as reported (made relative to the working directory
    /// when compared).
    File(String),
    /// A place in an image: the image's name when its source holds several, and the path in
    /// the image (`None`: the image as a whole).
    Image {
        name: Option<String>,
        image_path: Option<String>,
    },
}

/// One finding of this run, as the baseline looks it up.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The rule's ID (`GS101`).
    pub rule: &'a str,
    pub place: &'a Place,
    /// The finding's evidence key.
    pub key: Option<&'a str>,
    /// For `--baseline-exact`: the path as reported and the file's SHA-256 (or the image's
    /// config digest).
    pub path: &'a str,
    pub hash: Option<&'a str>,
}

/// The findings of an earlier report, by fingerprint, and by hash for `--baseline-exact`.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The file name, as said in each suppression's reason.
    pub source: String,
    /// Match per build (rule, path, hash) instead of by fingerprint.
    exact: bool,
    /// The directory relative paths are taken from, when known.
    cwd: Option<PathBuf>,
    /// (rule, place, key) of the entries with a key.
    keyed: HashSet<(String, Place, String)>,
    /// (rule, place) of the entries without one.
    unkeyed: HashSet<(String, Place)>,
    /// (rule, path, hash) of the entries with a hash.
    hashed: HashSet<(String, String, String)>,
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
    findings: Vec<RawFinding>,
}

#[derive(Deserialize)]
struct RawFile {
    path: String,
    sha256: Option<String>,
    /// Image mode: the image's name and the path in it.
    image: Option<String>,
    image_path: Option<String>,
    #[serde(default)]
    findings: Vec<RawFinding>,
}

#[derive(Deserialize)]
struct RawFinding {
    rule: String,
    image_path: Option<String>,
    key: Option<String>,
}

/// JSON reports of whole file systems are large, but not this large.
const MAX_BASELINE_BYTES: u64 = 512 << 20;

impl Baseline {
    /// Read a baseline; `cwd` is the directory relative paths are taken from (both the
    /// baseline's and this run's), so absolute and relative names of one file match.
    pub fn load(path: &Path, name: &str, cwd: Option<&Path>) -> Result<Baseline, BaselineError> {
        let bytes =
            super::read_limited(path, MAX_BASELINE_BYTES).map_err(|message| BaselineError {
                file: name.to_string(),
                message,
            })?;
        Baseline::parse(&bytes, name, cwd)
    }

    pub fn parse(bytes: &[u8], name: &str, cwd: Option<&Path>) -> Result<Baseline, BaselineError> {
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
        let mut baseline = Baseline {
            source: name.to_string(),
            exact: false,
            cwd: cwd.map(Path::to_path_buf),
            ..Baseline::default()
        };
        // A file carries its image's name in its place when its source holds several images,
        // as its path says (`SOURCE[NAME]:/path`, made by `display_name` alone): a report of
        // several sources mixes sources of one image and of many (issue 12).
        let in_several = |path: &str, image: &str| {
            raw.images.iter().any(|i| {
                i.name == image && path.starts_with(&display_name(&i.source, image, true, Some("")))
            })
        };
        for file in &raw.files {
            let place = match (&file.image, &file.image_path) {
                (Some(image), Some(image_path)) => Place::Image {
                    name: in_several(&file.path, image).then(|| image.clone()),
                    image_path: Some(image_path.clone()),
                },
                _ => Place::File(file.path.clone()),
            };
            for finding in &file.findings {
                baseline.insert(&finding.rule, &place, finding.key.as_deref());
                if let Some(sha256) = &file.sha256 {
                    baseline.insert_hashed(&finding.rule, &file.path, sha256);
                }
            }
        }
        for image in &raw.images {
            let several = raw
                .images
                .iter()
                .filter(|i| i.source == image.source)
                .count()
                > 1;
            for finding in &image.findings {
                let place = Place::Image {
                    name: several.then(|| image.name.clone()),
                    image_path: finding.image_path.clone(),
                };
                baseline.insert(&finding.rule, &place, finding.key.as_deref());
                if let Some(digest) = &image.config_digest {
                    let path = display_name(
                        &image.source,
                        &image.name,
                        several,
                        finding.image_path.as_deref(),
                    );
                    baseline.insert_hashed(&finding.rule, &path, digest);
                }
            }
        }
        Ok(baseline)
    }

    /// The same baseline, matching per build (`--baseline-exact`).
    pub fn exact(mut self) -> Baseline {
        self.exact = true;
        self
    }

    /// Whether it matches per build.
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// Whether any entry carries a file hash or config digest (`--baseline-exact` needs them).
    pub fn has_digests(&self) -> bool {
        !self.hashed.is_empty()
    }

    fn insert(&mut self, rule: &str, place: &Place, key: Option<&str>) {
        let rule = rule.to_ascii_uppercase();
        let place = self.compared(place);
        match key {
            Some(key) => self.keyed.insert((rule, place, key.to_string())),
            None => self.unkeyed.insert((rule, place)),
        };
    }

    fn insert_hashed(&mut self, rule: &str, path: &str, hash: &str) {
        let path = self.relative(path);
        self.hashed
            .insert((rule.to_ascii_uppercase(), path, hash.to_ascii_lowercase()));
    }

    /// A file's path relative to the working directory when it lies inside it: `bin/x` for
    /// `./bin/x` and `$PWD/bin/x` alike.
    fn relative(&self, path: &str) -> String {
        Artifact::locate(path, self.cwd.as_deref())
            .path()
            .to_string()
    }

    fn compared(&self, place: &Place) -> Place {
        match place {
            Place::File(path) => Place::File(self.relative(path)),
            image => image.clone(),
        }
    }

    /// Whether the baseline has this finding: by fingerprint, or per build when exact.
    pub fn contains(&self, subject: &Subject<'_>) -> bool {
        let rule = subject.rule.to_ascii_uppercase();
        if self.exact {
            let Some(hash) = subject.hash else {
                return false;
            };
            return self.hashed.contains(&(
                rule,
                self.relative(subject.path),
                hash.to_ascii_lowercase(),
            ));
        }
        let place = self.compared(subject.place);
        if let Some(key) = subject.key
            && self
                .keyed
                .contains(&(rule.clone(), place.clone(), key.to_string()))
        {
            return true;
        }
        self.unkeyed.contains(&(rule, place))
    }

    pub fn len(&self) -> usize {
        self.keyed.len() + self.unkeyed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "ab12000000000000000000000000000000000000000000000000000000000000";

    fn report(schema: &str) -> String {
        format!(
            r#"{{"schema":"{schema}","tool":{{"name":"gostatic"}},"files":[
                {{"path":"./bin/x","sha256":"{HASH}","findings":[{{"rule":"GS401","slug":"build-paths"}},
                    {{"rule":"GS101","key":"/lib64/ld-linux-x86-64.so.2"}}]}},
                {{"path":"bin/nohash","findings":[{{"rule":"GS401"}}]}}
            ],"errors":[],"summary":{{}}}}"#
        )
    }

    fn file<'a>(rule: &'a str, place: &'a Place, key: Option<&'a str>) -> Subject<'a> {
        let Place::File(path) = place else {
            panic!("a file")
        };
        Subject {
            rule,
            place,
            key,
            path,
            hash: None,
        }
    }

    #[test]
    fn matches_rule_path_and_key_whatever_the_hash() {
        let cwd = Path::new("/work/repo");
        let baseline = Baseline::parse(report(SCHEMA).as_bytes(), "prev.json", Some(cwd)).unwrap();
        assert_eq!(baseline.len(), 3);
        let x = Place::File("bin/x".into());
        let ld = Some("/lib64/ld-linux-x86-64.so.2");
        // No hash needed: a rebuilt binary is the same file.
        assert!(baseline.contains(&file("GS401", &x, None)));
        assert!(baseline.contains(&file("GS101", &x, ld)));
        assert!(!baseline.contains(&file("GS101", &x, Some("/lib/ld-musl-x86_64.so.1"))));
        assert!(!baseline.contains(&file("GS101", &x, None)));
        assert!(!baseline.contains(&file("GS301", &x, None)));
        assert!(!baseline.contains(&file("GS401", &Place::File("bin/y".into()), None)));
        assert!(baseline.contains(&file("GS401", &Place::File("bin/nohash".into()), None)));
        // `bin/x`, `./bin/x` and `$PWD/bin/x` are one file.
        for same in ["./bin/x", "/work/repo/bin/x", "/work/repo/./bin/../bin/x"] {
            assert!(
                baseline.contains(&file("GS101", &Place::File(same.into()), ld)),
                "{same}"
            );
        }
        assert!(!baseline.contains(&file("GS401", &Place::File("/other/bin/x".into()), None)));
        // An entry without a key (an older report) matches whatever key the finding has now.
        assert!(baseline.contains(&file("GS401", &x, Some("anything"))));
    }

    fn subject<'a>(
        rule: &'a str,
        place: &'a Place,
        path: &'a str,
        hash: Option<&'a str>,
    ) -> Subject<'a> {
        Subject {
            rule,
            place,
            key: None,
            path,
            hash,
        }
    }

    #[test]
    fn exact_matches_rule_path_and_hash() {
        let baseline = Baseline::parse(report(SCHEMA).as_bytes(), "prev.json", None)
            .unwrap()
            .exact();
        assert!(baseline.has_digests());
        let x = Place::File("bin/x".into());
        let upper = HASH.to_uppercase();
        let other = "0".repeat(64);
        assert!(baseline.contains(&subject("GS401", &x, "bin/x", Some(HASH))));
        assert!(baseline.contains(&subject("GS401", &x, "./bin/x", Some(&upper))));
        assert!(!baseline.contains(&subject("GS401", &x, "bin/x", Some(&other))));
        assert!(!baseline.contains(&subject("GS401", &x, "bin/x", None)));
        assert!(!baseline.contains(&subject("GS401", &x, "bin/nohash", None)));
    }

    #[test]
    fn image_findings_match_by_place_in_the_image_not_the_digest() {
        let report = format!(
            r#"{{"schema":"{SCHEMA}","files":[],"images":[
                {{"source":"app.tar","name":"a:1","config_digest":"sha256:AA","findings":[
                    {{"rule":"GS601"}},{{"rule":"GS607","image_path":"/usr/bin/su"}}]}}
            ]}}"#
        );
        let baseline = Baseline::parse(report.as_bytes(), "prev.json", None).unwrap();
        assert_eq!(baseline.len(), 2);
        let at = |image_path: Option<&str>| Place::Image {
            name: None,
            image_path: image_path.map(str::to_string),
        };
        let (whole, su, sudo) = (at(None), at(Some("/usr/bin/su")), at(Some("/usr/bin/sudo")));
        // A rebuilt image (another archive, another config digest) still has them.
        let ff = Some("sha256:ff");
        assert!(baseline.contains(&subject("GS601", &whole, "new.tar", ff)));
        assert!(baseline.contains(&subject("GS607", &su, "new.tar:/usr/bin/su", ff)));
        assert!(!baseline.contains(&subject("GS607", &sudo, "new.tar:/usr/bin/sudo", ff)));
        // Per build, the digest decides.
        let exact = baseline.exact();
        let path = "app.tar:/usr/bin/su";
        assert!(exact.contains(&subject("GS607", &su, path, Some("sha256:aa"))));
        assert!(!exact.contains(&subject("GS607", &su, path, Some("sha256:ab"))));
    }

    #[test]
    fn several_images_are_told_apart_by_name() {
        let report = format!(
            r#"{{"schema":"{SCHEMA}","files":[
                {{"path":"two.tar[b:1]:/app","image":"b:1","image_path":"/app","findings":[{{"rule":"GS302"}}]}}
            ],"images":[
                {{"source":"two.tar","name":"b:1","config_digest":"sha256:bb","findings":[{{"rule":"GS601"}}]}},
                {{"source":"two.tar","name":"c:1","config_digest":null,"findings":[]}}
            ]}}"#
        );
        let baseline = Baseline::parse(report.as_bytes(), "prev.json", None).unwrap();
        let place = |name: &str, image_path: Option<&str>| Place::Image {
            name: Some(name.to_string()),
            image_path: image_path.map(str::to_string),
        };
        let has = |rule: &str, place: &Place| {
            baseline.contains(&Subject {
                rule,
                place,
                key: None,
                path: "",
                hash: None,
            })
        };
        assert!(has("GS601", &place("b:1", None)));
        assert!(!has("GS601", &place("c:1", None)));
        assert!(has("GS302", &place("b:1", Some("/app"))));
        assert!(!has("GS302", &place("c:1", Some("/app"))));
    }

    #[test]
    fn a_report_of_several_sources_names_images_only_where_a_source_has_several() {
        let report = format!(
            r#"{{"schema":"{SCHEMA}","files":[
                {{"path":"one.tar:/app","image":"a:1","image_path":"/app","findings":[{{"rule":"GS302"}}]}},
                {{"path":"two.tar[b:1]:/srv","image":"b:1","image_path":"/srv","findings":[{{"rule":"GS301"}}]}}
            ],"images":[
                {{"source":"one.tar","name":"a:1","config_digest":null,"findings":[]}},
                {{"source":"two.tar","name":"b:1","config_digest":null,"findings":[]}},
                {{"source":"two.tar","name":"c:1","config_digest":null,"findings":[]}}
            ]}}"#
        );
        let baseline = Baseline::parse(report.as_bytes(), "prev.json", None).unwrap();
        let has = |rule: &str, name: Option<&str>, image_path: &str| {
            baseline.contains(&Subject {
                rule,
                place: &Place::Image {
                    name: name.map(str::to_string),
                    image_path: Some(image_path.to_string()),
                },
                key: None,
                path: "",
                hash: None,
            })
        };
        // one.tar holds one image: its file is known by the path in it, as a live run of
        // one.tar places it; two.tar's by image name and path.
        assert!(has("GS302", None, "/app"));
        assert!(!has("GS302", Some("a:1"), "/app"));
        assert!(has("GS301", Some("b:1"), "/srv"));
        assert!(!has("GS301", None, "/srv"));
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
            let err = Baseline::parse(bad.as_bytes(), "prev.json", None).unwrap_err();
            let line = err.to_string();
            assert!(line.starts_with("prev.json: not a gostatic/v1"), "{line}");
            assert!(!line.contains('\n'), "{line}");
        }
    }
}
