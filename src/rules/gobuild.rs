//! GS104, GS105 and GS4xx: what the Go build says. cgo and NSS are judged from what is really
//! linked in (reference §4.1), build paths from the pclntab file table, DWARF and buildinfo
//! replacements; `-trimpath` hides `-ldflags` in buildinfo, so `-s -w` is never judged here.

use super::{Finding, Rule, Sink};
use crate::elf::ElfFacts;
use crate::gobin::GoFacts;
use crate::gobin::release::Support;

pub(super) fn check(elf: &ElfFacts, go: &GoFacts, sink: &mut Sink) {
    cgo(elf, go, sink);
    build_paths(go, sink);
    toolchain_support(go, sink);
    vcs_modified(go, sink);
    buildinfo_missing(go, sink);
    local_replace(go, sink);
}

fn cgo(elf: &ElfFacts, go: &GoFacts, sink: &mut Sink) {
    if !go.cgo {
        return;
    }
    let evidence = &go.cgo_evidence;
    let shown = if evidence.evidence.is_empty() {
        "runtime/cgo".to_string()
    } else {
        super::first_few(
            &evidence.evidence,
            evidence.count.max(evidence.evidence.len()),
        )
    };
    let linked = if elf.needed.is_empty() {
        "linked statically"
    } else {
        "linked dynamically"
    };
    let calls = if evidence.c_calls.is_empty() {
        String::new()
    } else {
        format!(
            "; calls into C: {}",
            super::first_few(&evidence.c_calls, evidence.c_calls.len())
        )
    };
    let enabled = go
        .setting("CGO_ENABLED")
        .map(|v| format!(" (CGO_ENABLED={})", v.to_str_lossy()))
        .unwrap_or_default();
    sink.found(Finding::new(
        Rule::Cgo,
        format!(
            "cgo is linked in{enabled}, {linked}: {shown}{calls}"
        ),
        "build with CGO_ENABLED=0, or with -tags netgo,osusergo if cgo is needed for something else",
    ));
}

fn build_paths(go: &GoFacts, sink: &mut Sink) {
    let paths = &go.build_paths;
    if paths.count == 0 {
        return;
    }
    let sources: Vec<&str> = paths
        .sources
        .iter()
        .map(|s| match s {
            crate::gobin::analysis::PathSource::Pclntab => "function table",
            crate::gobin::analysis::PathSource::Dwarf => "DWARF",
            crate::gobin::analysis::PathSource::Buildinfo => "buildinfo",
            crate::gobin::analysis::PathSource::Symtab => "symbol table",
        })
        .collect();
    let trimpath = match go.setting("-trimpath").map(|v| v.to_str_lossy()) {
        Some(v) if v == "true" => {
            "; -trimpath=true is recorded, so these come from code it does not trim (C sources, DWARF, replacements)"
        }
        _ => "; no -trimpath in the build settings",
    };
    let plural = if paths.count == 1 { "" } else { "s" };
    sink.found(Finding::new(
        Rule::BuildPaths,
        format!(
            "{} absolute build path{plural} in the {}, e.g. {}{trimpath}",
            paths.count,
            sources.join(" and "),
            paths.examples.join(", ")
        ),
        "build with -trimpath (go build -trimpath, or GOFLAGS=-trimpath)",
    ));
}

fn toolchain_support(go: &GoFacts, sink: &mut Sink) {
    let Some(support) = &go.support else {
        return;
    };
    let Support::Unsupported { since } = &support.support else {
        return;
    };
    let (which, key) = match (&go.version, &go.version_range) {
        (Some(version), _) => {
            // The release line: a patch release of the same minor is the same problem.
            let line = crate::gobin::release::GoVersion::parse(version)
                .map_or_else(|| version.clone(), |v| format!("go{}", v.minor_name()));
            (version.clone(), line)
        }
        (None, Some(range)) => (
            format!("Go {range} (from the function table layout)"),
            range.to_string(),
        ),
        (None, None) => return,
    };
    sink.found(Finding::new(
        Rule::GoUnsupported,
        format!(
            "built with {which}, out of security support since {since}; supported: {} (release table as of {})",
            support.supported.join(", "),
            support.table_as_of
        ),
        format!(
            "rebuild with Go {} or newer",
            support.supported.first().map_or("", String::as_str)
        ),
    )
    .keyed(key));
}

fn vcs_modified(go: &GoFacts, sink: &mut Sink) {
    if go.setting("vcs.modified").is_none_or(|v| v != "true") {
        return;
    }
    let vcs = go
        .setting("vcs")
        .map_or("the VCS".into(), |v| v.to_str_lossy());
    let revision = go
        .setting("vcs.revision")
        .map(|r| format!(" at revision {}", r.to_str_lossy()))
        .unwrap_or_default();
    sink.found(Finding::new(
        Rule::VcsModified,
        format!(
            "built from a {vcs} working tree with uncommitted changes{revision} (vcs.modified=true)"
        ),
        "build from a clean checkout (in CI, from the commit)",
    ));
}

fn buildinfo_missing(go: &GoFacts, sink: &mut Sink) {
    if go.buildinfo.is_some() {
        return;
    }
    let how = match &go.pclntab {
        Some(table) => format!("a Go {} function table", table.go_range),
        None => "a Go build ID note".to_string(),
    };
    let problem = match &go.buildinfo_error {
        Some(error) => format!("its build information is unreadable ({error})"),
        None => "no build information (.go.buildinfo) was found".to_string(),
    };
    let version = match (&go.version, &go.version_source) {
        (Some(version), Some(source)) => format!("; the {} says {version}", source.describe()),
        _ => String::new(),
    };
    sink.found(Finding::new(
        Rule::NoBuildinfo,
        format!("Go binary ({how}) but {problem}{version}"),
        "build in module mode with Go 1.18 or newer and keep the .go.buildinfo section",
    ));
}

fn local_replace(go: &GoFacts, sink: &mut Sink) {
    let local: Vec<String> = go
        .main
        .iter()
        .chain(&go.deps)
        .filter_map(|module| {
            let replace = module.replace.as_ref()?;
            is_directory_path(&replace.path.to_str_lossy()).then(|| {
                format!(
                    "{} => {}",
                    module.path.to_str_lossy(),
                    replace.path.to_str_lossy()
                )
            })
        })
        .collect();
    if local.is_empty() {
        return;
    }
    let plural = if local.len() == 1 { "" } else { "s" };
    // The key: the replaced modules, not where they point (a checkout directory may move).
    let mut modules: Vec<String> = go
        .main
        .iter()
        .chain(&go.deps)
        .filter(|module| {
            module
                .replace
                .as_ref()
                .is_some_and(|r| is_directory_path(&r.path.to_str_lossy()))
        })
        .map(|module| module.path.to_str_lossy().into_owned())
        .collect();
    modules.sort();
    modules.dedup();
    let key = modules.join(" ");
    sink.found(Finding::new(
        Rule::LocalReplace,
        format!(
            "module{plural} replaced by a local directory: {}",
            local.join(", ")
        ),
        "publish the fork and replace with a module version, or remove the replace directive before release",
    )
    .keyed(key));
}

/// A replacement that names a directory rather than a module: `./x`, `../x`, `/abs`, `C:\x`
/// (`modfile.IsDirectoryPath`).
fn is_directory_path(path: &str) -> bool {
    path.starts_with("./")
        || path.starts_with("../")
        || path.starts_with('/')
        || path.starts_with(".\\")
        || path.starts_with("..\\")
        || path == "."
        || path == ".."
        || path
            .as_bytes()
            .get(1..3)
            .is_some_and(|b| b == b":\\" || b == b":/")
}
