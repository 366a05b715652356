//! The rule registry: every rule gostatic knows, as data. IDs and slugs are stable and never
//! reused; `gostatic rules`, `gostatic explain`, `docs/rules.md` and SARIF rule metadata are
//! all rendered from this one table.

use serde::Serialize;

use super::Severity;

/// Which part of the question a rule answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Will it start on an empty image at all?
    Linking,
    /// Is it built the hardened way?
    Hardening,
    /// What does it carry that a release build should not?
    Debug,
    /// What its Go build says about it.
    GoBuild,
    /// Files the program opens at run time.
    Runtime,
    /// What a container image holds and how it starts (`gostatic image` only).
    Image,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Linking => "linking",
            Category::Hardening => "hardening",
            Category::Debug => "debug",
            Category::GoBuild => "go-build",
            Category::Runtime => "runtime",
            Category::Image => "image",
        }
    }
}

/// The registry entry of one rule.
#[derive(Debug, Serialize)]
pub struct RuleInfo {
    pub id: &'static str,
    pub slug: &'static str,
    pub severity: Severity,
    pub category: Category,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Why it matters, for `gostatic explain` and the SARIF help text.
    pub rationale: &'static str,
    /// How to fix it in general; each finding also carries a fix for its own case.
    pub fix: &'static str,
    /// What a finding shows as evidence.
    pub evidence: &'static str,
    /// What identifies a finding across rebuilds, besides the rule and the path: the evidence
    /// its `Finding::key` holds (the baseline and SARIF fingerprints match on it), or `none: ...`
    /// for a rule whose findings need no more than the rule and the place.
    pub key: &'static str,
    /// A realistic finding message, for `docs/rules.md`.
    pub example: &'static str,
}

macro_rules! registry {
    ($($variant:ident => $info:expr;)*) => {
        /// Every rule gostatic knows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($variant),* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            pub fn info(self) -> &'static RuleInfo {
                match self {
                    $(Rule::$variant => {
                        const INFO: RuleInfo = $info;
                        &INFO
                    }),*
                }
            }
        }
    };
}

use Category::*;
use Severity::*;

