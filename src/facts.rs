//! The facts gathered once per file, which the rules read and the reports print.

use crate::elf::ElfFacts;
use crate::foreign::ForeignFacts;
use crate::gobin::GoFacts;

#[derive(Debug, Clone)]
pub enum FileFacts {
    Elf {
        elf: Box<ElfFacts>,
        /// Present when anything shows Go: a Go note or section, buildinfo, a pclntab.
        go: Option<Box<GoFacts>>,
    },
    Foreign(ForeignFacts),
}

impl FileFacts {
    pub fn elf(elf: ElfFacts, go: Option<GoFacts>) -> Self {
        FileFacts::Elf {
            elf: Box::new(elf),
            go: go.map(Box::new),
        }
    }
}
