//! Package URLs for Go modules and the Go toolchain, and the module hash as CycloneDX reads it.
//!
//! - `pkg:golang/<namespace>/<name>@<version>`: the module path split at its last `/`, as syft
//!   splits it (`github.com/x/y/v2` is namespace `github.com/x/y`, name `v2`). Each segment and
//!   the version are percent-encoded as the purl specification says (ECMA-427, "Character
//!   encoding"): alphanumerics, `.-_~` and `:` stay, every other byte of the UTF-8 text becomes
//!   `%XX`, so `v1.2.3+incompatible` is `v1.2.3%2Bincompatible`.
//! - Case is kept. Go module paths are case-sensitive (`github.com/BurntSushi/toml`), the Go
//!   vulnerability database names them so, and syft keeps the case; the `packageurl` crate
//!   lowercases golang namespaces, which is why this is a small encoder of its own.
//! - The toolchain is `pkg:golang/stdlib@1.22.1` with the CPE `cpe:2.3:a:golang:go:1.22.1:-:...`,
//!   the names syft gives it, which grype matches Go's own vulnerabilities against.

use base64::Engine;

/// `pkg:golang/...` for a module at a version; `None` where there is no package to name: an
/// empty path or version, a `(devel)` version (a build from a working tree, not a published
/// version), or a path with an empty segment.
pub fn golang(path: &str, version: &str) -> Option<String> {
    if path.is_empty() || version.is_empty() || version == "(devel)" {
        return None;
    }
    let segments: Vec<&str> = path.split('/').collect();
    if segments
        .iter()
        .any(|s| s.is_empty() || *s == "." || *s == "..")
    {
        return None;
    }
    let mut purl = String::from("pkg:golang/");
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            purl.push('/');
        }
        encode_into(segment, &mut purl);
    }
    purl.push('@');
    encode_into(version, &mut purl);
    Some(purl)
}

