//! Files a Go program reads at run time that `FROM scratch` lacks (reference §5). The linker
//! drops unreachable functions, so a std function present in the pclntab means its code path
//! is reachable; each need lists the needle names found, what embedded alternative (if any)
//! the binary carries, the files to copy, the Dockerfile line and the redirecting variables.
//!
//! Needles per `src/crypto/x509/root_linux.go`/`root_unix.go`, `src/time/zoneinfo_read.go`,
//! `src/time/tzdata/tzdata.go`, `src/os/user/lookup_unix.go`/`cgo_lookup_cgo.go`,
//! `src/net/{dnsconfig_unix,hook_unix,nss,conf}.go`, `src/mime/type_unix.go`,
//! `src/os/tempfile.go`, `src/io/ioutil/tempfile.go`, `src/mime/multipart/formdata.go` and
//! `src/os/file.go` (`TempDir`, `UserHomeDir`, `UserCacheDir`, `UserConfigDir`).
//!
//! The temp-dir and home needles are the functions that survive in the function table,
//! checked on Go 1.19, 1.21 and 1.27 builds: `os.TempDir` (`return tempDir()`) and `os.tempDir`
//! always inline into their caller and leave no function, and `io/ioutil.TempFile`/`TempDir`
//! inline into a call of `os.CreateTemp`/`os.MkdirTemp` (they are the real code only before
//! Go 1.16), as `ReadForm` does into `mime/multipart.(*Reader).readForm`. So a program that
//! only asks `os.TempDir` for a path and makes the file itself is not seen; every std caller
//! that makes files goes through `CreateTemp` or `MkdirTemp`.

use serde::Serialize;

use super::cgo::push_capped;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NeedKind {
    CaCertificates,
    Zoneinfo,
    Passwd,
    NameResolution,
    Mime,
    /// A writable temp dir: `$TMPDIR`, else /tmp.
    Tmp,
    /// A writable `$HOME` (or `$XDG_CACHE_HOME`/`$XDG_CONFIG_HOME`).
    Home,
}

/// The fixed part of a need: what to look for and how to satisfy it on scratch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NeedSpec {
    pub kind: NeedKind,
    /// Exact function names whose presence means the files are read.
    #[serde(skip)]
    pub needles: &'static [&'static str],
    /// Function-name prefixes that mean the binary embeds the data instead.
    #[serde(skip)]
    pub embedded: &'static [&'static str],
    /// Files (or directories, ending in `/`) the code reads, in the order Go tries them.
    pub files: &'static [&'static str],
    /// A Dockerfile line for a multi-stage build whose build stage has the files.
    pub dockerfile: &'static str,
    /// Environment variables that redirect or replace the lookup.
    pub env: &'static [&'static str],
    pub note: &'static str,
}

