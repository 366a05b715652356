//! GS604 arch-mismatch: a program whose ELF machine, class or byte order (its Go/OCI
//! architecture name, `elf.arch`) differs from the image platform, or an arm program built for
//! a newer ARM than the platform variant (`GOARM=7` on `linux/arm/v6`).
//!
//! Nothing is compared when the platform is unknown (a root filesystem directory).
//!
//! Programs only: the entrypoint always, other programs when they have an executable bit and
//! are not under a `testdata` directory (Go and other source trees ship foreign-arch ELF
//! fixtures on purpose). Shared libraries are not reported here: multiarch images carry
//! other-arch libraries legitimately (i386 compat libraries), and a program that needs one of
//! the wrong class learns it from GS504, which skips it as ld.so does.
//!
//! GS406 cpu-level, image side: an amd64 or arm64 program built for a level above the
//! platform's explicit variant (`GOAMD64=v3` on `linux/amd64/v2`, `GOARM64=v8.2` on
//! `linux/arm64/v8`) is an error that replaces the file's note. OCI variants: amd64 `v1`..`v4`,
//! arm64 `v8`, `v8.1`..., `v9`... (image-spec `config.md`, containerd `platforms`). Without a
//! variant the note stands: most amd64 images carry none, and the fleet decides.
//!
//! A 32-bit x86 program on amd64 and a 32-bit arm program on arm64 run where the kernel keeps
//! 32-bit support (IA32 emulation, AArch32 at EL0), which many hosts do and some don't: those
//! are warnings, not errors.

use super::command::Command;
use super::{Collected, FileUpdate};
use crate::elf::ElfFacts;
use crate::facts::FileFacts;
use crate::gobin::GoFacts;
use crate::gobin::analysis::cpu_level::{CpuArch, Level};
use crate::image::Image;
use crate::rules::{Finding, Rule, Severity};

pub(super) fn check(image: &Image<FileFacts>, command: &Command, evaluation: &mut Collected) {
    // A root filesystem directory has no config: nothing to compare with.
    if image.platform.architecture.is_empty() {
        return;
    }
    let entry = command.entry_program().map(|p| p.real.as_str());
    for (index, file) in image.files.iter().enumerate() {
        let program = file.image_path.as_str();
        let Some(elf) = file.inspection.elf_facts() else {
            continue;
        };
        if !elf.linking.is_executable() {
            continue;
        }
        let is_entry = entry == Some(program);
        let runnable = image
            .tree
            .get(program)
            .is_some_and(|node| node.mode & 0o111 != 0);
        let fixture = program.split('/').any(|c| c == "testdata");
        if !is_entry && (!runnable || fixture) {
            continue;
        }
        let finding = mismatch(image, program, elf).or_else(|| {
            file.inspection
                .go_facts()
                .and_then(|go| arm_level(image, program, go))
        });
        if let Some(finding) = finding {
            evaluation.file_updates.push(FileUpdate {
                index,
                drop: Vec::new(),
                add: vec![finding],
            });
        } else if let Some(finding) = file
            .inspection
            .go_facts()
            .and_then(|go| variant_below_level(image, program, go))
        {
            evaluation.file_updates.push(FileUpdate {
                index,
                drop: vec![Rule::CpuLevel],
                add: vec![finding],
            });
        }
    }
}

