//! Attack surface in the final filesystem: GS605 shell-present, GS606 package-manager and
//! GS607 setuid. Paths are looked up through symlinks inside the root (a merged-/usr image's
//! `/bin/sh` is `/usr/bin/sh` is `dash`), and each program is named once however many names
//! reach it.

use std::collections::BTreeSet;

use super::accounts::Accounts;
use crate::facts::FileFacts;
use crate::image::{Image, Node, NodeKind, Tree, path};
use crate::rules::{Finding, Rule};

/// Shells, and busybox, which is one (`sh` is an applet). Looked up in the usual directories.
const SHELLS: [&str; 8] = ["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"];

/// OS package managers, the front ends and the low-level tools. Language package managers
/// (pip, npm, gem) are not counted: they install libraries, not system software, and many
/// runtime images legitimately carry them.
const PACKAGE_MANAGERS: [&str; 11] = [
    "apt", "apt-get", "dpkg", "apk", "yum", "dnf", "microdnf", "tdnf", "rpm", "zypper", "pacman",
];

const BIN_DIRS: [&str; 6] = [
    "/bin",
    "/usr/bin",
    "/sbin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
];

/// One GS607 finding per file up to this many, then one finding counting the rest: a hostile
/// image cannot make the report grow without bound.
const MAX_SETUID_FINDINGS: usize = 100;

pub(super) fn check(image: &Image<FileFacts>, accounts: &Accounts, out: &mut Vec<Finding>) {
    let shells = programs(&image.tree, &SHELLS);
    if !shells.is_empty() {
        out.push(Finding::new(
            Rule::ShellPresent,
            format!("shells in the image: {}", shells.join(", ")),
            Rule::ShellPresent.info().fix,
        ));
    }
    let managers = programs(&image.tree, &PACKAGE_MANAGERS);
    if !managers.is_empty() {
        out.push(Finding::new(
            Rule::PackageManager,
            format!("package managers in the image: {}", managers.join(", ")),
            Rule::PackageManager.info().fix,
        ));
    }
    setuid(&image.tree, accounts, out);
}

/// Each of `names` found in a bin directory, once per real file: `/bin/sh -> dash` when the
/// name is a symlink (its target as written), else the path.
fn programs(tree: &Tree, names: &[&str]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for name in names {
        for dir in BIN_DIRS {
            let candidate = path::join(dir, name);
            let Some((real, node)) = tree.resolve(&candidate) else {
                continue;
            };
            // A hard link is another name for the same bytes: count the file it links to.
            let identity = match &node.kind {
                NodeKind::HardLink { target } => tree.resolve(target).map_or(real, |(p, _)| p),
                _ => real,
            };
            if !node.is_file() || !seen.insert(identity) {
                continue;
            }
            // Through a symlinked /bin the name itself is the file: show the name as asked.
            let own = tree.resolve_parent(&candidate).and_then(|p| tree.get(&p));
            match own.map(|n| &n.kind) {
                Some(NodeKind::Symlink { target }) => {
                    found.push(format!("{candidate} -> {target}"));
                }
                _ => found.push(candidate),
            }
        }
    }
    found
}

/// Regular files with the setuid or setgid bit, in path order.
fn setuid(tree: &Tree, accounts: &Accounts, out: &mut Vec<Finding>) {
    let flagged: Vec<(&str, &Node)> = tree
        .iter()
        .filter(|(_, node)| node.is_file() && node.mode & 0o6000 != 0)
        .collect();
    let fix = Rule::Setuid.info().fix;
    for (path, node) in flagged.iter().take(MAX_SETUID_FINDINGS) {
        let mut what = Vec::new();
        if node.mode & 0o4000 != 0 {
            let owner = accounts
                .user_with_uid(node.uid)
                .map_or_else(|| format!("uid {}", node.uid), |u| u.name.clone());
            what.push(format!("setuid {owner}"));
        }
        if node.mode & 0o2000 != 0 {
            let group = accounts
                .group_with_gid(node.gid)
                .map_or_else(|| format!("gid {}", node.gid), |g| g.name.clone());
            what.push(format!("setgid {group}"));
        }
        out.push(
            Finding::new(
                Rule::Setuid,
                format!(
                    "{path} is {} ({} {}:{})",
                    what.join(" and "),
                    mode_string(node),
                    node.uid,
                    node.gid
                ),
                fix,
            )
            .at(*path),
        );
    }
    if flagged.len() > MAX_SETUID_FINDINGS {
        let rest: Vec<&str> = flagged[MAX_SETUID_FINDINGS..]
            .iter()
            .map(|(p, _)| *p)
            .collect();
        out.push(Finding::new(
            Rule::Setuid,
            format!(
                "{} more setuid or setgid files: {}",
                rest.len(),
                crate::rules::first_few(&rest, rest.len())
            ),
            fix,
        ));
    }
}