pub const NEEDS: [NeedSpec; 7] = [
    NeedSpec {
        kind: NeedKind::CaCertificates,
        needles: &[
            "crypto/x509.loadSystemRoots",
            "crypto/x509.initSystemRoots",
            "crypto/x509.systemRootsPool",
            "crypto/x509.loadOnDiskRoots",
        ],
        embedded: &[
            "golang.org/x/crypto/x509roots/fallback.",
            "crypto/x509.SetFallbackRoots",
        ],
        files: &[
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/ca-bundle.pem",
            "/etc/pki/tls/cacert.pem",
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
            "/etc/ssl/cert.pem",
            "/etc/ssl/certs/",
            "/etc/pki/tls/certs/",
        ],
        dockerfile: "COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/",
        env: &["SSL_CERT_FILE", "SSL_CERT_DIR"],
        note: "with no bundle the system pool is empty without error and TLS fails with \
               \"certificate signed by unknown authority\"; embedded roots \
               (golang.org/x/crypto/x509roots/fallback) are used only when the pool is empty",
    },
    NeedSpec {
        kind: NeedKind::Zoneinfo,
        // Not `time.loadLocation`/`loadTzinfo`: `time.initLocal` (any use of `time.Local`)
        // reaches them for `$TZ`, and failure there falls back to UTC silently.
        needles: &["time.LoadLocation"],
        embedded: &["time/tzdata."],
        files: &[
            "/usr/share/zoneinfo/",
            "/usr/share/lib/zoneinfo/",
            "/usr/lib/locale/TZ/",
            "/etc/zoneinfo/",
        ],
        dockerfile: "COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo",
        // Not `TZ`: it only picks `Local`; `time.LoadLocation` still needs the database.
        env: &["ZONEINFO"],
        note: "or embed the database: import _ \"time/tzdata\" or build with -tags timetzdata",
    },
    NeedSpec {
        kind: NeedKind::Passwd,
        needles: &[
            "os/user.readColonFile",
            "os/user.findUserId",
            "os/user.findUsername",
            "os/user.lookupUserId",
            "os/user.findGroupId",
            "os/user.lookupGroup",
            "os/user.Current",
            "os/user.current",
            "os/user._Cfunc_mygetpwuid_r",
            "os/user._C_getpwuid_r",
            "os/user.lookupUnixUid",
        ],
        embedded: &[],
        files: &["/etc/passwd", "/etc/group"],
        dockerfile: "COPY --from=build /etc/passwd /etc/group /etc/",
        env: &["USER", "HOME"],
        note: "ship a minimal /etc/passwd and /etc/group with the run user; without cgo \
               user.Current falls back to $USER and $HOME",
    },
    NeedSpec {
        kind: NeedKind::NameResolution,
        needles: &[
            "net.dnsReadConfig",
            "net.(*resolverConfig).init",
            "net.readHosts",
            "net.lookupStaticHost",
            "net.goLookupIPFiles",
            "net.parseNSSConfFile",
            "net.(*nsswitchConfig).init",
            "net.(*conf).hostLookupOrder",
            "net._C2func_getaddrinfo",
            "net.cgoLookupHost",
            "net.cgoLookupIP",
        ],
        embedded: &[],
        files: &["/etc/nsswitch.conf", "/etc/resolv.conf", "/etc/hosts"],
        dockerfile: "COPY --from=build /etc/nsswitch.conf /etc/nsswitch.conf",
        env: &[
            "GODEBUG=netdns",
            "LOCALDOMAIN",
            "RES_OPTIONS",
            "HOSTALIASES",
        ],
        note: "container runtimes bind-mount /etc/resolv.conf and /etc/hosts but not \
               /etc/nsswitch.conf; Go <= 1.15 without it asks DNS before /etc/hosts",
    },
    NeedSpec {
        kind: NeedKind::Mime,
        needles: &[
            "mime.initMimeUnix",
            "mime.loadMimeFile",
            "mime.loadMimeGlobsFile",
        ],
        embedded: &[],
        files: &[
            "/usr/local/share/mime/globs2",
            "/usr/share/mime/globs2",
            "/etc/mime.types",
            "/etc/apache2/mime.types",
            "/etc/apache/mime.types",
            "/etc/httpd/conf/mime.types",
        ],
        dockerfile: "COPY --from=build /etc/mime.types /etc/mime.types",
        env: &[],
        note: "missing files are harmless: a built-in table answers common extensions",
    },
    NeedSpec {
        kind: NeedKind::Tmp,
        // What makes files in the temp dir. `readForm` calls `os.CreateTemp` for a part over
        // `maxMemory` (formdata.go), so a server that parses forms (`Request.FormValue`,
        // `ParseMultipartForm`) has both; a plain net/http server, fmt or os/user have neither.
        // Not `os.TempDir`: always inlined (see above), and it only names a path.
        needles: &[
            "os.CreateTemp",
            "os.MkdirTemp",
            "io/ioutil.TempFile",
            "io/ioutil.TempDir",
            "mime/multipart.(*Reader).readForm",
            "mime/multipart.(*Reader).ReadForm",
        ],
        embedded: &[],
        files: &["/tmp/"],
        dockerfile: "COPY --from=build --chmod=1777 /tmp /tmp",
        env: &["TMPDIR"],
        note: "os.TempDir is $TMPDIR, else /tmp, which scratch lacks: CreateTemp fails with \
               \"open /tmp/...: no such file or directory\"; the directory must be writable by \
               the run user (mode 1777, or owned by it)",
    },
    NeedSpec {
        kind: NeedKind::Home,
        // `os.UserHomeDir` is also called by os/user's pure-Go `current` (lookup_stubs.go) to
        // fill `User.HomeDir` when /etc/passwd lacks the uid, which writes nothing: with
        // `os/user.current` present it counts only beside one of the other two (`finish`).
        needles: &["os.UserHomeDir", "os.UserCacheDir", "os.UserConfigDir"],
        embedded: &[],
        files: &["$HOME/"],
        dockerfile: "ENV HOME=/home/nonroot and, after USER, WORKDIR /home/nonroot (BuildKit makes it the user's)",
        env: &["HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"],
        note: "the runtime sets HOME to the user's /etc/passwd home, else /, which only root \
               may write; os.UserCacheDir is $XDG_CACHE_HOME, else $HOME/.cache, and \
               os.UserConfigDir $XDG_CONFIG_HOME, else $HOME/.config",
    },
];

