//! ELF facts on synthetic inputs: the loader's view without section headers, stack and segment
//! permissions, both classes and byte orders, and every malformed-header error.

use gostatic::elf::{self, GnuStack, Linking, Relro};
use gostatic::rules::{self, Rule, Scratch};

use gostatic::testkit::elf::*;
use gostatic::testkit::minimal::{macho_arm64, pe64};

fn facts(synth: &Synth) -> elf::ElfFacts {
    elf::read(&synth.build()).expect("synthetic ELF parses")
}

fn rules_of(synth: &Synth) -> Vec<Rule> {
    let facts = gostatic::facts::FileFacts::elf(facts(synth), None);
    rules::evaluate(&facts)
        .findings
        .iter()
        .map(|f| f.rule)
        .collect()
}

#[test]
fn static_executable_is_ready_and_relro_is_not_applicable() {
    let f = facts(&Synth::exec64());
    assert_eq!(f.linking, Linking::Static);
    assert_eq!(
        (f.interpreter.as_deref(), f.needed.len(), f.pie, f.nx),
        (None, 0, false, Some(true))
    );
    assert_eq!(f.relro, None);
    let eval = rules::evaluate(&gostatic::facts::FileFacts::elf(f, None));
    assert_eq!(eval.verdict.scratch, Scratch::Ready);
    assert_eq!(
        eval.findings.iter().map(|f| f.rule).collect::<Vec<_>>(),
        [Rule::NoPie]
    );
    let na = &eval.not_applicable;
    assert!(
        na.iter()
            .any(|n| n.rule == Rule::NoRelro && n.reason.contains("nothing is relocated")),
        "{na:?}"
    );
}

#[test]
fn dynamic_binary_without_section_headers_is_read_from_program_headers() {
    let synth = Synth {
        section_headers: false,
        ..Synth::dynamic64()
    };
    let f = facts(&synth);
    assert_eq!(f.section_headers, 0);
    assert_eq!(f.linking, Linking::Dynamic);
    assert_eq!(
        f.interpreter.as_deref(),
        Some("/lib64/ld-linux-x86-64.so.2")
    );
    assert_eq!(f.needed, ["libc.so.6"]);
    assert_eq!(
        (f.pie, f.relro, f.bind_now),
        (true, Some(Relro::Full), true)
    );
    assert_eq!(f.views_agree, None);
    assert_eq!(
        rules_of(&synth),
        [Rule::DynamicInterpreter, Rule::NeededLibraries]
    );
}

#[test]
fn pie_with_interpreter_but_no_libraries() {
    let synth = Synth {
        needed: vec![],
        dynamic: true,
        ..Synth::dynamic64()
    };
    let f = facts(&synth);
    assert_eq!(f.linking, Linking::PieWithInterpreter);
    assert_eq!(rules_of(&synth), [Rule::DynamicInterpreter]);
}

#[test]
fn static_pie_has_dynamic_but_no_interpreter() {
    let synth = Synth {
        interp: None,
        needed: vec![],
        dynamic: true,
        ..Synth::dynamic64()
    };
    let f = facts(&synth);
    assert_eq!(f.linking, Linking::StaticPie);
    assert!(f.pie);
    assert!(rules_of(&synth).is_empty());
}

#[test]
fn shared_library_with_soname_even_when_runnable() {
    let synth = Synth {
        soname: Some("libfoo.so.1".into()),
        flags_1: 0,
        ..Synth::dynamic64()
    };
    let f = facts(&synth);
    assert_eq!(f.linking, Linking::SharedLibrary);
    assert_eq!(f.soname.as_deref(), Some("libfoo.so.1"));
    let eval = rules::evaluate(&gostatic::facts::FileFacts::elf(f, None));
    assert_eq!(eval.verdict.scratch, Scratch::NotApplicable);
    assert!(eval.findings.is_empty(), "{:?}", eval.findings);
}

#[test]
fn plugin_without_soname_or_entry_is_a_library_not_a_static_pie() {
    let synth = Synth {
        interp: None,
        needed: vec![],
        dynamic: true,
        entry: 0,
        flags_1: 0,
        ..Synth::dynamic64()
    };
    assert_eq!(facts(&synth).linking, Linking::SharedLibrary);
}

