//! Names for ELF header values: short machine names in the style of `readelf`/`file`, the
//! Go/OCI architecture name (what image platforms and `GOARCH` say), and the target OS.

use goblin::elf::header as h;

pub fn machine(e_machine: u16) -> String {
    let name = match e_machine {
        h::EM_386 => "i386",
        h::EM_X86_64 => "x86-64",
        h::EM_AARCH64 => "aarch64",
        h::EM_ARM => "arm",
        h::EM_RISCV => "riscv",
        h::EM_PPC => "ppc",
        h::EM_PPC64 => "ppc64",
        h::EM_S390 => "s390",
        h::EM_MIPS => "mips",
        h::EM_MIPS_RS3_LE => "mips-rs3-le",
        h::EM_LOONGARCH => "loongarch",
        h::EM_SPARCV9 => "sparcv9",
        h::EM_SPARC => "sparc",
        h::EM_IA_64 => "ia64",
        h::EM_BPF => "bpf",
        0 => "none",
        other => return format!("{} ({other})", h::machine_to_str(other).to_lowercase()),
    };
    name.to_string()
}

/// `GOARCH`, which is also the OCI platform `architecture` for every arch Go targets on Linux.
pub fn go_arch(e_machine: u16, is_64: bool, little_endian: bool) -> Option<&'static str> {
    Some(match (e_machine, is_64, little_endian) {
        (h::EM_X86_64, true, true) => "amd64",
        (h::EM_X86_64, false, true) => "amd64p32",
        (h::EM_386, false, true) => "386",
        (h::EM_AARCH64, true, true) => "arm64",
        (h::EM_AARCH64, true, false) => "arm64be",
        (h::EM_ARM, false, true) => "arm",
        (h::EM_ARM, false, false) => "armbe",
        (h::EM_RISCV, true, true) => "riscv64",
        (h::EM_RISCV, false, true) => "riscv",
        (h::EM_PPC64, true, true) => "ppc64le",
        (h::EM_PPC64, true, false) => "ppc64",
        (h::EM_PPC, false, false) => "ppc",
        (h::EM_S390, true, false) => "s390x",
        (h::EM_S390, false, false) => "s390",
        (h::EM_MIPS, false, false) => "mips",
        (h::EM_MIPS, false, true) => "mipsle",
        (h::EM_MIPS, true, false) => "mips64",
        (h::EM_MIPS, true, true) => "mips64le",
        (h::EM_LOONGARCH, true, true) => "loong64",
        (h::EM_SPARCV9, true, false) => "sparc64",
        _ => return None,
    })
}

pub fn elf_type(e_type: u16) -> String {
    match e_type {
        h::ET_NONE => "NONE".into(),
        h::ET_REL => "REL".into(),
        h::ET_EXEC => "EXEC".into(),
        h::ET_DYN => "DYN".into(),
        h::ET_CORE => "CORE".into(),
        other => format!("{other:#06x}"),
    }
}

pub fn osabi(value: u8) -> String {
    let name = match value {
        0 => "SYSV",
        1 => "HPUX",
        2 => "NetBSD",
        3 => "GNU/Linux",
        6 => "Solaris",
        7 => "AIX",
        8 => "IRIX",
        9 => "FreeBSD",
        12 => "OpenBSD",
        97 => "ARM",
        255 => "standalone",
        other => return format!("{other}"),
    };
    name.to_string()
}

/// The OS an ELF file is built for, from EI_OSABI and the ABI notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ElfOs {
    Linux,
    Hurd,
    Hpux,
    Netbsd,
    Solaris,
    Aix,
    Irix,
    Freebsd,
    Openbsd,
    Standalone,
    Unknown,
}

impl ElfOs {
    pub fn as_str(self) -> &'static str {
        match self {
            ElfOs::Linux => "linux",
            ElfOs::Hurd => "hurd",
            ElfOs::Hpux => "hpux",
            ElfOs::Netbsd => "netbsd",
            ElfOs::Solaris => "solaris",
            ElfOs::Aix => "aix",
            ElfOs::Irix => "irix",
            ElfOs::Freebsd => "freebsd",
            ElfOs::Openbsd => "openbsd",
            ElfOs::Standalone => "standalone",
            ElfOs::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ElfOs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The OS a file is built for. EI_OSABI 0 (System V) is what Linux toolchains write, so it
/// means Linux unless an ABI note names another OS (NetBSD and OpenBSD binaries from Go say so
/// only in a note).
pub fn target_os(osabi: u8, note_os: Option<ElfOs>) -> ElfOs {
    match osabi {
        0 | 3 => note_os.unwrap_or(ElfOs::Linux),
        // ELFOSABI_ARM marks old-ABI ARM Linux binaries.
        97 => note_os.unwrap_or(ElfOs::Linux),
        1 => ElfOs::Hpux,
        2 => ElfOs::Netbsd,
        6 => ElfOs::Solaris,
        7 => ElfOs::Aix,
        8 => ElfOs::Irix,
        9 => ElfOs::Freebsd,
        12 => ElfOs::Openbsd,
        255 => ElfOs::Standalone,
        _ => ElfOs::Unknown,
    }
}
