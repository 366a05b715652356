//! The one-line answer per binary: `scratch: ready`, `scratch: blocked (...)`, or not
//! applicable for files that are not programs.

use serde::Serialize;

use crate::elf::Linking;
use crate::facts::FileFacts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scratch {
    Ready,
    Blocked,
    NotApplicable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub scratch: Scratch,
    /// What blocks it, or why no verdict applies.
    pub reasons: Vec<String>,
    /// The line as printed: `scratch: blocked (needs /lib64/ld-linux-x86-64.so.2, libc.so.6)`.
    pub summary: String,
}

impl Verdict {
    fn new(scratch: Scratch, reasons: Vec<String>) -> Self {
        let summary = match scratch {
            Scratch::Ready => "scratch: ready".to_string(),
            Scratch::Blocked => format!("scratch: blocked ({})", reasons.join("; ")),
            Scratch::NotApplicable => format!("scratch: not applicable ({})", reasons.join("; ")),
        };
        Verdict {
            scratch,
            reasons,
            summary,
        }
    }
}

pub(super) fn judge(facts: &FileFacts) -> Verdict {
    let elf = match facts {
        FileFacts::Foreign(foreign) => {
            return Verdict::new(
                Scratch::Blocked,
                vec![format!(
                    "not a Linux binary: {} for {}",
                    foreign.format, foreign.os
                )],
            );
        }
        FileFacts::Elf(elf) => elf,
    };
    if elf.os != "linux" {
        return Verdict::new(
            Scratch::Blocked,
            vec![format!("not a Linux binary: ELF for {}", elf.os)],
        );
    }
    match elf.linking {
        Linking::SharedLibrary => {
            return Verdict::new(Scratch::NotApplicable, vec!["shared library".into()]);
        }
        Linking::Object => return Verdict::new(Scratch::NotApplicable, vec!["object file".into()]),
        Linking::Core => return Verdict::new(Scratch::NotApplicable, vec!["core dump".into()]),
        Linking::DebugInfo => {
            return Verdict::new(
                Scratch::NotApplicable,
                vec!["separate debug-info file".into()],
            );
        }
        _ => {}
    }
    let mut reasons = Vec::new();
    if let Some(interp) = &elf.interpreter {
        reasons.push(format!("needs the loader {interp}"));
    }
    if !elf.needed.is_empty() {
        reasons.push(format!("needs {}", elf.needed.join(", ")));
    }
    if reasons.is_empty() {
        Verdict::new(Scratch::Ready, reasons)
    } else {
        Verdict::new(Scratch::Blocked, reasons)
    }
}
