//! How `gostatic image` names its sources (issue 12): compressed tars on stdin, transport
//! prefixes that force or refuse a format, registry references, and several sources per run,
//! all on the committed archives of `testdata/image`.

use std::io::Write;

use crate::util::{gostatic, outcome};

const DOCKER: &str = "testdata/image/scratch-static.docker.tar";
const OCI: &str = "testdata/image/scratch-static.oci.tar";
const LAYOUT: &str = "testdata/image/needs.oci";

fn read(path: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn json(stdout: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stdout).unwrap()
}

/// The report of one file read by path, for comparison with other ways of naming it: the
/// findings and verdicts, not the source's name.
fn judged(report: &serde_json::Value) -> serde_json::Value {
    let images = report["images"].as_array().unwrap();
    serde_json::json!({
        "verdicts": images.iter().map(|i| i["verdict"].clone()).collect::<Vec<_>>(),
        "files": report["files"].as_array().unwrap().iter().map(|f| {
            serde_json::json!([f["image_path"], f["verdict"], f["findings"]])
        }).collect::<Vec<_>>(),
        "summary": report["summary"],
    })
}

#[test]
fn stdin_takes_gzip_and_zstd_tarballs_as_files_do() {
    let (code, by_path, _) = run(&["image", "--format", "json", DOCKER]);
    assert_eq!(code, Some(0));
    let expected = judged(&json(by_path.as_bytes()));
    let plain = read(DOCKER);
    let zstd = zstd::stream::encode_all(&plain[..], 3).unwrap();
    for (name, bytes) in [
        ("plain", plain.clone()),
        ("gzip", gzip(&plain)),
        ("zstd", zstd),
    ] {
        let out = gostatic()
            .args(["image", "--format", "json", "-"])
            .write_stdin(bytes)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
        let report = json(&out.stdout);
        assert_eq!(report["images"][0]["source"], "-", "{name}");
        assert_eq!(report["images"][0]["format"], "docker-archive", "{name}");
        assert_eq!(judged(&report), expected, "{name}");
    }
}

#[test]
fn a_damaged_compressed_stdin_is_one_line_and_exit_2() {
    let mut bytes = gzip(&read(OCI));
    bytes.truncate(bytes.len() / 2);
    let out = gostatic()
        .args(["image", "-"])
        .write_stdin(bytes)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("-: "), "{stderr}");
}

#[test]
fn a_prefix_forces_the_format_and_refuses_another() {
    for (arg, format) in [
        (format!("docker-archive:{DOCKER}"), "docker-archive"),
        (format!("oci-archive:{OCI}"), "oci-archive"),
        (format!("oci:{LAYOUT}:needs-fixed"), "oci-layout"),
    ] {
        let (code, stdout, stderr) = run(&["image", "--format", "json", &arg]);
        assert_ne!(code, Some(2), "{arg}: {stderr}");
        let report = json(stdout.as_bytes());
        assert_eq!(report["images"][0]["format"], format, "{arg}");
        assert_eq!(report["images"][0]["source"], arg.as_str());
    }
    for (arg, said) in [
        (
            format!("oci-archive:{DOCKER}"),
            "oci-archive: names an OCI archive (a tar with index.json and oci-layout), and this \
             is a docker save tarball (docker-archive)",
        ),
        (
            format!("docker-archive:{OCI}"),
            "docker-archive: names a docker save tarball (a tar with manifest.json), and this is \
             an OCI archive (oci-archive)",
        ),
        (
            format!("oci:{OCI}"),
            "oci: names an OCI layout directory (index.json and oci-layout), and this is a file",
        ),
        (
            format!("oci-archive:{LAYOUT}"),
            "oci-archive: names an OCI archive (a tar with index.json and oci-layout), and this \
             is a directory",
        ),
        (
            format!("oci:{LAYOUT}:no-such-tag"),
            "no image named 'no-such-tag'",
        ),
    ] {
        let (code, _, stderr) = run(&["image", &arg]);
        assert_eq!(code, Some(2), "{arg}");
        assert!(stderr.starts_with(&format!("{arg}: ")), "{stderr}");
        assert!(stderr.contains(said), "{arg}: {stderr}");
    }
}

