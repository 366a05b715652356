//! The one-line answer per binary: `scratch: ready`, `scratch: ready if you add <files>`,
//! `scratch: blocked (...)`, or not applicable for files that are not programs; plus the
//! smallest base image it would run on.

use serde::Serialize;

use super::image::Here;
use super::runtime;
use crate::elf::{ElfFacts, Linking};
use crate::facts::FileFacts;
use crate::gobin::GoFacts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scratch {
    Ready,
    /// Starts on scratch, but will look for files an empty image lacks.
    ReadyIfAdded,
    Blocked,
    NotApplicable,
}

/// The smallest base image family a binary fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Base {
    /// `FROM scratch`: nothing at all.
    Scratch,
    /// `gcr.io/distroless/static-debian12`: CA bundle, zoneinfo, /etc/passwd, no libc.
    DistrolessStatic,
    /// `gcr.io/distroless/base-debian12`: glibc and its loader, libssl.
    DistrolessBase,
    /// `gcr.io/distroless/cc-debian12`: distroless/base plus libstdc++ and libgcc_s.
    DistrolessCc,
    /// `alpine`: musl's loader and libc.
    Alpine,
    /// A full distribution image (`debian:12-slim`), for other shared libraries.
    Distribution,
}

impl Base {
    pub fn image(self) -> &'static str {
        match self {
            Base::Scratch => "scratch",
            Base::DistrolessStatic => "gcr.io/distroless/static-debian12",
            Base::DistrolessBase => "gcr.io/distroless/base-debian12",
            Base::DistrolessCc => "gcr.io/distroless/cc-debian12",
            Base::Alpine => "alpine",
            Base::Distribution => "debian:12-slim",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub scratch: Scratch,
    /// What blocks it, or why no verdict applies.
    pub reasons: Vec<String>,
    /// Files to copy into an empty image for the program to work (`ready-if-added`).
    pub add: Vec<String>,
    /// The smallest base image it fits; null when no verdict applies.
    pub base: Option<Base>,
    /// Inside an image: whether it runs there, judged before scratch. Absent in `check`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub here: Option<Here>,
    /// The line as printed: `scratch: blocked (needs the loader /lib64/ld-linux-x86-64.so.2)`,
    /// after `runs here; ` or `fails here: <why>; ` inside an image.
    pub summary: String,
}

impl Verdict {
    fn new(scratch: Scratch, reasons: Vec<String>, add: Vec<String>, base: Option<Base>) -> Self {
        let mut summary = match scratch {
            Scratch::Ready => "scratch: ready".to_string(),
            Scratch::ReadyIfAdded => format!("scratch: ready if you add {}", add.join(", ")),
            Scratch::Blocked => format!("scratch: blocked ({})", reasons.join("; ")),
            Scratch::NotApplicable => format!("scratch: not applicable ({})", reasons.join("; ")),
        };
        if let Some(base) = base.filter(|b| *b != Base::Scratch) {
            summary.push_str(&format!("; smallest base: {}", base.image()));
        }
        Verdict {
            scratch,
            reasons,
            add,
            base,
            here: None,
            summary,
        }
    }

    /// The verdict inside an image: `runs here` (or why not) comes first.
    pub(super) fn judged_here(&mut self, here: Here) {
        self.summary = format!("{}; {}", here.summary(), self.summary);
        self.here = Some(here);
    }

    fn not_applicable(reason: &str) -> Self {
        Verdict::new(
            Scratch::NotApplicable,
            vec![reason.to_string()],
            vec![],
            None,
        )
    }
}

pub(super) fn judge(facts: &FileFacts) -> Verdict {
    let (elf, go) = match facts {
        FileFacts::Foreign(foreign) => {
            let reason = format!("not a Linux binary: {} for {}", foreign.format, foreign.os);
            return Verdict::new(Scratch::Blocked, vec![reason], vec![], None);
        }
        FileFacts::Script(script) => {
            let reason = format!("a #! script: needs its interpreter {}", script.interpreter);
            return Verdict::new(Scratch::Blocked, vec![reason], vec![], None);
        }
        FileFacts::Elf { elf, go } => (elf, go.as_deref()),
    };
    if elf.os != crate::elf::ElfOs::Linux {
        let reason = format!("not a Linux binary: ELF for {}", elf.os);
        return Verdict::new(Scratch::Blocked, vec![reason], vec![], None);
    }
    // Nothing else matters when exec fails with "exec format error" on any image.
    if let Some(why) = &elf.kernel_refuses {
        let reason = format!("the kernel will not run it: {why}");
        return Verdict::new(Scratch::Blocked, vec![reason], vec![], None);
    }
    match elf.linking {
        Linking::SharedLibrary => return Verdict::not_applicable("shared library"),
        Linking::Object => return Verdict::not_applicable("object file"),
        Linking::Core => return Verdict::not_applicable("core dump"),
        Linking::DebugInfo => return Verdict::not_applicable("separate debug-info file"),
        _ => {}
    }
    let mut reasons = Vec::new();
    if let Some(interp) = &elf.interpreter {
        reasons.push(format!("needs the loader {interp}"));
    }
    if !elf.needed.is_empty() {
        reasons.push(format!("needs {}", elf.needed.join(", ")));
    }
    let add: Vec<String> = go
        .into_iter()
        .flat_map(GoFacts::required_needs)
        .filter_map(runtime::file_to_add)
        .map(str::to_string)
        .collect();
    let base = smallest_base(elf, !add.is_empty(), elf.glibc_nss.is_some());
    if !reasons.is_empty() {
        Verdict::new(Scratch::Blocked, reasons, add, Some(base))
    } else if !add.is_empty() {
        Verdict::new(Scratch::ReadyIfAdded, reasons, add, Some(base))
    } else {
        Verdict::new(Scratch::Ready, reasons, add, Some(base))
    }
}

/// glibc's own libraries, all in distroless/base (with libssl and libcrypto).
const GLIBC: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libresolv.so.2",
    "libutil.so.1",
    "libanl.so.1",
    "libssl.so.3",
    "libcrypto.so.3",
];
/// What distroless/cc adds to distroless/base.
const CXX_RUNTIME: &[&str] = &["libstdc++.so.6", "libgcc_s.so.1", "libgomp.so.1"];

fn smallest_base(elf: &ElfFacts, needs_files: bool, static_nss: bool) -> Base {
    let Some(interp) = &elf.interpreter else {
        return match (elf.needed.is_empty(), static_nss, needs_files) {
            (false, _, _) => Base::Distribution,
            (true, true, _) => Base::DistrolessBase,
            (true, false, true) => Base::DistrolessStatic,
            (true, false, false) => Base::Scratch,
        };
    };
    if interp.contains("ld-musl") {
        return Base::Alpine;
    }
    let in_set = |set: &[&[&str]]| {
        elf.needed
            .iter()
            .all(|lib| set.iter().any(|s| s.contains(&lib.as_str())))
    };
    if !interp.contains("ld-linux") && !interp.contains("ld.so") {
        Base::Distribution
    } else if in_set(&[GLIBC]) {
        Base::DistrolessBase
    } else if in_set(&[GLIBC, CXX_RUNTIME]) {
        Base::DistrolessCc
    } else {
        Base::Distribution
    }
}
