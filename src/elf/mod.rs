//! ELF facts: the loader's view (`loader`, goblin) and the linker's leftovers (`sections`,
//! `notes`, object), gathered once per file into plain data. Facts only: whether a fact is a
//! problem is for `rules` to say.
//!
//! The linking class comes from program headers and PT_DYNAMIC, never from section names, so it
//! is right for binaries without section headers (see PRODUCT.md "Linking classes").

pub mod loader;
pub mod names;
pub mod notes;
pub mod sections;
pub mod upx;
pub mod versions;

use goblin::elf::header::{ET_CORE, ET_DYN, ET_EXEC, ET_REL};
use goblin::elf::program_header::{PT_DYNAMIC, PT_GNU_RELRO, PT_GNU_STACK, PT_LOAD};
use serde::Serialize;

pub use loader::LoaderView;
pub use names::ElfOs;
pub use sections::{DwarfSection, SectionView};
pub use versions::VersionNeed;

use crate::error::ElfError;

/// How a binary gets started, which decides whether it can run on an empty image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Linking {
    /// ET_EXEC, no PT_INTERP, no DT_NEEDED: the kernel runs it directly.
    Static,
    /// ET_DYN, no PT_INTERP, no DT_NEEDED: relocates itself.
    StaticPie,
    /// ET_DYN with PT_INTERP but no DT_NEEDED (Go `-buildmode=pie`, internal link).
    PieWithInterpreter,
    /// PT_INTERP (or DT_NEEDED): needs the loader and its libraries.
    Dynamic,
    /// ET_DYN meant to be loaded by another program: DT_SONAME without DF_1_PIE, or DT_NEEDED
    /// without PT_INTERP.
    SharedLibrary,
    /// ET_REL: an object file, input to a linker.
    Object,
    /// ET_CORE: a core dump.
    Core,
    /// A separate debug file (`objcopy --only-keep-debug`, `/usr/lib/debug`): program headers
    /// kept, code and data gone (every executable section is SHT_NOBITS).
    DebugInfo,
}

impl Linking {
    pub fn as_str(self) -> &'static str {
        match self {
            Linking::Static => "static",
            Linking::StaticPie => "static-pie",
            Linking::PieWithInterpreter => "pie-with-interpreter",
            Linking::Dynamic => "dynamic",
            Linking::SharedLibrary => "shared-library",
            Linking::Object => "object",
            Linking::Core => "core",
            Linking::DebugInfo => "debug-info",
        }
    }

    /// Whether the file is a program someone would start.
    pub fn is_executable(self) -> bool {
        matches!(
            self,
            Linking::Static | Linking::StaticPie | Linking::PieWithInterpreter | Linking::Dynamic
        )
    }
}

/// RELRO as `checksec` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relro {
    Full,
    Partial,
    None,
}

/// EI_CLASS: 32- or 64-bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ElfClass {
    #[serde(rename = "ELF32")]
    Elf32,
    #[serde(rename = "ELF64")]
    Elf64,
}

impl ElfClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ElfClass::Elf32 => "ELF32",
            ElfClass::Elf64 => "ELF64",
        }
    }
}

impl std::fmt::Display for ElfClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// EI_DATA: the byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Endian {
    Little,
    Big,
}

impl Endian {
    pub fn as_str(self) -> &'static str {
        match self {
            Endian::Little => "little",
            Endian::Big => "big",
        }
    }
}

