//! GS504 missing-libraries: each dynamic program's loader and libraries, resolved inside the
//! image root the way the kernel and ld.so would (and `lddtree --root` does), breadth first
//! through the libraries' own DT_NEEDED entries.
//!
//! The model, per glibc `elf/dl-load.c` `_dl_map_object`: a name already loaded (by the name
//! asked for or its DT_SONAME, the loader included) is reused; a name with a `/` is a path;
//! otherwise the DT_RPATH of the object that needs it and of each object up the chain to the
//! program (only when that object has no DT_RUNPATH), then `LD_LIBRARY_PATH` from the config's
//! Env, then the object's DT_RUNPATH, then the ld.so.conf directories (what ld.so.cache holds:
//! only when the image has /etc/ld.so.cache, assuming ldconfig ran after the last change to
//! ld.so.conf), then the defaults. musl (`ldso/dynlink.c` `load_library`) answers
//! `libc.*`, `libm.*`, `libpthread.*`… with the loader itself, then searches LD_LIBRARY_PATH,
//! the RUNPATH (or RPATH) of each object up the chain, then its path file or defaults.
//! A candidate counts only if it is an ELF of the program's class, machine and byte order:
//! ld.so skips others and goes on searching. A file too big to analyse is taken on trust.
//!
//! `check`'s GS101/GS102 ("an empty image does not have …") speak of an empty image; here they
//! become notes of what this image has (`the image has it`, `the image lacks libfoo.so.1`), and
//! GS504 is the one error per missing file.

use std::collections::{HashSet, VecDeque};

use super::lookup::{self, Executables};
use super::search::{self, Flavor, Tokens};
use super::{Collected, FileUpdate};
use crate::elf::{ElfClass, ElfFacts};
use crate::facts::FileFacts;
use crate::image::{Image, path};
use crate::rules::{Finding, Rule, Severity, linking};

/// A file a program needs that the image has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found {
    /// The interpreter path or DT_NEEDED name asked for.
    pub name: String,
    /// Where the loader finds it (perhaps a symlink): what a COPY names.
    pub path: String,
    /// Its real path after symlinks.
    pub real: String,
    /// Found in an ld.so.conf directory, which glibc's loader knows only from ld.so.cache.
    pub via_cache: bool,
}

/// A file a program needs that the image lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Missing {
    pub name: String,
    /// The library whose DT_NEEDED asks for it; `None` when the program itself does.
    pub needed_by: Option<String>,
    /// The PT_INTERP loader, not a library.
    pub loader: bool,
    /// The directories looked in, in order.
    pub searched: Vec<String>,
    /// Files of the right name that ld.so would skip: `/lib/libc.so.6 (ELF32 i386)`.
    pub skipped: Vec<String>,
}

/// What one dynamic program needs, found or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Closure {
    /// Index into `Image::files`.
    pub index: usize,
    pub flavor: Flavor,
    pub loader: Option<Found>,
    /// In load order (breadth first).
    pub libraries: Vec<Found>,
    pub missing: Vec<Missing>,
}

/// The closures of every dynamic program of an image.
#[derive(Debug, Default)]
pub(super) struct Libraries {
    pub closures: Vec<Closure>,
}

impl Libraries {
    pub(super) fn of(&self, index: usize) -> Option<&Closure> {
        self.closures.iter().find(|c| c.index == index)
    }
}

/// Resolve the loader and libraries of every program that has a PT_INTERP or DT_NEEDED.
pub(super) fn resolve_all(image: &Image<FileFacts>) -> Libraries {
    let context = Context {
        image,
        executables: Executables::new(image),
        conf: if has_cache(image) {
            search::ld_so_conf(&image.tree)
        } else {
            Vec::new()
        },
        cwd: lookup::working_dir(image),
    };
    let closures = image
        .files
        .iter()
        .enumerate()
        .filter_map(|(index, file)| {
            let elf = file.inspection.elf_facts()?;
            let program = file.image_path.as_str();
            let dynamic = elf.interpreter.is_some() || !elf.needed.is_empty();
            // The kernel refuses it before any loader is looked for (the image verdict says so).
            let loads = elf.linking.is_executable() && elf.kernel_refuses.is_none();
            (loads && dynamic).then(|| context.resolve(index, program, elf))
        })
        .collect();
    Libraries { closures }
}

/// GS504 for each file a program needs and the image lacks; GS101/GS102, which say what an
/// empty image lacks, become notes of what this image has.
pub(super) fn check(image: &Image<FileFacts>, libraries: &Libraries, evaluation: &mut Collected) {
    for closure in &libraries.closures {
        let file = &image.files[closure.index];
        let program = file.image_path.as_str();
        let Some(elf) = file.inspection.elf_facts() else {
            continue;
        };
        let mut add: Vec<Finding> = closure
            .missing
            .iter()
            .map(|m| finding(program, elf, closure, m))
            .collect();
        add.extend(facts_in_image(elf, closure));
        evaluation.file_updates.push(FileUpdate {
            index: closure.index,
            drop: vec![Rule::DynamicInterpreter, Rule::NeededLibraries],
            add,
        });
    }
}

