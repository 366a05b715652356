//! The README's example sessions stay true: each ```text block whose commands name committed
//! fixtures (`$ gostatic ... testdata/...`) is run, and its output (and `$ echo $?`, when the
//! block shows it) must be what the README prints.

use crate::util::gostatic;

struct Example {
    args: Vec<String>,
    output: String,
    status: Option<i32>,
}

fn examples() -> Vec<Example> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut examples = Vec::new();
    let mut in_block = false;
    let mut current: Option<Example> = None;
    let mut after_echo = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_block = line == "```text";
            examples.extend(current.take());
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ gostatic ") {
            examples.extend(current.take());
            let args: Vec<String> = command.split_whitespace().map(str::to_string).collect();
            // Only sessions on committed fixtures can be replayed.
            if args.iter().any(|a| a.starts_with("testdata/")) {
                current = Some(Example {
                    args,
                    output: String::new(),
                    status: None,
                });
            }
        } else if line == "$ echo $?" {
            after_echo = true;
        } else if let Some(example) = current.as_mut() {
            if std::mem::take(&mut after_echo) {
                example.status = Some(line.parse().expect("a status after `$ echo $?`"));
            } else {
                example.output.push_str(line);
                example.output.push('\n');
            }
        }
    }
    examples
}

#[test]
fn the_readme_sessions_on_fixtures_print_what_the_readme_shows() {
    let examples = examples();
    assert!(examples.len() >= 2, "found {} sessions", examples.len());
    for example in examples {
        let out = gostatic().args(&example.args).output().unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            stdout,
            example.output,
            "`gostatic {}` no longer prints what README.md shows",
            example.args.join(" ")
        );
        if let Some(status) = example.status {
            assert_eq!(out.status.code(), Some(status), "{:?}", example.args);
        }
    }
}
