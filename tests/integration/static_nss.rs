//! Opt-in: GS105 against the runtime. glibc before 2.34 loads every NSS module, `files` and
//! `dns` included, as `libnss_*.so` at run time, also from a statically linked program; from
//! 2.34 on those two are built into libc (libc.a too). So a static program calling
//! `getaddrinfo` and `getpwnam`, linked against Debian 11's glibc 2.31, cannot resolve a name
//! from /etc/hosts or a user from /etc/passwd on an image holding only those files, and the
//! same program linked against the host's glibc (2.34 or later) can.
//!
//! The oracle is independent of gostatic: each program is run by `chroot` in a directory with
//! only itself, /etc/hosts and /etc/passwd, and prints what its lookups returned. Needs root
//! (chroot), gcc and the host's libc.a (libc6-dev); bullseye's libc6 and libc6-dev come from
//! `testdata/optin/fetch-libc.sh`.
//!
//! `GOSTATIC_OPTIN=1 cargo test --test integration static_nss -- --nocapture`

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{check_report, rule_ids, write};

/// Our test program: one host lookup and one user lookup, each printing `ok` or why not.
const PROGRAM: &str = r#"#include <stdio.h>
#include <netdb.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
int main(void) {
  struct addrinfo hints, *res;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;
  int rc = getaddrinfo("myhost", NULL, &hints, &res);
  printf("getaddrinfo myhost: %s\n", rc == 0 ? "ok" : gai_strerror(rc));
  struct passwd *pw = getpwnam("app");
  printf("getpwnam app: %s\n", pw ? "ok" : "not found");
  return 0;
}
"#;

/// gcc 12's libgcc_eh calls `_dl_find_object` (a glibc 2.35 function) when it exists at link
/// time; glibc 2.31's libc.a lacks it, so the 2.31 link gets this "not found" answer, which
/// makes the unwinder fall back to its older lookup. The program never unwinds.
const STUB: &str = "int _dl_find_object(void *pc, void *result) { return -1; }\n";

#[allow(clippy::print_stderr)]
fn skip_unless_runnable() -> bool {
    let uid = Command::new("id").arg("-u").output();
    if !uid.is_ok_and(|o| o.stdout.starts_with(b"0\n")) {
        eprintln!("skipped: the static NSS runtime test runs programs by chroot, which needs root");
        return false;
    }
    if Command::new("gcc").arg("--version").output().is_err() {
        eprintln!("skipped: the static NSS runtime test needs gcc");
        return false;
    }
    // `glibc 2.36`: the host's must have the modules built in to be the other side.
    let host = Command::new("getconf").arg("GNU_LIBC_VERSION").output();
    let minor = host.ok().and_then(|o| {
        let text = String::from_utf8(o.stdout).ok()?;
        text.trim().strip_prefix("glibc 2.")?.parse::<u32>().ok()
    });
    if minor.is_none_or(|m| m < 34) {
        eprintln!("skipped: the static NSS runtime test needs a host glibc 2.34 or later");
        return false;
    }
    true
}

