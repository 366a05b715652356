//! GS2xx: hardening, judged only where it applies; elsewhere the rule is recorded as not
//! applicable, with the reason, rather than flagged (checksec's "N/A").

use super::{Finding, Rule, Sink};
use crate::elf::{ElfFacts, GnuStack, Linking, Relro};
use crate::gobin::GoFacts;

pub(super) fn check(elf: &ElfFacts, go: Option<&GoFacts>, sink: &mut Sink) {
    let not_loaded = match elf.linking {
        Linking::Object => Some("object file: not loaded by the kernel"),
        Linking::Core => Some("core dump: not a program"),
        Linking::DebugInfo => Some("separate debug-info file: not a program"),
        _ => None,
    };
    if let Some(reason) = not_loaded {
        for rule in [Rule::ExecStack, Rule::WxSegment, Rule::NoPie, Rule::NoRelro] {
            sink.not_applicable(rule, reason);
        }
        return;
    }

    match elf.gnu_stack {
        GnuStack::NonExecutable => {}
        GnuStack::Executable => sink.found(Finding::new(
            Rule::ExecStack,
            "the stack is executable: the last PT_GNU_STACK has PF_X",
            exec_stack_fix(elf),
        )),
        GnuStack::Missing => sink.found(Finding::new(
            Rule::ExecStack,
            "no PT_GNU_STACK program header: the kernel may map the stack executable",
            exec_stack_fix(elf),
        )),
    }

    if !elf.wx_segments.is_empty() {
        let list: Vec<String> = elf.wx_segments.iter().map(usize::to_string).collect();
        let which = match list.as_slice() {
            [one] => format!("PT_LOAD program header {one} is"),
            many => format!("PT_LOAD program headers {} are", many.join(", ")),
        };
        sink.found(Finding::new(
            Rule::WxSegment,
            format!("{which} both writable and executable (RWX)"),
            "link without -N/--omagic and with -z separate-code; find the object with an RWX section (readelf -lW)",
        ));
    }

    if elf.linking == Linking::SharedLibrary {
        sink.not_applicable(
            Rule::NoPie,
            "shared library: position independent by construction",
        );
    } else if !elf.pie && is_pure_go_static(elf, go) {
        sink.not_applicable(
            Rule::NoPie,
            "static pure-Go program: a PIE would need cgo and the external linker (GS104), which brings C code into a memory-safe runtime for little gain",
        );
    } else if !elf.pie {
        let fix = if elf.go {
            "build with -buildmode=pie; for scratch, a static PIE: -buildmode=pie -ldflags='-linkmode=external -extldflags=-static-pie'"
        } else {
            "compile with -fPIE and link with -pie (or -static-pie)"
        };
        sink.found(Finding::new(
            Rule::NoPie,
            format!(
                "{} executable (ET_EXEC): loaded at a fixed address",
                elf.linking.as_str()
            ),
            fix,
        ));
    }

    if let Some(upx) = &elf.upx {
        sink.found(Finding::new(
            Rule::UpxPacked,
            upx_message(upx),
            "ship the unpacked binary; -ldflags='-s -w' and -trimpath make it small without packing",
        ));
    }

    match elf.relro {
        None => sink.not_applicable(
            Rule::NoRelro,
            "no PT_DYNAMIC: nothing is relocated at load time",
        ),
        Some(Relro::Full) => {}
        Some(level) => {
            let message = if level == Relro::Partial {
                "partial RELRO: PT_GNU_RELRO without BIND_NOW, the GOT stays writable"
            } else {
                "no PT_GNU_RELRO: relocated data stays writable after start"
            };
            let fix = if elf.go {
                "link externally with -ldflags='-linkmode=external -extldflags=-Wl,-z,relro,-z,now'"
            } else {
                "link with -Wl,-z,relro,-z,now"
            };
            let key = if level == Relro::Partial {
                "partial"
            } else {
                "none"
            };
            sink.found(Finding::new(Rule::NoRelro, message, fix).keyed(key));
        }
    }
}

