//! What an image's files ask of the runtime's privileges: GS612 high-ids (owners a 65536-id
//! user namespace cannot map, from every layer, since every layer is extracted) and GS613
//! file-capabilities (privilege granted at exec, from the final filesystem).

use crate::facts::FileFacts;
use crate::image::caps::FileCaps;
use crate::image::{HighIds, Image, owners::MAX_16_BIT_ID};
use crate::rules::{Finding, Rule, first_few};

/// One GS613 finding per file up to this many, then one counting the rest.
const MAX_CAPABILITY_FINDINGS: usize = 100;

pub(super) fn check(image: &Image<FileFacts>, out: &mut Vec<Finding>) {
    high_ids(image, out);
    capabilities(image, out);
}

/// GS612: one finding for the image, with the count, the largest ids and a few entries.
fn high_ids(image: &Image<FileFacts>, out: &mut Vec<Finding>) {
    let layers: Vec<(usize, &HighIds)> = image
        .layers
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.high_ids.as_ref().map(|h| (i, h)))
        .collect();
    if layers.is_empty() {
        return;
    }
    let entries: usize = layers.iter().map(|(_, h)| h.entries).sum();
    let max_uid = layers.iter().map(|(_, h)| h.max_uid).max().unwrap_or(0);
    let max_gid = layers.iter().map(|(_, h)| h.max_gid).max().unwrap_or(0);
    let examples: Vec<String> = layers
        .iter()
        .flat_map(|(i, h)| {
            h.examples
                .iter()
                .map(move |e| format!("{} {}:{} in layer {i}", e.path, e.uid, e.gid))
        })
        .collect();
    let largest = [("uid", max_uid), ("gid", max_gid)]
        .iter()
        .filter(|(_, id)| *id > MAX_16_BIT_ID)
        .map(|(what, id)| format!("{what} {id}"))
        .collect::<Vec<_>>()
        .join(", ");
    let (count, are) = if entries == 1 {
        ("1 layer entry".to_string(), "is")
    } else {
        (format!("{entries} layer entries"), "are")
    };
    out.push(Finding::new(
        Rule::HighIds,
        format!(
            "{count} {are} owned by ids above {MAX_16_BIT_ID}, which a rootless runtime or a \
             Kubernetes user namespace cannot map (largest {largest}): {}",
            first_few(&examples, entries)
        ),
        Rule::HighIds.info().fix,
    ));
}

