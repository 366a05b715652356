//! `gostatic image`: its arguments, the sources they name (positional and `--from-file`), the
//! sources read in parallel into one report in the order given, and `--format jsonl` written
//! as each image is done.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::{ArgMatches, Args};
use rayon::prelude::*;

use gostatic::image::{self, ImageOptions, ImageSource, Platform};
use gostatic::report::{self, Report};
use gostatic::run;

use super::{DigestArgs, Format, ReportArgs, exit, policy};

#[derive(Debug, Args)]
pub struct ImageArgs {
    /// Image archives, OCI layouts or root filesystem directories (one with etc, usr, bin, sbin
    /// or lib; `dir:PATH` reads any directory as one); `-` reads a tar from stdin; a registry
    /// reference (`registry.example.com/app:1`, `alpine:3.20`, `app@sha256:DIGEST`) when no such
    /// path exists. Prefixes force a format: `docker-archive:PATH[:TAG]`,
    /// `oci-archive:PATH[:REF]`, `oci:DIR[:REF]`, `registry:REF` or `docker://REF`,
    /// `docker:NAME`, `podman:NAME`.
    #[arg(value_name = "SOURCE", required_unless_present = "from_file")]
    sources: Vec<OsString>,
    /// Read more sources from FILE (`-`: standard input), one per line; blank lines and lines
    /// starting with `#` are skipped.
    #[arg(long, value_name = "FILE")]
    from_file: Option<OsString>,
    /// Read only shard INDEX of COUNT of the sources (`INDEX/COUNT`, INDEX from 0): the
    /// sources at positions INDEX, INDEX+COUNT, ... of the whole list, so COUNT jobs given the
    /// same list (a Kubernetes indexed Job, a CI matrix) read each source once.
    #[arg(long, value_name = "INDEX/COUNT", value_parser = Shard::parse, env = "GOSTATIC_SHARD")]
    shard: Option<Shard>,
    /// The platform to pick from a multi-platform index: `os/arch[/variant]`.
    #[arg(long, value_name = "PLATFORM", env = "GOSTATIC_PLATFORM")]
    platform: Option<String>,
    /// The one image to read from an archive holding several (by tag or reference name).
    #[arg(long, value_name = "NAME")]
    image: Option<String>,
    /// Executables larger than this are listed, not analysed.
    #[arg(long, value_name = "BYTES", default_value_t = 256 << 20, env = "GOSTATIC_MAX_BINARY_BYTES")]
    max_binary_bytes: u64,
    #[command(flatten)]
    inflate: InflateArgs,
    /// Text: show every executable in full. Without it, the programs the command runs are
    /// shown in full and the others as counts and their warnings and errors.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    registry: super::registry::RegistryArgs,
    #[command(flatten)]
    digests: DigestArgs,
    #[command(flatten)]
    policy: policy::PolicyArgs,
    #[command(flatten)]
    pub(super) report: ReportArgs,
}

/// Where `docker:` and `podman:` sources find their engine, from the variables their CLIs read.
pub(super) fn engine_endpoints() -> image::daemon::Endpoints {
    image::daemon::Endpoints {
        docker_host: std::env::var("DOCKER_HOST").ok(),
        container_host: std::env::var("CONTAINER_HOST").ok(),
        xdg_runtime_dir: std::env::var("XDG_RUNTIME_DIR").ok(),
    }
}

pub fn run(args: &ImageArgs, matches: Option<&ArgMatches>) -> ExitCode {
    let common = &args.report;
    let loaded = match policy::load(&args.policy, matches) {
        Ok(loaded) => loaded,
        Err(line) => return super::usage_error(&line),
    };
    let sources = match sources(args).and_then(|all| match args.shard {
        Some(shard) => shard.take(all),
        None => Ok(all),
    }) {
        Ok(sources) => sources,
        Err(line) => return super::usage_error(&format!("gostatic: {line}")),
    };
    let stdin_taken = sources.contains(&ImageSource::Stdin)
        || args.from_file.as_deref().is_some_and(|f| f == "-");
    let registry = match super::registry::settings(&args.registry, stdin_taken) {
        Ok(registry) => registry,
        Err(line) => return super::usage_error(&format!("gostatic: {line}")),
    };
    let platform = args.platform.as_deref().map(Platform::parse).transpose();
    let several = sources.len() > 1;
    let bar = if common.quiet {
        None
    } else {
        progress_bar(several, sources.len())
    };
    let mut options = ImageOptions {
        platform: platform.as_ref().ok().cloned().flatten(),
        image: args.image.clone(),
        // Bytes of one archive; with several sources the bar counts sources instead.
        progress: bar.clone().filter(|_| !several).map(|bar| {
            Arc::new(move |done: u64, total: u64| {
                if total > 0 {
                    bar.set_length(total);
                }
                bar.set_position(done);
            }) as image::ProgressFn
        }),
        endpoints: engine_endpoints(),
        registry,
        ..ImageOptions::default()
    };
    options.limits.max_binary_bytes = args.max_binary_bytes;
    options.limits.max_inflate_ratio = args.inflate.max_inflate_ratio;
    let run_options = run::Options {
        hash: super::needs_hash(&args.digests, &loaded),
        ..run::Options::default()
    };
    let stream = match common.format {
        Format::Jsonl => match Stream::open(common.output.as_deref()) {
            Ok(stream) => Some(stream),
            Err(code) => return code,
        },
        _ => None,
    };
    // Each source is judged and given the policy on its own, then written at once in jsonl;
    // `collect` keeps the order the sources were named in.
    let reports: Vec<Report> = sources
        .par_iter()
        .map(|source| {
            let mut report = match &platform {
                Ok(_) => run::image(source, &options, &run_options),
                Err(err) => run::unreadable_image(&source.display(), err.to_string()),
            };
            super::apply_policy(&mut report, &loaded);
            if let Some(stream) = &stream {
                stream.write(&report);
            }
            if several && let Some(bar) = &bar {
                bar.inc(1);
            }
            report
        })
        .collect();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = Report::merge(reports);
    let fail_on = super::fail_on(common, &loaded);
    match stream {
        Some(stream) => match stream.finish() {
            Ok(()) => super::finish_without_document(&report, common, fail_on),
            Err(code) => code,
        },
        None => super::finish(&report, common, fail_on, args.all),
    }
}

