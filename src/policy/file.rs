//! `gostatic.toml` as written: serde structs with `deny_unknown_fields`, and value types that
//! validate themselves while they are deserialised (rule names, levels, globs, hashes, dates),
//! so every mistake comes back from `toml` with the span of the offending key or value.
//! `docs/config.md` is the reference for the format.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::{self, Deserializer};
use toml::Spanned;

use super::{Date, FailOn, Level};
use crate::rules::Rule;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawPolicy {
    pub fail_on: Option<FailOn>,
    /// Rule names, checked after parsing: `GS203` and `no-pie` are one rule, said twice.
    #[serde(default)]
    pub rules: BTreeMap<Spanned<String>, Level>,
    /// Globs, checked after parsing: an error inside an array should point at its element.
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
    #[serde(default)]
    pub allow: Vec<Spanned<RawAllow>>,
    #[serde(default)]
    pub suppress: Vec<Spanned<RawSuppress>>,
    /// `[cpu-level]`: the fleet's minimum per architecture (`amd64 = "v3"`), checked after
    /// parsing so an error points at the key or the value.
    #[serde(default)]
    pub cpu_level: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// An `[[allow]]` entry: one binary (by hash, Go main module or image path), some or all rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawAllow {
    pub sha256: Option<Sha256>,
    pub module: Option<NonEmpty>,
    pub image_path: Option<Glob>,
    /// Rule names, checked after parsing so an error points at the element.
    pub rules: Option<Vec<Spanned<String>>>,
    pub reason: Reason,
    pub expires: Option<ExpiryDate>,
}

/// A `[[suppress]]` entry: one rule, narrowed by path, hash or Go main module.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawSuppress {
    pub rule: RuleName,
    pub path: Option<Glob>,
    pub sha256: Option<Sha256>,
    pub module: Option<NonEmpty>,
    pub reason: Reason,
    pub expires: Option<ExpiryDate>,
}

/// A rule by ID (`GS203`) or slug (`no-pie`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct RuleName(pub Rule);

impl<'de> Deserialize<'de> for RuleName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Rule::find(&name)
            .map(RuleName)
            .ok_or_else(|| de::Error::custom(unknown_rule(&name)))
    }
}

pub(super) fn unknown_rule(name: &str) -> String {
    format!("unknown rule `{name}`, expected a rule ID or slug (see `gostatic rules`)")
}

/// A path glob, compiled once: `*` stays within one directory, `**` crosses them.
#[derive(Debug, Clone)]
pub struct Glob {
    pub text: String,
    matcher: globset::GlobMatcher,
    /// A glob without `/` also matches the file name alone, as in `.gitignore`.
    basename: bool,
}

impl Glob {
    pub fn new(text: &str) -> Result<Glob, String> {
        if text.is_empty() {
            return Err("empty glob".to_string());
        }
        let glob = globset::GlobBuilder::new(text)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob `{text}`: {}", e.kind()))?;
        Ok(Glob {
            text: text.to_string(),
            matcher: glob.compile_matcher(),
            basename: !text.contains('/'),
        })
    }

    pub fn is_match(&self, path: &str) -> bool {
        let path = normalise(path);
        self.matcher.is_match(path)
            || (self.basename
                && path
                    .rsplit_once('/')
                    .is_some_and(|(_, name)| self.matcher.is_match(name)))
    }
}

/// Paths compare without a leading `./`, so `./dist/server` and `dist/server` are one path.
pub fn normalise(path: &str) -> &str {
    let mut path = path;
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.trim_start_matches('/');
    }
    path
}

impl<'de> Deserialize<'de> for Glob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Glob::new(&text).map_err(de::Error::custom)
    }
}

/// A SHA-256 as 64 hex digits, kept lowercase (the JSON report prints it so).
#[derive(Debug, Clone)]
pub(super) struct Sha256(pub String);

impl<'de> Deserialize<'de> for Sha256 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Sha256(text.to_ascii_lowercase()))
        } else {
            Err(de::Error::custom(format!(
                "invalid sha256 `{text}`: expected 64 hex digits"
            )))
        }
    }
}

/// A string that must say something.
#[derive(Debug, Clone)]
pub(super) struct NonEmpty(pub String);

impl<'de> Deserialize<'de> for NonEmpty {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.trim().is_empty() {
            return Err(de::Error::custom("empty value"));
        }
        Ok(NonEmpty(text))
    }
}

/// Why a finding may be ignored: required, so every exception is accountable.
#[derive(Debug, Clone)]
pub(super) struct Reason(pub String);

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.trim().is_empty() {
            return Err(de::Error::custom(
                "empty reason: say why this finding is accepted",
            ));
        }
        Ok(Reason(text.trim().to_string()))
    }
}

/// `expires = 2027-01-31` (a TOML local date) or `expires = "2027-01-31"`.
#[derive(Debug, Clone, Copy)]
pub(super) struct ExpiryDate(pub Date);

impl<'de> Deserialize<'de> for ExpiryDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = toml::Value::deserialize(deserializer)?;
        let date = match &value {
            toml::Value::String(text) => text.parse::<Date>().map_err(de::Error::custom)?,
            toml::Value::Datetime(datetime) => match (datetime.date, datetime.time) {
                (Some(date), None) => Date::new(date.year, date.month, date.day)
                    .ok_or_else(|| de::Error::custom(format!("invalid date `{datetime}`")))?,
                _ => {
                    return Err(de::Error::custom(format!(
                        "invalid date `{datetime}`: expected a day without a time, as YYYY-MM-DD"
                    )));
                }
            },
            other => {
                return Err(de::Error::custom(format!(
                    "invalid date: expected YYYY-MM-DD, found a {}",
                    other.type_str()
                )));
            }
        };
        Ok(ExpiryDate(date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_keep_within_directories_unless_doubled() {
        let glob = |t: &str| Glob::new(t).unwrap();
        assert!(glob("bin/*").is_match("bin/server"));
        assert!(glob("bin/*").is_match("./bin/server"));
        assert!(!glob("bin/*").is_match("bin/tools/x"));
        assert!(glob("bin/**").is_match("bin/tools/x"));
        assert!(glob("**/testdata/**").is_match("a/b/testdata/c/d"));
        assert!(glob("*.debug").is_match("dist/server.debug"));
        assert!(glob("*.debug").is_match("server.debug"));
        assert!(!glob("dist/*.debug").is_match("other/dist/x.debug"));
        assert!(glob("/usr/bin/*").is_match("/usr/bin/env"));
        assert!(Glob::new("bin/[").is_err());
        assert!(Glob::new("").is_err());
    }

    #[test]
    fn leading_dot_slashes_are_ignored() {
        assert_eq!(normalise("./a/b"), "a/b");
        assert_eq!(normalise("././a"), "a");
        assert_eq!(normalise(".//a"), "a");
        assert_eq!(normalise("/abs"), "/abs");
        assert_eq!(normalise("../up"), "../up");
    }
}
