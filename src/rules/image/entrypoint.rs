//! GS603 entrypoint: can the runtime start the image's command at all? The command is
//! `Entrypoint` followed by `Cmd` (only `Cmd` when `Entrypoint` is unset or empty, as Docker and
//! containerd build `process.args`). Its first word is found the way runc finds it: Go's
//! `exec.LookPath` run inside the container (libcontainer/standard_init_linux.go) with the
//! image's environment, so
//! - a name with a `/` is taken as a path, relative ones against `WorkingDir`;
//! - a bare name is searched in the config's `PATH` (Docker supplies
//!   `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` when it has none), and a
//!   directory or a non-executable file in one PATH entry moves the search on to the next;
//! - symlinks are followed inside the image root; the execute bit must be there for the user
//!   the process runs as (the owner, group or other bit that applies; any bit for root).
//!
//! Docker writes the shell form (`ENTRYPOINT server --flag`) as `["/bin/sh", "-c", "..."]`, so
//! an image without `/bin/sh` cannot start it. The `#!` interpreter of a script is checked when
//! the image reader kept the script's first line (`Tree::interpreter`).

use super::accounts::{Accounts, Identity, UserSpec};
use super::contents::mode_string;
use crate::facts::FileFacts;
use crate::image::{Image, Node, Tree, path};
use crate::rules::{Finding, Rule};

pub(super) fn check(image: &Image<FileFacts>, accounts: &Accounts, out: &mut Vec<Finding>) {
    let config = &image.config;
    let entrypoint = config.entrypoint.as_deref().unwrap_or_default();
    let cmd = config.cmd.as_deref().unwrap_or_default();
    let (field, words) = if entrypoint.is_empty() {
        ("CMD", cmd)
    } else {
        ("ENTRYPOINT", entrypoint)
    };
    let fix = Rule::Entrypoint.info().fix;
    let Some(program) = words.first() else {
        out.push(Finding::new(
            Rule::Entrypoint,
            "the image has no ENTRYPOINT or CMD: the runtime has nothing to start",
            fix,
        ));
        return;
    };
    let shown = show(field, words);
    let identity = accounts.identity(&UserSpec::parse(&config.user));
    let lookup = Lookup {
        tree: &image.tree,
        workdir: if config.working_dir.is_empty() {
            "/"
        } else {
            &config.working_dir
        },
        identity: identity.as_ref(),
        user: &config.user,
    };
    let problem = if program.is_empty() {
        Some(Problem {
            text: "starts with an empty program name".to_string(),
            colon: false,
            at: None,
        })
    } else if program.contains('/') {
        lookup.path(program, words)
    } else {
        lookup.search(
            program,
            super::lookup::env(image, "PATH").unwrap_or(super::lookup::DEFAULT_PATH),
        )
    };
    if let Some(problem) = problem {
        let mut finding = Finding::new(Rule::Entrypoint, problem.message(&shown), fix);
        if let Some(at) = problem.at {
            finding = finding.at(at);
        }
        out.push(finding);
    }
}

/// `ENTRYPOINT ["/bin/sh", "-c", "/server"]`, the way a Dockerfile writes the exec form; long
/// commands are cut.
fn show(field: &str, words: &[String]) -> String {
    const WORDS: usize = 4;
    const CHARS: usize = 60;
    let mut shown: Vec<String> = words
        .iter()
        .take(WORDS)
        .map(|w| {
            let cut: String = w.chars().take(CHARS).collect();
            let cut = if cut.len() < w.len() {
                format!("{cut}…")
            } else {
                cut
            };
            serde_json::Value::String(cut).to_string()
        })
        .collect();
    if words.len() > WORDS {
        shown.push("…".to_string());
    }
    format!("{field} [{}]", shown.join(", "))
}

/// Why the command cannot start: what to say after the command, and the in-image path it is
/// about.
struct Problem {
    text: String,
    /// `ENTRYPOINT [...]: text` rather than `ENTRYPOINT [...] text`.
    colon: bool,
    at: Option<String>,
}

impl Problem {
    fn about(text: String, at: Option<&str>) -> Self {
        Problem {
            text,
            colon: true,
            at: at.map(str::to_string),
        }
    }

    fn message(&self, shown: &str) -> String {
        let separator = if self.colon { ": " } else { " " };
        format!("{shown}{separator}{}", self.text)
    }
}

struct Lookup<'a> {
    tree: &'a Tree,
    workdir: &'a str,
    identity: Option<&'a Identity>,
    user: &'a str,
}

/// What one candidate path is in the image.
enum Candidate<'a> {
    /// The real path of a file the user may execute.
    Runnable(String),
    Missing,
    Dangling {
        target: String,
    },
    Directory,
    NotExecutable(&'a Node),
}

