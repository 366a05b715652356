//! GS1xx: what stops a binary from starting on an empty (`FROM scratch`) image.

use super::{Finding, Rule, Sink};
use crate::elf::{ElfFacts, Linking};
use crate::facts::ScriptFacts;
use crate::foreign::ForeignFacts;
use crate::input::Format;

/// How to need no loader: the advice of GS101, in `check` and in an image.
pub(super) fn interpreter_fix(elf: &ElfFacts) -> &'static str {
    match (elf.linking, elf.go) {
        (Linking::PieWithInterpreter, true) => {
            "build without -buildmode=pie, or as a static PIE: -buildmode=pie -ldflags='-linkmode=external -extldflags=-static-pie'"
        }
        (_, true) => {
            "build with CGO_ENABLED=0, or link statically: -ldflags='-linkmode=external -extldflags=-static'"
        }
        (_, false) => {
            "link with -static (or -static-pie), or copy the loader and its libraries into the image"
        }
    }
}

/// How to need no shared library: the advice of GS102.
pub(super) fn needed_fix(elf: &ElfFacts) -> String {
    if elf.go {
        return "build with CGO_ENABLED=0, or link statically: -ldflags='-linkmode=external -extldflags=-static'".to_string();
    }
    // Name a base only when the base table says it ships every one of them.
    let base = match super::fit(&super::Needs::of(elf, None)).base {
        Some(base) => format!(
            ", or use a base image that has them: {}",
            super::bases::entry(base).describe()
        ),
        None => ", or use a base image that has them (none that gostatic knows ships them all)"
            .to_string(),
    };
    format!("link with -static, or copy these libraries into the image{base}")
}

/// `1 shared library`, `3 shared libraries`.
pub(super) fn libraries(count: usize) -> String {
    let plural = if count == 1 { "y" } else { "ies" };
    format!("{count} shared librar{plural}")
}

pub(super) fn check(elf: &ElfFacts, sink: &mut Sink) {
    if elf.os != crate::elf::ElfOs::Linux {
        sink.found(
            Finding::new(
                Rule::NotLinux,
                format!("ELF for {} (EI_OSABI {}), not for Linux", elf.os, elf.osabi),
                "build for Linux (GOOS=linux)",
            )
            .keyed(elf.os.to_string()),
        );
    }
    if !elf.linking.is_executable() {
        return;
    }
    if let Some(interp) = &elf.interpreter {
        sink.found(
            Finding::new(
                Rule::DynamicInterpreter,
                format!(
                    "requests the ELF interpreter {interp}, which an empty image does not have"
                ),
                interpreter_fix(elf),
            )
            .keyed(interp.clone()),
        );
    }
    if !elf.needed.is_empty() {
        sink.found(
            Finding::new(
                Rule::NeededLibraries,
                format!(
                    "needs {}: {}",
                    libraries(elf.needed.len()),
                    elf.needed.join(", ")
                ),
                needed_fix(elf),
            )
            .keyed(libraries_key(&elf.needed)),
        );
    }
    // From glibc 2.34 the files and dns modules are part of libc (libc.a too): such a binary
    // loads nothing for the default configuration, and only a module an image's own
    // nsswitch.conf names (sss, ldap, systemd...) would be dlopened, which is the image's
    // choice, not a property of the binary.
    if let Some(nss) = elf.glibc_nss.as_ref().filter(|nss| nss.loads_modules()) {
        let fix = if elf.go {
            "build with CGO_ENABLED=0 or -tags netgo,osusergo"
        } else {
            "link against musl or glibc 2.34 or later, or avoid NSS calls (getaddrinfo, getpwnam...) in a static binary; or use a base image with the same glibc"
        };
        let evidence: Vec<String> = nss
            .symbols
            .iter()
            .map(String::as_str)
            .chain(nss.strings.iter().copied())
            .take(3)
            .map(|s| format!("\"{s}\""))
            .collect();
        sink.found(Finding::new(
            Rule::StaticGlibcNss,
            format!(
                "statically linked glibc with NSS and no built-in files/dns modules (before 2.34; {}): name and user lookups dlopen libnss_*.so from the build's glibc at run time",
                evidence.join(", ")
            ),
            fix,
        ));
    }
    let mut search = Vec::new();
    if !elf.rpath.is_empty() {
        search.push(format!("DT_RPATH {}", elf.rpath.join(":")));
    }
    if !elf.runpath.is_empty() {
        search.push(format!("DT_RUNPATH {}", elf.runpath.join(":")));
    }
    if !search.is_empty() {
        sink.found(Finding::new(
            Rule::Rpath,
            format!("{}: the loader searches these directories first", search.join(", ")),
            "link without -rpath (-Wl,-rpath), and install libraries where the image's loader looks",
        )
        .keyed(search.join(", ")));
    }
}

