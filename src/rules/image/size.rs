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
//! resolve. Each COPY names the path as the program reaches it; `COPY --from` follows a
//! source symlink, so the copy is the real file under that name.

use std::collections::HashSet;

use super::lookup::{self, Executables};
use super::{SizePart, SizeStory};
use crate::facts::FileFacts;
use crate::image::{Image, Tree};
use crate::rules::image::libs::{Closure, Libraries};
use crate::rules::image::runtime;

/// The stage name used when the image has no usable reference (a digest or a directory).
const PLACEHOLDER_SOURCE: &str = "IMAGE";

/// The user suggested when the image runs as root: distroless's `nonroot`.
const NONROOT: &str = "65532:65532";

pub(super) fn story(image: &Image<FileFacts>, libraries: &Libraries) -> SizeStory {
    let mut story = SizeStory {
        image_bytes: image.layers.iter().map(|l| l.uncompressed_size).sum(),
        ..SizeStory::default()
    };
    let entry = lookup::entry_program(image);
    let executables = Executables::new(image);
    let kept: Vec<(usize, &str)> = match entry.as_ref().and_then(|e| executables.index(&e.path)) {
        Some(index) => vec![(index, "entrypoint")],
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
        let program = file.image_path.as_str();
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
            if let Ok(provision) = runtime::provision(image, need.spec.kind) {
                for path in &provision.paths {
                    parts.add(path, why);
                }
                env.extend(provision.env);
            }
        }
    }
    if user_is_a_name(&image.config.user)
        && let Ok(provision) = runtime::provision(image, crate::gobin::analysis::NeedKind::Passwd)
    {
        for path in &provision.paths {
            parts.add(path, "passwd");
        }
    }
    if dynamic && let Some(value) = lookup::env(image, "LD_LIBRARY_PATH") {
        env.push(format!("LD_LIBRARY_PATH={value}"));
    }

    story.parts = parts.list;
    story.scratch_bytes = story.parts.iter().map(|p| p.bytes).sum();
    story.dockerfile = dockerfile(image, entry.as_ref(), &story.parts, env);
    story
}

fn why_for(kind: crate::gobin::analysis::NeedKind) -> Option<&'static str> {
    use crate::gobin::analysis::NeedKind;
    match kind {
        NeedKind::CaCertificates => Some("ca-certificates"),
        NeedKind::Zoneinfo => Some("zoneinfo"),
        NeedKind::Passwd => Some("passwd"),
        NeedKind::NameResolution | NeedKind::Mime => None,
    }
}

/// Go programs worth keeping when the entrypoint names none.
fn go_programs(image: &Image<FileFacts>) -> Vec<(usize, &'static str)> {
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
        .map(|(index, _)| (index, "executable"))
        .collect()
}

fn add_libraries(parts: &mut Parts<'_>, closure: &Closure) {
    if let Some(loader) = &closure.loader {
        parts.add(&loader.path, "loader");
    }
    for library in &closure.libraries {
        parts.add(&library.path, "library");
    }
    if closure.libraries.iter().any(|l| l.via_cache) {
        parts.add("/etc/ld.so.cache", "ld-so-cache");
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
    fn add(&mut self, path: &str, why: &str) {
        if let Some(bytes) = weigh(self.tree, path) {
            self.add_sized(path, bytes, why);
        }
    }

    fn add_sized(&mut self, path: &str, bytes: u64, why: &str) {
        if self.seen.insert(path.to_string()) {
            self.list.push(SizePart {
                path: path.to_string(),
                bytes,
                why: why.to_string(),
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

fn user_is_a_name(user: &str) -> bool {
    !user.is_empty()
        && user
            .split(':')
            .any(|part| !part.is_empty() && !part.bytes().all(|b| b.is_ascii_digit()))
}

fn runs_as_root(user: &str) -> bool {
    matches!(user.split(':').next().unwrap_or(""), "" | "0" | "root")
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
    entry: Option<&lookup::EntryProgram>,
    parts: &[SizePart],
    env: Vec<String>,
) -> Vec<String> {
    let from = source(image);
    let mut lines = vec!["FROM scratch".to_string()];
    for part in parts {
        let path = &part.path;
        if path.contains(char::is_whitespace) {
            lines.push(format!(
                "COPY --from={from} {}",
                json(&[path.clone(), path.clone()])
            ));
        } else {
            lines.push(format!("COPY --from={from} {path} {path}"));
        }
    }
    let mut seen = HashSet::new();
    for line in env {
        if seen.insert(line.clone()) {
            lines.push(format!("ENV {line}"));
        }
    }
    let user = &image.config.user;
    lines.push(format!(
        "USER {}",
        if runs_as_root(user) { NONROOT } else { user }
    ));
    let workdir = &image.config.working_dir;
    if !workdir.is_empty() && workdir != "/" {
        lines.push(format!("WORKDIR {workdir}"));
    }
    match entry {
        Some(entry) if entry.through_shell => {
            lines.push(format!("ENTRYPOINT {}", json(&entry.argv)));
        }
        _ => {
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
