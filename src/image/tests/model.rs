//! The merged view against a deliberately naive model of the OCI rules, over random layer
//! sequences: whiteouts first (on lower content only), then additions in order; a non-directory
//! over anything replaces it and its subtree; missing or non-directory parents become
//! directories; a hard link copies its target's content. Symlinks appear only at names that are
//! never parents, so the model need not resolve them.

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::image::layer::{Change, Op};
use crate::image::merge::Merger;
use crate::image::tree::NodeKind;

const PATHS: &[&str] = &[
    "/a", "/b", "/a/x", "/a/y", "/a/d", "/a/d/z", "/b/x", "/x", "/l", "/a/l",
];
const DIRS: &[&str] = &["/", "/a", "/b", "/a/d"];

#[derive(Debug, Clone, PartialEq)]
enum M {
    File(u64),
    Dir,
    Sym(String),
}

#[derive(Debug, Clone)]
enum Gen {
    File(usize),
    Dir(usize),
    Sym(bool),
    Whiteout(usize),
    Opaque(usize),
    Link(usize, usize),
}

fn gen_op() -> impl Strategy<Value = Gen> {
    let files = 0..PATHS.len() - 2;
    prop_oneof![
        4 => files.clone().prop_map(Gen::File),
        2 => files.clone().prop_map(Gen::Dir),
        1 => any::<bool>().prop_map(Gen::Sym),
        2 => (0..PATHS.len()).prop_map(Gen::Whiteout),
        1 => (0..DIRS.len()).prop_map(Gen::Opaque),
        2 => (files.clone(), files).prop_map(|(a, b)| Gen::Link(a, b)),
    ]
}

fn to_changes(layer: &[Gen], size_base: u64) -> Vec<Change> {
    layer
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let (path, op, size) = match g {
                Gen::File(p) => (
                    PATHS[*p],
                    Op::File { content: None },
                    size_base + i as u64 + 1,
                ),
                Gen::Dir(p) => (PATHS[*p], Op::Dir, 0),
                Gen::Sym(root) => (
                    if *root { "/l" } else { "/a/l" },
                    Op::Symlink("/x".into()),
                    0,
                ),
                Gen::Whiteout(p) => (PATHS[*p], Op::Whiteout, 0),
                Gen::Opaque(d) => (DIRS[*d], Op::Opaque, 0),
                Gen::Link(p, t) => (PATHS[*p], Op::HardLink(PATHS[*t].into()), 0),
            };
            Change {
                path: path.to_string(),
                op,
                mode: 0o644,
                uid: 0,
                gid: 0,
                size,
                capability: None,
                member: 0,
            }
        })
        .collect()
}

fn under(path: &str, dir: &str) -> bool {
    dir == "/" || path.starts_with(&format!("{dir}/"))
}

fn remove_tree(state: &mut BTreeMap<String, M>, path: &str) {
    state.retain(|p, _| p != path && !under(p, path));
}

fn model(layers: &[Vec<Change>]) -> BTreeMap<String, M> {
    let mut state: BTreeMap<String, M> = BTreeMap::new();
    for changes in layers {
        for c in changes {
            match c.op {
                Op::Whiteout => remove_tree(&mut state, &c.path),
                Op::Opaque if c.path == "/" || state.get(&c.path) == Some(&M::Dir) => {
                    let dir = c.path.clone();
                    state.retain(|p, _| !under(p, &dir));
                }
                _ => {}
            }
        }
        for c in changes {
            if matches!(c.op, Op::Whiteout | Op::Opaque) {
                continue;
            }
            let parts: Vec<&str> = c.path.split('/').filter(|s| !s.is_empty()).collect();
            for depth in 1..parts.len() {
                let ancestor = format!("/{}", parts[..depth].join("/"));
                if state.get(&ancestor) != Some(&M::Dir) {
                    remove_tree(&mut state, &ancestor);
                    state.insert(ancestor, M::Dir);
                }
            }
            let new = match &c.op {
                Op::Dir if state.get(&c.path) == Some(&M::Dir) => continue,
                Op::Dir => M::Dir,
                Op::File { .. } => M::File(c.size),
                Op::Symlink(t) => M::Sym(t.clone()),
                Op::HardLink(t) => match state.get(t) {
                    Some(M::File(size)) => M::File(*size),
                    _ => continue,
                },
                _ => unreachable!(),
            };
            remove_tree(&mut state, &c.path);
            state.insert(c.path.clone(), new);
        }
    }
    state
}

fn merged(layers: &[Vec<Change>]) -> BTreeMap<String, M> {
    let mut merger = Merger::default();
    for (i, changes) in layers.iter().enumerate() {
        merger.apply::<()>(i, changes, &[]);
    }
    merger
        .tree
        .iter()
        .map(|(p, n)| {
            let m = match &n.kind {
                NodeKind::File | NodeKind::HardLink { .. } => M::File(n.size),
                NodeKind::Dir => M::Dir,
                NodeKind::Symlink { target } => M::Sym(target.clone()),
                NodeKind::Other => unreachable!(),
            };
            (p.to_string(), m)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn merged_view_matches_the_model(layers in prop::collection::vec(prop::collection::vec(gen_op(), 0..8), 1..6)) {
        let changes: Vec<Vec<Change>> = layers
            .iter()
            .enumerate()
            .map(|(i, l)| to_changes(l, 100 * i as u64))
            .collect();
        prop_assert_eq!(merged(&changes), model(&changes));
    }
}