impl std::fmt::Display for Endian {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything gostatic knows about one ELF file. Serialised as the `elf` object of the JSON
/// report (documented in `docs/json.md`).
#[derive(Debug, Clone, Serialize)]
pub struct ElfFacts {
    pub class: ElfClass,
    pub endian: Endian,
    pub machine: String,
    pub machine_id: u16,
    /// The Go/OCI architecture name (`amd64`, `arm64`, `mips64le`...), when there is one.
    pub arch: Option<&'static str>,
    #[serde(rename = "type")]
    pub elf_type: String,
    pub osabi: String,
    /// The OS the file is for, from EI_OSABI and ABI notes: `linux` unless something says
    /// otherwise.
    pub os: ElfOs,
    pub entry: u64,
    pub linking: Linking,
    pub interpreter: Option<String>,
    pub needed: Vec<String>,
    pub rpath: Vec<String>,
    pub runpath: Vec<String>,
    pub soname: Option<String>,
    /// DT_VERNEED: for each library, the symbol versions this file needs it to define.
    pub version_needs: Vec<VersionNeed>,
    /// DT_VERDEF: the symbol versions this file defines (a library's `GLIBC_2.34`...).
    pub version_defs: Vec<String>,
    /// For glibc's `libc.so.6`: the release, from its banner (`2.31`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub glibc_release: Option<String>,
    pub pie: bool,
    /// Non-executable stack: the last PT_GNU_STACK lacks PF_X. Null where there is no stack
    /// (objects, core dumps).
    pub nx: Option<bool>,
    pub gnu_stack: GnuStack,
    /// Indexes of PT_LOAD program headers that are both writable and executable.
    pub wx_segments: Vec<usize>,
    /// Null where nothing is relocated at load time (no PT_DYNAMIC).
    pub relro: Option<Relro>,
    pub bind_now: bool,
    pub textrel: bool,
    /// Usable section headers: 0 when there are none, or when the table is unusable.
    pub section_headers: usize,
    /// Why the section table could not be used (an `e_shstrndx` out of range): the facts
    /// then come from the program headers alone, as for a file without section headers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section_table_unusable: Option<String>,
    pub symtab_bytes: u64,
    pub dwarf_bytes: u64,
    pub dwarf_sections: Vec<DwarfSection>,
    /// What `-ldflags="-s -w"` (or `strip`) would remove: symbol tables plus DWARF, on disk.
    pub strip_savings_bytes: u64,
    pub debuglink: Option<String>,
    pub gnu_build_id: Option<String>,
    pub go_build_id: Option<String>,
    /// A Go fingerprint was seen: the Go build ID note, or a `.gopclntab`,
    /// `.data.rel.ro.gopclntab` (internally linked PIE), `.go.buildinfo` or `.note.go.buildid`
    /// section.
    pub go: bool,
    /// The section table's `.interp` and SHT_DYNAMIC agree with the program headers (null
    /// when there is nothing to compare). False means packed or tampered.
    pub views_agree: Option<bool>,
    /// UPX's pack headers, when the file is UPX-packed: the facts above then describe the
    /// unpacking stub, not the program.
    pub upx: Option<upx::UpxFacts>,
    /// glibc's NSS machinery in a statically linked program (C, or Go with cgo): it will
    /// dlopen libnss_*.so at run time.
    pub glibc_nss: Option<GlibcNss>,
    /// Why the kernel's `load_elf_binary` (fs/binfmt_elf.c) refuses to run the file at all:
    /// an e_type other than ET_EXEC or ET_DYN, or a bad first PT_INTERP. Absent when it runs it
    /// (or when the file is an object or a core dump, which are not programs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel_refuses: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GnuStack {
    /// No PT_GNU_STACK: the kernel may make the stack executable.
    Missing,
    NonExecutable,
    Executable,
}

/// Read every ELF fact from the bytes of one file.
pub fn read(data: &[u8]) -> Result<ElfFacts, ElfError> {
    let view = loader::read(data)?;
    let sections = sections::read(data, view.is_64)?;
    let notes = notes::read(data, view.is_64);
    let mut facts = facts_from(&view, &sections, &notes);
    let versions = versions::read(data, &view);
    facts.version_needs = versions.needs;
    facts.version_defs = versions.defs;
    if facts.soname.as_deref() == Some("libc.so.6") {
        facts.glibc_release = versions::glibc_release(data);
    }
    facts.upx = upx::detect(data);
    Ok(facts)
}

pub fn facts_from(view: &LoaderView, sections: &SectionView, notes: &notes::Notes) -> ElfFacts {
    let linking = if sections.code_stripped {
        Linking::DebugInfo
    } else {
        classify(view)
    };
    let dynamic = view.dynamic.clone().unwrap_or_default();
    let executable_image = !matches!(
        linking,
        Linking::Object | Linking::Core | Linking::DebugInfo
    );

    let last_stack = view
        .segments
        .iter()
        .rev()
        .find(|s| s.p_type == PT_GNU_STACK);
    let gnu_stack = match last_stack {
        None => GnuStack::Missing,
        Some(s) if s.is_exec() => GnuStack::Executable,
        Some(_) => GnuStack::NonExecutable,
    };
    let nx = executable_image.then_some(gnu_stack == GnuStack::NonExecutable);
    let wx_segments = view
        .segments
        .iter()
        .enumerate()
        .filter(|(_, s)| s.p_type == PT_LOAD && s.is_write() && s.is_exec())
        .map(|(i, _)| i)
        .collect();

    let bind_now = dynamic.has_bind_now
        || dynamic.flags & loader::DF_BIND_NOW != 0
        || dynamic.flags_1 & loader::DF_1_NOW != 0;
    let relro =
        view.has_segment(PT_DYNAMIC)
            .then(|| match (view.has_segment(PT_GNU_RELRO), bind_now) {
                (true, true) => Relro::Full,
                (true, false) => Relro::Partial,
                (false, _) => Relro::None,
            });
    let pie = view.e_type == ET_DYN
        && matches!(
            linking,
            Linking::Dynamic | Linking::PieWithInterpreter | Linking::StaticPie
        );

    let dwarf_bytes = sections.dwarf.iter().map(|d| d.size).sum();
    let go = notes.go_build_id.is_some()
        || [
            ".gopclntab",
            ".data.rel.ro.gopclntab",
            ".go.buildinfo",
            ".note.go.buildid",
        ]
        .iter()
        .any(|n| sections.has(n));
    let os = names::target_os(view.osabi, notes.abi_os);

    ElfFacts {
        class: if view.is_64 {
            ElfClass::Elf64
        } else {
            ElfClass::Elf32
        },
        endian: if view.little_endian {
            Endian::Little
        } else {
            Endian::Big
        },
        machine: names::machine(view.machine),
        machine_id: view.machine,
        arch: names::go_arch(view.machine, view.is_64, view.little_endian),
        elf_type: names::elf_type(view.e_type),
        osabi: names::osabi(view.osabi),
        os,
        entry: view.entry,
        linking,
        interpreter: view.interpreter.clone(),
        needed: dynamic.needed.clone(),
        rpath: dynamic.rpath.clone(),
        runpath: dynamic.runpath.clone(),
        soname: dynamic.soname.clone(),
        version_needs: Vec::new(),
        version_defs: Vec::new(),
        glibc_release: None,
        pie,
        nx,
        gnu_stack,
        wx_segments,
        relro,
        bind_now,
        textrel: dynamic.has_textrel,
        section_headers: sections.count,
        section_table_unusable: sections.unusable.clone(),
        symtab_bytes: sections.symtab_bytes,
        dwarf_bytes,
        dwarf_sections: sections.dwarf.clone(),
        strip_savings_bytes: sections.symtab_bytes + dwarf_bytes,
        debuglink: sections.debuglink.clone(),
        gnu_build_id: notes.gnu_build_id.clone(),
        go_build_id: notes.go_build_id.clone(),
        go,
        views_agree: views_agree(view, sections),
        upx: None,
        glibc_nss: None,
        kernel_refuses: kernel_refuses(view),
    }
}

/// The linking class, from the ELF type, entry point, PT_INTERP and PT_DYNAMIC alone.
/// Why `load_elf_binary` returns ENOEXEC for this file ("exec format error"), if it does.
fn kernel_refuses(view: &LoaderView) -> Option<String> {
    match view.e_type {
        ET_EXEC | ET_DYN => view.interpreter_refused.clone(),
        ET_REL | ET_CORE => None,
        other => Some(format!(
            "its e_type is {}, neither ET_EXEC nor ET_DYN",
            names::elf_type(other)
        )),
    }
}

pub fn classify(view: &LoaderView) -> Linking {
    let needed = !view.needed().is_empty();
    let soname = view.dynamic.as_ref().is_some_and(|d| d.soname.is_some());
    let pie_flag = view
        .dynamic
        .as_ref()
        .is_some_and(|d| d.flags_1 & loader::DF_1_PIE != 0);
    match view.e_type {
        ET_REL => Linking::Object,
        ET_CORE => Linking::Core,
        // A library that can also be run (libc.so.6 prints its version) is still a library:
        // DT_SONAME without DF_1_PIE is what linkers write for `-shared` only.
        ET_DYN if soname && !pie_flag => Linking::SharedLibrary,
        _ if view.interpreter.is_some() => {
            if view.e_type == ET_DYN && !needed {
                Linking::PieWithInterpreter
            } else {
                Linking::Dynamic
            }
        }
        ET_DYN if needed && !pie_flag => Linking::SharedLibrary,
        // Plugins and modules without DT_SONAME: nothing to start, so not a static PIE.
        ET_DYN if view.entry == 0 => Linking::SharedLibrary,
        _ if needed => Linking::Dynamic,
        ET_DYN => Linking::StaticPie,
        ET_EXEC => Linking::Static,
        // Processor- or OS-specific types: judge as an executable would be.
        _ => Linking::Static,
    }
}

fn views_agree(view: &LoaderView, sections: &SectionView) -> Option<bool> {
    let mut compared = false;
    let mut agree = true;
    if let Some(interp) = &sections.interpreter {
        compared = true;
        agree &= view.interpreter.as_ref() == Some(interp);
    }
    if let Some(needed) = &sections.needed {
        compared = true;
        agree &= view.needed() == needed.as_slice();
    }
    compared.then_some(agree)
}
/// An unsigned integer of 1, 2, 4 or 8 bytes from the start of `bytes`.
pub fn read_uint(bytes: &[u8], size: usize, big_endian: bool) -> Option<u64> {
    let raw = bytes.get(..size)?;
    if !matches!(size, 1 | 2 | 4 | 8) {
        return None;
    }
    let fold = |acc: u64, b: &u8| (acc << 8) | u64::from(*b);
    Some(if big_endian {
        raw.iter().fold(0, fold)
    } else {
        raw.iter().rev().fold(0, fold)
    })
}

/// glibc's NSS machinery found inside a statically linked program (read by
/// `gobin::analysis::glibc_nss`, which knows where to look).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GlibcNss {
    /// Marker strings found in read-only data.
    pub strings: Vec<&'static str>,
    /// NSS symbols from `.symtab` (up to 8), when it exists.
    pub symbols: Vec<String>,
    /// The `files` and `dns` modules are built into this libc (glibc 2.34 and later): host
    /// and user lookups through them load no `libnss_*.so`.
    pub builtin_files_dns: bool,
}

