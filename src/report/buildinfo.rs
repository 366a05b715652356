//! Output of `gostatic buildinfo`: the text `go version -m` prints (`runVersion`/`scanFile` in
//! `src/cmd/go/internal/version/version.go`, Go 1.27), byte for byte; the JSON documents
//! `go version -m -json` prints (`report::gojson`); or gostatic's own JSON array with one
//! object per file (`--json`).
//!
//! Text: for each Go binary `PATH: GOVERSION`, then the module text (`BuildInfo::module_text`)
//! with every line indented by a tab; errors go to the second writer, one line each, exactly
//! as Go words them. Strings from the binary are printed raw, as Go prints them, unless
//! `escape` is set (the CLI sets it when stdout is a terminal), which escapes control and
//! bidi characters inside each tab-separated field.

use std::io::{self, Write};

use serde::Serialize;

use crate::gobin::buildinfo::BuildInfo;
use crate::sanitize;

/// What became of one file.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The path as `go version` prints it (bytes: file names need not be UTF-8).
    pub path: Vec<u8>,
    pub result: Result<BuildInfo, Failure>,
}

/// Why a file gave no build info, and how `go version -m` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The reason on its own, for JSON (`not a Go executable`, `permission denied`).
    pub reason: String,
    /// The exact line `go version -m` writes on stderr, without the newline; `None` when Go
    /// stays silent (a named file that is not a candidate).
    pub message: Option<Vec<u8>>,
}

/// The outcomes, in the order `go version` prints them, and whether the run failed.
#[derive(Debug, Default)]
pub struct Run {
    pub outcomes: Vec<Outcome>,
    /// A named path could not be stat'ed or is not a Go binary: Go exits 1.
    pub failed: bool,
}

/// The text of one Go binary, as `go version -m` prints it.
pub fn text_for(path: &[u8], info: &BuildInfo) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(path);
    out.extend_from_slice(b": ");
    out.extend_from_slice(info.go_version.as_bytes());
    out.push(b'\n');
    let module_text = info.module_text();
    if let Some(body) = module_text.strip_suffix(b"\n") {
        out.push(b'\t');
        for &b in body {
            out.push(b);
            if b == b'\n' {
                out.push(b'\t');
            }
        }
        out.push(b'\n');
    }
    out
}

pub fn render_text(
    run: &Run,
    out: &mut dyn Write,
    err: &mut dyn Write,
    escape: bool,
) -> io::Result<()> {
    render_each(run, out, err, escape, text_for)
}

/// `go version -m -json`: the Go binaries' `runtime/debug.BuildInfo` as Go marshals it, one
/// document after another (no file names: Go prints none), and the same error lines as text.
pub fn render_go_json(
    run: &Run,
    out: &mut dyn Write,
    err: &mut dyn Write,
    escape: bool,
) -> io::Result<()> {
    render_each(run, out, err, escape, |_, info| super::gojson::render(info))
}

/// Each Go binary's document on `out`, each failure's line (where Go prints one) on `err`.
fn render_each(
    run: &Run,
    out: &mut dyn Write,
    err: &mut dyn Write,
    escape: bool,
    document: impl Fn(&[u8], &BuildInfo) -> Vec<u8>,
) -> io::Result<()> {
    for outcome in &run.outcomes {
        match &outcome.result {
            Ok(info) => out.write_all(&shown(document(&outcome.path, info), escape))?,
            Err(failure) => {
                if let Some(message) = &failure.message {
                    let mut line = message.clone();
                    line.push(b'\n');
                    err.write_all(&shown(line, escape))?;
                }
            }
        }
    }
    Ok(())
}

fn shown(text: Vec<u8>, escape: bool) -> Vec<u8> {
    if !escape {
        return text;
    }
    let lossy = String::from_utf8_lossy(&text);
    let lines: Vec<String> = lossy
        .split('\n')
        .map(|line| {
            line.split('\t')
                .map(|field| sanitize::for_terminal(field).into_owned())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    lines.join("\n").into_bytes()
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    go: Option<&'a BuildInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// A JSON array: `{"path", "go": {...}}` per Go binary, `{"path", "error"}` per named file
/// that gave no build info (even where `go version` stays silent).
pub fn render_json(run: &Run, out: &mut dyn Write) -> io::Result<()> {
    let entries: Vec<JsonEntry<'_>> = run.outcomes.iter().map(entry).collect();
    serde_json::to_writer_pretty(&mut *out, &entries).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

fn entry(outcome: &Outcome) -> JsonEntry<'_> {
    let path = String::from_utf8_lossy(&outcome.path).into_owned();
    match &outcome.result {
        Ok(info) => JsonEntry {
            path,
            go: Some(info),
            error: None,
        },
        Err(failure) => JsonEntry {
            path,
            go: None,
            error: Some(&failure.reason),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gobin::buildinfo::{BuildSetting, GoString, Module};

    #[test]
    fn indents_the_module_text_like_go() {
        let info = BuildInfo {
            go_version: "go1.22.1".into(),
            path: "example.com/x".into(),
            main: Module {
                path: "example.com/x".into(),
                version: "(devel)".into(),
                ..Module::default()
            },
            settings: vec![BuildSetting {
                key: "-ldflags".into(),
                value: "-s -w".into(),
            }],
            ..BuildInfo::default()
        };
        assert_eq!(
            String::from_utf8(text_for(b"bin/x", &info)).unwrap(),
            "bin/x: go1.22.1\n\tpath\texample.com/x\n\tmod\texample.com/x\t(devel)\t\n\tbuild\t-ldflags=\"-s -w\"\n"
        );
        let bare = BuildInfo {
            go_version: GoString::from("go1.13"),
            ..BuildInfo::default()
        };
        assert_eq!(text_for(b"old", &bare), b"old: go1.13\n");
    }

    #[test]
    fn escaping_keeps_the_tabs() {
        assert_eq!(
            shown(b"a\x1b[31m\tb\n".to_vec(), true),
            b"a\\u{1b}[31m\tb\n".to_vec()
        );
        assert_eq!(shown(b"a\x1b\n".to_vec(), false), b"a\x1b\n".to_vec());
    }
}
