//! glibc's NSS machinery inside a binary (for the static-glibc-NSS rule). A statically
//! linked program that calls `getaddrinfo`, `getpwnam`, `getpwuid_r`, ... goes through NSS.
//! Before glibc 2.34 every NSS module, `files` and `dns` included, is a `libnss_*.so` that
//! the static program `dlopen`s at run time from the glibc it was linked against, which
//! `FROM scratch` lacks. glibc 2.34 moved the `files` and `dns` modules into libc itself,
//! libc.a included (the release of glibc 2.34 whose NEWS announces libpthread, libdl and
//! friends merged into libc; Debian's 2.36 `libnss_files.so.2` and `libnss_dns.so.2` are
//! 14 KB compatibility stubs, 2.31's `libnss_files-2.31.so` is the 50 KB module): only the
//! other modules named in `/etc/nsswitch.conf` (systemd, sss, ldap, mymachines, resolve,
//! myhostname, ...) are still loaded.
//!
//! The runtime as oracle: a static program calling `getaddrinfo("myhost")` and
//! `getpwnam("app")`, linked against Debian 12's glibc 2.36, resolves both in an empty chroot
//! holding only the program, `/etc/hosts` and `/etc/passwd` (with or without
//! `/etc/nsswitch.conf`); the same program linked against Debian 11's glibc 2.31 libc.a fails
//! both there ("No address associated with hostname", "not found"). The opt-in test
//! `tests/integration/static_nss.rs` repeats that experiment.
//!
//! Markers of NSS, checked on glibc 2.31 and 2.36 static binaries stripped and not (an NSS
//! user against a plain `printf` program, which has none of them):
//! - read-only strings from glibc's NSS sources: `libnss_%s.so` and `_nss_%s_%s` (module and
//!   function name formats, `nss/nss_module.c`, 2.34+), `libnss_%s.so.%d.%d` (the module
//!   name format of `nss/nsswitch.c` before 2.34, in 2.31), `__nss_database` (the
//!   `nss_database.c` symbols named in its strings), `Illegal status in __nss_next` (the
//!   `__libc_fatal` text of `nss/nsswitch.c`, many releases old, in 2.31 too). These survive
//!   `strip`.
//! - with a symbol table, `__nss_*`/`_nss_*` symbols (`__nss_database_lookup2`,
//!   `__nss_lookup_function`, `_nss_files_*`).
//!
//! Markers of the built-in `files` and `dns` modules (2.34+): `nss_files/files-hosts.c` and
//! `nss_dns/dns-host.c`, the source paths of their `assert`s. Both are in every 2.36 static
//! NSS user, a `getpwnam`-only program too (libc.a's NSS pulls both modules in); 2.31 has
//! neither (its module name format is `libnss_%s.so.%d.%d`).
//!
//! Each string marker must be a C string of its own in the binary: a NUL before it, and after
//! it the rest of glibc's string (`libnss_%s.so` is `libnss_%s.so%s`, the fatal text ends with
//! `.\n`) and a NUL (the fixtures' bytes: `\0libnss_%s.so%s\0_nss_%s_%s\0`); for the
//! `__nss_database` prefix, the NUL before. A program that merely names these strings, as
//! gostatic does (Rust packs string constants without terminators), is not glibc.
//!
//! Not markers: the link-time warning ("Using 'getaddrinfo' in statically linked
//! applications requires at runtime...") comes from `.gnu.warning.*` sections of libc.a that
//! the linker consumes and does not copy to the output, and glibc 2.36 still prints it;
//! `/etc/nsswitch.conf` alone, which Go's own `net` package also carries. musl has no NSS and
//! matches nothing. Whether the binary is static is the caller's fact.

use crate::elf::GlibcNss;
use crate::gobin::binary::Binary;
use crate::gobin::symtab;

/// (what the finding names, the rest of glibc's C string after it, whether that rest ends the
/// string): each is checked as a whole C string, see the module header.
const STRING_MARKERS: [(&str, &str, bool); 5] = [
    ("libnss_%s.so", "%s", true),
    ("libnss_%s.so.%d.%d", "", true),
    ("_nss_%s_%s", "", true),
    ("Illegal status in __nss_next", ".\n", true),
    ("__nss_database", "", false),
];
/// The source paths of the built-in `files` and `dns` modules' asserts (glibc 2.34+), each a
/// whole C string: both present means those modules are part of the binary.
const BUILTIN_MARKERS: [&str; 2] = ["nss_files/files-hosts.c", "nss_dns/dns-host.c"];
const MAX_SYMBOL_EVIDENCE: usize = 8;

/// `None` when neither strings nor symbols show glibc NSS.
pub fn glibc_nss(bin: &Binary<'_>) -> Option<GlibcNss> {
    let mut found = GlibcNss::default();
    // Every marker contains `nss_`: one pass finds its occurrences, and each hit is checked
    // against the markers around it. The strings live in `.rodata` when a section table says
    // where that is; else every read-only segment is searched.
    let haystacks: Vec<&[u8]> = bin
        .areas(&[".rodata"], false)
        .into_iter()
        .map(|(_, data)| data)
        .collect();
    let anchor = memchr::memmem::Finder::new(b"nss_");
    let mut seen = [false; STRING_MARKERS.len()];
    let mut builtin = [false; BUILTIN_MARKERS.len()];
    for hay in haystacks {
        for hit in anchor.find_iter(hay) {
            for (index, &(marker, rest, ends)) in STRING_MARKERS.iter().enumerate() {
                let offset = marker.find("nss_").unwrap_or(0);
                seen[index] |= hit
                    .checked_sub(offset)
                    .is_some_and(|start| is_c_string(hay, start, marker, rest, ends));
            }
            for (index, marker) in BUILTIN_MARKERS.iter().enumerate() {
                builtin[index] |= is_c_string(hay, hit, marker, "", true);
            }
            if seen.iter().chain(&builtin).all(|&s| s) {
                break;
            }
        }
    }
    found.builtin_files_dns = builtin.iter().all(|&b| b);
    found.strings = STRING_MARKERS
        .iter()
        .zip(seen)
        .filter_map(|(&(marker, _, _), seen)| seen.then_some(marker))
        .collect();
    let (_, symbols) = symtab::matching(bin.data, MAX_SYMBOL_EVIDENCE, |name| {
        name.starts_with("__nss_") || name.starts_with("_nss_")
    });
    found.symbols = symbols;
    (!found.strings.is_empty() || !found.symbols.is_empty()).then_some(found)
}