impl GlibcNss {
    /// Whether host and user lookups `dlopen` `libnss_*.so` from the build's glibc even with
    /// the default `files`/`dns` configuration (glibc before 2.34).
    pub fn loads_modules(&self) -> bool {
        !self.builtin_files_dns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_follow_the_byte_order() {
        assert_eq!(read_uint(&[1, 2, 3, 4], 4, false), Some(0x0403_0201));
        assert_eq!(read_uint(&[1, 2, 3, 4], 4, true), Some(0x0102_0304));
        assert_eq!(read_uint(&[1, 2], 4, true), None);
        assert_eq!(read_uint(&[1, 2, 3], 3, true), None);
    }

    /// Issue 11, item 10: millions of DT_NEEDED entries naming one string are refused with one
    /// line, not copied into the facts; a few hundred are read as before.
    #[test]
    fn a_flood_of_dt_needed_is_refused_not_copied() {
        use crate::testkit::elf::Synth;
        let many = vec!["libc.so.6"; 5000];
        let err = read(&Synth::dynamic64().needs(&many).build()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("bad PT_DYNAMIC: 5000 DT_NEEDED/"),
            "{err}"
        );
        let some = vec!["libc.so.6"; 300];
        let facts = read(&Synth::dynamic64().needs(&some).build()).unwrap();
        assert_eq!(facts.needed.len(), 300);
    }
}
