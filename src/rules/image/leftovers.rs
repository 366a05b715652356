//! What a single-stage or careless build leaves behind: GS608 wasted-bytes (bytes lower layers
//! ship that later layers hide), GS609 toolchain-in-image (a Go toolchain, a C compiler, a
//! Rust toolchain) and GS610 source-in-image (Go sources, go.mod, the module and build
//! caches). One pass over the final tree serves GS609 and GS610.

use std::collections::BTreeMap;

use crate::facts::FileFacts;
use crate::image::{Image, Tree, path};
use crate::rules::{Finding, Rule, first_few, human_bytes};

/// GS608 speaks from this many wasted bytes: less is noise next to any base image.
pub(super) const WASTED_THRESHOLD: u64 = 1 << 20;

pub(super) fn check(image: &Image<FileFacts>, out: &mut Vec<Finding>) {
    wasted(image, out);
    let found = Leftovers::find(&image.tree);
    toolchains(image, &found, out);
    sources(&found, out);
}

/// GS608: the total, the layers holding it, and the largest places (a directory when several
/// files of one directory were hidden together, as `rm -rf /var/lib/apt/lists/*` does).
fn wasted(image: &Image<FileFacts>, out: &mut Vec<Finding>) {
    let total: u64 = image.layers.iter().map(|l| l.wasted_bytes).sum();
    if total < WASTED_THRESHOLD {
        return;
    }
    let layers: Vec<String> = image
        .layers
        .iter()
        .enumerate()
        .filter(|(_, l)| l.wasted_bytes > 0)
        .map(|(i, l)| format!("layer {i} {}", human_bytes(l.wasted_bytes)))
        .collect();
    let mut places: BTreeMap<(usize, &str), (u64, usize)> = BTreeMap::new();
    for wasted in &image.wasted {
        let dir = path::split(&wasted.path).map_or("/", |(dir, _)| dir);
        let entry = places.entry((wasted.layer, dir)).or_default();
        entry.0 += wasted.size;
        entry.1 += 1;
    }
    let mut places: Vec<(String, usize, u64)> = places
        .into_iter()
        .map(|((layer, dir), (bytes, files))| {
            let shown = if files == 1 {
                image
                    .wasted
                    .iter()
                    .find(|w| w.layer == layer && path::split(&w.path).map(|(d, _)| d) == Some(dir))
                    .map_or_else(|| dir.to_string(), |w| w.path.clone())
            } else if dir == "/" {
                "/".to_string()
            } else {
                format!("{dir}/")
            };
            (shown, layer, bytes)
        })
        .collect();
    places.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let largest: Vec<String> = places
        .iter()
        .take(3)
        .map(|(shown, layer, bytes)| format!("{shown} {} in layer {layer}", human_bytes(*bytes)))
        .collect();
    out.push(Finding::new(
        Rule::WastedBytes,
        format!(
            "{} in lower layers is overwritten or deleted later ({}; largest: {})",
            human_bytes(total),
            layers.join(", "),
            largest.join(", ")
        ),
        Rule::WastedBytes.info().fix,
    ));
}

/// What the tree holds of toolchains and sources.
#[derive(Debug, Default)]
struct Leftovers {
    /// GOROOTs: a directory with `bin/go` and `pkg/tool` (or `src/runtime`).
    goroots: Vec<String>,
    c_compilers: Vec<String>,
    rust: Vec<String>,
    /// `.go` files outside every GOROOT, and those inside a module cache.
    go_files: usize,
    module_cache_go_files: usize,
    go_mods: Vec<String>,
    /// Module caches (`.../pkg/mod` holding `cache/download`) and build caches
    /// (`.../.cache/go-build`), with the bytes under each.
    caches: Vec<(&'static str, String, u64)>,
}

/// C compiler drivers as gcc, clang and their cross and versioned packages install them:
/// `cc`, `gcc`, `gcc-12`, `x86_64-linux-gnu-gcc-12`, `clang++-16`.
fn is_c_driver(name: &str) -> bool {
    let unversioned = match name.rsplit_once('-') {
        Some((stem, version))
            if !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit() || b == b'.') =>
        {
            stem
        }
        _ => name,
    };
    let tool = unversioned.rsplit('-').next().unwrap_or(unversioned);
    matches!(tool, "cc" | "c++" | "gcc" | "g++" | "clang" | "clang++")
        && (tool == unversioned || unversioned.contains("-linux"))
}