/// Whether `hay[start..]` is `marker` then `rest` at the start of a C string (a NUL or the
/// start of the data before it), and, when `ends`, with a NUL right after.
fn is_c_string(hay: &[u8], start: usize, marker: &str, rest: &str, ends: bool) -> bool {
    let starts = start == 0 || hay[start - 1] == 0;
    let after = start + marker.len();
    let end = after + rest.len();
    starts
        && hay.get(start..after) == Some(marker.as_bytes())
        && hay.get(after..end) == Some(rest.as_bytes())
        && (!ends || hay.get(end) == Some(&0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::minimal::elf_with;

    #[test]
    fn glibc_nss_strings_are_found_in_read_only_data() {
        let mut body = vec![0u8; 64];
        body.extend_from_slice(b"libnss_%s.so%s\0Illegal status in __nss_next.\n\0");
        body.extend_from_slice(b"x__nss_database\0_nss_%s_%sx\0");
        let file = elf_with(&body, false);
        let found = glibc_nss(&Binary::parse(&file).unwrap()).unwrap();
        assert_eq!(
            found.strings,
            ["libnss_%s.so", "Illegal status in __nss_next"]
        );
        assert!(found.symbols.is_empty());
    }

    /// gostatic's own binary holds the markers as Rust string constants, packed end to end
    /// without terminators: that is a program naming glibc's strings, not glibc.
    #[test]
    fn markers_inside_other_strings_are_not_glibc_nss() {
        let packed = b"\0x libnss_%s.so%s_nss_%s_%sIllegal status in __nss_next.\n__nss_database\0";
        assert!(glibc_nss(&Binary::parse(&elf_with(packed, false)).unwrap()).is_none());
        let mut body = vec![0u8; 8];
        body.extend_from_slice(b"libnss_%s.so\0_nss_%s_%s_\0");
        assert!(glibc_nss(&Binary::parse(&elf_with(&body, false)).unwrap()).is_none());
    }

    /// glibc 2.31's libc.a: only the loader's strings, no built-in modules, so lookups dlopen.
    #[test]
    fn glibc_before_2_34_loads_its_modules() {
        let mut body = vec![0u8; 16];
        body.extend_from_slice(b"libnss_%s.so.%d.%d\0Illegal status in __nss_next.\n\0");
        let found = glibc_nss(&Binary::parse(&elf_with(&body, false)).unwrap()).unwrap();
        assert_eq!(
            found.strings,
            ["libnss_%s.so.%d.%d", "Illegal status in __nss_next"]
        );
        assert!(!found.builtin_files_dns);
        assert!(found.loads_modules());
    }

    /// glibc 2.34+: the files and dns modules' assert paths, each a C string, say they are in.
    #[test]
    fn builtin_files_and_dns_modules_load_nothing() {
        let mut body = vec![0u8; 16];
        body.extend_from_slice(b"libnss_%s.so%s\0nss_files/files-hosts.c\0x\0nss_dns/dns-host.c\0");
        let found = glibc_nss(&Binary::parse(&elf_with(&body, false)).unwrap()).unwrap();
        assert_eq!(found.strings, ["libnss_%s.so"]);
        assert!(found.builtin_files_dns);
        assert!(!found.loads_modules());
    }

    /// Both modules must be there, each as a whole C string.
    #[test]
    fn one_module_or_a_packed_path_is_not_built_in() {
        let prefix = b"\0Illegal status in __nss_next.\n\0".as_slice();
        for tail in [
            b"nss_files/files-hosts.c\0".as_slice(),
            b"nss_dns/dns-host.c\0",
            b"nss_files/files-hosts.c\0nss_dns/dns-host.cx\0",
            b"nss_files/files-hosts.c\0xnss_dns/dns-host.c\0",
            b"xnss_files/files-hosts.c\0nss_dns/dns-host.c\0",
        ] {
            let body = [prefix, tail].concat();
            let found = glibc_nss(&Binary::parse(&elf_with(&body, false)).unwrap()).unwrap();
            assert!(found.loads_modules(), "{}", String::from_utf8_lossy(tail));
        }
        let body = [prefix, b"nss_files/files-hosts.c\0nss_dns/dns-host.c\0"].concat();
        let found = glibc_nss(&Binary::parse(&elf_with(&body, false)).unwrap()).unwrap();
        assert!(!found.loads_modules());
    }

    #[test]
    fn go_net_strings_alone_are_not_glibc_nss() {
        let file = elf_with(b"/etc/nsswitch.conf\0/etc/hosts\0", false);
        assert!(glibc_nss(&Binary::parse(&file).unwrap()).is_none());
    }
}
