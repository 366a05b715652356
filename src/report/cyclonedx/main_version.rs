//! The main module's version when buildinfo says `(devel)`: Go before 1.24 never stamps it,
//! so syft looks further, and an SBOM that names the program's version lets grype match the
//! program's own advisories. gostatic takes syft's two answers that come from buildinfo itself
//! (never its third, a version-like string anywhere in the binary's bytes):
//!
//! 1. `-ldflags` setting a version variable: `-X main.version=1.18.1`,
//!    `-X example.com/app/internal.BuildVersion=v2.0.0-rc1`, then `-X pkg.tag=...`; the value
//!    gets a `v` prefix as a module version has.
//! 2. The Go pseudo-version of the commit it was built from: `v0.0.0-<vcs.time>-<vcs.revision
//!    first 12>`.
//!
//! The component says which one in `gostatic:go:main-version-from`.

use serde::Serialize;

use crate::gobin::GoFacts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The version buildinfo records (Go 1.24+ stamps it from VCS tags; `go install m@v`).
    Buildinfo,
    Ldflags,
    Vcs,
}

/// The main module's version and where it came from; `None` when nothing says.
pub fn main_version(go: &GoFacts) -> Option<(String, Source)> {
    let main = go.main.as_ref()?;
    let recorded = main.version.to_str_lossy();
    if !recorded.is_empty() && recorded != "(devel)" {
        return Some((recorded.into_owned(), Source::Buildinfo));
    }
    if let Some(version) = go
        .setting("-ldflags")
        .and_then(|flags| from_ldflags(&flags.to_str_lossy()))
    {
        return Some((version, Source::Ldflags));
    }
    let revision = go.setting("vcs.revision")?.to_str_lossy();
    let time = go.setting("vcs.time")?.to_str_lossy();
    pseudo_version(&revision, &time).map(|v| (v, Source::Vcs))
}

/// The version an `-X` flag gives a version variable (`.version`, `.Version`, `.ver`,
/// `.gitVersion`, `.BuildVersion`, `.GitBuildVersion`...), else a `.tag`/`.Tag` variable; the
/// value may be path-like (`releases/v1.2.3`).
fn from_ldflags(flags: &str) -> Option<String> {
    let assignments: Vec<(&str, &str)> = flags
        .split_whitespace()
        .map(|token| token.trim_matches(['\'', '"']))
        .map(|token| token.strip_prefix("-X=").unwrap_or(token))
        .filter_map(|token| token.split_once('='))
        .collect();
    [is_version_variable as fn(&str) -> bool, is_tag_variable]
        .iter()
        .find_map(|accepts| {
            assignments.iter().find_map(|(variable, value)| {
                let name = variable.rsplit_once('.')?.1;
                accepts(name).then(|| semver_prefix(value.rsplit('/').next()?))?
            })
        })
        .map(|v| {
            if v.starts_with('v') {
                v.to_string()
            } else {
                format!("v{v}")
            }
        })
}

/// `([gG]it)?([bB]uild)?[vV]er(sion)?`
fn is_version_variable(name: &str) -> bool {
    let rest = name
        .strip_prefix("git")
        .or_else(|| name.strip_prefix("Git"))
        .unwrap_or(name);
    let rest = rest
        .strip_prefix("build")
        .or_else(|| rest.strip_prefix("Build"))
        .unwrap_or(rest);
    matches!(rest, "ver" | "Ver" | "version" | "Version")
}

fn is_tag_variable(name: &str) -> bool {
    matches!(name, "tag" | "Tag")
}

