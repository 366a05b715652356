//! The smallest files of each kind a reader test needs: an ELF64 executable around given
//! bytes (for the Go readers, which only need a PT_LOAD to find them in), a PE32+ image and a
//! Mach-O header (recognised as not Linux).

/// An ELF64 executable with one R+X PT_LOAD at 0x400000 holding `body` after the headers.
pub fn elf_with(body: &[u8], big: bool) -> Vec<u8> {
    let mut out = vec![0u8; 64];
    out[..4].copy_from_slice(b"\x7fELF");
    out[4] = 2;
    out[5] = if big { 2 } else { 1 };
    out[6] = 1;
    let field = |v: u64, size: usize| {
        let b = v.to_be_bytes()[8 - size..].to_vec();
        if big {
            b
        } else {
            b.into_iter().rev().collect()
        }
    };
    let header: [(usize, u64, usize); 9] = [
        (16, 2, 2),
        (18, 62, 2),
        (20, 1, 4),
        (24, 0x40_0000, 8),
        (32, 64, 8),
        (52, 64, 2),
        (54, 56, 2),
        (56, 1, 2),
        (58, 64, 2),
    ];
    for (at, value, size) in header {
        out[at..at + size].copy_from_slice(&field(value, size));
    }
    let total = (120 + body.len()) as u64;
    for (value, size) in [
        (1, 4),
        (5, 4),
        (0, 8),
        (0x40_0000, 8),
        (0x40_0000, 8),
        (total, 8),
        (total.max(0x10000), 8),
        (0x1000, 8),
    ] {
        out.extend(field(value, size));
    }
    out.extend_from_slice(body);
    out
}

/// A minimal PE32+ image for x86-64 (DOS stub header, PE signature, COFF and optional header).
pub fn pe64() -> Vec<u8> {
    let mut out = vec![0u8; 0x40];
    out[0..2].copy_from_slice(b"MZ");
    out[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
    out.extend_from_slice(b"PE\0\0");
    out.extend_from_slice(&0x8664u16.to_le_bytes()); // Machine
    out.extend_from_slice(&0u16.to_le_bytes()); // NumberOfSections
    out.extend_from_slice(&[0; 12]); // TimeDateStamp, PointerToSymbolTable, NumberOfSymbols
    out.extend_from_slice(&240u16.to_le_bytes()); // SizeOfOptionalHeader
    out.extend_from_slice(&0x22u16.to_le_bytes()); // Characteristics
    let mut optional = vec![0u8; 240];
    optional[0..2].copy_from_slice(&0x20bu16.to_le_bytes());
    optional[32..36].copy_from_slice(&0x1000u32.to_le_bytes()); // SectionAlignment
    optional[36..40].copy_from_slice(&0x200u32.to_le_bytes()); // FileAlignment
    optional[56..60].copy_from_slice(&0x1000u32.to_le_bytes()); // SizeOfImage
    optional[60..64].copy_from_slice(&0x200u32.to_le_bytes()); // SizeOfHeaders
    optional[108..112].copy_from_slice(&16u32.to_le_bytes()); // NumberOfRvaAndSizes
    out.extend_from_slice(&optional);
    out.resize(0x200, 0);
    out
}

/// A minimal 64-bit Mach-O executable header for arm64.
pub fn macho_arm64() -> Vec<u8> {
    let mut out = Vec::new();
    for word in [0xfeed_facfu32, 0x0100_000c, 0, 2, 0, 0, 0, 0] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    out
}
