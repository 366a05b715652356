//! Synthetic pclntabs, laid out the way each linker generation writes them, in both byte
//! orders and pointer sizes; plus hostile headers.

use super::*;
use crate::testkit::minimal::elf_with;

/// Bytes of a pclntab with the given functions (entry PCs 0x1000 apart) and files.
pub(crate) fn build(
    version: PclnVersion,
    ptr: usize,
    big: bool,
    funcs: &[&str],
    files: &[&str],
) -> Vec<u8> {
    let put = |out: &mut Vec<u8>, value: u64, size: usize| {
        let bytes = value.to_be_bytes();
        let mut field = bytes[8 - size..].to_vec();
        if !big {
            field.reverse();
        }
        out.extend_from_slice(&field);
    };
    let set = |out: &mut Vec<u8>, at: usize, value: u64, size: usize| {
        let mut tmp = Vec::new();
        put(&mut tmp, value, size);
        out[at..at + size].copy_from_slice(&tmp);
    };
    let mut out = Vec::new();
    put(&mut out, u64::from(version.magic()), 4);
    out.extend_from_slice(&[0, 0, 1, ptr as u8]);
    let n = funcs.len() as u64;
    match version {
        PclnVersion::Go12 => {
            put(&mut out, n, ptr);
            let functab = out.len();
            out.resize(functab + (2 * funcs.len() + 1) * ptr + 4, 0);
            let mut func_offs = Vec::new();
            for i in 0..funcs.len() {
                func_offs.push(out.len());
                put(&mut out, 0x1000 * (i as u64 + 1), ptr);
                put(&mut out, 0, 4); // nameOff, patched below
                put(&mut out, 0, 4);
            }
            for (i, name) in funcs.iter().enumerate() {
                let name_off = out.len() as u64;
                out.extend_from_slice(name.as_bytes());
                out.push(0);
                set(&mut out, func_offs[i] + ptr, name_off, 4);
                set(
                    &mut out,
                    functab + 2 * i * ptr,
                    0x1000 * (i as u64 + 1),
                    ptr,
                );
                set(
                    &mut out,
                    functab + (2 * i + 1) * ptr,
                    func_offs[i] as u64,
                    ptr,
                );
            }
            set(
                &mut out,
                functab + 2 * funcs.len() * ptr,
                0x1000 * (n + 1),
                ptr,
            );
            let filetab = out.len();
            set(
                &mut out,
                functab + (2 * funcs.len() + 1) * ptr,
                filetab as u64,
                4,
            );
            out.resize(filetab + 4 * (files.len() + 1), 0);
            set(&mut out, filetab, files.len() as u64 + 1, 4);
            for (i, file) in files.iter().enumerate() {
                let off = out.len() as u64;
                out.extend_from_slice(file.as_bytes());
                out.push(0);
                set(&mut out, filetab + 4 * (i + 1), off, 4);
            }
        }
        _ => {
            let words = if version == PclnVersion::Go116 { 7 } else { 8 };
            let header = 8 + words * ptr;
            out.resize(header, 0);
            let funcnametab = out.len();
            let mut name_offs = Vec::new();
            for name in funcs {
                name_offs.push((out.len() - funcnametab) as u64);
                out.extend_from_slice(name.as_bytes());
                out.push(0);
            }
            let cutab = out.len();
            put(&mut out, 0, 4);
            let filetab = out.len();
            for file in files {
                out.extend_from_slice(file.as_bytes());
                out.push(0);
            }
            let pctab = out.len();
            out.push(0);
            let pcln = out.len();
            let field = if version == PclnVersion::Go116 {
                ptr
            } else {
                4
            };
            let functab_len = (2 * funcs.len() + 1) * field;
            out.resize(pcln + functab_len, 0);
            for (i, name_off) in name_offs.iter().enumerate() {
                let func = (out.len() - pcln) as u64;
                let entry = if field == 4 {
                    0x100 * i as u64
                } else {
                    0x40_1000 + 0x100 * i as u64
                };
                put(&mut out, entry, field);
                put(&mut out, *name_off, 4);
                out.resize(out.len() + 36, 0);
                set(&mut out, pcln + 2 * i * field, entry, field);
                set(&mut out, pcln + (2 * i + 1) * field, func, field);
            }
            let mut values = vec![n, files.len() as u64];
            if version != PclnVersion::Go116 {
                values.push(0x40_1000);
            }
            values.extend([funcnametab, cutab, filetab, pctab, pcln].map(|v| v as u64));
            for (i, v) in values.into_iter().enumerate() {
                set(&mut out, 8 + i * ptr, v, ptr);
            }
        }
    }
    out
}

const FUNCS: [&str; 4] = [
    "runtime.rt0_go",
    "runtime.main",
    "crypto/x509.loadSystemRoots",
    "main.main",
];
const FILES: [&str; 3] = [
    "/usr/local/go/src/runtime/proc.go",
    "/home/dev/app/main.go",
    "<autogenerated>",
];

#[test]
fn every_layout_in_both_byte_orders_and_pointer_sizes() {
    for version in PclnVersion::ALL {
        for ptr in [4, 8] {
            for big in [false, true] {
                let bytes = build(version, ptr, big, &FUNCS, &FILES);
                let table = Table::parse(&bytes, Some((ptr, big)))
                    .unwrap_or_else(|e| panic!("{version:?} ptr {ptr} big {big}: {e}"));
                assert_eq!(table.version, version);
                assert_eq!(table.big_endian, big);
                assert_eq!(table.func_count(), 4);
                let names: Vec<_> = table.func_names().collect();
                assert_eq!(names, FUNCS, "{version:?} {ptr} {big}");
                let files: Vec<_> = table.file_names().collect();
                assert_eq!(files, FILES, "{version:?} {ptr} {big}");
            }
        }
    }
}