#[test]
fn runpath_is_reported() {
    let synth = Synth {
        runpath: Some("$ORIGIN/../lib:/opt/x/lib".into()),
        ..Synth::dynamic64()
    };
    let f = facts(&synth);
    assert_eq!(f.runpath, ["$ORIGIN/../lib", "/opt/x/lib"]);
    assert!(rules_of(&synth).contains(&Rule::Rpath));
}

#[test]
fn executable_stack_from_the_last_gnu_stack() {
    let exec_last = Synth {
        gnu_stacks: vec![PF_R | PF_W, PF_R | PF_W | PF_X],
        ..Synth::exec64()
    };
    assert_eq!(facts(&exec_last).gnu_stack, GnuStack::Executable);
    assert_eq!(facts(&exec_last).nx, Some(false));
    assert!(rules_of(&exec_last).contains(&Rule::ExecStack));

    let nx_last = Synth {
        gnu_stacks: vec![PF_R | PF_W | PF_X, PF_R | PF_W],
        ..Synth::exec64()
    };
    assert_eq!(facts(&nx_last).nx, Some(true));
    assert!(!rules_of(&nx_last).contains(&Rule::ExecStack));
}

#[test]
fn missing_gnu_stack_counts_as_executable() {
    let synth = Synth {
        gnu_stacks: vec![],
        ..Synth::exec64()
    };
    assert_eq!(facts(&synth).gnu_stack, GnuStack::Missing);
    assert!(rules_of(&synth).contains(&Rule::ExecStack));
}

#[test]
fn writable_and_executable_load_segment() {
    let synth = Synth {
        extra_loads: vec![PF_R | PF_W | PF_X, PF_R | PF_W],
        ..Synth::exec64()
    };
    let f = facts(&synth);
    assert_eq!(f.wx_segments.len(), 1);
    assert!(rules_of(&synth).contains(&Rule::WxSegment));
}

#[test]
fn elf32_big_endian_mips_dynamic() {
    let synth = Synth {
        is_64: false,
        little_endian: false,
        machine: EM_MIPS,
        interp: Some("/lib/ld.so.1".into()),
        needed: vec!["libc.so.6".into(), "libm.so.6".into()],
        ..Synth::dynamic64()
    };
    let f = facts(&synth);
    assert_eq!(
        (
            f.class.as_str(),
            f.endian.as_str(),
            f.machine.as_str(),
            f.arch
        ),
        ("ELF32", "big", "mips", Some("mips"))
    );
    assert_eq!(f.interpreter.as_deref(), Some("/lib/ld.so.1"));
    assert_eq!(f.needed, ["libc.so.6", "libm.so.6"]);
    assert_eq!(f.linking, Linking::Dynamic);
}

#[test]
fn elf64_big_endian_static() {
    let synth = Synth {
        little_endian: false,
        machine: 22,
        ..Synth::exec64()
    };
    let f = facts(&synth);
    assert_eq!(
        (f.endian.as_str(), f.arch, f.linking),
        ("big", Some("s390x"), Linking::Static)
    );
}

#[test]
fn symbol_tables_and_dwarf_are_counted_on_disk() {
    let mut synth = Synth::exec64();
    let compressed = synth.compressed(1, 4000, &[0x78, 0x9c, 1, 2, 3, 4]);
    let compressed_len = compressed.len() as u64;
    let mut zdebug = b"ZLIB".to_vec();
    zdebug.extend_from_slice(&777u64.to_be_bytes());
    zdebug.extend_from_slice(&[0x78, 0x9c, 9, 9]);
    let mut symtab = Section::new(".symtab", SHT_SYMTAB, 0, vec![0; 48]);
    symtab.link = 2;
    synth.sections = vec![
        symtab,
        Section::new(".strtab", SHT_STRTAB, 0, vec![0; 20]),
        Section::new(".debug_info", SHT_PROGBITS, SHF_COMPRESSED, compressed),
        Section::new(".zdebug_line", SHT_PROGBITS, 0, zdebug),
        Section::new(".debug_str", SHT_PROGBITS, 0, vec![b'x'; 100]),
    ];
    let f = facts(&synth);
    assert_eq!(f.symtab_bytes, 68);
    assert_eq!(f.dwarf_bytes, compressed_len + 16 + 100);
    assert_eq!(f.strip_savings_bytes, f.symtab_bytes + f.dwarf_bytes);
    let info = &f.dwarf_sections[0];
    assert_eq!(
        (info.compression.as_deref(), info.uncompressed_size),
        (Some("zlib"), 4000)
    );
    let line = &f.dwarf_sections[1];
    assert_eq!(
        (line.compression.as_deref(), line.uncompressed_size),
        (Some("zlib-gnu"), 777)
    );
    assert_eq!(f.dwarf_sections[2].compression, None);
    let rules = rules_of(&synth);
    assert!(
        rules.contains(&Rule::Dwarf) && rules.contains(&Rule::Symtab),
        "{rules:?}"
    );
}