/// The sources named, in order: the positional ones, then those of `--from-file`. Standard
/// input can be read once, so `-` may be named once in all.
fn sources(args: &ImageArgs) -> Result<Vec<ImageSource>, String> {
    let mut sources = args
        .sources
        .iter()
        .map(|arg| ImageSource::parse(arg))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(file) = &args.from_file {
        let shown = PathBuf::from(file).display().to_string();
        let listed = if file == "-" {
            read_list(io::stdin().lock(), &shown)?
        } else {
            let opened = File::open(file).map_err(|err| format!("{shown}: {err}"))?;
            read_list(io::BufReader::new(opened), &shown)?
        };
        if listed.is_empty() && sources.is_empty() {
            return Err(format!(
                "{shown} names no source: a run that checks nothing does not pass"
            ));
        }
        sources.extend(listed);
    }
    let stdin_uses = sources.iter().filter(|s| **s == ImageSource::Stdin).count()
        + usize::from(args.from_file.as_deref().is_some_and(|f| f == "-"));
    if stdin_uses > 1 {
        return Err(
            "standard input (-) can be read once: name it as one source or as \
                    --from-file, once"
                .to_string(),
        );
    }
    Ok(sources)
}

/// `--shard INDEX/COUNT`: one of COUNT disjoint parts of the source list, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: usize,
    count: usize,
}

impl Shard {
    fn parse(text: &str) -> Result<Shard, String> {
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not INDEX/COUNT (e.g. 0/4)"))?;
        let number = |part: &str, what: &str| {
            part.trim()
                .parse::<usize>()
                .map_err(|_| format!("`{text}`: {what} `{part}` is not a number"))
        };
        let (index, count) = (number(index, "INDEX")?, number(count, "COUNT")?);
        if count == 0 || index >= count {
            return Err(format!(
                "`{text}`: INDEX counts from 0 and must be below COUNT (0/{} to {}/{})",
                count.max(1),
                count.max(1) - 1,
                count.max(1)
            ));
        }
        Ok(Shard { index, count })
    }

    /// This shard's sources, in order. A shard left with none checks nothing, which does not
    /// pass: the list is shorter than the number of shards.
    fn take(self, all: Vec<ImageSource>) -> Result<Vec<ImageSource>, String> {
        let total = all.len();
        let mine: Vec<ImageSource> = all
            .into_iter()
            .skip(self.index)
            .step_by(self.count)
            .collect();
        if mine.is_empty() {
            return Err(format!(
                "shard {}/{} of {total} sources holds none: a run that checks nothing does \
                 not pass (use at most {total} shards)",
                self.index, self.count
            ));
        }
        Ok(mine)
    }
}

/// One source per line; blank lines and `#` comments skipped, surrounding spaces trimmed.
fn read_list(input: impl BufRead, shown: &str) -> Result<Vec<ImageSource>, String> {
    let mut sources = Vec::new();
    for (number, line) in input.lines().enumerate() {
        let line = line.map_err(|err| format!("{shown}: {err}"))?;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let source = ImageSource::parse(line.as_ref())
            .map_err(|err| format!("{shown}:{}: {err}", number + 1))?;
        sources.push(source);
    }
    Ok(sources)
}

/// Where `--format jsonl` documents go, one line per image, each written whole under the lock
/// as soon as its source is done. The first write error stops further writes and is kept.
struct Stream {
    out: Mutex<(Box<dyn Write + Send>, Option<io::Error>)>,
    to_file: Option<PathBuf>,
}

