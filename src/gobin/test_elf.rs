//! A minimal ELF64 executable around given bytes, for reader tests.

/// An ELF64 executable with one R+X PT_LOAD at 0x400000 holding `body` after the headers.
pub(crate) fn elf_with(body: &[u8], big: bool) -> Vec<u8> {
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