/// GS613: each regular file with a `security.capability`, in path order.
fn capabilities(image: &Image<FileFacts>, out: &mut Vec<Finding>) {
    let flagged: Vec<(&str, FileCaps)> = image
        .tree
        .iter()
        .filter(|(_, node)| node.is_file())
        .filter_map(|(path, node)| node.capabilities.map(|caps| (path, caps)))
        .collect();
    for (path, caps) in flagged.iter().take(MAX_CAPABILITY_FINDINGS) {
        let message = match caps {
            FileCaps::Malformed(_) => {
                format!("{path} has {caps}: the kernel refuses to exec it (\"invalid argument\")")
            }
            FileCaps::Sets { .. } => {
                let beyond = caps.beyond_runtime_default();
                let consequence = if beyond.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; the effective bit is set and a default Docker or containerd \
                         container lacks {}, so its exec fails with \"operation not \
                         permitted\" unless they are added",
                        beyond.join(", ")
                    )
                };
                format!("{path} has file capabilities {caps}{consequence}")
            }
        };
        out.push(
            Finding::new(
                Rule::FileCapabilities,
                message,
                Rule::FileCapabilities.info().fix,
            )
            .at(*path),
        );
    }
    if flagged.len() > MAX_CAPABILITY_FINDINGS {
        let rest: Vec<&str> = flagged[MAX_CAPABILITY_FINDINGS..]
            .iter()
            .map(|(p, _)| *p)
            .collect();
        out.push(Finding::new(
            Rule::FileCapabilities,
            format!(
                "{} more files with file capabilities: {}",
                rest.len(),
                first_few(&rest, rest.len())
            ),
            Rule::FileCapabilities.info().fix,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::image::{Config, Layer, build, facts};

    fn findings(layers: &[Layer]) -> Vec<String> {
        let image = build(layers, &Config::default(), &facts);
        let mut out = Vec::new();
        check(&image, &mut out);
        out.iter()
            .map(|f| format!("{} {}", f.rule.id(), f.message))
            .collect()
    }

    /// `vfs_cap_data` revision 2 with the effective bit and `permitted` in the low word.
    fn caps(permitted: u32) -> Vec<u8> {
        [0x0200_0001u32, permitted, 0, 0, 0]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect()
    }

    #[test]
    fn owners_past_16_bits_are_counted_in_every_layer() {
        let mut lower = Layer::new();
        lower
            .file_owned("app/old", 0o644, (100_999, 100_999), b"x")
            .file_owned("app/ok", 0o644, (65_535, 65_535), b"x");
        let mut upper = Layer::new();
        upper
            .whiteout("app", "old")
            .file_owned("app/server", 0o755, (1000, 70_000), b"x")
            .file_owned("app/a", 0o644, (70_001, 0), b"x")
            .file_owned("app/b", 0o644, (70_002, 0), b"x");
        assert_eq!(
            findings(&[lower, upper]),
            [
                "GS612 4 layer entries are owned by ids above 65535, which a rootless runtime or \
              a Kubernetes user namespace cannot map (largest uid 100999, gid 100999): \
              /app/old 100999:100999 in layer 0, /app/server 1000:70000 in layer 1, \
              /app/a 70001:0 in layer 1 and 1 more"
            ]
        );
        let mut one = Layer::new();
        one.file_owned("srv", 0o755, (0, 65_536), b"x");
        assert_eq!(
            findings(&[one]),
            [
                "GS612 1 layer entry is owned by ids above 65535, which a rootless runtime or a \
              Kubernetes user namespace cannot map (largest gid 65536): /srv 0:65536 in layer 0"
            ]
        );
        let mut fine = Layer::new();
        fine.file_owned("srv", 0o755, (65_535, 65_534), b"x");
        assert!(findings(&[fine]).is_empty());
    }

    #[test]
    fn file_capabilities_are_named_with_what_they_break() {
        let mut layer = Layer::new();
        layer
            .file_with_capability("bind", 0o755, b"x", &caps(1 << 10))
            .file_with_capability("admin", 0o755, b"x", &caps((1 << 12) | (1 << 10)))
            .file_with_capability("bad", 0o755, b"x", &[1, 0, 0, 2])
            .file("plain", b"x");
        let mut upper = Layer::new();
        // Replaced by a file without the attribute: the final filesystem's copy counts.
        upper.file("bind", b"y");
        assert_eq!(
            findings(&[layer.clone()]),
            [
                "GS613 /admin has file capabilities cap_net_bind_service,cap_net_admin=ep; the \
                 effective bit is set and a default Docker or containerd container lacks \
                 cap_net_admin, so its exec fails with \"operation not permitted\" unless they \
                 are added",
                "GS613 /bad has a malformed security.capability (4 bytes): the kernel refuses \
                 to exec it (\"invalid argument\")",
                "GS613 /bind has file capabilities cap_net_bind_service=ep",
            ]
        );
        assert_eq!(findings(&[layer, upper]).len(), 2);
    }

    #[test]
    fn many_capable_files_are_capped() {
        let mut layer = Layer::new();
        for i in 0..MAX_CAPABILITY_FINDINGS + 2 {
            layer.file_with_capability(&format!("f{i:03}"), 0o755, b"x", &caps(1 << 10));
        }
        let found = findings(&[layer]);
        assert_eq!(found.len(), MAX_CAPABILITY_FINDINGS + 1);
        assert_eq!(
            found.last().map(String::as_str),
            Some("GS613 2 more files with file capabilities: /f100, /f101")
        );
    }
}
