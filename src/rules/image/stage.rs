//! The suggested final stage as data (`Plan`), its Dockerfile lines, and the check that it
//! works before it is printed: the plan is turned into an image of exactly the files it copies
//! and the config it sets, and that image is judged by the same image rules as any other. A
//! stage that would not start (GS504, GS505, GS602–GS604) or whose programs would miss a
//! run-time file (GS501–GS503) is not printed; its problems are what `no_stage_reason` says.
//!
//! The stage image is built the way a builder applies the lines (BuildKit's `COPY --from`):
//! the source path's symlinks are followed and the real file (or directory, its symlinks kept
//! as symlinks) lands under the destination name, missing parent directories are made `0755`
//! and root-owned, files are owned by root (the documented default without `--chown`) with
//! their own mode bits unless `--chmod` sets them, a heredoc is a root-owned `0644` file, and
//! `WORKDIR` makes its directory. The copied executables keep the facts the source image's
//! inspection gave them: no byte is read again.
//!
//! Directories the program writes (a temp dir, HOME) that the source image cannot give are
//! made by a `WORKDIR` line after `USER`: BuildKit's `dispatchWorkdir`
//! (`frontend/dockerfile/dockerfile2llb/convert.go`) makes the directory and its missing
//! parents with `llb.Mkdir(wd, 0755, WithParents(true), WithUser(USER))`, so they belong to the
//! run user; a last `WORKDIR` restores the working directory. The legacy builder makes them
//! root-owned, but it cannot build this stage anyway: `COPY <<EOF` and `--chmod` are BuildKit's.
//!
//! Evaluating a stage image never builds a stage of its own (`super::judge` with
//! `Story::Skip`), so the check cannot recurse.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{ImageEvaluation, START_RULES, Starts, Story};
use crate::facts::FileFacts;
use crate::image::tree::ContentRef;
use crate::image::{Image, ImageConfig, ImageFile, LayerInfo, Node, NodeKind, Tree, path};
use crate::rules::{Rule, Severity};

/// Layer number given to heredoc contents, so their `ContentRef`s never meet the source's.
const HEREDOC_LAYER: u32 = u32::MAX;

/// A final stage: what it copies from the image, what it writes, and its config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The reference `COPY --from` names.
    pub from: String,
    pub copies: Vec<CopyFrom>,
    pub heredocs: Vec<Heredoc>,
    /// `KEY=value` lines, in order, each once.
    pub env: Vec<String>,
    /// Numeric `uid:gid`.
    pub user: String,
    /// Directories made by `WORKDIR` after `USER`, owned by the user (a temp dir, HOME).
    pub dirs: Vec<String>,
    /// `WORKDIR`, when not `/`.
    pub workdir: Option<String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
}

/// `COPY --from=<image> [--chmod=<mode>] <path> <path>`: the same path on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyFrom {
    pub path: String,
    pub chmod: Option<u32>,
}

/// `COPY <<EOF <path>`: a small file written by the Dockerfile itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    pub path: String,
    /// Ends with a newline; no line is `EOF`.
    pub text: String,
}

impl Plan {
    /// The Dockerfile lines, one string per line (a heredoc spans several).
    pub fn dockerfile(&self) -> Vec<String> {
        let mut lines = vec!["FROM scratch".to_string()];
        for copy in &self.copies {
            let chmod = copy
                .chmod
                .map(|mode| format!(" --chmod={mode:04o}"))
                .unwrap_or_default();
            let from = &self.from;
            let path = &copy.path;
            if path.contains(char::is_whitespace) {
                let both = json(&[path.clone(), path.clone()]);
                lines.push(format!("COPY --from={from}{chmod} {both}"));
            } else {
                lines.push(format!("COPY --from={from}{chmod} {path} {path}"));
            }
        }
        for heredoc in &self.heredocs {
            lines.push(format!("COPY <<EOF {}", heredoc.path));
            lines.extend(heredoc.text.lines().map(str::to_string));
            lines.push("EOF".to_string());
        }
        for line in &self.env {
            lines.push(format!("ENV {line}"));
        }
        lines.push(format!("USER {}", self.user));
        for dir in &self.dirs {
            lines.push(format!("WORKDIR {dir}"));
        }
        match &self.workdir {
            Some(dir) => lines.push(format!("WORKDIR {dir}")),
            None if !self.dirs.is_empty() => lines.push("WORKDIR /".to_string()),
            None => {}
        }
        if let Some(entrypoint) = &self.entrypoint {
            lines.push(format!("ENTRYPOINT {}", json(entrypoint)));
        }
        if let Some(cmd) = &self.cmd {
            lines.push(format!("CMD {}", json(cmd)));
        }
        lines
    }
}

