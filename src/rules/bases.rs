//! What each base image gostatic may recommend really ships, as data: its libc (and glibc
//! version), its loader, its shared libraries by soname, the newest libstdc++ symbol version,
//! and the run-time files (CA bundle, zoneinfo, /etc/passwd). Advice names a base only when
//! this table says it has what the program needs; otherwise there is "no known base".
//!
//! What the entries rest on (the images themselves cannot be pulled here, so none was
//! inspected file by file; a new base or release means checking its package list again):
//! - distroless (`GoogleContainerTools/distroless`: `base/config.bzl` and `cc/config.bzl` list
//!   the packages of the debian12 and debian13 images; debian11 is no longer built there, its
//!   images had libssl1.1): static = base-files, netbase, tzdata, ca-certificates and a passwd
//!   with root/nobody/nonroot, no libc; base = static + libc6 + libssl3 (debian13 adds zlib1g
//!   and libzstd1); cc = base + libgcc-s1, libgomp1, libstdc++6.
//! - Debian (versions from the suites' Packages indexes): trixie has glibc 2.41 and gcc 14
//!   (libstdc++ up to GLIBCXX_3.4.33), bookworm glibc 2.36 and gcc 12 (GLIBCXX_3.4.30),
//!   bullseye glibc 2.31 and gcc 10 (GLIBCXX_3.4.28). `debian:12-slim` is debootstrap's minbase: the
//!   Priority required and Essential packages, apt, and their Depends/Pre-Depends, which were
//!   computed from the bookworm Packages index (`apt-cache dumpavail`); the sonames below are
//!   those packages' libraries. It has tzdata and passwd but no ca-certificates, no libssl3
//!   and no libgomp1.
//! - Alpine: alpine-baselayout, apk-tools and busybox on musl, with libssl3/libcrypto3, zlib
//!   and ca-certificates-bundle; no tzdata.
//!
//! The table does not track architectures: every base listed is published for amd64 and
//! arm64, which is what the loaders below cover.

use super::Base;
use crate::elf::versions;

/// The run-time files a base ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Files {
    pub ca_certificates: bool,
    pub zoneinfo: bool,
    pub passwd: bool,
    /// A mode 1777 /tmp (base-files, alpine-baselayout, distroless all make one).
    pub tmp: bool,
    /// A home the run user may write: distroless's /home/nonroot (uid 65532) and /root.
    pub home: bool,
}

/// The C library a base is built on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Libc {
    None,
    /// glibc of this version (`2.36`).
    Glibc(&'static str),
    Musl,
}

/// One base image and what it ships.
#[derive(Debug)]
pub struct BaseImage {
    pub base: Base,
    pub libc: Libc,
    /// The newest `GLIBCXX_` version its libstdc++.so.6 defines, when it has one.
    pub glibcxx: Option<&'static str>,
    /// Sonames of the shared libraries it ships, besides the libc's own and the loader.
    pub libraries: &'static [&'static str],
    pub files: Files,
}

const ALL_FILES: Files = Files {
    ca_certificates: true,
    zoneinfo: true,
    passwd: true,
    tmp: true,
    home: true,
};

/// glibc's own libraries (Debian's libc6 in bullseye and bookworm ships each of them; the
/// opt-in test `real_libc` checks that on the packages): every glibc base has them.
pub const GLIBC: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libmvec.so.1",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libresolv.so.2",
    "libutil.so.1",
    "libanl.so.1",
    "libBrokenLocale.so.1",
    "libthread_db.so.1",
    "libnsl.so.1",
    "libnss_files.so.2",
    "libnss_dns.so.2",
    "libnss_compat.so.2",
    "libnss_hesiod.so.2",
];

