//! The suggested final stages, run. For every image of `testdata/image`, `gostatic image
//! --format json` gives `images[].size.dockerfile`; the test builds that stage in a directory
//! and starts its command in a chroot as the stage's user, the way runc would, and expects
//! exit 0. An image for which gostatic prints no stage must say why (`no_stage_reason`).
//!
//! Independent of gostatic's own reading: the source image's final filesystem is what
//! `skopeo copy` + `umoci raw unpack` make of the archive; the stage is built from the
//! Dockerfile lines as BuildKit applies them (`COPY --from` follows the source's symlinks and
//! keeps a directory's inner symlinks, `--chmod`, `COPY <<EOF` heredocs, `WORKDIR` makes its
//! directory); the command is started by python3 doing what runc's init does: chroot, chdir to
//! the working directory, drop supplementary groups, setgid, setuid, then execve with the
//! config's environment (runc's default PATH when it sets none, HOME from the stage's passwd).
//! A program built with `-selftest` (go-needs) is given it, so the run also proves that its CA
//! pool, zoneinfo, user lookup, temp dir and a directory in its `os.UserCacheDir` work.
//! `WORKDIR` makes its directory as BuildKit does, owned by the `USER` in force.
//!
//! The loader and libc of `scratch-dynamic-libs` are stand-ins (they cannot run, and real
//! glibc is a third-party binary we do not commit): the test puts the host's own files in
//! their place, at the paths the stage copied.
//!
//! Needs root (chroot, setuid) and skopeo, umoci and python3 (`.ci/run` installs them);
//! anything else skips with the reason printed. Images of another architecture are skipped.
//! What each stage printed is reported on stderr (`--nocapture` shows it): the run's evidence.
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::gostatic;

/// runc's PATH when the config has none.
pub(super) const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Linux MAXSYMLINKS.
const MAX_HOPS: usize = 40;

/// What starts the command inside the stage, as runc's init would.
const START: &str = r#"
import json, os, sys
spec = json.loads(sys.argv[1])
os.chroot(spec["root"])
os.chdir(spec["cwd"])
os.setgroups([])
os.setgid(spec["gid"])
os.setuid(spec["uid"])
argv, env = spec["argv"], spec["env"]
path = argv[0]
if "/" not in path:
    # exec.LookPath, as runc runs it inside the container: the first executable file in PATH.
    found = [os.path.join(d or ".", path) for d in env.get("PATH", "").split(":")]
    found = [c for c in found if os.path.isfile(c) and os.access(c, os.X_OK)]
    if not found:
        sys.exit(path + ": not found in PATH " + env.get("PATH", ""))
    path = found[0]
os.execve(path, argv, env)
"#;

pub(super) fn missing_tool() -> Option<String> {
    let root = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&root.stdout).trim() != "0" {
        return Some("not root (chroot and setuid need it)".to_string());
    }
    for tool in ["skopeo", "umoci", "python3", "cp", "timeout"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!("{tool} is not installed"));
        }
    }
    None
}

/// Every image of every archive in testdata/image, as the records name them:
/// (archive, gostatic's selection flags, skopeo's reference and global flags).
pub(super) fn images() -> Vec<(String, Vec<String>)> {
    let records = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/image/records");
    let mut archives: Vec<PathBuf> = std::fs::read_dir(records)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    archives.sort();
    let mut out = Vec::new();
    for dir in archives {
        let archive = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                name.strip_suffix(".elf").map(str::to_string)
            })
            .collect();
        names.sort();
        let several = names.len() > 1;
        for name in names {
            let select = match name.strip_prefix("linux-") {
                Some(arch) => vec!["--platform".to_string(), format!("linux/{arch}")],
                None if several => vec!["--image".to_string(), name.clone()],
                None => Vec::new(),
            };
            out.push((format!("testdata/image/{archive}"), select));
        }
    }
    out
}