#[test]
fn version_ranges_follow_the_magic() {
    assert_eq!(
        PclnVersion::from_magic(0xffff_fff1),
        Some(PclnVersion::Go120)
    );
    assert_eq!(PclnVersion::Go120.go_range(), "1.20+");
    assert_eq!(PclnVersion::Go12.go_range(), "1.2-1.15");
    assert_eq!(PclnVersion::from_magic(0xffff_fff2), None);
}

#[test]
fn the_file_target_must_agree() {
    let bytes = build(PclnVersion::Go120, 8, false, &FUNCS, &FILES);
    assert_eq!(
        Table::parse(&bytes, Some((4, false))).unwrap_err(),
        PclntabError::WrongTarget { found: 8 }
    );
    assert!(Table::parse(&bytes, Some((8, true))).is_err());
}

#[test]
fn hostile_headers_are_rejected_without_panics() {
    let good = build(PclnVersion::Go120, 8, false, &FUNCS, &FILES);
    // Huge nfunc.
    let mut huge = good.clone();
    huge[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        Table::parse(&huge, None),
        Err(PclntabError::OutOfRange { field: "nfunc", .. })
    ));
    // Offsets past the end, and inside the header.
    for word in 3..8 {
        for value in [u64::MAX, good.len() as u64, 4] {
            let mut bad = good.clone();
            bad[8 + word * 8..16 + word * 8].copy_from_slice(&value.to_le_bytes());
            assert!(
                Table::parse(&bad, None).is_err(),
                "word {word} = {value:#x}"
            );
        }
    }
    // Bad pad, quantum, pointer size.
    for (at, value) in [(4, 1), (6, 3), (7, 5)] {
        let mut bad = good.clone();
        bad[at] = value;
        assert!(matches!(
            Table::parse(&bad, None),
            Err(PclntabError::BadHeader { .. })
        ));
    }
    // Every truncation parses or fails, never panics.
    for len in 0..good.len() {
        let _ = Table::parse(&good[..len], None).map(|t| t.func_names().count());
    }
    // A 1.2 table whose filetab offset points past the end.
    let mut old = build(PclnVersion::Go12, 4, true, &FUNCS, &FILES);
    let at = 12 + 9 * 4;
    old[at..at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(Table::parse(&old, None).is_err());
}

#[test]
fn scrambled_bytes_never_panic() {
    let good = build(PclnVersion::Go116, 4, false, &FUNCS, &FILES);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2000 {
        let mut bytes = good.clone();
        for _ in 0..4 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = (state as usize) % bytes.len();
            bytes[at] = (state >> 32) as u8;
        }
        if let Ok(table) = Table::parse(&bytes, None) {
            let _ = table.func_names().count() + table.file_names().count();
        }
    }
}

#[test]
fn bad_function_records_fail_the_plausibility_check() {
    let mut bytes = build(PclnVersion::Go120, 8, false, &FUNCS, &FILES);
    // Corrupt the first name into a control character.
    let name_at = 8 + 8 * 8;
    bytes[name_at] = 0x01;
    assert_eq!(
        Table::parse(&bytes, None).unwrap_err(),
        PclntabError::BadFunction { index: 0 }
    );
}

#[test]
fn names_are_collected_sorted_unique_and_capped() {
    let funcs = ["b", "a", "b", "c"];
    let bytes = build(PclnVersion::Go120, 8, false, &funcs, &[]);
    let found = Pclntab {
        table: Table::parse(&bytes, None).unwrap(),
        address: 0,
        found_by: FoundBy::Section,
        section: None,
    };
    assert_eq!(found.collect_func_names(10), ["a", "b", "c"]);
    assert_eq!(found.collect_func_names(2), ["a", "b"]);
    assert_eq!(found.facts().functions, 4);
}

#[test]
fn the_scan_finds_a_table_inside_a_segment_in_both_byte_orders() {
    for big in [false, true] {
        let mut body = vec![0x90u8; 1000];
        body.extend_from_slice(&[0xff, 0xff, 0xff, 0xf1, 0x00, 0x00, 0x07, 0x08]); // bad quantum
        body.resize(2048, 0xff);
        body.extend(build(PclnVersion::Go120, 8, big, &FUNCS, &FILES));
        let file = elf_with(&body, big);
        let bin = Binary::parse(&file).unwrap();
        assert!(find_with(&bin, Search::Named).is_none());
        let found = find(&bin).unwrap();
        assert_eq!(found.found_by, FoundBy::MagicScan);
        assert_eq!(found.address, 0x40_0000 + 120 + 2048);
        assert_eq!(found.table.func_names().count(), 4);
    }
}

#[test]
fn a_text_start_outside_executable_code_is_rejected_by_the_scan() {
    let mut table = build(PclnVersion::Go118, 8, false, &FUNCS, &FILES);
    table[8 + 2 * 8..8 + 3 * 8].copy_from_slice(&0x9999_0000u64.to_le_bytes());
    let mut body = vec![0u8; 8];
    body.extend(table);
    let file = elf_with(&body, false);
    assert!(find(&Binary::parse(&file).unwrap()).is_none());
}

#[test]
fn a_segment_full_of_fake_magics_costs_a_bounded_scan() {
    let body: Vec<u8> = [0xf1, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x08]
        .iter()
        .copied()
        .cycle()
        .take(1 << 20)
        .collect();
    let file = elf_with(&body, false);
    assert!(find(&Binary::parse(&file).unwrap()).is_none());
}
