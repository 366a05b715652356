//! The one-line answer per binary: `scratch: ready`, `scratch: ready if you add <files>`,
//! `scratch: blocked (...)`, or not applicable for files that are not programs; plus the
//! smallest base image it would run on. One function, [`fit`], decides both from a program's
//! [`Needs`], for `check` and for the image verdict alike.

use serde::Serialize;

use super::bases::{BaseImage, Libc, TABLE};
use super::image::Here;
use super::runtime;
use crate::elf::versions::newest;
use crate::elf::{ElfFacts, GlibcNss, Linking};
use crate::facts::FileFacts;
use crate::gobin::GoFacts;
use crate::gobin::analysis::NeedKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scratch {
    Ready,
    /// Starts on scratch, but will look for files an empty image lacks.
    ReadyIfAdded,
    Blocked,
    NotApplicable,
}

/// The base images gostatic recommends, smallest first; what each ships is in `bases::TABLE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Base {
    /// `FROM scratch`: nothing at all.
    Scratch,
    /// `gcr.io/distroless/static-debian12`: CA bundle, zoneinfo, /etc/passwd, no libc.
    DistrolessStatic,
    /// `gcr.io/distroless/base-debian12`: glibc 2.36 and its loader, libssl3.
    DistrolessBase,
    /// `gcr.io/distroless/base-debian13`: glibc 2.41, libssl3, zlib, libzstd.
    DistrolessBaseDebian13,
    /// `gcr.io/distroless/base-debian11`: glibc 2.31, libssl1.1. No longer rebuilt by
    /// distroless; named only when nothing newer ships what the program needs (libssl1.1).
    DistrolessBaseDebian11,
    /// `gcr.io/distroless/cc-debian12`: distroless/base plus libstdc++, libgcc_s and libgomp.
    DistrolessCc,
    /// `gcr.io/distroless/cc-debian13`: the same on Debian 13 (libstdc++ of gcc 14).
    DistrolessCcDebian13,
    /// `gcr.io/distroless/cc-debian11`: the same on Debian 11.
    DistrolessCcDebian11,
    /// `alpine`: musl's loader and libc.
    Alpine,
    /// `debian:12-slim`, for the shared libraries a minimal Debian has (libselinux, zlib...).
    Distribution,
}

impl Base {
    pub fn image(self) -> &'static str {
        match self {
            Base::Scratch => "scratch",
            Base::DistrolessStatic => "gcr.io/distroless/static-debian12",
            Base::DistrolessBase => "gcr.io/distroless/base-debian12",
            Base::DistrolessBaseDebian13 => "gcr.io/distroless/base-debian13",
            Base::DistrolessBaseDebian11 => "gcr.io/distroless/base-debian11",
            Base::DistrolessCc => "gcr.io/distroless/cc-debian12",
            Base::DistrolessCcDebian13 => "gcr.io/distroless/cc-debian13",
            Base::DistrolessCcDebian11 => "gcr.io/distroless/cc-debian11",
            Base::Alpine => "alpine",
            Base::Distribution => "debian:12-slim",
        }
    }
}

/// What a program needs from the image it runs in, from its facts alone: the one input from
/// which [`fit`] decides both the scratch verdict and the smallest base, so they cannot
/// disagree. Several programs' needs merge into one for an image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// PT_INTERP: one per program; merged needs may hold a musl and a glibc loader, which no
    /// base ships together.
    pub interpreters: Vec<String>,
    /// DT_NEEDED, the loader included when it is listed there.
    pub libraries: Vec<String>,
    /// The newest `GLIBC_` symbol version needed (DT_VERNEED), `GLIBC_2.34`.
    pub glibc: Option<String>,
    /// The newest `GLIBCXX_` symbol version needed, `GLIBCXX_3.4.30`.
    pub glibcxx: Option<String>,
    /// Statically linked glibc before 2.34 that calls NSS: it dlopens libnss_*.so.2 (and their
    /// libc) for user and host lookups, which fail on an image without them. From 2.34 on the
    /// files and dns modules are built in, and such a binary needs none.
    pub static_nss: bool,
    /// Run-time files to copy in (CA bundle, zoneinfo, passwd), by path.
    pub files: Vec<String>,
    /// Which run-time files those are, to match against what a base ships.
    ca_certificates: bool,
    zoneinfo: bool,
    passwd: bool,
    /// A writable /tmp and HOME (GS506, GS507).
    tmp: bool,
    home: bool,
}