fn mismatch(image: &Image<FileFacts>, program: &str, elf: &ElfFacts) -> Option<Finding> {
    let platform = &image.platform;
    if elf.arch == Some(platform.architecture.as_str()) {
        return None;
    }
    let message = format!(
        "{program} is {} ({}, {}-endian), but the image platform is {platform}",
        elf.machine, elf.class, elf.endian
    );
    let go_arch = elf.arch.unwrap_or("its architecture");
    let fix = format!(
        "build for the image platform: GOOS=linux GOARCH={} (GOARCH=$TARGETARCH in a buildx Dockerfile), or publish the image as {}/{go_arch}",
        platform.architecture, platform.os
    );
    let mut finding = Finding::new(Rule::ArchMismatch, message, fix).keyed(elf.machine.clone());
    let compat = matches!(
        (platform.architecture.as_str(), elf.arch),
        ("amd64", Some("386")) | ("arm64", Some("arm"))
    );
    if compat {
        finding.severity = Severity::Warning;
        finding.message.push_str(
            ": it runs only where the kernel keeps 32-bit support (IA32 emulation, AArch32), which some hosts lack",
        );
    }
    Some(finding)
}

/// `GOARM=N` above the platform's `vM`: the program uses instructions the CPU lacks.
fn arm_level(image: &Image<FileFacts>, program: &str, go: &GoFacts) -> Option<Finding> {
    let platform = &image.platform;
    if platform.architecture != "arm" {
        return None;
    }
    let variant = platform.variant.as_deref()?.strip_prefix('v')?;
    let wanted: u32 = variant.parse().ok()?;
    let goarm = go.setting("GOARM")?;
    let text = String::from_utf8_lossy(goarm.as_bytes()).into_owned();
    let level: u32 = text.split(',').next()?.parse().ok()?;
    (level > wanted).then(|| {
        Finding::new(
            Rule::ArchMismatch,
            format!(
                "{program} is built with GOARM={text} (ARMv{level}), but the image platform is {platform}: ARMv{wanted} CPUs cannot run it"
            ),
            format!("build with GOARM={wanted} (buildx sets it from TARGETVARIANT)"),
        )
        .keyed(format!("GOARM={level}"))
    })
}

/// GS406 as an error: the platform variant is below the program's amd64 or arm64 level.
fn variant_below_level(image: &Image<FileFacts>, program: &str, go: &GoFacts) -> Option<Finding> {
    let platform = &image.platform;
    let cpu = go.cpu_level.as_ref()?;
    if !matches!(cpu.arch, CpuArch::Amd64 | CpuArch::Arm64)
        || cpu.arch.variable() != arch_variable(&platform.architecture)?
    {
        return None;
    }
    let variant = platform.variant.as_deref()?;
    let (have, need) = (Level::parse(variant)?, cpu.level?);
    (have < need).then(|| {
        let setting = format!("{}={}", cpu.variable, cpu.value);
        let first = cpu.value.split(',').next().unwrap_or(&cpu.value);
        let first = if first == "lse" { "v8.1" } else { first };
        let mut finding = Finding::new(
            Rule::CpuLevel,
            format!(
                "{program} is built with {setting}, but the image platform is {platform}: {} CPUs at {variant} cannot run it",
                platform.architecture
            ),
            format!(
                "build with {}={variant} (buildx: from TARGETVARIANT), or publish the image as {}/{}/{first}",
                cpu.variable, platform.os, platform.architecture
            ),
        )
        .keyed(setting);
        finding.severity = Severity::Error;
        finding
    })
}