impl<'a> Lookup<'a> {
    fn examine(&self, candidate: &str) -> Candidate<'a> {
        match self.tree.resolve(candidate) {
            Some((_, node)) if node.is_dir() => Candidate::Directory,
            Some((real, node)) if node.is_file() => {
                if self.may_execute(node) {
                    Candidate::Runnable(real)
                } else {
                    Candidate::NotExecutable(node)
                }
            }
            // A device or FIFO: exec fails with EACCES.
            Some((_, node)) => Candidate::NotExecutable(node),
            None => {
                let link = self
                    .tree
                    .resolve_parent(candidate)
                    .and_then(|p| self.tree.get(&p));
                match link.map(|n| &n.kind) {
                    Some(crate::image::NodeKind::Symlink { target }) => Candidate::Dangling {
                        target: target.clone(),
                    },
                    _ => Candidate::Missing,
                }
            }
        }
    }

    fn may_execute(&self, node: &Node) -> bool {
        if !node.is_file() {
            return false;
        }
        match self.identity {
            Some(identity) => identity.may_execute(node.mode, node.uid, node.gid),
            // A user we cannot resolve (GS602 says so): judge by any execute bit.
            None => node.mode & 0o111 != 0,
        }
    }

    fn not_executable(&self, shown_path: &str, node: &Node) -> String {
        let who = if self.user.trim().is_empty() {
            String::new()
        } else {
            format!(" by USER {}", self.user.trim())
        };
        format!(
            "{shown_path} is not executable{who} ({} {}:{})",
            mode_string(node),
            node.uid,
            node.gid
        )
    }

    /// A program named by a path: absolute, or relative to the working directory.
    fn path(&self, program: &str, words: &[String]) -> Option<Problem> {
        let absolute = if program.starts_with('/') {
            path::normalise_clamped(program)
        } else {
            path::normalise_clamped(&path::join(self.workdir, program))
        };
        let shown_path = if program.starts_with('/') {
            program.to_string()
        } else {
            format!("{program} (in WORKDIR {})", self.workdir)
        };
        match self.examine(&absolute) {
            Candidate::Runnable(real) => self.interpreter(&absolute, &real),
            Candidate::Missing if is_shell_form(words) => Some(Problem {
                text: format!("needs {program}, which the image does not have"),
                colon: false,
                at: Some(absolute),
            }),
            Candidate::Missing => Some(Problem::about(
                format!("{shown_path} is not in the image"),
                Some(&absolute),
            )),
            Candidate::Dangling { target } => Some(Problem::about(
                format!("{shown_path} is a symlink to {target}, which is not in the image"),
                Some(&absolute),
            )),
            Candidate::Directory => Some(Problem::about(
                format!("{shown_path} is a directory"),
                Some(&absolute),
            )),
            Candidate::NotExecutable(node) => Some(Problem::about(
                self.not_executable(&shown_path, node),
                Some(&absolute),
            )),
        }
    }

    /// A bare name, searched in PATH as `exec.LookPath` does.
    fn search(&self, program: &str, path_list: &str) -> Option<Problem> {
        let mut unusable: Option<(String, &Node)> = None;
        for dir in path_list.split(':') {
            // An empty entry is the working directory, as in every shell.
            let dir = if dir.is_empty() { "." } else { dir };
            let dir = if dir.starts_with('/') {
                dir.to_string()
            } else {
                path::join(self.workdir, dir)
            };
            let candidate = path::normalise_clamped(&path::join(&dir, program));
            match self.examine(&candidate) {
                Candidate::Runnable(real) => return self.interpreter(&candidate, &real),
                Candidate::NotExecutable(node) if unusable.is_none() => {
                    unusable = Some((candidate, node));
                }
                _ => {}
            }
        }
        Some(match unusable {
            Some((candidate, node)) => Problem::about(
                format!(
                    "{program} is found in PATH only as {}",
                    self.not_executable(&candidate, node)
                ),
                Some(&candidate),
            ),
            None => Problem::about(
                format!("{program} is not in any PATH directory ({path_list})"),
                None,
            ),
        })
    }

    /// A script whose `#!` interpreter is not in the image cannot be executed (ENOENT).
    fn interpreter(&self, shown_path: &str, real: &str) -> Option<Problem> {
        let line = self.tree.interpreter(real)?;
        let interpreter = line.split_whitespace().next()?;
        if !interpreter.starts_with('/') {
            return None;
        }
        match self.tree.resolve(interpreter) {
            Some((_, node)) if node.is_file() => None,
            _ => Some(Problem::about(
                format!("{shown_path} starts with #!{line}, and {interpreter} is not in the image"),
                Some(real),
            )),
        }
    }
}

/// `["/bin/sh", "-c", ...]`: how Docker stores the shell form.
fn is_shell_form(words: &[String]) -> bool {
    words.len() >= 2 && words[0] == "/bin/sh" && words[1] == "-c"
}

#[cfg(test)]
mod tests;
