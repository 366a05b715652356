//! GS611 named-user, GS612 high-ids and GS613 file-capabilities through the real reader. The
//! capabilities are set by libcap's `setcap` on real files and archived by GNU tar with
//! `--xattrs` (the `SCHILY.xattr.security.capability` record runtimes apply); the oracle for
//! how each reads is `getcap` on the same files. Setting capabilities needs root (CI runs as
//! root); without it, or without setcap and getcap, that test says why it checked nothing.

// The skip reason goes to stderr, as the other root-only tests write it.
#![allow(clippy::print_stderr)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use gostatic::testkit::archive::{self as testkit, Compress, ImageSpec, TarBuilder};

use crate::util::{fixture, gostatic, image_of_layer, write};

fn messages(report: &Value, rule: &str) -> Vec<String> {
    report["images"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_named_user_and_high_owners_are_reported_from_the_archive() {
    let app = std::fs::read(fixture("go-static-stripped")).unwrap();
    let mut layer = TarBuilder::new();
    layer
        .dir("etc/")
        .file_mode(
            "etc/passwd",
            0o644,
            b"root:x:0:0::/root:/sbin/nologin\napp:x:1000:1000::/:/sbin/nologin\n",
        )
        .file_mode("etc/group", 0o644, b"root:x:0:\napp:x:1000:\n")
        .file_owned("app", 0o755, (100_999, 100_999), &app);
    let (report, code) = image_of_layer("named:1", &layer, |spec| spec.user = "app".into());
    assert_eq!(
        code, 0,
        "warnings do not fail the gate by default: {report}"
    );
    assert_eq!(
        messages(&report, "GS611"),
        [
            "USER app is a name: Kubernetes runAsNonRoot cannot verify it is not root and refuses \
          the pod (1000:1000 by number)"
        ]
    );
    assert_eq!(
        messages(&report, "GS612"),
        [
            "1 layer entry is owned by ids above 65535, which a rootless runtime or a Kubernetes \
          user namespace cannot map (largest uid 100999, gid 100999): /app 100999:100999 in \
          layer 0"
        ]
    );
    let (numeric, _) = image_of_layer("numeric:1", &layer, |spec| spec.user = "1000:1000".into());
    assert!(messages(&numeric, "GS611").is_empty(), "{numeric}");
}

fn run(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn missing_tool() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("not root: setcap needs CAP_SETFCAP".into());
    }
    for tool in ["setcap", "getcap", "tar"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!(
                "{tool} is not installed (Debian: libcap2-bin, tar)"
            ));
        }
    }
    None
}

fn gostatic_json(source: &Path) -> Value {
    let out = gostatic()
        .args(["image", "--format", "json"])
        .arg(source)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn file_capabilities_read_as_getcap_reads_them() {
    if let Some(why) = missing_tool() {
        eprintln!("image_privileges: skipped: {why}");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("rootfs");
    for dir in ["etc", "bin", "usr"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    let app = std::fs::read(fixture("go-static-stripped")).unwrap();
    let cases = [
        ("bin/bind", "cap_net_bind_service=ep"),
        ("bin/admin", "cap_net_admin,cap_net_raw+eip"),
        ("bin/permitted", "cap_sys_ptrace+p cap_kill+i"),
    ];
    for (name, caps) in cases {
        write(&root, name, &app);
        run(Command::new("chmod").arg("755").arg(root.join(name)));
        run(Command::new("setcap").arg(caps).arg(root.join(name)));
    }
    write(&root, "bin/plain", &app);
    // getcap's own words for every file, keyed by path in the image.
    let getcap = run(Command::new("getcap").arg("-r").arg(&root));
    let mut expected: Vec<String> = getcap
        .lines()
        .map(|line| {
            let (path, caps) = line.split_once(' ').unwrap();
            let image_path = path.strip_prefix(root.to_str().unwrap()).unwrap();
            format!("{image_path} has file capabilities {}", caps.trim())
        })
        .collect();
    expected.sort();
    assert_eq!(expected.len(), cases.len(), "{getcap}");

    let shown = |report: &Value| -> Vec<String> {
        messages(report, "GS613")
            .into_iter()
            .map(|m| m.split(';').next().unwrap().to_string())
            .collect()
    };
    let from_dir = gostatic_json(&root);
    assert_eq!(shown(&from_dir), expected, "{from_dir}");

    // The same files as GNU tar archives them with their xattrs, in an OCI archive.
    let layer_path = work.path().join("layer.tar");
    run(Command::new("tar")
        .args([
            "--xattrs",
            "--xattrs-include=security.capability",
            "--numeric-owner",
        ])
        .args(["--format=posix", "-cf"])
        .arg(&layer_path)
        .arg("-C")
        .arg(&root)
        .arg("."));
    let mut spec = ImageSpec::new("caps:1", vec![std::fs::read(&layer_path).unwrap()]);
    spec.compress = Compress::Gzip;
    spec.entrypoint = vec!["/bin/plain".into()];
    let archive = write(
        work.path(),
        "caps.oci.tar",
        &testkit::to_tar(&testkit::oci_layout(&[spec])),
    );
    let from_archive = gostatic_json(&archive);
    assert_eq!(shown(&from_archive), expected, "{from_archive}");
    // cap_net_admin is not in a default container's set and the effective bit is on.
    let admin = messages(&from_archive, "GS613")
        .into_iter()
        .find(|m| m.starts_with("/bin/admin"))
        .unwrap();
    assert!(
        admin.contains("lacks cap_net_admin, so its exec fails"),
        "{admin}"
    );
}
