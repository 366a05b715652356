//! The command line: argv becomes a plain record (clap), then a run over the library, then an
//! exit code. The only module that prints, reads the environment or decides the exit code.
#![allow(clippy::print_stderr)]

mod exit;
mod generate;
mod image;
mod policy;
mod registry;
mod slim;

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::FalseyValueParser;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use gostatic::policy::FailOn;
use gostatic::report::github::GithubOptions;
use gostatic::report::gitlab::GitlabOptions;
use gostatic::report::junit::JunitOptions;
use gostatic::report::sarif::SarifOptions;
use gostatic::report::{self, ErrorEntry, Report, text::TextOptions};
use gostatic::rules::Rule;
use gostatic::run;

/// Will this binary run on `FROM scratch`, and is it built the hardened way?
#[derive(Debug, Parser)]
#[command(
    name = "gostatic",
    max_term_width = 100,
    disable_version_flag = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Print the version and the date of the Go release table GS402 judges by.
    #[arg(long, short = 'V')]
    version: bool,
    /// With --version: text, or a JSON object.
    #[arg(long, value_enum, requires = "version", value_name = "FORMAT")]
    format: Option<DocFormat>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check ELF files and directories (recursively): scratch verdict, linking, hardening,
    /// leftover symbols and DWARF.
    Check(CheckArgs),
    /// Print the Go version, modules and build settings of Go binaries, as `go version -m` does.
    ///
    /// The text is byte for byte what `go version -m FILE...` prints: `FILE: goX.Y.Z`, then the
    /// tab-indented `path`, `mod`, `dep`, `=>` and `build` lines. Directories are searched
    /// recursively and only their Go binaries are reported. Binaries that `go version` cannot
    /// read because their section headers were stripped are read too, and printed the same way.
    ///
    /// Exit status: 0, or 1 if a named file is missing or is not a readable Go binary (errors on
    /// stderr in `go version`'s words); 2 on a usage error.
    Buildinfo(BuildinfoArgs),
    /// Check container images: every executable in their final filesystems, as `check` does.
    ///
    /// Each SOURCE is a `docker save` tarball (any Docker version, optionally gzip- or
    /// zstd-compressed), an OCI archive, an OCI layout directory, a directory taken as a root
    /// filesystem, or `-` for a tar (plain, gzip or zstd) on standard input; the prefixes
    /// `docker-archive:PATH[:TAG]`, `oci-archive:PATH[:REF]`, `oci:DIR[:REF]` and `dir:DIR`
    /// force the format; `docker:NAME` and `podman:NAME` read a local engine's image through
    /// its API socket (DOCKER_HOST, CONTAINER_HOST). Sources are read in parallel and reported in the order given. Layers
    /// are merged as a container runtime would (whiteouts, opaque directories, hard links)
    /// without extracting anything; digests are verified. Exit status as `check`: 2 if a
    /// source cannot be read (the others are still reported).
    Image(image::ImageArgs),
    /// Write the scratch image `image` recommends: exactly the files its final stage copies,
    /// one reproducible layer, verified to start before it is written.
    ///
    /// The new image holds the entrypoint's programs under the names the command uses, their
    /// loader and libraries when dynamic, the run-time files they need (CA bundle, zoneinfo,
    /// a passwd/group with the run user, /tmp, HOME), with the source's Entrypoint, Cmd, Env,
    /// WorkingDir, labels and exposed ports and a numeric USER. It is judged by the image
    /// rules first: unless it starts and has no error finding, nothing is written (exit 1)
    /// and the reasons are printed. Exit status 2: a usage error, an unreadable source or an
    /// OUT that cannot be written.
    Slim(slim::SlimArgs),
    /// List every rule: ID, default severity, category, slug and what it finds.
    Rules(DocArgs),
    /// Explain one rule: why it matters, how to fix it, what evidence it reports.
    Explain(ExplainArgs),
    /// Print a shell completion script: bash, zsh, fish or powershell.
    ///
    /// bash: `gostatic completions bash > ~/.local/share/bash-completion/completions/gostatic`;
    /// zsh: into a directory of `$fpath` as `_gostatic`; fish:
    /// `~/.config/fish/completions/gostatic.fish`; PowerShell: dot-source it from `$PROFILE`.
    Completions(generate::CompletionsArgs),
    /// Print the man page (roff), or write one page per subcommand with --dir.
    ///
    /// `gostatic man --dir ~/.local/share/man/man1` installs gostatic.1 and gostatic-check.1,
    /// gostatic-image.1, ...; `gostatic man | man -l -` reads it at once.
    Man(generate::ManArgs),
}

