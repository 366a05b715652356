//! The `go` facts of one ELF file: buildinfo, the pclntab and what it implies, DWARF when it
//! adds something, gathered once and serialised as the `go` object of the JSON report
//! (`docs/json.md`). Facts only; the GS1xx/GS4xx/GS5xx rules judge them.
//!
//! Cost is kept to what `check` can afford on thousands of files: non-Go files with a
//! section table cost a few name lookups; the pclntab magic scan runs only where a Go
//! fingerprint (or no section table) makes it worth it; DWARF is read only when the pclntab
//! cannot answer (no table, or a clean one while DWARF is left in) or the version is unknown.

use serde::Serialize;

use super::analysis::cpu_level::CpuLevel;
use super::analysis::{self, BuildPaths, CgoEvidence, PathSource, RuntimeNeed, VersionSource};
use super::binary::Binary;
use super::buildinfo::{self, BuildInfo, BuildSetting, FoundBy, GoString, Module};
use super::dwarf::{self, DwarfLimits};
use super::pclntab::{self, PclntabFacts, Search};
use super::release::{self, GoVersion, Support};
use crate::elf::ElfFacts;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoFacts {
    /// `go1.27.3`: from buildinfo, else `runtime.buildVersion` or the DWARF producer.
    pub version: Option<String>,
    /// Where `version` (or `version_range`) comes from: `buildinfo`, `symtab`, `dwarf`,
    /// `runtime-string`, `pclntab`.
    pub version_source: Option<VersionSource>,
    /// When only the pclntab layout speaks: the releases that write it (`1.16-1.17`, `1.20+`).
    pub version_range: Option<String>,
    /// The version against gostatic's release table.
    pub support: Option<GoSupport>,
    /// The main package's import path (buildinfo).
    pub path: Option<GoString>,
    pub main: Option<Module>,
    pub deps: Vec<Module>,
    #[serde(serialize_with = "buildinfo::settings_as_object")]
    pub settings: Vec<BuildSetting>,
    /// How buildinfo was found: `go-lookup` (where `go version -m` looks) or `scan` (only
    /// gostatic finds it); null when there is none.
    pub buildinfo: Option<FoundBy>,
    /// A buildinfo blob that could not be parsed, in `go version`'s words.
    pub buildinfo_error: Option<String>,
    pub build_paths: BuildPaths,
    /// cgo is linked in (runtime/cgo code, or a NEEDED libc), not merely allowed.
    pub cgo: bool,
    pub cgo_evidence: CgoEvidence,
    pub runtime_needs: Vec<RuntimeNeed>,
    pub pclntab: Option<PclntabFacts>,
    /// The CPU level it was built for (`GOAMD64=v3`...), from buildinfo or the runtime's
    /// start-up check; null when unknown or the architecture has none.
    pub cpu_level: Option<CpuLevel>,
}

impl GoFacts {
    pub fn setting(&self, key: &str) -> Option<&GoString> {
        self.settings
            .iter()
            .find(|s| s.key == key)
            .map(|s| &s.value)
    }