#[test]
fn every_suggested_final_stage_starts_in_a_chroot() {
    if let Some(reason) = missing_tool() {
        eprintln!("stage_runs: skipped: {reason}");
        return;
    }
    let host_arch = host_arch();
    let work = tempfile::tempdir().unwrap();
    let mut ran = 0;
    let mut failures = Vec::new();
    for (n, (archive, select)) in images().into_iter().enumerate() {
        let (image, label) = report(&archive, &select);
        let image = &image;
        let size = &image["size"];
        let lines: Vec<String> = size["dockerfile"]
            .as_array()
            .map(|a| a.iter().map(|l| l.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        if lines.is_empty() {
            let reason = size["no_stage_reason"].as_str().unwrap_or_default();
            assert!(!reason.is_empty(), "{label}: no stage and no reason");
            eprintln!("stage_runs: {label}: no stage: {reason}");
            continue;
        }
        let arch = image["platform"]["architecture"]
            .as_str()
            .unwrap_or_default();
        if arch != host_arch {
            eprintln!("stage_runs: {label}: skipped: a {arch} image on a {host_arch} host");
            continue;
        }
        let dir = work.path().join(n.to_string());
        let rootfs = unpack(&archive, &select, image, &dir);
        let stage = Stage::build(&lines, &rootfs, &dir.join("stage"));
        match stage.run() {
            Ok(output) => {
                eprintln!("stage_runs: {label}: exit 0: {}", output.trim());
                ran += 1;
                // The selftest can fail: without the stage's passwd, its user lookup does.
                if output.contains("selftest: ok") {
                    std::fs::remove_file(stage.at("/etc/passwd")).unwrap();
                    let without = stage.run();
                    assert!(
                        without.as_ref().is_err_and(|e| e.contains("user lookup")),
                        "{label} without /etc/passwd: {without:?}"
                    );
                }
            }
            Err(why) => failures.push(format!("{label}: {why}\n  {}", lines.join("\n  "))),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ran > 0, "no stage was run");
}

/// The host's architecture as OCI names it.
pub(super) fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// `gostatic image --format json` of one image of a committed archive: its `images[0]`, and
/// `ARCHIVE NAME` to say which it is.
pub(super) fn report(archive: &str, select: &[String]) -> (Value, String) {
    let out = gostatic()
        .args(["image", "--format", "json", archive])
        .args(select)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let image = json["images"][0].clone();
    let label = format!("{archive} {}", image["name"].as_str().unwrap_or("?"));
    (image, label)
}

/// The source image's final filesystem, as skopeo and umoci make it.
pub(super) fn unpack(archive: &str, select: &[String], image: &Value, dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join(archive).display().to_string();
    let transport = if archive.ends_with(".docker.tar") {
        "docker-archive"
    } else if archive.ends_with(".oci.tar") {
        "oci-archive"
    } else {
        "oci"
    };
    let mut reference = format!("{transport}:{path}");
    let mut global = Vec::new();
    match select.first().map(String::as_str) {
        Some("--image") => {
            reference = format!("{reference}:{}", image["name"].as_str().unwrap());
        }
        Some("--platform") => {
            let arch = select[1].rsplit('/').next().unwrap();
            global = vec!["--override-arch".to_string(), arch.to_string()];
        }
        _ => {}
    }
    std::fs::create_dir_all(dir).unwrap();
    let layout = format!("{}:x", dir.join("layout").display());
    // umoci unpacks gzip layers only: zstd ones are recompressed.
    run(Command::new("skopeo").args(&global).args([
        "copy",
        "--quiet",
        "--dest-compress",
        "--dest-compress-format",
        "gzip",
        &reference,
        &format!("oci:{layout}"),
    ]));
    let rootfs = dir.join("rootfs");
    run(Command::new("umoci")
        .args(["raw", "unpack", "--image", &layout])
        .arg(&rootfs));
    rootfs
}

pub(super) fn run(command: &mut Command) {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A stage built in a directory, and how to start it.
pub(super) struct Stage {
    pub root: PathBuf,
    pub env: BTreeMap<String, String>,
    pub user: String,
    pub workdir: String,
    pub argv: Vec<String>,
}

impl Stage {
    fn build(lines: &[String], rootfs: &Path, root: &Path) -> Stage {
        std::fs::create_dir_all(root).unwrap();
        let mut stage = Stage {
            root: root.to_path_buf(),
            env: BTreeMap::new(),
            user: String::new(),
            workdir: "/".to_string(),
            argv: Vec::new(),
        };
        let (mut entrypoint, mut cmd) = (Vec::new(), Vec::new());
        let mut lines = lines.iter();
        assert_eq!(lines.next().map(String::as_str), Some("FROM scratch"));
        while let Some(line) = lines.next() {
            let (op, rest) = line.split_once(' ').unwrap();
            let words = || serde_json::from_str::<Vec<String>>(rest).unwrap();
            match op {
                "COPY" if rest.starts_with("<<EOF ") => {
                    let mut text = String::new();
                    for body in lines.by_ref().take_while(|l| *l != "EOF") {
                        text.push_str(body);
                        text.push('\n');
                    }
                    let dest = stage.at(&rest["<<EOF ".len()..]);
                    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
                    std::fs::write(&dest, text).unwrap();
                    set_mode(&dest, 0o644);
                }
                "COPY" => stage.copy(rest, rootfs),
                "ENV" => {
                    let (key, value) = rest.split_once('=').unwrap();
                    stage.env.insert(key.to_string(), value.to_string());
                }
                "USER" => stage.user = rest.to_string(),
                "WORKDIR" => {
                    stage.workdir = rest.to_string();
                    stage.mkdir_as_user(rest);
                }
                "ENTRYPOINT" => entrypoint = words(),
                "CMD" => cmd = words(),
                _ => panic!("unexpected line {line}"),
            }
        }
        stage.argv = entrypoint.into_iter().chain(cmd).collect();
        stage.replace_stand_ins();
        stage
    }

    /// `WORKDIR dir` as BuildKit makes it (`dispatchWorkdir` in dockerfile2llb/convert.go:
    /// `llb.Mkdir(wd, 0755, WithParents(true), WithUser(USER))`): the directory and its missing
    /// parents, mode 0755, owned by the `USER` in force; what exists is left alone.
    fn mkdir_as_user(&self, dir: &str) {
        let (uid, gid) = if self.user.is_empty() {
            (0, 0)
        } else {
            let (uid, gid, _) = self.identity().unwrap();
            (uid, gid)
        };
        let mut at = self.root.clone();
        for component in dir.split('/').filter(|c| !c.is_empty()) {
            at.push(component);
            if at.exists() {
                continue;
            }
            std::fs::create_dir(&at).unwrap();
            set_mode(&at, 0o755);
            std::os::unix::fs::chown(&at, Some(uid), Some(gid)).unwrap();
        }
    }

    /// A path of the stage, on the host.
    fn at(&self, path: &str) -> PathBuf {
        self.root.join(path.trim_start_matches('/'))
    }

    /// `COPY --from=<image> [--chmod=<mode>] <src> <dest>` (or the JSON array form).
    fn copy(&self, rest: &str, rootfs: &Path) {
        let mut words: Vec<&str> = rest.split(' ').collect();
        let chmod = words
            .iter()
            .find_map(|w| w.strip_prefix("--chmod="))
            .map(|m| u32::from_str_radix(m, 8).unwrap());
        words.retain(|w| !w.starts_with("--"));
        let (src, dest) = if words[0].starts_with('[') {
            let both: Vec<String> = serde_json::from_str(&words.join(" ")).unwrap();
            (both[0].clone(), both[1].clone())
        } else {
            (words[0].to_string(), words[1].to_string())
        };
        let real = resolve(rootfs, &src).unwrap_or_else(|| panic!("{src} is not in the image"));
        let target = self.at(&dest);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let meta = std::fs::metadata(&real).unwrap();
        if meta.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            let mut source = real.into_os_string();
            source.push("/.");
            run(Command::new("cp").arg("-a").arg(source).arg(&target));
        } else {
            std::fs::copy(&real, &target).unwrap();
        }
        set_mode(&target, chmod.unwrap_or(meta.permissions().mode() & 0o7777));
    }

    /// The fixtures' stand-in loader and libc, swapped for the host's own files.
    pub fn replace_stand_ins(&self) {
        let mut pending = vec![self.root.clone()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let kind = std::fs::symlink_metadata(&path).unwrap().file_type();
                if kind.is_dir() {
                    pending.push(path);
                    continue;
                }
                let stand_in = kind.is_file()
                    && std::fs::read(&path)
                        .unwrap()
                        .windows(17)
                        .any(|w| w == b"gostatic_stand_in");
                if !stand_in {
                    continue;
                }
                let name = path.file_name().unwrap();
                let host = [
                    "/lib/x86_64-linux-gnu",
                    "/lib64",
                    "/usr/lib/x86_64-linux-gnu",
                ]
                .iter()
                .map(|d| Path::new(d).join(name))
                .find(|p| p.exists())
                .unwrap_or_else(|| panic!("the host has no {name:?} to replace a stand-in"));
                eprintln!(
                    "stage_runs: the host's {} stands in for {}",
                    host.display(),
                    path.display()
                );
                std::fs::copy(host, &path).unwrap();
            }
        }
    }

    /// uid, gid and HOME of `USER`, as runc's GetExecUser finds them in the stage's files.
    pub fn identity(&self) -> Result<(u32, u32, String), String> {
        let passwd = std::fs::read_to_string(self.at("/etc/passwd")).unwrap_or_default();
        let group = std::fs::read_to_string(self.at("/etc/group")).unwrap_or_default();
        // runc: an empty USER (or user part) is uid 0.
        let (user, group_part) = match self.user.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (self.user.as_str(), None),
        };
        let user = if user.is_empty() { "0" } else { user };
        let entry = passwd
            .lines()
            .map(|l| l.split(':').collect::<Vec<_>>())
            .find(|f| {
                f.len() >= 7 && (f[0] == user || (user.parse::<u32>().is_ok() && f[2] == user))
            });
        let uid = match user.parse::<u32>() {
            Ok(uid) => uid,
            Err(_) => entry
                .as_ref()
                .ok_or(format!("user {user} is not in the stage's /etc/passwd"))?[2]
                .parse()
                .unwrap(),
        };
        let gid = match group_part {
            Some(g) => match g.parse::<u32>() {
                Ok(gid) => gid,
                Err(_) => group
                    .lines()
                    .map(|l| l.split(':').collect::<Vec<_>>())
                    .find(|f| f[0] == g)
                    .ok_or(format!("group {g} is not in the stage's /etc/group"))?[2]
                    .parse()
                    .unwrap(),
            },
            None => entry.as_ref().map_or(0, |f| f[3].parse().unwrap()),
        };
        let home = entry.map_or("/".to_string(), |f| f[5].to_string());
        Ok((uid, gid, home))
    }

    /// The program argv[0] names, as the start script will find it in the stage.
    fn program(&self) -> Option<PathBuf> {
        let name = self.argv.first()?;
        if name.contains('/') {
            let path = if name.starts_with('/') {
                name.clone()
            } else {
                format!("{}/{name}", self.workdir)
            };
            return resolve(&self.root, &path);
        }
        let list = self.env.get("PATH").map_or(DEFAULT_PATH, String::as_str);
        list.split(':')
            .find_map(|dir| resolve(&self.root, &format!("{dir}/{name}")))
    }

    /// Run `script` (runc's init, in python3) on `argv` as `identity` (uid, gid, HOME), with
    /// the stage's environment and runc's defaults, for at most `seconds`: its exit status and
    /// its stdout and stderr together.
    pub fn spawn(
        &self,
        script: &str,
        argv: &[String],
        identity: (u32, u32, String),
        seconds: u32,
    ) -> (std::process::ExitStatus, String) {
        let (uid, gid, home) = identity;
        let mut env = self.env.clone();
        env.entry("PATH".into()).or_insert(DEFAULT_PATH.into());
        env.entry("HOME".into()).or_insert(home);
        let spec = serde_json::json!({
            "root": self.root, "cwd": self.workdir, "uid": uid, "gid": gid,
            "argv": argv, "env": env,
        });
        let out = Command::new("timeout")
            .args([&seconds.to_string(), "python3", "-c", script])
            .arg(spec.to_string())
            .env_clear()
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status, text)
    }

    /// Start the command; its output on exit 0, else why it failed.
    pub(super) fn run(&self) -> Result<String, String> {
        let (uid, gid, home) = self.identity()?;
        let mut argv = self.argv.clone();
        let program = self.program().ok_or("the command is not in the stage")?;
        let bytes = std::fs::read(&program).unwrap();
        let selftest = bytes.windows(12).any(|w| w == b"selftest: ok");
        if selftest {
            argv.push("-selftest".to_string());
        }
        let (status, text) = self.spawn(START, &argv, (uid, gid, home), 30);
        if !status.success() {
            return Err(format!("{:?} exited with {status}: {text}", argv));
        }
        if selftest && !text.contains("selftest: ok") {
            return Err(format!("{argv:?}: no selftest verdict: {text}"));
        }
        Ok(text)
    }
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `path` inside `root` with every symlink followed inside it (absolute targets restart at
/// `root`, `..` stops there), as the kernel resolves it in a chroot; `None` if missing.
fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let mut pending: Vec<String> = path
        .split('/')
        .filter(|c| !c.is_empty())
        .rev()
        .map(str::to_string)
        .collect();
    let mut current: Vec<String> = Vec::new();
    let mut hops = 0;
    while let Some(component) = pending.pop() {
        match component.as_str() {
            "." => continue,
            ".." => {
                current.pop();
                continue;
            }
            _ => {}
        }
        current.push(component);
        let host = root.join(current.join("/"));
        let meta = std::fs::symlink_metadata(&host).ok()?;
        if meta.file_type().is_symlink() {
            hops += 1;
            if hops > MAX_HOPS {
                return None;
            }
            current.pop();
            let target = std::fs::read_link(&host).ok()?;
            let target = target.to_string_lossy();
            if target.starts_with('/') {
                current.clear();
            }
            pending.extend(
                target
                    .split('/')
                    .filter(|c| !c.is_empty())
                    .rev()
                    .map(str::to_string),
            );
        }
    }
    Some(root.join(current.join("/")))
}
