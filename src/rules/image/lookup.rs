//! What the image rules look up in an image: the analysed executables by path, the config's
//! environment and working directory, and path helpers. The command the container runs is
//! resolved in `command.rs`, once.

use std::collections::{HashMap, HashSet};

use crate::elf::ElfFacts;
use crate::facts::FileFacts;
use crate::image::{Image, path};

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
    fn absolute_joins_relative_paths_to_the_directory() {
        assert_eq!(absolute("bin/x", "/app/"), "/app/bin/x");
        assert_eq!(absolute("/x", "/app"), "/x");
        assert_eq!(parent("/usr/lib/libc.so.6"), "/usr/lib");
        assert_eq!(parent("/server"), "/");
    }
}
