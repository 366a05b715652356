//! `gostatic image` on the real archives of `testdata/image` (made by buildah, skopeo and
//! umoci), checked against what those tools and readelf recorded beside them: the final
//! filesystem from `umoci raw unpack` (`*.rootfs`), every ELF in it with its sha256 and
//! `readelf -hldW` lines (`*.elf`), the layers' diff_ids (`*.layers`) and the config
//! (`*.config.json`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::gostatic;

fn records() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/image/records")
}

/// One image of one archive: the archive, how to select the image, and its record prefix.
struct Case {
    archive: String,
    select: Vec<String>,
    record: PathBuf,
}

/// Every (archive, image) pair the records describe.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut archives: Vec<_> = std::fs::read_dir(records())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    archives.sort();
    for dir in archives {
        let archive = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut prefixes: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                name.strip_suffix(".elf").map(str::to_string)
            })
            .collect();
        prefixes.sort();
        let several = prefixes.len() > 1;
        for prefix in prefixes {
            let select = match prefix.strip_prefix("linux-") {
                Some(arch) => vec!["--platform".to_string(), format!("linux/{arch}")],
                None if several => vec!["--image".to_string(), prefix.clone()],
                None => Vec::new(),
            };
            cases.push(Case {
                archive: format!("testdata/image/{archive}"),
                select,
                record: dir.join(&prefix),
            });
        }
    }
    cases
}

fn run(case: &Case) -> Value {
    let out = gostatic()
        .args(["image", "--format", "json", "--digests", &case.archive])
        .args(&case.select)
        .output()
        .unwrap();
    assert!(
        out.status.code().unwrap() < 2,
        "{} {:?}: {}",
        case.archive,
        case.select,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn read(record: &Path, ext: &str) -> String {
    let mut path = record.as_os_str().to_owned();
    path.push(format!(".{ext}"));
    std::fs::read_to_string(PathBuf::from(path)).unwrap()
}

/// `path -> (sha256, size, readelf lines)` from an `.elf` record.
fn recorded_elves(record: &Path) -> BTreeMap<String, (String, u64, Vec<String>)> {
    let mut elves = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in read(record, "elf").lines() {
        if let Some(detail) = line.strip_prefix("  ") {
            let path = current.as_ref().expect("a detail line follows a path line");
            let entry: &mut (String, u64, Vec<String>) = elves.get_mut(path).unwrap();
            entry.2.push(detail.to_string());
            continue;
        }
        let mut fields = line.split(' ');
        let path = fields.next().unwrap().to_string();
        let sha = fields.next().unwrap().to_string();
        let size = fields.next().unwrap().parse().unwrap();
        elves.insert(path.clone(), (sha, size, Vec::new()));
        current = Some(path);
    }
    elves
}

#[test]
fn every_recorded_image_is_found() {
    let cases = cases();
    assert!(cases.len() >= 14, "{} cases", cases.len());
    for case in &cases {
        let report = run(case);
        let images = report["images"].as_array().unwrap();
        assert_eq!(images.len(), 1, "{} {:?}", case.archive, case.select);
    }
}

#[test]
fn the_executables_are_the_elf_files_umoci_unpacks() {
    for case in cases() {
        let report = run(&case);
        let ours: BTreeMap<String, (String, u64)> = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["image_path"].as_str().unwrap().to_string(),
                    (
                        f["sha256"].as_str().unwrap().to_string(),
                        f["size"].as_u64().unwrap(),
                    ),
                )
            })
            .collect();
        let theirs: BTreeMap<String, (String, u64)> = recorded_elves(&case.record)
            .into_iter()
            .map(|(path, (sha, size, _))| (path, (sha, size)))
            .collect();
        assert_eq!(ours, theirs, "{} {:?}", case.archive, case.select);
    }
}

#[test]
fn elf_facts_agree_with_readelf_on_every_executable() {
    for case in cases() {
        let report = run(&case);
        let elves = recorded_elves(&case.record);
        for file in report["files"].as_array().unwrap() {
            let path = file["image_path"].as_str().unwrap();
            let lines = &elves[path].2;
            let elf = &file["elf"];
            let class = lines
                .iter()
                .find_map(|l| l.strip_prefix("Class: "))
                .unwrap();
            assert_eq!(elf["class"], class, "{path}");
            let interpreter = lines.iter().find_map(|l| {
                l.strip_prefix("[Requesting program interpreter: ")
                    .map(|r| r.trim_end_matches(']'))
            });
            assert_eq!(elf["interpreter"].as_str(), interpreter, "{path}");
            let needed: Vec<&str> = lines
                .iter()
                .filter_map(|l| {
                    l.strip_prefix("(NEEDED) Shared library: [")
                        .map(|r| r.trim_end_matches(']'))
                })
                .collect();
            let ours: Vec<&str> = elf["needed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap())
                .collect();
            assert_eq!(ours, needed, "{path}");
        }
    }
}

#[test]
fn the_final_filesystem_has_as_many_paths_as_umoci_unpacks() {
    for case in cases() {
        let report = run(&case);
        let recorded = read(&case.record, "rootfs").lines().count();
        assert_eq!(
            report["images"][0]["entries"].as_u64().unwrap() as usize,
            recorded,
            "{} {:?}",
            case.archive,
            case.select
        );
    }
}

#[test]
fn layers_and_config_match_the_records() {
    for case in cases() {
        let report = run(&case);
        let image = &report["images"][0];
        let diff_ids: Vec<String> = read(&case.record, "layers")
            .lines()
            .filter_map(|l| l.split_once("diff_id ").map(|(_, id)| id.to_string()))
            .collect();
        let ours: Vec<String> = image["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["diff_id"].as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(ours, diff_ids, "{} {:?}", case.archive, case.select);

        let config: Value = serde_json::from_str(&read(&case.record, "config.json")).unwrap();
        let inner = &config["config"];
        assert_eq!(
            image["config"]["entrypoint"], inner["Entrypoint"],
            "{}",
            case.archive
        );
        assert_eq!(image["config"]["cmd"], inner["Cmd"], "{}", case.archive);
        assert_eq!(
            image["config"]["user"],
            inner["User"].as_str().unwrap_or(""),
            "{}",
            case.archive
        );
        assert_eq!(image["platform"]["architecture"], config["architecture"]);
    }
}