/// Why the stage would not work, one clause per problem; empty when it starts and its
/// programs' needs are met.
pub(super) fn problems(source: &Image<FileFacts>, plan: &Plan) -> Vec<String> {
    let stage = image_of(source, plan);
    blocking(&super::judge(&stage, Story::Skip))
}

/// Why the stage image would not do, decided by its verdict: it does not start, or its
/// programs would miss run-time files. `unknown` is no reason to withhold a stage: it is no
/// worse than the image it comes from, whose verdict says the same. Each reason is an error
/// finding that decided it, named by its rule (`GS504 /app needs libc.so.6, …`).
pub(super) fn blocking(evaluation: &ImageEvaluation) -> Vec<String> {
    let verdict = &evaluation.verdict;
    let stops = verdict.starts == Starts::No;
    let lacks = !verdict.runtime_missing.is_empty();
    if !stops && !lacks {
        return Vec::new();
    }
    let decides = |rule: Rule| {
        (stops
            && (START_RULES.contains(&rule)
                || matches!(rule, Rule::Entrypoint | Rule::UnknownUser)))
            || (lacks && RUNTIME_RULES.contains(&rule))
    };
    let file_findings = evaluation.files.iter().flat_map(|e| &e.findings);
    let mut reasons: Vec<String> = evaluation
        .findings
        .iter()
        .chain(file_findings)
        .filter(|f| f.severity == Severity::Error && decides(f.rule))
        .map(|f| format!("{} {}", f.rule.id(), f.message))
        .collect();
    reasons.dedup();
    if reasons.is_empty() {
        reasons.extend(verdict.start_reasons.iter().cloned());
        reasons.extend(verdict.runtime_reasons.iter().cloned());
    }
    reasons
}

/// The rules whose error means a program would miss a run-time file.
const RUNTIME_RULES: [Rule; 5] = [
    Rule::NeedsCaCertificates,
    Rule::NeedsZoneinfo,
    Rule::NeedsPasswd,
    Rule::NeedsTmp,
    Rule::NeedsHome,
];

/// The image a builder would make of `plan` on top of `source`.
pub(super) fn image_of(source: &Image<FileFacts>, plan: &Plan) -> Image<FileFacts> {
    built(source, plan).image
}

/// The stage as an image, and where each of its regular files comes from.
#[derive(Debug)]
pub struct StageImage {
    /// Exactly the files the plan copies and writes, with its config.
    pub image: Image<FileFacts>,
    /// Stage path of every regular file copied from the source -> its real path there
    /// (heredoc files are not in it: their bytes are in `image.tree`).
    pub sources: BTreeMap<String, String>,
}

/// The image `plan` makes of `source`, and where its files come from: what `gostatic slim`
/// writes.
pub fn built(source: &Image<FileFacts>, plan: &Plan) -> StageImage {
    let mut build = Build {
        source: &source.tree,
        tree: Tree::default(),
        copied: BTreeMap::new(),
    };
    for copy in &plan.copies {
        build.copy(copy);
    }
    for (index, heredoc) in plan.heredocs.iter().enumerate() {
        build.heredoc(index, heredoc);
    }
    let (uid, gid) = numeric_user(&plan.user);
    for dir in &plan.dirs {
        build.mkdir_owned(dir, uid, gid);
    }
    if let Some(dir) = &plan.workdir {
        build.mkdir_all(dir);
    }
    let files = source_files(source, &build.copied);
    let config = ImageConfig {
        entrypoint: plan.entrypoint.clone(),
        cmd: plan.cmd.clone(),
        user: plan.user.clone(),
        working_dir: plan.workdir.clone().unwrap_or_default(),
        env: plan.env.clone(),
        labels: BTreeMap::new(),
        exposed_ports: Vec::new(),
        created: None,
    };
    let image = Image {
        name: format!("final stage of {}", source.name),
        format: source.format,
        source: source.source.clone(),
        platform: source.platform.clone(),
        manifest_digest: None,
        config_digest: None,
        config,
        layers: vec![LayerInfo {
            digest: None,
            diff_id: None,
            media_type: None,
            compression: crate::image::Compression::None,
            size: 0,
            uncompressed_size: 0,
            entries: build.tree.len(),
            wasted_bytes: 0,
            high_ids: None,
            blob: String::new(),
        }],
        tree: build.tree,
        files,
        skipped: Vec::new(),
        wasted: Vec::new(),
        notes: Vec::new(),
    };
    StageImage {
        image,
        sources: build.copied,
    }
}

/// The analysed executables that landed in the stage, under their new paths, in path order.
fn source_files(
    source: &Image<FileFacts>,
    copied: &BTreeMap<String, String>,
) -> Vec<ImageFile<FileFacts>> {
    let by_real: BTreeMap<&str, &ImageFile<FileFacts>> = source
        .files
        .iter()
        .map(|f| (f.image_path.as_str(), f))
        .collect();
    copied
        .iter()
        .filter_map(|(dest, real)| {
            let file = by_real.get(real.as_str())?;
            Some(ImageFile {
                image_path: dest.clone(),
                layer: 0,
                size: file.size,
                inspection: file.inspection.clone(),
            })
        })
        .collect()
}

