//! The pipeline of `gostatic check`: one file in, one outcome out (open, sniff, read facts,
//! evaluate rules), files in parallel on rayon's pool, the outcomes back in input order, which
//! `walk` sorted, and the report built from them.

use std::fs::File;
use std::io::{self, Read};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::{InputError, InputErrorKind};
use crate::input::{self, Blob, Candidate, Inputs, Origin};
use crate::report::{FileReport, Report};
use crate::rules;

/// Bounds on what one input may make us hold in memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most bytes read from stdin or a pipe (files on disk are mapped, not read).
    pub max_stream_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_stream_bytes: 4 << 30,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Compute each reported file's SHA-256 (only formats that print it ask for it).
    pub hash: bool,
    pub limits: Limits,
    /// `--allow-empty`: a named directory without a single executable is not an error.
    pub allow_empty: bool,
}

/// What became of one candidate.
#[derive(Debug)]
pub enum Outcome {
    Reported(Box<FileReport>),
    /// Not an executable format, met while walking a directory.
    Skipped,
    Failed(InputError),
}

/// Check every candidate in parallel and assemble the report, sorted by path. A named
/// directory in which nothing was an executable is an error (a CI gate that checked nothing
/// must not pass), unless `options.allow_empty`.
pub fn check(inputs: &Inputs, options: &Options) -> Report {
    let outcomes: Vec<Outcome> = inputs
        .candidates
        .par_iter()
        .map(|c| check_one(c, options))
        .collect();
    let mut files = Vec::new();
    let mut errors = inputs.errors.clone();
    let mut found = vec![false; inputs.dirs.len()];
    for (candidate, outcome) in inputs.candidates.iter().zip(outcomes) {
        let seen = match outcome {
            Outcome::Reported(file) => {
                files.push(*file);
                true
            }
            Outcome::Skipped => false,
            Outcome::Failed(error) => {
                errors.push(error);
                true
            }
        };
        if let Some(root) = candidate.root {
            found[root] |= seen;
        }
    }
    if !options.allow_empty {
        for (index, dir) in inputs.dirs.iter().enumerate() {
            if found[index] {
                continue;
            }
            let walked: Vec<&str> = inputs
                .candidates
                .iter()
                .filter(|c| c.root == Some(index))
                .map(|c| c.display.as_str())
                .collect();
            errors.push(InputError {
                path: dir.clone(),
                kind: nothing_to_check(dir, &walked),
            });
        }
    }
    Report::new(files, errors)
}

/// Why a named directory gave nothing to check, with what it held instead.
fn nothing_to_check(dir: &str, walked: &[&str]) -> InputErrorKind {
    let names: Vec<&str> = walked
        .iter()
        .map(|path| {
            path.strip_prefix(dir)
                .map_or(*path, |rest| rest.trim_start_matches('/'))
        })
        .collect();
    InputErrorKind::NothingToCheck {
        files: walked.len(),
        examples: crate::rules::first_few(&names, names.len()),
    }
}

pub fn check_one(candidate: &Candidate, options: &Options) -> Outcome {
    let fail = |kind: InputErrorKind| {
        Outcome::Failed(InputError {
            path: candidate.display.clone(),
            kind,
        })
    };
    let blob = match &candidate.origin {
        Origin::File(path) => match open_file(path, candidate.named) {
            Ok(Some(blob)) => blob,
            Ok(None) => return Outcome::Skipped,
            Err(kind) => return fail(kind),
        },
        Origin::Stream(path) => match File::open(path) {
            Ok(mut file) => match read_stream(&mut file, options.limits) {
                Ok(blob) => blob,
                Err(kind) => return fail(kind),
            },
            Err(err) => return fail(InputErrorKind::from_io(&err)),
        },
        Origin::Stdin => match read_stream(&mut io::stdin().lock(), options.limits) {
            Ok(blob) => blob,
            Err(kind) => return fail(kind),
        },
    };
    let faults = input::sigbus::faults();
    let result = analyse_hashed(&candidate.display, &blob, candidate.named, options, &|| {
        blob.sha256()
    });
    // A mapped file cut short while it was read gave zeros where its bytes were (the SIGBUS
    // guard): whatever was concluded from them is void.
    if input::sigbus::faults() != faults
        && let (Origin::File(path), Blob::Mapped(..)) = (&candidate.origin, &blob)
    {
        let now = std::fs::metadata(path).map_or(0, |m| m.len());
        if now < blob.len() as u64 {
            return fail(InputErrorKind::Io(format!(
                "the file shrank while it was read (from {} to {now} bytes)",
                blob.len()
            )));
        }
    }
    match result {
        Ok(Some(mut report)) => {
            report.link.clone_from(&candidate.link);
            report.aliases.clone_from(&candidate.aliases);
            Outcome::Reported(Box::new(report))
        }
        Ok(None) => Outcome::Skipped,
        Err(kind) => fail(kind),
    }
}

