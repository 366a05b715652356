//! File capabilities: the `security.capability` extended attribute a layer member carries as
//! the PAX record `SCHILY.xattr.security.capability`, which Go's `archive/tar` reads into
//! `Header.PAXRecords` and containerd and moby apply with `lsetxattr` on extraction. Decoded
//! as the kernel reads `struct vfs_cap_data` (`include/uapi/linux/capability.h`,
//! `security/commoncap.c: get_vfs_caps_from_disk`), and written in `getcap`'s notation.

use std::fmt;

use serde::{Serialize, Serializer};

const REVISION_MASK: u32 = 0xFF00_0000;
const REVISION_1: u32 = 0x0100_0000;
const REVISION_2: u32 = 0x0200_0000;
const REVISION_3: u32 = 0x0300_0000;
const FLAG_EFFECTIVE: u32 = 0x0000_0001;

/// `CAP_*` names by number (linux/capability.h, up to `CAP_CHECKPOINT_RESTORE`).
const NAMES: [&str; 41] = [
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
];

/// The capabilities Docker and containerd leave a container by default (moby
/// `oci/caps/defaults.go`, containerd `oci.WithDefaultCapabilities`).
const RUNTIME_DEFAULT: [u32; 14] = [0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31];

/// A file's capabilities, or why the kernel would refuse them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileCaps {
    Sets {
        permitted: u64,
        inheritable: u64,
        /// `VFS_CAP_FLAGS_EFFECTIVE`: the permitted set is raised at exec, and the exec fails
        /// with EPERM when the bounding set cannot grant all of it.
        effective: bool,
        /// Revision 3: the caps hold only in a user namespace whose root is this host uid.
        root_id: Option<u32>,
    },
    /// A value the kernel rejects (EINVAL on exec): the length in bytes.
    Malformed(usize),
}

impl FileCaps {
    pub fn decode(value: &[u8]) -> FileCaps {
        let word = |i: usize| {
            value
                .get(i * 4..i * 4 + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let Some(magic) = word(0) else {
            return FileCaps::Malformed(value.len());
        };
        let words = match (magic & REVISION_MASK, value.len()) {
            (REVISION_1, 12) => 1,
            (REVISION_2, 20) | (REVISION_3, 24) => 2,
            _ => return FileCaps::Malformed(value.len()),
        };
        let (mut permitted, mut inheritable) = (0u64, 0u64);
        for i in 0..words {
            let shift = 32 * i as u32;
            permitted |= u64::from(word(1 + 2 * i).unwrap_or(0)) << shift;
            inheritable |= u64::from(word(2 + 2 * i).unwrap_or(0)) << shift;
        }
        FileCaps::Sets {
            permitted,
            inheritable,
            effective: magic & FLAG_EFFECTIVE != 0,
            root_id: (magic & REVISION_MASK == REVISION_3).then(|| word(5).unwrap_or(0)),
        }
    }

    /// The permitted capabilities a default Docker or containerd container does not have:
    /// with the effective bit set, exec fails unless they are added.
    pub fn beyond_runtime_default(&self) -> Vec<String> {
        match *self {
            FileCaps::Sets {
                permitted,
                effective: true,
                ..
            } => bits(permitted)
                .filter(|bit| !RUNTIME_DEFAULT.contains(bit))
                .map(name)
                .collect(),
            _ => Vec::new(),
        }
    }
}

fn bits(set: u64) -> impl Iterator<Item = u32> {
    (0..64).filter(move |bit| set & (1 << bit) != 0)
}

fn name(bit: u32) -> String {
    match NAMES.get(bit as usize) {
        Some(name) => format!("cap_{name}"),
        // libcap writes a capability it has no name for as its number.
        None => bit.to_string(),
    }
}

/// A capability's state bits as libcap numbers them (`libcap.h`: `LIBCAP_EFF`, `LIBCAP_PER`,
/// `LIBCAP_INH`); groups are written from the highest state down.
const EFF: u8 = 1;
const PER: u8 = 2;
const INH: u8 = 4;

fn letters(state: u8) -> String {
    [(EFF, 'e'), (INH, 'i'), (PER, 'p')]
        .iter()
        .filter(|(bit, _)| state & bit != 0)
        .map(|(_, c)| *c)
        .collect()
}

/// `cap_to_text` as `getcap` prints it (libcap 2.41+, `libcap/cap_text.c`): the most common
/// state over the named capabilities is the default, written `=` and its letters; then each
/// other state, highest first, its names with the operator that moves them from the default;
/// when the default is nothing, the first group takes `=` and the leading `= ` goes
/// (`cap_net_raw=ep`). Capabilities past the named ones follow by number. libcap names as many
/// as the running kernel knows; this table is linux 5.9's 41.
impl fmt::Display for FileCaps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (permitted, inheritable, effective, root_id) = match *self {
            FileCaps::Sets {
                permitted,
                inheritable,
                effective,
                root_id,
            } => (permitted, inheritable, effective, root_id),
            FileCaps::Malformed(len) => {
                return write!(f, "a malformed security.capability ({len} bytes)");
            }
        };
        // libcap raises the effective set to permitted | inheritable when the flag is set.
        let state = |bit: u32| {
            let (p, i) = (permitted >> bit & 1 == 1, inheritable >> bit & 1 == 1);
            let mut s = 0;
            if p {
                s |= PER;
            }
            if i {
                s |= INH;
            }
            if effective && (p || i) {
                s |= EFF;
            }
            s
        };
        let named = NAMES.len() as u32;
        let mut histo = [0usize; 8];
        for bit in 0..named {
            histo[usize::from(state(bit))] += 1;
        }
        let mut default = 7u8;
        for t in (0..7u8).rev() {
            if histo[usize::from(t)] >= histo[usize::from(default)] {
                default = t;
            }
        }
        let mut text = format!("={}", letters(default));
        for t in (0..8u8).rev() {
            if t == default || histo[usize::from(t)] == 0 {
                continue;
            }
            let names: Vec<String> = (0..named).filter(|&b| state(b) == t).map(name).collect();
            let names = names.join(",");
            let raise = t & !default;
            if raise != 0 && text == "=" {
                text = format!("{names}={}", letters(raise));
            } else {
                text.push(' ');
                text.push_str(&names);
                if raise != 0 {
                    text.push('+');
                    text.push_str(&letters(raise));
                }
            }
            let lower = default & !t;
            if lower != 0 {
                text.push('-');
                text.push_str(&letters(lower));
            }
        }
        for t in (1..8u8).rev() {
            let numbers: Vec<String> = (named..64)
                .filter(|&b| state(b) == t)
                .map(|b| b.to_string())
                .collect();
            if !numbers.is_empty() {
                text.push_str(&format!(" {}+{}", numbers.join(","), letters(t)));
            }
        }
        f.write_str(&text)?;
        if let Some(root) = root_id {
            write!(f, " [rootid={root}]")?;
        }
        Ok(())
    }
}

