//! The size story: what the image weighs (its layers, uncompressed), what the same program
//! would weigh on `FROM scratch`, and the final-stage Dockerfile lines that get there.
//!
//! Which programs are kept: the one Entrypoint + Cmd runs (looking through a simple
//! `sh -c "/server --flag"`), when it is an analysed executable. Otherwise (no entrypoint, or a
//! script) every Go program with an executable bit, except the Go toolchain's own commands
//! (main package `cmd/…`) and files under `testdata`: gostatic is about Go services, and a
//! distribution's hundreds of C programs are no scratch story. No program: no parts and no
//! Dockerfile, only `image_bytes`.
//!
//! What each kept program brings: its loader and libraries if it is dynamic (as GS504 found
//! them, and /etc/ld.so.cache when one came from an ld.so.conf directory, since only the cache
//! tells glibc's loader about those), and the files its Go runtime needs that the image has
//! (the CA bundle or cert directory, the zoneinfo directory, /etc/passwd and /etc/group).
//! /etc/passwd and /etc/group also come along when USER is a name, which the runtime must
//! resolve. Each COPY names the path as the program reaches it (the entrypoint as the command
//! names it); `COPY --from` follows a source symlink, so the copy is the real file under that
//! name.
//!
//! The stage is judged with the same account model and command resolution as GS601–GS603
//! (`Start`): the image's USER is kept unless it is root or names an account the image lacks
//! (then distroless's `65532:65532`), and when that user could not execute the copied
//! program (its mode bits with either owner, since builders differ on what `COPY --from`
//! keeps), the COPY sets `--chmod=0755`. A program found through a PATH directory the runtime's
//! default lacks brings `ENV PATH`.

use std::collections::HashSet;

use super::accounts::ExecUser;
use super::command::{DEFAULT_PATH, Found, Program};
use super::lookup::{self, Executables};
use super::{PartKind, SizePart, SizeStory, Start};
use crate::facts::FileFacts;
use crate::image::{Image, Tree};
use crate::rules::image::libs::{Closure, Libraries};
use crate::rules::image::runtime;

/// The stage name used when the image has no usable reference (a digest or a directory).
const PLACEHOLDER_SOURCE: &str = "IMAGE";

/// The user suggested when the image runs as root: distroless's `nonroot`.
const NONROOT: &str = "65532:65532";

pub(super) fn story(image: &Image<FileFacts>, start: &Start, libraries: &Libraries) -> SizeStory {
    let mut story = SizeStory {
        image_bytes: image.layers.iter().map(|l| l.uncompressed_size).sum(),
        ..SizeStory::default()
    };
    let executables = Executables::new(image);
    let entry = start
        .command
        .entry_program()
        .and_then(|p| Some((p, executables.index(&p.real)?)));
    let kept: Vec<(usize, PartKind)> = match entry {
        Some((_, index)) => vec![(index, PartKind::Entrypoint)],
        None => go_programs(image),
    };
    if kept.is_empty() {
        return story;
    }

    let mut parts = Parts::new(&image.tree);
    let mut env = Vec::new();
    let mut dynamic = false;
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
        let Some(go) = file.inspection.go_facts() else {
            continue;
        };
        for need in go.required_needs() {
            let Some(why) = why_for(need.spec.kind) else {
                continue;
            };
            if let Ok(provision) = runtime::provision(image, start, need.spec.kind) {
                for path in &provision.paths {
                    parts.add(path, why);
                }
                env.extend(provision.env);
            }
        }
    }
    if start.user.names_an_account()
        && let Ok(provision) =
            runtime::provision(image, start, crate::gobin::analysis::NeedKind::Passwd)
    {
        for path in &provision.paths {
            parts.add(path, PartKind::Passwd);
        }
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

    story.parts = parts.list;
    story.scratch_bytes = story.parts.iter().map(|p| p.bytes).sum();
    let stage = Stage::of(image, start, program, &story.parts);
    story.dockerfile = dockerfile(image, start, &stage, &story.parts, env);
    story
}

