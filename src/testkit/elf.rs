//! Synthetic ELF files for edge cases no toolchain produces on purpose: any class and byte
//! order, program headers chosen one by one, optional section headers, and easy truncation.
//! One PT_LOAD maps the whole file, so DT_STRTAB addresses resolve like in a real binary.
//! [`Synth::program`], [`Synth::static_program`] and [`Synth::library`] are the loader-facing
//! minimum the image rules read (class, machine, PT_INTERP, DT_NEEDED, DT_SONAME, DT_RPATH,
//! DT_RUNPATH): no section headers, no PT_GNU_STACK.

pub const PT_LOAD: u32 = 1;
pub const PT_DYNAMIC: u32 = 2;
pub const PT_INTERP: u32 = 3;
pub const PT_GNU_STACK: u32 = 0x6474_e551;
pub const PT_GNU_RELRO: u32 = 0x6474_e552;
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;
pub const ET_REL: u16 = 1;
pub const ET_EXEC: u16 = 2;
pub const ET_DYN: u16 = 3;
pub const EM_386: u16 = 3;
pub const EM_X86_64: u16 = 62;
pub const EM_AARCH64: u16 = 183;
pub const EM_MIPS: u16 = 8;
pub const DT_NEEDED: u64 = 1;
pub const DT_STRTAB: u64 = 5;
pub const DT_STRSZ: u64 = 10;
pub const DT_SONAME: u64 = 14;
pub const DT_RPATH: u64 = 15;
pub const DT_RUNPATH: u64 = 29;
pub const DT_FLAGS_1: u64 = 0x6fff_fffb;
pub const DT_BIND_NOW: u64 = 24;
pub const DT_VERDEF: u64 = 0x6fff_fffc;
pub const DT_VERDEFNUM: u64 = 0x6fff_fffd;
pub const DT_VERNEED: u64 = 0x6fff_fffe;
pub const DT_VERNEEDNUM: u64 = 0x6fff_ffff;
pub const SHT_PROGBITS: u32 = 1;
pub const SHT_SYMTAB: u32 = 2;
pub const SHT_STRTAB: u32 = 3;
pub const SHT_DYNAMIC: u32 = 6;
pub const SHT_NOBITS: u32 = 8;
pub const SHF_ALLOC: u64 = 2;
pub const SHF_EXECINSTR: u64 = 4;
pub const SHF_COMPRESSED: u64 = 0x800;

#[path = "elf_versions.rs"]
mod versions;

#[derive(Debug, Clone)]
pub struct Section {
    pub name: String,
    pub sh_type: u32,
    pub flags: u64,
    pub data: Vec<u8>,
    /// Index (in `Synth::sections`, 1-based like the final table) of the linked section.
    pub link: u32,
}

