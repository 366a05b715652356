//! `gostatic slim`: its arguments, and what it prints. The work is `run::slim`'s.
//!
//! Exit status: 0 when the image was written (or, with `--dry-run`, would be); 1 when the
//! slim image would not start or has an error finding, and nothing is written (the reasons on
//! stderr, as `gostatic image` would report them); 2 on a usage error, a source that cannot be
//! read, or an OUT that cannot be written (one line on stderr).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use gostatic::image::write::OutputFormat;
use gostatic::image::{ImageOptions, ImageSource, Platform};
use gostatic::rules::human_bytes;
use gostatic::run::{self, SlimDocument, SlimError, SlimRequest, Slimmed};
use gostatic::sanitize::for_terminal;

use super::exit;

#[derive(Debug, Args)]
pub struct SlimArgs {
    /// The image to slim: any source `gostatic image` reads, except standard input.
    #[arg(value_name = "SOURCE")]
    source: OsString,
    /// Where to write the new image: a `.tar` name is an OCI archive, any other an OCI layout
    /// directory (new or empty), unless --format says otherwise.
    #[arg(
        long,
        short = 'o',
        value_name = "OUT",
        required_unless_present = "dry_run"
    )]
    output: Option<PathBuf>,
    /// oci-archive, docker-archive (a `docker load` tarball) or oci (a layout directory).
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<SlimFormat>,
    /// Copy this image path too (a file, or a directory with what it holds), as a
    /// `COPY --from` would; repeatable.
    #[arg(long, value_name = "PATH")]
    keep: Vec<String>,
    /// Put a host file into the new image at IMAGE_PATH (root-owned, its host mode kept);
    /// repeatable.
    #[arg(long, value_name = "HOST_PATH:IMAGE_PATH")]
    add: Vec<String>,
    /// Write nothing: print the files the new image would hold, their sizes and the
    /// equivalent final stage.
    #[arg(long)]
    dry_run: bool,
    /// The platform to pick from a multi-platform index: `os/arch[/variant]`.
    #[arg(long, value_name = "PLATFORM", env = "GOSTATIC_PLATFORM")]
    platform: Option<String>,
    /// The one image to read from an archive holding several (by tag or reference name).
    #[arg(long, value_name = "NAME")]
    image: Option<String>,
    /// Executables larger than this are not analysed (an entrypoint over it cannot be slimmed).
    #[arg(long, value_name = "BYTES", default_value_t = 256 << 20, env = "GOSTATIC_MAX_BINARY_BYTES")]
    max_binary_bytes: u64,
    #[command(flatten)]
    inflate: super::image::InflateArgs,
    /// Print the result as one JSON document on standard output instead of text: the kept
    /// paths with their sizes and reasons, the source and slim sizes, the written image's
    /// manifest, config and layer digests, or the findings that refused it (docs/slim.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    registry: super::registry::RegistryArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SlimFormat {
    OciArchive,
    DockerArchive,
    Oci,
}

impl From<SlimFormat> for OutputFormat {
    fn from(format: SlimFormat) -> OutputFormat {
        match format {
            SlimFormat::OciArchive => OutputFormat::OciArchive,
            SlimFormat::DockerArchive => OutputFormat::DockerArchive,
            SlimFormat::Oci => OutputFormat::OciLayout,
        }
    }
}

pub fn run(args: &SlimArgs) -> ExitCode {
    let out = if args.dry_run {
        None
    } else {
        args.output.clone()
    };
    let (source, result) = match request(args, out.clone()) {
        Ok((source, options, request)) => {
            let result = run::slim(&source, &options, &request);
            (source.display(), result)
        }
        Err(line) => (
            args.source.to_string_lossy().into_owned(),
            Err(SlimError::Input(line)),
        ),
    };
    if args.json {
        let doc = SlimDocument::of(&source, out.as_deref(), &result);
        let code = match &result {
            Ok(_) => exit::CLEAN,
            Err(SlimError::Refused { .. }) => exit::FINDINGS,
            Err(SlimError::Input(_)) => exit::ERROR,
        };
        if let Err(SlimError::Input(line)) = &result {
            eprintln!("gostatic: {}", for_terminal(line));
        }
        return write_stdout(&json_text(&doc), ExitCode::from(code));
    }
    match result {
        Ok(slimmed) => print(&slimmed, args.dry_run),
        Err(SlimError::Input(line)) => super::usage_error(&format!("gostatic: {line}")),
        Err(SlimError::Refused { reasons, .. }) => {
            eprintln!(
                "gostatic: {}: the slim image would not work, nothing written:",
                for_terminal(&source)
            );
            for reason in &reasons {
                eprintln!("  {}", for_terminal(&reason.to_string()));
            }
            eprintln!(
                "  copy what it lacks in with --keep PATH (an image path) or --add \
                 HOST_PATH:IMAGE_PATH (a host file)"
            );
            ExitCode::from(exit::FINDINGS)
        }
    }
}

