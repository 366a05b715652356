//! The module text inside the buildinfo blob: Go's `runtime/debug.ParseBuildInfo` and
//! `(*BuildInfo).String` (`src/runtime/debug/mod.go`, Go 1.18+; the 1.13–1.17 text is the same
//! grammar without `build` lines), reproduced on bytes so `gostatic buildinfo` prints what
//! `go version -m` prints, byte for byte, including its error messages.
//!
//! Parsing is as lenient as Go's: unknown lines are skipped and a last line without `\n` is
//! ignored. The only additions are the limits below, far above any real binary.

use super::goquote;
use super::{BuildInfo, BuildSetting, GoString, Module};

/// Most `dep` lines accepted (Kubernetes-sized programs have a few hundred).
pub const MAX_DEPS: usize = 100_000;
/// Most `build` lines accepted (Go writes about twenty).
pub const MAX_SETTINGS: usize = 10_000;

/// `ParseBuildInfo`'s error: the 1-based line and Go's message, rendered as Go renders it
/// (`could not parse Go build info: line N: ...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not parse Go build info: line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// Parse the module text (sentinels already stripped) into `info`'s path, main module,
/// dependencies and settings.
pub fn parse(text: &[u8], info: &mut BuildInfo) -> Result<(), ParseError> {
    let mut line_number = 1;
    // Which module a `=>` line replaces: the main module or the last dependency.
    let mut last: Option<Target> = None;
    let mut rest = text;
    while !rest.is_empty() {
        let Some(newline) = rest.iter().position(|&b| b == b'\n') else {
            break;
        };
        let line = &rest[..newline];
        rest = &rest[newline + 1..];
        let fail = |message: String| ParseError {
            line: line_number,
            message,
        };
        if let Some(elem) = line.strip_prefix(b"path\t") {
            info.path = GoString::from(elem);
        } else if let Some(elem) = line.strip_prefix(b"mod\t") {
            info.main = module_line(elem).map_err(fail)?;
            last = Some(Target::Main);
        } else if let Some(elem) = line.strip_prefix(b"dep\t") {
            if info.deps.len() >= MAX_DEPS {
                return Err(fail(format!("more than {MAX_DEPS} dependencies")));
            }
            info.deps.push(module_line(elem).map_err(fail)?);
            last = Some(Target::Dep);
        } else if let Some(elem) = line.strip_prefix(b"=>\t") {
            let columns: Vec<&[u8]> = elem.split(|&b| b == b'\t').collect();
            if columns.len() != 3 {
                return Err(fail(format!(
                    "expected 3 columns for replacement; got {}",
                    columns.len()
                )));
            }
            let replacement = Box::new(Module {
                path: columns[0].into(),
                version: columns[1].into(),
                sum: columns[2].into(),
                replace: None,
            });
            match last.take() {
                Some(Target::Main) => info.main.replace = Some(replacement),
                Some(Target::Dep) => {
                    if let Some(dep) = info.deps.last_mut() {
                        dep.replace = Some(replacement);
                    }
                }
                None => {
                    return Err(fail(
                        "replacement with no module on previous line".to_string(),
                    ));
                }
            }
        } else if let Some(kv) = line.strip_prefix(b"build\t") {
            if info.settings.len() >= MAX_SETTINGS {
                return Err(fail(format!("more than {MAX_SETTINGS} build settings")));
            }
            info.settings.push(build_line(kv).map_err(fail)?);
        }
        line_number += 1;
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Target {
    Main,
    Dep,
}

fn module_line(elem: &[u8]) -> Result<Module, String> {
    let columns: Vec<&[u8]> = elem.split(|&b| b == b'\t').collect();
    if columns.len() != 2 && columns.len() != 3 {
        return Err(format!("expected 2 or 3 columns; got {}", columns.len()));
    }
    Ok(Module {
        path: columns[0].into(),
        version: columns[1].into(),
        sum: columns.get(2).copied().unwrap_or_default().into(),
        replace: None,
    })
}

fn build_line(kv: &[u8]) -> Result<BuildSetting, String> {
    let Some(&first) = kv.first() else {
        return Err("build line missing '='".to_string());
    };
    let (key, raw_value) = match first {
        b'=' => return Err("build line with missing key".to_string()),
        b'`' | b'"' => {
            let raw_key = goquote::quoted_prefix(kv)
                .map_err(|_| "invalid quoted key in build line".to_string())?;
            let Some(&after) = kv.get(raw_key.len()) else {
                return Err("build line missing '=' after quoted key".to_string());
            };
            if after != b'=' {
                return Err(format!(
                    "unexpected character after quoted key: {}",
                    go_quote_byte(after)
                ));
            }
            // A prefix Go accepted always unquotes.
            let key = goquote::unquote(raw_key).unwrap_or_default();
            (key, &kv[raw_key.len() + 1..])
        }
        _ => {
            let Some(eq) = kv.iter().position(|&b| b == b'=') else {
                return Err("build line missing '=' after key".to_string());
            };
            let key = &kv[..eq];
            if quote_key(key) {
                return Err(format!(
                    "unquoted key {} must be quoted",
                    lossy(&goquote::quote(key))
                ));
            }
            (key.to_vec(), &kv[eq + 1..])
        }
    };
    let value = match raw_value.first() {
        None => Vec::new(),
        Some(b'`' | b'"') => goquote::unquote(raw_value)
            .map_err(|_| "invalid quoted value in build line".to_string())?,
        Some(_) => {
            if quote_value(raw_value) {
                return Err(format!(
                    "unquoted value {} must be quoted",
                    lossy(&goquote::quote(raw_value))
                ));
            }
            raw_value.to_vec()
        }
    };
    Ok(BuildSetting {
        key: GoString::from(key),
        value: GoString::from(value),
    })
}

/// Go's `%q` of a byte: the byte as a rune literal (`'x'`, `'\n'`, `'\u0080'`).
fn go_quote_byte(b: u8) -> String {
    goquote::quote_rune(char::from(b))
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `quoteKey` in `mod.go`.
fn quote_key(key: &[u8]) -> bool {
    key.is_empty() || key.iter().any(|b| b"= \t\r\n\"`".contains(b))
}

/// `quoteValue` in `mod.go`.
fn quote_value(value: &[u8]) -> bool {
    value.iter().any(|b| b" \t\r\n\"`".contains(b))
}

/// `(*BuildInfo).String()` with the Go version left out, which is what `go version -m` prints
/// after the first line (it clears `GoVersion` before calling `String`).
pub fn render(info: &BuildInfo) -> Vec<u8> {
    let mut out = Vec::new();
    if !info.path.is_empty() {
        out.extend_from_slice(b"path\t");
        out.extend_from_slice(info.path.as_bytes());
        out.push(b'\n');
    }
    if !info.main.is_zero() {
        render_module(&mut out, b"mod", &info.main);
    }
    for dep in &info.deps {
        render_module(&mut out, b"dep", dep);
    }
    for setting in &info.settings {
        out.extend_from_slice(b"build\t");
        let key = setting.key.as_bytes();
        if quote_key(key) {
            out.extend_from_slice(&goquote::quote(key));
        } else {
            out.extend_from_slice(key);
        }
        out.push(b'=');
        let value = setting.value.as_bytes();
        if quote_value(value) {
            out.extend_from_slice(&goquote::quote(value));
        } else {
            out.extend_from_slice(value);
        }
        out.push(b'\n');
    }
    out
}

fn render_module(out: &mut Vec<u8>, word: &[u8], module: &Module) {
    out.extend_from_slice(word);
    out.push(b'\t');
    out.extend_from_slice(module.path.as_bytes());
    out.push(b'\t');
    out.extend_from_slice(module.version.as_bytes());
    match &module.replace {
        None => {
            out.push(b'\t');
            out.extend_from_slice(module.sum.as_bytes());
        }
        Some(replacement) => {
            out.push(b'\n');
            render_module(out, b"=>", replacement);
        }
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<BuildInfo, ParseError> {
        let mut info = BuildInfo::default();
        parse(text.as_bytes(), &mut info).map(|()| info)
    }

    fn round_trip(text: &str) -> String {
        String::from_utf8(render(&parsed(text).unwrap())).unwrap()
    }

    #[test]
    fn parses_every_line_kind() {
        let text = "path\texample.com/cmd\nmod\texample.com\t(devel)\t\n\
            dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n\
            dep\texample.com/old\tv1.0.0\n=>\t../fork\t\t\n\
            build\t-ldflags=\"-s -w\"\nbuild\tCGO_ENABLED=0\n";
        let info = parsed(text).unwrap();
        assert_eq!(info.path, "example.com/cmd");
        assert_eq!(info.main.version, "(devel)");
        assert_eq!(info.deps.len(), 2);
        assert_eq!(info.deps[0].sum, "h1:abc=");
        let replacement = info.deps[1].replace.as_ref().unwrap();
        assert_eq!(replacement.path, "../fork");
        assert_eq!(replacement.version, "");
        assert_eq!(info.settings[0].key, "-ldflags");
        assert_eq!(info.settings[0].value, "-s -w");
        // Go's `formatMod` ends a replaced module with an extra newline: `go version -m`
        // really prints a tab-only line after each `=>` line (checked with Go 1.27.3).
        assert_eq!(round_trip(text), text.replace("\t\t\n", "\t\t\n\n"));
    }

    #[test]
    fn rendering_normalises_quotes_and_drops_unknown_lines() {
        let text = "go\tgo1.20\nbuild\t-tags=`a b`\nbuild\tk=\nweird\nbuild\t\"x\"=y\nlast";
        assert_eq!(
            round_trip(text),
            "build\t-tags=\"a b\"\nbuild\tk=\nbuild\tx=y\n"
        );
    }

    #[test]
    fn main_module_with_a_replacement() {
        let text = "mod\tm\tv1\n=>\t/src\t\t\n";
        assert_eq!(round_trip(text), "mod\tm\tv1\n=>\t/src\t\t\n\n");
        // An empty main module is not printed, as `Main != Module{}` in Go.
        assert_eq!(round_trip("mod\t\t\n"), "");
    }

    #[test]
    fn errors_match_go() {
        let cases = [
            ("mod\ta\n", 1, "expected 2 or 3 columns; got 1"),
            (
                "path\tp\ndep\ta\tb\tc\td\n",
                2,
                "expected 2 or 3 columns; got 4",
            ),
            (
                "=>\ta\tb\tc\n",
                1,
                "replacement with no module on previous line",
            ),
            (
                "dep\ta\tb\n=>\ta\tb\n",
                2,
                "expected 3 columns for replacement; got 2",
            ),
            (
                "dep\ta\tb\n=>\ta\tb\tc\n=>\ta\tb\tc\n",
                3,
                "replacement with no module on previous line",
            ),
            ("build\t\n", 1, "build line missing '='"),
            ("build\t=v\n", 1, "build line with missing key"),
            ("build\tkey\n", 1, "build line missing '=' after key"),
            ("build\t\"k\n", 1, "invalid quoted key in build line"),
            (
                "build\t\"k\"\n",
                1,
                "build line missing '=' after quoted key",
            ),
            (
                "build\t\"k\"x=1\n",
                1,
                "unexpected character after quoted key: 'x'",
            ),
            (
                "build\tk\"q=1\n",
                1,
                "unquoted key \"k\\\"q\" must be quoted",
            ),
            ("build\tk=a b\n", 1, "unquoted value \"a b\" must be quoted"),
            ("build\tk=\"a\n", 1, "invalid quoted value in build line"),
        ];
        for (text, line, message) in cases {
            let err = parsed(text).unwrap_err();
            assert_eq!(
                (err.line, err.message.as_str()),
                (line, message),
                "{text:?}"
            );
        }
        assert_eq!(
            parsed("x\nbuild\t=\n").unwrap_err().to_string(),
            "could not parse Go build info: line 2: build line with missing key"
        );
    }

    #[test]
    fn too_many_dependencies_is_an_error_not_an_allocation() {
        let text = "dep\ta\tv\n".repeat(MAX_DEPS + 1);
        let err = parsed(&text).unwrap_err();
        assert_eq!(err.line, MAX_DEPS + 1);
    }
}