impl Leftovers {
    fn find(tree: &Tree) -> Leftovers {
        let mut found = Leftovers::default();
        for (p, node) in tree.iter() {
            if let Some(root) = p.strip_suffix("/bin/go")
                && !root.is_empty()
                && node.is_file()
                && tree
                    .get(&format!("{root}/pkg/tool"))
                    .or_else(|| tree.get(&format!("{root}/src/runtime")))
                    .is_some_and(|n| n.is_dir())
            {
                found.goroots.push(root.to_string());
            }
            if p.ends_with("/pkg/mod")
                && node.is_dir()
                && tree
                    .get(&format!("{p}/cache/download"))
                    .is_some_and(|n| n.is_dir())
            {
                found.caches.push(("module cache", p.to_string(), 0));
            }
            if p.ends_with("/.cache/go-build") && node.is_dir() {
                found.caches.push(("build cache", p.to_string(), 0));
            }
        }
        for (_, dir, bytes) in &mut found.caches {
            *bytes = tree
                .descendants(dir)
                .filter(|(_, n)| n.is_file())
                .map(|(_, n)| n.size)
                .sum();
        }
        let mut compilers_seen = std::collections::BTreeSet::new();
        let mut backends = Vec::new();
        for (p, node) in tree.iter() {
            let Some((dir, name)) = path::split(p) else {
                continue;
            };
            let in_bin = path::split(dir).is_some_and(|(_, d)| d == "bin" || d == "sbin");
            let program = |tree: &Tree| {
                tree.resolve(p)
                    .filter(|(_, n)| n.is_file())
                    .map(|(real, _)| real)
            };
            if in_bin && is_c_driver(name) {
                // gcc -> gcc-12 -> x86_64-linux-gnu-gcc-12 is one compiler, named once.
                if let Some(real) = program(tree)
                    && compilers_seen.insert(real)
                {
                    found.c_compilers.push(p.to_string());
                }
            }
            // The compiler proper, which only a C compiler install has.
            if node.is_file() && matches!(name, "cc1" | "cc1plus") {
                backends.push(p.to_string());
            }
            if in_bin && matches!(name, "rustc" | "cargo") && program(tree).is_some() {
                found.rust.push(p.to_string());
            }
            if !node.is_file() || found.goroots.iter().any(|root| is_under(p, root)) {
                continue;
            }
            let in_module_cache = found
                .caches
                .iter()
                .any(|(what, dir, _)| *what == "module cache" && is_under(p, dir));
            if name.ends_with(".go") {
                found.go_files += 1;
                if in_module_cache {
                    found.module_cache_go_files += 1;
                }
            } else if name == "go.mod" && !in_module_cache {
                found.go_mods.push(p.to_string());
            }
        }
        found.c_compilers.extend(backends);
        found
    }
}

fn is_under(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// GS609: one finding per kind of toolchain, at its main program.
fn toolchains(image: &Image<FileFacts>, found: &Leftovers, out: &mut Vec<Finding>) {
    let fix = Rule::ToolchainInImage.info().fix;
    for root in &found.goroots {
        let go = format!("{root}/bin/go");
        let version = image
            .files
            .iter()
            .find(|f| f.image_path == *go)
            .and_then(|f| f.inspection.go_facts())
            .and_then(|g| g.version.clone());
        let version = version.map(|v| format!(" ({v})")).unwrap_or_default();
        out.push(
            Finding::new(
                Rule::ToolchainInImage,
                format!("Go toolchain in the image: {go}{version}"),
                fix,
            )
            .at(go),
        );
    }
    for (what, paths) in [
        ("C compiler", &found.c_compilers),
        ("Rust toolchain", &found.rust),
    ] {
        if let Some(first) = paths.first() {
            out.push(
                Finding::new(
                    Rule::ToolchainInImage,
                    format!("{what} in the image: {}", first_few(paths, paths.len())),
                    fix,
                )
                .at(first.clone()),
            );
        }
    }
}

/// GS610: one finding with the count of sources, the go.mod files and the caches.
fn sources(found: &Leftovers, out: &mut Vec<Finding>) {
    let mut parts = Vec::new();
    if found.go_files > 0 {
        let mut count = format!(
            "{} .go file{}",
            found.go_files,
            if found.go_files == 1 { "" } else { "s" }
        );
        if found.module_cache_go_files > 0 {
            count.push_str(&format!(
                " ({} in the module cache)",
                found.module_cache_go_files
            ));
        }
        parts.push(count);
    }
    if !found.go_mods.is_empty() {
        parts.push(first_few(&found.go_mods, found.go_mods.len()));
    }
    for (what, dir, bytes) in &found.caches {
        parts.push(format!("{what} {dir} ({})", human_bytes(*bytes)));
    }
    if parts.is_empty() {
        return;
    }
    out.push(Finding::new(
        Rule::SourceInImage,
        format!("Go sources in the image: {}", parts.join(", ")),
        Rule::SourceInImage.info().fix,
    ));
}

#[cfg(test)]
mod tests;