#[test]
fn zstd_compressed_dwarf_in_elf32() {
    let mut synth = Synth {
        is_64: false,
        ..Synth::exec64()
    };
    let data = synth.compressed(2, 12345, &[0x28, 0xb5, 0x2f, 0xfd]);
    synth.sections = vec![Section::new(
        ".debug_info",
        SHT_PROGBITS,
        SHF_COMPRESSED,
        data,
    )];
    let f = facts(&synth);
    assert_eq!(f.dwarf_sections[0].compression.as_deref(), Some("zstd"));
    assert_eq!(f.dwarf_sections[0].uncompressed_size, 12345);
}

#[test]
fn section_interp_that_disagrees_is_noticed() {
    let mut synth = Synth::dynamic64();
    synth.sections = vec![Section::new(
        ".interp",
        SHT_PROGBITS,
        SHF_ALLOC,
        b"/lib/ld-evil.so\0".to_vec(),
    )];
    assert_eq!(facts(&synth).views_agree, Some(false));
    synth.sections = vec![Section::new(
        ".interp",
        SHT_PROGBITS,
        SHF_ALLOC,
        b"/lib64/ld-linux-x86-64.so.2\0".to_vec(),
    )];
    assert_eq!(facts(&synth).views_agree, Some(true));
}

#[test]
fn separate_debug_file_is_not_judged() {
    let mut synth = Synth::dynamic64();
    synth.sections = vec![
        Section::new(".text", SHT_NOBITS, SHF_ALLOC | SHF_EXECINSTR, vec![0; 64]),
        Section::new(".debug_info", SHT_PROGBITS, 0, vec![1; 64]),
    ];
    let f = facts(&synth);
    assert_eq!(f.linking, Linking::DebugInfo);
    assert!(rules_of(&synth).is_empty());
}

#[test]
fn object_files_are_not_judged_for_hardening() {
    let synth = Synth {
        e_type: ET_REL,
        gnu_stacks: vec![],
        entry: 0,
        ..Synth::exec64()
    };
    let f = facts(&synth);
    assert_eq!(f.linking, Linking::Object);
    assert_eq!(f.nx, None);
    assert!(rules_of(&synth).is_empty());
}

#[test]
fn freebsd_elf_is_not_linux() {
    let synth = Synth {
        osabi: 9,
        ..Synth::exec64()
    };
    assert_eq!(facts(&synth).os, gostatic::elf::ElfOs::Freebsd);
    assert!(rules_of(&synth).contains(&Rule::NotLinux));
}

#[test]
fn truncated_header_is_an_error() {
    let bytes = Synth::exec64().build();
    let err = elf::read(&bytes[..40]).unwrap_err();
    assert_eq!(err.to_string(), "truncated ELF header (40 bytes, need 64)");
}

#[test]
fn truncated_program_header_table_is_an_error() {
    let bytes = Synth::dynamic64().build();
    let err = elf::read(&bytes[..100]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "truncated program header table (e_phoff 0x40 + 5*56 > size 100)"
    );
}

#[test]
fn truncated_section_header_table_is_an_error() {
    let mut synth = Synth::exec64();
    synth.sections = vec![Section::new(".debug_str", SHT_PROGBITS, 0, vec![b'x'; 100])];
    let bytes = synth.build();
    let err = elf::read(&bytes[..bytes.len() - 10])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("truncated section header table (e_shoff 0x"),
        "{err}"
    );
}

