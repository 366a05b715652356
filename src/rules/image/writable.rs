//! GS506 and GS507 in an image: the directories a Go program writes, judged as the process will
//! find them. A directory counts when it resolves inside the root (symlinks followed) to a
//! directory the run user may create files in: root always, others by the write bit of the
//! owner, group or other class that applies (mode 1777, or owned by the user with `u+w`).
//!
//! - temp dir (`os.TempDir`, `src/os/file_unix.go`): `$TMPDIR` when non-empty, else `/tmp`;
//!   a `$TMPDIR` that does not do is not replaced by /tmp.
//! - home (`src/os/file.go`): `os.UserHomeDir` is `$HOME`; `os.UserCacheDir` is
//!   `$XDG_CACHE_HOME` (an absolute path), else `$HOME/.cache`; `os.UserConfigDir` is
//!   `$XDG_CONFIG_HOME`, else `$HOME/.config`. When the config's Env has no HOME, the runtime
//!   sets it: runc's `setupUser` (`libcontainer/init_linux.go`) sets HOME from `GetExecUser`
//!   (`libcontainer/user/user.go`) when the environment lacks it: the user's /etc/passwd home,
//!   else the default it is given, `/` (for root too). `accounts.rs` computes that home.
//!
//! A user gostatic cannot resolve (a name the image lacks: GS602) is taken on trust here.

use super::accounts::Identity;
use super::runtime::Provision;
use super::{Start, lookup};
use crate::facts::FileFacts;
use crate::gobin::analysis::RuntimeNeed;
use crate::image::{Image, Tree};

/// The temp dir the program will use, when the run user may write it.
pub(super) fn tmp(image: &Image<FileFacts>, start: &Start) -> Result<Provision, String> {
    let env = lookup::env(image, "TMPDIR").filter(|v| !v.is_empty());
    let dir = match env {
        Some(value) => lookup::absolute(value, &lookup::working_dir(image)),
        None => "/tmp".to_string(),
    };
    let named = match env {
        Some(value) => format!("TMPDIR={value}"),
        None => "/tmp".to_string(),
    };
    writable(&image.tree, start.user.identity.as_ref(), &dir).map_err(|why| match why {
        Lack::Absent => format!("the image has no {named}"),
        Lack::NotDir => format!("{named} is not a directory"),
        Lack::NotWritable(what) => format!("{named} is {what}"),
    })?;
    Ok(Provision {
        paths: vec![dir],
        env: env.map(|v| format!("TMPDIR={v}")).into_iter().collect(),
    })
}

/// Where HOME (or the XDG variable a function reads first) points, when the run user may
/// write every directory the evidence uses. The provision names no path to copy: a copy is
/// root-owned, so a stage makes these directories itself.
pub(super) fn home(
    image: &Image<FileFacts>,
    start: &Start,
    need: &RuntimeNeed,
) -> Result<Provision, String> {
    let Some(identity) = start.user.identity.as_ref() else {
        return Ok(Provision::default());
    };
    let (home, from) = runtime_home(image, start, identity);
    let mut env = Vec::new();
    if from == HomeFrom::Config {
        env.push(format!("HOME={home}"));
    }
    for (function, variable, default) in USES {
        if !need.evidence.iter().any(|n| n == function) {
            continue;
        }
        let xdg = variable.and_then(|v| lookup::env(image, v).filter(|x| !x.is_empty()));
        let (dir, named) = match (variable, xdg) {
            (Some(variable), Some(value)) => {
                if !value.starts_with('/') {
                    return Err(format!(
                        "{variable}={value} is relative, which {function} refuses"
                    ));
                }
                env.push(format!("{variable}={value}"));
                (value.to_string(), format!("{variable}={value}"))
            }
            _ => (home.clone(), describe_home(&home, from, identity)),
        };
        // `$HOME/.cache` may be there already; else HOME itself must take the new directory.
        let sub = default.map(|d| format!("{}/{d}", dir.trim_end_matches('/')));
        if sub.is_some_and(|s| writable(&image.tree, Some(identity), &s).is_ok()) {
            continue;
        }
        if let Err(lack) = writable(&image.tree, Some(identity), &dir) {
            let what = match lack {
                Lack::Absent => "not in the image".to_string(),
                Lack::NotDir => "not a directory".to_string(),
                Lack::NotWritable(what) => what,
            };
            return Err(format!("{named}, which is {what}"));
        }
    }
    env.dedup();
    Ok(Provision {
        paths: Vec::new(),
        env,
    })
}

/// Each function, the variable it reads before HOME, and the directory it adds to HOME.
const USES: [(&str, Option<&str>, Option<&str>); 3] = [
    ("os.UserHomeDir", None, None),
    ("os.UserCacheDir", Some("XDG_CACHE_HOME"), Some(".cache")),
    ("os.UserConfigDir", Some("XDG_CONFIG_HOME"), Some(".config")),
];

/// Where the process's HOME comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HomeFrom {
    /// `HOME=` in the config's Env.
    Config,
    /// The user's line in /etc/passwd.
    Passwd,
    /// runc's default, `/`: the user has no line.
    Default,
}

/// HOME as the process will have it.
fn runtime_home(
    image: &Image<FileFacts>,
    start: &Start,
    identity: &Identity,
) -> (String, HomeFrom) {
    if let Some(home) = lookup::env(image, "HOME").filter(|h| !h.is_empty()) {
        return (home.to_string(), HomeFrom::Config);
    }
    let from = if start.user.entry.is_some() {
        HomeFrom::Passwd
    } else {
        HomeFrom::Default
    };
    (identity.home.clone(), from)
}

fn describe_home(home: &str, from: HomeFrom, identity: &Identity) -> String {
    match from {
        HomeFrom::Config => format!("HOME={home}"),
        HomeFrom::Passwd => format!("HOME is {home} (uid {}'s /etc/passwd home)", identity.uid),
        HomeFrom::Default => format!(
            "HOME is {home} (the runtime's default: /etc/passwd has no uid {})",
            identity.uid
        ),
    }
}

/// Why a directory does not do.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Lack {
    Absent,
    NotDir,
    /// What it is instead: `mode 0755, owned by 0:0, not writable by uid 65532`.
    NotWritable(String),
}

/// Whether `dir` resolves to a directory `identity` may create files in (`None`: any). The root
/// is implicit in a tree unless a layer names it (`./`): then it is what the runtime's rootfs
/// directory is, `0755` and root's.
fn writable(tree: &Tree, identity: Option<&Identity>, dir: &str) -> Result<(), Lack> {
    let (mode, uid, gid) = match tree.resolve(dir) {
        Some((_, node)) if node.is_dir() => (node.mode, node.uid, node.gid),
        Some(_) => return Err(Lack::NotDir),
        None if dir.split('/').all(str::is_empty) => (0o755, 0, 0),
        None => return Err(Lack::Absent),
    };
    match identity {
        Some(id) if !id.may_write(mode, uid, gid) => Err(Lack::NotWritable(format!(
            "mode {:04o}, owned by {uid}:{gid}, not writable by uid {}",
            mode & 0o7777,
            id.uid
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[path = "writable_tests.rs"]
mod tests;
