//! GS501–GS503, GS506, GS507 in an image: `check` says a Go program will read the CA bundle,
//! the zoneinfo database or /etc/passwd, or write a temp dir or its home; in an image we can
//! look. Present: the note is dropped. Absent (and no variable in the config's Env points
//! elsewhere): the note becomes an error saying what the image lacks. The directories a
//! program writes are judged in `writable.rs`.
//!
//! What counts, per reference §5 (`crypto/x509/root_linux.go`, `root_unix.go`;
//! `time/zoneinfo_read.go`; `os/user/lookup_unix.go`):
//! - CA: the first of `certFiles` that is a non-empty regular file (only `$SSL_CERT_FILE` when
//!   set), or a file in one of `certDirectories` (the `$SSL_CERT_DIR` list when set).
//! - zoneinfo: `$ZONEINFO` naming a directory with files or a (zip) file, else one of the
//!   platform zone directories holding files. `$TZ` does not count: it only picks `Local`,
//!   and `LoadLocation` still needs the database for every other name.
//! - passwd: /etc/passwd with an entry for the config's USER (uid or name; root when empty),
//!   as the image rules' account model finds it (`accounts.rs`). /etc/group is copied when
//!   present but not required: `user.Current` needs only passwd.

use super::lookup;
use super::{Collected, FileUpdate, Start};
use crate::facts::FileFacts;
use crate::gobin::analysis::{NeedKind, RuntimeNeed};
use crate::image::{Image, Tree};
use crate::rules::{Finding, Rule, Severity};

/// Files of the image that satisfy a need: what a scratch image would copy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Provision {
    /// Paths as named (a directory is copied whole).
    pub paths: Vec<String>,
    /// The variables that pointed at them, each to keep as an `ENV` line (`KEY=value`).
    pub env: Vec<String>,
}

pub(super) fn check(image: &Image<FileFacts>, start: &Start, evaluation: &mut Collected) {
    for (index, file) in image.files.iter().enumerate() {
        let Some(go) = file.inspection.go_facts() else {
            continue;
        };
        let mut update = FileUpdate {
            index,
            ..FileUpdate::default()
        };
        for need in go.required_needs() {
            let Some(rule) = crate::rules::runtime::rule_for(need.spec.kind) else {
                continue;
            };
            // The file rules noted the need (`rules::runtime`); the image answers it.
            update.drop.push(rule);
            if let Err(lack) = provision(image, start, need) {
                update.add.push(error(rule, need, &lack));
            }
        }
        if !update.drop.is_empty() {
            evaluation.file_updates.push(update);
        }
    }
}

fn error(rule: Rule, need: &RuntimeNeed, lack: &str) -> Finding {
    let what = crate::rules::runtime::what_it_does(need);
    let fix = match need.spec.kind {
        NeedKind::CaCertificates => format!(
            "{} in the final stage, or embed roots: import _ \"golang.org/x/crypto/x509roots/fallback\"",
            need.spec.dockerfile
        ),
        NeedKind::Zoneinfo => format!(
            "{} in the final stage, or embed the database: import _ \"time/tzdata\" (or -tags timetzdata)",
            need.spec.dockerfile
        ),
        NeedKind::Tmp => "give the final stage a /tmp the user may write: COPY --from=build --chmod=1777 /tmp /tmp, or after USER, WORKDIR /tmp (BuildKit makes it the user's); or set TMPDIR to such a directory".to_string(),
        NeedKind::Home => "make the directory the user's in the final stage: after USER, WORKDIR /home/nonroot (BuildKit makes it the user's), with ENV HOME=/home/nonroot unless /etc/passwd gives that home; or set HOME/XDG_CACHE_HOME/XDG_CONFIG_HOME to a directory the user owns".to_string(),
        _ => format!(
            "{} in the final stage, with an entry for the run user (nonroot:x:65532:65532::/home/nonroot:/sbin/nologin)",
            need.spec.dockerfile
        ),
    };
    let mut finding = Finding::new(rule, format!("{what}: {lack}"), fix);
    finding.severity = Severity::Error;
    finding
}

