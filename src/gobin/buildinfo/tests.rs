//! Unit tests of the whole reader on ELF files built here byte by byte: both blob formats,
//! both pointer sizes and byte orders, Go's lookup and the segment scan, and hostile headers.

use super::*;

const INFO_START: [u8; 16] = [
    0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6,
];
const INFO_END: [u8; 16] = [
    0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2,
];
pub(crate) const DATA_VADDR: u64 = 0x50_0000;
const DATA_OFFSET: usize = 0x1000;

pub(crate) const TEXT: &str = "path\texample.com/x\nmod\texample.com/x\t(devel)\t\n\
    dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\ndep\told\tv1.0.0\n=>\t../new\t\t\nbuild\t-ldflags=\"-s -w\"\n";

pub(crate) fn framed(text: &str) -> Vec<u8> {
    [&INFO_START[..], text.as_bytes(), &INFO_END[..]].concat()
}

fn uvarint(mut value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
    out
}

fn header(pointer_size: u8, flags: u8) -> Vec<u8> {
    let mut h = blob::MAGIC.to_vec();
    h.extend_from_slice(&[pointer_size, flags]);
    h.resize(32, 0);
    h
}

/// Go 1.18+: header, then the two uvarint-prefixed strings.
pub(crate) fn inline_blob(version: &[u8], modinfo: &[u8]) -> Vec<u8> {
    let mut b = header(8, blob::FLAG_INLINE);
    b.extend(uvarint(version.len() as u64));
    b.extend_from_slice(version);
    b.extend(uvarint(modinfo.len() as u64));
    b.extend_from_slice(modinfo);
    b.resize(b.len().next_multiple_of(16) + 16, 0);
    b
}

fn put(out: &mut Vec<u8>, value: u64, size: usize, big: bool) {
    let bytes = value.to_le_bytes();
    let mut word = bytes[..size].to_vec();
    if big {
        word.reverse();
    }
    out.extend(word);
}

/// Go 1.13–1.17: header with two pointers to string headers, which point at the bytes.
pub(crate) fn pointer_blob(size: usize, big: bool, version: &[u8], modinfo: &[u8]) -> Vec<u8> {
    let mut b = header(size as u8, if big { blob::FLAG_BIG_ENDIAN } else { 0 });
    b.truncate(16);
    let headers = DATA_VADDR + 32;
    let strings = headers + 4 * size as u64;
    put(&mut b, headers, size, big);
    put(&mut b, headers + 2 * size as u64, size, big);
    b.resize(32, 0);
    put(&mut b, strings, size, big);
    put(&mut b, version.len() as u64, size, big);
    put(&mut b, strings + version.len() as u64, size, big);
    put(&mut b, modinfo.len() as u64, size, big);
    b.extend_from_slice(version);
    b.extend_from_slice(modinfo);
    b.resize(b.len().next_multiple_of(16), 0);
    b
}

/// An ELF executable whose only PT_LOAD (RW) maps `data` at `DATA_VADDR`, with a
/// `.go.buildinfo` section over its first `section_len` bytes unless that is `None`.
pub(crate) fn elf(class64: bool, big: bool, data: &[u8], section_len: Option<usize>) -> Vec<u8> {
    let word = if class64 { 8 } else { 4 };
    let (ehsize, phentsize, shentsize) = if class64 { (64, 56, 64) } else { (52, 32, 40) };
    let shstrtab = b"\0.go.buildinfo\0.shstrtab\0";
    let shstrtab_offset = DATA_OFFSET + data.len();
    let shoff = (shstrtab_offset + shstrtab.len()).next_multiple_of(8);
    let shnum = if section_len.is_some() { 3 } else { 0 };
    let mut f = vec![
        0x7f,
        b'E',
        b'L',
        b'F',
        if class64 { 2 } else { 1 },
        if big { 2 } else { 1 },
        1,
    ];
    f.resize(16, 0);
    let half = |f: &mut Vec<u8>, v: u64| put(f, v, 2, big);
    let long = |f: &mut Vec<u8>, v: u64| put(f, v, 4, big);
    let addr = |f: &mut Vec<u8>, v: u64| put(f, v, word, big);
    half(&mut f, 2); // ET_EXEC
    half(&mut f, if class64 { 62 } else { 3 });
    long(&mut f, 1);
    addr(&mut f, DATA_VADDR); // entry
    addr(&mut f, ehsize); // phoff
    addr(&mut f, if shnum > 0 { shoff as u64 } else { 0 });
    long(&mut f, 0);
    half(&mut f, ehsize);
    half(&mut f, phentsize);
    half(&mut f, 1);
    half(&mut f, shentsize);
    half(&mut f, shnum);
    half(&mut f, if shnum > 0 { 2 } else { 0 });
    // PT_LOAD, PF_R|PF_W.
    let (offset, size) = (DATA_OFFSET as u64, data.len() as u64);
    if class64 {
        long(&mut f, 1);
        long(&mut f, 6);
        for v in [offset, DATA_VADDR, DATA_VADDR, size, size, 0x1000] {
            addr(&mut f, v);
        }
    } else {
        for v in [1, offset, DATA_VADDR, DATA_VADDR, size, size, 6, 0x1000] {
            long(&mut f, v);
        }
    }
    f.resize(DATA_OFFSET, 0);
    f.extend_from_slice(data);
    f.extend_from_slice(shstrtab);
    f.resize(shoff, 0);
    if let Some(len) = section_len {
        let section =
            |f: &mut Vec<u8>, name: u64, kind: u64, flags: u64, a: u64, o: u64, s: u64| {
                long(f, name);
                long(f, kind);
                addr(f, flags);
                addr(f, a);
                addr(f, o);
                addr(f, s);
                long(f, 0);
                long(f, 0);
                addr(f, 16);
                addr(f, 0);
            };
        section(&mut f, 0, 0, 0, 0, 0, 0);
        section(&mut f, 1, 1, 3, DATA_VADDR, offset, len as u64);
        section(
            &mut f,
            15,
            3,
            0,
            0,
            shstrtab_offset as u64,
            shstrtab.len() as u64,
        );
    }
    f
}