/// The level variable of an OCI architecture that has levels.
fn arch_variable(architecture: &str) -> Option<&'static str> {
    CpuArch::from_go(architecture).map(CpuArch::variable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::elf::{EM_386, EM_AARCH64, Synth as Elf};
    use crate::testkit::image::{Config, Layer, image};

    fn findings(img: &Image<FileFacts>) -> Vec<Finding> {
        let mut evaluation = Collected::default();
        let start = crate::rules::image::Start::of(img);
        check(img, &start.command, &mut evaluation);
        evaluation
            .file_updates
            .into_iter()
            .flat_map(|u| u.add)
            .collect()
    }

    #[test]
    fn an_arm64_program_in_an_amd64_image_is_an_error() {
        let arm = Elf::static_program().machine(true, EM_AARCH64).build();
        let img = image(
            Layer::new().file("server", &arm).file(
                "usr/lib/libarm.so",
                &Elf::library("libarm.so", &[])
                    .machine(true, EM_AARCH64)
                    .build(),
            ),
            Config {
                entrypoint: vec!["/server".into()],
                ..Config::default()
            },
        );
        let found = findings(&img);
        assert_eq!(found.len(), 1, "libraries are not reported: {found:?}");
        assert_eq!(
            found[0].message,
            "/server is aarch64 (ELF64, little-endian), but the image platform is linux/amd64"
        );
        assert_eq!(found[0].severity, Severity::Error);
    }

    #[test]
    fn matching_programs_fixtures_and_non_executable_files_are_quiet() {
        let arm = Elf::static_program().machine(true, EM_AARCH64).build();
        let img = image(
            Layer::new()
                .file("app", &Elf::static_program().build())
                .file("src/debug/elf/testdata/arm-exec", &arm)
                .file_mode("opt/arm-exec", 0o644, &arm),
            Config::default(),
        );
        assert!(findings(&img).is_empty());

        let mut rootfs = image(
            Layer::new().file("app", &arm),
            Config {
                entrypoint: vec!["/app".into()],
                ..Config::default()
            },
        );
        rootfs.platform.architecture = String::new();
        assert!(findings(&rootfs).is_empty(), "no platform, no mismatch");
    }

    #[test]
    fn goarm_above_the_platform_variant_is_an_error() {
        let go_arm = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/go/go-arm"))
            .expect("testdata/go/go-arm");
        let on = |variant| {
            findings(&image(
                Layer::new().file("app", &go_arm),
                Config {
                    arch: "arm",
                    variant: Some(variant),
                    ..Config::default()
                },
            ))
        };
        assert!(on("v7").is_empty());
        let found = on("v6");
        assert_eq!(
            found[0].message,
            "/app is built with GOARM=7 (ARMv7), but the image platform is linux/arm/v6: ARMv6 CPUs cannot run it"
        );
    }

    #[test]
    fn a_cpu_level_above_the_platform_variant_is_an_error() {
        let v3 = crate::testkit::elf::fixture("go/go-amd64-v3");
        let on = |arch, variant, data: &[u8]| {
            findings(&image(
                Layer::new().file("app", data),
                Config {
                    arch,
                    variant,
                    ..Config::default()
                },
            ))
        };
        let found = on("amd64", Some("v2"), &v3);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].rule, found[0].severity),
            (Rule::CpuLevel, Severity::Error)
        );
        assert_eq!(
            found[0].message,
            "/app is built with GOAMD64=v3, but the image platform is linux/amd64/v2: amd64 CPUs at v2 cannot run it"
        );
        assert_eq!(found[0].key.as_deref(), Some("GOAMD64=v3"));
        assert!(on("amd64", Some("v3"), &v3).is_empty());
        assert!(on("amd64", Some("v4"), &v3).is_empty());
        assert!(
            on("amd64", None, &v3).is_empty(),
            "no variant: the note stands"
        );

        let arm64 = crate::testkit::elf::fixture("go/go-arm64-v8.2");
        let found = on("arm64", Some("v8"), &arm64);
        assert!(found[0].message.contains("GOARM64=v8.2"), "{found:?}");
        assert!(on("arm64", Some("v8.1"), &arm64).len() == 1);
        assert!(on("arm64", Some("v8.2"), &arm64).is_empty());
        assert!(on("arm64", Some("v9.0"), &arm64).is_empty());
        // A v1 program is fine anywhere.
        assert!(on("amd64", Some("v1"), &crate::testkit::elf::go_static()).is_empty());
    }

    #[test]
    fn a_386_program_on_amd64_is_a_warning() {
        let img = image(
            Layer::new().file("app", &Elf::static_program().machine(false, EM_386).build()),
            Config::default(),
        );
        let found = findings(&img);
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(
            found[0].message.contains("32-bit support"),
            "{}",
            found[0].message
        );
    }
}
