//! GS104, GS105 and GS4xx: what the Go build says. cgo and NSS are judged from what is really
//! linked in (reference §4.1), build paths from the pclntab file table, DWARF and buildinfo
//! replacements; `-trimpath` hides `-ldflags` in buildinfo, so `-s -w` is never judged here.

use super::{Finding, Rule, Sink};
use crate::elf::ElfFacts;
use crate::gobin::GoFacts;
use crate::gobin::analysis::cpu_level::{CpuArch, LevelSource};
use crate::gobin::release::Support;

pub(super) fn check(elf: &ElfFacts, go: &GoFacts, sink: &mut Sink) {
    cgo(elf, go, sink);
    build_paths(go, sink);
    toolchain_support(go, sink);
    vcs_modified(go, sink);
    buildinfo_missing(go, sink);
    local_replace(go, sink);
    cpu_level(go, sink);
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
pub fn is_directory_path(path: &str) -> bool {
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

/// GS406: a level above the architecture's baseline (`GOAMD64=v3`).
fn cpu_level(go: &GoFacts, sink: &mut Sink) {
    let Some(level) = go.cpu_level.as_ref().filter(|l| l.above_baseline()) else {
        return;
    };
    let setting = format!("{}={}", level.variable, level.value);
    let source = match level.source {
        LevelSource::Buildinfo => "buildinfo",
        LevelSource::RuntimeCheck => "the runtime's start-up check",
    };
    let first = level.value.split(',').next().unwrap_or(&level.value);
    // Without buildinfo, arm64's LSE check says v8.1 or newer.
    let first = if first == "lse" { "v8.1" } else { first };
    let (arch, effect) = match level.arch {
        // runtime/asm_amd64.s: rt0_go checks CPUID and prints bad_cpu_msg.
        CpuArch::Amd64 => (
            "amd64",
            format!(
                "it refuses to start on amd64 CPUs below {first} (\"This program can only be run on AMD64 processors with {first} microarchitecture support.\")"
            ),
        ),
        // runtime/asm_arm64.s checks LSE only (no_lse_msg, v8.1+ or `,lse`); a newer
        // instruction beyond that raises SIGILL when it runs.
        CpuArch::Arm64 => (
            "arm64",
            format!(
                "it uses instructions arm64 CPUs below {first} lack (without LSE: \"This program can only run on ARM64 processors with LSE support.\")"
            ),
        ),
        CpuArch::Arm => ("arm", format!("it needs an ARMv{first} CPU")),
        CpuArch::I386 => ("386", format!("it needs {first}")),
    };
    let baseline = match level.arch {
        CpuArch::Amd64 => "GOAMD64=v1",
        CpuArch::Arm64 => "GOARM64=v8.0",
        CpuArch::Arm => "GOARM=7",
        CpuArch::I386 => "GO386=sse2",
    };
    sink.found(
        Finding::new(
            Rule::CpuLevel,
            format!(
                "built with {setting} ({source}): {effect}"
            ),
            format!(
                "build with {baseline} to run on every {arch} CPU, or publish the image as linux/{arch}/{first} and run it only there"
            ),
        )
        .keyed(setting),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::{self, Finding, Rule, Severity};
    use crate::testkit::elf::fixture;

    fn cpu_findings(data: &[u8]) -> Vec<Finding> {
        let facts = crate::facts::read(data).unwrap().unwrap();
        rules::evaluate(&facts)
            .findings
            .into_iter()
            .filter(|f| f.rule == Rule::CpuLevel)
            .collect()
    }

    #[test]
    fn a_level_above_the_baseline_is_a_note_keyed_by_the_setting() {
        let found = cpu_findings(&fixture("go/go-amd64-v3"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Note);
        assert_eq!(found[0].key.as_deref(), Some("GOAMD64=v3"));
        assert_eq!(
            found[0].message,
            "built with GOAMD64=v3 (buildinfo): it refuses to start on amd64 CPUs below v3 (\"This program can only be run on AMD64 processors with v3 microarchitecture support.\")"
        );
        let arm64 = cpu_findings(&fixture("go/go-arm64-v8.2"));
        assert_eq!(arm64[0].key.as_deref(), Some("GOARM64=v8.2"));
        assert!(
            arm64[0].fix.contains("linux/arm64/v8.2"),
            "{}",
            arm64[0].fix
        );
    }

    #[test]
    fn the_baseline_is_quiet() {
        for path in [
            "bin/go-static-stripped",
            "bin/go-arm64",
            "go/go-arm",
            "go/go-386",
        ] {
            assert!(cpu_findings(&fixture(path)).is_empty(), "{path}");
        }
    }

    #[test]
    fn without_buildinfo_the_runtime_check_speaks() {
        let erase = |mut data: Vec<u8>| {
            let at = memchr::memmem::find(&data, b"\xff Go buildinf:").unwrap();
            data[at] = 0;
            data
        };
        let found = cpu_findings(&erase(fixture("go/go-amd64-v3")));
        assert_eq!(found[0].key.as_deref(), Some("GOAMD64=v3"));
        assert!(
            found[0]
                .message
                .starts_with("built with GOAMD64=v3 (the runtime's start-up check)"),
            "{}",
            found[0].message
        );
        let arm64 = cpu_findings(&erase(fixture("go/go-arm64-v8.2")));
        assert_eq!(arm64[0].key.as_deref(), Some("GOARM64=lse"));
        assert!(
            arm64[0].message.contains("below v8.1"),
            "{}",
            arm64[0].message
        );
        assert!(
            arm64[0].fix.contains("linux/arm64/v8.1"),
            "{}",
            arm64[0].fix
        );
    }
}
