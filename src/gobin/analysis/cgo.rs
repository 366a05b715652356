//! Was cgo linked in? Read from pclntab function names (reference §4.1), which works on
//! stripped binaries and with internal or external linking.
//!
//! Evidence: the Go and assembly half of `runtime/cgo` (`runtime/cgo.*`, `crosscall2`,
//! `_cgo_panic`, `_cgo_topofstack`), present in every cgo build and absent otherwise; with
//! internal linking also the C half (`x_cgo_init`, `crosscall1`, `_cgo_sys_thread_start`,
//! `_cgo_<hash>_Cfunc_*`). Never `_cgo_init` (a runtime variable every Go binary has),
//! `runtime.cgocall`/`runtime.asmcgocall` (in every binary), nor buildinfo `CGO_ENABLED=1`
//! (cgo allowed, not linked). The caller adds `DT_NEEDED libc` as another witness.
//!
//! Calls into libc through cgo (`net._C2func_getaddrinfo`, `os/user._Cfunc_mygetpwuid_r`, …)
//! are listed separately: they say which libc features run, which matters for NSS.

use serde::Serialize;

/// Names kept per list; the count says how many there were.
pub const MAX_EXAMPLES: usize = 8;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CgoEvidence {
    pub linked: bool,
    /// How many functab entries are cgo evidence (the table can list a name twice).
    pub count: usize,
    /// Up to `MAX_EXAMPLES` of them, in table order.
    pub evidence: Vec<String>,
    /// Go functions that call C through cgo (`_Cfunc_`, `_C2func_`, `_C_` wrappers), up to
    /// `MAX_EXAMPLES`.
    pub c_calls: Vec<String>,
}

impl CgoEvidence {
    pub(crate) fn observe(&mut self, name: &str) {
        if is_cgo_runtime(name) {
            self.linked = true;
            self.count += 1;
            push_capped(&mut self.evidence, name);
        } else if is_c_call(name) {
            push_capped(&mut self.c_calls, name);
        }
    }
}

/// Whether `observe` could take any interest in a name, from its bytes alone: a cheap filter
/// ahead of decoding.
pub(crate) fn may_matter(name: &[u8]) -> bool {
    name.starts_with(b"runtime/cgo.")
        || name.starts_with(b"_cgo_")
        || name.starts_with(b"crosscall")
        || name == b"x_cgo_init"
        // The wrapper is the last element of its name, as `is_c_call` reads it: one reverse
        // search for the dot, not a search of the whole name for `._C` (this runs on every
        // function name of every Go binary; callgrind on the dense tree).
        || memchr::memrchr(b'.', name).is_some_and(|dot| name[dot + 1..].starts_with(b"_C"))
}

fn is_cgo_runtime(name: &str) -> bool {
    name.starts_with("runtime/cgo.")
        || matches!(
            name,
            "crosscall2"
                | "_cgo_panic"
                | "_cgo_topofstack"
                | "x_cgo_init"
                | "crosscall1"
                | "_cgo_sys_thread_start"
        )
        || (name.starts_with("_cgo_") && name.contains("_Cfunc_"))
}

/// A Go-side cgo call wrapper: `pkg._Cfunc_f`, `pkg._C2func_f`, `pkg._C_f` (1.27).
fn is_c_call(name: &str) -> bool {
    // memrchr: this runs on every function name of every Go binary.
    let Some(dot) = memchr::memrchr(b'.', name.as_bytes()) else {
        return false;
    };
    let func = &name[dot + 1..];
    !name.starts_with("runtime/cgo.")
        && (func.starts_with("_Cfunc_") || func.starts_with("_C2func_") || func.starts_with("_C_"))
}

pub(crate) fn push_capped(list: &mut Vec<String>, name: &str) {
    if list.len() < MAX_EXAMPLES && !list.iter().any(|n| n == name) {
        list.push(name.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_filter_lets_every_interesting_name_through() {
        for name in [
            "runtime/cgo.set_crosscall2",
            "crosscall1",
            "crosscall2",
            "_cgo_panic",
            "_cgo_topofstack",
            "_cgo_sys_thread_start",
            "x_cgo_init",
            "_cgo_0123456789ab_Cfunc_greet",
            "main._Cfunc_greet",
            "net._C2func_getaddrinfo",
            "os/user._C_getpwuid_r",
        ] {
            assert!(is_cgo_runtime(name) || is_c_call(name), "{name}");
            assert!(may_matter(name.as_bytes()), "{name}");
        }
        assert!(!may_matter(b"runtime.cgocall"));
        assert!(!may_matter(b"main.main"));
        // The filter drops nothing `observe` would keep.
        for name in [
            "main._Cfunc_greet.func1",
            "pkg.(*T)._C",
            "a._C",
            "_C",
            "._C",
            "x.y._Cz",
            "crosscall3",
            "runtime/cgo",
        ] {
            let kept = is_cgo_runtime(name) || is_c_call(name);
            assert!(!kept || may_matter(name.as_bytes()), "{name}");
        }
        assert!(may_matter(b"x.y._Cz") && !may_matter(b"x._Cy.z"));
    }

    fn scan(names: &[&str]) -> CgoEvidence {
        let mut cgo = CgoEvidence::default();
        for name in names {
            cgo.observe(name);
        }
        cgo
    }

    #[test]
    fn runtime_cgo_functions_are_evidence() {
        let cgo = scan(&[
            "runtime.cgocall",
            "runtime/cgo.init.0",
            "crosscall2",
            "_cgo_topofstack",
            "net._C2func_getaddrinfo",
            "os/user._Cfunc_mygetpwuid_r",
        ]);
        assert!(cgo.linked);
        assert_eq!(cgo.count, 3);
        assert_eq!(
            cgo.evidence,
            ["runtime/cgo.init.0", "crosscall2", "_cgo_topofstack"]
        );
        assert_eq!(
            cgo.c_calls,
            ["net._C2func_getaddrinfo", "os/user._Cfunc_mygetpwuid_r"]
        );
    }

    #[test]
    fn what_every_go_binary_has_is_not_evidence() {
        let cgo = scan(&[
            "_cgo_init",
            "runtime.cgocall",
            "runtime.asmcgocall",
            "runtime.cgoSigtramp",
            "runtime.main",
        ]);
        assert!(!cgo.linked);
        assert!(cgo.evidence.is_empty() && cgo.c_calls.is_empty());
    }

    #[test]
    fn internal_linking_c_functions_count() {
        assert!(scan(&["x_cgo_init"]).linked);
        assert!(scan(&["_cgo_3f2a1b_Cfunc_greet"]).linked);
    }
}