/// `-rwsr-xr-x`, as `ls -l` writes a mode (`s`/`S` for setuid and setgid, `t`/`T` sticky).
pub(super) fn mode_string(node: &Node) -> String {
    let kind = match node.kind {
        NodeKind::File | NodeKind::HardLink { .. } => '-',
        NodeKind::Dir => 'd',
        NodeKind::Symlink { .. } => 'l',
        NodeKind::Other => '?',
    };
    let mode = node.mode;
    let mut text = String::with_capacity(10);
    text.push(kind);
    for (shift, special, set, unset) in [
        (6, 0o4000, 's', 'S'),
        (3, 0o2000, 's', 'S'),
        (0, 0o1000, 't', 'T'),
    ] {
        let bits = (mode >> shift) & 0o7;
        text.push(if bits & 4 != 0 { 'r' } else { '-' });
        text.push(if bits & 2 != 0 { 'w' } else { '-' });
        text.push(match (bits & 1 != 0, mode & special != 0) {
            (true, true) => set,
            (false, true) => unset,
            (true, false) => 'x',
            (false, false) => '-',
        });
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::image::{Config, Layer, image, one_layer};

    fn run(build: impl FnOnce(&mut Layer) -> &mut Layer) -> Vec<String> {
        let image = one_layer(build);
        let mut out = Vec::new();
        check(&image, &Accounts::read(&image.tree), &mut out);
        out.iter()
            .map(|f| format!("{} {}", f.rule.id(), f.message))
            .collect()
    }

    #[test]
    fn no_shell_no_manager_no_setuid_on_a_scratch_like_image() {
        assert!(run(|t| t.file("app", b"x").dir("etc")).is_empty());
    }

    #[test]
    fn shells_are_listed_once_through_symlinks_and_merged_usr() {
        let found = run(|t| {
            t.dir("usr")
                .dir("usr/bin")
                .symlink("bin", "usr/bin")
                .file("usr/bin/dash", b"ELF")
                .symlink("usr/bin/sh", "dash")
                .file("usr/bin/bash", b"ELF")
        });
        assert_eq!(
            found,
            ["GS605 shells in the image: /bin/sh -> dash, /bin/bash"]
        );
    }

    #[test]
    fn busybox_counts_once_for_all_its_applet_links() {
        let found = run(|t| {
            t.dir("bin")
                .file("bin/busybox", b"ELF")
                .symlink("bin/sh", "busybox")
                .hardlink("bin/ash", "bin/busybox")
        });
        assert_eq!(found, ["GS605 shells in the image: /bin/sh -> busybox"]);
    }

    #[test]
    fn package_managers_are_found() {
        let found = run(|t| {
            t.file("usr/bin/apt", b"x")
                .file("usr/bin/dpkg", b"x")
                .file("usr/bin/pip", b"x")
                .file("sbin/apk", b"x")
        });
        assert_eq!(
            found,
            ["GS606 package managers in the image: /usr/bin/apt, /usr/bin/dpkg, /sbin/apk"]
        );
    }

    #[test]
    fn setuid_and_setgid_files_are_named_with_owner_and_mode() {
        let image = one_layer(|t| {
            t.file_mode("etc/passwd", 0o644, b"root:x:0:0::/root:/bin/sh\n")
                .file_mode("etc/group", 0o644, b"root:x:0:\nshadow:x:42:\n")
                .file_mode("usr/bin/passwd", 0o4755, b"x")
                .file_owned("usr/bin/chage", 0o2755, (0, 42), b"x")
                .file_owned("usr/bin/both", 0o6750, (7, 8), b"x")
                .file_mode("usr/bin/plain", 0o755, b"x")
                .dir_mode("tmp", 0o1777)
        });
        let mut out = Vec::new();
        setuid(&image.tree, &Accounts::read(&image.tree), &mut out);
        let messages: Vec<&str> = out.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "/usr/bin/both is setuid uid 7 and setgid gid 8 (-rwsr-s--- 7:8)",
                "/usr/bin/chage is setgid shadow (-rwxr-sr-x 0:42)",
                "/usr/bin/passwd is setuid root (-rwsr-xr-x 0:0)",
            ]
        );
        assert_eq!(out[2].image_path.as_deref(), Some("/usr/bin/passwd"));
    }

    #[test]
    fn many_setuid_files_end_in_one_counting_finding() {
        let mut tar = Layer::new();
        for i in 0..(MAX_SETUID_FINDINGS + 5) {
            tar.file_mode(&format!("s/{i:03}"), 0o4755, b"x");
        }
        let image = image(&tar, Config::default());
        let mut out = Vec::new();
        setuid(&image.tree, &Accounts::default(), &mut out);
        assert_eq!(out.len(), MAX_SETUID_FINDINGS + 1);
        assert_eq!(
            out.last().unwrap().message,
            "5 more setuid or setgid files: /s/100, /s/101, /s/102 and 2 more"
        );
    }

    #[test]
    fn modes_read_like_ls() {
        let node = |mode, kind| Node {
            kind,
            mode,
            uid: 0,
            gid: 0,
            size: 0,
            layer: 0,
            capabilities: None,
            content: None,
            data: None,
        };
        assert_eq!(mode_string(&node(0o4755, NodeKind::File)), "-rwsr-xr-x");
        assert_eq!(mode_string(&node(0o2644, NodeKind::File)), "-rw-r-Sr--");
        assert_eq!(mode_string(&node(0o1777, NodeKind::Dir)), "drwxrwxrwt");
        assert_eq!(mode_string(&node(0o600, NodeKind::File)), "-rw-------");
    }
}
