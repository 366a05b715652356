//! The shape of the code (`../shared/design/ARCHITECTURE.md`): inputs → facts → rules → report,
//! each module importing only modules to its right. This reads every `crate::` path in the
//! library's sources and fails on one that points the wrong way, so the shape cannot drift
//! back without a test saying so.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What each top-level module may use besides itself. `cli` is the binary (it uses
/// `gostatic::`, not `crate::`); `fuzzing` and `testkit` are test support over everything.
fn allowed(module: &str) -> Option<&'static [&'static str]> {
    const READERS: &[&str] = &["input", "error", "sanitize"];
    Some(match module {
        "run" => &[
            "policy", "report", "rules", "facts", "elf", "gobin", "foreign", "image", "input",
            "error", "sanitize",
        ],
        "policy" => &[
            "report", "rules", "facts", "elf", "gobin", "foreign", "image", "input", "error",
            "sanitize",
        ],
        "report" => &[
            "rules", "facts", "elf", "gobin", "foreign", "image", "input", "error", "sanitize",
        ],
        "rules" => &[
            "facts", "elf", "gobin", "foreign", "image", "input", "error", "sanitize",
        ],
        "facts" => &["elf", "gobin", "foreign", "input", "error", "sanitize"],
        "gobin" => &["elf", "input", "error", "sanitize"],
        "elf" | "foreign" | "image" => READERS,
        "input" => &["error"],
        "error" | "sanitize" => &[],
        "fuzzing" | "testkit" | "lib" | "main" | "cli" => return None,
        _ => return None,
    })
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`src/rules/image/libs.rs` → `rules`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src");
    let first = relative
        .components()
        .next()
        .expect("a path")
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Every `crate::NAME` in the code of `text`, with its line number; comments are skipped.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let standalone = at == 0
                || !rest[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
            if standalone && !name.is_empty() {
                found.push((index + 1, name));
            }
            rest = after;
        }
    }
    found
}

#[test]
fn no_module_imports_one_to_its_left() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut checked = 0;
    for file in &files {
        let module = module_of(&src, file);
        let Some(allowed) = allowed(&module) else {
            continue;
        };
        let text = std::fs::read_to_string(file).expect("a source file");
        for (line, used) in crate_paths(&text) {
            checked += 1;
            // The test kit is test support (cfg(test) or the `testkit` feature): any test may
            // build its inputs with it.
            if used != module && used != "testkit" && !allowed.contains(&used.as_str()) {
                wrong
                    .entry(module.clone())
                    .or_default()
                    .push(format!("{}:{line}: crate::{used}", file.display()));
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} crate:: paths found: is src/ there?"
    );
    assert!(
        wrong.is_empty(),
        "imports against ARCHITECTURE.md: {wrong:#?}"
    );
}

#[test]
fn the_checker_sees_paths_in_code_and_not_in_comments() {
    let text = "use crate::report::Report; // crate::cli\nlet x = crate::rules::evaluate(f);\n\
                // crate::run is only named here\nuse super::crate_like::x;";
    let found: Vec<String> = crate_paths(text).into_iter().map(|(_, m)| m).collect();
    assert_eq!(found, ["report", "rules"]);
    assert_eq!(allowed("elf"), Some(&["input", "error", "sanitize"][..]));
    assert!(!allowed("image").unwrap().contains(&"facts"));
    assert!(!allowed("elf").unwrap().contains(&"gobin"));
}
