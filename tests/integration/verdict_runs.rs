//! The image verdict against the runtime: for every image of `testdata/image`, the configured
//! command is started in a chroot of the image's own filesystem (skopeo + umoci, as
//! `stage_runs` unpacks it) as the config's user, the way runc's init does, and whether the
//! process started must be what `images[].verdict.starts` says. `yes`: the kernel exec'd it
//! and its loader found everything (the program may then exit as it likes); `no`: runc would
//! fail first (the user cannot be resolved, nothing to exec, exec fails) or ld.so refuses
//! ("error while loading shared libraries", a missing symbol version). `unknown` verdicts and
//! images of another architecture are reported and skipped.
//!
//! Root only, with skopeo, umoci and python3; skipped with the reason printed otherwise.
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;

use crate::stage_runs::{Stage, host_arch, images, missing_tool, report, unpack};

/// runc's init, told apart from the program: a failure before or at exec exits 111 with
/// `gostatic-start:` on stderr.
const START: &str = r#"
import json, os, sys
spec = json.loads(sys.argv[1])
def fail(why):
    sys.stderr.write("gostatic-start: " + why + "\n")
    sys.exit(111)
os.chroot(spec["root"])
os.chdir(spec["cwd"])
os.setgroups([])
os.setgid(spec["gid"])
os.setuid(spec["uid"])
argv, env = spec["argv"], spec["env"]
if not argv:
    fail("no command")
path = argv[0]
if "/" not in path:
    found = [os.path.join(d or ".", path) for d in env.get("PATH", "").split(":")]
    found = [c for c in found if os.path.isfile(c) and os.access(c, os.X_OK)]
    if not found:
        fail(path + ": not found in PATH")
    path = found[0]
try:
    os.execve(path, argv, env)
except OSError as e:
    fail("exec " + path + ": " + e.strerror)
"#;

/// Did the command start? `Err` says why not.
fn starts(image: &Stage) -> Result<String, String> {
    let identity = image.identity()?;
    let (status, text) = image.spawn(START, &image.argv, identity, 10);
    let refused = text.contains("gostatic-start: ")
        || text.contains("error while loading shared libraries")
        || text.contains("not found (required by");
    if refused {
        Err(text.trim().to_string())
    } else {
        Ok(format!("{} ({status})", text.trim()))
    }
}

#[test]
fn the_image_verdict_says_what_a_chroot_exec_of_the_command_shows() {
    if let Some(reason) = missing_tool() {
        eprintln!("verdict_runs: skipped: {reason}");
        return;
    }
    let host_arch = host_arch();
    let work = tempfile::tempdir().unwrap();
    let (mut compared, mut wrong) = (0, Vec::new());
    for (n, (archive, select)) in images().into_iter().enumerate() {
        let (image, label) = report(&archive, &select);
        let image = &image;
        let verdict = image["verdict"]["starts"].as_str().unwrap_or_default();
        let arch = image["platform"]["architecture"]
            .as_str()
            .unwrap_or_default();
        if verdict == "unknown" || arch != host_arch {
            eprintln!("verdict_runs: {label}: skipped: starts {verdict}, {arch} on {host_arch}");
            continue;
        }
        let dir = work.path().join(n.to_string());
        let rootfs = unpack(&archive, &select, image, &dir);
        let config = &image["config"];
        let words = |key: &str| -> Vec<String> {
            config[key]
                .as_array()
                .map(|a| a.iter().map(|w| w.as_str().unwrap().to_string()).collect())
                .unwrap_or_default()
        };
        let entrypoint = words("entrypoint");
        let argv = if entrypoint.is_empty() {
            words("cmd")
        } else {
            entrypoint.into_iter().chain(words("cmd")).collect()
        };
        let env: BTreeMap<String, String> = words("env")
            .iter()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let workdir = config["workdir"].as_str().unwrap_or_default();
        let original = Stage {
            root: rootfs,
            env,
            user: config["user"].as_str().unwrap_or_default().to_string(),
            workdir: if workdir.is_empty() {
                "/".into()
            } else {
                workdir.into()
            },
            argv,
        };
        original.replace_stand_ins();
        let outcome = starts(&original);
        eprintln!("verdict_runs: {label}: verdict {verdict}, run: {outcome:?}");
        compared += 1;
        if (verdict == "yes") != outcome.is_ok() {
            wrong.push(format!(
                "{label}: verdict starts {verdict}, but the run: {outcome:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(compared > 0, "no image was compared");
}
