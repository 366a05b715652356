//! The images `gostatic slim` writes, run. Each committed fixture image that `slim` can make
//! smaller is slimmed twice (the two archives must be the same bytes), loaded by `skopeo copy
//! oci-archive:OUT oci:DIR:slim` into a fresh OCI layout, unpacked by `umoci unpack` into a
//! runtime bundle, and its process (`config.json`: args, env, cwd, uid and gid, as umoci
//! derives them from the image config) is started in a chroot as runc's init would start it,
//! with `-selftest` for a go-needs program (its CA pool, zoneinfo, user lookup, temp dir and
//! cache directory must all work); it must exit 0. `gostatic image OUT` must say it starts.
//!
//! Needs root, skopeo, umoci and python3 (`.ci/run` installs them); otherwise it skips with the
//! reason printed. The chroot start is `stage_runs`'s (`Stage::run`).
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

use super::slim::{SLIMMABLE, image_fixture, image_json, slim_to};
use super::stage_runs::{Stage, host_arch, missing_tool, run};

#[test]
fn every_slim_image_starts_its_selftest_under_umoci_and_a_chroot() {
    if let Some(reason) = missing_tool() {
        eprintln!("slim_runs: skipped: {reason}");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut ran = 0;
    let mut selftests = 0;
    for (n, (source, select)) in SLIMMABLE.into_iter().enumerate() {
        let label = format!("{source} {}", select.join(" "));
        let before = image_json(&image_fixture(source), select);
        let arch = before["images"][0]["platform"]["architecture"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if arch != host_arch() {
            eprintln!(
                "slim_runs: {label}: skipped: a {arch} image on a {} host",
                host_arch()
            );
            continue;
        }
        let dir = work.path().join(n.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("slim.tar");
        slim_to(source, select, &out, &[]);
        let again = dir.join("again.tar");
        slim_to(source, select, &again, &[]);
        assert!(
            std::fs::read(&out).unwrap() == std::fs::read(&again).unwrap(),
            "{label}: two runs wrote different bytes"
        );
        let after = image_json(&out, &[]);
        assert_eq!(after["images"][0]["verdict"]["starts"], "yes", "{label}");

        let layout = format!("{}:slim", dir.join("layout").display());
        run(Command::new("skopeo").args([
            "copy",
            "--quiet",
            &format!("oci-archive:{}", out.display()),
            &format!("oci:{layout}"),
        ]));
        let bundle = dir.join("bundle");
        run(Command::new("umoci")
            .args(["unpack", "--image", &layout])
            .arg(&bundle));
        let spec: Value =
            serde_json::from_slice(&std::fs::read(bundle.join("config.json")).unwrap()).unwrap();
        let process = &spec["process"];
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
                .unwrap_or_default()
        };
        let env: BTreeMap<String, String> = strings(&process["env"])
            .into_iter()
            .filter_map(|l| l.split_once('=').map(|(k, v)| (k.into(), v.into())))
            .collect();
        let stage = Stage {
            root: bundle.join("rootfs"),
            env,
            user: format!(
                "{}:{}",
                process["user"]["uid"].as_u64().unwrap(),
                process["user"]["gid"].as_u64().unwrap()
            ),
            workdir: process["cwd"].as_str().unwrap_or("/").to_string(),
            argv: strings(&process["args"]),
        };
        stage.replace_stand_ins();
        match stage.run() {
            Ok(output) => {
                eprintln!("slim_runs: {label}: exit 0: {}", output.trim());
                ran += 1;
                selftests += usize::from(output.contains("selftest: ok"));
            }
            Err(why) => panic!("{label}: the slim image did not start: {why}"),
        }
    }
    assert!(ran > 0, "no slim image was run");
    assert!(selftests > 0, "no slim image ran a -selftest");
}