impl Needs {
    pub fn of(elf: &ElfFacts, go: Option<&GoFacts>) -> Self {
        let mut needs = Needs {
            interpreters: elf.interpreter.iter().cloned().collect(),
            libraries: elf.needed.clone(),
            static_nss: elf.interpreter.is_none()
                && elf.glibc_nss.as_ref().is_some_and(GlibcNss::loads_modules),
            ..Needs::default()
        };
        // A weak need does not stop ld.so, so it does not raise the glibc a base must have.
        let versions = || {
            elf.version_needs.iter().flat_map(|n| {
                n.versions
                    .iter()
                    .filter(|v| !n.weak.contains(v))
                    .map(String::as_str)
            })
        };
        needs.glibc = newest(versions(), "GLIBC").map(str::to_string);
        needs.glibcxx = newest(versions(), "GLIBCXX").map(str::to_string);
        for need in go.into_iter().flat_map(GoFacts::required_needs) {
            let Some(file) = runtime::file_to_add(need) else {
                continue;
            };
            match need.spec.kind {
                NeedKind::CaCertificates => needs.ca_certificates = true,
                NeedKind::Zoneinfo => needs.zoneinfo = true,
                NeedKind::Passwd => needs.passwd = true,
                NeedKind::Tmp => needs.tmp = true,
                NeedKind::Home => needs.home = true,
                NeedKind::NameResolution | NeedKind::Mime => {}
            }
            needs.files.push(file.to_string());
        }
        needs
    }

    /// Add another program's needs (for an image with several).
    pub fn merge(&mut self, other: &Needs) {
        for interp in &other.interpreters {
            if !self.interpreters.contains(interp) {
                self.interpreters.push(interp.clone());
            }
        }
        for lib in &other.libraries {
            if !self.libraries.contains(lib) {
                self.libraries.push(lib.clone());
            }
        }
        for file in &other.files {
            if !self.files.contains(file) {
                self.files.push(file.clone());
            }
        }
        let pick = |a: &Option<String>, b: &Option<String>, family| {
            newest(a.iter().chain(b).map(String::as_str), family).map(str::to_string)
        };
        self.glibc = pick(&self.glibc, &other.glibc, "GLIBC");
        self.glibcxx = pick(&self.glibcxx, &other.glibcxx, "GLIBCXX");
        self.static_nss |= other.static_nss;
        self.ca_certificates |= other.ca_certificates;
        self.zoneinfo |= other.zoneinfo;
        self.passwd |= other.passwd;
        self.tmp |= other.tmp;
        self.home |= other.home;
    }

    /// What an empty image lacks that no COPY of a run-time file gives: the blockers.
    fn blockers(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        for interp in &self.interpreters {
            reasons.push(format!("needs the loader {interp}"));
        }
        if !self.libraries.is_empty() {
            reasons.push(format!("needs {}", self.libraries.join(", ")));
        }
        if let Some(version) = &self.glibc {
            let number = version.trim_start_matches("GLIBC_");
            reasons.push(format!("needs glibc {number} or newer"));
        }
        if let Some(version) = &self.glibcxx {
            reasons.push(format!("needs a libstdc++ with {version}"));
        }
        if self.static_nss {
            reasons.push(
                "static glibc loads libnss_*.so.2 for user and host lookups, which fail without them"
                    .to_string(),
            );
        }
        reasons
    }

    /// Whether `base` has the loader, libraries and symbol versions (and, when `files`, the
    /// run-time files).
    fn fits(&self, base: &BaseImage, files: bool) -> bool {
        let loader = self.interpreters.iter().all(|i| base.has_loader(i));
        let libraries = self.libraries.iter().all(|l| base.has_library(l));
        let glibc = self
            .glibc
            .as_deref()
            .is_none_or(|v| base.has_glibc_version(v));
        let glibcxx = self
            .glibcxx
            .as_deref()
            .is_none_or(|v| base.has_glibcxx_version(v));
        // Such a program's NSS modules must come from a glibc before 2.34 too: 2.34+ ships
        // libnss_files.so.2 and libnss_dns.so.2 as empty stubs (and a static glibc 2.31
        // program crashes in a glibc 2.36 root, tests/integration/static_nss.rs).
        let nss = !self.static_nss
            || (matches!(base.libc, Libc::Glibc(_)) && !base.has_glibc_version("GLIBC_2.34"));
        let ships = !files
            || ((!self.ca_certificates || base.files.ca_certificates)
                && (!self.zoneinfo || base.files.zoneinfo)
                && (!self.passwd || base.files.passwd)
                && (!self.tmp || base.files.tmp)
                && (!self.home || base.files.home));
        loader && libraries && glibc && glibcxx && nss && ships
    }

