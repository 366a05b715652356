//! What the image rules look up in an image: the analysed executables by path, the config's
//! environment, and the program the container runs (Entrypoint + Cmd, resolved the way the
//! runtime does: an absolute path as is, a relative one against WorkingDir, a bare name
//! through PATH; a `sh -c "/server --flag"` wrapper is looked through to the program it runs).

use std::collections::{HashMap, HashSet};

use crate::elf::ElfFacts;
use crate::facts::FileFacts;
use crate::image::{Image, path};

/// The `PATH` runc and containerd use when the config sets none.
pub(super) const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The executables of an image by their path in it.
pub(super) struct Executables<'a> {
    image: &'a Image<FileFacts>,
    by_path: HashMap<&'a str, usize>,
    /// Files too big to analyse: known to be executables, their facts unknown.
    too_big: HashSet<&'a str>,
}

impl<'a> Executables<'a> {
    pub(super) fn new(image: &'a Image<FileFacts>) -> Self {
        let by_path = image
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.image_path.as_str(), i))
            .collect();
        let too_big = image
            .skipped
            .iter()
            .map(|s| s.image_path.as_str())
            .collect();
        Executables {
            image,
            by_path,
            too_big,
        }
    }

    /// Index into `image.files` of the file at this (real) path.
    pub(super) fn index(&self, real_path: &str) -> Option<usize> {
        self.by_path.get(real_path).copied()
    }

    pub(super) fn elf(&self, real_path: &str) -> Option<&'a ElfFacts> {
        self.image.files[self.index(real_path)?]
            .inspection
            .elf_facts()
    }

    pub(super) fn is_too_big(&self, real_path: &str) -> bool {
        self.too_big.contains(real_path)
    }
}

/// The value of `key` in the config's `Env` (the last one wins, as in the runtime).
pub(super) fn env<'a>(image: &'a Image<FileFacts>, key: &str) -> Option<&'a str> {
    image
        .config
        .env
        .iter()
        .rev()
        .find_map(|e| e.strip_prefix(key)?.strip_prefix('='))
}

/// The directory relative paths start from: `WorkingDir`, or `/`.
pub(super) fn working_dir(image: &Image<FileFacts>) -> String {
    match image.config.working_dir.as_str() {
        "" => "/".to_string(),
        dir if dir.starts_with('/') => dir.to_string(),
        dir => format!("/{dir}"),
    }
}

/// `path` made absolute against `dir`.
pub(super) fn absolute(path: &str, dir: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{path}", dir.trim_end_matches('/'))
    }
}

/// The argv the container starts with: Entrypoint followed by Cmd.
pub(super) fn argv(image: &Image<FileFacts>) -> Vec<String> {
    let entrypoint = image.config.entrypoint.clone().unwrap_or_default();
    let cmd = image.config.cmd.clone().unwrap_or_default();
    entrypoint.into_iter().chain(cmd).collect()
}

/// The real path of the regular file `argv0` names, resolved like `execvp` in the container.
pub(super) fn resolve_command(image: &Image<FileFacts>, argv0: &str) -> Option<String> {
    let file = |candidate: &str| {
        let (real, node) = image.tree.resolve(candidate)?;
        node.is_file().then_some(real)
    };
    if argv0.contains('/') {
        return file(&absolute(argv0, &working_dir(image)));
    }
    if argv0.is_empty() {
        return None;
    }
    let search = env(image, "PATH").unwrap_or(DEFAULT_PATH);
    search
        .split(':')
        .map(|dir| if dir.is_empty() { "." } else { dir })
        .map(|dir| absolute(&format!("{dir}/{argv0}"), &working_dir(image)))
        .find_map(|candidate| {
            let real = file(&candidate)?;
            let (_, node) = image.tree.resolve(&real)?;
            (node.mode & 0o111 != 0).then_some(real)
        })
}

/// The program the container runs, and the exec-form command that would run it without a
/// shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EntryProgram {
    /// Real path in the image.
    pub path: String,
    /// The argv as configured, or the words of a simple `sh -c` command (the program named by
    /// its real path).
    pub argv: Vec<String>,
    /// The config ran it through `sh -c`.
    pub through_shell: bool,
}

const SHELLS: [&str; 6] = ["sh", "bash", "dash", "ash", "busybox", "zsh"];

/// The program Entrypoint + Cmd starts; `None` if neither is set or it is not in the image.
pub(super) fn entry_program(image: &Image<FileFacts>) -> Option<EntryProgram> {
    let argv = argv(image);
    let first = resolve_command(image, argv.first()?)?;
    let base = first.rsplit('/').next().unwrap_or_default();
    if SHELLS.contains(&base)
        && argv.get(1).map(String::as_str) == Some("-c")
        && let Some(script) = argv.get(2)
        && let Some(words) = simple_words(script)
        && let Some(program) = resolve_command(image, &words[0])
    {
        // Without the shell nothing searches PATH for the scratch image: name the file.
        let mut argv = words;
        argv[0].clone_from(&program);
        return Some(EntryProgram {
            path: program,
            argv,
            through_shell: true,
        });
    }
    Some(EntryProgram {
        path: first,
        argv,
        through_shell: false,
    })
}

/// The words of a shell command that is only words (no quoting, expansion or operators), with
/// a leading `exec` dropped; `None` otherwise.
fn simple_words(script: &str) -> Option<Vec<String>> {
    const SPECIAL: &[char] = &[
        '$', '`', '"', '\'', '\\', '|', '&', ';', '<', '>', '(', ')', '{', '}', '*', '?', '[', '~',
        '#', '=',
    ];
    if script.contains(SPECIAL) {
        return None;
    }
    let mut words: Vec<String> = script.split_whitespace().map(str::to_string).collect();
    if words.first().map(String::as_str) == Some("exec") {
        words.remove(0);
    }
    (!words.is_empty()).then_some(words)
}

/// The parent directory of an absolute, normalised path.
pub(super) fn parent(path_text: &str) -> String {
    path::split(path_text)
        .map_or("/", |(dir, _)| dir)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_shell_commands_split_into_words() {
        assert_eq!(
            simple_words("exec /server --port 80"),
            Some(vec!["/server".into(), "--port".into(), "80".into()])
        );
        assert_eq!(simple_words("/server $PORT"), None);
        assert_eq!(simple_words("a && b"), None);
        assert_eq!(simple_words("   "), None);
    }

    #[test]
    fn absolute_joins_relative_paths_to_the_directory() {
        assert_eq!(absolute("bin/x", "/app/"), "/app/bin/x");
        assert_eq!(absolute("/x", "/app"), "/x");
        assert_eq!(parent("/usr/lib/libc.so.6"), "/usr/lib");
        assert_eq!(parent("/server"), "/");
    }
}
