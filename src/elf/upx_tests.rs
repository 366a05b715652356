//! Synthetic UPX-packed ELF files laid out as upx/upx `p_unix.cpp` writes them.

use super::*;

/// Append `value` as a `size`-byte integer in the given byte order.
pub(crate) fn put(out: &mut Vec<u8>, value: u64, size: usize, big: bool) {
    let bytes = value.to_be_bytes();
    let mut field = bytes[8 - size..].to_vec();
    if !big {
        field.reverse();
    }
    out.extend_from_slice(&field);
}

/// ELF header + `phnum` program headers + l_info + p_info + body + PackHeader + overlay.
pub(crate) fn packed(
    is64: bool,
    big: bool,
    format: u8,
    original: u32,
    zero_tail: usize,
) -> Vec<u8> {
    let (ehsize, phentsize) = if is64 { (64, 56) } else { (52, 32) };
    let phnum = 2u64;
    let mut out = vec![0u8; ehsize];
    out[..4].copy_from_slice(b"\x7fELF");
    out[4] = if is64 { 2 } else { 1 };
    out[5] = if big { 2 } else { 1 };
    let mut field = Vec::new();
    if is64 {
        put(&mut field, ehsize as u64, 8, big);
        out[0x20..0x28].copy_from_slice(&field);
        field.clear();
        put(&mut field, phentsize as u64, 2, big);
        put(&mut field, phnum, 2, big);
        out[0x36..0x3a].copy_from_slice(&field);
    } else {
        put(&mut field, ehsize as u64, 4, big);
        out[0x1c..0x20].copy_from_slice(&field);
        field.clear();
        put(&mut field, phentsize as u64, 2, big);
        put(&mut field, phnum, 2, big);
        out[0x2a..0x2e].copy_from_slice(&field);
    }
    out.resize(ehsize + phnum as usize * phentsize, 0);
    put(&mut out, 0xdead_beef, 4, big); // l_checksum
    out.extend_from_slice(b"UPX!");
    put(&mut out, 0x1234, 2, big);
    out.extend_from_slice(&[14, format]);
    put(&mut out, 0, 4, big); // p_progid
    put(&mut out, u64::from(original), 4, big);
    put(&mut out, u64::from(original), 4, big);
    out.extend_from_slice(&[0x5a; 300]);
    let mut header = b"UPX!".to_vec();
    header.extend_from_slice(&[14, format, 14, 9]);
    if format < 128 {
        for v in [1u32, 2, 5000, 2000, original] {
            header.extend_from_slice(&v.to_le_bytes());
        }
    } else {
        for v in [5000u32, 2000, 1, 2, original] {
            header.extend_from_slice(&v.to_be_bytes());
        }
    }
    header.extend_from_slice(&[0x49, 0, 0]);
    let sum: u32 = header[4..31].iter().map(|&b| u32::from(b)).sum();
    header.push((sum % 251) as u8);
    out.extend_from_slice(&header);
    put(&mut out, 0x100, 4, big); // overlay offset, high bytes zero
    out.resize(out.len() + zero_tail, 0);
    out
}

#[test]
fn amd64_packed_file_gives_format_method_and_size() {
    let facts = detect(&packed(true, false, 22, 1_234_567, 0)).unwrap();
    assert!(facts.loader_info && facts.pack_header);
    assert_eq!(facts.format_name, Some("linux/amd64"));
    assert_eq!(facts.method_name, Some("lzma"));
    assert_eq!(facts.version, Some(14));
    assert_eq!(facts.level, Some(9));
    assert_eq!(facts.original_size, Some(1_234_567));
    assert!(facts.hidden_facts.contains(&"go-pclntab"));
}

#[test]
fn big_endian_mips_and_a_zero_filled_tail() {
    let facts = detect(&packed(false, true, 137, 777_000, 4096)).unwrap();
    assert!(facts.loader_info && facts.pack_header);
    assert_eq!(facts.format_name, Some("linux/mips"));
    assert_eq!(facts.original_size, Some(777_000));
}

#[test]
fn either_witness_alone_is_enough() {
    let mut file = packed(true, false, 22, 1000, 0);
    let l_magic = 64 + 2 * 56 + 4;
    file[l_magic] = b'X';
    let facts = detect(&file).unwrap();
    assert!(!facts.loader_info && facts.pack_header);
    assert_eq!(facts.original_size, Some(1000));

    let mut file = packed(true, false, 22, 1000, 0);
    let end = file.len();
    file[end - 5] ^= 0xff; // the checksum byte
    let facts = detect(&file).unwrap();
    assert!(facts.loader_info && !facts.pack_header);
    assert_eq!(facts.method, None);
}

#[test]
fn upx_bytes_elsewhere_are_not_packing() {
    let mut file = vec![0u8; 4096];
    file[..4].copy_from_slice(b"\x7fELF");
    file[4] = 2;
    file[5] = 1;
    file[1000..1004].copy_from_slice(b"UPX!");
    file.extend_from_slice(b"$Info: This file is packed with the UPX executable packer $");
    assert_eq!(detect(&file), None);
    assert_eq!(detect(b""), None);
    assert_eq!(detect(b"UPX!"), None);
}

#[test]
fn truncations_never_panic() {
    let file = packed(false, false, 23, 4242, 8);
    for len in 0..file.len() {
        let _ = detect(&file[..len]);
    }
}