/// Smallest first: the first base that ships everything a program needs is its smallest base.
pub const TABLE: &[BaseImage] = &[
    BaseImage {
        base: Base::Scratch,
        libc: Libc::None,
        glibcxx: None,
        libraries: &[],
        files: Files {
            ca_certificates: false,
            zoneinfo: false,
            passwd: false,
            tmp: false,
            home: false,
        },
    },
    BaseImage {
        base: Base::DistrolessStatic,
        libc: Libc::None,
        glibcxx: None,
        libraries: &[],
        files: ALL_FILES,
    },
    BaseImage {
        base: Base::DistrolessBase,
        libc: Libc::Glibc("2.36"),
        glibcxx: None,
        libraries: &["libssl.so.3", "libcrypto.so.3"],
        files: ALL_FILES,
    },
    BaseImage {
        base: Base::DistrolessBaseDebian13,
        libc: Libc::Glibc("2.41"),
        glibcxx: None,
        libraries: &["libssl.so.3", "libcrypto.so.3", "libz.so.1", "libzstd.so.1"],
        files: ALL_FILES,
    },
    BaseImage {
        base: Base::DistrolessBaseDebian11,
        libc: Libc::Glibc("2.31"),
        glibcxx: None,
        libraries: &["libssl.so.1.1", "libcrypto.so.1.1"],
        files: ALL_FILES,
    },
    BaseImage {
        base: Base::DistrolessCc,
        libc: Libc::Glibc("2.36"),
        glibcxx: Some("GLIBCXX_3.4.30"),
        libraries: &[
            "libssl.so.3",
            "libcrypto.so.3",
            "libstdc++.so.6",
            "libgcc_s.so.1",
            "libgomp.so.1",
        ],
        files: ALL_FILES,
    },
    BaseImage {
        base: Base::DistrolessCcDebian13,
        libc: Libc::Glibc("2.41"),
        glibcxx: Some("GLIBCXX_3.4.33"),
        libraries: &[
            "libssl.so.3",
            "libcrypto.so.3",
            "libz.so.1",
            "libzstd.so.1",
            "libstdc++.so.6",
            "libgcc_s.so.1",
            "libgomp.so.1",
        ],
        files: ALL_FILES,
    },
    BaseImage {
        base: Base::DistrolessCcDebian11,
        libc: Libc::Glibc("2.31"),
        glibcxx: Some("GLIBCXX_3.4.28"),
        libraries: &[
            "libssl.so.1.1",
            "libcrypto.so.1.1",
            "libstdc++.so.6",
            "libgcc_s.so.1",
            "libgomp.so.1",
        ],
        files: ALL_FILES,
    },
    BaseImage {
        base: Base::Alpine,
        libc: Libc::Musl,
        glibcxx: None,
        libraries: &["libssl.so.3", "libcrypto.so.3", "libz.so.1"],
        files: Files {
            ca_certificates: true,
            zoneinfo: false,
            passwd: true,
            tmp: true,
            home: false,
        },
    },
    BaseImage {
        base: Base::Distribution,
        libc: Libc::Glibc("2.36"),
        glibcxx: Some("GLIBCXX_3.4.30"),
        libraries: &[
            "libstdc++.so.6",
            "libgcc_s.so.1",
            "libcrypt.so.1",
            "libz.so.1",
            "libselinux.so.1",
            "libzstd.so.1",
            "liblzma.so.5",
            "libbz2.so.1.0",
            "liblz4.so.1",
            "libpcre2-8.so.0",
            "libacl.so.1",
            "libattr.so.1",
            "libcap.so.2",
            "libcap-ng.so.0",
            "libaudit.so.1",
            "libblkid.so.1",
            "libmount.so.1",
            "libuuid.so.1",
            "libsmartcols.so.1",
            "libtinfo.so.6",
            "libsystemd.so.0",
            "libudev.so.1",
            "libgmp.so.10",
            "libgcrypt.so.20",
            "libgpg-error.so.0",
            "libgnutls.so.30",
            "libnettle.so.8",
            "libhogweed.so.6",
            "libidn2.so.0",
            "libunistring.so.2",
            "libtasn1.so.6",
            "libp11-kit.so.0",
            "libffi.so.8",
            "libseccomp.so.2",
            "libpam.so.0",
            "libpam_misc.so.0",
            "libpamc.so.0",
            "libdb-5.3.so",
            "libmd.so.0",
            "libxxhash.so.0",
            "libsepol.so.2",
            "libsemanage.so.2",
            // apt itself is in the slim image.
            "libapt-pkg.so.6.0",
            "libapt-private.so.0.0",
        ],
        files: Files {
            ca_certificates: false,
            zoneinfo: true,
            passwd: true,
            tmp: true,
            home: false,
        },
    },
];

/// A table entry by its base.
pub fn entry(base: Base) -> &'static BaseImage {
    TABLE
        .iter()
        .find(|b| b.base == base)
        .expect("every base has a table entry")
}

/// A loader glibc installs (`ld-linux-x86-64.so.2`, `ld-linux-aarch64.so.1`, `ld-linux.so.2`,
/// `ld64.so.2`...), by its file name: programs that call into it directly (Rust's std, node)
/// list it in DT_NEEDED as well as PT_INTERP.
pub fn is_glibc_loader(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    file.starts_with("ld-linux") || file.starts_with("ld64.so.") || file == "ld.so.1"
}

/// musl's loader (`/lib/ld-musl-x86_64.so.1`).
pub fn is_musl_loader(name: &str) -> bool {
    name.rsplit('/')
        .next()
        .unwrap_or(name)
        .starts_with("ld-musl-")
}

impl BaseImage {
    /// Whether its loader is the one `interpreter` names.
    pub fn has_loader(&self, interpreter: &str) -> bool {
        match self.libc {
            Libc::None => false,
            Libc::Glibc(_) => is_glibc_loader(interpreter),
            Libc::Musl => is_musl_loader(interpreter),
        }
    }

    /// Whether a DT_NEEDED name resolves in this base: its libc's libraries, its loader, or a
    /// library it ships.
    pub fn has_library(&self, name: &str) -> bool {
        let libc = match self.libc {
            Libc::None => false,
            Libc::Glibc(_) => GLIBC.contains(&name) || is_glibc_loader(name),
            // musl's loader answers libc.so, libm.so, libpthread.so... itself.
            Libc::Musl => {
                is_musl_loader(name)
                    || [
                        "libc.",
                        "libm.",
                        "libpthread.",
                        "librt.",
                        "libdl.",
                        "libutil.",
                    ]
                    .iter()
                    .any(|p| name.starts_with(p))
            }
        };
        libc || self.libraries.contains(&name)
    }