struct Build<'a> {
    source: &'a Tree,
    tree: Tree,
    /// Stage path of every regular file copied -> its real path in the source.
    copied: BTreeMap<String, String>,
}

impl Build<'_> {
    fn copy(&mut self, copy: &CopyFrom) {
        let Some((real, node)) = self.source.resolve(&copy.path) else {
            return;
        };
        let dest = path::normalise_clamped(&copy.path);
        if let Some((parent, _)) = path::split(&dest) {
            self.mkdir_all(parent);
        }
        let node = node.clone();
        if node.is_dir() {
            self.put(&dest, &real, &node, copy.chmod);
            let inside: Vec<(String, Node)> = self
                .source
                .descendants(&real)
                .map(|(p, n)| (p.to_string(), n.clone()))
                .collect();
            for (at, node) in inside {
                let relative = &at[real.len()..];
                let target = format!("{}{relative}", dest.trim_end_matches('/'));
                self.put(&target, &at, &node, copy.chmod);
            }
        } else {
            self.put(&dest, &real, &node, copy.chmod);
        }
    }

    /// One node of the source at `dest`, root-owned, its bytes shared with the source.
    fn put(&mut self, dest: &str, real: &str, node: &Node, chmod: Option<u32>) {
        let kind = match &node.kind {
            // A hard link's bytes are its own in the stage: a copy of a file.
            NodeKind::HardLink { .. } => NodeKind::File,
            kind => kind.clone(),
        };
        let mode = chmod.unwrap_or(node.mode);
        if let Some(content) = node.content {
            if let Some(bytes) = self.source.small.get(&content) {
                self.tree.small.insert(content, bytes.clone());
            }
            if let Some(line) = self.source.interpreters.get(&content) {
                self.tree.interpreters.insert(content, line.clone());
            }
        }
        if node.is_file() {
            self.copied.insert(dest.to_string(), real.to_string());
        }
        self.tree.nodes.insert(
            dest.to_string(),
            Node {
                kind,
                mode,
                uid: 0,
                gid: 0,
                size: node.size,
                layer: 0,
                // Builders differ on whether COPY carries xattrs (moby#20435, buildkit#2250):
                // the stage promises no file capabilities.
                capabilities: None,
                content: node.content,
                data: node.data,
            },
        );
    }

    fn heredoc(&mut self, index: usize, heredoc: &Heredoc) {
        let dest = path::normalise_clamped(&heredoc.path);
        if let Some((parent, _)) = path::split(&dest) {
            self.mkdir_all(parent);
        }
        let content = ContentRef {
            layer: HEREDOC_LAYER,
            index: u32::try_from(index).unwrap_or(u32::MAX),
        };
        let bytes: Arc<[u8]> = Arc::from(heredoc.text.as_bytes());
        self.tree.small.insert(content, bytes);
        self.tree.nodes.insert(
            dest,
            Node {
                kind: NodeKind::File,
                mode: 0o644,
                uid: 0,
                gid: 0,
                size: heredoc.text.len() as u64,
                layer: 0,
                capabilities: None,
                content: Some(content),
                data: None,
            },
        );
    }

    /// `dir` and its missing ancestors, as directories a builder makes (`0755`, root).
    fn mkdir_all(&mut self, dir: &str) {
        self.mkdir_owned(dir, 0, 0);
    }

    /// `dir` and its missing ancestors, `0755`, owned by `uid`:`gid` (what exists is kept).
    fn mkdir_owned(&mut self, dir: &str, uid: u64, gid: u64) {
        let dir = path::normalise_clamped(dir);
        let mut at = String::new();
        for component in dir.split('/').filter(|c| !c.is_empty()) {
            at = format!("{at}/{component}");
            self.tree
                .nodes
                .entry(at.clone())
                .or_insert_with(|| Node::dir(uid, gid, 0));
        }
    }
}

/// The ids of a numeric `USER uid[:gid]` (the stage's user is always ids); gid 0 when absent.
fn numeric_user(user: &str) -> (u64, u64) {
    let (uid, gid) = user.split_once(':').unwrap_or((user, "0"));
    (uid.parse().unwrap_or(0), gid.parse().unwrap_or(0))
}

/// Exec form, as Dockerfiles write it: `["/server", "--port", "80"]`.
pub(super) fn json(argv: &[String]) -> String {
    let words: Vec<String> = argv
        .iter()
        .map(|w| serde_json::to_string(w).unwrap_or_else(|_| format!("\"{w}\"")))
        .collect();
    format!("[{}]", words.join(", "))
}

#[cfg(test)]
#[path = "stage_tests.rs"]
mod tests;
