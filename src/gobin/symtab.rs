//! Named symbols from the static symbol table (`.symtab`, PE COFF symbols, Mach-O nlist),
//! when the linker left one: `runtime.pclntab`/`runtime.epclntab`, `runtime.buildVersion`,
//! `runtime.defaultGOROOT`, and the C library symbols the glibc NSS check looks for.
//!
//! One pass over the table per call; the caller asks for everything it needs at once. The
//! dynamic symbol table is not read here: what it exports says nothing about what a static
//! binary contains.

use object::{Object, ObjectSymbol};

/// Most symbols examined in one file; Go binaries have tens of thousands.
pub const MAX_SYMBOLS: usize = 4_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbol {
    pub address: u64,
    pub size: u64,
}

/// The first symbol with each of `names`, in the order asked. Empty answers when the file
/// has no symbol table or object cannot read it.
pub fn lookup(data: &[u8], names: &[&str]) -> Vec<Option<Symbol>> {
    let mut found = vec![None; names.len()];
    let Ok(file) = object::File::parse(data) else {
        return found;
    };
    let mut missing = names.len();
    for symbol in file.symbols().take(MAX_SYMBOLS) {
        if missing == 0 {
            break;
        }
        let Ok(name) = symbol.name() else { continue };
        for (slot, wanted) in found.iter_mut().zip(names) {
            if slot.is_none() && name == *wanted {
                *slot = Some(Symbol {
                    address: symbol.address(),
                    size: symbol.size(),
                });
                missing -= 1;
            }
        }
    }
    found
}

/// Names in the static symbol table that `keep` accepts, at most `cap` of them, plus whether
/// a table was there at all.
pub fn matching(data: &[u8], cap: usize, keep: impl Fn(&str) -> bool) -> (bool, Vec<String>) {
    let Ok(file) = object::File::parse(data) else {
        return (false, Vec::new());
    };
    let mut present = false;
    let mut out = Vec::new();
    for symbol in file.symbols().take(MAX_SYMBOLS) {
        present = true;
        if out.len() >= cap {
            break;
        }
        if let Ok(name) = symbol.name()
            && keep(name)
        {
            out.push(name.to_string());
        }
    }
    (present, out)
}