impl Serialize for FileCaps {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(magic: u32, data: &[u32]) -> Vec<u8> {
        std::iter::once(magic)
            .chain(data.iter().copied())
            .flat_map(u32::to_le_bytes)
            .collect()
    }

    #[test]
    fn decodes_what_setcap_writes() {
        // `setcap cap_net_raw+ep ./ping`, as read back in moby/buildkit#2250.
        let ping = [
            0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let caps = FileCaps::decode(&ping);
        assert_eq!(caps.to_string(), "cap_net_raw=ep");
        assert!(caps.beyond_runtime_default().is_empty());
        let bind = FileCaps::decode(&raw(REVISION_2 | 1, &[1 << 10, 0, 0, 0]));
        assert_eq!(bind.to_string(), "cap_net_bind_service=ep");
    }

    #[test]
    fn groups_flags_as_getcap_does() {
        let caps = FileCaps::decode(&raw(REVISION_2, &[(1 << 12) | (1 << 13), 1 << 13, 0, 0]));
        assert_eq!(caps.to_string(), "cap_net_raw=ip cap_net_admin+p");
        let effective = FileCaps::decode(&raw(REVISION_2 | 1, &[(1 << 12) | (1 << 13), 0, 0, 0]));
        assert_eq!(effective.to_string(), "cap_net_admin,cap_net_raw=ep");
        assert_eq!(effective.beyond_runtime_default(), ["cap_net_admin"]);
        // Without the effective bit nothing fails at exec.
        assert!(caps.beyond_runtime_default().is_empty());
        // The high word, and a number libcap has no name for.
        let high = FileCaps::decode(&raw(REVISION_2 | 1, &[0, 0, (1 << 7) | (1 << 20), 0]));
        assert_eq!(high.to_string(), "cap_bpf=ep 52+ep");
        // The inheritable set's high word is its own (getcap prints `cap_perfmon=i`).
        let inherited = FileCaps::decode(&raw(REVISION_2, &[0, 0, 0, 1 << 6]));
        assert_eq!(inherited.to_string(), "cap_perfmon=i");
    }

    #[test]
    fn a_set_holding_most_capabilities_is_written_from_its_default() {
        // Every named capability permitted and effective but two: libcap's `=ep` default.
        let all = (1u64 << NAMES.len()) - 1;
        let most = all & !(1 << 21) & !(1 << 16);
        let caps = FileCaps::decode(&raw(
            REVISION_2 | 1,
            &[most as u32, 0, (most >> 32) as u32, 0],
        ));
        assert_eq!(caps.to_string(), "=ep cap_sys_module,cap_sys_admin-ep");
    }

    #[test]
    fn revisions_are_sized_as_the_kernel_checks() {
        let v1 = FileCaps::decode(&raw(REVISION_1 | 1, &[1 << 21, 0]));
        assert_eq!(v1.to_string(), "cap_sys_admin=ep");
        assert_eq!(v1.beyond_runtime_default(), ["cap_sys_admin"]);
        let v3 = FileCaps::decode(&raw(REVISION_3, &[1 << 10, 0, 0, 0, 100_000]));
        assert_eq!(v3.to_string(), "cap_net_bind_service=p [rootid=100000]");
        for bad in [
            raw(REVISION_2, &[1, 0, 0]),
            raw(REVISION_1, &[1, 0, 0, 0]),
            raw(0x0400_0000, &[1, 0, 0, 0]),
            vec![1, 2],
        ] {
            let caps = FileCaps::decode(&bad);
            assert_eq!(caps, FileCaps::Malformed(bad.len()));
            assert!(
                caps.to_string()
                    .starts_with("a malformed security.capability")
            );
        }
        assert_eq!(
            FileCaps::decode(&raw(REVISION_2, &[0, 0, 0, 0])).to_string(),
            "="
        );
    }
}