fn why_for(kind: crate::gobin::analysis::NeedKind) -> Option<PartKind> {
    use crate::gobin::analysis::NeedKind;
    match kind {
        NeedKind::CaCertificates => Some(PartKind::CaCertificates),
        NeedKind::Zoneinfo => Some(PartKind::Zoneinfo),
        NeedKind::Passwd => Some(PartKind::Passwd),
        NeedKind::NameResolution | NeedKind::Mime => None,
    }
}

/// Who the suggested stage runs as, and whether its program needs `--chmod`.
pub(super) struct Stage {
    /// The USER line's value.
    pub user: String,
    /// The entrypoint's COPY sets `--chmod=0755`: the user could not execute it otherwise.
    pub chmod: bool,
}

impl Stage {
    fn of(
        image: &Image<FileFacts>,
        start: &Start,
        program: Option<&Program>,
        parts: &[SizePart],
    ) -> Self {
        let kept = |path: &str| parts.iter().any(|p| p.path == path);
        let accounts = start
            .accounts
            .keeping(kept("/etc/passwd"), kept("/etc/group"));
        let image_user = ExecUser::resolve(&start.user.configured, &accounts);
        let user = if start.user.root.is_some() || !start.user.resolves() || !image_user.resolves()
        {
            ExecUser::resolve(NONROOT, &accounts)
        } else {
            image_user
        };
        // The copy keeps the mode bits; its owner is the source's or root, by builder.
        let chmod = program
            .and_then(|p| image.tree.resolve(&p.real))
            .is_some_and(|(_, node)| {
                let as_root = crate::image::Node {
                    uid: 0,
                    gid: 0,
                    ..node.clone()
                };
                !(user.may_execute(node) && user.may_execute(&as_root))
            });
        Stage {
            user: user.configured,
            chmod,
        }
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

fn dockerfile(
    image: &Image<FileFacts>,
    start: &Start,
    stage: &Stage,
    parts: &[SizePart],
    env: Vec<String>,
) -> Vec<String> {
    let from = source(image);
    let mut lines = vec!["FROM scratch".to_string()];
    for part in parts {
        let path = &part.path;
        let chmod = if stage.chmod && part.why == PartKind::Entrypoint {
            " --chmod=0755"
        } else {
            ""
        };
        if path.contains(char::is_whitespace) {
            lines.push(format!(
                "COPY --from={from}{chmod} {}",
                json(&[path.clone(), path.clone()])
            ));
        } else {
            lines.push(format!("COPY --from={from}{chmod} {path} {path}"));
        }
    }
    let mut seen = HashSet::new();
    for line in env {
        if seen.insert(line.clone()) {
            lines.push(format!("ENV {line}"));
        }
    }
    lines.push(format!("USER {}", stage.user));
    let workdir = &image.config.working_dir;
    if !workdir.is_empty() && workdir != "/" {
        lines.push(format!("WORKDIR {workdir}"));
    }
    let through_shell = start.command.shell.as_ref().and_then(|shell| {
        let program = shell.program.as_ref()?;
        // Without the shell nothing searches PATH: name the file.
        let mut argv = shell.words.clone();
        argv[0].clone_from(&program.path);
        Some(argv)
    });
    match through_shell {
        Some(argv) => lines.push(format!("ENTRYPOINT {}", json(&argv))),
        None => {
            let config = &image.config;
            if let Some(entrypoint) = config.entrypoint.as_ref().filter(|e| !e.is_empty()) {
                lines.push(format!("ENTRYPOINT {}", json(entrypoint)));
            }
            if let Some(cmd) = config.cmd.as_ref().filter(|c| !c.is_empty()) {
                lines.push(format!("CMD {}", json(cmd)));
            }
        }
    }
    lines
}

/// Exec form, as Dockerfiles write it: `["/server", "--port", "80"]`.
fn json(argv: &[String]) -> String {
    let words: Vec<String> = argv
        .iter()
        .map(|w| serde_json::to_string(w).unwrap_or_else(|_| format!("\"{w}\"")))
        .collect();
    format!("[{}]", words.join(", "))
}

#[cfg(test)]
#[path = "size_tests.rs"]
mod tests;
