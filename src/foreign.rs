//! Executables for other operating systems (Windows PE, macOS Mach-O), recognised so that
//! `check` can say "this is not a Linux binary" instead of "unknown file". Only the format and
//! architecture are read, with object.

use object::read::macho::{FatArch, MachOFatFile32, MachOFatFile64};
use object::{Architecture, BinaryFormat, Object};
use serde::Serialize;

use crate::input::Format;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignFacts {
    /// `pe`, `macho` or `macho-universal`.
    pub format: Format,
    pub os: ForeignOs,
    pub arch: Vec<String>,
}

/// The operating system a foreign executable is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ForeignOs {
    Windows,
    Macos,
}

impl std::fmt::Display for ForeignOs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ForeignOs::Windows => "windows",
            ForeignOs::Macos => "macos",
        })
    }
}

/// Facts for a sniffed PE or Mach-O file; `Ok(None)` when the bytes turn out not to be one
/// (an `MZ` file without a PE signature is just a file starting with "MZ").
pub fn read(data: &[u8], format: Format) -> Result<Option<ForeignFacts>, String> {
    match format {
        Format::Pe => {
            if !has_pe_signature(data) {
                return Ok(None);
            }
            let file = object::File::parse(data).map_err(|e| format!("bad PE file: {e}"))?;
            Ok(Some(ForeignFacts {
                format: Format::Pe,
                os: ForeignOs::Windows,
                arch: vec![arch_name(file.architecture())],
            }))
        }
        Format::MachO => {
            let file = object::File::parse(data).map_err(|e| format!("bad Mach-O file: {e}"))?;
            debug_assert_eq!(file.format(), BinaryFormat::MachO);
            Ok(Some(ForeignFacts {
                format: Format::MachO,
                os: ForeignOs::Macos,
                arch: vec![arch_name(file.architecture())],
            }))
        }
        Format::MachOFat => {
            let arch = if data.get(3) == Some(&0xbf) {
                MachOFatFile64::parse(data).map(|f| {
                    f.arches()
                        .iter()
                        .map(|a| arch_name(a.architecture()))
                        .collect()
                })
            } else {
                MachOFatFile32::parse(data).map(|f| {
                    f.arches()
                        .iter()
                        .map(|a| arch_name(a.architecture()))
                        .collect()
                })
            }
            .map_err(|e| format!("bad universal Mach-O file: {e}"))?;
            Ok(Some(ForeignFacts {
                format: Format::MachOFat,
                os: ForeignOs::Macos,
                arch,
            }))
        }
        Format::Elf | Format::Script => Ok(None),
    }
}

fn has_pe_signature(data: &[u8]) -> bool {
    let Some(raw) = data.get(0x3c..0x40) else {
        return false;
    };
    let e_lfanew = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
    data.get(e_lfanew..e_lfanew.saturating_add(4)) == Some(b"PE\0\0")
}

fn arch_name(arch: Architecture) -> String {
    match arch {
        Architecture::X86_64 => "x86-64".into(),
        Architecture::I386 => "i386".into(),
        Architecture::Aarch64 => "aarch64".into(),
        Architecture::Arm => "arm".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}
