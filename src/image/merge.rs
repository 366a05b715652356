//! Layers applied in order to one tree, per the OCI image spec (`layer.md`, "Applying
//! Changesets"): within a layer, whiteouts and opaque markers act first and only on what lower
//! layers left, then additions apply in tar order. Replacing a path of another kind (a
//! directory by a file or a symlink, or the reverse) removes the lower subtree; a directory
//! over a directory keeps the children. Parents follow symlinks inside the root, as extraction
//! does (containerd `fs.RootPath`); a missing or non-directory parent becomes a directory.
//! Bytes removed from the view are recorded against the layer that still carries them.

use super::content::Content;
use super::layer::{Change, Op};
use super::path;
use super::tree::{ContentRef, DataRef, Node, NodeKind, Tree};

/// Bytes a layer carries that the final filesystem does not show: overwritten or deleted by a
/// later layer (or a later member of the same layer).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Wasted {
    pub path: String,
    /// Index into `Image::layers` of the layer holding the bytes.
    pub layer: usize,
    pub size: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Merger {
    pub tree: Tree,
    pub wasted: Vec<Wasted>,
    pub notes: Vec<String>,
}

impl Merger {
    pub fn apply<T>(&mut self, layer: usize, changes: &[Change], contents: &[Content<T>]) {
        for change in changes {
            match change.op {
                Op::Whiteout => {
                    if let Some(real) = self.tree.resolve_parent(&change.path) {
                        self.remove(&real, true);
                    }
                }
                Op::Opaque if change.path == "/" => self.remove("/", false),
                Op::Opaque => {
                    if let Some((real, node)) = self.tree.resolve(&change.path)
                        && node.is_dir()
                    {
                        self.remove(&real, false);
                    }
                }
                _ => {}
            }
        }
        for change in changes {
            if matches!(change.op, Op::Whiteout | Op::Opaque) {
                continue;
            }
            let target = self.place(&change.path, layer);
            let mut node = Node {
                kind: NodeKind::Other,
                mode: change.mode,
                uid: change.uid,
                gid: change.gid,
                size: 0,
                layer,
                capabilities: change.capability,
                content: None,
                data: None,
            };
            match &change.op {
                Op::Dir => {
                    if let Some(existing) = self.tree.nodes.get_mut(&target)
                        && existing.is_dir()
                    {
                        existing.mode = change.mode;
                        existing.uid = change.uid;
                        existing.gid = change.gid;
                        existing.layer = layer;
                        existing.capabilities = change.capability;
                        continue;
                    }
                    node.kind = NodeKind::Dir;
                }
                Op::File { content } => {
                    node.kind = NodeKind::File;
                    node.size = change.size;
                    node.data = Some(DataRef {
                        layer: layer as u32,
                        member: change.member,
                    });
                    node.content = content.map(|index| ContentRef {
                        layer: layer as u32,
                        index,
                    });
                    match (node.content, content.and_then(|i| contents.get(i as usize))) {
                        (Some(cref), Some(Content::Small(bytes))) => {
                            self.tree.small.insert(cref, bytes.clone());
                        }
                        (Some(cref), Some(Content::Interpreter(line))) => {
                            self.tree.interpreters.insert(cref, line.clone());
                        }
                        _ => {}
                    }
                }
                Op::Symlink(link) => {
                    node.kind = NodeKind::Symlink {
                        target: link.clone(),
                    }
                }
                Op::HardLink(link) => {
                    let source = self
                        .tree
                        .resolve_parent(link)
                        .and_then(|real| self.tree.nodes.get(&real))
                        .filter(|n| n.is_file());
                    let Some(source) = source else {
                        self.notes.push(format!(
                            "{}: hard link to {link}, which is not a regular file in this or a lower layer; ignored",
                            change.path
                        ));
                        continue;
                    };
                    node.kind = NodeKind::HardLink {
                        target: link.clone(),
                    };
                    node.size = source.size;
                    node.content = source.content;
                    node.data = source.data;
                }
                Op::Other => {}
                Op::Whiteout | Op::Opaque => unreachable!("skipped above"),
            }
            self.remove(&target, true);
            self.tree.nodes.insert(target, node);
        }
    }

    /// Where a member lands: its parents resolved (symlinks followed inside the root, missing
    /// or non-directory parents replaced by directories), then its own name.
    fn place(&mut self, member: &str, layer: usize) -> String {
        let Some((dir, base)) = path::split(member) else {
            return "/".to_string();
        };
        let mut current = String::from("/");
        for component in dir.split('/').filter(|c| !c.is_empty()) {
            let next = path::join(&current, component);
            current = match self.tree.nodes.get(&next) {
                Some(node) if node.is_dir() => next,
                Some(node) if matches!(node.kind, NodeKind::Symlink { .. }) => {
                    match self.tree.resolve(&next) {
                        Some((real, target)) if target.is_dir() => real,
                        _ => self.implicit_dir(next, layer),
                    }
                }
                _ => self.implicit_dir(next, layer),
            };
        }
        path::join(&current, base)
    }

    fn implicit_dir(&mut self, at: String, layer: usize) -> String {
        self.remove(&at, true);
        self.tree.nodes.insert(at.clone(), Node::dir(0, 0, layer));
        at
    }

    /// Remove what is under `at`, and `at` itself if `include_self`, recording wasted bytes.
    fn remove(&mut self, at: &str, include_self: bool) {
        if include_self && let Some(node) = self.tree.nodes.remove(at) {
            self.waste(at, &node);
            if !node.is_dir() {
                return;
            }
        }
        let (low, high) = path::subtree_bounds(at);
        let doomed: Vec<String> = self
            .tree
            .nodes
            .range(low..high)
            .map(|(p, _)| p.clone())
            .collect();
        for path in doomed {
            if let Some(node) = self.tree.nodes.remove(&path) {
                self.waste(&path, &node);
            }
        }
    }

    fn waste(&mut self, path: &str, node: &Node) {
        // A hard link carries no bytes of its own in its layer's tar.
        if node.kind == NodeKind::File && node.size > 0 {
            self.wasted.push(Wasted {
                path: path.to_string(),
                layer: node.layer,
                size: node.size,
            });
        }
    }
}