#[test]
fn a_prefix_reference_and_image_must_agree() {
    let arg = format!("oci:{LAYOUT}:needs-fixed");
    let (code, _, stderr) = run(&["image", &arg, "--image", "needs"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("the source names image 'needs-fixed' and --image names 'needs'"),
        "{stderr}"
    );
}

#[test]
fn a_name_that_is_a_file_and_a_reference_is_the_file_unless_prefixed() {
    let dir = tempfile::tempdir().unwrap();
    // `app:1` is also a valid image reference (docker.io/library/app:1).
    std::fs::write(dir.path().join("app:1"), read(DOCKER)).unwrap();
    let (code, _, stderr) = run_in(dir.path(), &["image", "app:1"]);
    assert_eq!(code, Some(0), "{stderr}");
    // Prefixed, the same name is a registry reference (here on a loopback port where nothing
    // listens): a network error with its kind, no retries asked for.
    for arg in ["registry:127.0.0.1:1/app:1", "docker://127.0.0.1:1/app:1"] {
        let out = gostatic()
            .current_dir(dir.path())
            .env("GOSTATIC_REGISTRY_RETRIES", "0")
            .args(["image", "--format", "json", arg])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["errors"][0]["kind"], "network", "{json}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(
                "127.0.0.1:1/app:1: the registry API (/v2/): cannot reach 127.0.0.1:1"
            ),
            "{stderr}"
        );
    }
    // A short name that is no file says both (whatever Docker Hub answers, if it is reachable).
    let out = gostatic()
        .current_dir(dir.path())
        .env("GOSTATIC_REGISTRY_RETRIES", "0")
        .args(["image", "gostatic-test-no-such-image:1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "gostatic-test-no-such-image:1: no such file or directory; as an image reference:"
        ),
        "{stderr}"
    );
    // A mistyped archive name stays a missing file.
    let (_, _, stderr) = run_in(dir.path(), &["image", "app.tar"]);
    assert_eq!(stderr, "app.tar: no such file or directory\n");
}

const DYNAMIC: &str = "testdata/image/scratch-dynamic.oci.tar";

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    run_in(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// Exit code, stdout and stderr of `gostatic ARGS` run in `cwd`.
fn run_in(cwd: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    outcome(gostatic().current_dir(cwd).args(args))
}

#[test]
fn several_sources_are_one_report_in_the_order_given_and_a_failing_one_is_an_input_error() {
    let (code, stdout, stderr) = run(&[
        "image",
        "--format",
        "json",
        LAYOUT,
        "missing.tar",
        DOCKER,
        DYNAMIC,
    ]);
    assert_eq!(
        code,
        Some(2),
        "an unreadable source is an input error: {stderr}"
    );
    assert_eq!(stderr, "missing.tar: no such file or directory\n");
    let report = json(stdout.as_bytes());
    let images: Vec<(&str, &str)> = report["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["source"].as_str().unwrap(), i["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        images,
        [
            (LAYOUT, "needs"),
            (LAYOUT, "needs-fixed"),
            (DOCKER, "localhost/scratch-static:latest"),
            (DYNAMIC, "scratch-dynamic"),
            (DYNAMIC, "scratch-dynamic-libs"),
        ]
    );
    // Files follow their images, each image's files in path order.
    let sources: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let first_docker = sources.iter().position(|p| p.starts_with(DOCKER)).unwrap();
    let first_dynamic = sources.iter().position(|p| p.starts_with(DYNAMIC)).unwrap();
    assert!(
        sources[..first_docker]
            .iter()
            .all(|p| p.starts_with(LAYOUT))
    );
    assert!(first_docker < first_dynamic);
    assert_eq!(report["summary"]["images"]["total"], 5);
    assert_eq!(report["summary"]["errors"], 1);
    // Each image's results are those of the source read alone.
    for source in [LAYOUT, DOCKER, DYNAMIC] {
        let (_, alone, _) = run(&["image", "--format", "json", source]);
        let alone = json(alone.as_bytes());
        for image in alone["images"].as_array().unwrap() {
            let same = report["images"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["source"] == image["source"] && i["name"] == image["name"])
                .unwrap();
            assert_eq!(same, image);
        }
        for file in alone["files"].as_array().unwrap() {
            assert!(report["files"].as_array().unwrap().contains(file), "{file}");
        }
    }
    // Text: a block per image, then one summary.
    let (code, text, _) = run(&["image", DOCKER, DYNAMIC]);
    assert_eq!(code, Some(1), "the dynamic image will not start");
    assert_eq!(
        text.matches("\nimage ").count() + usize::from(text.starts_with("image ")),
        3
    );
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("3 images: 2 start, 1 will not start;"),
        "{last}"
    );
    assert_eq!(text.matches(" images: ").count(), 1, "{text}");
}

