//! The Go version when buildinfo is missing (reference §6): `runtime.buildVersion` through
//! `.symtab` (a Go string header `{data, len}`), else the `Go cmd/compile goX.Y.Z` DWARF
//! producer, else the same string header found without symbols ([`runtime_string`], checked
//! against the pclntab format's range), else a lower bound from the pclntab magic, sharpened
//! by sections only newer linkers emit (`.go.fipsinfo` 1.24, `.go.module` 1.26, `.go.type`
//! 1.27, `.data.rel.ro.go.type` in an internal PIE; `cmd/link/internal/ld/data.go`).

use serde::Serialize;

use crate::gobin::binary::Binary;
use crate::gobin::dwarf::DwarfFacts;
use crate::gobin::pclntab::{PclnVersion, Pclntab};
use crate::gobin::symtab;

use super::runtime_string::{self, MinorRange};

/// Longest version string read through `runtime.buildVersion`.
const MAX_VERSION_LEN: u64 = 256;

/// Where a Go version comes from, most to least direct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionSource {
    /// The buildinfo blob (what `go version` prints).
    Buildinfo,
    /// `runtime.buildVersion` named by `.symtab`.
    Symtab,
    /// The DWARF producer string.
    Dwarf,
    /// `runtime.buildVersion`'s string header found in the data without symbols.
    RuntimeString,
    /// Only a range, from the pclntab format (and sections).
    Pclntab,
}

impl VersionSource {
    /// How the version was found, for a sentence: "the {} says go1.26.5".
    pub fn describe(self) -> &'static str {
        match self {
            Self::Buildinfo => "buildinfo",
            Self::Symtab => "symbol runtime.buildVersion",
            Self::Dwarf => "DWARF producer",
            Self::RuntimeString => "runtime's version string",
            Self::Pclntab => "function table format",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoVersionGuess {
    /// The exact version (`go1.27.3`), when a symbol or producer gives it.
    pub version: Option<String>,
    /// Otherwise the oldest possible minor, e.g. 20 for `1.20+`.
    pub at_least_minor: Option<u32>,
    /// Human form of the bound, e.g. `1.26+` or `1.16-1.17`.
    pub range: Option<String>,
    pub source: VersionSource,
}

pub fn go_version(
    bin: &Binary<'_>,
    dwarf: Option<&DwarfFacts>,
    pclntab: Option<&Pclntab<'_>>,
) -> Option<GoVersionGuess> {
    if let Some(version) = build_version_symbol(bin) {
        return Some(exact(version, VersionSource::Symtab));
    }
    if let Some(version) = dwarf.and_then(|d| d.go_version.clone()) {
        return Some(exact(version, VersionSource::Dwarf));
    }
    let layout = pclntab?.table.version;
    let (minor, range) = pclntab_bound(bin, layout);
    let allowed = MinorRange {
        min: minor,
        max: layout.max_minor(),
    };
    if let Some(version) = runtime_string::find(bin, allowed) {
        return Some(exact(version, VersionSource::RuntimeString));
    }
    Some(GoVersionGuess {
        version: None,
        at_least_minor: Some(minor),
        range: Some(range),
        source: VersionSource::Pclntab,
    })
}

/// The oldest minor the pclntab magic allows, sharpened by sections only newer linkers
/// write, and its human form.
fn pclntab_bound(bin: &Binary<'_>, layout: PclnVersion) -> (u32, String) {
    let mut minor = layout.min_minor();
    let mut range = layout.go_range().to_string();
    if layout.min_minor() == 20 {
        let sections = [
            (".go.fipsinfo", 24),
            (".go.module", 26),
            (".go.type", 27),
            (".data.rel.ro.go.type", 27),
        ];
        for (section, since) in sections {
            if bin.section(section).is_some() && since > minor {
                minor = since;
                range = format!("1.{since}+");
            }
        }
    }
    (minor, range)
}

fn exact(version: String, source: VersionSource) -> GoVersionGuess {
    GoVersionGuess {
        version: Some(version),
        at_least_minor: None,
        range: None,
        source,
    }
}

/// The string behind `runtime.buildVersion`, if `.symtab` names it and it looks like a Go
/// version.
pub fn build_version_symbol(bin: &Binary<'_>) -> Option<String> {
    // Mach-O symbol names carry a leading underscore.
    let found = symtab::lookup(bin.data, &["runtime.buildVersion", "_runtime.buildVersion"]);
    let symbol = found.into_iter().flatten().next()?;
    let data = bin.pointer_at(symbol.address)?;
    let len = bin.pointer_at(symbol.address.checked_add(bin.pointer_size as u64)?)?;
    if len == 0 || len > MAX_VERSION_LEN {
        return None;
    }
    let bytes = bin
        .bytes_at(data, len as usize)
        .filter(|b| b.len() as u64 == len)?;
    let text = std::str::from_utf8(bytes).ok()?;
    (text.starts_with("go") || text.starts_with("devel")).then(|| text.to_string())
}
