//! Member names to image paths. A tar name may be `./usr/bin/x`, `usr/bin/x`, `/usr/bin/x` or
//! `usr//bin/./x`: all are `/usr/bin/x`. A `..` that would climb above the root is refused, never
//! clamped: such a layer was made to escape, and extracting tools reject it too (moby
//! `pkg/archive` "breakout", containerd `fs.RootPath`). Paths are kept as `/`-joined strings,
//! lossily decoded from bytes (non-UTF-8 names are rare in images and only ever displayed).

/// The absolute, normalised form of a member name or hard-link target; `None` if `..` climbs
/// out of the root. The root itself is `/`.
pub fn normalise(name: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(join_parts(&parts))
}

/// Like `normalise`, but `..` stops at the root, as the kernel resolves `..` inside a chroot.
/// Used for symlink targets, which are resolved, never refused.
pub fn normalise_clamped(name: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    join_parts(&parts)
}

fn join_parts(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum::<usize>().max(1));
    for part in parts {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// `/a/b` → (`/a`, `b`); `/a` → (`/`, `a`); `/` → None.
pub fn split(path: &str) -> Option<(&str, &str)> {
    if path == "/" {
        return None;
    }
    let cut = path.rfind('/')?;
    Some((if cut == 0 { "/" } else { &path[..cut] }, &path[cut + 1..]))
}

pub fn join(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The smallest string greater than every path under `dir` (exclusive end of a range scan).
pub fn subtree_bounds(dir: &str) -> (String, String) {
    if dir == "/" {
        return ("/".to_string(), "0".to_string());
    }
    (format!("{dir}/"), format!("{dir}0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_dots_normalise_to_one_absolute_path() {
        for name in [
            "usr/bin/x",
            "./usr/bin/x",
            "/usr/bin/x",
            "usr//bin/./x",
            "usr/lib/../bin/x",
        ] {
            assert_eq!(normalise(name).as_deref(), Some("/usr/bin/x"), "{name}");
        }
        assert_eq!(normalise("./").as_deref(), Some("/"));
        assert_eq!(normalise("").as_deref(), Some("/"));
    }

    #[test]
    fn climbing_out_of_the_root_is_refused() {
        assert_eq!(normalise("../../etc/passwd"), None);
        assert_eq!(normalise("a/../../etc"), None);
        assert_eq!(normalise_clamped("../../etc/passwd"), "/etc/passwd");
    }

    #[test]
    fn split_and_join_round_trip() {
        assert_eq!(split("/a/b"), Some(("/a", "b")));
        assert_eq!(split("/a"), Some(("/", "a")));
        assert_eq!(split("/"), None);
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/a", "b"), "/a/b");
    }
}