    /// Whether its glibc defines `version` (`GLIBC_2.34`): glibc keeps every older version.
    pub fn has_glibc_version(&self, version: &str) -> bool {
        match self.libc {
            Libc::Glibc(have) => at_least(&format!("GLIBC_{have}"), version),
            _ => false,
        }
    }

    /// Whether its libstdc++ defines `version` (`GLIBCXX_3.4.30`).
    pub fn has_glibcxx_version(&self, version: &str) -> bool {
        self.glibcxx.is_some_and(|have| at_least(have, version))
    }

    /// `gcr.io/distroless/base-debian12 (glibc 2.36)`: the image, with its glibc when it has one.
    pub fn describe(&self) -> String {
        match self.libc {
            Libc::Glibc(version) => format!("{} (glibc {version})", self.base.image()),
            _ => self.base.image().to_string(),
        }
    }
}

/// Whether version name `have` is at least `want` in the same family.
fn at_least(have: &str, want: &str) -> bool {
    match (versions::parse_version(have), versions::parse_version(want)) {
        (Some((f1, a)), Some((f2, b))) => f1 == f2 && a >= b,
        _ => false,
    }
}

/// The bases that ship library `name`, smallest first: what a fix may name.
pub fn shipping(name: &str) -> Vec<&'static BaseImage> {
    TABLE.iter().filter(|b| b.has_library(name)).collect()
}

/// The smallest base that has the loader or library `name` for a glibc (or musl) program:
/// a library from another libc would not load.
pub fn smallest_shipping(name: &str, loader: bool, glibc: bool) -> Option<&'static BaseImage> {
    TABLE.iter().find(|b| {
        let libc = if glibc {
            matches!(b.libc, Libc::Glibc(_))
        } else {
            b.libc == Libc::Musl
        };
        let has = if loader {
            b.has_loader(name)
        } else {
            b.has_library(name)
        };
        libc && has
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_ship_only_what_they_ship() {
        let names = |lib: &str| -> Vec<Base> { shipping(lib).iter().map(|b| b.base).collect() };
        // distroless does not ship libselinux; Debian slim does (coreutils and login need it).
        assert_eq!(names("libselinux.so.1"), [Base::Distribution]);
        assert_eq!(
            names("libgomp.so.1"),
            [
                Base::DistrolessCc,
                Base::DistrolessCcDebian13,
                Base::DistrolessCcDebian11
            ]
        );
        assert_eq!(
            names("libssl.so.1.1"),
            [Base::DistrolessBaseDebian11, Base::DistrolessCcDebian11]
        );
        assert!(names("libfoo.so.7").is_empty());
        let smallest = |lib, glibc| smallest_shipping(lib, false, glibc).map(|b| b.base);
        assert_eq!(smallest("libselinux.so.1", true), Some(Base::Distribution));
        assert_eq!(smallest("libc.so.6", true), Some(Base::DistrolessBase));
        assert_eq!(smallest("libstdc++.so.6", true), Some(Base::DistrolessCc));
        // zlib is in alpine, but a glibc program cannot use alpine's.
        assert_eq!(
            smallest("libz.so.1", true),
            Some(Base::DistrolessBaseDebian13)
        );
        assert_eq!(smallest("libz.so.1", false), Some(Base::Alpine));
        assert_eq!(smallest("libfoo.so.7", true), None);
        let loader = smallest_shipping("/lib64/ld-linux-x86-64.so.2", true, true);
        assert_eq!(loader.map(|b| b.base), Some(Base::DistrolessBase));
        // The loader named in DT_NEEDED is the loader: every glibc base has it.
        assert!(entry(Base::DistrolessBase).has_library("ld-linux-x86-64.so.2"));
        assert!(!entry(Base::Alpine).has_library("ld-linux-x86-64.so.2"));
        assert!(entry(Base::Alpine).has_library("libc.musl-x86_64.so.1"));
    }

    #[test]
    fn glibc_versions_compare_by_number() {
        let bookworm = entry(Base::DistrolessBase);
        let bullseye = entry(Base::DistrolessBaseDebian11);
        assert!(bookworm.has_glibc_version("GLIBC_2.34"));
        assert!(bookworm.has_glibc_version("GLIBC_2.9"));
        assert!(!bullseye.has_glibc_version("GLIBC_2.34"));
        assert!(bullseye.has_glibc_version("GLIBC_2.31"));
        assert!(!bookworm.has_glibc_version("GLIBC_2.38"));
        assert!(entry(Base::DistrolessCc).has_glibcxx_version("GLIBCXX_3.4.30"));
        assert!(!entry(Base::DistrolessCcDebian11).has_glibcxx_version("GLIBCXX_3.4.30"));
        assert!(!entry(Base::DistrolessStatic).has_glibc_version("GLIBC_2.2.5"));
    }
}