registry! {
    DynamicInterpreter => RuleInfo {
        id: "GS101", slug: "dynamic-interpreter", severity: Error, category: Linking,
        summary: "PT_INTERP requests an ELF interpreter (dynamic loader) that an empty image lacks",
        rationale: "The kernel starts a program with a PT_INTERP program header by first loading the interpreter it names (for glibc, /lib64/ld-linux-x86-64.so.2). On a FROM scratch image that file does not exist, so execve fails with ENOENT and the container dies with the baffling 'exec /server: no such file or directory', although /server is right there. Go binaries get one from cgo (the default when a C compiler is present and net or os/user is imported) and from -buildmode=pie, which asks for the loader even when it needs no library.",
        fix: "Build with CGO_ENABLED=0 (or -tags netgo,osusergo), drop -buildmode=pie or make it a static PIE (-buildmode=pie -ldflags='-linkmode=external -extldflags=-static-pie'), or use a base image that has the loader (distroless/base).",
        evidence: "the interpreter path from PT_INTERP",
        key: "the rule, the path and the interpreter path (PT_INTERP)",
        example: "requests the ELF interpreter /lib64/ld-linux-x86-64.so.2, which an empty image does not have",
    };
    NeededLibraries => RuleInfo {
        id: "GS102", slug: "needed-libraries", severity: Error, category: Linking,
        summary: "DT_NEEDED shared libraries must be present in the image",
        rationale: "Each DT_NEEDED entry in PT_DYNAMIC is a shared library the loader must find before main runs. An empty image has none of them, and a minimal one may lack some. A missing library stops the program before it prints anything.",
        fix: "Build with CGO_ENABLED=0 or link statically (-ldflags='-linkmode=external -extldflags=-static'); otherwise ship the libraries (distroless/base has glibc, distroless/cc adds libstdc++).",
        evidence: "the DT_NEEDED names, in load order",
        key: "the rule, the path and the DT_NEEDED names, sorted: a build that needs one more library is a new finding",
        example: "needs 1 shared library: libc.so.6",
    };
    NotLinux => RuleInfo {
        id: "GS103", slug: "not-linux", severity: Error, category: Linking,
        summary: "not an executable for Linux (PE, Mach-O, or an ELF for another OS)",
        rationale: "A container on Linux runs Linux ELF executables. A Windows PE, a macOS Mach-O or an ELF built for FreeBSD or another OS fails with 'exec format error'. This usually means GOOS was wrong in a cross build.",
        fix: "Build with GOOS=linux and the GOARCH of the target platform.",
        evidence: "the file format and the OS it targets (EI_OSABI, ABI notes)",
        key: "the rule, the path and the OS the ELF file targets (from EI_OSABI and its notes), or the format (pe, macho, macho-universal)",
        example: "Windows PE executable for x86-64: it cannot run on a Linux image",
    };
    Cgo => RuleInfo {
        id: "GS104", slug: "cgo", severity: Warning, category: Linking,
        summary: "cgo is linked in: the binary depends on a C library",
        rationale: "A cgo binary calls into C: usually libc for name resolution (getaddrinfo) and user lookup (getpwuid_r), which on glibc go through NSS and may load shared libraries at run time. Linked dynamically it needs the loader and libc; linked statically against glibc it still needs NSS modules for some calls. CGO_ENABLED=1 in the build settings only says cgo was allowed; gostatic reports cgo only when the runtime/cgo code is really in the binary.",
        fix: "Build with CGO_ENABLED=0, or with -tags netgo,osusergo if cgo is needed for something else.",
        evidence: "the functions that prove it (runtime/cgo, crosscall2, _cgo_panic, _cgo_topofstack) or a NEEDED libc",
        key: "the rule and the path alone",
        example: "cgo is linked in (CGO_ENABLED=1), linked dynamically: _cgo_topofstack, _cgo_panic, runtime/cgo.set_crosscall2 and 2 more; calls into C: main._Cfunc_greet",
    };
    StaticGlibcNss => RuleInfo {
        id: "GS105", slug: "static-glibc-nss", severity: Warning, category: Linking,
        summary: "statically linked glibc before 2.34 that calls NSS functions, which load shared libraries at run time",
        rationale: "glibc implements getaddrinfo, getpwnam and friends through NSS, which dlopens libnss_*.so modules named in /etc/nsswitch.conf. Before glibc 2.34 a statically linked glibc binary does that at run time even for the default files and dns modules, and needs them from the exact glibc version it was linked with; on scratch those lookups fail (glibc 2.31: 'No address associated with hostname' for a name in /etc/hosts). From 2.34 on the files and dns modules are built into libc, libc.a included, so a static binary resolves /etc/hosts, DNS and /etc/passwd on scratch and this rule stays silent; only other modules an image's /etc/nsswitch.conf names (systemd, sss, ldap, mymachines, resolve, myhostname) would still be loaded. The linker warning 'Using getaddrinfo in statically linked applications requires at runtime the shared libraries from the glibc version used for linking' is printed by both.",
        fix: "Build Go with CGO_ENABLED=0 or -tags netgo,osusergo; link C programs against musl or a glibc 2.34 or later; or use a base image with the same glibc (distroless/base-debian11 for glibc 2.31).",
        evidence: "the NSS entry points and glibc NSS internals found in the binary, without the built-in files and dns modules of glibc 2.34+",
        key: "the rule and the path alone",
        example: "statically linked glibc with NSS and no built-in files/dns modules (before 2.34; \"libnss_%s.so.%d.%d\", \"Illegal status in __nss_next\"): name and user lookups dlopen libnss_*.so from the build's glibc at run time",
    };
    Rpath => RuleInfo {
        id: "GS106", slug: "rpath", severity: Warning, category: Linking,
        summary: "DT_RPATH/DT_RUNPATH make the loader search build-specific directories",
        rationale: "RPATH and RUNPATH add directories to the loader's search path, usually paths of the build machine. They leak the build layout and, where those directories are writable at run time, let someone plant a library.",
        fix: "Link without -rpath (-Wl,-rpath), and install libraries where the image's loader looks.",
        evidence: "the DT_RPATH and DT_RUNPATH values",
        key: "the rule, the path and the DT_RPATH and DT_RUNPATH values",
        example: "DT_RUNPATH /home/ci/build/lib:$ORIGIN/../lib: the loader searches these directories first",
    };
    Script => RuleInfo {
        id: "GS107", slug: "script", severity: Error, category: Linking,
        summary: "a #! script: it runs only where its interpreter exists, which an empty image lacks",
        rationale: "The kernel starts a file beginning with #! by running the interpreter its first line names, with the script as an argument. On FROM scratch there is no /bin/sh, bash, python or env, so exec fails with 'no such file or directory' although the script is right there. A script entrypoint needs an image that ships its interpreter, or a rewrite as a program.",
        fix: "Ship a compiled program instead (or run the script's commands as the program's own code), or use a base image that has the interpreter (busybox or alpine for /bin/sh).",
        evidence: "the #! line: the interpreter and its argument",
        key: "the rule, the path and the interpreter",
        example: "a #! script for /bin/sh: an empty image has no interpreter to run it",
    };
    ExecStack => RuleInfo {
        id: "GS201", slug: "exec-stack", severity: Error, category: Hardening,
        summary: "the stack is executable (PT_GNU_STACK with PF_X, or no PT_GNU_STACK)",
        rationale: "The kernel maps the stack executable when the last PT_GNU_STACK has PF_X, or when there is none, which turns any stack overflow into code execution. Go's linker always asks for a non-executable stack; an executable one comes from a C or assembly object without a .note.GNU-stack section.",
        fix: "Link with -Wl,-z,noexecstack (for Go with external linking: -extldflags=-Wl,-z,noexecstack).",
        evidence: "the last PT_GNU_STACK's flags, or its absence",
        key: "the rule and the path alone",
        example: "the stack is executable: the last PT_GNU_STACK has PF_X",
    };
    WxSegment => RuleInfo {
        id: "GS202", slug: "wx-segment", severity: Error, category: Hardening,
        summary: "a PT_LOAD segment is both writable and executable",
        rationale: "A segment mapped writable and executable lets an attacker who can write memory run it. Modern linkers never produce one unless asked (-N, --omagic, odd linker scripts).",
        fix: "Link without -N/--omagic and with -z separate-code; find the object with an RWX section (readelf -lW).",
        evidence: "the indexes of the RWX PT_LOAD program headers",
        key: "the rule and the path alone (program header indexes move between builds)",
        example: "PT_LOAD program header 2 is both writable and executable (RWX)",
    };
    NoPie => RuleInfo {
        id: "GS203", slug: "no-pie", severity: Note, category: Hardening,
        summary: "the executable is not position independent (no ASLR for its image)",
        rationale: "An ET_EXEC binary is loaded at a fixed address, so its code and data do not move under ASLR. PIE matters for C and C++ code and for cgo programs. It is not applicable to a static pure-Go program (no cgo): Go's memory-safe runtime gains little, and a PIE that still runs on scratch (a static PIE) needs cgo and the external linker, which brings C in (GS104), so the advice would only lead round in a circle. A dynamic PIE cannot run on scratch, a static PIE can.",
        fix: "Compile with -fPIE and link with -pie (or -static-pie); for a cgo program, -buildmode=pie, or for scratch a static PIE: -buildmode=pie -ldflags='-linkmode=external -extldflags=-static-pie'.",
        evidence: "the ELF type and linking class",
        key: "the rule and the path alone",
        example: "static executable (ET_EXEC): loaded at a fixed address",
    };
    NoRelro => RuleInfo {
        id: "GS204", slug: "no-relro", severity: Note, category: Hardening,
        summary: "dynamic relocations are not fully read-only after start (no full RELRO)",
        rationale: "With full RELRO (PT_GNU_RELRO plus BIND_NOW) the loader resolves every symbol at start and makes the GOT read-only, so it cannot be overwritten to redirect calls. It only applies to binaries with PT_DYNAMIC; a static binary has nothing to relocate, and gostatic says so rather than flag it.",
        fix: "Link with -Wl,-z,relro,-z,now (for Go: -ldflags='-linkmode=external -extldflags=-Wl,-z,relro,-z,now').",
        evidence: "PT_GNU_RELRO and BIND_NOW (DT_BIND_NOW, DF_BIND_NOW, DF_1_NOW)",
        key: "the rule, the path and the RELRO level: partial or none",
        example: "partial RELRO: PT_GNU_RELRO without BIND_NOW, the GOT stays writable",
    };
    UpxPacked => RuleInfo {
        id: "GS205", slug: "upx-packed", severity: Warning, category: Hardening,
        summary: "the binary is UPX-packed: what it will really run cannot be inspected",
        rationale: "UPX compresses the program and unpacks it into writable, executable memory at start. That defeats W^X, slows start-up, increases memory use (the unpacked image is not shared between processes), trips malware scanners, and hides the real program from every tool, gostatic included: facts about the packed program (interpreter, libraries, Go build information) are not visible.",
        fix: "Ship the unpacked binary; -ldflags='-s -w' and -trimpath make it small without packing.",
        evidence: "UPX's pack header (version, format, method) and the sizes",
        key: "the rule and the path alone",
        example: "UPX-packed (pack format version 13, method lzma, 6.1 MiB unpacked): the program unpacks itself into writable, executable memory, and its interpreter, needed, go-buildinfo, go-pclntab, symbols, dwarf cannot be seen; these facts describe the unpacking stub",
    };
    Dwarf => RuleInfo {
        id: "GS301", slug: "dwarf", severity: Warning, category: Debug,
        summary: "DWARF debug information is left in the binary",
        rationale: "DWARF (.debug_*, Go's older .zdebug_*, or SHF_COMPRESSED sections) is never loaded at run time; it only costs image size and pull time, and reveals source paths and types. A Go service typically carries a few megabytes of it.",
        fix: "Build with -ldflags=\"-s -w\" (or strip --strip-debug); keep a separate debug file if you need one.",
        evidence: "the DWARF sections, their bytes on disk and uncompressed",
        key: "the rule and the path alone (sizes change with every build)",
        example: "DWARF left in: 8 sections, 609 KiB on disk, 1.2 MiB uncompressed; stripping would save 723 KiB in all",
    };
    Symtab => RuleInfo {
        id: "GS302", slug: "symtab", severity: Warning, category: Debug,
        summary: "the symbol table (.symtab/.strtab) is left in the binary",
        rationale: "The static symbol table is not used at run time (Go keeps its own function table, pclntab, for stack traces). It costs bytes and makes reverse engineering easier.",
        fix: "Build with -ldflags=\"-s -w\" (or strip --strip-all).",
        evidence: "the bytes of .symtab and its string table",
        key: "the rule and the path alone (sizes change with every build)",
        example: "symbol table left in: 114 KiB (.symtab/.strtab); stripping would save 723 KiB in all",
    };
    BuildPaths => RuleInfo {
        id: "GS401", slug: "build-paths", severity: Warning, category: GoBuild,
        summary: "absolute paths of the build machine are embedded in the binary",
        rationale: "Without -trimpath the Go toolchain records the absolute path of every source file (GOROOT, the module cache, the checkout, often a user's home directory) in the function table, which -s -w does not remove, and in DWARF. They leak the build machine's layout and user names and make builds irreproducible across machines.",
        fix: "Build with -trimpath (go build -trimpath, or GOFLAGS=-trimpath).",
        evidence: "how many absolute paths, up to three examples, where they were found, and the -trimpath build setting",
        key: "the rule and the path alone (the example paths move with the code and the checkout)",
        example: "223 absolute build paths in the function table, e.g. /home/ci/src/server/main.go, /usr/local/go/src/errors/errors.go, /usr/local/go/src/errors/wrap.go; no -trimpath in the build settings",
    };
    GoUnsupported => RuleInfo {
        id: "GS402", slug: "go-unsupported", severity: Warning, category: GoBuild,
        summary: "built by a Go toolchain that no longer gets security fixes",
        rationale: "Each Go minor release gets security fixes until two newer minors are out. The standard library is compiled into every Go binary, so a binary built with an unsupported toolchain keeps its known vulnerabilities (crypto/tls, net/http, ...) until it is rebuilt. gostatic judges from a release table built into it, whose date it prints.",
        fix: "Rebuild with a supported Go release (one of the two newest minors).",
        evidence: "the Go version, its support status, and the release table's date",
        key: "the rule, the path and the Go release line (go1.19 for go1.19.13), or the version range read from the function table: a patch release of the same line is the same finding",
        example: "built with go1.23.9, out of security support since 2025-08-12; supported: 1.26, 1.27 (release table as of 2026-11-22)",
    };
    VcsModified => RuleInfo {
        id: "GS403", slug: "vcs-modified", severity: Note, category: GoBuild,
        summary: "built from a working tree with uncommitted changes",
        rationale: "The build settings vcs.modified=true mean the binary was built from changes no commit holds: vcs.revision does not describe it, and nobody can rebuild it.",
        fix: "Build from a clean checkout (in CI, from the commit).",
        evidence: "the vcs, vcs.revision and vcs.modified build settings",
        key: "the rule and the path alone (the revision changes with every commit)",
        example: "built from a git working tree with uncommitted changes at revision 80ecbc491e60409aa5935facce585d81664ecf1a (vcs.modified=true)",
    };
    NoBuildinfo => RuleInfo {
        id: "GS404", slug: "no-buildinfo", severity: Note, category: GoBuild,
        summary: "a Go binary without readable build information",
        rationale: "Since Go 1.13 the linker embeds the toolchain version, the module list and (1.18+) the build settings. Without them, scanners cannot tell which modules and Go version are inside, so vulnerability scanning misses the binary. It is removed on purpose by some obfuscators, lost with GOPATH-mode builds, and absent in toolchains older than 1.13.",
        fix: "Build in module mode with a current Go toolchain and do not strip .go.buildinfo.",
        evidence: "how the binary was recognised as Go (pclntab, Go build ID), and the Go version gostatic still found and how: the runtime.buildVersion symbol, the DWARF producer, or the runtime's version string through its string header (GS402 judges that version)",
        key: "the rule and the path alone",
        example: "Go binary (a Go 1.20+ function table) but no build information (.go.buildinfo) was found; the runtime's version string says go1.26.5",
    };
    LocalReplace => RuleInfo {
        id: "GS405", slug: "local-replace", severity: Note, category: GoBuild,
        summary: "a module is replaced by a local directory",
        rationale: "A replace directive pointing at a directory (=> ../fork) builds code that exists only on the build machine: no version, no checksum, not reproducible, and invisible to vulnerability databases.",
        fix: "Publish the fork and replace with a module version, or remove the replace before release.",
        evidence: "the replaced module and the directory",
        key: "the rule, the path and the replaced module paths, sorted (not the directories they point at)",
        example: "module replaced by a local directory: example.com/greeting => ../greeting",
    };
    CpuLevel => RuleInfo {
        id: "GS406", slug: "cpu-level", severity: Note, category: GoBuild,
        summary: "built for a CPU microarchitecture level above the architecture's baseline",
        rationale: "GOAMD64=v2..v4 and GOARM64=v8.1+ let the compiler use newer instructions. The runtime checks the CPU before main: an amd64 program built for v3 on a CPU without AVX2 prints 'This program can only be run on AMD64 processors with v3 microarchitecture support.' and exits, so the image works on new hosts and fails on older ones in the same fleet. Some distributions now default GOAMD64 to v3. In `check` this is a note; in an image whose platform variant is lower (linux/amd64/v2 for a v3 program) it is an error. `[cpu-level]` in gostatic.toml sets the fleet's minimum instead of the baseline: a program at or below it is not reported, one above it is an error. GOARM=7 is arm's baseline (the OCI default), and GO386 has no platform variant.",
        fix: "Build with GOAMD64=v1 (GOARM64=v8.0) to run on every CPU, or publish the image with the platform variant the program needs (linux/amd64/v3) and run it only there.",
        evidence: "the setting (GOAMD64=v3) and where it was read: the buildinfo settings, or without buildinfo the runtime's own start-up check message (amd64 only)",
        key: "the rule, the path and the setting (GOAMD64=v3)",
        example: "built with GOAMD64=v3 (buildinfo): it refuses to start on amd64 CPUs below v3 (\"This program can only be run on AMD64 processors with v3 microarchitecture support.\")",
    };
    CpuQuota => RuleInfo {
        id: "GS407", slug: "cpu-quota", severity: Note, category: GoBuild,
        summary: "GOMAXPROCS will follow the node's CPU count, not the container's CPU limit",
        rationale: "Since Go 1.25 the runtime sets GOMAXPROCS from the cgroup CPU limit; before that, and whenever the default GODEBUG has containermaxprocs=0 (a Go 1.25+ toolchain building a module whose go.mod says go 1.24 or older), it is the node's CPU count. A pod limited to 2 CPUs on a 64-core node then runs 64 threads of Go code against a 2-CPU quota and is throttled, with long tail latencies.",
        fix: "Build with Go 1.25 or newer and go 1.25 or later in go.mod; or import _ \"go.uber.org/automaxprocs\"; or set GOMAXPROCS in the container's environment.",
        evidence: "the Go version, or containermaxprocs=0 in DefaultGODEBUG",
        key: "the Go release line (`go1.24`), or `containermaxprocs=0`",
        example: "GOMAXPROCS will be the node's CPU count, not the container's CPU limit: built with go1.24.9, before Go 1.25 made GOMAXPROCS follow it",
    };
    NeedsCaCertificates => RuleInfo {
        id: "GS501", slug: "needs-ca-certificates", severity: Note, category: Runtime,
        summary: "verifies TLS with the system roots, and has no embedded fallback roots",
        rationale: "crypto/x509 loads the system roots from /etc/ssl/certs/ca-certificates.crt and other well-known paths. On scratch none exists, SystemCertPool returns an empty pool without an error, and every TLS connection later fails with 'x509: certificate signed by unknown authority'. In `check` this is advice for the Dockerfile; in an image it is an error when no bundle is present.",
        fix: "COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ , or embed roots: import _ \"golang.org/x/crypto/x509roots/fallback\".",
        evidence: "the crypto/x509 functions that load system roots",
        key: "the rule and the path alone",
        example: "verifies TLS certificates with the system roots and embeds no fallback roots (crypto/x509.systemRootsPool, crypto/x509.initSystemRoots, crypto/x509.loadSystemRoots and 1 more): on scratch it needs /etc/ssl/certs/ca-certificates.crt (or set SSL_CERT_FILE/SSL_CERT_DIR)",
    };
    NeedsZoneinfo => RuleInfo {
        id: "GS502", slug: "needs-zoneinfo", severity: Note, category: Runtime,
        summary: "loads time zones by name, and has no embedded time zone database",
        rationale: "time.LoadLocation reads $ZONEINFO, then /usr/share/zoneinfo and a few other paths. On scratch they are missing and LoadLocation(\"Europe/Paris\") returns an error; only UTC and Local work, and Local silently falls back to UTC.",
        fix: "import _ \"time/tzdata\" (or build with -tags timetzdata), or COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo.",
        evidence: "the time zone loading functions",
        key: "the rule and the path alone",
        example: "loads time zones by name and embeds no time zone database (time.LoadLocation): on scratch it needs /usr/share/zoneinfo (or set ZONEINFO)",
    };
    NeedsPasswd => RuleInfo {
        id: "GS503", slug: "needs-passwd", severity: Note, category: Runtime,
        summary: "looks up users or groups (os/user), which reads /etc/passwd and /etc/group",
        rationale: "os/user parses /etc/passwd and /etc/group (pure Go) or asks libc (cgo), which reads the same files. On scratch they do not exist: user.Current fails unless $USER and $HOME are set, and lookups by name fail.",
        fix: "Ship a minimal /etc/passwd and /etc/group with the run user (COPY --from=build /etc/passwd /etc/group /etc/).",
        evidence: "the os/user functions",
        key: "the rule and the path alone",
        example: "looks up users or groups (os/user.Current, os/user.current, os/user.readColonFile and 3 more): on scratch it needs /etc/passwd and /etc/group (or set USER/HOME)",
    };
    MissingLibraries => RuleInfo {
        id: "GS504", slug: "missing-libraries", severity: Error, category: Image,
        summary: "the loader or a NEEDED library of an executable is not in the image",
        rationale: "A dynamic executable starts only if the kernel finds its PT_INTERP loader and the loader finds every DT_NEEDED library, searched the way ld.so does: DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH (with $ORIGIN), the ld.so.conf cache directories, then the default paths (musl reads /etc/ld-musl-ARCH.path instead). A library of the wrong class or machine is skipped. Anything missing makes the container die at start, often with the misleading 'no such file or directory'.",
        fix: "Build statically (CGO_ENABLED=0), or copy the missing loader and libraries into the image, or base the image on one that has them (distroless/base for glibc).",
        evidence: "the executable, the missing file, and where the loader looked",
        key: "the rule, the executable's path in the image and the missing file (the library name, or the loader's path): each missing file is a finding",
        example: "/server needs libc.so.6, which is not in the image (searched /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64, /usr/lib64, /lib, /usr/lib)",
    };
    SymbolVersions => RuleInfo {
        id: "GS505", slug: "symbol-versions", severity: Error, category: Image,
        summary: "an executable or one of its libraries needs a symbol version its library in the image does not define",
        rationale: "A program linked against a newer glibc records the symbol versions it uses (DT_VERNEED: GLIBC_2.34 from libc.so.6, GLIBCXX_3.4.30 from libstdc++.so.6). Before it runs, ld.so checks each against the versions the library it loaded defines (DT_VERDEF) and stops with \"version `GLIBC_2.34' not found\" when one is missing: the commonest way a cgo or C++ program built on a new distribution fails in an older base image. A library without version definitions, and a need marked weak, only draw a warning from ld.so, and musl does not check versions at all; neither is reported.",
        fix: "Build against the glibc of the final image (an older builder image, or the same distribution release), or use a base image whose glibc is at least the version needed (gcr.io/distroless/base-debian12 has glibc 2.36, base-debian13 2.41, the debian11 variants 2.31), or build statically (CGO_ENABLED=0).",
        evidence: "the executable (or library) that needs the version, the version, the library it resolves to in the image, and the newest version that library defines",
        key: "the rule, the executable's path in the image, the library and the version: each unmet version is a finding",
        example: "/app/cgohello needs GLIBC_2.34 from libc.so.6; the image's libc.so.6 (/lib/x86_64-linux-gnu/libc.so.6, glibc 2.31) defines up to GLIBC_2.30",
    };
    NeedsTmp => RuleInfo {
        id: "GS506", slug: "needs-tmp", severity: Note, category: Runtime,
        summary: "creates temporary files (os.CreateTemp, os.MkdirTemp, multipart forms spilling to disk), which needs a writable /tmp",
        rationale: "os.CreateTemp and os.MkdirTemp with an empty dir use os.TempDir: $TMPDIR, else /tmp. A FROM scratch image has no /tmp, so they fail with 'open /tmp/...: no such file or directory'; a net/http server that parses forms (FormValue, ParseMultipartForm) spills every file part over its memory limit there, and the upload fails. The directory must also be writable by the run user: mode 1777, or owned by the user. In `check` this is advice for the Dockerfile; in an image it is an error when neither /tmp nor $TMPDIR is a directory the user may write.",
        fix: "Give the final stage a writable /tmp: COPY --from=build --chmod=1777 /tmp /tmp (BuildKit), or set TMPDIR to a directory the user owns.",
        evidence: "the functions that create temporary files, and in an image what /tmp (or $TMPDIR) is",
        key: "the rule and the path alone",
        example: "creates temporary files (os.CreateTemp, mime/multipart.(*Reader).readForm): on scratch it needs a /tmp the user may write (or set TMPDIR)",
    };
    NeedsHome => RuleInfo {
        id: "GS507", slug: "needs-home", severity: Note, category: Runtime,
        summary: "uses the home, cache or config directory (os.UserHomeDir, os.UserCacheDir, os.UserConfigDir), which must be writable",
        rationale: "os.UserHomeDir is $HOME; os.UserCacheDir is $XDG_CACHE_HOME, else $HOME/.cache, and os.UserConfigDir $XDG_CONFIG_HOME, else $HOME/.config. When the config sets no HOME, the runtime (runc's init) sets it to the user's home in /etc/passwd, or / when the user has no line there. On FROM scratch that is / (or a home directory the image lacks), which a non-root user cannot write, so the first cache write fails with 'mkdir //.cache: permission denied' (HOME=/ plus /.cache). os/user's pure-Go Current also calls os.UserHomeDir, only to fill in a field: that alone is not reported.",
        fix: "Make the directory in the final stage and own it by the run user (USER, then WORKDIR /home/nonroot with BuildKit), and set ENV HOME (or XDG_CACHE_HOME/XDG_CONFIG_HOME) to it when /etc/passwd does not give it.",
        evidence: "the functions that use the directories, and in an image the HOME the runtime sets and what it is",
        key: "the rule and the path alone",
        example: "uses the home or cache directory (os.UserCacheDir): on scratch it needs a HOME the user may write (or set HOME/XDG_CACHE_HOME/XDG_CONFIG_HOME)",
    };
    HostsOrder => RuleInfo {
        id: "GS508", slug: "hosts-order", severity: Note, category: Runtime,
        summary: "a Go program before 1.16 resolves names in an image without /etc/nsswitch.conf, so it asks DNS before /etc/hosts",
        rationale: "Without /etc/nsswitch.conf, Go's resolver before 1.16 assumed glibc's old default order and queried DNS first (golang/go#35305, changed in Go 1.16): names from /etc/hosts, docker run --add-host or Kubernetes hostAliases resolve to whatever DNS says, or wait for a DNS timeout first. Scratch and distroless images have no nsswitch.conf.",
        fix: "Add an /etc/nsswitch.conf holding the line 'hosts: files dns' to the final stage, or rebuild with Go 1.16 or newer.",
        evidence: "the program, its Go version, and the missing /etc/nsswitch.conf",
        key: "the rule and the program's path in the image",
        example: "built with go1.15.15, it resolves names and the image has no /etc/nsswitch.conf: its resolver asks DNS before /etc/hosts",
    };
    RootUser => RuleInfo {
        id: "GS601", slug: "root-user", severity: Warning, category: Image,
        summary: "the image runs as root",
        rationale: "With no USER (or USER 0/root) the entrypoint runs as uid 0 in the container. A compromise of the program is then a compromise as root, one kernel bug away from the host. Go services almost never need root.",
        fix: "Add a non-root user: USER 65532:65532 (distroless's nonroot), and ship an /etc/passwd entry for it if the program looks users up.",
        evidence: "the config's User field",
        key: "the rule and the image alone (its name when the archive holds several; never its digest)",
        example: "the image runs as root (no USER in the config)",
    };
    UnknownUser => RuleInfo {
        id: "GS602", slug: "unknown-user", severity: Error, category: Image,
        summary: "USER names a user or group that /etc/passwd or /etc/group lacks",
        rationale: "A USER given by name must resolve in the image's /etc/passwd (and a group in /etc/group), or the container runtime refuses to start the container ('unable to find user app'). Numeric IDs need no entry to start, but programs that look themselves up (os/user) still fail.",
        fix: "Use numeric IDs (USER 65532:65532) or add the user and group to /etc/passwd and /etc/group in the final stage.",
        evidence: "the User field and what /etc/passwd and /etc/group hold",
        key: "the rule, the image and `user NAME` or `group NAME`",
        example: "USER app is not in /etc/passwd (the image has no /etc/passwd)",
    };
    Entrypoint => RuleInfo {
        id: "GS603", slug: "entrypoint", severity: Error, category: Image,
        summary: "the entrypoint is missing, not executable, or needs a shell the image lacks",
        rationale: "The runtime execs Entrypoint followed by Cmd. If neither is set, the file does not exist (after resolving symlinks inside the image, and PATH and WorkingDir for a relative name), is not executable, or the command is in shell form (/bin/sh -c ...) on an image without /bin/sh, the container cannot start.",
        fix: "Use the exec form with an absolute path: ENTRYPOINT [\"/server\"], and make sure the file is in the final stage with its executable bit.",
        evidence: "the Entrypoint and Cmd, and what the path resolves to in the image",
        key: "the rule and the path in the image it is about (none for an image without a command)",
        example: "ENTRYPOINT [\"/bin/sh\", \"-c\", \"/server\"] needs /bin/sh, which the image does not have",
    };
    ArchMismatch => RuleInfo {
        id: "GS604", slug: "arch-mismatch", severity: Error, category: Image,
        summary: "an executable's machine, class or byte order differs from the image's platform",
        rationale: "An image for linux/amd64 whose binary was built for arm64 fails with 'exec format error' on start (or runs slowly under emulation). It usually means GOARCH was not set in a cross build, or the wrong binary was copied into a multi-platform build.",
        fix: "Build with GOOS/GOARCH (and GOARM) matching the image platform, e.g. GOARCH=$TARGETARCH in a buildx Dockerfile.",
        evidence: "the executable's ELF machine, class and byte order, and the image platform",
        key: "the rule, the executable's path in the image and its ELF machine, or `GOARM=N` for an ARM level above the platform's",
        example: "/server is aarch64 (ELF64, little-endian), but the image platform is linux/amd64",
    };
    ShellPresent => RuleInfo {
        id: "GS605", slug: "shell-present", severity: Note, category: Image,
        summary: "the image contains a shell",
        rationale: "A shell in a production image is what an attacker who gets code execution uses next, and it is rarely needed by a Go service. Images without one (scratch, distroless) shrink the attack surface.",
        fix: "Build the final stage FROM scratch or distroless and copy only the binary and the files it needs.",
        evidence: "the shells found (/bin/sh, /bin/bash, busybox...)",
        key: "the rule and the image alone (its name when the archive holds several; never its digest)",
        example: "shells in the image: /bin/bash, /bin/sh -> dash",
    };
    PackageManager => RuleInfo {
        id: "GS606", slug: "package-manager", severity: Note, category: Image,
        summary: "the image contains a package manager",
        rationale: "apt, apk, dnf and friends in the final image let anyone inside the container install tools, and their databases pull every package into vulnerability scans. A Go service needs none of them at run time.",
        fix: "Use a multi-stage build whose final stage is FROM scratch or distroless.",
        evidence: "the package managers found",
        key: "the rule and the image alone (its name when the archive holds several; never its digest)",
        example: "package managers in the image: /usr/bin/apt, /usr/bin/dpkg",
    };
    Setuid => RuleInfo {
        id: "GS607", slug: "setuid", severity: Warning, category: Image,
        summary: "setuid or setgid files in the image",
        rationale: "A setuid or setgid executable runs with its owner's or group's rights whatever user starts it: the classic local privilege escalation path. A Go service image should have none.",
        fix: "Remove them in the final stage (or chmod u-s,g-s), or build FROM scratch.",
        evidence: "each file with its mode and owner",
        key: "the rule and the setuid file's path in the image",
        example: "/usr/bin/passwd is setuid root (-rwsr-xr-x 0:0)",
    };
    WastedBytes => RuleInfo {
        id: "GS608", slug: "wasted-bytes", severity: Note, category: Image,
        summary: "bytes in lower layers that later layers overwrite or delete",
        rationale: "A file deleted or replaced in a later layer still ships in the lower one: every pull downloads it and every node stores it. Build caches, package lists removed in a separate RUN, and binaries copied twice are the usual cause.",
        fix: "Delete files in the same RUN that creates them, or use a multi-stage build and copy only what the final stage needs.",
        evidence: "the bytes wasted, per layer, with the largest paths",
        key: "the rule and the image alone (its name when the archive holds several; never its digest)",
        example: "48.2 MiB in lower layers is overwritten or deleted later (largest: /var/lib/apt/lists/ 41.0 MiB in layer 2)",
    };
    ToolchainInImage => RuleInfo {
        id: "GS609", slug: "toolchain-in-image", severity: Warning, category: Image,
        summary: "a Go toolchain or a C compiler is in the final image",
        rationale: "A compiler in the runtime image means the build happened in a single stage: the image is hundreds of megabytes larger than it needs to be and carries tools an attacker can use.",
        fix: "Use a multi-stage build: compile in a golang image, then COPY --from=build only the binary into a scratch or distroless final stage.",
        evidence: "the toolchain files found (/usr/local/go/bin/go, gcc, cc1...)",
        key: "the rule and the toolchain's path in the image (its go, or its first compiler)",
        example: "Go toolchain in the image: /usr/local/go/bin/go (go1.27.3)",
    };
    SourceInImage => RuleInfo {
        id: "GS610", slug: "source-in-image", severity: Warning, category: Image,
        summary: "Go sources, go.mod or a Go build cache are in the final image",
        rationale: "Source files, go.mod/go.sum and the build cache (/root/.cache/go-build) in the runtime image leak code and dependencies and add size; they are the sign of COPY . . into a single-stage image.",
        fix: "Use a multi-stage build and copy only the binary; add a .dockerignore.",
        evidence: "how many source files, the go.mod files and build caches found",
        key: "the rule and the image alone (its name when the archive holds several; never its digest)",
        example: "Go sources in the image: 214 .go files, /app/go.mod, /root/.cache/go-build (12.1 MiB)",
    };
    NamedUser => RuleInfo {
        id: "GS611", slug: "named-user", severity: Warning, category: Image,
        summary: "USER is a name, not a number, so Kubernetes runAsNonRoot cannot verify it",
        rationale: "With runAsNonRoot (the restricted Pod Security Standard requires it) the kubelet must prove before start that the user is not root, from the image config alone: the CRI passes a numeric USER as a uid, a name only as a name, and the kubelet refuses the container with 'container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root' (CreateContainerConfigError) unless the pod sets runAsUser. Only the part before ':' counts; a group name is fine.",
        fix: "Write USER as numbers (USER 65532:65532), the ids /etc/passwd gives the name; or set runAsUser in the pod spec.",
        evidence: "USER as configured, and its ids from the image's /etc/passwd when it has the name",
        key: "the rule and the user name",
        example: "USER app is a name: Kubernetes runAsNonRoot cannot verify it is not root and refuses the pod (1000:1000 by number)",
    };
    HighIds => RuleInfo {
        id: "GS612", slug: "high-ids", severity: Warning, category: Image,
        summary: "layer entries owned by a uid or gid above 65535, which rootless runtimes cannot map",
        rationale: "Rootless Podman and Docker map the container's ids 1-65536 onto the user's /etc/subuid range (65536 ids by default), and Kubernetes user namespaces (hostUsers: false) give a pod 65536 ids: an entry owned by a larger id cannot be created, and the pull or the start fails ('potentially insufficient UIDs or GIDs available in user namespace ... lchown: invalid argument'). Every layer is extracted, so an entry a later layer deletes still counts. The usual cause is a tarball or COPY carrying the build machine's ids.",
        fix: "Give the files small ids where they are made (COPY --chown=65532:65532, tar --owner=0 --group=0 --numeric-owner, chown in the same RUN).",
        evidence: "the entries, up to 3 examples with their ids, and the largest uid and gid",
        key: "the rule and the image alone (its name when the archive holds several; never its digest)",
        example: "4 layer entries are owned by ids above 65535 (largest uid 100999, gid 100999): /app/server 100999:100999 in layer 2, /app 100999:100999 in layer 2, ...",
    };
    FileCapabilities => RuleInfo {
        id: "GS613", slug: "file-capabilities", severity: Note, category: Image,
        summary: "files carrying Linux file capabilities (security.capability)",
        rationale: "A file capability (setcap cap_net_bind_service=ep) is privilege granted at exec, like a narrow setuid bit: it needs privilege escalation allowed (Kubernetes allowPrivilegeEscalation: false keeps the process from gaining it), and when the effective bit is set and the container's bounding set lacks one of the capabilities (capabilities: drop: [ALL]) the kernel refuses the exec with 'operation not permitted'. Some builders drop the attribute on COPY (moby#20435, buildkit#2250), so it may not survive into the final stage at all.",
        fix: "Prefer a capability the process does not need at exec: listen on a port above 1023, or grant it in the pod spec (securityContext.capabilities.add) instead of on the file.",
        evidence: "each file and its capabilities as getcap writes them",
        key: "the rule and the file's path in the image",
        example: "/server has file capabilities cap_net_bind_service=ep",
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_complete() {
        for rule in Rule::ALL {
            let info = rule.info();
            for (field, text) in [
                ("summary", info.summary),
                ("rationale", info.rationale),
                ("fix", info.fix),
                ("evidence", info.evidence),
                ("example", info.example),
            ] {
                assert!(!text.trim().is_empty(), "{} has no {field}", info.id);
                assert!(!text.contains('\n'), "{} {field} spans lines", info.id);
            }
        }
    }
}
