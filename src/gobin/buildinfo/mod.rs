//! Go buildinfo: the toolchain version, main package, modules and build settings that the Go
//! linker embeds in every executable since Go 1.13 (the `\xff Go buildinf:` blob).
//!
//! `read_bytes` first finds and decodes the blob exactly as `debug/buildinfo` of Go 1.27 does
//! (`src/debug/buildinfo/buildinfo.go`: same section, same search, same error for the same
//! file), so `gostatic buildinfo` can print what `go version -m` prints. Only when that fails
//! does it scan further (`scan`): ELF files whose section headers were stripped, where Go 1.27
//! looks no further than the `.go.buildinfo` section, PE and Mach-O files whose blob is not
//! in the one section Go reads. Such results are marked `FoundBy::Scan`.
//!
//! Layout: `locate` (Go's per-format lookup), `blob` (header and string decoding),
//! `modinfo` (the module text), `goquote` (Go's string quoting). Spec:
//! `go-binary-formats.md` §1.

mod blob;
mod goquote;
mod locate;
pub mod modinfo;
mod scan;

use std::borrow::Cow;
use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::Binary;
pub use modinfo::ParseError;

/// Longest version or module string accepted (real module texts are under 1 MiB).
pub const MAX_STRING_LEN: u64 = 64 << 20;

/// A Go string from the binary: bytes, usually but not necessarily UTF-8. Kept as bytes so
/// `go version -m` output can be reproduced exactly; shown and serialised lossily.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GoString(Vec<u8>);

impl GoString {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text, with invalid UTF-8 replaced by U+FFFD.
    pub fn to_str_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }
}

impl From<&[u8]> for GoString {
    fn from(bytes: &[u8]) -> Self {
        GoString(bytes.to_vec())
    }
}

impl From<Vec<u8>> for GoString {
    fn from(bytes: Vec<u8>) -> Self {
        GoString(bytes)
    }
}

impl From<&str> for GoString {
    fn from(text: &str) -> Self {
        GoString(text.as_bytes().to_vec())
    }
}

impl PartialEq<str> for GoString {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for GoString {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl fmt::Display for GoString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_str_lossy())
    }
}

impl fmt::Debug for GoString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_str_lossy(), f)
    }
}

impl Serialize for GoString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_str_lossy())
    }
}

/// A module: the main module, a dependency, or a replacement (`=>`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Module {
    pub path: GoString,
    pub version: GoString,
    /// `h1:` go.sum hash; empty for the main module and for replaced modules.
    pub sum: GoString,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace: Option<Box<Module>>,
}

impl Module {
    /// Go's `Module{}`: no line was given (`go version -m` prints no `mod` line then).
    pub fn is_zero(&self) -> bool {
        self.path.is_empty()
            && self.version.is_empty()
            && self.sum.is_empty()
            && self.replace.is_none()
    }
}

/// One `build` line: `-ldflags`, `CGO_ENABLED`, `vcs.revision`, ... (Go 1.18+).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSetting {
    pub key: GoString,
    pub value: GoString,
}

/// Where the blob was found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FoundBy {
    /// Where Go 1.27's `debug/buildinfo` looks: `go version -m` reads it too.
    #[default]
    GoLookup,
    /// Only by gostatic's wider scan of the data segments: `go version -m` (1.27) fails here.
    Scan,
}

/// What the blob says. Serialised as the `go` object of the JSON report.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BuildInfo {
    /// `runtime.buildVersion`: `go1.22.5`, `devel go1.23-…`, `go1.25.5 X:nodwarf5`.
    #[serde(rename = "version")]
    pub go_version: GoString,
    /// The main package's import path.
    pub path: GoString,
    pub main: Module,
    pub deps: Vec<Module>,
    /// In the order the binary lists them; a JSON object in output.
    #[serde(serialize_with = "settings_as_object")]
    pub settings: Vec<BuildSetting>,
    pub found_by: FoundBy,
}

impl BuildInfo {
    /// The first setting with this key.
    pub fn setting(&self, key: &str) -> Option<&GoString> {
        self.settings
            .iter()
            .find(|s| s.key == key)
            .map(|s| &s.value)
    }

    /// `(*BuildInfo).String()` without the `go` line: the lines `go version -m` indents under
    /// the file name.
    pub fn module_text(&self) -> Vec<u8> {
        modinfo::render(self)
    }
}

pub(crate) fn settings_as_object<S: Serializer>(
    settings: &[BuildSetting],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(settings.len()))?;
    for setting in settings {
        map.serialize_entry(&setting.key, &setting.value)?;
    }
    map.end()
}

/// Why no build info could be read. The messages are `debug/buildinfo`'s, so `go version -m`
/// errors can be reproduced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildInfoError {
    /// Not ELF, PE or Mach-O, or a header Go's parsers reject.
    #[error("unrecognized file format")]
    UnrecognizedFormat,
    /// A valid executable without a (readable) buildinfo blob.
    #[error("not a Go executable")]
    NotGoExecutable,
    /// The blob is there but its module text is malformed.
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// Build info of a parsed binary: `Ok(None)` when it is not a Go executable (no blob, or none
/// that decodes), `Err` only when a blob was found but its module text is malformed.
pub fn read(bin: &Binary) -> Result<Option<BuildInfo>, BuildInfoError> {
    match read_bytes(bin.data) {
        Ok(info) => Ok(Some(info)),
        Err(BuildInfoError::Parse(err)) => Err(BuildInfoError::Parse(err)),
        Err(_) => Ok(None),
    }
}

/// Whether a file starting with these 16 bytes is worth reading: one of the executable
/// formats `read_bytes` understands. Anything else is `UnrecognizedFormat` without more reads.
pub fn is_executable_ident(ident: &[u8]) -> bool {
    locate::is_executable_ident(ident)
}

/// Build info of a whole file's bytes, with `debug/buildinfo`'s error when there is none.
pub fn read_bytes(data: &[u8]) -> Result<BuildInfo, BuildInfoError> {
    let go_result = locate::Exe::parse(data).and_then(|exe| blob::read_like_go(&exe));
    match go_result {
        Ok(raw) => finish(raw, FoundBy::GoLookup),
        Err(go_error @ (BuildInfoError::NotGoExecutable | BuildInfoError::UnrecognizedFormat)) => {
            match scan::scan(data) {
                Some(raw) => finish(raw, FoundBy::Scan),
                None => Err(go_error),
            }
        }
        Err(err) => Err(err),
    }
}

/// The two strings of the blob, the module text already stripped of its sentinels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawBuildInfo<'data> {
    pub version: &'data [u8],
    pub modinfo: &'data [u8],
}

fn finish(raw: RawBuildInfo<'_>, found_by: FoundBy) -> Result<BuildInfo, BuildInfoError> {
    let mut info = BuildInfo {
        found_by,
        ..BuildInfo::default()
    };
    modinfo::parse(raw.modinfo, &mut info)?;
    info.go_version = GoString::from(raw.version);
    Ok(info)
}

#[cfg(test)]
pub(crate) mod tests;
