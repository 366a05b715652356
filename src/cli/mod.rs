//! The command line: argv becomes a plain record (clap), then a run over the library, then an
//! exit code. The only module that prints, reads the environment or decides the exit code.
#![allow(clippy::print_stderr)]

mod exit;

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use gostatic::report::{self, Report, text::TextOptions};
use gostatic::rules::Rule;
use gostatic::scan::{self, ScanOptions};

pub use exit::FailOn;

/// Will this binary run on `FROM scratch`, and is it built the hardened way?
#[derive(Debug, Parser)]
#[command(name = "gostatic", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    common: CommonArgs,
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
    /// Check a container image: every executable in its final filesystem, as `check` does.
    ///
    /// ARCHIVE is a `docker save` tarball (any Docker version, optionally gzip- or
    /// zstd-compressed), an OCI archive, an OCI layout directory, a directory taken as a root
    /// filesystem, or `-` for a tar on standard input. Layers are merged as a container runtime
    /// would (whiteouts, opaque directories, hard links) without extracting anything; digests
    /// are verified. Exit status as `check`: 2 if the image cannot be read.
    Image(ImageArgs),
    /// List every rule: ID, default severity, category, slug and what it finds.
    Rules,
    /// Explain one rule: why it matters, how to fix it, what evidence it reports.
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
struct ExplainArgs {
    /// The rule, by ID (`GS101`) or slug (`dynamic-interpreter`).
    #[arg(value_name = "RULE")]
    rule: String,
}

#[derive(Debug, Args)]
struct BuildinfoArgs {
    /// Go binaries, or directories to search for them.
    #[arg(required = true, value_name = "FILE")]
    paths: Vec<OsString>,
    /// Print a JSON array, one object per file: `path` and `go` (version, path, main, deps,
    /// settings, found_by), or `path` and `error`. Same as `--format json`.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ImageArgs {
    /// The image archive, layout or root filesystem directory; `-` reads a tar from stdin.
    #[arg(value_name = "ARCHIVE")]
    source: OsString,
    /// The platform to pick from a multi-platform index: `os/arch[/variant]`.
    #[arg(long, value_name = "PLATFORM")]
    platform: Option<String>,
    /// The one image to read from an archive holding several (by tag or reference name).
    #[arg(long, value_name = "NAME")]
    image: Option<String>,
    /// Executables larger than this are listed, not analysed.
    #[arg(long, value_name = "BYTES", default_value_t = 256 << 20)]
    max_binary_bytes: u64,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Files or directories to check; `-` reads one file from standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<OsString>,
}

#[derive(Debug, Args)]
struct CommonArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    format: Format,
    /// Exit 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value_t = FailOn::Error, global = true, value_name = "LEVEL")]
    fail_on: FailOn,
    /// When to colour the text report (NO_COLOR and CLICOLOR_FORCE are honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true, value_name = "WHEN")]
    color: ColorChoice,
    /// Number of files analysed in parallel (default: one per CPU).
    #[arg(long, short = 'j', global = true, value_name = "N")]
    jobs: Option<usize>,
    /// Print only findings (text format): no file headers, verdicts or summary.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version are not errors; clap exits 2 on usage errors.
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                exit::ERROR
            } else {
                exit::CLEAN
            });
        }
    };
    if let Some(jobs) = cli.common.jobs {
        // Only fails if a global pool already exists, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .build_global();
    }
    match cli.command {
        Command::Check(args) => run_check(&args, &cli.common),
        Command::Buildinfo(args) => run_buildinfo(&args, &cli.common),
        Command::Image(args) => run_image(&args, &cli.common),
        Command::Rules => print_with(|out| match cli.common.format {
            Format::Json => report::rules::render_list_json(out),
            Format::Text => report::rules::render_list(out),
        }),
        Command::Explain(args) => {
            let Some(rule) = Rule::find(&args.rule) else {
                eprintln!(
                    "gostatic: unknown rule '{}' (see `gostatic rules`)",
                    gostatic::sanitize::for_terminal(&args.rule)
                );
                return ExitCode::from(exit::ERROR);
            };
            print_with(|out| match cli.common.format {
                Format::Json => report::rules::render_explain_json(rule, out),
                Format::Text => report::rules::render_explain(rule, out),
            })
        }
    }
}