/// The files of the image that satisfy a need, or what it lacks (a clause for the message).
pub(super) fn provision(
    image: &Image<FileFacts>,
    start: &Start,
    need: &RuntimeNeed,
) -> Result<Provision, String> {
    let kind = need.spec.kind;
    let spec = crate::gobin::analysis::NEEDS
        .iter()
        .find(|s| s.kind == kind)
        .ok_or_else(String::new)?;
    let defaults_files: Vec<&str> = spec
        .files
        .iter()
        .filter(|f| !f.ends_with('/'))
        .copied()
        .collect();
    let default_dirs: Vec<&str> = spec
        .files
        .iter()
        .filter_map(|f| f.strip_suffix('/'))
        .collect();
    let tree = &image.tree;
    match kind {
        NeedKind::CaCertificates => {
            let file_env = lookup::env(image, "SSL_CERT_FILE").filter(|v| !v.is_empty());
            let dir_env = lookup::env(image, "SSL_CERT_DIR").filter(|v| !v.is_empty());
            let files = file_env.map_or(defaults_files.clone(), |f| vec![f]);
            let dirs: Vec<&str> = dir_env.map_or(default_dirs.clone(), |d| {
                d.split(':').filter(|d| !d.is_empty()).collect()
            });
            if let Some(file) = files.iter().find(|f| is_nonempty_file(tree, f)) {
                let env = file_env.map(|v| format!("SSL_CERT_FILE={v}"));
                return Ok(provided(file, env));
            }
            if let Some(dir) = dirs.iter().find(|d| dir_has_files(tree, d, false)) {
                let env = dir_env.map(|v| format!("SSL_CERT_DIR={v}"));
                return Ok(provided(dir, env));
            }
            let files_clause = match file_env {
                Some(f) => format!("SSL_CERT_FILE={f} is not a file in the image"),
                None => format!(
                    "the image has none of {}",
                    crate::rules::first_few(&files, files.len())
                ),
            };
            Err(format!(
                "{files_clause}, and {} hold no files",
                dirs.join(", ")
            ))
        }
        NeedKind::Zoneinfo => {
            let env = lookup::env(image, "ZONEINFO").filter(|v| !v.is_empty());
            if let Some(zi) = env
                && (is_nonempty_file(tree, zi) || dir_has_files(tree, zi, true))
            {
                return Ok(provided(zi, Some(format!("ZONEINFO={zi}"))));
            }
            if let Some(dir) = default_dirs.iter().find(|d| dir_has_files(tree, d, true)) {
                return Ok(provided(dir, None));
            }
            let env_clause = env
                .map(|zi| format!("ZONEINFO={zi} is not in the image, and "))
                .unwrap_or_default();
            Err(format!(
                "{env_clause}the image has no time zone files in {}",
                default_dirs.join(", ")
            ))
        }
        NeedKind::Passwd => passwd(image, start),
        NeedKind::Tmp => super::writable::tmp(image, start),
        NeedKind::Home => super::writable::home(image, start, need),
        NeedKind::NameResolution | NeedKind::Mime => Ok(Provision::default()),
    }
}

fn provided(path: &str, env: Option<String>) -> Provision {
    Provision {
        paths: vec![path.trim_end_matches('/').to_string()],
        env: env.into_iter().collect(),
    }
}

fn passwd(image: &Image<FileFacts>, start: &Start) -> Result<Provision, String> {
    let tree = &image.tree;
    if !tree
        .resolve("/etc/passwd")
        .is_some_and(|(_, n)| n.is_file())
    {
        return Err("the image has no /etc/passwd".into());
    }
    let mut paths = vec!["/etc/passwd".to_string()];
    if tree.resolve("/etc/group").is_some_and(|(_, n)| n.is_file()) {
        paths.push("/etc/group".into());
    }
    let provision = Provision {
        paths,
        env: Vec::new(),
    };
    // Too big to keep: taken on trust.
    if start.accounts.passwd.is_none() || start.user.entry.is_some() {
        return Ok(provision);
    }
    let user = match start.user.user.as_str() {
        "" => "0",
        user => user,
    };
    Err(format!(
        "the image's /etc/passwd has no entry for USER {user}"
    ))
}

fn is_nonempty_file(tree: &Tree, path: &str) -> bool {
    tree.resolve(path)
        .is_some_and(|(_, node)| node.is_file() && node.size > 0)
}

/// A directory holding at least one regular file: directly (Go reads a cert directory's own
/// entries, following symlinks) or anywhere below (zone files sit in region directories).
fn dir_has_files(tree: &Tree, dir: &str, nested: bool) -> bool {
    let Some((real, node)) = tree.resolve(dir) else {
        return false;
    };
    if !node.is_dir() {
        return false;
    }
    tree.descendants(&real).any(|(path, _)| {
        let direct = !path[real.len().min(path.len())..]
            .trim_start_matches('/')
            .contains('/');
        (nested || direct) && tree.resolve(path).is_some_and(|(_, n)| n.is_file())
    })
}

#[cfg(test)]
#[path = "runtime_tests.rs"]
mod tests;
