//! Layer entries owned by ids that do not fit in 16 bits. Every entry of every layer is
//! created with its owner when a runtime extracts the image, including entries a later layer
//! deletes, so this is a fact of each layer, not of the final filesystem. A user namespace of
//! 65536 ids (Kubernetes `hostUsers: false`; the default /etc/subuid range of rootless Podman
//! and Docker) cannot hold a larger one: containers/storage fails the pull with "potentially
//! insufficient UIDs or GIDs available in user namespace" (`drivers/chown_unix.go`).

use serde::Serialize;

use super::layer::{Change, Op};

/// The largest id a 16-bit id space holds.
pub const MAX_16_BIT_ID: u64 = 65_535;

/// How many entries each layer keeps as examples.
const EXAMPLES: usize = 3;

/// The entries of one layer owned by a uid or gid above [`MAX_16_BIT_ID`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HighIds {
    pub entries: usize,
    pub max_uid: u64,
    pub max_gid: u64,
    /// The first few, in the layer's order.
    pub examples: Vec<OwnedEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnedEntry {
    pub path: String,
    pub uid: u64,
    pub gid: u64,
}

impl HighIds {
    /// `None` when every entry's owner fits. Whiteouts are not created as owned files (the
    /// overlay driver makes them 0:0 devices or an xattr), so they do not count.
    pub(crate) fn of(changes: &[Change]) -> Option<HighIds> {
        let mut found: Option<HighIds> = None;
        for change in changes {
            if matches!(change.op, Op::Whiteout | Op::Opaque)
                || (change.uid <= MAX_16_BIT_ID && change.gid <= MAX_16_BIT_ID)
            {
                continue;
            }
            let high = found.get_or_insert(HighIds {
                entries: 0,
                max_uid: 0,
                max_gid: 0,
                examples: Vec::new(),
            });
            high.entries += 1;
            high.max_uid = high.max_uid.max(change.uid);
            high.max_gid = high.max_gid.max(change.gid);
            if high.examples.len() < EXAMPLES {
                high.examples.push(OwnedEntry {
                    path: change.path.clone(),
                    uid: change.uid,
                    gid: change.gid,
                });
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(path: &str, op: Op, uid: u64, gid: u64) -> Change {
        Change {
            path: path.to_string(),
            op,
            mode: 0o755,
            uid,
            gid,
            size: 0,
            capability: None,
            member: 0,
        }
    }

    #[test]
    fn only_ids_past_16_bits_count() {
        let changes = [
            change("/a", Op::Dir, 65_535, 65_535),
            change("/b", Op::Dir, 65_536, 0),
            change("/c", Op::Other, 0, 100_000),
            change("/d", Op::Whiteout, 200_000, 200_000),
            change("/e", Op::Opaque, 200_000, 200_000),
            change("/f", Op::Symlink("x".into()), 70_000, 70_000),
            change("/g", Op::HardLink("/f".into()), 70_001, 70_001),
        ];
        let high = HighIds::of(&changes).expect("high ids");
        assert_eq!(high.entries, 4);
        assert_eq!((high.max_uid, high.max_gid), (70_001, 100_000));
        let paths: Vec<&str> = high.examples.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["/b", "/c", "/f"]);
        assert_eq!(
            high.examples[1],
            OwnedEntry {
                path: "/c".into(),
                uid: 0,
                gid: 100_000
            }
        );
        assert_eq!(HighIds::of(&changes[..1]), None);
        assert_eq!(HighIds::of(&changes[3..5]), None);
    }
}
