//! The pipeline of `gostatic slim`: read the source image and judge it as `gostatic image`
//! does; take the final stage its size story drew up (`rules::image::Plan`, the one the report
//! prints, never a second plan), with `--keep` paths copied too and `--add` host files put in;
//! make the stage image of exactly those files (`rules::image::stage_image`) with the source's
//! config (Entrypoint, Cmd, Env, WorkingDir, Labels, ExposedPorts) and the stage's numeric
//! user; judge *that* image with the same rules, and refuse unless it starts and has no error
//! finding; only then read the source a second time for the bytes of the files it keeps
//! (`image::read_files`: only the layers that hold them, each up to its last wanted member),
//! judge the stage again on those bytes, and write one reproducible layer (`image::write`).
//!
//! The stage's files are root-owned with their source mode bits (what `COPY --from` gives),
//! the directories it makes for the run user are the user's, and — unlike a `COPY --from`,
//! which drops them (moby#20435, buildkit#2250) — file capabilities are kept from the source,
//! since the new layer is written here, not by a builder.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::facts::{self, FileFacts};
use crate::image::tree::ContentRef;
use crate::image::write::tar::{Body, Member};
use crate::image::write::{self, OutputFormat, Written};
use crate::image::{
    self, DataRef, Image, ImageFile, ImageFormat, ImageOptions, ImageSource, Node, NodeKind,
};
use serde::Serialize;

use super::slim_verify::{Refusal, RefusalKind, judge_again, verify};

use crate::rules::image::{CopyFrom, PartKind, Plan, SizePart, StageImage};

/// Layer number given to `--add` contents, so their `ContentRef`s meet no other.
const ADDED_LAYER: u32 = u32::MAX - 1;

/// What to make, and where.
#[derive(Debug, Clone)]
pub struct SlimRequest {
    /// OUT; `None` for `--dry-run`.
    pub out: Option<PathBuf>,
    pub format: OutputFormat,
    /// `--keep PATH`: image paths copied as they are (a directory with what it holds).
    pub keep: Vec<String>,
    /// `--add HOST_PATH:IMAGE_PATH`: host files put into the new image, root-owned.
    pub add: Vec<(PathBuf, String)>,
}

/// One path of the new image and why it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptPath {
    pub path: String,
    /// Bytes of regular files at or under the path.
    pub bytes: u64,
    #[serde(rename = "reason")]
    pub why: String,
}

/// What `slim` made (or, with `--dry-run`, would make).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slimmed {
    pub name: String,
    /// The source image's layers, uncompressed.
    pub source_bytes: u64,
    /// The new image's files, uncompressed.
    pub slim_bytes: u64,
    pub kept: Vec<KeptPath>,
    /// The equivalent final stage, as `gostatic image` prints it.
    pub dockerfile: Vec<String>,
    /// `None` for a dry run.
    pub written: Option<Written>,
}

/// Why nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlimError {
    /// The source, an option or OUT is unusable (exit 2).
    #[error("{0}")]
    Input(String),
    /// The image the stage would make would not start, or has error findings (exit 1).
    #[error("the slim image would not work: {}", reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Refused {
        reasons: Vec<Refusal>,
        /// What the image would have held, when a stage was drawn up.
        would_be: Option<Box<Slimmed>>,
    },
}