/// GS101 and GS102 inside an image: the loader and libraries, where the image has them (notes,
/// keyed as in `check` so a baseline matches either).
fn facts_in_image(elf: &ElfFacts, closure: &Closure) -> Vec<Finding> {
    let mut notes = Vec::new();
    let missing = |name: &str| closure.missing.iter().any(|m| m.name == name);
    if let Some(interp) = &elf.interpreter {
        let where_ = match &closure.loader {
            Some(found) if found.real != found.path => {
                format!("the image has it ({} -> {})", found.path, found.real)
            }
            Some(_) => "the image has it".to_string(),
            None => "the image does not have it (GS504)".to_string(),
        };
        let mut note = Finding::new(
            Rule::DynamicInterpreter,
            format!("requests the ELF interpreter {interp}: {where_}"),
            linking::interpreter_fix(elf),
        )
        .keyed(interp.clone());
        note.severity = Severity::Note;
        notes.push(note);
    }
    if !elf.needed.is_empty() {
        let lacking: Vec<&str> = elf
            .needed
            .iter()
            .map(String::as_str)
            .filter(|name| missing(name))
            .collect();
        let where_ = if lacking.is_empty() {
            "the image has them all".to_string()
        } else {
            format!("the image lacks {} (GS504)", lacking.join(", "))
        };
        let mut note = Finding::new(
            Rule::NeededLibraries,
            format!(
                "needs {}: {}; {where_}",
                linking::libraries(elf.needed.len()),
                elf.needed.join(", ")
            ),
            linking::needed_fix(elf),
        )
        .keyed(linking::libraries_key(&elf.needed));
        note.severity = Severity::Note;
        notes.push(note);
    }
    notes
}

fn finding(program: &str, elf: &ElfFacts, closure: &Closure, missing: &Missing) -> Finding {
    let what = if missing.loader {
        format!("the ELF interpreter {}", missing.name)
    } else {
        missing.name.clone()
    };
    let by = missing
        .needed_by
        .as_deref()
        .map(|lib| format!(" (needed by {lib})"))
        .unwrap_or_default();
    let mut evidence = Vec::new();
    if !missing.searched.is_empty() {
        evidence.push(format!("searched {}", missing.searched.join(", ")));
    }
    if !missing.skipped.is_empty() {
        evidence.push(format!("skipped {}", missing.skipped.join(", ")));
    }
    let evidence = if evidence.is_empty() {
        String::new()
    } else {
        format!(" ({})", evidence.join("; "))
    };
    let message = format!("{program} needs {what}{by}, which is not in the image{evidence}");

    let rebuild = if elf.go {
        "build with CGO_ENABLED=0 so it needs nothing, or "
    } else {
        "link it statically, or "
    };
    let copy = if missing.loader || missing.name.contains('/') {
        let dir = lookup::parent(&path::normalise_clamped(&missing.name));
        format!("COPY --from=build {} {dir}/", missing.name)
    } else {
        let dir = match &closure.flavor {
            Flavor::Glibc => search::glibc_defaults(elf.arch, elf.class == ElfClass::Elf64)
                .into_iter()
                .next()
                .unwrap_or_else(|| "/lib".into()),
            Flavor::Musl(_) => "/lib".into(),
        };
        format!("COPY --from=build {dir}/{} {dir}/", missing.name)
    };
    let glibc = matches!(closure.flavor, Flavor::Glibc);
    let base = match crate::rules::bases::smallest_shipping(&missing.name, missing.loader, glibc) {
        Some(base) => format!(", or use a base image that has it ({})", base.describe()),
        None => ", or use a base image that has it (none that gostatic knows ships it)".into(),
    };
    Finding::new(
        Rule::MissingLibraries,
        message,
        format!("{rebuild}copy it into the final stage ({copy}){base}"),
    )
    .keyed(missing.name.clone())
}

/// Everything the search reads, computed once per image.
struct Context<'a> {
    image: &'a Image<FileFacts>,
    executables: Executables<'a>,
    conf: Vec<String>,
    cwd: String,
}

/// The class, machine and byte order a program's loader and libraries must share.
#[derive(Clone, Copy)]
struct Target<'a> {
    elf: &'a ElfFacts,
}

impl Target<'_> {
    fn accepts(&self, other: &ElfFacts) -> bool {
        other.class == self.elf.class
            && other.machine_id == self.elf.machine_id
            && other.endian == self.elf.endian
    }
}