    /// Runtime needs whose files must be in the image (nothing embedded instead).
    pub fn required_needs(&self) -> impl Iterator<Item = &RuntimeNeed> {
        self.runtime_needs.iter().filter(|n| n.files_required)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoSupport {
    #[serde(flatten)]
    pub support: Support,
    /// The minors the table considers supported.
    pub supported: Vec<String>,
    pub table_as_of: &'static str,
}

/// Whether an ELF file may hold Go facts. With a section table, Go's linker always leaves a
/// fingerprint `elf.go` has looked for (the build ID note, `.gopclntab`, `.go.buildinfo`...),
/// and Go 1.27's own lookup needs `.go.buildinfo`: without one there is nothing to find, and
/// most of /usr/lib is spared a second parse.
pub fn may_hold_go(elf: &ElfFacts) -> bool {
    elf.go || elf.section_headers == 0
}

/// Go facts for an ELF file whose ELF facts are already known; `None` when nothing shows Go.
/// Callers ask only where [`may_hold_go`] says so.
pub fn read(bin: &Binary<'_>, elf: &ElfFacts) -> Option<GoFacts> {
    let data = bin.data;
    let (info, buildinfo_error) = match buildinfo::read(bin) {
        Ok(info) => (info, None),
        Err(err) => (None, Some(err.to_string())),
    };
    // Go, or no section names to trust: look everywhere, the magic scan included.
    let table = pclntab::find_with(bin, Search::Everywhere);
    if !elf.go && info.is_none() && buildinfo_error.is_none() && table.is_none() {
        return None;
    }

    let functions = table
        .as_ref()
        .map(|t| analysis::scan_functions(t.table.func_name_bytes()));
    let mut paths = analysis::path_scan(table.as_ref(), None);
    let pclntab_leaks = table.is_some() && paths.leak_count() > 0;
    let symtab_version = info
        .is_none()
        .then(|| analysis::version::build_version_symbol(bin))
        .flatten();
    let version_known = info.is_some() || symtab_version.is_some();
    let dwarf = (elf.dwarf_bytes > 0 && (!pclntab_leaks || !version_known))
        .then(|| dwarf::read(data, &DwarfLimits::default()))
        .flatten();
    if let Some(dwarf) = &dwarf {
        for path in dwarf.files.iter().chain(&dwarf.comp_dirs) {
            paths.add(PathSource::Dwarf, path);
        }
    }
    if let Some(info) = &info {
        for module in std::iter::once(&info.main).chain(&info.deps) {
            if let Some(replace) = &module.replace {
                paths.add(PathSource::Buildinfo, &replace.path.to_str_lossy());
            }
        }
    }

    let (version, version_source, version_range) = match &info {
        Some(info) => (
            Some(info.go_version.to_str_lossy().into_owned()),
            Some(VersionSource::Buildinfo),
            None,
        ),
        None if symtab_version.is_some() => (symtab_version, Some(VersionSource::Symtab), None),
        None => match analysis::go_version(bin, dwarf.as_ref(), table.as_ref()) {
            Some(guess) => (guess.version, Some(guess.source), guess.range),
            None => (None, None, None),
        },
    };
    let support = judge_support(version.as_deref(), version_range.as_deref());

    let functions = functions.unwrap_or_default();
    let mut cgo_evidence = functions.cgo;
    let libc = elf.needed.iter().find(|n| is_libc(n));
    if let Some(libc) = libc {
        cgo_evidence.linked = true;
        cgo_evidence.evidence.push(format!("NEEDED {libc}"));
    }

    let cpu_level = analysis::cpu_level::read(
        bin,
        elf.arch,
        info.as_ref().map_or(&[][..], |i| &i.settings),
    );
    let (path, main, deps, settings, found_by) = match info {
        Some(BuildInfo {
            path,
            main,
            deps,
            settings,
            found_by,
            ..
        }) => (Some(path), Some(main), deps, settings, Some(found_by)),
        None => (None, None, Vec::new(), Vec::new(), None),
    };
    Some(GoFacts {
        version,
        version_source,
        version_range,
        support,
        path,
        main,
        deps,
        settings,
        buildinfo: found_by,
        buildinfo_error,
        build_paths: paths.finish(),
        cgo: cgo_evidence.linked,
        cgo_evidence,
        runtime_needs: functions.needs,
        pclntab: table.as_ref().map(pclntab::Pclntab::facts),
        cpu_level,
    })
}

/// glibc's and musl's C library, by soname.
fn is_libc(soname: &str) -> bool {
    soname.starts_with("libc.so") || soname.starts_with("libc.musl")
}

/// Judge an exact version, or the newest release of a closed range (`1.16-1.17`).
fn judge_support(version: Option<&str>, range: Option<&str>) -> Option<GoSupport> {
    let parsed = match (version, range) {
        (Some(version), _) => GoVersion::parse(version)?,
        (None, Some(range)) => {
            let newest = range.split_once('-')?.1;
            GoVersion::parse(&format!("go{newest}"))?
        }
        (None, None) => return None,
    };
    Some(GoSupport {
        support: release::support(&parsed),
        supported: release::supported_minors(),
        table_as_of: release::TABLE_AS_OF,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_is_judged_from_a_version_or_a_closed_range() {
        let exact = judge_support(Some("go1.19.8"), None).unwrap();
        assert!(matches!(exact.support, Support::Unsupported { .. }));
        let closed = judge_support(None, Some("1.16-1.17")).unwrap();
        assert!(matches!(closed.support, Support::Unsupported { .. }));
        assert_eq!(judge_support(None, Some("1.20+")), None);
        assert_eq!(judge_support(None, None), None);
        let current = judge_support(Some("go1.27.3"), None).unwrap();
        assert_eq!(current.support, Support::Supported);
        assert_eq!(current.table_as_of, release::TABLE_AS_OF);
    }

    #[test]
    fn libc_is_recognised_by_soname() {
        assert!(is_libc("libc.so.6"));
        assert!(is_libc("libc.musl-x86_64.so.1"));
        assert!(!is_libc("libcrypto.so.3"));
    }
}