/// A static Go program with no C in it (PRODUCT.md, GS203): Go's own linker makes a PIE only
/// with a loader (`-buildmode=pie`, which blocks scratch), and a static PIE needs cgo and the
/// external linker, which GS104 warns against, so no advice can make it pass; not applicable.
fn is_pure_go_static(elf: &ElfFacts, go: Option<&GoFacts>) -> bool {
    let Some(go) = go else {
        return false;
    };
    elf.go && !go.cgo && elf.interpreter.is_none() && elf.needed.is_empty()
}

fn exec_stack_fix(elf: &ElfFacts) -> &'static str {
    if elf.go {
        "Go's linker marks the stack non-executable; a C or assembly object linked in asks otherwise: link with -extldflags=-Wl,-z,noexecstack"
    } else {
        "link with -Wl,-z,noexecstack and find the object without a .note.GNU-stack section"
    }
}

fn upx_message(upx: &crate::elf::upx::UpxFacts) -> String {
    let mut details = Vec::new();
    if let Some(version) = upx.version {
        details.push(format!("pack format version {version}"));
    }
    if let Some(method) = upx.method_name {
        details.push(format!("method {method}"));
    }
    if let Some(size) = upx.original_size {
        details.push(format!("{} unpacked", super::human_bytes(size)));
    }
    let details = if details.is_empty() {
        String::new()
    } else {
        format!(" ({})", details.join(", "))
    };
    format!(
        "UPX-packed{details}: the program unpacks itself into writable, executable memory, and its {} cannot be seen; these facts describe the unpacking stub",
        upx.hidden_facts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::FileFacts;
    use crate::testkit::elf::{Synth, fixture, go_static};

    /// The GS203 outcome for a file: `Some(fix)` when reported, `None` when not applicable.
    fn no_pie(bytes: &[u8]) -> Option<String> {
        let facts = crate::facts::read(bytes).unwrap().unwrap();
        let FileFacts::Elf { elf, go } = &facts else {
            panic!("an ELF");
        };
        let mut sink = Sink::default();
        check(elf, go.as_deref(), &mut sink);
        let found = sink.findings.iter().find(|f| f.rule == Rule::NoPie);
        let skipped = sink.not_applicable.iter().any(|n| n.rule == Rule::NoPie);
        assert!(
            found.is_some() != skipped,
            "reported or not applicable, never both"
        );
        found.map(|f| f.fix.clone())
    }

    #[test]
    fn a_static_pure_go_program_gets_no_pie_advice() {
        assert_eq!(no_pie(&go_static()), None);
    }

    #[test]
    fn cgo_and_c_programs_still_do() {
        // Static glibc linked in by cgo: the static-PIE build works, and it is cgo already.
        let cgo_static = no_pie(&fixture("go/go-nss-static-glibc")).expect("GS203");
        assert!(
            cgo_static.contains("-extldflags=-static-pie"),
            "{cgo_static}"
        );
        let cgo_dynamic = no_pie(&fixture("bin/go-cgo-dynamic")).expect("GS203");
        assert!(cgo_dynamic.starts_with("build with -buildmode=pie"));
        let c = no_pie(&Synth::static_program().build()).expect("GS203");
        assert!(c.starts_with("compile with -fPIE"), "{c}");
    }

    #[test]
    fn only_go_facts_that_show_no_cgo_make_it_not_applicable() {
        let facts = crate::facts::read(&go_static()).unwrap().unwrap();
        let FileFacts::Elf { elf, go } = &facts else {
            panic!("an ELF");
        };
        let mut go = go.as_deref().cloned().expect("Go facts");
        assert!(is_pure_go_static(elf, Some(&go)));
        // Without its function table or buildinfo, whether it uses cgo is unknown.
        assert!(!is_pure_go_static(elf, None));
        go.cgo = true;
        assert!(!is_pure_go_static(elf, Some(&go)));
        let mut dynamic = (**elf).clone();
        go.cgo = false;
        dynamic.needed = vec!["libc.so.6".into()];
        assert!(!is_pure_go_static(&dynamic, Some(&go)));
    }
}
