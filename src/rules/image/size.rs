//! The size story: what the image weighs (its layers, uncompressed), what the same program
//! would weigh on `FROM scratch`, and the final stage that gets there (`stage::Plan`), printed
//! only when `stage::problems` finds it works; else `no_stage_reason` says why.
//!
//! Which programs are kept: the one Entrypoint + Cmd runs (looking through a simple
//! `sh -c "/server --flag"`, with or without the shell in the image), when it is an analysed
//! executable; one too big to analyse gives no stage (its needs are unknown). Otherwise (no
//! entrypoint, or a script) every Go program with an executable bit, except the Go toolchain's
//! own commands (main package `cmd/…`) and files under `testdata`: gostatic is about Go
//! services, and a distribution's hundreds of C programs are no scratch story.
//!
//! What each kept program brings: its loader and libraries if it is dynamic (as GS504 found
//! them, and /etc/ld.so.cache with the ld.so.conf files when one came from an ld.so.conf
//! directory, since only the cache tells glibc's loader about those), the files its Go runtime
//! needs that the image has (the CA bundle or cert directory, the zoneinfo directory, /tmp), and
//! for a program that looks users up, an /etc/passwd and /etc/group with the stage's user.
//! Each COPY names the path as the program reaches it (the entrypoint as the command names
//! it); `COPY --from` follows a source symlink, so the copy is the real file under that name.
//!
//! Who it runs as, with the same account model as GS601–GS603 (`Start`): the image's USER as
//! ids (a numeric one as written; a name as its uid:gid, so starting needs no passwd), unless
//! it is root or names an account the image lacks (then distroless's `65532:65532`). When that
//! user could not execute the copied program (its mode bits with either owner, since builders
//! differ on what `COPY --from` keeps), the COPY sets `--chmod=0755`. A program found through a
//! PATH directory the runtime's default lacks brings `ENV PATH`.

use std::collections::HashSet;

use super::accounts::Identity;
use super::command::{DEFAULT_PATH, Found, Program};
use super::lookup::{self, Executables};
use super::stage::{self, CopyFrom, Heredoc, Plan};
use super::{PartKind, SizePart, SizeStory, Start};
use crate::facts::FileFacts;
use crate::gobin::analysis::NeedKind;
use crate::image::{Image, Tree};
use crate::rules::image::libs::{Closure, Libraries};
use crate::rules::image::runtime;

/// The stage name used when the image has no usable reference (a digest or a directory).
const PLACEHOLDER_SOURCE: &str = "IMAGE";

/// The user suggested when the image runs as root: distroless's `nonroot`.
const NONROOT: &str = "65532:65532";
const NONROOT_ID: u64 = 65532;