/// The leading `v?N.N.N[-\w]*` of a value, or `None`.
fn semver_prefix(value: &str) -> Option<&str> {
    let digits = value.strip_prefix('v').unwrap_or(value);
    let offset = value.len() - digits.len();
    let mut end = 0;
    for part in 0..3 {
        let run = digits[end..].bytes().take_while(u8::is_ascii_digit).count();
        if run == 0 {
            return None;
        }
        end += run;
        if part < 2 {
            if digits.as_bytes().get(end) != Some(&b'.') {
                return None;
            }
            end += 1;
        }
    }
    let tail = digits[end..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
        .count();
    Some(&value[..offset + end + tail])
}

/// `v0.0.0-20260102030405-0123456789ab` from `vcs.revision` and a UTC `vcs.time`
/// (`2026-01-02T03:04:05Z`), as `golang.org/x/mod/module.PseudoVersion` writes it.
fn pseudo_version(revision: &str, time: &str) -> Option<String> {
    let revision: String = revision.chars().take(12).collect();
    if revision.is_empty() || !revision.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    // RFC 3339 in UTC, fractional seconds allowed: YYYY-MM-DDTHH:MM:SS[.fff]Z.
    let time = time.strip_suffix('Z')?;
    let (seconds, _fraction) = time.split_once('.').unwrap_or((time, ""));
    let b = seconds.as_bytes();
    let shape = b.len() == 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':';
    let stamp: String = seconds.chars().filter(char::is_ascii_digit).collect();
    if !shape || stamp.len() != 14 {
        return None;
    }
    Some(format!("v0.0.0-{stamp}-{revision}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldflags_version_variables_as_syft_reads_them() {
        let v = |flags: &str| from_ldflags(flags);
        assert_eq!(
            v("-s -w -X github.com/anchore/syft/cmd/syft/cli.version=1.18.1 -X main.gitCommit=abc")
                .as_deref(),
            Some("v1.18.1")
        );
        assert_eq!(
            v("-X main.Version=v2.0.0-rc1").as_deref(),
            Some("v2.0.0-rc1")
        );
        assert_eq!(v("-X 'main.gitVersion=v0.4.5'").as_deref(), Some("v0.4.5"));
        assert_eq!(v("-X=main.BuildVersion=3.2.1").as_deref(), Some("v3.2.1"));
        assert_eq!(v("-X main.ver=releases/1.2.3").as_deref(), Some("v1.2.3"));
        // A version variable wins over a tag, whatever their order.
        assert_eq!(
            v("-X main.tag=v9.9.9 -X main.version=1.0.0").as_deref(),
            Some("v1.0.0")
        );
        assert_eq!(v("-X main.Tag=v9.9.9").as_deref(), Some("v9.9.9"));
        // syft's `[-\w]*`: letters, digits, `_` and `-` go on; anything else ends it.
        assert_eq!(
            v("-X main.version=1.2.3_rc-1+meta").as_deref(),
            Some("v1.2.3_rc-1")
        );
    }

    #[test]
    fn ldflags_without_a_version_give_nothing() {
        assert_eq!(from_ldflags(""), None);
        assert_eq!(from_ldflags("-s -w"), None);
        assert_eq!(from_ldflags("-X main.commit=1.2.3"), None);
        assert_eq!(from_ldflags("-X main.version=dev"), None);
        assert_eq!(from_ldflags("-X main.version=1.2"), None);
        assert_eq!(from_ldflags("-X main.versions=1.2.3"), None);
        assert_eq!(from_ldflags("-X version=1.2.3"), None);
    }

    #[test]
    fn commits_give_go_pseudo_versions() {
        assert_eq!(
            pseudo_version("0123456789abcdef0123", "2026-01-02T03:04:05Z").as_deref(),
            Some("v0.0.0-20260102030405-0123456789ab")
        );
        assert_eq!(
            pseudo_version("abc", "2026-01-02T03:04:05.123Z").as_deref(),
            Some("v0.0.0-20260102030405-abc")
        );
        assert_eq!(pseudo_version("abc", "2026-01-02T03:04:05+01:00"), None);
        assert_eq!(pseudo_version("", "2026-01-02T03:04:05Z"), None);
        assert_eq!(pseudo_version("abc", "yesterday"), None);
        assert_eq!(pseudo_version("a/b", "2026-01-02T03:04:05Z"), None);
        // Fourteen digits are not enough: each separator is where RFC 3339 puts it.
        for time in [
            "2026/01-02T03:04:05Z",
            "2026-01/02T03:04:05Z",
            "2026-01-02 03:04:05Z",
            "2026-01-02T03-04:05Z",
            "2026-01-02T03:04-05Z",
            "2026-01-02T03:04:05xZ",
        ] {
            assert_eq!(pseudo_version("abc", time), None, "{time}");
        }
    }
}