/// An object in the program's link map.
struct Loaded<'a> {
    /// Names it answers to: the name it was loaded by and its DT_SONAME.
    names: Vec<String>,
    /// `None` for a file too big to analyse.
    facts: Option<&'a ElfFacts>,
    /// `$ORIGIN`: the directory it was found in.
    origin: String,
    /// Where it was found (for messages).
    path: String,
    /// The object that first needed it (`l_loader`); `None` for the program and the loader.
    parent: Option<usize>,
}

/// Why a candidate does not count: absent, or present but skipped (with the reason).
type Rejection = Option<String>;

impl<'a> Context<'a> {
    fn resolve(&self, index: usize, program: &str, elf: &'a ElfFacts) -> Closure {
        let target = Target { elf };
        let flavor = Flavor::of(elf.interpreter.as_deref());
        let real = self
            .image
            .tree
            .resolve(program)
            .map_or_else(|| program.to_string(), |(real, _)| real);
        let mut closure = Closure {
            index,
            flavor: flavor.clone(),
            loader: None,
            libraries: Vec::new(),
            missing: Vec::new(),
        };
        let mut loaded = vec![Loaded {
            names: Vec::new(),
            facts: Some(elf),
            origin: lookup::parent(&real),
            path: program.to_string(),
            parent: None,
        }];
        if let Some(interp) = &elf.interpreter {
            let at = path::normalise_clamped(&lookup::absolute(interp, &self.cwd));
            match self.candidate(&at, target) {
                Ok((real, facts)) => {
                    let base = interp.rsplit('/').next().unwrap_or(interp).to_string();
                    let mut names = vec![interp.clone(), base];
                    names.extend(facts.and_then(|f| f.soname.clone()));
                    loaded.push(Loaded {
                        names,
                        facts,
                        origin: lookup::parent(&at),
                        path: at.clone(),
                        parent: None,
                    });
                    closure.loader = Some(Found {
                        name: interp.clone(),
                        path: at,
                        real,
                        via_cache: false,
                    });
                }
                Err(skipped) => closure.missing.push(Missing {
                    name: interp.clone(),
                    needed_by: None,
                    loader: true,
                    searched: Vec::new(),
                    skipped: skipped.into_iter().collect(),
                }),
            }
        }

        let mut queue = VecDeque::from([0usize]);
        let mut missing_names = HashSet::new();
        while let Some(current) = queue.pop_front() {
            let Some(facts) = loaded[current].facts else {
                continue;
            };
            for name in &facts.needed {
                if matches!(flavor, Flavor::Musl(_)) && is_musl_libc(name) {
                    continue;
                }
                if loaded.iter().any(|l| l.names.contains(name)) || missing_names.contains(name) {
                    continue;
                }
                let needed_by = (current != 0).then(|| loaded[current].path.clone());
                match self.search(name, current, &loaded, &flavor, target) {
                    Ok((found, facts)) => {
                        let mut names = vec![name.clone()];
                        names.extend(facts.and_then(|f| f.soname.clone()));
                        loaded.push(Loaded {
                            names,
                            facts,
                            origin: lookup::parent(&found.path),
                            path: found.path.clone(),
                            parent: Some(current),
                        });
                        queue.push_back(loaded.len() - 1);
                        closure.libraries.push(found);
                    }
                    Err((searched, skipped)) => {
                        missing_names.insert(name.clone());
                        closure.missing.push(Missing {
                            name: name.clone(),
                            needed_by,
                            loader: false,
                            searched,
                            skipped,
                        });
                    }
                }
            }
        }
        closure
    }

