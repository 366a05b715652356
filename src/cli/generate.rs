//! `gostatic completions SHELL` and `gostatic man`: shell completion scripts (clap_complete) and
//! roff man pages (clap_mangen), both generated from the very `clap::Command` that parses argv,
//! so a new option is completed and documented the moment it exists. Nothing here is analysis.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, OutputArgs, exit, print_with};

#[derive(Debug, Args)]
pub(super) struct CompletionsArgs {
    /// The shell to complete for: bash, zsh, fish, powershell (or elvish).
    #[arg(value_enum, value_name = "SHELL")]
    shell: Shell,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Args)]
pub(super) struct ManArgs {
    /// Write gostatic.1 and one page per subcommand (gostatic-check.1, ...) into DIR instead of
    /// printing gostatic.1 on standard output.
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    dir: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

/// The command as the parser sees it, named as the user types it.
fn command() -> clap::Command {
    Cli::command().bin_name("gostatic")
}

pub(super) fn completions(args: &CompletionsArgs) -> ExitCode {
    // Generated into memory first: clap_complete panics on a write error, and a closed stdout
    // must end quietly like every other document.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command(), "gostatic", &mut script);
    print_with(args.output.output.as_deref(), |out| out.write_all(&script))
}

pub(super) fn man(args: &ManArgs) -> ExitCode {
    if let Some(dir) = &args.dir {
        return match write_pages(dir) {
            Ok(()) => ExitCode::from(exit::CLEAN),
            Err(err) => {
                eprintln!(
                    "gostatic: cannot write the man pages to {}: {err}",
                    gostatic::sanitize::for_terminal(&dir.display().to_string())
                );
                ExitCode::from(exit::ERROR)
            }
        };
    }
    let mut page = Vec::new();
    if let Err(err) = page_of(command()).render(&mut page) {
        eprintln!("gostatic: cannot render the man page: {err}");
        return ExitCode::from(exit::ERROR);
    }
    print_with(args.output.output.as_deref(), |out| out.write_all(&page))
}

/// One page, with gostatic's version as its source (the command itself declares no version:
/// `--version` is gostatic's own flag, which also prints the Go release table's date).
fn page_of(cmd: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd)
        .source(format!(
            "{} {}",
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION")
        ))
        .manual("gostatic manual")
}

/// gostatic.1 and a page per visible subcommand, named as clap_mangen's `generate_to` names
/// them (`gostatic-check.1`), which is how the main page's SUBCOMMANDS section refers to them.
fn write_pages(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut root = command().disable_help_subcommand(true);
    root.build();
    let mut pending = vec![root];
    while let Some(cmd) = pending.pop() {
        pending.extend(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
        let page = page_of(cmd);
        let mut file = io::BufWriter::new(std::fs::File::create(dir.join(page.get_filename()))?);
        page.render(&mut file)?;
        file.flush()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(shell: Shell) -> String {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut command(), "gostatic", &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_shell_completes_every_subcommand_and_a_deep_option() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell] {
            let text = script(shell);
            for word in [
                "check",
                "image",
                "buildinfo",
                "explain",
                "completions",
                "man",
            ] {
                assert!(text.contains(word), "{shell}: no {word}");
            }
            // An option only `image` has, and a value of an enum option.
            assert!(text.contains("platform"), "{shell}: no --platform");
            assert!(text.contains("sarif"), "{shell}: no sarif value");
        }
    }

    #[test]
    fn the_man_page_names_the_version_and_the_subcommands() {
        let mut page = Vec::new();
        page_of(command()).render(&mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        let title = page.lines().find(|l| l.starts_with(".TH")).unwrap();
        assert!(title.contains(env!("CARGO_PKG_VERSION")), "{title}");
        assert!(page.contains("gostatic\\-check(1)"), "{page}");
    }

    #[test]
    fn the_pages_are_one_per_visible_subcommand() {
        let dir = tempfile::tempdir().unwrap();
        write_pages(dir.path()).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let expected = command()
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            .count()
            + 1;
        assert_eq!(names.len(), expected, "{names:?}");
        assert!(names.contains(&"gostatic.1".to_string()));
        assert!(names.contains(&"gostatic-image.1".to_string()));
    }
}
