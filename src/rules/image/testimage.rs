//! Test support for the image rules: tiny ELF files with exactly the loader-facing parts the
//! rules read (class, machine, PT_INTERP, DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH), and
//! images built from synthetic layers and read back through `image::open`, so the rules see
//! what `gostatic image` would.

use crate::facts::FileFacts;
use crate::image::testkit::{self, Compress, ImageSpec, TarBuilder};
use crate::image::{self, Image, ImageOptions, ImageSource};

pub const EM_386: u16 = 3;
pub const EM_X86_64: u16 = 62;
pub const EM_AARCH64: u16 = 183;

/// One synthetic ELF file.
#[derive(Debug, Clone)]
pub struct Elf {
    pub is_64: bool,
    pub machine: u16,
    /// ET_EXEC when true, else ET_DYN.
    pub exec: bool,
    pub interp: Option<String>,
    pub needed: Vec<String>,
    pub soname: Option<String>,
    pub rpath: Option<String>,
    pub runpath: Option<String>,
}

impl Elf {
    /// A dynamic x86-64 program that needs glibc's loader and libc.
    pub fn program() -> Self {
        Elf {
            is_64: true,
            machine: EM_X86_64,
            exec: true,
            interp: Some("/lib64/ld-linux-x86-64.so.2".into()),
            needed: vec!["libc.so.6".into()],
            soname: None,
            rpath: None,
            runpath: None,
        }
    }

    /// A static x86-64 program.
    pub fn static_program() -> Self {
        Elf {
            interp: None,
            needed: Vec::new(),
            ..Elf::program()
        }
    }

