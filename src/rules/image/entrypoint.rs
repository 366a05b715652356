//! GS603 entrypoint: can the runtime start the image's command at all? The command is found by
//! the image rules' one resolver (`command.rs`: Entrypoint + Cmd, `exec.LookPath` inside the
//! container with the image's PATH, WorkingDir, symlinks, the execute bit for the user from
//! `accounts.rs`, the shell form and `#!` interpreters); this rule only says what it found
//! wrong, at the path it is about.

use super::accounts::ExecUser;
use super::command::{Command, Problem};
use super::contents::mode_string;
use crate::image::Node;
use crate::rules::{Finding, Rule};

pub(super) fn check(command: &Command, user: &ExecUser, out: &mut Vec<Finding>) {
    let Some(problem) = &command.problem else {
        return;
    };
    let fix = Rule::Entrypoint.info().fix;
    let message = match problem {
        Problem::NoCommand => {
            "the image has no ENTRYPOINT or CMD: the runtime has nothing to start".to_string()
        }
        problem => format!(
            "{}{}",
            show(command.field.dockerfile(), &command.words),
            clause(command, user, problem)
        ),
    };
    let mut finding = Finding::new(Rule::Entrypoint, message, fix);
    if let Some(at) = problem.at() {
        finding = finding.at(at);
    }
    out.push(finding);
}

/// What follows the command in the message: ` text` or `: text`.
fn clause(command: &Command, user: &ExecUser, problem: &Problem) -> String {
    let name = command.argv.first().map_or("", String::as_str);
    // The program as a path: as written when absolute, else with the directory it is taken from.
    let shown = if name.starts_with('/') {
        name.to_string()
    } else {
        format!("{name} (in WORKDIR {})", command.workdir)
    };
    match problem {
        Problem::NoCommand => String::new(),
        Problem::EmptyName => " starts with an empty program name".to_string(),
        Problem::NoShell { .. } => format!(" needs {name}, which the image does not have"),
        Problem::Missing { .. } => format!(": {shown} is not in the image"),
        Problem::Dangling { target, .. } => {
            format!(": {shown} is a symlink to {target}, which is not in the image")
        }
        Problem::Directory { .. } => format!(": {shown} is a directory"),
        Problem::NotExecutable { node, .. } => format!(": {}", not_executable(&shown, node, user)),
        Problem::OnlyNotExecutableInPath { at, node } => format!(
            ": {name} is found in PATH only as {}",
            not_executable(at, node, user)
        ),
        Problem::NotInPath => format!(
            ": {name} is not in any PATH directory ({})",
            command.path_list
        ),
        Problem::NoInterpreter {
            shown,
            line,
            interpreter,
            ..
        } => format!(": {shown} starts with #!{line}, and {interpreter} is not in the image"),
    }
}

fn not_executable(shown: &str, node: &Node, user: &ExecUser) -> String {
    let configured = user.configured.trim();
    let who = if configured.is_empty() {
        String::new()
    } else {
        format!(" by USER {configured}")
    };
    format!(
        "{shown} is not executable{who} ({} {}:{})",
        mode_string(node),
        node.uid,
        node.gid
    )
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

#[cfg(test)]
mod tests;
