//! What an image changes about a Go runtime's defaults. GS407 cpu-quota is dropped when the
//! config's Env sets GOMAXPROCS (the runtime takes it over any default, `runtime/proc.go`
//! `procresize` via `schedinit`), or, for Go 1.25 and later, re-enables the container-aware
//! default through `GODEBUG=containermaxprocs=1` (a GODEBUG environment value wins over the
//! build's defaults, `internal/godebug`). GS508 hosts-order: a Go program before 1.16 that
//! resolves names, in an image without /etc/nsswitch.conf, asks DNS before /etc/hosts
//! (`net/conf.go` `hostLookupOrder` fell back to `hostLookupDNSFiles`; golang/go#35305).

use super::{Collected, FileUpdate, lookup};
use crate::facts::FileFacts;
use crate::gobin::analysis::NeedKind;
use crate::gobin::release::GoVersion;
use crate::image::Image;
use crate::rules::cpu_quota::default_godebug_has;
use crate::rules::{Finding, Rule};

/// The first minor whose resolver reads /etc/hosts first without /etc/nsswitch.conf.
const FILES_FIRST_MINOR: u32 = 16;

pub(super) fn check(image: &Image<FileFacts>, evaluation: &mut Collected) {
    let gomaxprocs = lookup::env(image, "GOMAXPROCS").is_some_and(|v| !v.trim().is_empty());
    let godebug_on = lookup::env(image, "GODEBUG").is_some_and(|v| {
        v.split(',')
            .filter_map(|pair| pair.split_once('='))
            .any(|(k, v)| k.trim() == "containermaxprocs" && v.trim() == "1")
    });
    let nsswitch = image.tree.resolve("/etc/nsswitch.conf").is_some();
    for (index, file) in image.files.iter().enumerate() {
        let Some(go) = file.inspection.go_facts() else {
            continue;
        };
        let mut update = FileUpdate {
            index,
            ..FileUpdate::default()
        };
        let version = go.version.as_deref().and_then(GoVersion::parse);
        // GODEBUG only reaches a runtime that knows the setting (Go 1.25 and later).
        let containermaxprocs_off = default_godebug_has(go, "containermaxprocs", "0");
        if gomaxprocs || (godebug_on && containermaxprocs_off) {
            update.drop.push(Rule::CpuQuota);
        }
        let resolves = go
            .runtime_needs
            .iter()
            .any(|n| n.spec.kind == NeedKind::NameResolution && n.files_required);
        let old = version.is_some_and(|v| (v.major, v.minor) < (1, FILES_FIRST_MINOR));
        if old && resolves && !nsswitch {
            update.add.push(Finding::new(
                Rule::HostsOrder,
                format!(
                    "built with {}, it resolves names and the image has no /etc/nsswitch.conf: \
                     its resolver asks DNS before /etc/hosts",
                    go.version.as_deref().unwrap_or_default()
                ),
                Rule::HostsOrder.info().fix,
            ));
        }
        if !update.drop.is_empty() || !update.add.is_empty() {
            evaluation.file_updates.push(update);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gobin::GoFacts;
    use crate::gobin::analysis::{NEEDS, RuntimeNeed};
    use crate::testkit::elf::go_static;
    use crate::testkit::image::{Config, Layer, build};

    /// The go-static fixture as a program of `version` that resolves names (or not).
    fn program(version: &str, resolves: bool) -> impl Fn(&str, &[u8]) -> Option<FileFacts> {
        let version = version.to_string();
        move |_: &str, bytes: &[u8]| {
            let mut facts = crate::facts::read(bytes).ok().flatten()?;
            if let FileFacts::Elf { go: Some(go), .. } = &mut facts {
                let go: &mut GoFacts = go;
                go.version = Some(version.clone());
                if resolves {
                    let spec = NEEDS
                        .into_iter()
                        .find(|s| s.kind == NeedKind::NameResolution)
                        .unwrap();
                    go.runtime_needs.push(RuntimeNeed {
                        spec,
                        evidence: vec!["net.dnsReadConfig".into()],
                        embedded_evidence: Vec::new(),
                        files_required: true,
                        implementation: Some("go"),
                    });
                }
            }
            Some(facts)
        }
    }

    fn updates(
        layer: &Layer,
        env: &[&str],
        inspect: impl Fn(&str, &[u8]) -> Option<FileFacts> + Sync,
    ) -> Vec<FileUpdate> {
        let mut config = Config::default();
        config.env.extend(env.iter().map(|e| e.to_string()));
        let image = build(std::slice::from_ref(layer), &config, &inspect);
        let mut evaluation = Collected::default();
        check(&image, &mut evaluation);
        evaluation.file_updates
    }

    #[test]
    fn an_old_resolver_without_nsswitch_asks_dns_first() {
        let mut bare = Layer::new();
        bare.file("app", &go_static());
        let found = updates(&bare, &[], program("go1.15.15", true));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].drop, []);
        assert_eq!(
            found[0].add[0].message,
            "built with go1.15.15, it resolves names and the image has no /etc/nsswitch.conf: its \
             resolver asks DNS before /etc/hosts"
        );
        assert_eq!(found[0].add[0].rule, Rule::HostsOrder);
        // Go 1.16 reads /etc/hosts first; a program that resolves nothing is not asked.
        assert!(updates(&bare, &[], program("go1.16.0", true)).is_empty());
        assert!(updates(&bare, &[], program("go1.15.15", false)).is_empty());
        // An nsswitch.conf, even through a symlink, decides the order instead.
        let mut with_conf = bare.clone();
        with_conf
            .dir("etc")
            .file_mode("usr/nsswitch.conf", 0o644, b"hosts: files dns\n")
            .symlink("etc/nsswitch.conf", "/usr/nsswitch.conf");
        assert!(updates(&with_conf, &[], program("go1.15.15", true)).is_empty());
    }

    #[test]
    fn gomaxprocs_in_the_environment_answers_the_cpu_quota_note() {
        let mut layer = Layer::new();
        layer.file("app", &go_static());
        let real = crate::testkit::image::facts;
        // The fixture's DefaultGODEBUG has containermaxprocs=0.
        assert!(updates(&layer, &[], real).is_empty());
        for env in [&["GOMAXPROCS=2"][..], &["GODEBUG=x=1,containermaxprocs=1"]] {
            let found = updates(&layer, env, real);
            assert_eq!(found.len(), 1, "{env:?}");
            assert_eq!(found[0].drop, [Rule::CpuQuota]);
        }
        assert!(updates(&layer, &["GOMAXPROCS="], real).is_empty());
        // GODEBUG cannot turn on what a Go 1.24 runtime does not have.
        let go1_24 = |path: &str, bytes: &[u8]| {
            let mut facts = crate::testkit::image::facts(path, bytes)?;
            if let FileFacts::Elf { go: Some(go), .. } = &mut facts {
                go.version = Some("go1.24.9".into());
                go.settings.clear();
            }
            Some(facts)
        };
        assert!(updates(&layer, &["GODEBUG=containermaxprocs=1"], go1_24).is_empty());
        assert_eq!(updates(&layer, &["GOMAXPROCS=4"], go1_24).len(), 1);
    }
}