#[test]
fn bad_class_and_encoding_are_errors() {
    let mut bytes = Synth::exec64().build();
    bytes[4] = 7;
    assert_eq!(
        elf::read(&bytes).unwrap_err().to_string(),
        "invalid ELF class 7 (EI_CLASS must be 1 or 2)"
    );
    bytes[4] = 2;
    bytes[5] = 0;
    assert_eq!(
        elf::read(&bytes).unwrap_err().to_string(),
        "invalid ELF data encoding 0 (EI_DATA must be 1 or 2)"
    );
}

#[test]
fn needed_string_outside_the_string_table_is_an_error() {
    let mut bytes = Synth {
        section_headers: false,
        ..Synth::dynamic64()
    }
    .build();
    // Point DT_NEEDED's string offset far beyond DT_STRSZ.
    let needle = 1u64
        .to_le_bytes()
        .iter()
        .chain(1u64.to_le_bytes().iter())
        .copied()
        .collect::<Vec<u8>>();
    let at = bytes
        .windows(16)
        .position(|w| w == needle.as_slice())
        .expect("DT_NEEDED entry");
    bytes[at + 8..at + 16].copy_from_slice(&0xffffu64.to_le_bytes());
    let err = elf::read(&bytes).unwrap_err().to_string();
    assert!(
        err.contains("DT_NEEDED string offset 0xffff outside DT_STRTAB"),
        "{err}"
    );
}

#[test]
fn pe_and_mach_o_are_recognised_as_not_linux() {
    use gostatic::run::{Options as ScanOptions, analyse};
    let pe = analyse("app.exe", &pe64(), true, &ScanOptions::default())
        .unwrap()
        .unwrap();
    assert_eq!(
        (pe.format.as_str(), pe.findings[0].rule),
        ("pe", Rule::NotLinux)
    );
    assert!(
        pe.findings[0]
            .message
            .contains("Windows PE executable for x86-64"),
        "{}",
        pe.findings[0].message
    );
    let macho = analyse("app", &macho_arm64(), true, &ScanOptions::default())
        .unwrap()
        .unwrap();
    assert_eq!(
        (macho.format.as_str(), macho.verdict.scratch),
        ("macho", Scratch::Blocked)
    );
    assert!(
        macho.findings[0].message.contains("aarch64"),
        "{}",
        macho.findings[0].message
    );
}

#[test]
fn mz_without_pe_signature_is_not_pe() {
    use gostatic::run::{Options as ScanOptions, analyse};
    let mut fake = b"MZ this is just text".to_vec();
    fake.resize(128, b' ');
    assert!(
        analyse("notes.txt", &fake, false, &ScanOptions::default())
            .unwrap()
            .is_none()
    );
    let err = analyse("notes.txt", &fake, true, &ScanOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not an ELF, PE or Mach-O file (starts with bytes 4d 5a 20 74)"
    );
}

/// What the kernel's `load_elf_binary` refuses with "exec format error" is blocked on any image,
/// never `scratch: ready` (issue 11, item 16): an e_type other than ET_EXEC/ET_DYN, and a first
/// PT_INTERP outside 2..=PATH_MAX bytes or without its NUL.
#[test]
fn files_the_kernel_refuses_to_exec_are_blocked() {
    let verdict = |synth: &Synth| {
        let facts = gostatic::facts::FileFacts::elf(facts(synth), None);
        rules::evaluate(&facts).verdict
    };
    let none_type = Synth {
        e_type: 0,
        ..Synth::exec64()
    };
    let judged = verdict(&none_type);
    assert_eq!(judged.scratch, gostatic::rules::Scratch::Blocked);
    assert_eq!(
        judged.reasons,
        ["the kernel will not run it: its e_type is NONE, neither ET_EXEC nor ET_DYN"]
    );
    let empty_interp = Synth::exec64().interp(Some(""));
    assert_eq!(
        facts(&empty_interp).kernel_refuses.as_deref(),
        Some("its PT_INTERP is 1 byte (the kernel takes 2 to 4096)")
    );
    assert_eq!(
        verdict(&empty_interp).scratch,
        gostatic::rules::Scratch::Blocked
    );
    // A plain static executable and a normal dynamic one are run by the kernel.
    assert_eq!(facts(&Synth::exec64()).kernel_refuses, None);
    assert_eq!(facts(&Synth::program()).kernel_refuses, None);
    assert_eq!(
        verdict(&Synth::exec64()).scratch,
        gostatic::rules::Scratch::Ready
    );
}
