//! GS505 symbol-versions: each program's DT_VERNEED, and that of every library it pulls in,
//! checked against the DT_VERDEF of the object each need resolves to in the image: the
//! libraries (and loader) GS504's closure found. glibc does this in `elf/dl-version.c`
//! (`_dl_check_map_versions`) before the program runs, and stops with "version `GLIBC_2.34'
//! not found (required by /app)".
//!
//! As there, a need is unmet only when the library it names was loaded, has version
//! definitions, lacks the version, and the need is not weak (VER_FLG_WEAK): a library without
//! DT_VERDEF, or a weak need, draws only a warning from ld.so. A library that is missing is
//! GS504's, not ours; a file too big to analyse is taken on trust. musl's loader does not check
//! versions, so musl programs are not judged.

use super::libs::{Closure, Libraries};
use super::lookup::Executables;
use super::search::Flavor;
use super::{Collected, FileUpdate};
use crate::elf::ElfFacts;
use crate::elf::versions::{newest, parse_version};
use crate::facts::FileFacts;
use crate::image::Image;
use crate::rules::bases::{self, Libc};
use crate::rules::{Finding, Rule};

/// One version a program (or one of its libraries) needs that its library does not define.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unmet {
    /// The library that needs it; `None` when the program itself does.
    pub needed_by: Option<String>,
    /// The version: `GLIBC_2.34`.
    pub version: String,
    /// The library named in DT_VERNEED (`libc.so.6`).
    pub library: String,
    /// Where that library is in the image.
    pub path: String,
    /// The newest version of the same family the library defines (`GLIBC_2.30`), if any.
    pub newest: Option<String>,
    /// The library's glibc release (`2.31`), when it is glibc's libc.so.6.
    pub release: Option<String>,
}

/// An object of the program's link map, as the closure found it.
struct Object<'a> {
    /// The names it answers to: the name it was loaded by, its DT_SONAME.
    names: Vec<&'a str>,
    path: &'a str,
    facts: Option<&'a ElfFacts>,
}

/// The unmet versions of one program's closure.
pub(super) fn unmet(
    image: &Image<FileFacts>,
    executables: &Executables,
    closure: &Closure,
) -> Vec<Unmet> {
    if !matches!(closure.flavor, Flavor::Glibc) {
        return Vec::new();
    }
    let file = &image.files[closure.index];
    let mut objects = vec![Object {
        names: Vec::new(),
        path: &file.image_path,
        facts: file.inspection.elf_facts(),
    }];
    if let Some(loader) = &closure.loader {
        let facts = executables.elf(&loader.real);
        let base = loader.name.rsplit('/').next().unwrap_or(&loader.name);
        let mut names = vec![loader.name.as_str(), base];
        names.extend(facts.and_then(|f| f.soname.as_deref()));
        objects.push(Object {
            names,
            path: &loader.path,
            facts,
        });
    }
    for library in &closure.libraries {
        let facts = executables.elf(&library.real);
        let mut names = vec![library.name.as_str()];
        names.extend(facts.and_then(|f| f.soname.as_deref()));
        objects.push(Object {
            names,
            path: &library.path,
            facts,
        });
    }

    let mut unmet = Vec::new();
    for (at, object) in objects.iter().enumerate() {
        let Some(facts) = object.facts else {
            continue;
        };
        for need in &facts.version_needs {
            let Some(target) = objects
                .iter()
                .find(|o| o.names.contains(&need.file.as_str()))
            else {
                continue; // not loaded: GS504 says so
            };
            let Some(defs) = target.facts.map(|f| &f.version_defs) else {
                continue;
            };
            if defs.is_empty() {
                continue;
            }
            for version in &need.versions {
                if defs.contains(version) || need.weak.contains(version) {
                    continue;
                }
                let family = parse_version(version).map(|(f, _)| f);
                unmet.push(Unmet {
                    needed_by: (at != 0).then(|| object.path.to_string()),
                    version: version.clone(),
                    library: need.file.clone(),
                    path: target.path.to_string(),
                    newest: family
                        .and_then(|f| newest(defs.iter().map(String::as_str), f))
                        .map(str::to_string),
                    release: target.facts.and_then(|f| f.glibc_release.clone()),
                });
            }
        }
    }
    unmet
}

/// GS505 for each unmet version of each program.
pub(super) fn check(image: &Image<FileFacts>, libraries: &Libraries, evaluation: &mut Collected) {
    let executables = Executables::new(image);
    for closure in &libraries.closures {
        let program = image.files[closure.index].image_path.as_str();
        let go = image.files[closure.index]
            .inspection
            .elf_facts()
            .is_some_and(|e| e.go);
        let add: Vec<Finding> = unmet(image, &executables, closure)
            .iter()
            .map(|u| finding(program, go, u))
            .collect();
        if !add.is_empty() {
            evaluation.file_updates.push(FileUpdate {
                index: closure.index,
                drop: Vec::new(),
                add,
            });
        }
    }
}

fn finding(program: &str, go: bool, unmet: &Unmet) -> Finding {
    let by = unmet
        .needed_by
        .as_deref()
        .map(|lib| format!(" (through {lib})"))
        .unwrap_or_default();
    let glibc = unmet
        .release
        .as_deref()
        .map(|v| format!(", glibc {v}"))
        .unwrap_or_default();
    let defines = match &unmet.newest {
        Some(newest) => format!("defines up to {newest}"),
        None => {
            let family = parse_version(&unmet.version).map_or(unmet.version.as_str(), |v| v.0);
            format!("defines no {family} version")
        }
    };
    let message = format!(
        "{program} needs {} from {}{by}; the image's {} ({}{glibc}) {defines}",
        unmet.version, unmet.library, unmet.library, unmet.path
    );
    Finding::new(Rule::SymbolVersions, message, fix(go, unmet))
        .keyed(format!("{} {}", unmet.library, unmet.version))
}

/// Build against the image's libraries, or move to a base that defines the version (named
/// only when the base table knows one), or (Go) drop cgo.
fn fix(go: bool, unmet: &Unmet) -> String {
    let older = match unmet.newest.as_deref() {
        Some(newest) => format!(
            "build it against the image's {} (a builder whose {} is at most {newest})",
            unmet.library, unmet.library
        ),
        None => format!("build it against the image's {}", unmet.library),
    };
    let base = bases::TABLE.iter().find(|b| {
        b.has_library(&unmet.library)
            && (b.has_glibc_version(&unmet.version) || b.has_glibcxx_version(&unmet.version))
    });
    let base = match base {
        Some(b) if matches!(b.libc, Libc::Glibc(_)) => {
            format!(", or use a base image that defines it ({})", b.describe())
        }
        _ => format!(
            ", or use a base image whose {} defines {}",
            unmet.library, unmet.version
        ),
    };
    let rebuild = if go {
        "; or build with CGO_ENABLED=0 so it needs no libc"
    } else {
        ""
    };
    format!("{older}{base}{rebuild}")
}

#[cfg(test)]
#[path = "versions_tests.rs"]
mod tests;
