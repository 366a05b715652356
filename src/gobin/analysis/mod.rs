//! Facts derived from what the readers found, as pure functions over function names, file
//! paths and DWARF: was cgo linked in, which build-machine paths leaked, which files the
//! program will look for at run time, whether glibc's NSS is inside, and the Go version when
//! buildinfo is gone. Nothing here decides whether a fact is a problem; the rules do.

pub mod cgo;
pub mod cpu_level;
pub mod needs;
pub mod nss;
pub mod paths;
pub mod runtime_string;
pub mod version;

use serde::Serialize;

pub use cgo::CgoEvidence;
pub use needs::{NEEDS, NeedKind, NeedSpec, RuntimeNeed};
pub use nss::glibc_nss;
pub use paths::{BuildPaths, PathScan, PathSource};
pub use version::{GoVersionGuess, VersionSource, go_version};

use crate::gobin::binary::Binary;
use crate::gobin::dwarf::{self, DwarfFacts, DwarfLimits};
use crate::gobin::pclntab::{self, Pclntab, PclntabFacts};

/// What the function names say, from one pass over them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FunctionFacts {
    /// Names examined, duplicates included: the pclntab's function count, less any record
    /// whose name fails a bounds check (`Table::func_names` skips those).
    pub functions: usize,
    pub cgo: CgoEvidence,
    pub needs: Vec<RuntimeNeed>,
}

/// One pass over function names (lazily read from the pclntab, or any list). Names no rule
/// could care about are only counted, never decoded: this runs on every function of every Go
/// binary `check` meets.
pub fn scan_functions<S: AsRef<[u8]>>(names: impl IntoIterator<Item = S>) -> FunctionFacts {
    let mut facts = FunctionFacts::default();
    let mut needs = needs::NeedScan::default();
    for name in names {
        let name = name.as_ref();
        facts.functions += 1;
        if !cgo::may_matter(name) && !needs::may_matter(name) {
            continue;
        }
        let name = String::from_utf8_lossy(name);
        facts.cgo.observe(&name);
        needs.observe(&name);
    }
    facts.needs = needs.finish();
    facts
}

/// A path scan seeded with the pclntab file table and DWARF line tables and compile
/// directories; the caller may add buildinfo paths before `finish`.
pub fn path_scan(pclntab: Option<&Pclntab<'_>>, dwarf: Option<&DwarfFacts>) -> PathScan {
    let mut scan = PathScan::new();
    if let Some(table) = pclntab {
        for file in table.table.file_names() {
            scan.add(PathSource::Pclntab, &file);
        }
    }
    if let Some(dwarf) = dwarf {
        for path in dwarf.files.iter().chain(&dwarf.comp_dirs) {
            scan.add(PathSource::Dwarf, path);
        }
    }
    scan
}

/// Everything the Go readers and derivations give for one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoAnalysis {
    pub pclntab: Option<PclntabFacts>,
    pub dwarf: Option<DwarfFacts>,
    pub functions: Option<FunctionFacts>,
    pub build_paths: BuildPaths,
    pub version: Option<GoVersionGuess>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct AnalysisOptions {
    pub search: pclntab::Search,
    /// Read DWARF (costly when compressed); `None` skips it.
    pub dwarf: Option<DwarfLimits>,
    /// Guess the Go version (symbol table, DWARF, pclntab); for files without buildinfo.
    pub version_fallback: bool,
}

/// Run the pclntab and DWARF readers and derive the facts above.
pub fn analyze(bin: &Binary<'_>, options: &AnalysisOptions) -> GoAnalysis {
    let table = pclntab::find_with(bin, options.search);
    let dwarf = options
        .dwarf
        .and_then(|limits| dwarf::read(bin.data, &limits));
    let functions = table
        .as_ref()
        .map(|t| scan_functions(t.table.func_name_bytes()));
    let build_paths = path_scan(table.as_ref(), dwarf.as_ref()).finish();
    let version = options
        .version_fallback
        .then(|| go_version(bin, dwarf.as_ref(), table.as_ref()))
        .flatten();
    GoAnalysis {
        pclntab: table.as_ref().map(Pclntab::facts),
        dwarf,
        functions,
        build_paths,
        version,
    }
}