pub(super) fn story(image: &Image<FileFacts>, start: &Start, libraries: &Libraries) -> SizeStory {
    let mut story = SizeStory {
        image_bytes: image.layers.iter().map(|l| l.uncompressed_size).sum(),
        ..SizeStory::default()
    };
    let executables = Executables::new(image);
    let named = start.command.entry_program();
    if let Some(program) = named.filter(|p| executables.is_too_big(&p.real)) {
        story.no_stage_reason = Some(format!(
            "the entrypoint {} was not analysed (over the size limit): what it needs is unknown",
            program.path
        ));
        return story;
    }
    let entry = named.and_then(|p| Some((p, executables.index(&p.real)?)));
    let kept: Vec<(usize, PartKind)> = match entry {
        Some((_, index)) => vec![(index, PartKind::Entrypoint)],
        None => go_programs(image),
    };
    if kept.is_empty() {
        story.no_stage_reason = Some(
            "the command runs no analysed program, and the image has no Go program to keep"
                .to_string(),
        );
        return story;
    }

    let mut parts = Parts::new(&image.tree);
    let mut env = Vec::new();
    let mut dynamic = false;
    let mut needs_passwd = false;
    let mut needs_tmp = false;
    let mut needs_home = false;
    let mut go = false;
    for &(index, why) in &kept {
        let file = &image.files[index];
        let program = match entry {
            Some((program, _)) if why == PartKind::Entrypoint => program.path.as_str(),
            _ => file.image_path.as_str(),
        };
        parts.add_sized(program, file.size, why);
        if let Some(closure) = libraries.of(index) {
            dynamic = true;
            add_libraries(&mut parts, closure);
        }
        let Some(facts) = file.inspection.go_facts() else {
            continue;
        };
        go = true;
        for need in facts.required_needs() {
            needs_passwd |= need.spec.kind == NeedKind::Passwd;
            needs_tmp |= need.spec.kind == NeedKind::Tmp;
            if need.spec.kind == NeedKind::Home {
                needs_home = true;
                // The variables the config sets for it; the stage makes the directories.
                if let Ok(provision) = runtime::provision(image, start, need) {
                    env.extend(provision.env);
                }
            }
            let Some(why) = why_for(need.spec.kind) else {
                continue;
            };
            if let Ok(provision) = runtime::provision(image, start, need) {
                env.extend(provision.env);
                // The accounts are the stage's own, chosen with its user below.
                if why != PartKind::Passwd {
                    for path in &provision.paths {
                        parts.add(path, why);
                    }
                }
            }
        }
    }
    // os.TempDir is /tmp unless $TMPDIR says otherwise, and scratch has no /tmp.
    if go && image.tree.resolve("/tmp").is_some_and(|(_, n)| n.is_dir()) {
        parts.add("/tmp", PartKind::Tmp);
    }
    if dynamic && let Some(value) = lookup::env(image, "LD_LIBRARY_PATH") {
        env.push(format!("LD_LIBRARY_PATH={value}"));
    }
    let program = entry.map(|(program, _)| program);
    let through_shell = start
        .command
        .shell
        .as_ref()
        .is_some_and(|s| s.program.is_some());
    if let Some(Found::PathEntry(dir)) = program.map(|p| &p.found)
        && !through_shell
        && !DEFAULT_PATH.split(':').any(|d| d == dir)
    {
        env.push(format!("PATH={}", start.command.path_list));
    }

    let stage = Stage::of(image, start, program);
    let heredocs = stage.accounts(start, needs_passwd, &mut parts);
    let mut dirs = Vec::new();
    // No temp dir to copy: the stage makes /tmp, the run user's.
    if needs_tmp && !parts.list.iter().any(|p| p.why == PartKind::Tmp) {
        dirs.push("/tmp".to_string());
    }
    if needs_home {
        dirs.extend(stage.home_dirs(start, needs_passwd, &mut env));
    }
    story.parts = parts.list;
    story.scratch_bytes = story.parts.iter().map(|p| p.bytes).sum();
    let mut plan = plan(image, start, &stage, &story.parts, heredocs, env);
    plan.dirs = dirs;
    if needs_tmp {
        for copy in &mut plan.copies {
            if story
                .parts
                .iter()
                .any(|p| p.path == copy.path && p.why == PartKind::Tmp)
            {
                copy.chmod = Some(0o1777);
            }
        }
    }
    let problems = stage::problems(image, &plan);
    if problems.is_empty() {
        story.dockerfile = plan.dockerfile();
    } else {
        story.no_stage_reason = Some(format!(
            "a final stage of these files would not work: {}",
            problems.join("; ")
        ));
    }
    story.plan = Some(plan);
    story
}

fn why_for(kind: NeedKind) -> Option<PartKind> {
    match kind {
        NeedKind::CaCertificates => Some(PartKind::CaCertificates),
        NeedKind::Zoneinfo => Some(PartKind::Zoneinfo),
        NeedKind::Passwd => Some(PartKind::Passwd),
        NeedKind::Tmp => Some(PartKind::Tmp),
        NeedKind::NameResolution | NeedKind::Mime | NeedKind::Home => None,
    }
}

/// Who the suggested stage runs as, and whether its program needs `--chmod`.
pub(super) struct Stage {
    /// The USER line's value: ids, so that starting needs no /etc/passwd.
    pub user: String,
    uid: u64,
    gid: u64,
    /// The entrypoint's COPY sets `--chmod=0755`: the user could not execute it otherwise.
    pub chmod: bool,
}