fn check(info: &BuildInfo, version: &str, found_by: FoundBy) {
    assert_eq!(info.go_version, version);
    assert_eq!(info.path, "example.com/x");
    assert_eq!(info.deps.len(), 2);
    assert_eq!(info.deps[1].replace.as_ref().unwrap().path, "../new");
    assert_eq!(info.setting("-ldflags").unwrap(), "-s -w");
    assert_eq!(info.found_by, found_by);
}

#[test]
fn inline_format_in_the_section() {
    let blob = inline_blob(b"go1.22.5", &framed(TEXT));
    let file = elf(true, false, &blob, Some(blob.len()));
    check(&read_bytes(&file).unwrap(), "go1.22.5", FoundBy::GoLookup);
}

#[test]
fn pointer_format_every_size_and_byte_order() {
    for (size, big) in [(4, false), (4, true), (8, false), (8, true)] {
        let blob = pointer_blob(size, big, b"go1.16.15", &framed(TEXT));
        for section in [Some(32), None] {
            let file = elf(size == 8, big, &blob, section);
            let found = if section.is_some() {
                FoundBy::GoLookup
            } else {
                FoundBy::Scan
            };
            check(&read_bytes(&file).unwrap(), "go1.16.15", found);
        }
    }
}

#[test]
fn stripped_section_headers_are_found_by_the_scan() {
    let mut data = vec![0x55; 48];
    data.extend(inline_blob(b"go1.27.3", &framed(TEXT)));
    let file = elf(true, false, &data, None);
    check(&read_bytes(&file).unwrap(), "go1.27.3", FoundBy::Scan);
    let bin = Binary::parse(&file).unwrap();
    assert!(read(&bin).unwrap().is_some());
}

#[test]
fn module_text_without_sentinel_newline_is_dropped() {
    let blob = inline_blob(
        b"go1.20",
        &[&INFO_START[..], b"path\tx", &INFO_END[..]].concat(),
    );
    let info = read_bytes(&elf(true, false, &blob, Some(blob.len()))).unwrap();
    assert_eq!(info.go_version, "go1.20");
    assert!(info.path.is_empty() && info.main.is_zero() && info.settings.is_empty());
    // Shorter than two sentinels and a byte: also dropped, as in Go.
    let blob = inline_blob(b"go1.20", b"path\tx\n");
    assert!(
        read_bytes(&elf(true, false, &blob, Some(blob.len())))
            .unwrap()
            .path
            .is_empty()
    );
}

#[test]
fn malformed_module_text_is_a_parse_error() {
    let blob = inline_blob(b"go1.21.0", &framed("path\tp\nmod\tonly-path\n"));
    let file = elf(true, false, &blob, Some(blob.len()));
    let err = read_bytes(&file).unwrap_err();
    assert_eq!(
        err.to_string(),
        "could not parse Go build info: line 2: expected 2 or 3 columns; got 1"
    );
    assert!(read(&Binary::parse(&file).unwrap()).is_err());
}

