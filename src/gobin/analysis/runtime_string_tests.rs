use super::*;
use crate::gobin::binary::{Container, Segment};

const RODATA: u64 = 0x40_0000;
const DATA: u64 = 0x50_0000;
const ANY: MinorRange = MinorRange { min: 2, max: None };

fn segment(address: u64, data: &[u8], writable: bool) -> Segment<'_> {
    Segment {
        address,
        mem_size: data.len() as u64,
        data,
        offset: 0,
        writable,
        executable: false,
    }
}

fn binary<'a>(rodata: &'a [u8], data: &'a [u8], ptr: usize, big: bool) -> Binary<'a> {
    Binary {
        data: rodata,
        container: Container::Elf,
        pointer_size: ptr,
        big_endian: big,
        sections: Vec::new(),
        segments: vec![segment(RODATA, rodata, false), segment(DATA, data, true)],
    }
}

/// Words in the binary's order.
fn words(values: &[u64], ptr: usize, big: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for &v in values {
        let bytes = if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        if big {
            out.extend_from_slice(&bytes[8 - ptr..]);
        } else {
            out.extend_from_slice(&bytes[..ptr]);
        }
    }
    out
}

/// Read-only bytes as Go lays strings out (back to back, no terminator), with the version at
/// offset 16 followed by more string bytes, and a file name that also contains `go1.`.
fn rodata() -> Vec<u8> {
    let mut ro = b"only_go1.26.go\0\0".to_vec();
    ro.extend_from_slice(b"go1.26.5invalid argument");
    ro
}

#[test]
fn the_string_header_gives_the_exact_version() {
    let ro = rodata();
    for (ptr, big) in [(8, false), (4, false), (8, true), (4, true)] {
        let data = words(&[0, 7, RODATA + 16, 8, 0], ptr, big);
        let bin = binary(&ro, &data, ptr, big);
        assert_eq!(find(&bin, ANY).as_deref(), Some("go1.26.5"), "{ptr} {big}");
    }
}

#[test]
fn bytes_without_a_header_are_not_a_version() {
    let ro = rodata();
    let data = words(&[0, 8, 0], 8, false);
    assert_eq!(find(&binary(&ro, &data, 8, false), ANY), None);
    // A header pointing at the file name (`go1.26.go`) is not a release version.
    let data = words(&[RODATA + 5, 9], 8, false);
    assert_eq!(find(&binary(&ro, &data, 8, false), ANY), None);
}

#[test]
fn the_length_must_cover_exactly_a_version() {
    let ro = rodata();
    for len in [4, 7, 9, 15, 0, 1 << 40] {
        let data = words(&[RODATA + 16, len], 8, false);
        assert_eq!(find(&binary(&ro, &data, 8, false), ANY), None, "{len}");
    }
}

#[test]
fn a_misaligned_header_is_ignored() {
    let ro = rodata();
    let mut data = vec![0u8; 4];
    data.extend(words(&[RODATA + 16, 8], 8, false));
    assert_eq!(find(&binary(&ro, &data, 8, false), ANY), None);
}

#[test]
fn the_pclntab_range_cross_checks_the_version() {
    let ro = rodata();
    let data = words(&[RODATA + 16, 8], 8, false);
    let bin = binary(&ro, &data, 8, false);
    let old = MinorRange {
        min: 16,
        max: Some(17),
    };
    assert_eq!(find(&bin, old), None);
    let newer = MinorRange { min: 27, max: None };
    assert_eq!(find(&bin, newer), None);
    let fits = MinorRange { min: 20, max: None };
    assert_eq!(find(&bin, fits).as_deref(), Some("go1.26.5"));
}

#[test]
fn two_different_versions_give_none_and_the_same_one_twice_gives_it() {
    let mut ro = rodata();
    ro.extend_from_slice(b"go1.22.1");
    let two = words(&[RODATA + 16, 8, RODATA + 40, 8], 8, false);
    assert_eq!(find(&binary(&ro, &two, 8, false), ANY), None);
    let same = words(&[RODATA + 16, 8, RODATA + 16, 8], 8, false);
    assert_eq!(
        find(&binary(&ro, &same, 8, false), ANY).as_deref(),
        Some("go1.26.5")
    );
}

#[test]
fn a_header_in_read_only_data_does_not_count() {
    let mut ro = rodata();
    ro.extend(words(&[RODATA + 16, 8], 8, false));
    assert_eq!(find(&binary(&ro, &[], 8, false), ANY), None);
}

#[test]
fn release_grammar_is_strict() {
    for (text, minor) in [
        ("go1.26.5", Some(26)),
        ("go1.21", Some(21)),
        ("go1.27rc2", Some(27)),
        ("go1.22beta1", Some(22)),
        ("go1.26.5 X:nocoverageredesign", Some(26)),
        ("go1.22.5-1", Some(22)),
        ("go1.", None),
        ("go1.26.", None),
        ("go1.26.5invalid", None),
        ("go1.26.go", None),
        ("go1.26.5\0", None),
        ("go1.26.5 ", None),
        ("go1.26.5-", None),
        ("go1.1234", None),
        ("go1.26.5 \n", None),
        ("devel go1.27-abc", None),
        ("go2.0", None),
    ] {
        assert_eq!(release_minor(text), minor, "{text:?}");
    }
}

#[test]
fn candidates_are_capped() {
    let ro = b"go1.".repeat(MAX_CANDIDATES + 10);
    let bin = binary(&ro, &[], 8, false);
    assert_eq!(candidates(&bin).len(), MAX_CANDIDATES);
}

#[test]
fn named_sections_are_preferred_to_segments() {
    let ro = rodata();
    let data = words(&[RODATA + 16, 8], 8, false);
    let mut bin = binary(&ro, &data, 8, false);
    // A `.data` section elsewhere: the header in the writable segment is not read.
    bin.sections.push(crate::gobin::binary::Section {
        name: ".data".into(),
        address: DATA + 64,
        data: &[],
        offset: 0,
    });
    assert_eq!(find(&bin, ANY), None);
}

#[test]
fn real_fixtures_agree_with_their_buildinfo() {
    for path in [
        "bin/go-static-stripped",
        "bin/go-pie",
        "bin/go-arm64",
        "bin/go-mips",
        "go/go-386",
        "go/go-s390x",
        "go/go1.19-hello",
        "go/go1.21-pie",
        "go/go1.23-hello",
    ] {
        let data = crate::testkit::elf::fixture(path);
        let bin = Binary::parse(&data).unwrap();
        let info = crate::gobin::buildinfo::read(&bin).unwrap().unwrap();
        let truth = info.go_version.to_str_lossy().into_owned();
        let found = find(&bin, ANY);
        assert_eq!(found.as_deref(), Some(truth.as_str()), "{path}");
        // Without section headers the segments are searched instead.
        let bare = crate::testkit::elf::without_section_headers(data.clone());
        let bin = Binary::parse(&bare).unwrap();
        assert!(bin.sections.is_empty());
        assert_eq!(
            find(&bin, ANY).as_deref(),
            Some(truth.as_str()),
            "{path} bare"
        );
    }
}
