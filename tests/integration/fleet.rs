//! The fleet recipes of docs/fleet.md, run as written: the gostatic arguments of
//! `examples/fleet/job.yaml` (a Kubernetes indexed Job) and `examples/fleet/github-matrix.yml`
//! on a list of the fixture archives, shard by shard; the shards' JSON lines together are the
//! unsharded run's, each source once; `examples/fleet/summary.jq` summarises them (when jq is
//! installed).

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::gostatic;

fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/fleet")
            .join(name),
    )
    .unwrap()
}

/// Where a recipe puts the shard's index (the Job's `$(JOB_COMPLETION_INDEX)`, the matrix's
/// `${{ matrix.shard }}`).
const SHARD: &str = "{shard}";

/// The container's `args:` list of the Job, one per `- ` line.
fn job_args() -> Vec<String> {
    let yaml = example("job.yaml");
    let mut lines = yaml.lines().skip_while(|l| l.trim() != "args:").skip(1);
    let mut args = Vec::new();
    for line in lines.by_ref() {
        let Some(arg) = line.trim().strip_prefix("- ") else {
            break;
        };
        args.push(arg.replace("$(JOB_COMPLETION_INDEX)", SHARD));
    }
    args
}

/// The matrix job's gostatic command line, its folded `run: >` block joined into words.
fn matrix_args() -> Vec<String> {
    let yaml = example("github-matrix.yml");
    let mut lines = yaml
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("run: >"));
    lines.next().expect("the survey step's run: > block");
    let words: Vec<String> = lines
        .take_while(|l| l.trim_start().starts_with("gostatic") || l.starts_with("          --"))
        .map(|l| l.replace("${{ matrix.shard }}", SHARD))
        .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    assert_eq!(
        words.first().map(String::as_str),
        Some("gostatic"),
        "{words:?}"
    );
    words[1..].to_vec()
}

/// The fixture archives as a reference list, with a source that cannot be read.
fn list(dir: &Path) -> (std::path::PathBuf, usize) {
    let mut names: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/image"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tar") && !n.starts_with("multiarch."))
            .map(|n| format!("testdata/image/{n}"))
            .collect();
    names.sort();
    names.push("testdata/image/no-such.tar".to_string());
    let path = dir.join("images.txt");
    std::fs::write(&path, format!("# fixtures\n{}\n", names.join("\n"))).unwrap();
    (path, names.len())
}

/// Runs one shard: its JSON lines by source (an archive of several images gives several) and
/// the exit status.
fn run(args: &[String]) -> (Vec<String>, i32) {
    let out = gostatic().args(args).output().unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    (lines, out.status.code().unwrap())
}

fn by_source(lines: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in lines {
        let doc: serde_json::Value = serde_json::from_str(line).unwrap();
        map.entry(doc["source"].as_str().unwrap().to_string())
            .or_default()
            .push(line.clone());
    }
    map
}

#[test]
fn the_shards_of_both_recipes_read_each_source_once() {
    let dir = tempfile::tempdir().unwrap();
    let (list, sources) = list(dir.path());
    let list = list.to_str().unwrap();
    let whole = run(&[
        "image".into(),
        format!("--from-file={list}"),
        "--format=jsonl".into(),
        "--fail-on=never".into(),
    ]);
    // The unreadable source is an input error; every other source is still written.
    assert_eq!(whole.1, 2);
    let whole = by_source(&whole.0);
    assert_eq!(whole.len(), sources);

    let job = job_args();
    assert_eq!(job[0], "image");
    let matrix = matrix_args();
    assert_eq!(matrix[0], "image");
    for (recipe, template) in [("job.yaml", job), ("github-matrix.yml", matrix)] {
        let mut joined = Vec::new();
        let mut failed = 0;
        for index in 0..4 {
            let output = dir.path().join(format!("shard-{index}.jsonl"));
            let args: Vec<String> = template
                .iter()
                .map(|a| {
                    a.replace(SHARD, &index.to_string())
                        .replace("/etc/gostatic/images.txt", "images.txt")
                        .replace("images.txt", list)
                })
                .map(|a| a.replace(&format!("shard-{index}.jsonl"), output.to_str().unwrap()))
                .collect();
            let (stdout, code) = run(&args);
            let lines = if args.iter().any(|a| a == "-o") {
                std::fs::read_to_string(&output)
                    .unwrap()
                    .lines()
                    .map(str::to_string)
                    .collect()
            } else {
                stdout
            };
            assert!(!lines.is_empty(), "{recipe} shard {index}: {args:?}");
            failed += usize::from(code == 2);
            assert!(
                code == 0 || code == 2,
                "{recipe} shard {index}: exit {code}"
            );
            joined.extend(lines);
        }
        assert_eq!(
            failed, 1,
            "{recipe}: the one unreadable source fails one shard"
        );
        assert_eq!(by_source(&joined), whole, "{recipe}");
    }
}

#[test]
fn the_summary_names_what_will_not_start() {
    if std::process::Command::new("jq")
        .arg("--version")
        .output()
        .is_err()
    {
        #[allow(clippy::print_stderr)] // say why the test did nothing
        {
            eprintln!("skipped: no jq on PATH (apt-get install jq)");
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (list, _) = list(dir.path());
    let out = gostatic()
        .args(["image", "--format=jsonl", "--fail-on=never", "--from-file"])
        .arg(&list)
        .output()
        .unwrap();
    let joined = dir.path().join("fleet.jsonl");
    std::fs::write(&joined, &out.stdout).unwrap();
    let summary = std::process::Command::new("jq")
        .args(["-s", "-f", "examples/fleet/summary.jq"])
        .arg(&joined)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        summary.status.success(),
        "{}",
        String::from_utf8_lossy(&summary.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&summary.stdout).unwrap();
    let lines = String::from_utf8(out.stdout).unwrap().lines().count();
    assert_eq!(summary["images"], lines);
    let unreadable = summary["unreadable"].as_array().unwrap();
    assert_eq!(unreadable.len(), 1, "{summary}");
    assert_eq!(unreadable[0]["source"], "testdata/image/no-such.tar");
    let stops: Vec<&str> = summary["will_not_start"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        stops.contains(&"testdata/image/scratch-dynamic.oci.tar[scratch-dynamic]"),
        "{stops:?}"
    );
    assert!(
        summary["by_rule"]["GS504"].as_u64().unwrap() > 0,
        "{summary}"
    );
    assert!(
        summary["findings"]["error"].as_u64().unwrap() > 0,
        "{summary}"
    );
}