impl Stage {
    fn of(image: &Image<FileFacts>, start: &Start, program: Option<&Program>) -> Self {
        let image_user = &start.user;
        let (user, uid, gid) = match &image_user.identity {
            Some(id) if image_user.root.is_none() && image_user.resolves() => {
                // A name, or a bare uid whose group came from the image's passwd (a stage
                // without that passwd would run with gid 0): write both ids.
                let implied_group = image_user.group.is_none() && id.gid != 0;
                let user = if image_user.names_an_account() || implied_group {
                    format!("{}:{}", id.uid, id.gid)
                } else {
                    image_user.configured.clone()
                };
                (user, id.uid, id.gid)
            }
            _ => (NONROOT.to_string(), NONROOT_ID, NONROOT_ID),
        };
        let identity = Identity {
            uid,
            gid,
            supplementary: Vec::new(),
            home: "/".to_string(),
        };
        // The copy keeps the mode bits; its owner is the source's or root, by builder.
        let chmod = program
            .and_then(|p| image.tree.resolve(&p.real))
            .is_some_and(|(_, node)| {
                !(identity.may_execute(node.mode, node.uid, node.gid)
                    && identity.may_execute(node.mode, 0, 0))
            });
        Stage {
            user,
            uid,
            gid,
            chmod,
        }
    }

    /// The name a heredoc passwd gives the stage's user, and its home there.
    fn account_name(&self) -> &'static str {
        if self.uid == NONROOT_ID {
            "nonroot"
        } else {
            "app"
        }
    }

    /// The directories a program that writes its home needs the stage to make, and the `ENV
    /// HOME` it needs when the runtime's HOME would be `/`, which the stage's user (never root:
    /// `Stage::of`) may not write. HOME is what the runtime will set (`writable::runtime_home`):
    /// the config's, else the stage's /etc/passwd home for the uid (the image's line, or the
    /// heredoc's `/home/NAME`), else `/`. The XDG variables carried over from the config name
    /// directories too.
    fn home_dirs(&self, start: &Start, passwd: bool, env: &mut Vec<String>) -> Vec<String> {
        let set = |key: &str| {
            env.iter()
                .rev()
                .find_map(|e| e.strip_prefix(key)?.strip_prefix('='))
                .map(str::to_string)
        };
        let mut dirs: Vec<String> = ["XDG_CACHE_HOME", "XDG_CONFIG_HOME"]
            .iter()
            .filter_map(|key| set(key))
            .collect();
        let passwd_home = || match start.accounts.user_with_uid(self.uid) {
            Some(entry) if !entry.home.is_empty() => entry.home.clone(),
            Some(_) => "/".to_string(),
            None => format!("/home/{}", self.account_name()),
        };
        let mut home = set("HOME")
            .or_else(|| passwd.then(passwd_home))
            .unwrap_or_else(|| "/".to_string());
        if home == "/" {
            home = format!("/home/{}", self.account_name());
            env.push(format!("HOME={home}"));
        }
        dirs.insert(0, home);
        dirs.dedup();
        dirs
    }

    /// /etc/passwd and /etc/group for a program that looks users up (os/user): the image's,
    /// when its passwd has the stage's uid; else a minimal pair written by heredocs.
    fn accounts(&self, start: &Start, needed: bool, parts: &mut Parts<'_>) -> Vec<Heredoc> {
        if !needed {
            return Vec::new();
        }
        if start.accounts.user_with_uid(self.uid).is_some() {
            parts.add("/etc/passwd", PartKind::Passwd);
            parts.add("/etc/group", PartKind::Passwd);
            return Vec::new();
        }
        let name = self.account_name();
        let (uid, gid) = (self.uid, self.gid);
        let mut passwd = "root:x:0:0:root:/root:/sbin/nologin\n".to_string();
        let mut group = "root:x:0:\n".to_string();
        if uid != 0 {
            passwd.push_str(&format!(
                "{name}:x:{uid}:{gid}:{name}:/home/{name}:/sbin/nologin\n"
            ));
        }
        if gid != 0 {
            group.push_str(&format!("{name}:x:{gid}:\n"));
        }
        let heredocs = vec![
            Heredoc {
                path: "/etc/passwd".to_string(),
                text: passwd,
            },
            Heredoc {
                path: "/etc/group".to_string(),
                text: group,
            },
        ];
        for heredoc in &heredocs {
            parts.add_sized(&heredoc.path, heredoc.text.len() as u64, PartKind::Passwd);
        }
        heredocs
    }
}

/// Go programs worth keeping when the entrypoint names none.
pub(super) fn go_programs(image: &Image<FileFacts>) -> Vec<(usize, PartKind)> {
    image
        .files
        .iter()
        .enumerate()
        .filter(|(_, file)| {
            let path = file.image_path.as_str();
            let (Some(elf), Some(go)) = (file.inspection.elf_facts(), file.inspection.go_facts())
            else {
                return false;
            };
            let toolchain = go
                .path
                .as_ref()
                .is_some_and(|p| p.as_bytes().starts_with(b"cmd/"));
            let runnable = image.tree.get(path).is_some_and(|n| n.mode & 0o111 != 0);
            elf.linking.is_executable()
                && runnable
                && !toolchain
                && !path.split('/').any(|c| c == "testdata")
        })
        .map(|(index, _)| (index, PartKind::Executable))
        .collect()
}