fn json_text(doc: &SlimDocument) -> String {
    let mut text = serde_json::to_string_pretty(doc).unwrap_or_default();
    text.push('\n');
    text
}

/// The source, options and request the arguments make, or the usage error.
fn request(
    args: &SlimArgs,
    out: Option<PathBuf>,
) -> Result<(ImageSource, ImageOptions, SlimRequest), String> {
    let source = ImageSource::parse(&args.source)?;
    let platform = args
        .platform
        .as_deref()
        .map(Platform::parse)
        .transpose()
        .map_err(|err| format!("--platform: {err}"))?;
    let mut add = Vec::new();
    for spec in &args.add {
        match spec.rsplit_once(':') {
            Some((host, at)) if !host.is_empty() && at.starts_with('/') => {
                add.push((PathBuf::from(host), at.to_string()));
            }
            _ => {
                return Err(format!(
                    "--add {spec}: expected HOST_PATH:IMAGE_PATH, the image path absolute"
                ));
            }
        }
    }
    let format = match (args.format, &args.output) {
        (Some(format), _) => format.into(),
        (None, Some(out)) => OutputFormat::from_name(out),
        (None, None) => OutputFormat::OciArchive,
    };
    let registry = super::registry::settings(&args.registry, source == ImageSource::Stdin)?;
    let mut options = ImageOptions {
        platform,
        image: args.image.clone(),
        endpoints: super::image::engine_endpoints(),
        registry,
        ..ImageOptions::default()
    };
    options.limits.max_binary_bytes = args.max_binary_bytes;
    options.limits.max_inflate_ratio = args.inflate.max_inflate_ratio;
    let request = SlimRequest {
        out,
        format,
        keep: args.keep.clone(),
        add,
    };
    Ok((source, options, request))
}

fn print(slimmed: &Slimmed, dry_run: bool) -> ExitCode {
    let mut text = String::new();
    let sizes = format!(
        "{} now; {} slim",
        human_bytes(slimmed.source_bytes),
        human_bytes(slimmed.slim_bytes)
    );
    match &slimmed.written {
        Some(written) => {
            text.push_str(&format!(
                "{}: wrote {} ({}, {} paths): {sizes}, layer {} {}\n",
                slimmed.name,
                written.format.as_str(),
                written.manifest_digest,
                slimmed.kept.len(),
                human_bytes(written.layer_size),
                if written.format == OutputFormat::DockerArchive {
                    "uncompressed"
                } else {
                    "gzip"
                },
            ));
        }
        None => text.push_str(&format!("{}: {sizes}\n", slimmed.name)),
    }
    if dry_run {
        let width = slimmed.kept.iter().map(|k| k.path.len()).max().unwrap_or(0);
        for kept in &slimmed.kept {
            text.push_str(&format!(
                "  {:width$}  {:>9}  {}\n",
                kept.path,
                human_bytes(kept.bytes),
                kept.why
            ));
        }
        text.push_str("final stage:\n");
        for line in &slimmed.dockerfile {
            text.push_str(&format!("  {line}\n"));
        }
    }
    let safe: String = text
        .lines()
        .map(|line| format!("{}\n", for_terminal(line)))
        .collect();
    write_stdout(&safe, ExitCode::from(exit::CLEAN))
}

/// `text` on standard output, then `code`; a closed stdout (`| head`) is not an error.
fn write_stdout(text: &str, code: ExitCode) -> ExitCode {
    match super::write_document(None, |out| out.write_all(text.as_bytes())) {
        Ok(()) => code,
        Err(stop) if stop == ExitCode::from(exit::CLEAN) => code,
        Err(stop) => stop,
    }
}
