//! The one command resolver of the image rules: what the container runtime would exec, computed
//! once per image and read by GS603 (can it start), GS604 (is the entrypoint's architecture
//! right), the size story (which program to keep and how to name it) and the runtime-file
//! rules' advice.
//!
//! The argv is `Entrypoint` followed by `Cmd` (only `Cmd` when `Entrypoint` is unset or empty),
//! as Docker and containerd build `process.args`. Its first word is found the way runc finds
//! it: Go's `exec.LookPath` run inside the container (libcontainer/standard_init_linux.go) with
//! the image's environment and the user's identity ([`ExecUser`]), so
//! - a name with a `/` is taken as a path, relative ones against `WorkingDir` (`/` when empty);
//! - a bare name is searched in the config's `PATH` (runc and containerd supply
//!   `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` when it has none; an empty
//!   entry is the working directory), and a directory or a file the user may not execute moves
//!   the search on to the next entry;
//! - symlinks are followed inside the image root; the execute bit must be there for the user
//!   the process runs as (the owner, group or other bit that applies; any bit for root);
//! - a script's `#!` interpreter (the first word, when absolute) must be in the image
//!   (`Tree::interpreter`: the image reader keeps the first line of every `#!` file).
//!
//! Docker writes the shell form (`ENTRYPOINT server --flag`) as `["/bin/sh", "-c", "..."]`: an
//! image without `/bin/sh` cannot start it. When the program found is a shell run with `-c` and
//! a command made only of words (no quoting, expansion or operators; a leading `exec` dropped),
//! the shell is looked through to the program it runs ([`Shell`]), found the same way; so is
//! the shell form when the image lacks `/bin/sh` (it cannot start, but a final stage can exec
//! that program).

use super::accounts::ExecUser;
use super::lookup;
use crate::facts::FileFacts;
use crate::image::{Image, Node, NodeKind, Tree, path};

/// The `PATH` runc and containerd use when the config sets none.
pub(super) const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Shells whose `-c` argument is looked through.
pub(super) const SHELLS: [&str; 6] = ["sh", "bash", "dash", "ash", "busybox", "zsh"];

/// Which config field names the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Entrypoint,
    Cmd,
}

impl Field {
    pub fn dockerfile(self) -> &'static str {
        match self {
            Field::Entrypoint => "ENTRYPOINT",
            Field::Cmd => "CMD",
        }
    }
}

/// The configured command, resolved.
#[derive(Debug, Clone)]
pub(super) struct Command {
    /// `Entrypoint` when it is set and not empty, else `Cmd`.
    pub field: Field,
    /// The words of that field (what messages show).
    pub words: Vec<String>,
    /// `Entrypoint` followed by `Cmd`: the process's argv.
    pub argv: Vec<String>,
    /// `WorkingDir` as configured, or `/`.
    pub workdir: String,
    /// The `PATH` searched.
    pub path_list: String,
    /// The regular file the lookup lands on (even when it cannot be executed); `None` when it
    /// finds none.
    pub program: Option<Program>,
    /// Why the runtime cannot exec it, if it cannot.
    pub problem: Option<Problem>,
    /// The program is a shell running a simple command: that command, resolved.
    pub shell: Option<Shell>,
}

/// A regular file the command names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Program {
    /// The word as written (`server`, `./run`, `/app`).
    pub name: String,
    /// The absolute path the lookup reached it by, before symlinks: what a COPY names.
    pub path: String,
    /// Its real path after symlinks.
    pub real: String,
    pub found: Found,
}

/// How the program was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Found {
    /// An absolute path.
    Absolute,
    /// A relative path, taken from the working directory.
    Relative,
    /// A bare name, in this `PATH` directory (absolute, normalised).
    PathEntry(String),
}

/// Why the command cannot start.
#[derive(Debug, Clone)]
pub(super) enum Problem {
    /// Neither `Entrypoint` nor `Cmd`.
    NoCommand,
    /// The first word is `""`.
    EmptyName,
    /// The shell form, and the image lacks the shell (`at`).
    NoShell {
        at: String,
    },
    /// Nothing at the path.
    Missing {
        at: String,
    },
    /// A symlink whose target is not there.
    Dangling {
        at: String,
        target: String,
    },
    Directory {
        at: String,
    },
    /// A file (or device) the user may not execute.
    NotExecutable {
        at: String,
        node: Node,
    },
    /// A bare name in no PATH directory.
    NotInPath,
    /// A bare name found in PATH only as files the user may not execute (the first of them).
    OnlyNotExecutableInPath {
        at: String,
        node: Node,
    },
    /// A script whose `#!` interpreter is not in the image; `at` is the script's real path.
    NoInterpreter {
        shown: String,
        at: String,
        line: String,
        interpreter: String,
    },
}

