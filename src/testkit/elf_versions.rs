//! The symbol-version tables of a synthetic ELF (DT_VERNEED, DT_VERDEF), laid out as `ld`
//! writes them, for tests of the version reader and GS505.

use super::Synth;

impl Synth {
    /// Marks these needed versions weak (VER_FLG_WEAK), as `ld` does for weak references.
    pub fn weak_versions(mut self, versions: &[&str]) -> Self {
        self.weak_versions = versions.iter().map(|v| v.to_string()).collect();
        self
    }

    /// The bytes of the DT_VERNEED and DT_VERDEF tables (empty when there is nothing to say),
    /// laid out as `ld` does: each Elf_Verneed followed by its Elf_Vernaux entries, each
    /// Elf_Verdef followed by its one Elf_Verdaux; names go into the string table via `add`.
    pub(super) fn version_tables(&self, add: &mut impl FnMut(&str) -> u64) -> (Vec<u8>, Vec<u8>) {
        let mut verneed = Vec::new();
        for (i, (file, versions)) in self.version_needs.iter().enumerate() {
            let last = i + 1 == self.version_needs.len();
            self.half(&mut verneed, 1);
            self.half(&mut verneed, versions.len() as u16);
            self.u32(&mut verneed, add(file) as u32);
            self.u32(&mut verneed, 16);
            let next = if last { 0 } else { 16 + 16 * versions.len() };
            self.u32(&mut verneed, next as u32);
            for (j, version) in versions.iter().enumerate() {
                self.u32(&mut verneed, elf_hash(version));
                // vna_flags: VER_FLG_WEAK for the versions marked weak.
                let weak = self.weak_versions.contains(version);
                self.half(&mut verneed, if weak { 2 } else { 0 });
                // vna_other: the index .gnu.version would use; versions start after the defs.
                self.half(&mut verneed, (2 + j) as u16);
                self.u32(&mut verneed, add(version) as u32);
                let next = if j + 1 == versions.len() { 0 } else { 16 };
                self.u32(&mut verneed, next);
            }
        }
        let mut verdef = Vec::new();
        if !self.version_defs.is_empty() {
            let base_name = self.soname.clone().unwrap_or_default();
            let all: Vec<&str> = std::iter::once(base_name.as_str())
                .chain(self.version_defs.iter().map(String::as_str))
                .collect();
            for (i, name) in all.iter().enumerate() {
                self.half(&mut verdef, 1);
                self.half(&mut verdef, if i == 0 { 1 } else { 0 }); // VER_FLG_BASE
                self.half(&mut verdef, (i + 1) as u16);
                self.half(&mut verdef, 1);
                self.u32(&mut verdef, elf_hash(name));
                self.u32(&mut verdef, 20);
                self.u32(&mut verdef, if i + 1 == all.len() { 0 } else { 28 });
                self.u32(&mut verdef, add(name) as u32);
                self.u32(&mut verdef, 0);
            }
        }
        (verneed, verdef)
    }
}

/// The SysV ELF hash (`vna_hash`, `vd_hash`), which ld.so compares before the names.
fn elf_hash(name: &str) -> u32 {
    let mut h: u32 = 0;
    for &b in name.as_bytes() {
        h = (h << 4).wrapping_add(u32::from(b));
        let g = h & 0xf000_0000;
        if g != 0 {
            h ^= g >> 24;
        }
        h &= !g;
    }
    h
}