/// Write a document to stdout. `Err` carries the exit code to stop with: 0 on a closed pipe
/// (its reader wanted no more), 2 on any other write error.
fn write_stdout(render: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), ExitCode> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match render(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Err(ExitCode::from(exit::CLEAN)),
        Err(err) => {
            eprintln!("gostatic: cannot write the output: {err}");
            Err(ExitCode::from(exit::ERROR))
        }
    }
}

/// A document with nothing to judge: exit 0 once it is written.
fn print_with(render: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> ExitCode {
    match write_stdout(render) {
        Ok(()) => ExitCode::from(exit::CLEAN),
        Err(code) => code,
    }
}

fn run_buildinfo(args: &BuildinfoArgs, common: &CommonArgs) -> ExitCode {
    let run = gostatic::goversion::run(&args.paths);
    let json = args.json || common.format == Format::Json;
    let escape = io::stdout().is_terminal();
    let written = write_stdout(|out| {
        if json {
            report::goversion::render_json(&run, out)
        } else {
            report::goversion::render_text(&run, out, &mut io::stderr().lock(), escape)
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

fn run_check(args: &CheckArgs, common: &CommonArgs) -> ExitCode {
    let (candidates, walk_errors) = gostatic::input::collect(&args.paths);
    let options = ScanOptions {
        hash: common.format == Format::Json,
        ..ScanOptions::default()
    };
    let report = scan::scan_all(&candidates, walk_errors, &options);
    finish(&report, common)
}

fn run_image(args: &ImageArgs, common: &CommonArgs) -> ExitCode {
    use gostatic::error::{InputError, InputErrorKind};
    use gostatic::image::{self, ImageOptions, ImageSource, Platform};
    let source = if args.source == "-" {
        ImageSource::Stdin
    } else {
        ImageSource::Path(args.source.clone().into())
    };
    let display = source.display();
    let fail = |message: String| {
        let error = InputError {
            path: display.clone(),
            kind: InputErrorKind::Foreign(message),
        };
        Report::for_images(&[], vec![error])
    };
    let platform = match args.platform.as_deref().map(Platform::parse).transpose() {
        Ok(platform) => platform,
        Err(err) => return finish(&fail(err.to_string()), common),
    };
    let bar = progress_bar();
    let mut options = ImageOptions {
        platform,
        image: args.image.clone(),
        scan: ScanOptions {
            hash: common.format == Format::Json,
            ..ScanOptions::default()
        },
        progress: bar.clone().map(|bar| {
            std::sync::Arc::new(move |done: u64, total: u64| {
                if total > 0 {
                    bar.set_length(total);
                }
                bar.set_position(done);
            }) as image::ProgressFn
        }),
        ..ImageOptions::default()
    };
    options.limits.max_binary_bytes = args.max_binary_bytes;
    let result = image::open(&source, &options);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = match result {
        Ok(images) => Report::for_images(&images, Vec::new()),
        Err(err) => fail(err.to_string()),
    };
    finish(&report, common)
}

/// A byte-count bar on stderr, only when stderr is a terminal.
fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    let style =
        indicatif::ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

/// Render the report, print errors on stderr, and turn the summary into an exit code.
fn finish(report: &Report, common: &CommonArgs) -> ExitCode {
    let color = use_color(common.color);
    colored::control::set_override(color);
    let written = write_stdout(|out| match common.format {
        Format::Text => report::text::render(
            report,
            out,
            TextOptions {
                color,
                quiet: common.quiet,
            },
        ),
        Format::Json => report::json::render(report, out),
    });
    if let Err(code) = written {
        return code;
    }
    let stderr = io::stderr();
    let mut err_out = stderr.lock();
    for error in &report.errors {
        let _ = writeln!(
            err_out,
            "{}",
            gostatic::sanitize::for_terminal(&error.line())
        );
    }
    ExitCode::from(exit::code(&report.summary, common.fail_on))
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let set =
                |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
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
}