#[derive(Debug, Args)]
struct ExplainArgs {
    /// The rule, by ID (`GS101`) or slug (`dynamic-interpreter`).
    #[arg(value_name = "RULE")]
    rule: String,
    #[command(flatten)]
    doc: DocArgs,
}

/// What `rules` and `explain` take: a document, as text or JSON, to stdout or a file.
#[derive(Debug, Args)]
struct DocArgs {
    /// text, or json (one object: the rule, or `rules[]`).
    #[arg(long, value_enum, default_value_t = DocFormat::Text)]
    format: DocFormat,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Args)]
struct OutputArgs {
    /// Write the document to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DocFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BuildinfoFormat {
    Text,
    Json,
    GoJson,
}

#[derive(Debug, Args)]
struct BuildinfoArgs {
    /// Go binaries, or directories to search for them.
    #[arg(required = true, value_name = "FILE")]
    paths: Vec<OsString>,
    /// Print gostatic's JSON: one array, an object per file: `path` and `go` (version, path,
    /// main, deps, settings as an object, found_by), or `path` and `error`. Same as `--format
    /// json`.
    #[arg(long, conflicts_with = "go_json")]
    json: bool,
    /// Print what `go version -m -json` prints: per Go binary, Go's `runtime/debug.BuildInfo`
    /// (GoVersion, Path, Main, Deps, Settings as {Key, Value}), tab-indented, no file name.
    /// Go's spelling `-json` is accepted too. Same as `--format go-json`.
    #[arg(long)]
    go_json: bool,
    /// text (`go version -m`'s lines), json (as --json) or go-json (as --go-json).
    #[arg(long, value_enum, default_value_t = BuildinfoFormat::Text)]
    format: BuildinfoFormat,
    /// As `go version -v`: also report the files of a directory that are not Go binaries (Go's
    /// error line for each executable or `.so`/`.exe`/`.dll`); they do not change the exit status.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Accepted and ignored, so that `gostatic buildinfo -m FILE` reads as `go version -m`
    /// does: the module lines are always printed.
    #[arg(short = 'm', hide = true)]
    modules: bool,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    jobs: JobsArgs,
}

#[derive(Debug, Args)]
struct JobsArgs {
    /// Number of files analysed in parallel (default: one per CPU; at most four per CPU).
    #[arg(long, short = 'j', value_name = "N", env = "GOSTATIC_JOBS")]
    jobs: Option<usize>,
}

#[derive(Debug, Args)]
struct DigestArgs {
    /// Compute each reported file's SHA-256 (the `sha256` field of JSON). Without it files are
    /// hashed only when the policy needs it (an [[allow]] by sha256, --baseline-exact).
    #[arg(long, env = "GOSTATIC_DIGESTS", value_parser = FalseyValueParser::new())]
    digests: bool,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Files or directories to check; `-` reads one file from standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<OsString>,
    /// Pass when there is nothing to check: a named directory without a single executable, or
    /// every input ignored (by default that is an error, exit 2: a gate that checked nothing).
    #[arg(long, env = "GOSTATIC_ALLOW_EMPTY", value_parser = FalseyValueParser::new())]
    allow_empty: bool,
    #[command(flatten)]
    digests: DigestArgs,
    #[command(flatten)]
    policy: policy::PolicyArgs,
    #[command(flatten)]
    report: ReportArgs,
}

