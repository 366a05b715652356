//! GS407 cpu-quota: whether a Linux Go program sizes GOMAXPROCS to the container's CPU limit.
//! Since Go 1.25 the runtime reads the cgroup CPU bandwidth limit at start and follows it
//! (`runtime/cgroup_linux.go`, `defaultGOMAXPROCS`); the `containermaxprocs` GODEBUG turns that
//! off, and its default follows the main module's `go` line, so a Go 1.25+ toolchain building a
//! module that says `go 1.24` writes `containermaxprocs=0` into DefaultGODEBUG. Before that, or
//! so built, GOMAXPROCS is the node's CPU count: a pod limited to 2 CPUs on a 64-core node runs
//! 64 Ps and is throttled, unless the program sets it itself (go.uber.org/automaxprocs) or the
//! environment does (`GOMAXPROCS`, which the image rules look for).

use super::{Finding, Rule, Sink};
use crate::elf::{ElfFacts, ElfOs};
use crate::gobin::GoFacts;
use crate::gobin::release::GoVersion;

/// The module that sets GOMAXPROCS from the cgroup quota in programs that import it.
const AUTOMAXPROCS: &str = "go.uber.org/automaxprocs";

/// The first minor whose runtime follows the container's CPU limit.
const CONTAINER_AWARE_MINOR: u32 = 25;

pub(super) fn check(elf: &ElfFacts, go: &GoFacts, sink: &mut Sink) {
    if elf.os != ElfOs::Linux {
        return;
    }
    let Some(version) = go.version.as_deref() else {
        return;
    };
    let Some(parsed) = GoVersion::parse(version) else {
        return;
    };
    if go
        .main
        .iter()
        .chain(&go.deps)
        .any(|m| m.path == AUTOMAXPROCS)
    {
        return;
    }
    let unseen_deps = if go.buildinfo.is_none() {
        " (no build information shows whether it imports go.uber.org/automaxprocs)"
    } else {
        ""
    };
    let (why, fix, key) = if (parsed.major, parsed.minor) < (1, CONTAINER_AWARE_MINOR) {
        (
            format!("built with {version}, before Go 1.25 made GOMAXPROCS follow it"),
            "rebuild with Go 1.25 or newer and `go 1.25` or later in go.mod; or import _ \
             \"go.uber.org/automaxprocs\"; or set GOMAXPROCS in the container's environment",
            format!("go{}", parsed.minor_name()),
        )
    } else if default_godebug_has(go, "containermaxprocs", "0") {
        (
            format!(
                "built with {version} but with containermaxprocs=0 in its default GODEBUG \
                 (the go line of go.mod is older than 1.25)"
            ),
            "raise the go line in go.mod to 1.25 or later (or add //go:debug \
             containermaxprocs=1 to package main); or set GOMAXPROCS in the container's \
             environment",
            "containermaxprocs=0".to_string(),
        )
    } else {
        return;
    };
    sink.found(
        Finding::new(
            Rule::CpuQuota,
            format!(
                "GOMAXPROCS will be the node's CPU count, not the container's CPU limit: \
                 {why}{unseen_deps}"
            ),
            fix,
        )
        .keyed(key),
    );
}

/// Whether the DefaultGODEBUG build setting (`k=v,k=v`) sets `key` to `value`.
pub(crate) fn default_godebug_has(go: &GoFacts, key: &str, value: &str) -> bool {
    go.setting("DefaultGODEBUG").is_some_and(|defaults| {
        defaults
            .to_str_lossy()
            .split(',')
            .filter_map(|pair| pair.split_once('='))
            .any(|(k, v)| k.trim() == key && v.trim() == value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::FileFacts;
    use crate::gobin::buildinfo::{BuildSetting, Module};
    use crate::testkit::elf::{fixture, go_static};

    fn finding(bytes: &[u8], change: impl FnOnce(&mut ElfFacts, &mut GoFacts)) -> Option<Finding> {
        let facts = crate::facts::read(bytes).unwrap().unwrap();
        let FileFacts::Elf { mut elf, go } = facts else {
            panic!("an ELF");
        };
        let mut go = *go.expect("a Go program");
        change(&mut elf, &mut go);
        let mut sink = Sink::default();
        check(&elf, &go, &mut sink);
        assert!(sink.findings.len() <= 1);
        sink.findings.pop()
    }

    fn set_godebug(go: &mut GoFacts, value: &str) {
        go.settings.retain(|s| s.key != "DefaultGODEBUG");
        go.settings.push(BuildSetting {
            key: "DefaultGODEBUG".into(),
            value: value.into(),
        });
    }

    #[test]
    fn a_go_line_older_than_1_25_keeps_the_old_default() {
        // The committed fixture: Go 1.27.3 building a module whose go line is older.
        let found = finding(&go_static(), |_, _| {}).expect("GS407");
        assert_eq!(
            found.message,
            "GOMAXPROCS will be the node's CPU count, not the container's CPU limit: built with \
             go1.27.3 but with containermaxprocs=0 in its default GODEBUG (the go line of go.mod \
             is older than 1.25)"
        );
        assert_eq!(found.key.as_deref(), Some("containermaxprocs=0"));
        assert!(found.fix.starts_with("raise the go line in go.mod to 1.25"));
        // A module on go 1.25 or later has no such default.
        let current = finding(&go_static(), |_, go| {
            set_godebug(go, "tlsmlkem=0,containermaxprocs=1")
        });
        assert_eq!(current, None);
        assert_eq!(finding(&go_static(), |_, go| go.settings.clear()), None);
    }

    #[test]
    fn runtimes_before_1_25_ignore_the_limit() {
        let found = finding(&fixture("go/go1.19-hello"), |_, _| {}).expect("GS407");
        assert!(
            found
                .message
                .ends_with("built with go1.19.8, before Go 1.25 made GOMAXPROCS follow it"),
            "{}",
            found.message
        );
        assert_eq!(found.key.as_deref(), Some("go1.19"));
        let go1_24 = finding(&go_static(), |_, go| {
            go.version = Some("go1.24.9".into());
            go.settings.clear();
        })
        .expect("GS407");
        assert_eq!(go1_24.key.as_deref(), Some("go1.24"));
        assert!(go1_24.fix.contains("automaxprocs"));
    }

    #[test]
    fn automaxprocs_other_systems_and_unknown_versions_are_left_alone() {
        let with_automaxprocs = finding(&go_static(), |_, go| {
            go.deps.push(Module {
                path: AUTOMAXPROCS.into(),
                version: "v1.6.0".into(),
                sum: "h1:x".into(),
                replace: None,
            })
        });
        assert_eq!(with_automaxprocs, None);
        assert_eq!(
            finding(&go_static(), |elf, _| elf.os = ElfOs::Freebsd),
            None
        );
        assert_eq!(finding(&go_static(), |_, go| go.version = None), None);
        let unseen = finding(&go_static(), |_, go| go.buildinfo = None).expect("GS407");
        assert!(
            unseen.message.ends_with(
                "(no build information shows whether it imports go.uber.org/automaxprocs)"
            ),
            "{}",
            unseen.message
        );
    }
}
