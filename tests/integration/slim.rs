//! `gostatic slim` on the committed fixture images: what it writes reads back as an image that
//! starts, holds exactly the final stage's files with the source's config, and is the same
//! bytes on a second run; what it refuses exits 1 with the reasons; bad input exits 2 with one
//! line. The run of the written images under umoci and a chroot is `slim_runs`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::gostatic;

/// Every image of the committed fixtures, as (archive, the options that pick it): `slim`
/// makes each of them (the arm64 ones too; `slim_runs` runs those of the host's architecture).
pub(super) const SLIMMABLE: [(&str, &[&str]); 19] = [
    ("scratch-static.oci.tar", &[]),
    ("scratch-static.docker.tar", &[]),
    ("scratch-static.zstd.oci.tar", &[]),
    ("layers.oci.tar", &[]),
    ("layers.docker.tar", &[]),
    ("layers.uncompressed.oci.tar", &[]),
    ("stage.oci.tar", &["--image", "stage-symlink"]),
    ("stage.oci.tar", &["--image", "stage-relative"]),
    ("stage.oci.tar", &["--image", "stage-path"]),
    ("stage.oci.tar", &["--image", "stage-named-user"]),
    ("stage.oci.tar", &["--image", "stage-shell"]),
    ("stage.oci.tar", &["--image", "stage-noexec"]),
    ("stage.oci.tar", &["--image", "stage-os-user"]),
    ("needs.oci", &["--image", "needs-fixed"]),
    (
        "scratch-dynamic.oci.tar",
        &["--image", "scratch-dynamic-libs"],
    ),
    (
        "scratch-dynamic.docker.tar",
        &["--image", "scratch-dynamic-libs"],
    ),
    ("multiarch.oci.tar", &["--platform", "linux/amd64"]),
    ("multiarch.oci.tar", &["--platform", "linux/arm64"]),
    ("multiarch-arm64.docker.tar", &[]),
];

pub(super) fn image_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/image")
        .join(name)
}

