//! Where a dynamic loader looks for libraries inside an image: the directories of
//! `/etc/ld.so.conf` and its `include` globs (what `ldconfig` writes into `/etc/ld.so.cache`),
//! musl's `/etc/ld-musl-ARCH.path`, the built-in default directories, and the dynamic string
//! tokens of DT_RPATH/DT_RUNPATH/LD_LIBRARY_PATH entries (`$ORIGIN`, `$LIB`, `$PLATFORM`).
//!
//! Follows glibc `elf/dl-load.c` (`_dl_map_object`, `expand_dynamic_string_token`),
//! `elf/ldconfig.c` (`parse_conf`, `parse_conf_include`) and musl `ldso/dynlink.c`
//! (`load_library`, `fixup_rpath`). The default directories are the union of what Debian's
//! multiarch glibc (`/lib/<tuple>`, `/usr/lib/<tuple>`) and Fedora's (`/lib64`, `/usr/lib64`)
//! build in, then `/lib`, `/usr/lib`; a library of the wrong class in one of them is skipped
//! anyway, as ld.so skips it.

use std::collections::HashSet;

use crate::image::{Tree, path};

/// Includes nested deeper than this are ignored (ldconfig has no limit; a loop would hang it).
const MAX_INCLUDE_DEPTH: usize = 8;

/// Which C library's loader does the search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Flavor {
    Glibc,
    /// musl, with the architecture its loader is named for (`x86_64` in `ld-musl-x86_64.so.1`).
    Musl(String),
}

impl Flavor {
    /// From the PT_INTERP path: `ld-musl-ARCH.so.1` is musl, anything else is taken as glibc.
    pub(super) fn of(interpreter: Option<&str>) -> Flavor {
        let base = interpreter.and_then(|i| i.rsplit('/').next()).unwrap_or("");
        match base
            .strip_prefix("ld-musl-")
            .and_then(|rest| rest.strip_suffix(".so.1"))
        {
            Some(arch) => Flavor::Musl(arch.to_string()),
            None => Flavor::Glibc,
        }
    }
}

/// Debian multiarch tuples for a Go architecture name.
fn multiarch(arch: Option<&str>) -> &'static [&'static str] {
    match arch {
        Some("amd64") => &["x86_64-linux-gnu"],
        Some("386") => &["i386-linux-gnu"],
        Some("arm64") => &["aarch64-linux-gnu"],
        Some("arm") => &["arm-linux-gnueabihf", "arm-linux-gnueabi"],
        Some("ppc64le") => &["powerpc64le-linux-gnu"],
        Some("ppc64") => &["powerpc64-linux-gnu"],
        Some("s390x") => &["s390x-linux-gnu"],
        Some("riscv64") => &["riscv64-linux-gnu"],
        Some("mips64le") => &["mips64el-linux-gnuabi64"],
        Some("mips64") => &["mips64-linux-gnuabi64"],
        Some("mipsle") => &["mipsel-linux-gnu"],
        Some("mips") => &["mips-linux-gnu"],
        Some("loong64") => &["loongarch64-linux-gnu"],
        _ => &[],
    }
}

/// glibc's built-in search directories for a program of this architecture and class.
pub(super) fn glibc_defaults(arch: Option<&str>, is_64: bool) -> Vec<String> {
    let mut dirs = Vec::new();
    for tuple in multiarch(arch) {
        dirs.push(format!("/lib/{tuple}"));
        dirs.push(format!("/usr/lib/{tuple}"));
    }
    if is_64 {
        dirs.push("/lib64".into());
        dirs.push("/usr/lib64".into());
    }
    dirs.push("/lib".into());
    dirs.push("/usr/lib".into());
    dirs
}

/// musl's system path: `/etc/ld-musl-ARCH.path` (entries separated by `:` or newlines) when
/// the image has it, else `/lib:/usr/local/lib:/usr/lib`.
pub(super) fn musl_defaults(tree: &Tree, arch: &str) -> Vec<String> {
    match tree.read_small(&format!("/etc/ld-musl-{arch}.path")) {
        Some(bytes) => String::from_utf8_lossy(bytes)
            .split([':', '\n'])
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(path::normalise_clamped)
            .collect(),
        None => vec!["/lib".into(), "/usr/local/lib".into(), "/usr/lib".into()],
    }
}