impl Stream {
    fn open(output: Option<&std::path::Path>) -> Result<Stream, ExitCode> {
        let out: Box<dyn Write + Send> = match output {
            Some(path) => match File::create(path) {
                Ok(file) => Box::new(io::BufWriter::new(file)),
                Err(err) => {
                    eprintln!(
                        "gostatic: cannot write {}: {err}",
                        gostatic::sanitize::for_terminal(&path.display().to_string())
                    );
                    return Err(ExitCode::from(exit::ERROR));
                }
            },
            None => Box::new(io::stdout()),
        };
        Ok(Stream {
            out: Mutex::new((out, None)),
            to_file: output.map(PathBuf::from),
        })
    }

    fn write(&self, report: &Report) {
        let mut guard = self
            .out
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (out, failed) = &mut *guard;
        if failed.is_some() {
            return;
        }
        let mut lines = Vec::new();
        let written = report::jsonl::render(report, &mut lines)
            .and_then(|()| out.write_all(&lines))
            .and_then(|()| out.flush());
        if let Err(err) = written {
            *failed = Some(err);
        }
    }

    /// `Err` carries the exit code: 0 on a closed stdout, 2 on another write error.
    fn finish(self) -> Result<(), ExitCode> {
        let (_, failed) = self
            .out
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match failed {
            None => Ok(()),
            Some(err) if err.kind() == io::ErrorKind::BrokenPipe && self.to_file.is_none() => {
                Err(ExitCode::from(exit::CLEAN))
            }
            Some(err) => {
                let what = self
                    .to_file
                    .map_or("the output".to_string(), |p| p.display().to_string());
                eprintln!(
                    "gostatic: cannot write {}: {err}",
                    gostatic::sanitize::for_terminal(&what)
                );
                Err(ExitCode::from(exit::ERROR))
            }
        }
    }
}

/// A bar on stderr, only when stderr is a terminal: bytes of the one archive, or sources done.
fn progress_bar(several: bool, sources: usize) -> Option<indicatif::ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    let template = if several {
        bar.set_length(sources as u64);
        "{bar:30} {pos}/{len} images"
    } else {
        "{bar:30} {bytes}/{total_bytes} {bytes_per_sec}"
    };
    let style = indicatif::ProgressStyle::with_template(template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_list_by_position_and_cover_it_once() {
        let all: Vec<ImageSource> = (0..7)
            .map(|i| ImageSource::parse(format!("a{i}.tar").as_ref()).unwrap())
            .collect();
        let shards: Vec<Vec<ImageSource>> = (0..3)
            .map(|index| Shard { index, count: 3 }.take(all.clone()).unwrap())
            .collect();
        assert_eq!(shards[0], [all[0].clone(), all[3].clone(), all[6].clone()]);
        assert_eq!(shards[1], [all[1].clone(), all[4].clone()]);
        assert_eq!(shards[2], [all[2].clone(), all[5].clone()]);
        let one = Shard { index: 0, count: 1 }.take(all.clone()).unwrap();
        assert_eq!(one, all);
        let err = Shard { index: 7, count: 8 }.take(all).unwrap_err();
        assert!(
            err.starts_with("shard 7/8 of 7 sources holds none"),
            "{err}"
        );
    }

    #[test]
    fn a_shard_is_index_slash_count_from_zero() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(Shard::parse("0/1"), Ok(Shard { index: 0, count: 1 }));
        for (bad, says) in [
            ("4/4", "must be below COUNT (0/4 to 3/4)"),
            ("1/0", "must be below COUNT"),
            ("2", "is not INDEX/COUNT"),
            ("a/4", "INDEX `a` is not a number"),
            ("1/-4", "COUNT `-4` is not a number"),
        ] {
            let err = Shard::parse(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn a_list_skips_comments_and_blanks_and_names_the_bad_line() {
        let list = "# fleet\n\n  a.tar  \n-\n\toci:layout:v1\n";
        let sources = read_list(list.as_bytes(), "list").unwrap();
        assert_eq!(
            sources,
            vec![
                ImageSource::Path("a.tar".into()),
                ImageSource::Stdin,
                ImageSource::parse("oci:layout:v1".as_ref()).unwrap(),
            ]
        );
        let err = read_list("a.tar\noci:\n".as_bytes(), "list").unwrap_err();
        assert_eq!(err, "list:2: oci: names nothing");
    }
}

/// The decompression-bomb limit, shared by every command that reads layers.
#[derive(Debug, Args)]
pub(super) struct InflateArgs {
    /// A layer inflating more than N times its stored size, once past 1 GiB, is refused as a
    /// decompression bomb (real layers inflate 2-10 times); 0 reads any layer (a huge file of
    /// zeros, such as a sparse /var/log/lastlog).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 256,
        env = "GOSTATIC_MAX_INFLATE_RATIO"
    )]
    pub max_inflate_ratio: u64,
}