/// Make the slim image of `source`.
pub fn slim(
    source: &ImageSource,
    options: &ImageOptions,
    request: &SlimRequest,
) -> Result<Slimmed, SlimError> {
    let display = source.display();
    let input = |message: String| SlimError::Input(format!("{display}: {message}"));
    if *source == ImageSource::Stdin {
        return Err(input(
            "slim reads its source twice (to judge it, then for the bytes it keeps); save the \
             tar to a file and name that"
                .into(),
        ));
    }
    let inspect = |_: &str, bytes: &[u8]| facts::read(bytes).ok().flatten();
    let image = one(image::open(source, options, &inspect).map_err(|e| input(e.to_string()))?)
        .map_err(input)?;
    let evaluation = crate::rules::image::evaluate(&image);
    let story = evaluation.size.unwrap_or_default();
    let Some(mut plan) = story.plan.clone() else {
        let why = story
            .no_stage_reason
            .unwrap_or_else(|| "no final stage could be drawn up".into());
        return Err(SlimError::Refused {
            reasons: vec![Refusal::reason(RefusalKind::NoStage, why)],
            would_be: None,
        });
    };
    let mut why: BTreeMap<String, String> = story
        .parts
        .iter()
        .map(|p| (p.path.clone(), p.why.as_str().to_string()))
        .collect();
    for path in &request.keep {
        if image.tree.resolve(path).is_none() {
            return Err(input(format!("--keep {path}: no such path in the image")));
        }
        if !plan.copies.iter().any(|c| &c.path == path) {
            plan.copies.push(CopyFrom {
                path: path.clone(),
                chmod: None,
            });
        }
        why.insert(path.clone(), "--keep".into());
    }
    let mut rootfs_platform = None;
    if image.format == ImageFormat::Rootfs && plan.entrypoint.is_none() && plan.cmd.is_none() {
        let program = rootfs_command(&story.parts).map_err(input)?;
        // Nor a platform: the program's own, as `docker import` would need to be told.
        let elf = image.files.iter().find(|f| f.image_path == program);
        let arch = elf.and_then(|f| f.inspection.elf_facts()?.arch);
        rootfs_platform = arch.map(|arch| image::Platform {
            os: "linux".into(),
            architecture: arch.to_string(),
            variant: None,
        });
        plan.entrypoint = Some(vec![program]);
    }
    let mut stage = crate::rules::image::stage_image(&image, &plan);
    if let Some(platform) = rootfs_platform {
        stage.image.platform = platform;
    }
    stage.image.config = config_of(&image, &plan);
    // Judged as what it will be: an image with a config, whatever the source was.
    stage.image.format = match request.format {
        OutputFormat::OciArchive => ImageFormat::OciArchive,
        OutputFormat::DockerArchive => ImageFormat::DockerArchive,
        OutputFormat::OciLayout => ImageFormat::OciLayout,
    };
    stage.image.name = format!("slim image of {}", image.name);
    keep_capabilities(&image, &mut stage);
    let mut dockerfile = plan.dockerfile();
    for (index, (host, at)) in request.add.iter().enumerate() {
        add_host_file(&mut stage, index, host, at)
            .map_err(|e| SlimError::Input(format!("--add {}: {e}", host.display())))?;
        why.insert(at.clone(), format!("--add {}", host.display()));
        let line = format!("COPY {} {at}", host.display());
        let after = dockerfile.iter().rposition(|l| l.starts_with("COPY "));
        dockerfile.insert(after.map_or(1, |i| i + 1), line);
    }
    let kept = kept_paths(&stage, &plan, &why);
    let slim_bytes = stage
        .image
        .tree
        .iter()
        .filter(|(_, n)| n.is_file())
        .map(|(_, n)| n.size)
        .sum();
    let mut slimmed = Slimmed {
        name: image.name.clone(),
        source_bytes: story.image_bytes,
        slim_bytes,
        kept,
        dockerfile,
        written: None,
    };
    // Refused, it says what it would have held.
    let with_plan = |err: SlimError| match err {
        SlimError::Refused { reasons, .. } => SlimError::Refused {
            reasons,
            would_be: Some(Box::new(slimmed.clone())),
        },
        err => err,
    };
    verify(&stage.image).map_err(with_plan)?;
    let Some(out) = &request.out else {
        return Ok(slimmed);
    };
    let bytes = kept_bytes(source, options, &image, &stage).map_err(input)?;
    judge_again(&mut stage, &bytes).map_err(with_plan)?;
    let mtime = image
        .config
        .created
        .as_deref()
        .and_then(super::slim_config::unix_seconds)
        .unwrap_or(0);
    let members = members(&stage.image, &bytes);
    let layer = write::layer(
        &members,
        mtime,
        request.format != OutputFormat::DockerArchive,
    )
    .map_err(|e| input(format!("cannot build the layer: {e}")))?;
    let config = super::slim_config::config_doc(&stage.image, &display, &slimmed);
    let written = write::write(out, request.format, &layer, config, mtime)
        .map_err(|e| SlimError::Input(format!("cannot write {}: {e}", out.display())))?;
    slimmed.written = Some(written);
    Ok(slimmed)
}