/// The directories `/etc/ld.so.conf` lists, includes expanded in order, as `ldconfig` reads
/// them. Only kept small files can be read: `/etc/ld.so.conf` and `/etc/ld.so.conf.d/*`.
pub(super) fn ld_so_conf(tree: &Tree) -> Vec<String> {
    let mut dirs = Vec::new();
    let mut seen = HashSet::new();
    parse_conf(tree, "/etc/ld.so.conf", 0, &mut seen, &mut dirs);
    dedup(dirs)
}

fn parse_conf(
    tree: &Tree,
    file: &str,
    depth: usize,
    seen: &mut HashSet<String>,
    dirs: &mut Vec<String>,
) {
    if depth > MAX_INCLUDE_DEPTH || !seen.insert(file.to_string()) {
        return;
    }
    let Some(bytes) = tree.read_small(file) else {
        return;
    };
    let text = String::from_utf8_lossy(bytes);
    let here = path::split(file).map_or("/", |(dir, _)| dir).to_string();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = keyword(line, "include") {
            for pattern in rest.split_whitespace() {
                let pattern = super::lookup::absolute(pattern, &here);
                for included in glob(tree, &pattern) {
                    parse_conf(tree, &included, depth + 1, seen, dirs);
                }
            }
        } else if keyword(line, "hwcap").is_none() {
            // Old ldconfig allowed several directories per line and `dir=TYPE`.
            for dir in line.split([' ', '\t', ':', ',']).filter(|d| !d.is_empty()) {
                let dir = dir.split('=').next().unwrap_or(dir);
                if dir.starts_with('/') {
                    dirs.push(path::normalise_clamped(dir));
                }
            }
        }
    }
}

/// `line` without a leading keyword and the blank after it.
fn keyword<'a>(line: &'a str, word: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(word)?;
    rest.starts_with([' ', '\t']).then(|| rest.trim_start())
}

/// The files a glob names, in byte order, as `glob(3)` returns them. Wildcards are honoured
/// in the last component only, which is how every ld.so.conf include is written.
fn glob(tree: &Tree, pattern: &str) -> Vec<String> {
    let pattern = path::normalise_clamped(pattern);
    let Some((dir, base)) = path::split(&pattern) else {
        return Vec::new();
    };
    if !base.contains(['*', '?', '[']) {
        return vec![pattern];
    }
    let Ok(matcher) = globset::GlobBuilder::new(base)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher())
    else {
        return Vec::new();
    };
    let Some((real_dir, _)) = tree.resolve(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = tree
        .descendants(&real_dir)
        .filter_map(|(p, _)| {
            let name = p.strip_prefix(&real_dir)?.trim_start_matches('/');
            (!name.contains('/') && matcher.is_match(name)).then(|| path::join(dir, name))
        })
        .collect();
    out.sort();
    out
}

/// What a DT_RPATH/DT_RUNPATH/LD_LIBRARY_PATH entry stands for, as directories.
pub(super) struct Tokens<'a> {
    /// The directory of the object whose entry it is (`$ORIGIN`).
    pub origin: &'a str,
    /// Where a relative entry starts (the container's working directory).
    pub cwd: &'a str,
    pub arch: Option<&'a str>,
    pub is_64: bool,
    pub flavor: &'a Flavor,
}

impl Tokens<'_> {
    /// The directories one entry names: several when `$LIB` has several plausible values;
    /// none when it holds a token the loader does not know (ld.so drops such entries).
    pub(super) fn expand(&self, entry: &str) -> Vec<String> {
        let entry = if entry.is_empty() { "." } else { entry };
        let with_origin = replace_token(entry, "ORIGIN", self.origin);
        let mut out = Vec::new();
        let glibc = *self.flavor == Flavor::Glibc;
        let libs = if glibc && has_token(&with_origin, "LIB") {
            let mut libs: Vec<String> = multiarch(self.arch)
                .iter()
                .map(|t| format!("lib/{t}"))
                .collect();
            if self.is_64 {
                libs.push("lib64".into());
            }
            libs.push("lib".into());
            libs
        } else {
            vec![String::new()]
        };
        for lib in libs {
            let mut dir = replace_token(&with_origin, "LIB", &lib);
            if glibc {
                dir = replace_token(&dir, "PLATFORM", platform(self.arch));
            }
            if dir.contains('$') {
                continue;
            }
            out.push(path::normalise_clamped(&super::lookup::absolute(
                &dir, self.cwd,
            )));
        }
        out
    }
}

