//! The facts gathered once per file, which the rules read and the reports print.

use crate::elf::ElfFacts;
use crate::foreign::ForeignFacts;

#[derive(Debug, Clone)]
pub enum FileFacts {
    Elf(Box<ElfFacts>),
    Foreign(ForeignFacts),
}