#[test]
fn hostile_headers_are_not_go() {
    let not_go = Err(BuildInfoError::NotGoExecutable);
    // Varint that never ends (ten continuation bytes) and one that overflows 64 bits.
    for prefix in [
        [0xff; 10],
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
    ] {
        let mut blob = header(8, blob::FLAG_INLINE);
        blob.extend_from_slice(&prefix);
        blob.resize(96, 0);
        assert_eq!(
            read_bytes(&elf(true, false, &blob, Some(blob.len()))),
            not_go
        );
    }
    // A length far past the end of the segment: refused, never allocated.
    let mut blob = header(8, blob::FLAG_INLINE);
    blob.extend(uvarint(u64::MAX >> 1));
    blob.resize(64, 0);
    assert_eq!(
        read_bytes(&elf(true, false, &blob, Some(blob.len()))),
        not_go
    );
    // Pointer format with a bad pointer size, or pointers into nowhere.
    let mut blob = pointer_blob(8, false, b"go1.15", b"");
    blob[14] = 3;
    assert_eq!(read_bytes(&elf(true, false, &blob, Some(32))), not_go);
    let mut blob = header(8, 0);
    blob[16..24].copy_from_slice(&0xdead_beef_u64.to_le_bytes());
    blob.resize(64, 0);
    assert_eq!(read_bytes(&elf(true, false, &blob, Some(32))), not_go);
    // Header cut short by the end of the section's segment.
    let blob = header(8, blob::FLAG_INLINE)[..24].to_vec();
    assert_eq!(read_bytes(&elf(true, false, &blob, Some(24))), not_go);
}

#[test]
fn misaligned_magic_is_not_a_blob() {
    let mut data = vec![0; 8];
    data.extend(inline_blob(b"go1.27.3", &framed(TEXT)));
    let file = elf(true, false, &data, None);
    assert_eq!(read_bytes(&file), Err(BuildInfoError::NotGoExecutable));
}

#[test]
fn not_executables() {
    for data in [
        &b""[..],
        b"\x7fELF\x02\x01\x01",
        b"hello, world, this is text\n",
    ] {
        assert_eq!(read_bytes(data), Err(BuildInfoError::UnrecognizedFormat));
    }
    let file = elf(true, false, &[0; 64], Some(64));
    assert_eq!(read_bytes(&file), Err(BuildInfoError::NotGoExecutable));
}

#[test]
fn mutated_files_never_panic() {
    let blob = pointer_blob(8, false, b"go1.17", &framed(TEXT));
    let seeds = [
        elf(
            true,
            false,
            &inline_blob(b"go1.22.5", &framed(TEXT)),
            Some(64),
        ),
        elf(true, false, &blob, None),
        elf(
            false,
            true,
            &pointer_blob(4, true, b"go1.17", &framed(TEXT)),
            Some(32),
        ),
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for seed in &seeds {
        for _ in 0..2000 {
            let mut file = seed.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % file.len() as u64) as usize;
                file[at] = next() as u8;
            }
            if next() % 8 == 0 {
                file.truncate((next() % file.len() as u64) as usize);
            }
            let _ = read_bytes(&file);
        }
    }
}

#[test]
fn plan9_and_xcoff_are_read_where_go_reads_them() {
    let blob = inline_blob(b"go1.27.3", &framed(TEXT));
    // Plan 9 amd64: 40-byte header, 24 bytes of text, then data at file offset 64.
    let mut plan9 = Vec::new();
    for word in [
        (4 * 26) * 26 + 7 + 0x8000,
        24,
        blob.len() as u32,
        0,
        0,
        0,
        0,
        0,
    ] {
        plan9.extend(word.to_be_bytes());
    }
    plan9.extend([0; 8]);
    plan9.extend([0x90; 24]);
    plan9.extend(&blob);
    check(&read_bytes(&plan9).unwrap(), "go1.27.3", FoundBy::GoLookup);
    // XCOFF64: one STYP_DATA section at 0x1000_0000, its bytes at file offset 0x100.
    let mut xcoff = vec![0x01, 0xf7, 0, 1, 0, 0, 0, 0];
    xcoff.extend(0x200_u64.to_be_bytes()); // symptr
    xcoff.extend([0, 0, 0, 0]); // opthdr, flags
    xcoff.extend(1_u32.to_be_bytes()); // nsyms
    xcoff.extend(b".data\0\0\0");
    for word in [0x1000_0000_u64, 0x1000_0000, blob.len() as u64, 0x100, 0, 0] {
        xcoff.extend(word.to_be_bytes());
    }
    xcoff.extend([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0]);
    xcoff.resize(0x100, 0);
    xcoff.extend(&blob);
    check(&read_bytes(&xcoff).unwrap(), "go1.27.3", FoundBy::GoLookup);
}
