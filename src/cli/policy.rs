//! The policy options of `check`: find and load `gostatic.toml`, lay `--deny`/`--warn`/`--allow`
//! over it in command-line order, load `--baseline`, and read today's date from the clock.
//! Precedence (docs/config.md): command-line flags, then the file, then the defaults.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use clap::builder::FalseyValueParser;
use clap::{ArgMatches, Args};

use gostatic::policy::{Baseline, Date, Level, Policy};
use gostatic::rules::Rule;

/// The file looked for when `--config` is not given: in the current directory, then in each
/// parent up to the repository root (the first directory with a `.git`), as cargo-deny and
/// rustfmt find theirs.
const DEFAULT_CONFIG: &str = "gostatic.toml";

/// The nearest `gostatic.toml` from `cwd` up to the first directory holding `.git`, named
/// relative to `cwd` when it is there (`gostatic.toml`, as messages have always said).
fn discover(cwd: &Path) -> Option<PathBuf> {
    for dir in cwd.ancestors() {
        let candidate = dir.join(DEFAULT_CONFIG);
        if candidate.is_file() {
            return Some(if dir == cwd {
                PathBuf::from(DEFAULT_CONFIG)
            } else {
                candidate
            });
        }
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Policy file (default: the nearest gostatic.toml from the current directory up to the
    /// repository root, its path globs then rooted there); see docs/config.md.
    #[arg(long, value_name = "FILE", env = "GOSTATIC_CONFIG")]
    config: Option<PathBuf>,
    /// Report RULE (ID or slug) as an error; repeatable. Overrides the file.
    #[arg(long, value_name = "RULE")]
    deny: Vec<String>,
    /// Report RULE as a warning; repeatable. Overrides the file.
    #[arg(long, value_name = "RULE")]
    warn: Vec<String>,
    /// Turn RULE off; repeatable. Overrides the file. The last of --deny/--warn/--allow wins.
    #[arg(long, value_name = "RULE")]
    allow: Vec<String>,
    /// An earlier `check --format json` (or `image --format json`) report: the findings it
    /// has (same rule, path and evidence key; rebuilt binaries included) are reported as
    /// suppressed and do not fail the run.
    #[arg(long, value_name = "FILE", env = "GOSTATIC_BASELINE")]
    baseline: Option<OsString>,
    /// Match the baseline per build: same rule, path and file SHA-256, so a rebuilt binary's
    /// findings are new. The baseline must have been written with --digests.
    #[arg(long, requires = "baseline", env = "GOSTATIC_BASELINE_EXACT", value_parser = FalseyValueParser::new())]
    baseline_exact: bool,
}

/// Everything the policy options amount to.
pub struct Loaded {
    pub policy: Policy,
    pub baseline: Option<Baseline>,
    pub today: Date,
}

/// Load the policy for a `check` or `image` run. `Err` is the one line to print before exiting 2.
pub fn load(args: &PolicyArgs, matches: Option<&ArgMatches>) -> Result<Loaded, String> {
    let cwd = std::env::current_dir().ok();
    let mut policy = match (&args.config, cwd.as_deref().and_then(discover)) {
        (Some(path), _) => {
            Policy::load(path, &path.to_string_lossy()).map_err(|e| e.to_string())?
        }
        (None, Some(found)) => {
            let name = found.to_string_lossy().into_owned();
            let mut policy = Policy::load(&found, &name).map_err(|e| e.to_string())?;
            // Found above the working directory: its globs speak of paths from there.
            if let (true, Some(dir), Some(cwd)) =
                (found.is_absolute(), found.parent(), cwd.as_deref())
            {
                policy.root_globs_at(dir, cwd);
            }
            policy
        }
        (None, None) => Policy::default(),
    };
    for (flag, name, level) in rule_flags(args, matches) {
        let Some(rule) = Rule::find(name) else {
            return Err(format!(
                "gostatic: --{flag}: unknown rule '{}' (see `gostatic rules`)",
                gostatic::sanitize::for_terminal(name)
            ));
        };
        policy.set_level(rule, level);
    }
    let baseline = match &args.baseline {
        Some(path) => {
            let name = path.to_string_lossy();
            let baseline = Baseline::load(Path::new(path), &name, cwd.as_deref())
                .map_err(|e| e.to_string())?;
            if args.baseline_exact && !baseline.is_empty() && !baseline.has_digests() {
                return Err(format!(
                    "{}: --baseline-exact: the report has no sha256 to match (write it with --digests)",
                    gostatic::sanitize::for_terminal(&name)
                ));
            }
            Some(if args.baseline_exact {
                baseline.exact()
            } else {
                baseline
            })
        }
        None => None,
    };
    Ok(Loaded {
        policy,
        baseline,
        today: today(),
    })
}

/// The rule flags in the order they were typed, so the last one for a rule wins.
fn rule_flags<'a>(
    args: &'a PolicyArgs,
    matches: Option<&ArgMatches>,
) -> Vec<(&'static str, &'a str, Level)> {
    let mut flags = Vec::new();
    for (flag, values, level) in [
        ("deny", &args.deny, Level::Error),
        ("warn", &args.warn, Level::Warning),
        ("allow", &args.allow, Level::Off),
    ] {
        let indices: Vec<usize> = matches
            .and_then(|m| m.indices_of(flag))
            .map(Iterator::collect)
            .unwrap_or_default();
        for (n, value) in values.iter().enumerate() {
            let index = indices.get(n).copied().unwrap_or(usize::MAX);
            flags.push((index, flag, value.as_str(), level));
        }
    }
    flags.sort_by_key(|&(index, ..)| index);
    flags.into_iter().map(|(_, f, v, l)| (f, v, l)).collect()
}

/// Today in UTC, from the system clock.
fn today() -> Date {
    let seconds = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since) => since.as_secs() as i64,
        Err(before) => -(before.duration().as_secs() as i64),
    };
    Date::from_unix_days(seconds.div_euclid(86_400))
}
