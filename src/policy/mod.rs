//! The CI gate's policy: `gostatic.toml` (per-rule levels, ignored paths, allow-lists,
//! suppressions with a reason and an expiry date), the command line's overrides on top, and a
//! `--baseline` report. `apply` is the one place where any of it touches a report: after the
//! scan, before rendering. Reference: `docs/config.md`.
//!
//! Precedence: command-line flags, then the file, then the registry's defaults. The library
//! reads no clock and no environment: the CLI finds the file and passes today's date in.

mod apply;
mod baseline;
mod date;
mod file;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::gobin::analysis::cpu_level::{self, CpuArch, CpuLevel};
use crate::rules::{Rule, Severity};

pub use apply::apply;
pub use baseline::{Baseline, BaselineError, Place, Subject};
pub use date::{Date, DateError};
pub use file::{Glob, normalise};

/// The level a rule is reported at, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Note,
    Off,
}

impl Level {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Error => Some(Severity::Error),
            Level::Warning => Some(Severity::Warning),
            Level::Note => Some(Severity::Note),
            Level::Off => None,
        }
    }
}

/// The lowest severity that fails the run (exit 1), or `never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

/// Which kind of table an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// `[[suppress]]`: one rule, narrowed by path, hash or module.
    Suppress,
    /// `[[allow]]`: one binary, by hash, module or image path; all rules unless listed.
    Allow,
}

/// One `[[suppress]]` or `[[allow]]` entry. Every selector given must match (an entry with
/// none matches every file).
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: EntryKind,
    /// Line of the entry in the policy file, for notices.
    pub line: usize,
    /// `None`: every rule.
    pub rules: Option<Vec<Rule>>,
    pub path: Option<Glob>,
    pub sha256: Option<String>,
    /// The Go main module path (`go.main.path`), compared exactly.
    pub module: Option<String>,
    pub image_path: Option<Glob>,
    pub reason: String,
    /// The last day the entry applies; from the day after, it suppresses nothing.
    pub expires: Option<Date>,
}

/// What an entry is matched against: one reported file.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub path: &'a str,
    pub sha256: Option<&'a str>,
    pub module: Option<&'a str>,
    /// In-image path, for `gostatic image`; `None` in `check`, where image-path never matches.
    pub image_path: Option<&'a str>,
}

impl Entry {
    pub fn covers(&self, rule: Rule, target: &Target<'_>) -> bool {
        self.rules
            .as_ref()
            .is_none_or(|rules| rules.contains(&rule))
            && self.path.as_ref().is_none_or(|g| g.is_match(target.path))
            && self
                .sha256
                .as_deref()
                .is_none_or(|h| target.sha256.is_some_and(|t| t.eq_ignore_ascii_case(h)))
            && self
                .module
                .as_deref()
                .is_none_or(|m| target.module == Some(m))
            && self
                .image_path
                .as_ref()
                .is_none_or(|g| target.image_path.is_some_and(|p| g.is_match(p)))
    }

    pub fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|last| today > last)
    }
}

/// The effective policy: the file's contents with the command line's overrides applied.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// The file it came from, as named in notices (`gostatic.toml`); `None` for the defaults.
    pub source: Option<String>,
    pub fail_on: Option<FailOn>,
    levels: BTreeMap<Rule, Level>,
    ignore: Vec<Glob>,
    /// `[[suppress]]` entries then `[[allow]]` entries, each in file order.
    pub entries: Vec<Entry>,
    /// Where path globs are rooted when the file was found above the working directory.
    base: Option<GlobBase>,
    /// `[cpu-level]`: the lowest CPU level of the fleet, per architecture.
    cpu_levels: BTreeMap<CpuArch, cpu_level::Level>,
}

/// A policy file found in a parent directory (the repository root) is written for paths
/// relative to that directory: `bin/*` there means `<root>/bin/*` wherever gostatic runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct GlobBase {
    /// The policy file's directory.
    dir: std::path::PathBuf,
    /// The working directory relative to `dir`, `/`-terminated (`svc/api/`); empty when equal.
    cwd_in_dir: String,
}