/// `gostatic slim SOURCE [SELECT] -o OUT [extra]`, expected to succeed.
pub(super) fn slim_to(source: &str, select: &[&str], out: &Path, extra: &[&str]) -> String {
    let mut cmd = gostatic();
    cmd.arg("slim")
        .arg(image_fixture(source))
        .arg("-o")
        .arg(out);
    let output = cmd.args(select).args(extra).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{source} {select:?}: {stderr}"
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `gostatic image --format json` of one image.
pub(super) fn image_json(source: &Path, select: &[&str]) -> Value {
    let mut cmd = gostatic();
    cmd.args(["image", "--format", "json", "--fail-on", "never"])
        .arg(source)
        .args(select);
    let output = cmd.output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", source.display());
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn each_fixture_slims_to_an_image_that_starts_with_the_stage_s_files_and_the_source_config() {
    let dir = tempfile::tempdir().unwrap();
    for (index, (source, select)) in SLIMMABLE.into_iter().enumerate() {
        let out = dir.path().join(format!("{index}.tar"));
        let printed = slim_to(source, select, &out, &[]);
        assert!(printed.contains("wrote oci-archive (sha256:"), "{printed}");
        let before = image_json(&image_fixture(source), select);
        let after = image_json(&out, &[]);
        let (before, after) = (&before["images"][0], &after["images"][0]);
        assert_eq!(
            after["verdict"]["starts"], "yes",
            "{source} {select:?}: {after:#}"
        );
        assert_eq!(after["format"], "oci-archive");
        assert_eq!(after["layers"].as_array().unwrap().len(), 1);
        // The stage the source's report printed is the stage the new image is: its command,
        // user and working directory are the written config's.
        let stage: Vec<&str> = before["size"]["dockerfile"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        let line = |op: &str| {
            stage
                .iter()
                .rev()
                .find_map(|l| l.strip_prefix(op))
                .map(str::to_string)
        };
        let words =
            |op: &str| line(op).map_or(Value::Null, |rest| serde_json::from_str(&rest).unwrap());
        let label = format!("{source} {select:?}");
        assert_eq!(
            after["config"]["entrypoint"],
            words("ENTRYPOINT "),
            "{label}"
        );
        assert_eq!(after["config"]["cmd"], words("CMD "), "{label}");
        assert_eq!(
            after["config"]["user"],
            line("USER ").unwrap().as_str(),
            "{label}"
        );
        // No WORKDIR, or a last `WORKDIR /`, is the root: an unset WorkingDir.
        let workdir = line("WORKDIR ")
            .filter(|dir| dir != "/")
            .unwrap_or_default();
        assert_eq!(after["config"]["workdir"], workdir.as_str(), "{label}");
        // What the stage copies is what the new image holds, apart from the directories the
        // stage makes.
        assert_eq!(
            after["size"]["scratch_bytes"], before["size"]["scratch_bytes"],
            "{label}"
        );
        let user = after["config"]["user"].as_str().unwrap();
        assert!(
            user.split(':').all(|id| id.parse::<u32>().is_ok()),
            "{source}: USER {user} is not numeric"
        );
        let scratch = before["size"]["scratch_bytes"].as_u64().unwrap();
        let files: u64 = after["size"]["image_bytes"].as_u64().unwrap();
        assert!(
            files < scratch + 64 * 1024,
            "{source}: {files} vs {scratch}"
        );
    }
}

#[test]
fn two_runs_write_the_same_bytes_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["oci-archive", "docker-archive"] {
        let mut outputs = Vec::new();
        for run in 0..2 {
            let out = dir.path().join(format!("{format}-{run}.tar"));
            slim_to(
                "needs.oci",
                &["--image", "needs-fixed"],
                &out,
                &["--format", format],
            );
            outputs.push(std::fs::read(&out).unwrap());
        }
        assert!(outputs[0] == outputs[1], "{format}: two runs differ");
        let after = image_json(&dir.path().join(format!("{format}-0.tar")), &[]);
        assert_eq!(after["images"][0]["verdict"]["starts"], "yes");
        assert_eq!(after["images"][0]["format"], format);
    }
    let layout = dir.path().join("layout");
    slim_to("needs.oci", &["--image", "needs-fixed"], &layout, &[]);
    let after = image_json(&layout, &[]);
    assert_eq!(after["images"][0]["format"], "oci-layout");
    assert_eq!(
        after["images"][0]["verdict"]["runtime_missing"],
        serde_json::json!([])
    );
}

#[test]
fn the_config_keeps_labels_ports_and_history_says_what_was_kept() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    slim_to("needs.oci", &["--image", "needs-fixed"], &layout, &[]);
    let index: Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let blob = |digest: &str| {
        let hex = digest.strip_prefix("sha256:").unwrap();
        std::fs::read(layout.join("blobs/sha256").join(hex)).unwrap()
    };
    let manifest: Value =
        serde_json::from_slice(&blob(index["manifests"][0]["digest"].as_str().unwrap())).unwrap();
    let config: Value =
        serde_json::from_slice(&blob(manifest["config"]["digest"].as_str().unwrap())).unwrap();
    let history = config["history"].as_array().unwrap();
    let said: Vec<&str> = history
        .iter()
        .map(|h| h["comment"].as_str().unwrap())
        .collect();
    assert!(said[0].starts_with("entrypoint"), "{said:?}");
    assert!(
        said.iter().any(|c| c.starts_with("ca-certificates")),
        "{said:?}"
    );
    assert_eq!(
        history.iter().filter(|h| h["empty_layer"] != true).count(),
        1
    );
    assert_eq!(config["config"]["User"], "10001:10001");
    assert_eq!(config["rootfs"]["diff_ids"].as_array().unwrap().len(), 1);
}

#[test]
fn an_image_whose_stage_would_not_start_is_refused_with_the_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.tar");
    let output = gostatic()
        .args(["slim", "testdata/image/needs.oci", "--image", "needs", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("would not work, nothing written"),
        "{stderr}"
    );
    assert!(stderr.contains("GS501"), "{stderr}");
    assert!(
        stderr.contains("--keep PATH") && stderr.contains("--add"),
        "{stderr}"
    );
    assert!(!out.exists());
    // A CA bundle from the host answers GS501; the missing zoneinfo still refuses.
    let bundle = dir.path().join("ca.crt");
    std::fs::write(&bundle, b"-----BEGIN CERTIFICATE-----\n").unwrap();
    let add = format!("{}:/etc/ssl/certs/ca-certificates.crt", bundle.display());
    let output = gostatic()
        .args([
            "slim",
            "testdata/image/needs.oci",
            "--image",
            "needs",
            "--dry-run",
        ])
        .args(["--add", &add])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        !stderr.contains("GS501") && stderr.contains("GS502"),
        "{stderr}"
    );
}