#[test]
fn from_file_lists_sources_with_comments_and_blanks() {
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let list = format!("# the fleet\n\n  {root}/{DOCKER}  \ndocker-archive:{root}/{DOCKER}\n");
    let list_path = dir.path().join("list");
    std::fs::write(&list_path, &list).unwrap();
    let out = gostatic()
        .args(["image", "--format", "json", OCI, "--from-file"])
        .arg(&list_path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out.stdout);
    let formats: Vec<&str> = report["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, ["oci-archive", "docker-archive", "docker-archive"]);
    // The same list on stdin.
    let out = gostatic()
        .args(["image", "--format", "json", "--from-file", "-"])
        .write_stdin(list.clone())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out.stdout)["summary"]["images"]["total"], 2);
    // A list that names nothing checks nothing, which does not pass.
    let out = gostatic()
        .args(["image", "--from-file", "-"])
        .write_stdin("# nothing yet\n\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("- names no source"), "{stderr}");
    // A bad line is named by its number; stdin cannot be read twice.
    let out = gostatic()
        .args(["image", "--from-file", "-"])
        .write_stdin(format!("{root}/{DOCKER}\noci-archive:\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "gostatic: -:2: oci-archive: names nothing\n"
    );
    let (code, _, stderr) = run(&["image", "-", "--from-file", "-"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("standard input (-) can be read once"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["image"]);
    assert_eq!(code, Some(2), "no source at all is a usage error: {stderr}");
}

#[test]
fn jsonl_is_one_self_contained_document_per_image() {
    let (code, stdout, stderr) =
        run(&["image", "--format", "jsonl", DOCKER, "missing.tar", DYNAMIC]);
    assert_eq!(
        code,
        Some(2),
        "the exit code still reflects every source: {stderr}"
    );
    let documents: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(documents.len(), 4, "{stdout}");
    let (_, whole, _) = run(&["image", "--format", "json", DOCKER, "missing.tar", DYNAMIC]);
    let whole = json(whole.as_bytes());
    let mut images_seen = 0;
    for document in &documents {
        assert_eq!(document["schema"], "gostatic/v1");
        let source = document["source"].as_str().unwrap();
        if document["image"].is_null() {
            assert_eq!(source, "missing.tar");
            assert_eq!(
                document["errors"][0]["message"],
                "no such file or directory"
            );
            assert_eq!(document["summary"]["errors"], 1);
            continue;
        }
        images_seen += 1;
        let image = &document["image"];
        assert_eq!(image["source"], source);
        // The image object is the one `--format json` has in `images[]`...
        assert!(
            whole["images"].as_array().unwrap().contains(image),
            "{image}"
        );
        // ...with its own files, and counts of its own.
        let files = document["files"].as_array().unwrap();
        assert!(!files.is_empty());
        for file in files {
            assert_eq!(file["image"], image["name"]);
            assert!(file["path"].as_str().unwrap().starts_with(source));
            assert!(whole["files"].as_array().unwrap().contains(file));
        }
        assert_eq!(document["summary"]["files"], files.len());
        assert_eq!(document["summary"]["images"]["total"], 1);
    }
    assert_eq!(images_seen, 3);
    // A run without a failing source passes or fails on findings only.
    let (code, stdout, _) = run(&["image", "--format", "jsonl", DOCKER]);
    assert_eq!(code, Some(0));
    assert_eq!(stdout.lines().count(), 1);
    let (code, _, _) = run(&["check", "--format", "jsonl", "testdata/bin"]);
    assert_eq!(code, Some(2), "jsonl is for image");
}

#[test]
fn a_baseline_of_several_sources_accepts_their_findings_per_image() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let sources = [DOCKER, DYNAMIC];
    let out = gostatic()
        .args(["image", "--format", "json", "--fail-on", "note"])
        .args(sources)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(&baseline, &out.stdout).unwrap();
    let out = gostatic()
        .args([
            "image",
            "--format",
            "json",
            "--fail-on",
            "note",
            "--baseline",
        ])
        .arg(&baseline)
        .args(sources)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = json(&out.stdout);
    assert!(report["summary"]["suppressed"].as_u64().unwrap() > 0);
    // The baseline of one image does not cover another source's image.
    let out = gostatic()
        .args(["image", "--fail-on", "note", "--baseline"])
        .arg(&baseline)
        .args([DOCKER, LAYOUT])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}

#[test]
fn sarif_and_junit_of_several_sources() {
    let args = ["image", LAYOUT, "missing.tar", DYNAMIC, "--format"];
    let (_, sarif, _) = run(&[&args[..], &["sarif"]].concat());
    let sarif = json(sarif.as_bytes());
    assert_eq!(sarif["runs"].as_array().unwrap().len(), 1, "one run");
    let properties: std::collections::BTreeSet<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            format!("{uri} {}", r["properties"]["image"].as_str().unwrap())
        })
        .collect();
    insta::assert_debug_snapshot!("several_sources_sarif_places", properties);
    let notifications = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(
        notifications.as_array().unwrap().len(),
        1,
        "{notifications}"
    );
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    let (_, junit, _) = run(&[&args[..], &["junit"]].concat());
    insta::assert_snapshot!("several_sources_junit", junit);
}