impl Problem {
    /// The in-image path the problem is about.
    pub fn at(&self) -> Option<&str> {
        match self {
            Problem::NoCommand | Problem::EmptyName | Problem::NotInPath => None,
            Problem::NoShell { at }
            | Problem::Missing { at }
            | Problem::Dangling { at, .. }
            | Problem::Directory { at }
            | Problem::NotExecutable { at, .. }
            | Problem::OnlyNotExecutableInPath { at, .. }
            | Problem::NoInterpreter { at, .. } => Some(at),
        }
    }
}

/// A shell running a simple command (`sh -c "exec /server --port 80"`).
#[derive(Debug, Clone)]
pub(super) struct Shell {
    /// The command's words, a leading `exec` dropped.
    pub words: Vec<String>,
    /// The program they name, when the lookup lands on a file.
    pub program: Option<Program>,
    /// Why the shell could not exec it. GS603 does not judge the inner command (yet).
    #[cfg_attr(not(test), allow(dead_code))]
    pub problem: Option<Problem>,
}

impl Command {
    /// Resolve the command of `image` for `user`.
    pub fn resolve(image: &Image<FileFacts>, user: &ExecUser) -> Self {
        let config = &image.config;
        let entrypoint = config.entrypoint.clone().unwrap_or_default();
        let cmd = config.cmd.clone().unwrap_or_default();
        let (field, words) = if entrypoint.is_empty() {
            (Field::Cmd, cmd.clone())
        } else {
            (Field::Entrypoint, entrypoint.clone())
        };
        let workdir = if config.working_dir.is_empty() {
            "/".to_string()
        } else {
            config.working_dir.clone()
        };
        let path_list = lookup::env(image, "PATH")
            .unwrap_or(DEFAULT_PATH)
            .to_string();
        let argv: Vec<String> = entrypoint.into_iter().chain(cmd).collect();
        let lookup = Lookup {
            tree: &image.tree,
            workdir: &workdir,
            path_list: &path_list,
            user,
        };
        let (program, problem) = match argv.first() {
            None => (None, Some(Problem::NoCommand)),
            Some(name) => lookup.find(name, is_shell_form(&words)),
        };
        let shell = match &program {
            Some(p) => lookup.through_shell(p, &argv),
            // The shell form in an image without the shell: the command it was to run is
            // still what a final stage should exec.
            None if is_shell_form(&argv) => lookup.shell_command(&argv),
            None => None,
        };
        Command {
            field,
            words,
            argv,
            workdir,
            path_list,
            program,
            problem,
            shell,
        }
    }

    /// The program that does the work: the one a simple shell command runs, else the one the
    /// runtime execs, when the runtime can exec it (or it is only not executable).
    pub fn entry_program(&self) -> Option<&Program> {
        if let Some(program) = self.shell.as_ref().and_then(|s| s.program.as_ref()) {
            return Some(program);
        }
        self.program.as_ref()
    }
}

struct Lookup<'a> {
    tree: &'a Tree,
    workdir: &'a str,
    path_list: &'a str,
    user: &'a ExecUser,
}

/// What one candidate path is in the image.
enum Candidate {
    /// A regular file (real path); `Some(node)` when the user may not execute it.
    File(String, Option<Node>),
    Missing,
    Dangling(String),
    Directory,
    /// A device or FIFO: exec fails with EACCES.
    Special(Node),
}