#[test]
fn keep_copies_an_image_path_too() {
    let output = gostatic()
        .args(["slim", "testdata/image/layers.oci.tar"])
        .args(["--dry-run", "--keep", "/etc/app"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let line = stdout.lines().find(|l| l.contains("/etc/app")).unwrap();
    assert!(line.ends_with("--keep"), "{stdout}");
    assert!(
        stdout.contains("COPY --from=layers /etc/app /etc/app"),
        "{stdout}"
    );
    let output = gostatic()
        .args(["slim", "testdata/image/layers.oci.tar", "--dry-run"])
        .args(["--keep", "/no/such/path"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("--keep /no/such/path: no such path"),
        "{stderr}"
    );
}

#[test]
fn dry_run_prints_the_files_and_the_stage_gostatic_image_prints() {
    let output = gostatic()
        .args(["slim", "testdata/image/needs.oci", "--image", "needs-fixed"])
        .arg("--dry-run")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let report = image_json(&image_fixture("needs.oci"), &["--image", "needs-fixed"]);
    let stage: Vec<String> = report["images"][0]["size"]["dockerfile"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("  {}", l.as_str().unwrap()))
        .collect();
    let printed: Vec<&str> = stdout
        .lines()
        .skip_while(|l| *l != "final stage:")
        .skip(1)
        .collect();
    assert_eq!(printed, stage);
    assert!(stdout.contains("/usr/local/bin/needs"), "{stdout}");
    assert!(stdout.contains("entrypoint") && stdout.contains("ca-certificates"));
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<Vec<String>> = vec![
        vec!["slim".into(), "-".into(), "-o".into(), "x.tar".into()],
        vec![
            "slim".into(),
            "testdata/image/missing.tar".into(),
            "--dry-run".into(),
        ],
        vec![
            "slim".into(),
            "testdata/image/stage.oci.tar".into(),
            "--dry-run".into(),
        ],
        vec![
            "slim".into(),
            "testdata/image/layers.oci.tar".into(),
            "--add".into(),
            "nocolon".into(),
            "--dry-run".into(),
        ],
        vec![
            "slim".into(),
            "testdata/image/layers.oci.tar".into(),
            "-o".into(),
            dir.path().join("no/such/dir/out.tar").display().to_string(),
        ],
    ];
    for args in cases {
        let output = gostatic().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
    // Without -o or --dry-run there is nothing to do: clap's usage error.
    let output = gostatic()
        .args(["slim", "testdata/image/layers.oci.tar"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_root_filesystem_slims_to_an_image_running_its_one_go_program() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    let bin = root.join("usr/local/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::copy(crate::util::fixture("go-static-pie"), bin.join("server")).unwrap();
    let out = dir.path().join("out.tar");
    let output = gostatic()
        .arg("slim")
        .arg(format!("dir:{}", root.display()))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let after = image_json(&out, &[]);
    let image = &after["images"][0];
    assert_eq!(image["verdict"]["starts"], "yes", "{image:#}");
    assert_eq!(image["platform"]["architecture"], "amd64");
    assert_eq!(
        image["config"]["entrypoint"],
        serde_json::json!(["/usr/local/bin/server"])
    );
    // Two programs: which one is the service is not guessed.
    std::fs::copy(
        crate::util::fixture("go-static-stripped"),
        bin.join("other"),
    )
    .unwrap();
    let output = gostatic()
        .arg("slim")
        .arg(format!("dir:{}", root.display()))
        .arg("--dry-run")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("keeps 2 Go programs"), "{stderr}");
}