/// The one image of a source; several need `--image`.
fn one<T>(mut images: Vec<Image<T>>) -> Result<Image<T>, String> {
    match images.len() {
        1 => Ok(images.remove(0)),
        0 => Err("holds no image".into()),
        n => {
            let names: Vec<&str> = images.iter().map(|i| i.name.as_str()).collect();
            Err(format!(
                "holds {n} images ({}); pick one with --image",
                names.join(", ")
            ))
        }
    }
}

/// A root filesystem has no config, so no command: the new image runs the one Go program the
/// stage keeps. With several, which one is the service cannot be guessed.
fn rootfs_command(parts: &[SizePart]) -> Result<String, String> {
    let programs: Vec<&str> = parts
        .iter()
        .filter(|p| p.why == PartKind::Executable)
        .map(|p| p.path.as_str())
        .collect();
    match programs[..] {
        [one] => Ok(one.to_string()),
        _ => Err(format!(
            "a root filesystem has no command, and the stage keeps {} Go programs ({}): \
             slim an image whose config names the command",
            programs.len(),
            programs.join(", ")
        )),
    }
}

/// The source's run config with the stage's user, command and environment: the stage's
/// `ENV` lines replace the source's variables of the same name, the others are kept.
fn config_of(image: &Image<FileFacts>, plan: &Plan) -> image::ImageConfig {
    let name = |line: &str| line.split_once('=').map_or(line, |(k, _)| k).to_string();
    let set: HashSet<String> = plan.env.iter().map(|l| name(l)).collect();
    let mut env: Vec<String> = image
        .config
        .env
        .iter()
        .filter(|l| !set.contains(&name(l)))
        .cloned()
        .collect();
    env.extend(plan.env.iter().cloned());
    image::ImageConfig {
        entrypoint: plan.entrypoint.clone(),
        cmd: plan.cmd.clone(),
        user: plan.user.clone(),
        working_dir: plan.workdir.clone().unwrap_or_default(),
        env,
        labels: image.config.labels.clone(),
        exposed_ports: image.config.exposed_ports.clone(),
        created: image.config.created.clone(),
    }
}

/// Each copied file keeps the `security.capability` its source had.
fn keep_capabilities(image: &Image<FileFacts>, stage: &mut StageImage) {
    for (dest, real) in &stage.sources {
        let caps = image.tree.get(real).and_then(|n| n.capabilities);
        if let Some(node) = stage.image.tree.nodes.get_mut(dest) {
            node.capabilities = caps;
        }
    }
}

/// Put the host file `host` at `at`, root-owned with the host's mode bits, its parents made
/// `0755`, in place of what the stage copied there; an executable is analysed as the reader
/// would have.
fn add_host_file(
    stage: &mut StageImage,
    index: usize,
    host: &Path,
    at: &str,
) -> Result<(), String> {
    let image = &mut stage.image;
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(host).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let bytes = std::fs::read(host).map_err(|e| e.to_string())?;
    let at = image::path::normalise_clamped(at);
    if at == "/" || image.tree.get(&at).is_some_and(Node::is_dir) {
        return Err(format!("{at} is a directory in the new image"));
    }
    stage.sources.remove(&at);
    let tree = &mut image.tree;
    let mut dir = String::new();
    if let Some((parent, _)) = image::path::split(&at) {
        for component in parent.split('/').filter(|c| !c.is_empty()) {
            dir = format!("{dir}/{component}");
            tree.nodes
                .entry(dir.clone())
                .or_insert_with(|| Node::dir(0, 0, 0));
        }
    }
    let content = ContentRef {
        layer: ADDED_LAYER,
        index: u32::try_from(index).unwrap_or(u32::MAX),
    };
    let size = bytes.len() as u64;
    if let Ok(Some(facts)) = facts::read(&bytes) {
        image.files.retain(|f| f.image_path != at);
        image.files.push(ImageFile {
            image_path: at.clone(),
            layer: 0,
            size,
            inspection: facts,
        });
        image.files.sort_by(|a, b| a.image_path.cmp(&b.image_path));
    }
    tree.small.insert(content, Arc::from(bytes));
    tree.nodes.insert(
        at,
        Node {
            kind: NodeKind::File,
            mode: meta.permissions().mode() & 0o7777,
            uid: 0,
            gid: 0,
            size,
            layer: 0,
            capabilities: None,
            content: Some(content),
            data: None,
        },
    );
    Ok(())
}