    /// An x86-64 shared library with this soname and these needs.
    pub fn library(soname: &str, needed: &[&str]) -> Self {
        Elf {
            exec: false,
            interp: None,
            needed: needed.iter().map(|s| s.to_string()).collect(),
            soname: Some(soname.into()),
            ..Elf::program()
        }
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

    pub fn runpath(mut self, runpath: &str) -> Self {
        self.runpath = Some(runpath.into());
        self
    }

    pub fn rpath(mut self, rpath: &str) -> Self {
        self.rpath = Some(rpath.into());
        self
    }

    /// Little-endian bytes: header, program headers (PT_LOAD over the whole file, PT_INTERP,
    /// PT_DYNAMIC), the interpreter string, the dynamic string table and the dynamic array.
    pub fn build(&self) -> Vec<u8> {
        let (ehsize, phentsize, word) = if self.is_64 {
            (64u64, 56u64, 8usize)
        } else {
            (52, 32, 4)
        };
        let dynamic = !self.needed.is_empty()
            || self.soname.is_some()
            || self.rpath.is_some()
            || self.runpath.is_some();
        let phnum = 1 + u64::from(self.interp.is_some()) + u64::from(dynamic);
        let start = ehsize + phentsize * phnum;
        let base = if self.exec { 0x40_0000u64 } else { 0 };
        let mut body = Vec::new();
        let interp_at = self.interp.as_ref().map(|i| {
            let at = start + body.len() as u64;
            body.extend_from_slice(i.as_bytes());
            body.push(0);
            (at, i.len() as u64 + 1)
        });
        let mut dynamic_at = None;
        if dynamic {
            let mut strtab = vec![0u8];
            let mut entries = Vec::new();
            let mut add = |tag: u64, s: &str| {
                entries.push((tag, strtab.len() as u64));
                strtab.extend_from_slice(s.as_bytes());
                strtab.push(0);
            };
            for lib in &self.needed {
                add(1, lib);
            }
            if let Some(s) = &self.soname {
                add(14, s);
            }
            if let Some(s) = &self.rpath {
                add(15, s);
            }
            if let Some(s) = &self.runpath {
                add(29, s);
            }
            let strtab_at = start + body.len() as u64;
            body.extend_from_slice(&strtab);
            while body.len() % 8 != 0 {
                body.push(0);
            }
            entries.push((5, base + strtab_at));
            entries.push((10, strtab.len() as u64));
            entries.push((0, 0));
            let at = start + body.len() as u64;
            for (tag, value) in entries {
                body.extend_from_slice(&tag.to_le_bytes()[..word]);
                body.extend_from_slice(&value.to_le_bytes()[..word]);
            }
            dynamic_at = Some((at, start + body.len() as u64 - at));
        }
        let total = start + body.len() as u64;

        let mut out = Vec::new();
        out.extend_from_slice(b"\x7fELF");
        out.extend_from_slice(&[if self.is_64 { 2 } else { 1 }, 1, 1, 0]);
        out.extend_from_slice(&[0; 8]);
        let half = |out: &mut Vec<u8>, v: u16| out.extend_from_slice(&v.to_le_bytes());
        let long = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
        let addr = |out: &mut Vec<u8>, v: u64| out.extend_from_slice(&v.to_le_bytes()[..word]);
        half(&mut out, if self.exec { 2 } else { 3 });
        half(&mut out, self.machine);
        long(&mut out, 1);
        addr(&mut out, base + 0x1000);
        addr(&mut out, ehsize);
        addr(&mut out, 0);
        long(&mut out, 0);
        half(&mut out, ehsize as u16);
        half(&mut out, phentsize as u16);
        half(&mut out, phnum as u16);
        half(&mut out, if self.is_64 { 64 } else { 40 });
        half(&mut out, 0);
        half(&mut out, 0);
        let phdr = |out: &mut Vec<u8>, kind: u32, flags: u32, offset: u64, size: u64| {
            long(out, kind);
            if self.is_64 {
                long(out, flags);
            }
            addr(out, offset);
            addr(out, base + offset);
            addr(out, base + offset);
            addr(out, size);
            addr(out, size);
            if !self.is_64 {
                long(out, flags);
            }
            addr(out, if kind == 1 { 0x1000 } else { 1 });
        };
        phdr(&mut out, 1, 5, 0, total);
        if let Some((at, len)) = interp_at {
            phdr(&mut out, 3, 4, at, len);
        }
        if let Some((at, len)) = dynamic_at {
            phdr(&mut out, 2, 6, at, len);
        }
        assert_eq!(out.len() as u64, start);
        out.extend_from_slice(&body);
        out
    }
}

/// How the test image is configured.
#[derive(Debug, Clone)]
pub struct Config {
    pub arch: &'static str,
    pub variant: Option<&'static str>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub user: String,
    pub env: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            arch: "amd64",
            variant: None,
            entrypoint: vec!["/app".into()],
            cmd: Vec::new(),
            user: "65532".into(),
            env: vec!["PATH=/usr/local/bin:/usr/bin:/bin".into()],
        }
    }
}

/// An image of one layer, tagged `t:1`, read back as `gostatic image` reads it.
pub fn image(layer: &TarBuilder, config: Config) -> Image<FileFacts> {
    image_layers(vec![layer.finish()], config)
}

pub fn image_layers(layers: Vec<Vec<u8>>, config: Config) -> Image<FileFacts> {
    let mut spec = ImageSpec::new("t:1", layers);
    spec.compress = Compress::None;
    spec.arch = config.arch.into();
    spec.variant = config.variant.map(str::to_string);
    spec.entrypoint = config.entrypoint;
    spec.cmd = config.cmd;
    spec.user = config.user;
    spec.env = config.env;
    let bytes = testkit::to_tar(&testkit::oci_layout(&[spec]));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("image.tar");
    std::fs::write(&path, bytes).expect("write image");
    image::open(
        &ImageSource::Path(path),
        &ImageOptions::default(),
        &super::testing::facts,
    )
    .expect("synthetic image reads")
    .remove(0)
}

/// The Go fixture with CA, zoneinfo and passwd needs, when `testdata/go` has it.
pub fn go_needs() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/go/go-needs"))
        .expect("testdata/go/go-needs")
}

/// A static Go binary without runtime needs.
pub fn go_static() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/bin/go-static-stripped"
    ))
    .expect("testdata/bin/go-static-stripped")
}
