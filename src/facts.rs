//! The facts of one file, gathered once: every reader (`elf`, `gobin`, `foreign`) runs here and
//! nowhere else, each parse done at most once, and nothing is judged. The rules read a
//! [`FileFacts`]; the reports print it.

use crate::elf::{ElfFacts, Linking};
use crate::error::InputErrorKind;
use crate::foreign::ForeignFacts;
use crate::gobin::{self, Binary, GoFacts};
use crate::input::{self, Format};

#[derive(Debug, Clone)]
pub enum FileFacts {
    Elf {
        elf: Box<ElfFacts>,
        /// Present when anything shows Go: a Go note or section, buildinfo, a pclntab.
        go: Option<Box<GoFacts>>,
    },
    Foreign(ForeignFacts),
    /// A `#!` script (`check` only: the image reader keeps scripts' first lines itself).
    Script(ScriptFacts),
}

/// What the kernel reads of a script: its `#!` line (`fs/binfmt_script.c`: up to 256 bytes,
/// the interpreter the first word, everything after it one optional argument).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScriptFacts {
    /// The line after `#!`, trimmed.
    pub line: String,
    /// Its first word: the program the kernel runs (`/bin/sh`, `/usr/bin/env`).
    pub interpreter: String,
    /// The rest of the line, passed as one argument (`-e`, `python3`); absent when none.
    pub argument: Option<String>,
}

impl ScriptFacts {
    /// The facts of a file that starts with `#!`; `None` otherwise.
    pub fn read(data: &[u8]) -> Option<Self> {
        let line = input::interpreter_line(data)?;
        let line = line.trim().to_string();
        let (interpreter, argument) = match line.split_once([' ', '\t']) {
            Some((first, rest)) => (first.to_string(), Some(rest.trim().to_string())),
            None => (line.clone(), None),
        };
        Some(ScriptFacts {
            line,
            interpreter,
            argument: argument.filter(|a| !a.is_empty()),
        })
    }
}

impl FileFacts {
    pub fn elf(elf: ElfFacts, go: Option<GoFacts>) -> Self {
        FileFacts::Elf {
            elf: Box::new(elf),
            go: go.map(Box::new),
        }
    }

    /// `elf`, `pe`, `macho` or `macho-universal`.
    pub fn format(&self) -> crate::input::Format {
        match self {
            FileFacts::Elf { .. } => crate::input::Format::Elf,
            FileFacts::Foreign(foreign) => foreign.format,
            FileFacts::Script(_) => crate::input::Format::Script,
        }
    }

    pub fn elf_facts(&self) -> Option<&ElfFacts> {
        match self {
            FileFacts::Elf { elf, .. } => Some(elf),
            FileFacts::Foreign(_) | FileFacts::Script(_) => None,
        }
    }

    pub fn go_facts(&self) -> Option<&GoFacts> {
        match self {
            FileFacts::Elf { go, .. } => go.as_deref(),
            FileFacts::Foreign(_) | FileFacts::Script(_) => None,
        }
    }
}

/// Every fact of one file. `Ok(None)`: the bytes are not an executable gostatic reads (they do
/// not sniff as one and are no `#!` script, or an `MZ` file has no PE signature).
pub fn read(data: &[u8]) -> Result<Option<FileFacts>, InputErrorKind> {
    let Some(format) = input::sniff(data) else {
        return Ok(ScriptFacts::read(data).map(FileFacts::Script));
    };
    if format != Format::Elf {
        let foreign = crate::foreign::read(data, format).map_err(InputErrorKind::Foreign)?;
        return Ok(foreign.map(FileFacts::Foreign));
    }
    let mut elf = crate::elf::read(data)?;
    // A packed file's Go facts are compressed away; its stub is not Go.
    let wants_go = elf.upx.is_none() && gobin::facts::may_hold_go(&elf);
    let statically_linked = matches!(elf.linking, Linking::Static | Linking::StaticPie);
    // The Go readers and the NSS scan share one parse of the section and segment tables.
    let bin = (wants_go || statically_linked)
        .then(|| Binary::parse(data))
        .flatten();
    let go = match (&bin, wants_go) {
        (Some(bin), true) => gobin::facts::read(bin, &elf),
        _ => None,
    };
    // glibc's NSS machinery matters in a static program that can call libc: any C program, or
    // Go with cgo linked in (pure Go never calls libc).
    if statically_linked && go.as_ref().is_none_or(|g| g.cgo) {
        elf.glibc_nss = bin.as_ref().and_then(gobin::analysis::glibc_nss);
    }
    Ok(Some(FileFacts::elf(elf, go)))
}