#[test]
fn sarif_and_github_locate_a_prefixed_source_at_its_file() {
    let arg = format!("oci:{LAYOUT}:needs");
    let (_, sarif, _) = run(&["image", &arg, "--format", "sarif"]);
    let sarif = json(sarif.as_bytes());
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert_eq!(uri, LAYOUT, "{result}");
    }
    let (_, github, _) = run(&["image", &arg, "--format", "github"]);
    assert!(github.contains(&format!("file={LAYOUT},")), "{github}");
}

/// `podman system service` on a socket of its own, with storage of its own; killed on drop.
struct PodmanService {
    child: std::process::Child,
    socket: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for PodmanService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start podman's API service with the committed docker archive loaded into its storage, or
/// say why it cannot run here.
fn podman_service() -> Result<PodmanService, String> {
    let dir = tempfile::tempdir().unwrap();
    let storage = |cmd: &mut std::process::Command| {
        cmd.args(["--storage-driver", "vfs", "--root"])
            .arg(dir.path().join("root"))
            .arg("--runroot")
            .arg(dir.path().join("run"));
    };
    let mut load = std::process::Command::new("podman");
    storage(&mut load);
    let loaded = load
        .args(["load", "-i"])
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DOCKER))
        .output()
        .map_err(|err| format!("podman cannot be run: {err}"))?;
    if !loaded.status.success() {
        return Err(format!(
            "podman load failed: {}",
            String::from_utf8_lossy(&loaded.stderr).trim()
        ));
    }
    let socket = dir.path().join("api.sock");
    let mut serve = std::process::Command::new("podman");
    storage(&mut serve);
    let child = serve
        .args(["system", "service", "--time=0"])
        .arg(format!("unix://{}", socket.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|err| format!("podman system service cannot start: {err}"))?;
    let service = PodmanService {
        child,
        socket,
        _dir: dir,
    };
    for _ in 0..200 {
        if std::os::unix::net::UnixStream::connect(&service.socket).is_ok() {
            return Ok(service);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err("podman system service did not listen within 20 s".to_string())
}

#[test]
fn podman_and_docker_sources_read_the_image_through_the_engine_api() {
    let service = match podman_service() {
        Ok(service) => service,
        Err(reason) => {
            #[allow(clippy::print_stderr)] // say why the test did nothing
            {
                eprintln!("skipped: {reason}");
            }
            return;
        }
    };
    let host = format!("unix://{}", service.socket.display());
    let (_, archive, _) = run(&["image", "--format", "json", DOCKER]);
    let expected = judged(&json(archive.as_bytes()));
    // podman's own variable, and DOCKER_HOST for docker: podman serves the Docker Engine API.
    for (variable, source) in [
        ("CONTAINER_HOST", "podman:localhost/scratch-static:latest"),
        ("DOCKER_HOST", "docker:localhost/scratch-static:latest"),
    ] {
        let out = gostatic()
            .env(variable, &host)
            .args(["image", "--format", "json", source])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{source}: {stderr}");
        let report = json(&out.stdout);
        assert_eq!(report["images"][0]["source"], source);
        assert_eq!(report["images"][0]["format"], "docker-archive");
        assert_eq!(judged(&report), expected, "{source}");
    }
    let out = gostatic()
        .env("CONTAINER_HOST", &host)
        .args(["image", "podman:no-such-image:1", DOCKER])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("podman:no-such-image:1: the engine has no image 'no-such-image:1'"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn an_engine_that_is_not_there_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("none.sock");
    let out = gostatic()
        .env("DOCKER_HOST", format!("unix://{}", socket.display()))
        .args(["image", "docker:app:1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!(
            "docker:app:1: cannot connect to {}",
            socket.display()
        )),
        "{stderr}"
    );
    let out = gostatic()
        .env("DOCKER_HOST", "tcp://127.0.0.1:2375")
        .args(["image", "docker:app:1"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "docker:app:1: DOCKER_HOST=tcp://127.0.0.1:2375: only a unix:// socket can be read (no \
         TLS or SSH here)\n"
    );
}