fn add_libraries(parts: &mut Parts<'_>, closure: &Closure) {
    if let Some(loader) = &closure.loader {
        parts.add(&loader.path, PartKind::Loader);
    }
    for library in &closure.libraries {
        parts.add(&library.path, PartKind::Library);
    }
    if closure.libraries.iter().any(|l| l.via_cache) {
        parts.add("/etc/ld.so.cache", PartKind::LdSoCache);
        // What the cache was made from: tiny, and what tells the stage check (and ldconfig)
        // where those libraries are.
        parts.add("/etc/ld.so.conf", PartKind::LdSoCache);
        parts.add("/etc/ld.so.conf.d", PartKind::LdSoCache);
    }
}

/// The parts so far, each path once.
struct Parts<'a> {
    tree: &'a Tree,
    list: Vec<SizePart>,
    seen: HashSet<String>,
}

impl<'a> Parts<'a> {
    fn new(tree: &'a Tree) -> Self {
        Parts {
            tree,
            list: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// A file or directory of the image, weighed from the tree; absent paths are left out.
    fn add(&mut self, path: &str, why: PartKind) {
        if let Some(bytes) = weigh(self.tree, path) {
            self.add_sized(path, bytes, why);
        }
    }

    fn add_sized(&mut self, path: &str, bytes: u64, why: PartKind) {
        if self.seen.insert(path.to_string()) {
            self.list.push(SizePart {
                path: path.to_string(),
                bytes,
                why,
            });
        }
    }
}

/// Bytes a COPY of `path` would bring: the file it resolves to, or every regular file under
/// the directory it resolves to.
fn weigh(tree: &Tree, path: &str) -> Option<u64> {
    let (real, node) = tree.resolve(path)?;
    if node.is_file() {
        return Some(node.size);
    }
    node.is_dir().then(|| {
        tree.descendants(&real)
            .filter(|(_, n)| n.is_file())
            .map(|(_, n)| n.size)
            .sum()
    })
}

/// The reference `COPY --from` can name: the image's tag or name, else a placeholder.
fn source(image: &Image<FileFacts>) -> &str {
    let name = image.name.as_str();
    let plausible = !name.starts_with("sha256:")
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/' | b':' | b'@')
        });
    if plausible { name } else { PLACEHOLDER_SOURCE }
}

/// The stage as data: every part copied from the image (heredoc files written instead), the
/// environment, the user, the working directory and the command in exec form.
fn plan(
    image: &Image<FileFacts>,
    start: &Start,
    stage: &Stage,
    parts: &[SizePart],
    heredocs: Vec<Heredoc>,
    env: Vec<String>,
) -> Plan {
    let written: HashSet<&str> = heredocs.iter().map(|h| h.path.as_str()).collect();
    let copies = parts
        .iter()
        .filter(|part| !written.contains(part.path.as_str()))
        .map(|part| CopyFrom {
            path: part.path.clone(),
            chmod: (stage.chmod && part.why == PartKind::Entrypoint).then_some(0o755),
        })
        .collect();
    let mut seen = HashSet::new();
    let env = env.into_iter().filter(|l| seen.insert(l.clone())).collect();
    let workdir = Some(lookup::working_dir(image)).filter(|dir| dir != "/");
    let through_shell = start.command.shell.as_ref().and_then(|shell| {
        let program = shell.program.as_ref()?;
        // Without the shell nothing searches PATH: name the file.
        let mut argv = shell.words.clone();
        argv[0].clone_from(&program.path);
        Some(argv)
    });
    let set = |words: &Option<Vec<String>>| words.clone().filter(|w| !w.is_empty());
    let (entrypoint, cmd) = match through_shell {
        Some(argv) => (Some(argv), None),
        None => (set(&image.config.entrypoint), set(&image.config.cmd)),
    };
    Plan {
        from: source(image).to_string(),
        copies,
        heredocs,
        env,
        user: stage.user.clone(),
        dirs: Vec::new(),
        workdir,
        entrypoint,
        cmd,
    }
}

#[cfg(test)]
#[path = "size_tests.rs"]
mod tests;