    /// Look for `name`, needed by `loaded[current]`, where the loader would.
    #[allow(clippy::type_complexity)]
    fn search(
        &self,
        name: &str,
        current: usize,
        loaded: &[Loaded<'a>],
        flavor: &Flavor,
        target: Target<'a>,
    ) -> Result<(Found, Option<&'a ElfFacts>), (Vec<String>, Vec<String>)> {
        let mut skipped = Vec::new();
        if name.contains('/') {
            let at = path::normalise_clamped(&lookup::absolute(name, &self.cwd));
            return match self.candidate(&at, target) {
                Ok((real, facts)) => Ok((
                    Found {
                        name: name.to_string(),
                        path: at,
                        real,
                        via_cache: false,
                    },
                    facts,
                )),
                Err(reason) => Err((Vec::new(), reason.into_iter().collect())),
            };
        }
        let dirs = self.directories(current, loaded, flavor, target);
        for (dir, via_cache) in &dirs {
            let at = path::join(dir, name);
            match self.candidate(&at, target) {
                Ok((real, facts)) => {
                    let found = Found {
                        name: name.to_string(),
                        path: at,
                        real,
                        via_cache: *via_cache,
                    };
                    return Ok((found, facts));
                }
                Err(Some(reason)) => skipped.push(reason),
                Err(None) => {}
            }
        }
        Err((dirs.into_iter().map(|(d, _)| d).collect(), skipped))
    }

    /// The search list for a name `loaded[current]` needs, each directory once, flagged when
    /// it comes from ld.so.conf (so only from ld.so.cache at run time).
    fn directories<'b>(
        &'b self,
        current: usize,
        loaded: &'b [Loaded<'a>],
        flavor: &'b Flavor,
        target: Target<'a>,
    ) -> Vec<(String, bool)> {
        let tokens = |origin: &'b str| Tokens {
            origin,
            cwd: &self.cwd,
            arch: target.elf.arch,
            is_64: target.elf.class == ElfClass::Elf64,
            flavor,
        };
        let chain =
            || std::iter::successors(Some(current), |&i| loaded[i].parent).map(|i| &loaded[i]);
        let env_dirs: Vec<String> = lookup::env(self.image, "LD_LIBRARY_PATH")
            .map(|v| {
                v.split([':', ';'])
                    .flat_map(|e| tokens(&loaded[0].origin).expand(e))
                    .collect()
            })
            .unwrap_or_default();
        let mut dirs = Vec::new();
        let mut conf = Vec::new();
        let defaults = match flavor {
            Flavor::Glibc => {
                let own = loaded[current].facts;
                if own.is_none_or(|f| f.runpath.is_empty()) {
                    for object in chain() {
                        if let Some(f) = object.facts.filter(|f| f.runpath.is_empty()) {
                            let t = tokens(&object.origin);
                            dirs.extend(f.rpath.iter().flat_map(|e| t.expand(e)));
                        }
                    }
                }
                dirs.extend(env_dirs);
                if let Some(f) = own {
                    let t = tokens(&loaded[current].origin);
                    dirs.extend(f.runpath.iter().flat_map(|e| t.expand(e)));
                }
                conf.clone_from(&self.conf);
                search::glibc_defaults(target.elf.arch, target.elf.class == ElfClass::Elf64)
            }
            Flavor::Musl(arch) => {
                dirs.extend(env_dirs);
                for object in chain() {
                    if let Some(f) = object.facts {
                        let entries = if f.runpath.is_empty() {
                            &f.rpath
                        } else {
                            &f.runpath
                        };
                        let t = tokens(&object.origin);
                        dirs.extend(entries.iter().flat_map(|e| t.expand(e)));
                    }
                }
                search::musl_defaults(&self.image.tree, arch)
            }
        };
        let mut seen = HashSet::new();
        dirs.into_iter()
            .map(|d| (d, false))
            .chain(conf.into_iter().map(|d| (d, true)))
            .chain(defaults.into_iter().map(|d| (d, false)))
            .filter(|(d, _)| seen.insert(d.clone()))
            .collect()
    }

    /// A file at `at` the loader would accept: its real path and facts.
    fn candidate(
        &self,
        at: &str,
        target: Target<'a>,
    ) -> Result<(String, Option<&'a ElfFacts>), Rejection> {
        let (real, node) = self.image.tree.resolve(at).ok_or(None)?;
        if !node.is_file() {
            return Err(None);
        }
        if let Some(elf) = self.executables.elf(&real) {
            return if target.accepts(elf) {
                Ok((real, Some(elf)))
            } else {
                Err(Some(format!("{at} ({} {})", elf.class, elf.machine)))
            };
        }
        if self.executables.index(&real).is_none() && self.executables.is_too_big(&real) {
            return Ok((real, None));
        }
        Err(Some(format!("{at} (not a loadable ELF file)")))
    }
}

/// glibc's loader reads ld.so.conf directories only from `/etc/ld.so.cache`: without the
/// cache (ldconfig never ran in the image) they are not searched.
fn has_cache(image: &Image<FileFacts>) -> bool {
    image
        .tree
        .resolve("/etc/ld.so.cache")
        .is_some_and(|(_, node)| node.is_file())
}

/// Names musl's loader answers itself (`ldso/dynlink.c`: the reserved `libc.`, `libpthread.`,
/// `librt.`, `libm.`, `libdl.`, `libutil.`, `libxnet.` prefixes).
fn is_musl_libc(name: &str) -> bool {
    const RESERVED: [&str; 7] = ["c.", "pthread.", "rt.", "m.", "dl.", "util.", "xnet."];
    name.strip_prefix("lib")
        .is_some_and(|rest| RESERVED.iter().any(|r| rest.starts_with(r)))
}

#[cfg(test)]
#[path = "libs_tests.rs"]
mod tests;