pub(super) fn check_foreign(foreign: &ForeignFacts, sink: &mut Sink) {
    let kind = match foreign.format {
        Format::Pe => "Windows PE executable",
        Format::MachOFat => "macOS universal (fat) Mach-O binary",
        Format::MachO | Format::Elf | Format::Script => "macOS Mach-O binary",
    };
    sink.found(
        Finding::new(
            Rule::NotLinux,
            format!(
                "{kind} for {}: it cannot run on a Linux image",
                foreign.arch.join(", ")
            ),
            "build for Linux (GOOS=linux)",
        )
        .keyed(foreign.format.as_str()),
    );
}

/// GS102's key: the libraries, sorted, so a relinked binary listing them in another order is
/// the same problem and one more library is a new one.
pub(super) fn libraries_key(needed: &[String]) -> String {
    let mut names: Vec<&str> = needed.iter().map(String::as_str).collect();
    names.sort_unstable();
    names.dedup();
    names.join(" ")
}

/// GS107: a script runs only where its interpreter is.
pub(super) fn check_script(script: &ScriptFacts, sink: &mut Sink) {
    let through = match (&script.argument, script.interpreter.rsplit('/').next()) {
        (Some(program), Some("env")) => format!(" (to find {program})"),
        _ => String::new(),
    };
    sink.found(
        Finding::new(
            Rule::Script,
            format!(
                "a #! script for {}{through}: an empty image has no interpreter to run it",
                script.interpreter
            ),
            "ship a compiled program instead, or use a base image that has the interpreter (busybox or alpine for /bin/sh)",
        )
        .keyed(script.interpreter.clone()),
    );
}

#[cfg(test)]
mod tests {
    use crate::testkit::elf::Synth;

    fn fix(synth: &Synth) -> String {
        super::needed_fix(&crate::elf::read(&synth.build()).unwrap())
    }

    /// GS105 and the scratch verdict on a static program with NSS: blocked only when the
    /// files/dns modules are not built in (glibc before 2.34).
    #[test]
    fn static_nss_blocks_only_without_builtin_modules() {
        for (builtin, blocked) in [(false, true), (true, false)] {
            let mut elf = crate::elf::read(&Synth::static_program().build()).unwrap();
            elf.glibc_nss = Some(crate::elf::GlibcNss {
                strings: vec!["Illegal status in __nss_next"],
                symbols: Vec::new(),
                builtin_files_dns: builtin,
            });
            let mut sink = super::Sink::default();
            super::check(&elf, &mut sink);
            let gs105 = sink
                .findings
                .iter()
                .any(|f| f.rule == super::Rule::StaticGlibcNss);
            assert_eq!(gs105, blocked, "builtin {builtin}");
            let verdict = crate::rules::verdict::fit(&crate::rules::verdict::Needs::of(&elf, None));
            assert_eq!(
                verdict.scratch == crate::rules::verdict::Scratch::Blocked,
                blocked,
                "builtin {builtin}"
            );
        }
    }

    #[test]
    fn the_needed_fix_names_only_a_base_that_ships_every_library() {
        let libc = fix(&Synth::program());
        assert!(
            libc.ends_with(": gcr.io/distroless/base-debian12 (glibc 2.36)"),
            "{libc}"
        );
        // distroless does not ship libselinux; Debian slim does.
        let selinux = fix(&Synth::program().needs(&["libselinux.so.1", "libc.so.6"]));
        assert!(
            selinux.ends_with(": debian:12-slim (glibc 2.36)"),
            "{selinux}"
        );
        let unknown = fix(&Synth::program().needs(&["libfoo.so.7", "libc.so.6"]));
        assert!(
            unknown.contains("none that gostatic knows ships them all"),
            "{unknown}"
        );
    }
}