/// Every path the stage copies, writes or makes, with its bytes and why.
fn kept_paths(stage: &StageImage, plan: &Plan, why: &BTreeMap<String, String>) -> Vec<KeptPath> {
    let tree = &stage.image.tree;
    let weigh = |path: &str| -> u64 {
        let normal = image::path::normalise_clamped(path);
        match tree.get(&normal) {
            Some(node) if node.is_dir() => tree
                .descendants(&normal)
                .filter(|(_, n)| n.is_file())
                .map(|(_, n)| n.size)
                .sum(),
            Some(node) => node.size,
            None => 0,
        }
    };
    let mut kept: Vec<KeptPath> = plan
        .copies
        .iter()
        .map(|copy| KeptPath {
            path: copy.path.clone(),
            bytes: weigh(&copy.path),
            why: why.get(&copy.path).cloned().unwrap_or_default(),
        })
        .collect();
    for heredoc in &plan.heredocs {
        kept.push(KeptPath {
            path: heredoc.path.clone(),
            bytes: heredoc.text.len() as u64,
            why: "written: the run user's account".into(),
        });
    }
    for dir in &plan.dirs {
        kept.push(KeptPath {
            path: dir.clone(),
            bytes: 0,
            why: "made: a directory the program writes, the run user's".into(),
        });
    }
    for (path, reason) in why {
        if reason.starts_with("--add") {
            kept.push(KeptPath {
                path: path.clone(),
                bytes: weigh(path),
                why: reason.clone(),
            });
        }
    }
    kept
}

/// The bytes of every regular file of the stage image, by its stage path: read again from the
/// source for copied files (only the layers holding them, each up to its last wanted member:
/// `image::read_files`), from the stage for written and added ones.
fn kept_bytes(
    source: &ImageSource,
    options: &ImageOptions,
    image: &Image<FileFacts>,
    stage: &StageImage,
) -> Result<BTreeMap<String, Arc<[u8]>>, String> {
    let files = || stage.image.tree.iter().filter(|(_, n)| n.is_file());
    let wanted: BTreeMap<DataRef, u64> = files()
        .filter(|(_, n)| n.size > 0)
        .filter_map(|(_, n)| Some((n.data?, n.size)))
        .collect();
    let read: HashMap<DataRef, Arc<[u8]>> = image::read_files(source, options, image, &wanted)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(at, bytes)| (at, Arc::from(bytes)))
        .collect();
    let mut bytes = BTreeMap::new();
    for (dest, node) in files() {
        let found = match node.data {
            _ if node.size == 0 => Some(Arc::from(&[][..])),
            Some(at) => read.get(&at).cloned(),
            None => node
                .content
                .and_then(|c| stage.image.tree.small.get(&c))
                .cloned(),
        };
        let Some(found) = found else {
            return Err(format!(
                "{dest}: not found on the second read (the source changed?)"
            ));
        };
        if found.len() as u64 != node.size {
            return Err(format!(
                "{dest}: {} bytes on the second read, {} on the first (the source changed?)",
                found.len(),
                node.size
            ));
        }
        bytes.insert(dest.to_string(), found);
    }
    Ok(bytes)
}

/// The layer's members in path order (parents first), without the root.
fn members<'a>(
    image: &Image<FileFacts>,
    bytes: &'a BTreeMap<String, Arc<[u8]>>,
) -> Vec<Member<'a>> {
    image
        .tree
        .iter()
        .filter_map(|(path, node)| {
            let relative = path.trim_start_matches('/');
            let (name, body) = match &node.kind {
                NodeKind::Dir => (format!("{relative}/"), Body::Dir),
                NodeKind::File | NodeKind::HardLink { .. } => {
                    (relative.to_string(), Body::File(bytes.get(path)?))
                }
                NodeKind::Symlink { target } => {
                    (relative.to_string(), Body::Symlink(target.clone()))
                }
                NodeKind::Other => return None,
            };
            Some(Member {
                name,
                body,
                mode: node.mode,
                uid: node.uid,
                gid: node.gid,
                capability: node.capabilities.and_then(|c| c.encode()),
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "slim_tests.rs"]
mod tests;
