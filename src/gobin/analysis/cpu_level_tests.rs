use super::*;
use crate::gobin::binary::{Container, Segment};

fn settings(pairs: &[(&str, &str)]) -> Vec<BuildSetting> {
    pairs
        .iter()
        .map(|(k, v)| BuildSetting {
            key: (*k).into(),
            value: (*v).into(),
        })
        .collect()
}

fn binary(rodata: &[u8]) -> Binary<'_> {
    Binary {
        data: rodata,
        container: Container::Elf,
        pointer_size: 8,
        big_endian: false,
        sections: Vec::new(),
        segments: vec![Segment {
            address: 0x40_0000,
            mem_size: rodata.len() as u64,
            data: rodata,
            offset: 0,
            writable: false,
            executable: false,
        }],
    }
}

#[test]
fn levels_parse_from_settings_and_variants() {
    assert_eq!(Level::parse("v3"), Some(Level(3, 0)));
    assert_eq!(Level::parse("v8.2,lse"), Some(Level(8, 2)));
    assert_eq!(Level::parse("v9.0,crypto"), Some(Level(9, 0)));
    assert_eq!(Level::parse("7"), Some(Level(7, 0)));
    assert_eq!(Level::parse("6,softfloat"), Some(Level(6, 0)));
    assert_eq!(Level::parse("v8"), Some(Level(8, 0)));
    for bad in ["sse2", "softfloat", "", "v", "v8.", "v.1", "v1234", "v3x"] {
        assert_eq!(Level::parse(bad), None, "{bad}");
    }
    assert!(Level(8, 1) > Level(8, 0) && Level(9, 0) > Level(8, 9));
}

#[test]
fn buildinfo_settings_give_the_level_of_the_programs_arch() {
    let bin = binary(&[]);
    let all = settings(&[("GOARCH", "amd64"), ("GOAMD64", "v3"), ("GOARM64", "v8.2")]);
    let amd64 = read(&bin, Some("amd64"), &all).unwrap();
    assert_eq!(
        (amd64.variable, amd64.value.as_str(), amd64.level),
        ("GOAMD64", "v3", Some(Level(3, 0)))
    );
    assert_eq!(amd64.source, LevelSource::Buildinfo);
    assert!(amd64.above_baseline());
    let arm64 = read(&bin, Some("arm64"), &all).unwrap();
    assert_eq!(arm64.level, Some(Level(8, 2)));
    assert!(arm64.above_baseline());
    // Settings without the variable: unknown, even if the runtime string were there.
    assert_eq!(read(&bin, Some("arm"), &all), None);
    assert_eq!(read(&bin, Some("riscv64"), &all), None);
    assert_eq!(read(&bin, None, &all), None);
}

#[test]
fn baselines_are_the_oci_defaults() {
    let bin = binary(&[]);
    let at = |arch: &str, var: &str, value: &str| {
        read(&bin, Some(arch), &settings(&[(var, value)]))
            .unwrap()
            .above_baseline()
    };
    assert!(!at("amd64", "GOAMD64", "v1"));
    assert!(at("amd64", "GOAMD64", "v2"));
    assert!(!at("arm64", "GOARM64", "v8.0"));
    assert!(at("arm64", "GOARM64", "v8.1"));
    assert!(!at("arm", "GOARM", "7"));
    assert!(!at("arm", "GOARM", "6"));
    assert!(!at("386", "GO386", "sse2"));
    let go386 = read(&bin, Some("386"), &settings(&[("GO386", "softfloat")])).unwrap();
    assert_eq!((go386.level, go386.value.as_str()), (None, "softfloat"));
}

#[test]
fn without_buildinfo_amd64_reads_the_runtimes_bad_cpu_message() {
    let mut ro = b"some other string".to_vec();
    ro.extend_from_slice(
        b"This program can only be run on AMD64 processors with v3 microarchitecture support.\n",
    );
    let level = read(&binary(&ro), Some("amd64"), &[]).unwrap();
    assert_eq!(
        (level.value.as_str(), level.level, level.source),
        ("v3", Some(Level(3, 0)), LevelSource::RuntimeCheck)
    );
    // Not on other architectures, and not from a near miss.
    assert_eq!(read(&binary(&ro), Some("arm64"), &[]), None);
    assert_eq!(read(&binary(&ro), Some("arm"), &[]), None);
    for near in [
        b"This program can only be run on AMD64 processors with v1 microarchitecture support.\n"
            .as_slice(),
        b"This program can only be run on AMD64 processors with v3 microarchitecture support.",
        b"This program can only be run on AMD64 processors with v33 microarchitecture support.\n",
        &[0u8; 84],
    ] {
        assert_eq!(read(&binary(near), Some("amd64"), &[]), None);
    }
}

#[test]
fn the_v3_fixture_names_its_level_with_and_without_buildinfo() {
    let data = crate::testkit::elf::fixture("go/go-amd64-v3");
    let bin = Binary::parse(&data).unwrap();
    let info = crate::gobin::buildinfo::read(&bin).unwrap().unwrap();
    let from_info = read(&bin, Some("amd64"), &info.settings).unwrap();
    assert_eq!(
        (from_info.value.as_str(), from_info.source),
        ("v3", LevelSource::Buildinfo)
    );
    let from_runtime = read(&bin, Some("amd64"), &[]).unwrap();
    assert_eq!(from_runtime.level, Some(Level(3, 0)));
    // The v1 build has no message: nothing to claim.
    let v1 = crate::testkit::elf::go_static();
    assert_eq!(read(&Binary::parse(&v1).unwrap(), Some("amd64"), &[]), None);
}

#[test]
fn the_arm64_fixture_shows_lse_without_buildinfo() {
    let data = crate::testkit::elf::fixture("go/go-arm64-v8.2");
    let bin = Binary::parse(&data).unwrap();
    let level = read(&bin, Some("arm64"), &[]).unwrap();
    assert_eq!(
        (level.value.as_str(), level.level, level.source),
        ("lse", Some(Level(8, 1)), LevelSource::RuntimeCheck)
    );
    assert!(level.above_baseline());
    let v8 = crate::testkit::elf::fixture("bin/go-arm64");
    assert_eq!(read(&Binary::parse(&v8).unwrap(), Some("arm64"), &[]), None);
}