/// The function of os/user's pure-Go `current` (lookup_stubs.go), which calls `os.UserHomeDir`.
const USER_CURRENT_STUB: &str = "os/user.current";

/// One need the function names show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuntimeNeed {
    #[serde(flatten)]
    pub spec: NeedSpec,
    /// Needle functions present (up to 8).
    pub evidence: Vec<String>,
    /// Functions showing the data is embedded (up to 8); non-empty means no file is needed.
    pub embedded_evidence: Vec<String>,
    /// Evidence present and nothing embedded: the files must be in the image.
    pub files_required: bool,
    /// For `passwd` and `name-resolution`: `cgo` when libc does the lookup, else `go`.
    pub implementation: Option<&'static str>,
}

#[derive(Debug, Default)]
pub(crate) struct NeedScan {
    evidence: [Vec<String>; 7],
    embedded: [Vec<String>; 7],
    /// `os/user.current` is in the binary: `os.UserHomeDir` alone is its call, not the program's.
    user_current: bool,
}

/// The packages every needle and embedded marker above belongs to: a name outside them is
/// skipped with a few prefix checks (this runs on every function of every Go binary).
const PACKAGES: [&str; 10] = [
    "crypto/x509.",
    "time.",
    "time/tzdata.",
    "os/user.",
    "net.",
    "mime.",
    "golang.org/x/crypto/x509roots/",
    "os.",
    "io/ioutil.",
    "mime/multipart.",
];

/// The first bytes of `PACKAGES`: most names (runtime., sync., main., internal/...) are
/// turned away by one lookup before any prefix is compared.
const FIRST_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < PACKAGES.len() {
        table[PACKAGES[i].as_bytes()[0] as usize] = true;
        i += 1;
    }
    table
};

/// Whether a name belongs to a package a need looks at, from its bytes alone.
pub(crate) fn may_matter(name: &[u8]) -> bool {
    name.first().is_some_and(|&b| FIRST_BYTES[b as usize])
        && PACKAGES.iter().any(|p| name.starts_with(p.as_bytes()))
}

impl NeedScan {
    pub(crate) fn observe(&mut self, name: &str) {
        if !may_matter(name.as_bytes()) {
            return;
        }
        self.user_current |= name == USER_CURRENT_STUB;
        for (i, spec) in NEEDS.iter().enumerate() {
            if spec.needles.contains(&name) {
                push_capped(&mut self.evidence[i], name);
            }
            if spec.embedded.iter().any(|p| name.starts_with(p)) {
                push_capped(&mut self.embedded[i], name);
            }
        }
    }