/// The Go toolchain (the standard library compiled in) as syft names it: name `stdlib`,
/// version `go1.22.1`, purl without the `go` prefix, and the NVD CPE of Go. `None` for a
/// version that is not a release (`devel go1.23-abcdef`, a bare commit).
pub fn stdlib(go_version: &str) -> Option<Stdlib> {
    // Buildinfo may carry experiments after a space: `go1.22.1 X:boringcrypto`.
    let version = go_version.split_whitespace().next()?;
    let number = version.strip_prefix("go")?;
    let release = cpe_version(number)?;
    let mut purl = String::from("pkg:golang/stdlib@");
    encode_into(number, &mut purl);
    Some(Stdlib {
        version: version.to_string(),
        purl,
        cpe: format!(
            "cpe:2.3:a:golang:go:{}:{}:*:*:*:*:*:*",
            release.0,
            release.1.unwrap_or("-")
        ),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stdlib {
    pub version: String,
    pub purl: String,
    pub cpe: String,
}

/// `1.22.1` → (`1.22.1`, none); `1.21rc2` → (`1.21`, `rc2`); `1.18-36be0be` → (`1.18`,
/// none): the numeric release and a pre-release tag, as the CPE's version and update fields.
/// Anything after `+` or `-` is build metadata and dropped.
fn cpe_version(number: &str) -> Option<(&str, Option<&str>)> {
    let number = number.split(['+', '-']).next()?;
    let digits_end = number
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(number.len(), |(i, _)| i);
    let (release, candidate) = number.split_at(digits_end);
    let mut parts = release.split('.');
    let valid = !release.is_empty()
        && !release.ends_with('.')
        && parts.clone().count() <= 3
        && parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !valid || !candidate.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Some((release, (!candidate.is_empty()).then_some(candidate)))
}

/// The hex SHA-256 in a go.sum `h1:` hash (base64 of the SHA-256 of the module's file list,
/// `golang.org/x/mod/sumdb/dirhash.Hash1`): what CycloneDX's `hashes` carry for a Go module,
/// as cyclonedx-gomod writes them (and syft's SPDX checksums). `None` for anything else.
pub fn h1_sha256(sum: &str) -> Option<String> {
    let encoded = sum.strip_prefix("h1:")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    if bytes.len() != 32 {
        return None;
    }
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn encode_into(text: &str, out: &mut String) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b'~' | b':') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_split_at_the_last_slash_and_keep_their_case() {
        assert_eq!(
            golang("golang.org/x/text", "v0.3.0").unwrap(),
            "pkg:golang/golang.org/x/text@v0.3.0"
        );
        assert_eq!(
            golang("github.com/BurntSushi/toml", "v1.3.2").unwrap(),
            "pkg:golang/github.com/BurntSushi/toml@v1.3.2"
        );
        assert_eq!(
            golang("github.com/go-chi/chi/v5", "v5.0.12").unwrap(),
            "pkg:golang/github.com/go-chi/chi/v5@v5.0.12"
        );
        assert_eq!(
            golang("rsc.io", "v1.0.0").unwrap(),
            "pkg:golang/rsc.io@v1.0.0"
        );
    }

    #[test]
    fn separators_plus_and_other_bytes_are_percent_encoded() {
        assert_eq!(
            golang("github.com/Azure/go-autorest", "v14.2.0+incompatible").unwrap(),
            "pkg:golang/github.com/Azure/go-autorest@v14.2.0%2Bincompatible"
        );
        assert_eq!(
            golang("example.com/a b/c@d", "v1.0.0-20240102030405-abcdef012345").unwrap(),
            "pkg:golang/example.com/a%20b/c%40d@v1.0.0-20240102030405-abcdef012345"
        );
        assert_eq!(
            golang("example.com/é?#", "v1").unwrap(),
            "pkg:golang/example.com/%C3%A9%3F%23@v1"
        );
    }

    #[test]
    fn no_purl_for_devel_empty_or_directory_like_paths() {
        assert_eq!(golang("example.com/app", "(devel)"), None);
        assert_eq!(golang("example.com/app", ""), None);
        assert_eq!(golang("", "v1.0.0"), None);
        assert_eq!(golang("../greeting", "v0.0.0"), None);
        assert_eq!(golang("example.com//x", "v1.0.0"), None);
        assert_eq!(golang("/abs/dir", "v1.0.0"), None);
    }

    #[test]
    fn the_toolchain_is_named_as_syft_names_it() {
        assert_eq!(
            stdlib("go1.27.3").unwrap(),
            Stdlib {
                version: "go1.27.3".to_string(),
                purl: "pkg:golang/stdlib@1.27.3".to_string(),
                cpe: "cpe:2.3:a:golang:go:1.27.3:-:*:*:*:*:*:*".to_string(),
            }
        );
        let rc = stdlib("go1.21rc2").unwrap();
        assert_eq!(rc.purl, "pkg:golang/stdlib@1.21rc2");
        assert_eq!(rc.cpe, "cpe:2.3:a:golang:go:1.21:rc2:*:*:*:*:*:*");
        let experiment = stdlib("go1.22.1 X:boringcrypto").unwrap();
        assert_eq!(experiment.version, "go1.22.1");
        assert_eq!(experiment.purl, "pkg:golang/stdlib@1.22.1");
        let prerelease = stdlib("go1.18-36be0be").unwrap();
        assert_eq!(prerelease.purl, "pkg:golang/stdlib@1.18-36be0be");
        assert_eq!(prerelease.cpe, "cpe:2.3:a:golang:go:1.18:-:*:*:*:*:*:*");
    }

    #[test]
    fn development_toolchains_are_not_releases() {
        assert_eq!(stdlib("devel go1.23-abcdef Tue Jan 2 2024"), None);
        assert_eq!(stdlib("go"), None);
        assert_eq!(stdlib("go1..2"), None);
        assert_eq!(stdlib("gox"), None);
        assert_eq!(stdlib(""), None);
        assert_eq!(stdlib("1.22.1"), None);
    }

    #[test]
    fn h1_sums_become_hex_sha256() {
        // Checked with `echo 9fHAtK0uDfpveeqqo1hkEZJcFvYXAiCN3UutL8F9xHw= | base64 -d | xxd -p`.
        assert_eq!(
            h1_sha256("h1:9fHAtK0uDfpveeqqo1hkEZJcFvYXAiCN3UutL8F9xHw=").unwrap(),
            "f5f1c0b4ad2e0dfa6f79eaaaa3586411925c16f61702208ddd4bad2fc17dc47c"
        );
        assert_eq!(h1_sha256(""), None);
        assert_eq!(
            h1_sha256("h2:9fHAtK0uDfpveeqqo1hkEZJcFvYXAiCN3UutL8F9xHw="),
            None
        );
        assert_eq!(h1_sha256("h1:not base64!"), None);
        assert_eq!(h1_sha256("h1:AAAA"), None);
    }
}