/// Open a file and return its bytes if it starts like an executable. A file met in a walk is
/// sniffed from its first bytes before anything else is read. What is opened is checked, not
/// what was walked: a file replaced by a FIFO or a device since the walk is skipped (as the walk
/// skips them) or, when named, an error; never waited on.
fn open_file(path: &std::path::Path, named: bool) -> Result<Option<Blob>, InputErrorKind> {
    let mut file = match input::open_regular(path) {
        Ok(file) => file,
        Err(e) if e.get_ref().is_some_and(|e| e.is::<input::NotRegular>()) => {
            return if named {
                Err(InputErrorKind::NotRegular)
            } else {
                Ok(None)
            };
        }
        Err(e) => return Err(InputErrorKind::from_io(&e)),
    };
    let mut head = [0u8; input::SNIFF_LEN];
    let got = input::read_full(&mut file, &mut head).map_err(|e| InputErrorKind::from_io(&e))?;
    let head = &head[..got];
    // A script found in a walk counts only when it can be run: a `#!` line on a file without
    // an execute bit is a comment (library modules, templates).
    let runnable_script = || {
        use std::os::unix::fs::PermissionsExt;
        input::is_script(head)
            && (named
                || file
                    .metadata()
                    .is_ok_and(|m| m.permissions().mode() & 0o111 != 0))
    };
    if input::sniff(head).is_none() && !runnable_script() {
        return match (named, got) {
            (false, _) => Ok(None),
            (true, 0) => Err(InputErrorKind::Empty),
            (true, _) => Err(InputErrorKind::UnknownFormat(input::describe_head(head))),
        };
    }
    let size = file
        .metadata()
        .map_err(|e| InputErrorKind::from_io(&e))?
        .len();
    use std::io::Seek;
    file.seek(io::SeekFrom::Start(0))
        .map_err(|e| InputErrorKind::from_io(&e))?;
    Blob::open(&mut file, size)
        .map(Some)
        .map_err(|e| InputErrorKind::from_io(&e))
}

fn read_stream(reader: &mut dyn Read, limits: Limits) -> Result<Blob, InputErrorKind> {
    match Blob::read_stream(reader, limits.max_stream_bytes) {
        Ok(Ok(blob)) => Ok(blob),
        Ok(Err(limit)) => Err(InputErrorKind::TooLarge { limit }),
        Err(err) => Err(InputErrorKind::from_io(&err)),
    }
}

/// Facts and findings for bytes that may be an executable. `Ok(None)`: not one, and not named.
pub fn analyse(
    display: &str,
    data: &[u8],
    named: bool,
    options: &Options,
) -> Result<Option<FileReport>, InputErrorKind> {
    analyse_hashed(display, data, named, options, &|| sha256(data))
}

/// [`analyse`], with the digest (when `options.hash` asks for one) from `digest`: a mapped
/// file's is computed without keeping its pages ([`Blob::sha256`]).
fn analyse_hashed(
    display: &str,
    data: &[u8],
    named: bool,
    options: &Options,
    digest: &dyn Fn() -> String,
) -> Result<Option<FileReport>, InputErrorKind> {
    if named && data.is_empty() {
        return Err(InputErrorKind::Empty);
    }
    let facts = match crate::facts::read(data)? {
        Some(facts) => facts,
        None if named => return Err(InputErrorKind::UnknownFormat(input::describe_head(data))),
        None => return Ok(None),
    };
    let evaluation = rules::evaluate(&facts);
    Ok(Some(FileReport::new(
        display.to_string(),
        data.len() as u64,
        options.hash.then(digest),
        facts,
        evaluation,
    )))
}

/// The file's SHA-256 as lowercase hex.
pub(super) fn sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rule;

    /// Issue 11, item 14: a walked file that is a FIFO by the time it is opened (swapped after
    /// the walk) is skipped at once, not waited on; named, it is an error.
    #[test]
    fn a_file_that_became_a_fifo_is_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("app");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let (send, receive) = std::sync::mpsc::channel();
        let walked = fifo.clone();
        std::thread::spawn(move || {
            let _ = send.send(open_file(&walked, false).map(|b| b.is_some()).ok());
        });
        let walked = receive
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("open_file blocked on a FIFO");
        assert_eq!(walked, Some(false));
        let named = open_file(&fifo, true).err().map(|e| e.to_string());
        assert_eq!(named.as_deref(), Some("not a regular file"));
    }

    #[test]
    fn check_reports_a_packed_file_as_gs205_and_reads_no_go_facts() {
        let mut data = crate::elf::upx::tests::packed(true, false, 22, 1_234_567, 0);
        // A header the loaders accept: EI_VERSION, ET_EXEC, EM_X86_64, e_version, e_ehsize.
        data[6] = 1;
        data[0x10..0x18].copy_from_slice(&[2, 0, 0x3e, 0, 1, 0, 0, 0]);
        data[0x34] = 64;
        let report = analyse("packed", &data, true, &Options::default())
            .unwrap()
            .unwrap();
        let elf = report.elf.as_ref().unwrap();
        assert!(elf.upx.is_some());
        assert!(report.go.is_none());
        let finding = report
            .findings
            .iter()
            .find(|f| f.rule == Rule::UpxPacked)
            .unwrap();
        assert!(
            finding.message.contains("method lzma") && finding.message.contains("1.2 MiB unpacked"),
            "{}",
            finding.message
        );
        assert!(
            finding.message.contains("go-pclntab"),
            "{}",
            finding.message
        );
    }
}