fn has_token(text: &str, name: &str) -> bool {
    text.contains(&format!("${name}")) || text.contains(&format!("${{{name}}}"))
}

fn replace_token(text: &str, name: &str, value: &str) -> String {
    text.replace(&format!("${{{name}}}"), value)
        .replace(&format!("${name}"), value)
}

/// `AT_PLATFORM` as the kernel reports it for each architecture (glibc's `$PLATFORM`).
fn platform(arch: Option<&str>) -> &'static str {
    match arch {
        Some("amd64") => "x86_64",
        Some("386") => "i686",
        Some("arm64") => "aarch64",
        Some("arm") => "v7l",
        Some("ppc64le") => "ppc64le",
        Some("ppc64") => "ppc64",
        Some("s390x") => "s390x",
        Some("riscv64") => "riscv64",
        Some("mips64le") | Some("mips64") => "mips64",
        Some("mipsle") | Some("mips") => "mips",
        _ => "unknown",
    }
}

/// Directories in first-seen order, each once.
pub(super) fn dedup(dirs: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    dirs.into_iter()
        .filter(|d| seen.insert(d.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::image::Layer;
    use crate::testkit::image::{Config, image};

    #[test]
    fn ld_so_conf_follows_include_globs_in_order() {
        let img = image(
            Layer::new()
                .file(
                    "etc/ld.so.conf",
                    b"# comment\ninclude /etc/ld.so.conf.d/*.conf\n/opt/first\n",
                )
                .file("etc/ld.so.conf.d/b.conf", b"/opt/b\n")
                .file(
                    "etc/ld.so.conf.d/a.conf",
                    b"/opt/a # trailing\n/opt/a2:/opt/a3\n",
                )
                .file("etc/ld.so.conf.d/skip.txt", b"/opt/never\n"),
            Config::default(),
        );
        assert_eq!(
            ld_so_conf(&img.tree),
            ["/opt/a", "/opt/a2", "/opt/a3", "/opt/b", "/opt/first"]
        );
    }

    #[test]
    fn a_self_including_conf_terminates() {
        let img = image(
            Layer::new().file("etc/ld.so.conf", b"include ld.so.conf\n/opt/x\n"),
            Config::default(),
        );
        assert_eq!(ld_so_conf(&img.tree), ["/opt/x"]);
    }

    #[test]
    fn musl_reads_its_path_file_or_falls_back() {
        let img = image(
            Layer::new().file("etc/ld-musl-x86_64.path", b"/usr/lib:/opt/lib\n/lib\n"),
            Config::default(),
        );
        assert_eq!(
            musl_defaults(&img.tree, "x86_64"),
            ["/usr/lib", "/opt/lib", "/lib"]
        );
        assert_eq!(
            musl_defaults(&img.tree, "aarch64"),
            ["/lib", "/usr/local/lib", "/usr/lib"]
        );
    }

    #[test]
    fn tokens_expand_like_ld_so() {
        let flavor = Flavor::Glibc;
        let tokens = Tokens {
            origin: "/app/bin",
            cwd: "/work",
            arch: Some("amd64"),
            is_64: true,
            flavor: &flavor,
        };
        assert_eq!(tokens.expand("$ORIGIN/../lib"), ["/app/lib"]);
        assert_eq!(tokens.expand("${ORIGIN}"), ["/app/bin"]);
        assert_eq!(
            tokens.expand("/opt/$LIB"),
            ["/opt/lib/x86_64-linux-gnu", "/opt/lib64", "/opt/lib"]
        );
        assert_eq!(tokens.expand("/p/$PLATFORM"), ["/p/x86_64"]);
        assert_eq!(tokens.expand("rel"), ["/work/rel"]);
        assert!(tokens.expand("/x/$UNKNOWN").is_empty());
        assert_eq!(
            Flavor::of(Some("/lib/ld-musl-aarch64.so.1")),
            Flavor::Musl("aarch64".into())
        );
        assert_eq!(
            Flavor::of(Some("/lib64/ld-linux-x86-64.so.2")),
            Flavor::Glibc
        );
    }
}