impl Lookup<'_> {
    fn examine(&self, candidate: &str) -> Candidate {
        match self.tree.resolve(candidate) {
            Some((_, node)) if node.is_dir() => Candidate::Directory,
            Some((real, node)) if node.is_file() => {
                let refused = (!self.user.may_execute(node)).then(|| node.clone());
                Candidate::File(real, refused)
            }
            Some((_, node)) => Candidate::Special(node.clone()),
            None => {
                let link = self
                    .tree
                    .resolve_parent(candidate)
                    .and_then(|p| self.tree.get(&p));
                match link.map(|n| &n.kind) {
                    Some(NodeKind::Symlink { target }) => Candidate::Dangling(target.clone()),
                    _ => Candidate::Missing,
                }
            }
        }
    }

    /// The file `name` reaches, and why it cannot run.
    fn find(&self, name: &str, shell_form: bool) -> (Option<Program>, Option<Problem>) {
        if name.is_empty() {
            (None, Some(Problem::EmptyName))
        } else if name.contains('/') {
            self.by_path(name, shell_form)
        } else {
            self.search(name)
        }
    }

    /// A program named by a path: absolute, or relative to the working directory.
    fn by_path(&self, name: &str, shell_form: bool) -> (Option<Program>, Option<Problem>) {
        let (at, found) = if name.starts_with('/') {
            (path::normalise_clamped(name), Found::Absolute)
        } else {
            let at = path::normalise_clamped(&path::join(self.workdir, name));
            (at, Found::Relative)
        };
        match self.examine(&at) {
            Candidate::File(real, refused) => {
                let program = Program {
                    name: name.to_string(),
                    path: at.clone(),
                    real,
                    found,
                };
                let problem = match refused {
                    Some(node) => Some(Problem::NotExecutable { at, node }),
                    None => self.interpreter(&at, &program.real),
                };
                (Some(program), problem)
            }
            Candidate::Missing if shell_form => (None, Some(Problem::NoShell { at })),
            Candidate::Missing => (None, Some(Problem::Missing { at })),
            Candidate::Dangling(target) => (None, Some(Problem::Dangling { at, target })),
            Candidate::Directory => (None, Some(Problem::Directory { at })),
            Candidate::Special(node) => (None, Some(Problem::NotExecutable { at, node })),
        }
    }

    /// A bare name, searched in PATH as `exec.LookPath` does.
    fn search(&self, name: &str) -> (Option<Program>, Option<Problem>) {
        let mut unusable: Option<(String, Node)> = None;
        for dir in self.path_list.split(':') {
            // An empty entry is the working directory, as in every shell.
            let dir = if dir.is_empty() { "." } else { dir };
            let dir = if dir.starts_with('/') {
                dir.to_string()
            } else {
                path::join(self.workdir, dir)
            };
            let at = path::normalise_clamped(&path::join(&dir, name));
            match self.examine(&at) {
                Candidate::File(real, None) => {
                    let problem = self.interpreter(&at, &real);
                    let program = Program {
                        name: name.to_string(),
                        path: at,
                        real,
                        found: Found::PathEntry(path::normalise_clamped(&dir)),
                    };
                    return (Some(program), problem);
                }
                Candidate::File(_, Some(node)) | Candidate::Special(node) if unusable.is_none() => {
                    unusable = Some((at, node));
                }
                _ => {}
            }
        }
        let problem = match unusable {
            Some((at, node)) => Problem::OnlyNotExecutableInPath { at, node },
            None => Problem::NotInPath,
        };
        (None, Some(problem))
    }

    /// A script whose `#!` interpreter is not in the image cannot be executed (ENOENT).
    fn interpreter(&self, shown: &str, real: &str) -> Option<Problem> {
        let line = self.tree.interpreter(real)?;
        let interpreter = line.split_whitespace().next()?;
        if !interpreter.starts_with('/') {
            return None;
        }
        match self.tree.resolve(interpreter) {
            Some((_, node)) if node.is_file() => None,
            _ => Some(Problem::NoInterpreter {
                shown: shown.to_string(),
                at: real.to_string(),
                line: line.to_string(),
                interpreter: interpreter.to_string(),
            }),
        }
    }

    /// The simple command a shell runs with `-c`, resolved.
    fn through_shell(&self, shell: &Program, argv: &[String]) -> Option<Shell> {
        let base = |p: &str| p.rsplit('/').next().unwrap_or_default().to_string();
        let is_shell = [base(&shell.real), base(&shell.path)]
            .iter()
            .any(|b| SHELLS.contains(&b.as_str()));
        if !is_shell || argv.get(1).map(String::as_str) != Some("-c") {
            return None;
        }
        self.shell_command(argv)
    }

    /// The simple command of `[shell, "-c", command, ...]`, resolved.
    fn shell_command(&self, argv: &[String]) -> Option<Shell> {
        let words = simple_words(argv.get(2)?)?;
        let (program, problem) = self.find(&words[0], false);
        Some(Shell {
            words,
            program,
            problem,
        })
    }
}

/// `["/bin/sh", "-c", ...]`: how Docker stores the shell form.
fn is_shell_form(words: &[String]) -> bool {
    words.len() >= 2 && words[0] == "/bin/sh" && words[1] == "-c"
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

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;
