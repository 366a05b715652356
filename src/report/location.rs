//! Where a reported file is, for the formats that point at files in a repository (SARIF, GitHub
//! annotations): its path relative to the working directory when it lies inside it, else an
//! absolute path. Lexical only: the renderer never touches the filesystem, so `..` is resolved
//! on the text of the path and symlinks are not followed.
//!
//! URIs follow RFC 3986 (a relative reference, or `file://` plus an absolute path) with every
//! byte outside the unreserved and path-safe sets percent-encoded, as SARIF 2.1.0 §3.4.3 asks.

use std::path::{Component, Path, PathBuf};

/// A reported file, placed against the working directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Artifact {
    /// Inside the working directory: `bin/server` (forward slashes, no `./`).
    Relative(String),
    /// Outside it, or no working directory was given: `/opt/app/server`.
    Absolute(String),
    /// Read from standard input (`-`).
    Stdin,
}

impl Artifact {
    /// Place `path` (as the report prints it) against `cwd`.
    pub fn locate(path: &str, cwd: Option<&Path>) -> Artifact {
        if path == "-" {
            return Artifact::Stdin;
        }
        let given = Path::new(path);
        let absolute = if given.is_absolute() {
            normalise(given)
        } else {
            match (normalise_relative(given), cwd) {
                (Some(inside), _) => return Artifact::Relative(inside),
                // `../x` with no directory to resolve it against: keep the text.
                (None, None) => return Artifact::Relative(slashed(given)),
                (None, Some(cwd)) => normalise(&cwd.join(given)),
            }
        };
        if let Some(cwd) = cwd
            && let Ok(inside) = absolute.strip_prefix(normalise(cwd))
            && inside.components().next().is_some()
        {
            return Artifact::Relative(slashed(inside));
        }
        Artifact::Absolute(slashed(&absolute))
    }

    /// The path to print (GitHub's `file=` property): relative, absolute, or `-`.
    pub fn path(&self) -> &str {
        match self {
            Artifact::Relative(path) | Artifact::Absolute(path) => path,
            Artifact::Stdin => "-",
        }
    }

    /// The URI: a percent-encoded relative reference, `file:///abs/path`, or `stdin` for
    /// standard input, which has no place in any tree.
    pub fn uri(&self) -> String {
        match self {
            Artifact::Relative(path) => percent_encode(path),
            Artifact::Absolute(path) => format!("file://{}", percent_encode(path)),
            Artifact::Stdin => "stdin".to_string(),
        }
    }
}

/// Resolve `.` and `..` in an absolute path; `..` at the root stays at the root, as the kernel
/// does.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Resolve `.` and `..` in a relative path; `None` when it climbs out of its starting point.
fn normalise_relative(path: &Path) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}

fn slashed(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Percent-encode a path for a URI: unreserved characters, `/` and the sub-delimiters stay;
/// everything else (space, `%`, `#`, `?`, `:`, non-ASCII) becomes `%XX` per UTF-8 byte. `:`
/// is encoded because in a relative reference's first segment it would read as a scheme.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &byte in path.as_bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locate(path: &str) -> Artifact {
        Artifact::locate(path, Some(Path::new("/work/repo")))
    }

    #[test]
    fn relative_paths_stay_relative_and_lose_dots() {
        assert_eq!(
            locate("bin/server"),
            Artifact::Relative("bin/server".into())
        );
        assert_eq!(
            locate("./bin/./x/../server"),
            Artifact::Relative("bin/server".into())
        );
    }

    #[test]
    fn absolute_paths_inside_the_working_directory_become_relative() {
        assert_eq!(
            locate("/work/repo/bin/server"),
            Artifact::Relative("bin/server".into())
        );
        assert_eq!(
            locate("/work/repo/../repo/bin/server"),
            Artifact::Relative("bin/server".into())
        );
        // A sibling whose name starts with the same letters is not inside.
        assert_eq!(
            locate("/work/repository/server"),
            Artifact::Absolute("/work/repository/server".into())
        );
    }

    #[test]
    fn paths_outside_become_absolute_file_uris() {
        let outside = locate("../other/server");
        assert_eq!(outside, Artifact::Absolute("/work/other/server".into()));
        assert_eq!(outside.uri(), "file:///work/other/server");
        assert_eq!(locate("/usr/bin/ls").uri(), "file:///usr/bin/ls");
        assert_eq!(
            Artifact::locate("../x", None),
            Artifact::Relative("../x".into())
        );
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            locate("bin/my server#1?.x").uri(),
            "bin/my%20server%231%3F.x"
        );
        assert_eq!(locate("a:b/100%").uri(), "a%3Ab/100%25");
        assert_eq!(locate("bin/é").uri(), "bin/%C3%A9");
        assert_eq!(locate("bin/a+b,c=d@e").uri(), "bin/a+b,c=d@e");
    }

    #[test]
    fn stdin_has_its_own_name() {
        assert_eq!(locate("-"), Artifact::Stdin);
        assert_eq!(locate("-").path(), "-");
        assert_eq!(locate("-").uri(), "stdin");
    }
}
