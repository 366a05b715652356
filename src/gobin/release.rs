//! Go toolchain versions: parsing `runtime.buildVersion` strings and judging them against a
//! built-in release table. Go's policy (go.dev/doc/devel/release#policy): "each major Go
//! release is supported until there are two newer major releases", so minor 1.N stops getting
//! security fixes the day 1.(N+2).0 ships.
//!
//! The table is data with an "as of" date that every finding prints, because it goes stale:
//! a gostatic built today cannot know about a release made next year. Dates are from go.dev's
//! release history (see `../shared/reference/go-binary-formats.md` §6).

use serde::Serialize;

/// The date the table below was last checked against go.dev/doc/devel/release.
pub const TABLE_AS_OF: &str = "2026-11-22";

/// `(minor, first release date)` of every Go 1.x minor from 1.11 on, oldest first.
const RELEASES: &[(u32, &str)] = &[
    (11, "2018-08-24"),
    (12, "2019-02-25"),
    (13, "2019-09-03"),
    (14, "2020-02-25"),
    (15, "2020-08-11"),
    (16, "2021-02-16"),
    (17, "2021-08-16"),
    (18, "2022-03-15"),
    (19, "2022-08-02"),
    (20, "2023-02-01"),
    (21, "2023-08-08"),
    (22, "2024-02-06"),
    (23, "2024-08-13"),
    (24, "2025-02-11"),
    (25, "2025-08-12"),
    (26, "2026-02-10"),
    (27, "2026-08-19"),
];

/// A Go toolchain version as written by the linker: `go1.21.0`, `go1.20`, `go1.22rc1`,
/// `devel go1.22-2d1d548 ...`, `go1.27.3-X:nodwarf5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// A release candidate or beta, or a development build.
    pub prerelease: bool,
}

impl GoVersion {
    /// Parse the leading `go1.N[.P][rcK|betaK]` of a version string; `None` for anything else.
    pub fn parse(text: &str) -> Option<GoVersion> {
        let devel = text.starts_with("devel ");
        let rest = text.strip_prefix("devel ").unwrap_or(text);
        let rest = rest.strip_prefix("go")?;
        let (major, rest) = split_number(rest)?;
        let rest = rest.strip_prefix('.')?;
        let (minor, rest) = split_number(rest)?;
        let (patch, rest) = match rest.strip_prefix('.') {
            Some(after) => split_number(after)?,
            None => (0, rest),
        };
        let prerelease = devel || rest.starts_with("rc") || rest.starts_with("beta");
        Some(GoVersion {
            major,
            minor,
            patch,
            prerelease,
        })
    }

    /// `1.21`.
    pub fn minor_name(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }
}

fn split_number(text: &str) -> Option<(u32, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 6 {
        return None;
    }
    Some((text[..digits].parse().ok()?, &text[digits..]))
}

/// Where a version stands against the release table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Support {
    /// One of the two newest minors in the table.
    Supported,
    /// Out of support since `since` (the release of minor + 2).
    Unsupported { since: String },
    /// Newer than anything in the table: the table is older than the binary.
    NewerThanTable,
}

/// Judge a version against the table. Go 1.x minors older than the table were out of
/// support before its first entry.
pub fn support(version: &GoVersion) -> Support {
    if version.major != 1 {
        return Support::NewerThanTable;
    }
    let newest = RELEASES.last().map_or(0, |r| r.0);
    if version.minor > newest {
        return Support::NewerThanTable;
    }
    if version.minor + 2 > newest {
        return Support::Supported;
    }
    let successor = version.minor + 2;
    let since = match RELEASES.iter().find(|r| r.0 == successor) {
        Some(release) => release.1.to_string(),
        None => format!("before {}", RELEASES[0].1),
    };
    Support::Unsupported { since }
}

/// The two minors the table considers supported, newest last: `["1.26", "1.27"]`.
pub fn supported_minors() -> Vec<String> {
    RELEASES
        .iter()
        .rev()
        .take(2)
        .rev()
        .map(|r| format!("1.{}", r.0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> GoVersion {
        GoVersion::parse(text).unwrap_or_else(|| panic!("{text} should parse"))
    }

    #[test]
    fn every_written_form_parses() {
        assert_eq!(
            v("go1.21.0"),
            GoVersion {
                major: 1,
                minor: 21,
                patch: 0,
                prerelease: false
            }
        );
        assert_eq!(v("go1.20").minor, 20);
        assert!(v("go1.22rc1").prerelease);
        assert!(v("go1.18beta1").prerelease);
        assert!(v("devel go1.22-2d1d548 Tue Dec 21 03:55:43 2021 +0000").prerelease);
        assert_eq!(v("go1.27.3-X:nodwarf5").patch, 3);
        assert_eq!(v("go1.25.5 X:nodwarf5").patch, 5);
        assert_eq!(GoVersion::parse("1.21"), None);
        assert_eq!(GoVersion::parse("go"), None);
        assert_eq!(GoVersion::parse("go1."), None);
        assert_eq!(GoVersion::parse("go99999999.1"), None);
    }

    #[test]
    fn the_two_newest_minors_are_supported() {
        assert_eq!(supported_minors(), ["1.26", "1.27"]);
        assert_eq!(support(&v("go1.27.3")), Support::Supported);
        assert_eq!(support(&v("go1.26.0")), Support::Supported);
        assert_eq!(
            support(&v("go1.25.5")),
            Support::Unsupported {
                since: "2026-08-19".into()
            }
        );
        assert_eq!(
            support(&v("go1.19.8")),
            Support::Unsupported {
                since: "2023-08-08".into()
            }
        );
        assert_eq!(
            support(&v("go1.5")),
            Support::Unsupported {
                since: "before 2018-08-24".into()
            }
        );
        assert_eq!(support(&v("go1.28.0")), Support::NewerThanTable);
        assert_eq!(support(&v("go2.0")), Support::NewerThanTable);
    }
}