    /// What no base in the table ships, for "no known base": the libraries none has, else
    /// the loader, else the versions (each may be shipped, just not together).
    fn unshipped(&self) -> String {
        let libraries: Vec<&str> = self
            .libraries
            .iter()
            .filter(|l| !TABLE.iter().any(|b| b.has_library(l)))
            .map(String::as_str)
            .collect();
        if !libraries.is_empty() {
            return libraries.join(", ");
        }
        if let Some(interp) = self
            .interpreters
            .iter()
            .find(|i| !TABLE.iter().any(|b| b.has_loader(i)))
        {
            return format!("the loader {interp}");
        }
        if self.interpreters.len() > 1 {
            return format!("the loaders {} together", self.interpreters.join(" and "));
        }
        let versions: Vec<&str> = self
            .glibc
            .iter()
            .chain(&self.glibcxx)
            .map(String::as_str)
            .collect();
        if versions.is_empty() {
            "all of these together".to_string()
        } else {
            format!("{} together with the rest", versions.join(" and "))
        }
    }
}

/// The scratch verdict and the smallest base for `needs`, decided together: scratch is
/// `ready` exactly when the smallest base is scratch, `ready if you add` when only run-time
/// files stand between the program and an empty image, and `blocked` otherwise.
pub fn fit(needs: &Needs) -> Verdict {
    let reasons = needs.blockers();
    // A base that ships the run-time files too, else one the files can be copied into.
    let base = TABLE
        .iter()
        .find(|b| needs.fits(b, true))
        .or_else(|| TABLE.iter().find(|b| needs.fits(b, false)));
    let scratch = if !reasons.is_empty() {
        Scratch::Blocked
    } else if !needs.files.is_empty() {
        Scratch::ReadyIfAdded
    } else {
        Scratch::Ready
    };
    let mut verdict = Verdict::new(scratch, reasons, needs.files.clone(), base);
    verdict.needs_glibc.clone_from(&needs.glibc);
    verdict.needs_glibcxx.clone_from(&needs.glibcxx);
    if base.is_none() {
        verdict.summary.push_str(&format!(
            "; no known base image ships {}",
            needs.unshipped()
        ));
    }
    verdict
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub scratch: Scratch,
    /// What blocks it, or why no verdict applies.
    pub reasons: Vec<String>,
    /// Files to copy into an empty image for the program to work (`ready-if-added`).
    pub add: Vec<String>,
    /// The newest `GLIBC_` symbol version it needs (DT_VERNEED), which the base's glibc must
    /// define: `GLIBC_2.34`.
    pub needs_glibc: Option<String>,
    /// The newest `GLIBCXX_` version it needs from libstdc++.so.6: `GLIBCXX_3.4.30`.
    pub needs_glibcxx: Option<String>,
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
    fn new(
        scratch: Scratch,
        reasons: Vec<String>,
        add: Vec<String>,
        base: Option<&BaseImage>,
    ) -> Self {
        let mut summary = match scratch {
            Scratch::Ready => "scratch: ready".to_string(),
            Scratch::ReadyIfAdded => format!("scratch: ready if you add {}", add.join(", ")),
            Scratch::Blocked => format!("scratch: blocked ({})", reasons.join("; ")),
            Scratch::NotApplicable => format!("scratch: not applicable ({})", reasons.join("; ")),
        };
        if let Some(base) = base.filter(|b| b.base != Base::Scratch) {
            summary.push_str(&format!("; smallest base: {}", base.describe()));
        }
        let base = base.map(|b| b.base);
        Verdict {
            scratch,
            reasons,
            add,
            needs_glibc: None,
            needs_glibcxx: None,
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
    fit(&Needs::of(elf, go))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::elf::Synth;

    fn verdict(synth: &Synth) -> Verdict {
        let elf = crate::elf::read(&synth.build()).unwrap();
        fit(&Needs::of(&elf, None))
    }

    #[test]
    fn the_loader_listed_as_needed_is_the_loader() {
        // Rust's std and node list ld-linux-x86-64.so.2 in DT_NEEDED.
        let rust = Synth::program().needs(&["libgcc_s.so.1", "libc.so.6", "ld-linux-x86-64.so.2"]);
        let got = verdict(&rust);
        assert_eq!(got.base, Some(Base::DistrolessCc), "{}", got.summary);
        let plain = Synth::program().needs(&["libc.so.6", "ld-linux-x86-64.so.2"]);
        assert_eq!(verdict(&plain).base, Some(Base::DistrolessBase));
    }

    #[test]
    fn a_base_that_lacks_a_library_is_never_named() {
        let selinux = Synth::program().needs(&["libselinux.so.1", "libc.so.6"]);
        assert_eq!(verdict(&selinux).base, Some(Base::Distribution));
        let ssl11 = Synth::program().needs(&["libssl.so.1.1", "libc.so.6"]);
        assert_eq!(verdict(&ssl11).base, Some(Base::DistrolessBaseDebian11));
        let unknown = Synth::program().needs(&["libfoo.so.7", "libc.so.6"]);
        let got = verdict(&unknown);
        assert_eq!(got.base, None);
        assert!(
            got.summary
                .ends_with("; no known base image ships libfoo.so.7"),
            "{}",
            got.summary
        );
        // musl with libstdc++: alpine has no libstdc++, and a glibc base no musl loader.
        let musl = Synth::program()
            .interp(Some("/lib/ld-musl-x86_64.so.1"))
            .needs(&["libstdc++.so.6", "libc.musl-x86_64.so.1"]);
        assert_eq!(verdict(&musl).base, None);
    }

    #[test]
    fn the_newest_glibc_version_needed_picks_the_base() {
        let old = Synth::program()
            .needs(&["libssl.so.1.1", "libc.so.6"])
            .needs_versions("libc.so.6", &["GLIBC_2.2.5", "GLIBC_2.10", "GLIBC_2.9"]);
        let got = verdict(&old);
        assert_eq!(got.needs_glibc.as_deref(), Some("GLIBC_2.10"));
        assert_eq!(got.base, Some(Base::DistrolessBaseDebian11));
        assert!(
            got.summary
                .ends_with("gcr.io/distroless/base-debian11 (glibc 2.31)"),
            "{}",
            got.summary
        );
        // libssl1.1 is only in Debian 11, whose glibc is too old for GLIBC_2.34.
        let new = Synth::program()
            .needs(&["libssl.so.1.1", "libc.so.6"])
            .needs_versions("libc.so.6", &["GLIBC_2.34"]);
        let got = verdict(&new);
        assert_eq!(got.base, None);
        assert!(
            got.summary
                .ends_with("ships GLIBC_2.34 together with the rest"),
            "{}",
            got.summary
        );
        // Newer than Debian 12's glibc: Debian 13's (2.41) has it; nothing has 2.42.
        let newer = Synth::program().needs_versions("libc.so.6", &["GLIBC_2.38"]);
        assert_eq!(verdict(&newer).base, Some(Base::DistrolessBaseDebian13));
        let newest = Synth::program().needs_versions("libc.so.6", &["GLIBC_2.42"]);
        assert_eq!(verdict(&newest).base, None);
        // A weak need does not count.
        let weak = Synth::program()
            .needs_versions("libc.so.6", &["GLIBC_2.2.5", "GLIBC_2.42"])
            .weak_versions(&["GLIBC_2.42"]);
        assert_eq!(verdict(&weak).needs_glibc.as_deref(), Some("GLIBC_2.2.5"));
        // libstdc++ from gcc 12 is in cc-debian12, not cc-debian11.
        let cxx = Synth::program()
            .needs(&["libstdc++.so.6", "libc.so.6"])
            .needs_versions("libstdc++.so.6", &["GLIBCXX_3.4.9", "GLIBCXX_3.4.30"]);
        let got = verdict(&cxx);
        assert_eq!(got.needs_glibcxx.as_deref(), Some("GLIBCXX_3.4.30"));
        assert_eq!(got.base, Some(Base::DistrolessCc));
        assert!(
            got.reasons
                .contains(&"needs a libstdc++ with GLIBCXX_3.4.30".to_string())
        );
    }

    #[test]
    fn scratch_is_ready_exactly_when_the_smallest_base_is_scratch() {
        let static_program = Synth::static_program();
        let got = verdict(&static_program);
        assert_eq!(
            (got.scratch, got.base),
            (Scratch::Ready, Some(Base::Scratch))
        );
        let needs = Needs {
            static_nss: true,
            ..Needs::default()
        };
        let got = fit(&needs);
        assert_eq!(got.scratch, Scratch::Blocked);
        // Modules from a glibc before 2.34: 2.36's libnss_files.so.2 is an empty stub.
        assert_eq!(got.base, Some(Base::DistrolessBaseDebian11));
        // Merged needs: the newer version and both programs' libraries.
        let mut a = Needs::of(
            &crate::elf::read(
                &Synth::program()
                    .needs_versions("libc.so.6", &["GLIBC_2.9"])
                    .build(),
            )
            .unwrap(),
            None,
        );
        let b = Needs::of(
            &crate::elf::read(
                &Synth::program()
                    .needs(&["libc.so.6", "libstdc++.so.6"])
                    .needs_versions("libc.so.6", &["GLIBC_2.17"])
                    .build(),
            )
            .unwrap(),
            None,
        );
        a.merge(&b);
        assert_eq!(a.glibc.as_deref(), Some("GLIBC_2.17"));
        assert_eq!(fit(&a).base, Some(Base::DistrolessCc));
        // A musl and a glibc program together: no base ships both loaders.
        let musl = Needs::of(
            &crate::elf::read(
                &Synth::program()
                    .interp(Some("/lib/ld-musl-x86_64.so.1"))
                    .needs(&[])
                    .build(),
            )
            .unwrap(),
            None,
        );
        a.merge(&musl);
        let got = fit(&a);
        assert_eq!(got.base, None);
        assert!(
            got.summary
                .contains("no known base image ships the loaders"),
            "{}",
            got.summary
        );
    }
}
