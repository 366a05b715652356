//! The final filesystem of an image: every surviving path with its kind, mode, owner, size and
//! the layer that last wrote it, plus the bytes of the few small files later rules read.
//! Symlinks are kept as symlinks and resolved on demand inside the root, the way the kernel
//! resolves them in a chroot: absolute targets restart at the image root, `..` stops there,
//! and more than 40 hops (Linux `MAXSYMLINKS`) is a loop.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use serde::Serialize;

use super::caps::FileCaps;
use super::path;

/// Linux `MAXSYMLINKS` (`include/linux/namei.h`).
pub const MAX_SYMLINK_HOPS: usize = 40;

/// What a path is in the final filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum NodeKind {
    File,
    Dir,
    Symlink {
        target: String,
    },
    /// A regular file created as a hard link to `target` (the path it linked to when its layer
    /// was applied): it shares that file's content, size and inspection.
    HardLink {
        target: String,
    },
    /// A device, FIFO or other special file.
    Other,
}

/// Identifies the bytes of a regular file: the layer and member that wrote them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ContentRef {
    pub layer: u32,
    pub index: u32,
}

/// Where the bytes of a regular file are in its source: the layer (index into
/// `Image::layers`) and the member's position in that layer (its tar header's, counting every
/// header the reader returns; a root filesystem's entry in walk order). A second read goes
/// straight to it (`image::read_files`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DataRef {
    pub layer: u32,
    pub member: u32,
}

/// One path of the final filesystem.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    #[serde(flatten)]
    pub kind: NodeKind,
    /// Permission bits as the tar header gives them (setuid 0o4000 included).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Bytes of a regular file (or of the file a hard link shares); 0 otherwise.
    pub size: u64,
    /// Index into `Image::layers` of the layer that last wrote this path.
    pub layer: usize,
    /// File capabilities (`security.capability`), as the runtime sets them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<FileCaps>,
    #[serde(skip)]
    pub(crate) content: Option<ContentRef>,
    /// Where a regular file's bytes are (a hard link: those of the file it links to).
    #[serde(skip)]
    pub(crate) data: Option<DataRef>,
}

impl Node {
    /// A directory as builders and runtimes make a missing one: `0755`, owned by `uid`:`gid`.
    pub fn dir(uid: u64, gid: u64, layer: usize) -> Node {
        Node {
            kind: NodeKind::Dir,
            mode: 0o755,
            uid,
            gid,
            size: 0,
            layer,
            capabilities: None,
            content: None,
            data: None,
        }
    }

    /// A regular file, whether written as one or as a hard link.
    pub fn is_file(&self) -> bool {
        matches!(self.kind, NodeKind::File | NodeKind::HardLink { .. })
    }

    pub fn is_dir(&self) -> bool {
        self.kind == NodeKind::Dir
    }
}

/// The merged filesystem. Paths are absolute, normalised, `/`-separated; the root `/` is
/// implicit. Iteration is in byte order of the path strings.
#[derive(Debug, Default)]
pub struct Tree {
    pub(crate) nodes: BTreeMap<String, Node>,
    pub(crate) small: HashMap<ContentRef, Arc<[u8]>>,
    /// The `#!` line of every script (at most 256 bytes each, as the kernel reads).
    pub(crate) interpreters: HashMap<ContentRef, Arc<str>>,
}

impl Tree {
    /// The node at `path` itself (a symlink is returned as a symlink). `path` is normalised
    /// first; `..` stops at the root.
    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(&path::normalise_clamped(path))
    }

    /// Follow symlinks in every component of `path`, inside the root; the real path and its
    /// node, or `None` if something on the way is missing, not a directory, or loops.
    pub fn resolve(&self, path: &str) -> Option<(String, &Node)> {
        let real = self.walk(path, true)?;
        let node = self.nodes.get(&real)?;
        Some((real, node))
    }

    /// Like `resolve`, but the last component is not followed if it is a symlink.
    pub fn resolve_parent(&self, path: &str) -> Option<String> {
        let normal = path::normalise_clamped(path);
        let (dir, base) = path::split(&normal)?;
        let dir = self.walk(dir, true)?;
        Some(path::join(&dir, base))
    }

    /// The bytes of a kept small file (`/etc/passwd`, `/etc/os-release` …, see
    /// `content::is_kept_small`), following symlinks. `None` if absent or not kept.
    pub fn read_small(&self, path: &str) -> Option<&[u8]> {
        let (_, node) = self.resolve(path)?;
        self.small.get(&node.content?).map(|b| &b[..])
    }

    /// The `#!` line of the script at `path` (after `#!`, trimmed), following symlinks; `None`
    /// if it is not a script.
    pub fn interpreter(&self, path: &str) -> Option<&str> {
        let (_, node) = self.resolve(path)?;
        self.interpreters.get(&node.content?).map(|line| &line[..])
    }

    /// Every path and node, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.nodes.iter().map(|(p, n)| (p.as_str(), n))
    }

    /// The paths directly or indirectly under `dir` (not `dir` itself), in path order.
    pub fn descendants<'a>(&'a self, dir: &str) -> impl Iterator<Item = (&'a str, &'a Node)> {
        let (low, high) = path::subtree_bounds(&path::normalise_clamped(dir));
        self.nodes.range(low..high).map(|(p, n)| (p.as_str(), n))
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Resolve `path` component by component; `follow_last` also follows a final symlink.
    fn walk(&self, path: &str, follow_last: bool) -> Option<String> {
        let mut pending: VecDeque<String> = path
            .split('/')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        let mut current = String::from("/");
        let mut hops = 0;
        while let Some(component) = pending.pop_front() {
            match component.as_str() {
                "." => continue,
                ".." => {
                    current = path::split(&current)
                        .map_or("/", |(dir, _)| dir)
                        .to_string();
                    continue;
                }
                _ => {}
            }
            let next = path::join(&current, &component);
            let node = self.nodes.get(&next)?;
            let last = pending.is_empty();
            match &node.kind {
                NodeKind::Symlink { target } if follow_last || !last => {
                    hops += 1;
                    if hops > MAX_SYMLINK_HOPS {
                        return None;
                    }
                    if target.starts_with('/') {
                        current = String::from("/");
                    }
                    for part in target.split('/').filter(|c| !c.is_empty()).rev() {
                        pending.push_front(part.to_string());
                    }
                }
                NodeKind::Dir => current = next,
                _ if last => current = next,
                _ => return None,
            }
        }
        Some(current)
    }
}