impl Section {
    pub fn new(name: &str, sh_type: u32, flags: u64, data: Vec<u8>) -> Self {
        Section {
            name: name.into(),
            sh_type,
            flags,
            data,
            link: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Synth {
    pub is_64: bool,
    pub little_endian: bool,
    pub e_type: u16,
    pub machine: u16,
    pub osabi: u8,
    pub entry: u64,
    pub interp: Option<String>,
    pub needed: Vec<String>,
    pub soname: Option<String>,
    pub rpath: Option<String>,
    pub runpath: Option<String>,
    pub flags_1: u64,
    pub bind_now: bool,
    /// DT_VERNEED: each library with the symbol versions needed from it.
    pub version_needs: Vec<(String, Vec<String>)>,
    /// DT_VERDEF: the versions defined, after the VER_FLG_BASE entry naming the soname.
    pub version_defs: Vec<String>,
    /// Needed versions written with VER_FLG_WEAK.
    pub weak_versions: Vec<String>,
    /// Force a PT_DYNAMIC even with no entries but DT_NULL (a static PIE).
    pub dynamic: bool,
    /// Flags of each PT_GNU_STACK, in order.
    pub gnu_stacks: Vec<u32>,
    pub relro: bool,
    /// Extra PT_LOAD flags (each maps the first page again).
    pub extra_loads: Vec<u32>,
    pub sections: Vec<Section>,
    pub section_headers: bool,
    /// Add `.interp`, `.dynstr` and `.dynamic` section headers over the very bytes PT_INTERP
    /// and PT_DYNAMIC use, as a linker does.
    pub loader_sections: bool,
}

impl Synth {
    /// A static x86-64 executable with a non-executable stack.
    pub fn exec64() -> Self {
        Synth {
            is_64: true,
            little_endian: true,
            e_type: ET_EXEC,
            machine: EM_X86_64,
            osabi: 0,
            entry: 0x401000,
            interp: None,
            needed: Vec::new(),
            soname: None,
            rpath: None,
            runpath: None,
            flags_1: 0,
            bind_now: false,
            version_needs: Vec::new(),
            version_defs: Vec::new(),
            weak_versions: Vec::new(),
            dynamic: false,
            gnu_stacks: vec![PF_R | PF_W],
            relro: false,
            extra_loads: Vec::new(),
            sections: Vec::new(),
            section_headers: true,
            loader_sections: false,
        }
    }

    /// A PIE that needs the loader and libc.
    pub fn dynamic64() -> Self {
        Synth {
            e_type: ET_DYN,
            entry: 0x1040,
            interp: Some("/lib64/ld-linux-x86-64.so.2".into()),
            needed: vec!["libc.so.6".into()],
            flags_1: 0x0800_0000,
            relro: true,
            bind_now: true,
            ..Synth::exec64()
        }
    }

    /// A dynamic x86-64 executable (ET_EXEC) that needs glibc's loader and libc: the
    /// loader-facing minimum, without section headers or PT_GNU_STACK.
    pub fn program() -> Self {
        Synth {
            interp: Some("/lib64/ld-linux-x86-64.so.2".into()),
            needed: vec!["libc.so.6".into()],
            gnu_stacks: Vec::new(),
            section_headers: false,
            ..Synth::exec64()
        }
    }

    /// A static x86-64 executable, as [`Synth::program`] without PT_INTERP and DT_NEEDED.
    pub fn static_program() -> Self {
        Synth {
            interp: None,
            needed: Vec::new(),
            ..Synth::program()
        }
    }

    /// An x86-64 shared library (ET_DYN) with this soname and these needs.
    pub fn library(soname: &str, needed: &[&str]) -> Self {
        Synth {
            e_type: ET_DYN,
            entry: 0x1000,
            interp: None,
            soname: Some(soname.into()),
            ..Synth::program()
        }
        .needs(needed)
    }

    pub fn machine(mut self, is_64: bool, machine: u16) -> Self {
        self.is_64 = is_64;
        self.machine = machine;
        self
    }

    pub fn needs(mut self, needed: &[&str]) -> Self {
        self.needed = needed.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn interp(mut self, interp: Option<&str>) -> Self {
        self.interp = interp.map(str::to_string);
        self
    }

    /// Needs these symbol versions from `library` (DT_VERNEED).
    pub fn needs_versions(mut self, library: &str, versions: &[&str]) -> Self {
        let versions = versions.iter().map(|v| v.to_string()).collect();
        self.version_needs.push((library.into(), versions));
        self
    }

    /// Defines these symbol versions (DT_VERDEF).
    pub fn defines_versions(mut self, versions: &[&str]) -> Self {
        self.version_defs = versions.iter().map(|v| v.to_string()).collect();
        self
    }

    pub fn runpath(mut self, runpath: &str) -> Self {
        self.runpath = Some(runpath.into());
        self
    }

    pub fn rpath(mut self, rpath: &str) -> Self {
        self.rpath = Some(rpath.into());
        self
    }

    fn has_dynamic(&self) -> bool {
        self.dynamic
            || !self.needed.is_empty()
            || self.soname.is_some()
            || self.rpath.is_some()
            || self.runpath.is_some()
            || self.flags_1 != 0
            || !self.version_needs.is_empty()
            || !self.version_defs.is_empty()
    }

    fn base(&self) -> u64 {
        if self.e_type == ET_EXEC { 0x400000 } else { 0 }
    }

    pub fn build(&self) -> Vec<u8> {
        let (ehsize, phentsize, shentsize) = if self.is_64 {
            (64u64, 56u64, 64u64)
        } else {
            (52, 32, 40)
        };
        let mut phdr_count = 1 + self.gnu_stacks.len() + self.extra_loads.len();
        phdr_count += usize::from(self.interp.is_some())
            + usize::from(self.has_dynamic())
            + usize::from(self.relro);
        let mut body = Vec::new();
        let body_start = ehsize + phentsize * phdr_count as u64;
        let base = self.base();

        let interp_at = self.interp.as_ref().map(|i| {
            let at = body_start + body.len() as u64;
            body.extend_from_slice(i.as_bytes());
            body.push(0);
            (at, i.len() as u64 + 1)
        });
        let mut dynamic_at = None;
        let mut dynstr_at = None;
        if self.has_dynamic() {
            let mut strtab = vec![0u8];
            let mut add = |s: &str| {
                let at = strtab.len() as u64;
                strtab.extend_from_slice(s.as_bytes());
                strtab.push(0);
                at
            };
            let mut entries = Vec::new();
            for lib in &self.needed {
                entries.push((DT_NEEDED, add(lib)));
            }
            if let Some(soname) = &self.soname {
                entries.push((DT_SONAME, add(soname)));
            }
            if let Some(rpath) = &self.rpath {
                entries.push((DT_RPATH, add(rpath)));
            }
            if let Some(runpath) = &self.runpath {
                entries.push((DT_RUNPATH, add(runpath)));
            }
            let (verneed, verdef) = self.version_tables(&mut add);
            let strtab_at = body_start + body.len() as u64;
            dynstr_at = Some((strtab_at, strtab.len() as u64));
            body.extend_from_slice(&strtab);
            align(&mut body, 8);
            for (table, count, tag, num_tag) in [
                (verneed, self.version_needs.len(), DT_VERNEED, DT_VERNEEDNUM),
                (verdef, self.version_defs.len() + 1, DT_VERDEF, DT_VERDEFNUM),
            ] {
                if !table.is_empty() {
                    entries.push((tag, base + body_start + body.len() as u64));
                    entries.push((num_tag, count as u64));
                    body.extend_from_slice(&table);
                    align(&mut body, 8);
                }
            }
            entries.push((DT_STRTAB, base + strtab_at));
            entries.push((DT_STRSZ, strtab.len() as u64));
            if self.flags_1 != 0 {
                entries.push((DT_FLAGS_1, self.flags_1));
            }
            if self.bind_now {
                entries.push((DT_BIND_NOW, 0));
            }
            entries.push((0, 0));
            let at = body_start + body.len() as u64;
            for (tag, val) in &entries {
                self.word(&mut body, *tag);
                self.word(&mut body, *val);
            }
            dynamic_at = Some((at, body.len() as u64 + body_start - at));
        }

        // Section headers over bytes already placed: (name, type, offset, size, link).
        let mut over_loader = Vec::new();
        if self.section_headers && self.loader_sections {
            let first = self.sections.len() as u32 + 1;
            if let Some((at, len)) = interp_at {
                over_loader.push((".interp", SHT_PROGBITS, at, len, 0));
            }
            if let (Some((str_at, str_len)), Some((at, len))) = (dynstr_at, dynamic_at) {
                let dynstr_index = first + over_loader.len() as u32;
                over_loader.push((".dynstr", SHT_STRTAB, str_at, str_len, 0));
                over_loader.push((".dynamic", SHT_DYNAMIC, at, len, dynstr_index));
            }
        }

        // Section contents, then the names, then the header table.
        let mut section_offsets = Vec::new();
        let mut shstrtab = vec![0u8];
        let mut name_offsets = Vec::new();
        let mut over_loader_names = Vec::new();
        if self.section_headers {
            for (name, ..) in &over_loader {
                over_loader_names.push(shstrtab.len() as u32);
                shstrtab.extend_from_slice(name.as_bytes());
                shstrtab.push(0);
            }
            for section in &self.sections {
                align(&mut body, 8);
                section_offsets.push(body_start + body.len() as u64);
                if section.sh_type != SHT_NOBITS {
                    body.extend_from_slice(&section.data);
                }
                name_offsets.push(shstrtab.len() as u32);
                shstrtab.extend_from_slice(section.name.as_bytes());
                shstrtab.push(0);
            }
            name_offsets.push(shstrtab.len() as u32);
            shstrtab.extend_from_slice(b".shstrtab\0");
        }
        let shstrtab_at = body_start + body.len() as u64;
        if self.section_headers {
            body.extend_from_slice(&shstrtab);
            align(&mut body, 8);
        }
        let shoff = if self.section_headers {
            body_start + body.len() as u64
        } else {
            0
        };
        let shnum = if self.section_headers {
            (self.sections.len() + over_loader.len()) as u16 + 2
        } else {
            0
        };
        // Like a real linker's output, the section header table is outside every PT_LOAD.
        let load_size = body_start + body.len() as u64;

        let mut out = Vec::new();
        out.extend_from_slice(b"\x7fELF");
        out.push(if self.is_64 { 2 } else { 1 });
        out.push(if self.little_endian { 1 } else { 2 });
        out.push(1);
        out.push(self.osabi);
        out.extend_from_slice(&[0; 8]);
        self.half(&mut out, self.e_type);
        self.half(&mut out, self.machine);
        self.u32(&mut out, 1);
        self.addr(&mut out, self.entry);
        self.addr(&mut out, ehsize);
        self.addr(&mut out, shoff);
        self.u32(&mut out, 0);
        self.half(&mut out, ehsize as u16);
        self.half(&mut out, phentsize as u16);
        self.half(&mut out, phdr_count as u16);
        self.half(&mut out, shentsize as u16);
        self.half(&mut out, shnum);
        self.half(&mut out, if self.section_headers { shnum - 1 } else { 0 });

        self.phdr(
            &mut out,
            PT_LOAD,
            PF_R | PF_X,
            0,
            base,
            load_size,
            load_size,
        );
        if let Some((at, len)) = interp_at {
            self.phdr(&mut out, PT_INTERP, PF_R, at, base + at, len, len);
        }
        if let Some((at, len)) = dynamic_at {
            self.phdr(&mut out, PT_DYNAMIC, PF_R | PF_W, at, base + at, len, len);
        }
        if self.relro {
            self.phdr(&mut out, PT_GNU_RELRO, PF_R, 0, base, 0x100, 0x100);
        }
        for &flags in &self.gnu_stacks {
            self.phdr(&mut out, PT_GNU_STACK, flags, 0, 0, 0, 0);
        }
        for &flags in &self.extra_loads {
            self.phdr(&mut out, PT_LOAD, flags, 0, base + 0x10_0000, 0x40, 0x40);
        }
        assert_eq!(out.len() as u64, body_start);
        out.extend_from_slice(&body);

        if self.section_headers {
            out.resize(shoff as usize, 0);
            self.shdr(&mut out, 0, 0, 0, 0, 0, 0);
            for (i, section) in self.sections.iter().enumerate() {
                let len = section.data.len() as u64;
                self.shdr(
                    &mut out,
                    name_offsets[i],
                    section.sh_type,
                    section.flags,
                    section_offsets[i],
                    len,
                    section.link,
                );
            }
            for (&(_, sh_type, offset, size, link), &name) in
                over_loader.iter().zip(&over_loader_names)
            {
                let flags = if sh_type == SHT_DYNAMIC { 3 } else { 2 };
                self.shdr(&mut out, name, sh_type, flags, offset, size, link);
            }
            let len = shstrtab.len() as u64;
            self.shdr(
                &mut out,
                *name_offsets.last().unwrap(),
                SHT_STRTAB,
                0,
                shstrtab_at,
                len,
                0,
            );
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn phdr(
        &self,
        out: &mut Vec<u8>,
        p_type: u32,
        flags: u32,
        offset: u64,
        vaddr: u64,
        filesz: u64,
        memsz: u64,
    ) {
        self.u32(out, p_type);
        if self.is_64 {
            self.u32(out, flags);
        }
        self.addr(out, offset);
        self.addr(out, vaddr);
        self.addr(out, vaddr);
        self.addr(out, filesz);
        self.addr(out, memsz);
        if !self.is_64 {
            self.u32(out, flags);
        }
        self.addr(out, 8);
    }

    #[allow(clippy::too_many_arguments)]
    fn shdr(
        &self,
        out: &mut Vec<u8>,
        name: u32,
        sh_type: u32,
        flags: u64,
        offset: u64,
        size: u64,
        link: u32,
    ) {
        self.u32(out, name);
        self.u32(out, sh_type);
        self.addr(out, flags);
        self.addr(out, 0);
        self.addr(out, offset);
        self.addr(out, size);
        self.u32(out, link);
        self.u32(out, 0);
        self.addr(out, 1);
        self.addr(out, 0);
    }

    fn half(&self, out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&if self.little_endian {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        });
    }
    fn u32(&self, out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&if self.little_endian {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        });
    }
    fn u64(&self, out: &mut Vec<u8>, v: u64) {
        out.extend_from_slice(&if self.little_endian {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        });
    }
    fn addr(&self, out: &mut Vec<u8>, v: u64) {
        if self.is_64 {
            self.u64(out, v)
        } else {
            self.u32(out, v as u32)
        }
    }
    /// A dynamic-entry word: 8 bytes in ELF64, 4 in ELF32.
    fn word(&self, out: &mut Vec<u8>, v: u64) {
        self.addr(out, v)
    }

    /// An SHF_COMPRESSED section header (`Elf{32,64}_Chdr`) followed by `payload`.
    pub fn compressed(&self, ch_type: u32, size: u64, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.u32(&mut out, ch_type);
        if self.is_64 {
            self.u32(&mut out, 0);
            self.u64(&mut out, size);
            self.u64(&mut out, 1);
        } else {
            self.u32(&mut out, size as u32);
            self.u32(&mut out, 1);
        }
        out.extend_from_slice(payload);
        out
    }
}

fn align(body: &mut Vec<u8>, to: usize) {
    while !body.len().is_multiple_of(to) {
        body.push(0);
    }
}

/// The same file with `e_shoff`, `e_shnum` and `e_shstrndx` zeroed (as `sstrip` leaves it).
pub fn without_section_headers(mut data: Vec<u8>) -> Vec<u8> {
    if data[4] == 2 {
        data[0x28..0x30].fill(0);
        data[0x3c..0x40].fill(0);
    } else {
        data[0x20..0x24].fill(0);
        data[0x30..0x34].fill(0);
    }
    data
}

/// A fixture of `testdata/` (built by `testdata/build.sh`), read whole.
pub fn fixture(path: &str) -> Vec<u8> {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The Go fixture with CA, zoneinfo and passwd needs.
pub fn go_needs() -> Vec<u8> {
    fixture("go/go-needs")
}

/// A static Go binary without runtime needs.
pub fn go_static() -> Vec<u8> {
    fixture("bin/go-static-stripped")
}