/// A policy file that could not be read or understood: `file:line:column: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    pub file: String,
    /// 1-based line and column, when the problem has a place in the file.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The most a policy file may hold; a larger one is surely not a policy.
const MAX_POLICY_BYTES: u64 = 4 << 20;

impl Policy {
    /// Read and parse a policy file; `name` is how messages call it.
    pub fn load(path: &Path, name: &str) -> Result<Policy, PolicyError> {
        let error = |message: String| PolicyError {
            file: name.to_string(),
            position: None,
            message,
        };
        let text = read_limited(path, MAX_POLICY_BYTES).map_err(error)?;
        let text = String::from_utf8(text).map_err(|_| error("not UTF-8 text".to_string()))?;
        Policy::parse(&text, name)
    }

    /// Parse the text of a policy file.
    pub fn parse(text: &str, name: &str) -> Result<Policy, PolicyError> {
        let raw: file::RawPolicy = toml::from_str(text).map_err(|err| PolicyError {
            file: name.to_string(),
            position: err.span().map(|span| line_column(text, span.start)),
            message: err.message().trim().replace('\n', " "),
        })?;
        let line_of = |offset: usize| line_column(text, offset).0;
        let at = |offset: usize, message: String| PolicyError {
            file: name.to_string(),
            position: Some(line_column(text, offset)),
            message,
        };
        let mut ignore = Vec::with_capacity(raw.ignore.len());
        for glob in &raw.ignore {
            ignore.push(Glob::new(glob.get_ref()).map_err(|m| at(glob.span().start, m))?);
        }
        let mut levels: BTreeMap<Rule, (&str, Level)> = BTreeMap::new();
        let mut named: Vec<_> = raw.rules.iter().collect();
        named.sort_by_key(|(key, _)| key.span().start);
        for (key, &level) in named {
            let start = key.span().start;
            let rule = Rule::find(key.get_ref())
                .ok_or_else(|| at(start, file::unknown_rule(key.get_ref())))?;
            if let Some((first, _)) = levels.insert(rule, (key.get_ref(), level)) {
                return Err(at(
                    start,
                    format!(
                        "`{}` and `{first}` are the same rule, {}",
                        key.get_ref(),
                        rule.id()
                    ),
                ));
            }
        }
        let mut cpu_levels = BTreeMap::new();
        for (arch, value) in &raw.cpu_level {
            let known = CpuArch::from_go(arch.get_ref()).filter(|a| a.baseline().is_some());
            let known = known.ok_or_else(|| {
                at(
                    arch.span().start,
                    format!(
                        "unknown architecture `{}` in [cpu-level], expected amd64, arm64 or arm",
                        arch.get_ref()
                    ),
                )
            })?;
            let level = cpu_level::Level::parse(value.get_ref())
                .filter(|l| Some(*l) >= known.baseline())
                .ok_or_else(|| {
                    at(
                        value.span().start,
                        format!(
                            "`{}` is not a CPU level for {} (amd64: v1 to v4, arm64: v8.0, v8.1... v9.5, arm: 7)",
                            value.get_ref(),
                            arch.get_ref()
                        ),
                    )
                })?;
            cpu_levels.insert(known, level);
        }
        let mut policy = Policy {
            cpu_levels,
            source: Some(name.to_string()),
            fail_on: raw.fail_on,
            levels: levels
                .into_iter()
                .map(|(rule, (_, level))| (rule, level))
                .collect(),
            ignore,
            entries: Vec::new(),
            base: None,
        };
        for spanned in raw.suppress {
            let line = line_of(spanned.span().start);
            let s = spanned.into_inner();
            policy.entries.push(Entry {
                kind: EntryKind::Suppress,
                line,
                rules: Some(vec![s.rule.0]),
                path: s.path,
                sha256: s.sha256.map(|h| h.0),
                module: s.module.map(|m| m.0),
                image_path: None,
                reason: s.reason.0,
                expires: s.expires.map(|e| e.0),
            });
        }
        for spanned in raw.allow {
            let span = spanned.span();
            let a = spanned.into_inner();
            if a.sha256.is_none() && a.module.is_none() && a.image_path.is_none() {
                return Err(at(
                    span.start,
                    "an [[allow]] entry needs `sha256`, `module` or `image-path` \
                     (to turn a rule off everywhere, use [rules])"
                        .to_string(),
                ));
            }
            let rules = match &a.rules {
                None => None,
                Some(names) if names.is_empty() => {
                    return Err(at(
                        span.start,
                        "an [[allow]] entry with `rules = []` covers nothing: \
                         list rules, or leave `rules` out to cover them all"
                            .to_string(),
                    ));
                }
                Some(names) => Some(
                    names
                        .iter()
                        .map(|n| {
                            Rule::find(n.get_ref())
                                .ok_or_else(|| at(n.span().start, file::unknown_rule(n.get_ref())))
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
            };
            policy.entries.push(Entry {
                kind: EntryKind::Allow,
                line: line_of(span.start),
                rules,
                path: None,
                sha256: a.sha256.map(|h| h.0),
                module: a.module.map(|m| m.0),
                image_path: a.image_path,
                reason: a.reason.0,
                expires: a.expires.map(|e| e.0),
            });
        }
        Ok(policy)
    }

    /// Whether the whole fleet runs a program built for `cpu` (`[cpu-level]` at or above its
    /// level); `None` when the file sets no minimum for its architecture, or the level is not
    /// comparable (GO386).
    pub fn fleet_runs(&self, cpu: &CpuLevel) -> Option<bool> {
        let minimum = self.cpu_levels.get(&cpu.arch)?;
        Some(cpu.level? <= *minimum)
    }

    /// Set one rule's level, over what the file said (the command line's `--deny` & co).
    pub fn set_level(&mut self, rule: Rule, level: Level) {
        self.levels.insert(rule, level);
    }

    /// The level the policy sets for a rule, if it sets one.
    pub fn level(&self, rule: Rule) -> Option<Level> {
        self.levels.get(&rule).copied()
    }

    /// The severity a rule is reported at, `None` when it is off.
    pub fn severity(&self, rule: Rule) -> Option<Severity> {
        match self.levels.get(&rule) {
            Some(level) => level.severity(),
            None => Some(rule.info().severity),
        }
    }

    /// Root path globs at `dir`, the directory the file was found in above `cwd`. A path
    /// reported relative to `cwd` is then matched as `dir` sees it; an absolute one inside `dir`
    /// relative to it. Without this (the file in `cwd`, or named by `--config`), globs match
    /// paths as reported.
    pub fn root_globs_at(&mut self, dir: &Path, cwd: &Path) {
        let Ok(below) = cwd.strip_prefix(dir) else {
            return;
        };
        let mut cwd_in_dir = below.to_string_lossy().into_owned();
        if !cwd_in_dir.is_empty() {
            cwd_in_dir.push('/');
        }
        self.base = Some(GlobBase {
            dir: dir.to_path_buf(),
            cwd_in_dir,
        });
    }

    /// A reported path as the file's globs see it (`root_globs_at`).
    pub fn glob_subject<'a>(&self, path: &'a str) -> std::borrow::Cow<'a, str> {
        let Some(base) = &self.base else {
            return path.into();
        };
        if path.starts_with('/') {
            return match Path::new(path).strip_prefix(&base.dir) {
                Ok(inside) => inside.to_string_lossy().into_owned().into(),
                Err(_) => path.into(),
            };
        }
        format!("{}{}", base.cwd_in_dir, file::normalise(path)).into()
    }

    /// Whether a path matches an `ignore` glob: such files are neither scanned nor reported.
    pub fn is_ignored(&self, path: &str) -> bool {
        let path = self.glob_subject(path);
        self.ignore.iter().any(|glob| glob.is_match(&path))
    }

    /// Whether matching needs each file's SHA-256.
    pub fn needs_hash(&self) -> bool {
        self.entries.iter().any(|e| e.sha256.is_some())
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Read a whole file of at most `limit` bytes.
pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| crate::error::InputErrorKind::from_io(&e).to_string())?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| crate::error::InputErrorKind::from_io(&e).to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!("larger than {limit} bytes"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests;