    pub(crate) fn finish(self) -> Vec<RuntimeNeed> {
        let mut out = Vec::new();
        let user_current = self.user_current;
        for ((spec, evidence), embedded) in NEEDS.iter().zip(self.evidence).zip(self.embedded) {
            let only_os_user = spec.kind == NeedKind::Home
                && user_current
                && evidence.iter().all(|n| n == "os.UserHomeDir");
            if evidence.is_empty() || only_os_user {
                continue;
            }
            let uses_cgo = evidence
                .iter()
                .any(|n| n.contains("._C") || n.contains(".cgoLookup") || n.ends_with("UnixUid"));
            let implementation = match spec.kind {
                NeedKind::Passwd | NeedKind::NameResolution => {
                    Some(if uses_cgo { "cgo" } else { "go" })
                }
                _ => None,
            };
            out.push(RuntimeNeed {
                spec: *spec,
                files_required: embedded.is_empty(),
                evidence,
                embedded_evidence: embedded,
                implementation,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(names: &[&str]) -> Vec<RuntimeNeed> {
        let mut scan = NeedScan::default();
        for name in names {
            scan.observe(name);
        }
        scan.finish()
    }

    #[test]
    fn every_needle_and_marker_is_in_a_scanned_package() {
        for spec in NEEDS {
            for name in spec.needles.iter().chain(spec.embedded) {
                assert!(PACKAGES.iter().any(|p| name.starts_with(p)), "{name}");
                assert!(may_matter(name.as_bytes()), "{name}");
            }
        }
        for other in [
            "runtime.main",
            "internal/poll.(*FD).Read",
            "sync.(*Mutex).Lock",
            "",
        ] {
            assert!(!may_matter(other.as_bytes()), "{other}");
        }
        // A first byte in the table is not enough: the prefix must match too.
        assert!(!may_matter(b"crypto/tls.(*Conn).Read"));
        assert!(!may_matter(b"os/exec.Command"));
    }

    #[test]
    fn x509_without_fallback_needs_the_bundle() {
        let out = needs(&["crypto/x509.loadSystemRoots", "main.main"]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].spec.kind, NeedKind::CaCertificates);
        assert!(out[0].files_required);
        assert_eq!(out[0].spec.env, ["SSL_CERT_FILE", "SSL_CERT_DIR"]);
    }

    /// `$TZ` only picks `time.Local`; `time.LoadLocation` still needs the database, so the
    /// advice never offers it as a way out (issue 13, item 10).
    #[test]
    fn load_location_is_pointed_at_zoneinfo_not_tz() {
        let out = needs(&["time.LoadLocation", "main.main"]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].spec.kind, NeedKind::Zoneinfo);
        assert_eq!(out[0].spec.env, ["ZONEINFO"]);
    }

    #[test]
    fn embedded_data_satisfies_the_need() {
        let out = needs(&[
            "crypto/x509.initSystemRoots",
            "golang.org/x/crypto/x509roots/fallback.init.0",
            "time.LoadLocation",
            "time/tzdata.init.0",
        ]);
        assert!(out.iter().all(|n| !n.files_required), "{out:?}");
        assert_eq!(out[1].embedded_evidence, ["time/tzdata.init.0"]);
    }

    #[test]
    fn lookups_say_which_implementation_runs() {
        let out = needs(&["os/user.lookupUnixUid", "net.dnsReadConfig"]);
        assert_eq!(out[0].spec.kind, NeedKind::Passwd);
        assert_eq!(out[0].implementation, Some("cgo"));
        assert_eq!(out[1].implementation, Some("go"));
    }

    /// What CreateTemp-style callers leave in the function table (checked on Go 1.19, 1.21 and
    /// 1.27 builds): `ioutil.TempFile` and `ReadForm` inline into `os.CreateTemp` and `readForm`.
    #[test]
    fn temp_files_need_tmp() {
        let out = needs(&[
            "os.CreateTemp",
            "os.prefixAndSuffix",
            "mime/multipart.(*Reader).readForm",
            "net/http.(*Request).ParseMultipartForm",
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].spec.kind, NeedKind::Tmp);
        assert_eq!(
            out[0].evidence,
            ["os.CreateTemp", "mime/multipart.(*Reader).readForm"]
        );
        assert!(out[0].files_required);
        assert_eq!(out[0].spec.env, ["TMPDIR"]);
        for name in ["os.MkdirTemp", "io/ioutil.TempFile", "io/ioutil.TempDir"] {
            assert_eq!(needs(&[name])[0].spec.kind, NeedKind::Tmp, "{name}");
        }
    }

    /// A plain server or a program that only asks for the path: nothing (os.TempDir inlines).
    #[test]
    fn no_temp_file_no_need() {
        let server = [
            "net/http.(*Server).Serve",
            "net/http.(*conn).serve",
            "os.Getenv",
            "os.OpenFile",
            "mime.TypeByExtension",
        ];
        assert!(needs(&server).is_empty());
    }

    #[test]
    fn home_cache_and_config_dirs_need_home() {
        for name in ["os.UserHomeDir", "os.UserCacheDir", "os.UserConfigDir"] {
            let out = needs(&[name, "main.main"]);
            assert_eq!(out.len(), 1, "{name}");
            assert_eq!(out[0].spec.kind, NeedKind::Home);
            assert_eq!(out[0].evidence, [name]);
        }
    }

    /// os/user's pure-Go `current` calls os.UserHomeDir to fill `HomeDir` (lookup_stubs.go):
    /// that alone is GS503's, not a home the program writes.
    #[test]
    fn os_user_alone_does_not_need_home() {
        let out = needs(&["os/user.current", "os/user.Current", "os.UserHomeDir"]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].spec.kind, NeedKind::Passwd);
        let both = needs(&["os/user.current", "os.UserHomeDir", "os.UserCacheDir"]);
        assert_eq!(both[1].spec.kind, NeedKind::Home);
        assert_eq!(both[1].evidence, ["os.UserHomeDir", "os.UserCacheDir"]);
        // Without os/user, UserHomeDir is the program's own call.
        assert_eq!(needs(&["os.UserHomeDir"])[0].spec.kind, NeedKind::Home);
    }

    #[test]
    fn nothing_found_is_no_need() {
        assert!(needs(&["runtime.main", "time.initLocal"]).is_empty());
    }
}
