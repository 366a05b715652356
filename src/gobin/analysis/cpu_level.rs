//! The CPU microarchitecture level a Go program was built for: `GOAMD64`, `GOARM64`, `GOARM`
//! or `GO386` from the buildinfo settings (`cmd/go` records the one for the target GOARCH,
//! `build GOAMD64=v3`), or, without buildinfo, from what the runtime itself checks at start.
//!
//! On amd64 `runtime/asm_amd64.s` defines `bad_cpu_msg<>` (RODATA, 84 bytes) only under
//! `GOAMD64_v2`, `_v3` or `_v4`: "This program can only be run on AMD64 processors with vN
//! microarchitecture support.\n", printed by `rt0_go` when CPUID lacks the level's features;
//! at v1 the symbol stays zero. So the exact message in the read-only data names the level.
//! On arm64 `runtime/asm_arm64.s` defines `no_lse_msg<>` only under `GOARM64_LSE` (`,lse`, or
//! any level from v8.1, which implies LSE): "This program can only run on ARM64 processors
//! with LSE support.\n". That says v8.1 or newer, not which. arm's `checkgoarm`
//! (`runtime/os_linux_arm.go`) compares a `goarm` byte in the data, which no string names:
//! without buildinfo it stays unknown.

use serde::Serialize;

use crate::gobin::binary::Binary;
use crate::gobin::buildinfo::BuildSetting;

/// The architectures with levels, by their Go (and OCI) names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum CpuArch {
    #[serde(rename = "amd64")]
    Amd64,
    #[serde(rename = "arm64")]
    Arm64,
    #[serde(rename = "arm")]
    Arm,
    #[serde(rename = "386")]
    I386,
}

impl CpuArch {
    /// From the ELF's Go architecture name (`elf.arch`).
    pub fn from_go(arch: &str) -> Option<CpuArch> {
        Some(match arch {
            "amd64" => CpuArch::Amd64,
            "arm64" => CpuArch::Arm64,
            "arm" => CpuArch::Arm,
            "386" => CpuArch::I386,
            _ => return None,
        })
    }

    /// The environment variable that sets the level.
    pub fn variable(self) -> &'static str {
        match self {
            CpuArch::Amd64 => "GOAMD64",
            CpuArch::Arm64 => "GOARM64",
            CpuArch::Arm => "GOARM",
            CpuArch::I386 => "GO386",
        }
    }

    /// The level every CPU of the architecture has, as OCI platforms default it (containerd's
    /// `platforms.Normalize`: amd64 v1, arm64 v8, arm v7); 386 has no variants.
    pub fn baseline(self) -> Option<Level> {
        match self {
            CpuArch::Amd64 => Some(Level(1, 0)),
            CpuArch::Arm64 => Some(Level(8, 0)),
            CpuArch::Arm => Some(Level(7, 0)),
            CpuArch::I386 => None,
        }
    }
}

/// A comparable level: amd64 `v3` is (3, 0), arm64 `v8.2` is (8, 2), `GOARM=7` is (7, 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Level(pub u32, pub u32);

impl Level {
    /// `v3`, `v8.2`, `7`, `v8` (an OCI variant or a Go setting's first field); `None` for
    /// anything else (`sse2`, `softfloat`).
    pub fn parse(text: &str) -> Option<Level> {
        let first = text.split(',').next()?;
        let digits = first.strip_prefix('v').unwrap_or(first);
        let (major, minor) = match digits.split_once('.') {
            Some((major, minor)) => (major, minor),
            None => (digits, "0"),
        };
        let number = |s: &str| {
            (!s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        Some(Level(number(major)?, number(minor)?))
    }
}

/// How the level was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LevelSource {
    /// The `GOAMD64`... build setting.
    Buildinfo,
    /// The runtime's own start-up check (amd64's `bad_cpu_msg`).
    RuntimeCheck,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CpuLevel {
    pub arch: CpuArch,
    /// `GOAMD64`, `GOARM64`, `GOARM` or `GO386`.
    pub variable: &'static str,
    /// The value as Go wrote it: `v3`, `v8.2,lse`, `7`, `sse2`.
    pub value: String,
    /// The comparable level, where the value has one (not for `GO386`).
    pub level: Option<Level>,
    pub source: LevelSource,
}

impl CpuLevel {
    /// The level is above what every CPU of the architecture has.
    pub fn above_baseline(&self) -> bool {
        matches!((self.level, self.arch.baseline()), (Some(level), Some(base)) if level > base)
    }
}

/// Longest value taken from a setting (`v9.5,lse,crypto` is 16).
const MAX_VALUE_LEN: usize = 32;

/// The level for a program of `arch` (its Go name), from the buildinfo settings when there are
/// any, else from the runtime's start-up check.
pub fn read(bin: &Binary<'_>, arch: Option<&str>, settings: &[BuildSetting]) -> Option<CpuLevel> {
    let arch = CpuArch::from_go(arch?)?;
    let variable = arch.variable();
    if !settings.is_empty() {
        let value = settings
            .iter()
            .find(|s| s.key == variable)?
            .value
            .to_str_lossy();
        if value.is_empty() || value.len() > MAX_VALUE_LEN {
            return None;
        }
        return Some(CpuLevel {
            arch,
            variable,
            level: Level::parse(&value),
            value: value.into_owned(),
            source: LevelSource::Buildinfo,
        });
    }
    let (value, level) = match arch {
        CpuArch::Amd64 => {
            let n = amd64_bad_cpu_level(bin)?;
            (format!("v{n}"), Level(n, 0))
        }
        CpuArch::Arm64 => {
            const NO_LSE: &[u8] =
                b"This program can only run on ARM64 processors with LSE support.\n";
            bin.areas(&[".rodata"], false)
                .iter()
                .any(|(_, data)| memchr::memmem::find(data, NO_LSE).is_some())
                .then_some(())?;
            // At least v8.1, the first level with LSE.
            ("lse".to_string(), Level(8, 1))
        }
        CpuArch::Arm | CpuArch::I386 => return None,
    };
    Some(CpuLevel {
        arch,
        variable,
        value,
        level: Some(level),
        source: LevelSource::RuntimeCheck,
    })
}

/// The N of `bad_cpu_msg` in the read-only data.
fn amd64_bad_cpu_level(bin: &Binary<'_>) -> Option<u32> {
    const HEAD: &[u8] = b"This program can only be run on AMD64 processors with v";
    const TAIL: &[u8] = b" microarchitecture support.\n";
    let finder = memchr::memmem::Finder::new(HEAD);
    for (_, data) in bin.areas(&[".rodata"], false) {
        for at in finder.find_iter(data) {
            let rest = &data[at + HEAD.len()..];
            if let [digit @ b'2'..=b'4', tail @ ..] = rest
                && tail.starts_with(TAIL)
            {
                return Some(u32::from(digit - b'0'));
            }
        }
    }
    None
}

#[cfg(test)]
#[path = "cpu_level_tests.rs"]
mod tests;