/// How `check` and `image` report and gate.
#[derive(Debug, Args)]
struct ReportArgs {
    /// Report format: text, json, sarif (2.1.0, for GitHub code scanning), github (workflow
    /// annotations), gitlab (Code Quality JSON, for merge requests), junit (XML, for GitLab
    /// and Jenkins), cyclonedx (a CycloneDX 1.6 JSON SBOM: programs, Go modules and toolchain,
    /// verdicts as properties), or for `image` jsonl (one JSON document per image, a line
    /// each, written as each image is done).
    #[arg(long, value_enum, default_value_t = Format::Text, env = "GOSTATIC_FORMAT")]
    format: Format,
    /// Write the report to FILE instead of standard output, and the summary line to standard
    /// error. The exit status does not change.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when an unsuppressed finding at or above this severity is reported (default:
    /// `fail-on` in the policy file, else error).
    #[arg(long, value_enum, value_name = "LEVEL", env = "GOSTATIC_FAIL_ON")]
    fail_on: Option<FailOnArg>,
    /// When to colour the text report (NO_COLOR and CLICOLOR_FORCE are honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN", env = "GOSTATIC_COLOR")]
    color: ColorChoice,
    #[command(flatten)]
    jobs: JobsArgs,
    /// Text: also print the rules that do not apply to each file (n/a), and why.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Print only findings (text format), and no progress bar: no file headers, verdicts or
    /// summary.
    #[arg(long, short = 'q', env = "GOSTATIC_QUIET", value_parser = FalseyValueParser::new())]
    quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
    Github,
    Gitlab,
    Junit,
    Jsonl,
    Cyclonedx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOnArg {
    Error,
    Warning,
    Note,
    Never,
}

impl From<FailOnArg> for FailOn {
    fn from(arg: FailOnArg) -> FailOn {
        match arg {
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Note => FailOn::Note,
            FailOnArg::Never => FailOn::Never,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

pub fn main() -> ExitCode {
    // The matches are kept: the order of --deny/--warn/--allow decides which one wins.
    let parsed = Cli::command()
        .try_get_matches_from(go_spellings(std::env::args_os()))
        .and_then(|matches| Cli::from_arg_matches(&matches).map(|cli| (cli, matches)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(err) => {
            // --help is not an error; clap exits 2 on usage errors.
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                exit::ERROR
            } else {
                exit::CLEAN
            });
        }
    };
    let Some(command) = cli.command else {
        // `arg_required_else_help` leaves only --version here.
        return print_version(cli.format.unwrap_or(DocFormat::Text));
    };
    let jobs = match &command {
        Command::Check(args) => args.report.jobs.jobs,
        Command::Image(args) => args.report.jobs.jobs,
        Command::Buildinfo(args) => args.jobs.jobs,
        Command::Rules(_)
        | Command::Explain(_)
        | Command::Slim(_)
        | Command::Completions(_)
        | Command::Man(_) => None,
    };
    if let Some(asked) = jobs {
        let jobs = capped_jobs(asked);
        if jobs != asked {
            eprintln!("gostatic: --jobs {asked} is more threads than can help; using {jobs}");
        }
        // Only fails if a global pool already exists, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build_global();
    }
    match command {
        Command::Check(args) => run_check(&args, matches.subcommand_matches("check")),
        Command::Buildinfo(args) => run_buildinfo(&args),
        Command::Image(args) => image::run(&args, matches.subcommand_matches("image")),
        Command::Slim(args) => slim::run(&args),
        Command::Completions(args) => generate::completions(&args),
        Command::Man(args) => generate::man(&args),
        Command::Rules(doc) => print_with(doc.output.output.as_deref(), |out| match doc.format {
            DocFormat::Json => report::rules::render_list_json(out),
            DocFormat::Text => report::rules::render_list(out),
        }),
        Command::Explain(args) => {
            let Some(rule) = Rule::find(&args.rule) else {
                eprintln!(
                    "gostatic: unknown rule '{}' (see `gostatic rules`)",
                    gostatic::sanitize::for_terminal(&args.rule)
                );
                return ExitCode::from(exit::ERROR);
            };
            print_with(args.doc.output.output.as_deref(), |out| {
                match args.doc.format {
                    DocFormat::Json => report::rules::render_explain_json(rule, out),
                    DocFormat::Text => report::rules::render_explain(rule, out),
                }
            })
        }
    }
}

/// `gostatic buildinfo -json`: Go's single-dash `-json` (which clap would read as `-j son`)
/// becomes `--go-json`, so `go version -m -json` can be swapped for `gostatic buildinfo -m
/// -json` as is. Only in `buildinfo`, only before `--`, never as the value of an option.
fn go_spellings(args: impl Iterator<Item = OsString>) -> Vec<OsString> {
    let mut args: Vec<OsString> = args.collect();
    // The subcommand is the first word after the program name that is not an option.
    let command = args
        .iter()
        .skip(1)
        .position(|a| !a.to_string_lossy().starts_with('-'));
    let Some(start) = command.map(|i| i + 1).filter(|&i| args[i] == "buildinfo") else {
        return args;
    };
    let mut takes_value = false;
    for arg in &mut args[start + 1..] {
        if arg == "--" {
            break;
        }
        if !takes_value && arg == "-json" {
            *arg = OsString::from("--go-json");
        }
        takes_value = ["-o", "--output", "-j", "--jobs", "--format"]
            .iter()
            .any(|option| arg == option);
    }
    args
}

/// `gostatic --version`: the version and how old the Go release table is that GS402 judges by.
fn print_version(format: DocFormat) -> ExitCode {
    let name = env!("CARGO_PKG_NAME");
    let version = env!("CARGO_PKG_VERSION");
    let table = gostatic::gobin::release::TABLE_AS_OF;
    print_with(None, |out| match format {
        DocFormat::Text => writeln!(out, "{name} {version} (Go release table of {table})"),
        DocFormat::Json => {
            let value = serde_json::json!({
                "name": name,
                "version": version,
                "go_release_table": table,
            });
            writeln!(out, "{value}")
        }
    })
}

/// The work is reading files and inflating layers: past a few threads per core nothing gets
/// faster, while every thread costs a stack and a share of the memory budget (issue 11: an
/// unbounded `-j 20000` made 20,000 threads).
const MAX_JOBS_PER_CPU: usize = 4;

fn capped_jobs(asked: usize) -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    asked.clamp(1, cpus * MAX_JOBS_PER_CPU)
}

/// Write a document to `--output FILE`, or to stdout without one. `Err` carries the exit code
/// to stop with: 0 on a closed stdout (its reader wanted no more), 2 on any other write error.
fn write_document(
    output: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), ExitCode> {
    let cannot = |what: String, err: io::Error| {
        eprintln!(
            "gostatic: cannot write {}: {err}",
            gostatic::sanitize::for_terminal(&what)
        );
        Err(ExitCode::from(exit::ERROR))
    };
    if let Some(path) = output {
        let file = match File::create(path) {
            Ok(file) => file,
            Err(err) => return cannot(path.display().to_string(), err),
        };
        let mut out = io::BufWriter::new(file);
        return match render(&mut out).and_then(|()| out.flush()) {
            Ok(()) => Ok(()),
            Err(err) => cannot(path.display().to_string(), err),
        };
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match render(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Err(ExitCode::from(exit::CLEAN)),
        Err(err) => cannot("the output".to_string(), err),
    }
}

/// A document with nothing to judge: exit 0 once it is written.
fn print_with(
    output: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> ExitCode {
    match write_document(output, render) {
        Ok(()) => ExitCode::from(exit::CLEAN),
        Err(code) => code,
    }
}

fn run_buildinfo(args: &BuildinfoArgs) -> ExitCode {
    let run = gostatic::run::buildinfo(&args.paths, args.verbose);
    let format = if args.json {
        BuildinfoFormat::Json
    } else if args.go_json {
        BuildinfoFormat::GoJson
    } else {
        args.format
    };
    let output = args.output.output.as_deref();
    let escape = output.is_none() && io::stdout().is_terminal();
    let written = write_document(output, |out| {
        let err = &mut io::stderr().lock();
        match format {
            BuildinfoFormat::Json => report::buildinfo::render_json(&run, out),
            BuildinfoFormat::GoJson => report::buildinfo::render_go_json(&run, out, err, escape),
            BuildinfoFormat::Text => report::buildinfo::render_text(&run, out, err, escape),
        }
    });
    if let Err(code) = written {
        return code;
    }
    // `go version -m` exits 1 when a named file is missing or not a Go binary.
    ExitCode::from(if run.failed {
        exit::FINDINGS
    } else {
        exit::CLEAN
    })
}

fn run_check(args: &CheckArgs, matches: Option<&ArgMatches>) -> ExitCode {
    let common = &args.report;
    if common.format == Format::Jsonl {
        return usage_error(
            "gostatic: --format jsonl is for `gostatic image` (one document per image); use json",
        );
    }
    let loaded = match policy::load(&args.policy, matches) {
        Ok(loaded) => loaded,
        Err(line) => return usage_error(&line),
    };
    let mut inputs = gostatic::input::collect(&args.paths);
    // A file named on the command line that gostatic.toml ignores is said so in the summary.
    let mut ignored = Vec::new();
    inputs.candidates.retain(|c| {
        let keep = !loaded.policy.is_ignored(&c.display);
        if !keep && c.named {
            ignored.push(c.display.clone());
        }
        keep
    });
    inputs.errors.retain(|e| !loaded.policy.is_ignored(&e.path));
    let options = run::Options {
        hash: needs_hash(&args.digests, &loaded),
        allow_empty: args.allow_empty,
        ..run::Options::default()
    };
    let mut report = run::check(&inputs, &options);
    apply_policy(&mut report, &loaded);
    // Every input named was ignored: the gate checked nothing, which must not pass in silence.
    if report.files.is_empty() && report.errors.is_empty() && !args.allow_empty {
        for path in &ignored {
            report.errors.push(ErrorEntry {
                path: path.clone(),
                place: None,
                message: "ignored by the policy file, and nothing else to check (--allow-empty \
                          accepts that)"
                    .to_string(),
                kind: None,
            });
        }
    }
    report.summary.ignored = ignored;
    report.recount();
    finish(&report, common, fail_on(common, &loaded), false)
}

/// Hashing every byte costs more than all the analysis (docs/benchmarks.md): files are hashed
/// only when asked (`--digests`) or when matching needs it (an `[[allow]]` or `[[suppress]]`
/// by sha256, `--baseline-exact`). No output format needs it otherwise: the baseline and SARIF
/// fingerprints deliberately leave the hash out.
fn needs_hash(digests: &DigestArgs, loaded: &policy::Loaded) -> bool {
    digests.digests
        || loaded.baseline.as_ref().is_some_and(|b| b.is_exact())
        || loaded.policy.needs_hash()
}

/// The policy in its one place: levels, suppressions and the baseline.
fn apply_policy(report: &mut Report, loaded: &policy::Loaded) {
    gostatic::policy::apply(
        report,
        &loaded.policy,
        loaded.baseline.as_ref(),
        loaded.today,
    );
}

fn fail_on(common: &ReportArgs, loaded: &policy::Loaded) -> FailOn {
    common
        .fail_on
        .map(FailOn::from)
        .or(loaded.policy.fail_on)
        .unwrap_or_default()
}

fn usage_error(line: &str) -> ExitCode {
    eprintln!("{}", gostatic::sanitize::for_terminal(line));
    ExitCode::from(exit::ERROR)
}

/// Render the report, print errors and notices on stderr, and turn the summary into an exit
/// code.
/// `all`: text shows every executable of an image in full.
fn finish(report: &Report, common: &ReportArgs, fail_on: FailOn, all: bool) -> ExitCode {
    let color = use_color(common.color, common.output.is_none());
    colored::control::set_override(color);
    let cwd = std::env::current_dir().ok();
    let cwd = cwd.as_deref();
    let written = write_document(common.output.as_deref(), |out| match common.format {
        Format::Text => report::text::render(
            report,
            out,
            TextOptions {
                color,
                quiet: common.quiet,
                all,
                verbose: common.verbose,
                width: terminal_width(common.output.is_none()),
            },
        ),
        Format::Json => report::json::render(report, out),
        Format::Jsonl => report::jsonl::render(report, out),
        Format::Sarif => report::sarif::render(report, out, &SarifOptions { cwd }),
        Format::Github => report::github::render(report, out, &GithubOptions { cwd }),
        Format::Gitlab => report::gitlab::render(report, out, &GitlabOptions { cwd }),
        Format::Cyclonedx => report::cyclonedx::render(report, out),
        Format::Junit => report::junit::render(
            report,
            out,
            JunitOptions {
                fail_at: fail_on.threshold(),
            },
        ),
    });
    if let Err(code) = written {
        return code;
    }
    finish_without_document(report, common, fail_on)
}

/// After the report is written: the summary line when it went to a file, errors and notices
/// on stderr, and the exit code.
fn finish_without_document(report: &Report, common: &ReportArgs, fail_on: FailOn) -> ExitCode {
    let stderr = io::stderr();
    let mut err_out = stderr.lock();
    if common.output.is_some() && !common.quiet {
        let _ = writeln!(err_out, "{}", report::text::summary_line(report));
    }
    for error in &report.errors {
        let _ = writeln!(
            err_out,
            "{}",
            gostatic::sanitize::for_terminal(&error.line())
        );
    }
    for notice in &report.notices {
        let _ = writeln!(err_out, "{}", gostatic::sanitize::for_terminal(notice));
    }
    ExitCode::from(exit::code(&report.summary, fail_on))
}

/// The width text wraps to: the terminal's, when the report goes to one; none otherwise.
fn terminal_width(to_stdout: bool) -> Option<usize> {
    if !to_stdout || !io::stdout().is_terminal() {
        return None;
    }
    let (terminal_size::Width(columns), _) = terminal_size::terminal_size()?;
    Some(usize::from(columns).max(40))
}

/// Colour for the text report. `auto` colours only a terminal, never a `--output` file.
fn use_color(choice: ColorChoice, to_stdout: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let set =
                |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
            if !to_stdout || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else if set("CLICOLOR_FORCE") {
                true
            } else {
                io::stdout().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn go_spellings_rewrite_only_buildinfo_options() {
        let spelled = |args: &[&str]| -> Vec<String> {
            go_spellings(args.iter().map(OsString::from))
                .into_iter()
                .map(|a| a.into_string().unwrap())
                .collect()
        };
        assert_eq!(
            spelled(&["gostatic", "buildinfo", "-m", "-json", "x"]),
            ["gostatic", "buildinfo", "-m", "--go-json", "x"]
        );
        // The value of -o, a path after --, and another subcommand keep their words.
        assert_eq!(
            spelled(&["gostatic", "buildinfo", "-o", "-json", "--", "-json"]),
            ["gostatic", "buildinfo", "-o", "-json", "--", "-json"]
        );
        assert_eq!(
            spelled(&["gostatic", "check", "buildinfo", "-json"]),
            ["gostatic", "check", "buildinfo", "-json"]
        );
    }
}