fn gcc(args: &[&str], dir: &Path) {
    let out = Command::new("gcc")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "gcc {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The program run by chroot in `root` with /etc/hosts and /etc/passwd added.
fn run_in_root(program: &Path, root: &Path) -> std::process::Output {
    std::fs::copy(program, root.join("t")).unwrap();
    write(root, "etc/hosts", b"127.0.0.1 localhost\n10.1.2.3 myhost\n");
    write(
        root,
        "etc/passwd",
        b"root:x:0:0:root:/:/t\napp:x:1000:1000::/:/t\n",
    );
    Command::new("chroot").arg(root).arg("/t").output().unwrap()
}

/// Its output in a chroot holding only it, /etc/hosts and /etc/passwd.
fn run_in_bare_root(program: &Path) -> String {
    let root = tempfile::tempdir().unwrap();
    let out = run_in_root(program, root.path());
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Its output in a root holding a release's libc6 package (its libnss_*.so.2), as a base
/// image with that glibc would; `None` when it did not exit cleanly.
fn run_on_glibc(program: &Path, release: &Path) -> Option<String> {
    let root = tempfile::tempdir().unwrap();
    let copied = Command::new("cp")
        .arg("-a")
        .arg(release.join("."))
        .arg(root.path())
        .status()
        .unwrap();
    assert!(copied.success());
    let out = run_in_root(program, root.path());
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap())
}

#[test]
fn gs105_and_scratch_follow_what_a_bare_root_does_with_glibc_2_31_and_the_hosts() {
    let Some(libcs) = crate::real_libc::libcs() else {
        return;
    };
    if !skip_unless_runnable() {
        return;
    }
    let old = libcs.join("glibc-2.31-dev");
    let old = old.to_str().unwrap();
    let libdir = format!("{old}/usr/lib/x86_64-linux-gnu");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "t.c", PROGRAM.as_bytes());
    write(d, "stub.c", STUB.as_bytes());
    gcc(&["-c", "-O2", "t.c", "-o", "t.o"], d);
    gcc(&["-c", "stub.c", "-o", "stub.o"], d);
    // Stripped, as shipped: the markers gostatic reads must survive strip.
    gcc(&["-static", "-s", "t.o", "-o", "t-host"], d);
    let sysroot = format!("--sysroot={old}");
    gcc(
        &[
            "-static", "-s", &sysroot, "-B", &libdir, "-L", &libdir, "t.o", "stub.o", "-o", "t-231",
        ],
        d,
    );

    let cases: [(&str, bool); 2] = [("t-231", false), ("t-host", true)];
    for (name, works) in cases {
        let program: PathBuf = d.join(name);
        let output = run_in_bare_root(&program);
        let file = check_report(&program)["files"][0].clone();
        let rules = rule_ids(&file);
        assert!(
            !file["elf"]["glibc_nss"].is_null(),
            "{name}: NSS is linked in"
        );
        if works {
            assert_eq!(
                output, "getaddrinfo myhost: ok\ngetpwnam app: ok\n",
                "{name}: the built-in files module answers"
            );
            assert!(!rules.contains(&"GS105".to_string()), "{name}: {rules:?}");
            assert_eq!(
                file["elf"]["glibc_nss"]["builtin_files_dns"], true,
                "{name}"
            );
            assert_eq!(
                file["verdict"]["scratch"], "ready",
                "{name}: {}",
                file["verdict"]
            );
        } else {
            assert!(
                output.contains("getaddrinfo myhost: No address"),
                "{name}: {output}"
            );
            assert!(
                output.contains("getpwnam app: not found"),
                "{name}: {output}"
            );
            assert!(rules.contains(&"GS105".to_string()), "{name}: {rules:?}");
            assert_eq!(
                file["elf"]["glibc_nss"]["builtin_files_dns"], false,
                "{name}"
            );
            assert_eq!(
                file["verdict"]["scratch"], "blocked",
                "{name}: {}",
                file["verdict"]
            );
            // The base it names has glibc 2.31, whose modules serve it; 2.36's do not (their
            // libnss_files.so.2 is an empty stub, and the program does not survive them).
            assert_eq!(
                file["verdict"]["base"], "distroless-base-debian11",
                "{name}"
            );
            let on_231 = run_on_glibc(&program, &libcs.join("glibc-2.31"));
            assert_eq!(
                on_231.as_deref(),
                Some("getaddrinfo myhost: ok\ngetpwnam app: ok\n"),
                "{name} with glibc 2.31's modules"
            );
            let on_236 = run_on_glibc(&program, &libcs.join("glibc-2.36"));
            assert_ne!(
                on_236.as_deref(),
                Some("getaddrinfo myhost: ok\ngetpwnam app: ok\n"),
                "{name} with glibc 2.36's modules"
            );
        }
    }
}
