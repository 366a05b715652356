//! `gostatic completions SHELL` and `gostatic man`: snapshots of what is generated, and the
//! generated bash script and roff pages run through the real bash and groff.

use std::process::Command;

use crate::util::gostatic;

fn stdout_of(args: &[&str]) -> String {
    let out = gostatic().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_bash_snapshot() {
    insta::assert_snapshot!("completions_bash", stdout_of(&["completions", "bash"]));
}

#[test]
fn completions_for_each_shell_and_to_a_file() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains("buildinfo"), "{shell}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("script");
        gostatic()
            .args(["completions", shell, "-o"])
            .arg(&file)
            .assert()
            .success()
            .stdout("");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), script, "{shell}");
    }
    gostatic()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid value 'tcsh'"));
}

/// What bash's programmable completion offers for `words`, the last being the word completed,
/// with the generated script sourced exactly as bash-completion would.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let script = stdout_of(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let file = crate::util::write(dir.path(), "gostatic.bash", script.as_bytes());
    let words_list = words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let last = words.len() - 1;
    let program = format!(
        "source '{}'\nCOMP_WORDS=({words_list})\nCOMP_CWORD={last}\nCOMP_LINE=\"${{COMP_WORDS[*]}}\"\nCOMP_POINT=${{#COMP_LINE}}\n_gostatic gostatic \"${{COMP_WORDS[{last}]}}\" \"${{COMP_WORDS[{prev}]}}\"\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        file.display(),
        prev = last.saturating_sub(1),
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_subcommands_options_and_values() {
    assert_eq!(bash_completes(&["gostatic", "im"]), ["image"]);
    assert!(bash_completes(&["gostatic", "image", "--plat"]).contains(&"--platform".to_string()));
    let formats = bash_completes(&["gostatic", "check", "--format", ""]);
    for format in ["text", "json", "sarif", "github", "junit"] {
        assert!(formats.contains(&format.to_string()), "{formats:?}");
    }
    let shells = bash_completes(&["gostatic", "completions", ""]);
    assert!(shells.contains(&"powershell".to_string()), "{shells:?}");
}

#[test]
fn man_page_snapshot() {
    // The page names the crate's version (its .TH source field): a release bump is not a diff.
    let page = stdout_of(&["man"]);
    let title = format!("\"gostatic {}\"", env!("CARGO_PKG_VERSION"));
    assert!(page.contains(&title), "{page}");
    insta::assert_snapshot!("man_page", page.replace(&title, "\"gostatic [version]\""));
}

/// Every page `man --dir` writes is valid roff to groff (`-ww`: all warnings) and names the
/// options of its subcommand.
#[test]
#[allow(clippy::print_stderr)]
fn man_pages_render_without_warnings() {
    let dir = tempfile::tempdir().unwrap();
    gostatic()
        .args(["man", "--dir"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout("");
    let check = std::fs::read_to_string(dir.path().join("gostatic-check.1")).unwrap();
    assert!(check.contains("\\-\\-fail\\-on"), "{check}");
    let image = std::fs::read_to_string(dir.path().join("gostatic-image.1")).unwrap();
    assert!(image.contains("\\-\\-platform"), "{image}");
    let Ok(groff) = Command::new("groff").arg("--version").output() else {
        eprintln!("skipped the roff check: no groff");
        return;
    };
    assert!(groff.status.success());
    let mut pages = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let out = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        pages += 1;
    }
    // gostatic.1 and one per subcommand: check, image, slim, buildinfo, rules, explain,
    // completions, man.
    assert_eq!(pages, 9);
}
