//! GS3xx: what `-ldflags="-s -w"` (or `strip`) would remove, and the bytes it costs.

use super::{Finding, Rule, Sink, human_bytes};
use crate::elf::{ElfFacts, Linking};

pub(super) fn check(elf: &ElfFacts, sink: &mut Sink) {
    // Objects keep their symbols and DWARF for the linker, debug-info files exist to hold
    // them, and a core dump is not built.
    if matches!(
        elf.linking,
        Linking::Object | Linking::Core | Linking::DebugInfo
    ) {
        return;
    }
    let savings = format!(
        "stripping would save {} in all",
        human_bytes(elf.strip_savings_bytes)
    );
    if elf.dwarf_bytes > 0 {
        let sections = elf.dwarf_sections.len();
        let uncompressed: u64 = elf.dwarf_sections.iter().map(|d| d.uncompressed_size).sum();
        let compressed = elf.dwarf_sections.iter().any(|d| d.compression.is_some());
        let size = if compressed {
            format!(
                "{} on disk, {} uncompressed",
                human_bytes(elf.dwarf_bytes),
                human_bytes(uncompressed)
            )
        } else {
            format!("{} on disk", human_bytes(elf.dwarf_bytes))
        };
        let fix = if elf.go {
            "build with -ldflags=\"-s -w\""
        } else {
            "strip --strip-debug, or link with -s"
        };
        sink.found(Finding::new(
            Rule::Dwarf,
            format!(
                "DWARF left in: {sections} section{}, {size}; {savings}",
                if sections == 1 { "" } else { "s" }
            ),
            fix,
        ));
    }
    if elf.symtab_bytes > 0 {
        let fix = if elf.go {
            "build with -ldflags=\"-s -w\""
        } else {
            "strip --strip-all, or link with -s"
        };
        sink.found(Finding::new(
            Rule::Symtab,
            format!(
                "symbol table left in: {} (.symtab/.strtab); {savings}",
                human_bytes(elf.symtab_bytes)
            ),
            fix,
        ));
    }
}
