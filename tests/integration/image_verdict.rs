//! The image verdict on the committed images (testdata/image): what `gostatic image` answers
//! first, and that an image which cannot start fails the gate until its cause is allowed.

use serde_json::Value;

use crate::util::gostatic;

/// `gostatic image --format json ARGS` from the repository root: (exit code, the one image).
fn image(args: &[&str]) -> (i32, Value, Value) {
    let out = gostatic()
        .args(["image", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let images = json["images"].as_array().unwrap();
    assert_eq!(images.len(), 1, "{args:?}");
    (
        out.status.code().unwrap(),
        images[0]["verdict"].clone(),
        json,
    )
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// (archive, image, starts, runtime missing, scratch)
type Expected = (
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static [&'static str],
    &'static str,
);

#[test]
fn every_committed_image_gets_the_verdict_its_contents_decide() {
    let table: [Expected; 8] = [
        ("scratch-static.docker.tar", None, "yes", &[], "ready"),
        ("scratch-static.zstd.oci.tar", None, "yes", &[], "ready"),
        ("multiarch-arm64.docker.tar", None, "yes", &[], "ready"),
        ("layers.oci.tar", None, "yes", &[], "ready"),
        (
            "scratch-dynamic.docker.tar",
            Some("localhost/scratch-dynamic:latest"),
            "no",
            &[],
            "blocked",
        ),
        (
            "scratch-dynamic.docker.tar",
            Some("localhost/scratch-dynamic-libs:latest"),
            "yes",
            &[],
            "ready-with-files",
        ),
        (
            "needs.oci",
            Some("needs"),
            "no",
            // USER app cannot be resolved (no /etc/passwd): its HOME is unknown, not judged.
            &["ca-certificates", "zoneinfo", "passwd", "tmp"],
            "ready-with-files",
        ),
        (
            "needs.oci",
            Some("needs-fixed"),
            "yes",
            &[],
            "ready-with-files",
        ),
    ];
    for (archive, name, starts, missing, scratch) in table {
        let path = format!("testdata/image/{archive}");
        let mut args = vec![path.as_str()];
        if let Some(name) = name {
            args.extend(["--image", name]);
        }
        let (code, verdict, _) = image(&args);
        let at = format!("{archive} {name:?}: {verdict}");
        assert_eq!(verdict["starts"], starts, "{at}");
        assert_eq!(strings(&verdict["runtime_missing"]), missing, "{at}");
        assert_eq!(verdict["scratch"], scratch, "{at}");
        if starts == "no" {
            assert_eq!(code, 1, "an image that cannot start fails the gate: {at}");
            assert!(!strings(&verdict["start_reasons"]).is_empty(), "{at}");
        } else {
            assert!(strings(&verdict["start_reasons"]).is_empty(), "{at}");
        }
    }
}

#[test]
fn the_dynamic_image_fails_here_and_names_each_missing_file_once() {
    let (_, verdict, json) = image(&[
        "testdata/image/scratch-dynamic.docker.tar",
        "--image",
        "localhost/scratch-dynamic:latest",
    ]);
    assert_eq!(strings(&verdict["programs"]), ["/app"]);
    assert_eq!(verdict["base"], "distroless-base");
    let app = &json["files"][0];
    assert_eq!(app["verdict"]["here"]["runs"], "no");
    assert!(
        app["verdict"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("fails here: /app needs the ELF interpreter")
    );
    let errors: Vec<(&str, &str)> = app["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| (f["rule"].as_str().unwrap(), f["key"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            ("GS504", "/lib64/ld-linux-x86-64.so.2"),
            ("GS504", "libc.so.6")
        ]
    );
}

#[test]
fn allowing_the_cause_clears_the_error_but_not_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gostatic.toml");
    std::fs::write(
        &config,
        "[[allow]]\nimage-path = \"/app\"\nrules = [\"GS504\"]\nreason = \"the runtime image mounts glibc\"\n",
    )
    .unwrap();
    let (code, verdict, json) = image(&[
        "testdata/image/scratch-dynamic.docker.tar",
        "--image",
        "localhost/scratch-dynamic:latest",
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{}", json["summary"]);
    assert_eq!(json["summary"]["findings"]["error"], 0);
    assert_eq!(json["summary"]["images"]["will_not_start"], 1);
    assert_eq!(verdict["starts"], "no");
}

#[test]
fn text_puts_the_verdict_under_the_image_header() {
    let out = gostatic()
        .args([
            "image",
            "testdata/image/needs.oci",
            "--image",
            "needs-fixed",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "image needs-fixed (oci-layout, linux/amd64)");
    assert!(
        lines[1].starts_with("  starts: yes; runs clean; scratch: ready with "),
        "{text}"
    );
    // The image is fixed for starting; its USER is still a name Kubernetes cannot verify, and
    // the program's go.mod line keeps GOMAXPROCS blind to the CPU limit (GS407, a note).
    assert!(
        text.contains("warning[GS611 named-user] USER app is a name"),
        "{text}"
    );
    assert!(
        text.ends_with("1 image: 1 starts; 1 file: 0 ready, 1 ready if files are added, 0 blocked; 0 errors, 1 warning, 1 note\n"),
        "{text}"
    );
}

/// GS506/GS507 judged for the run user on the go-needs images (build-image.sh): `needs` has no
/// /tmp; `needs-fixed` adds a 1777 /tmp and app's home, owned by app; `stage-os-user` runs as
/// root, whose passwd home /root the image lacks. The final stages make what is missing.
#[test]
fn the_temp_dir_and_home_are_judged_for_the_run_user() {
    let errors = |json: &Value, rule: &str| -> Vec<String> {
        json["files"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["findings"].as_array().unwrap())
            .filter(|f| f["rule"] == rule && f["severity"] == "error")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, _, needs) = image(&["testdata/image/needs.oci", "--image", "needs"]);
    assert_eq!(
        errors(&needs, "GS506"),
        ["creates temporary files (os.CreateTemp): the image has no /tmp"]
    );

    let (_, verdict, fixed) = image(&["testdata/image/needs.oci", "--image", "needs-fixed"]);
    assert!(strings(&verdict["runtime_missing"]).is_empty(), "{verdict}");
    assert!(errors(&fixed, "GS506").is_empty() && errors(&fixed, "GS507").is_empty());
    let stage = strings(&fixed["images"][0]["size"]["dockerfile"]);
    assert!(
        stage.contains(&"COPY --from=needs-fixed --chmod=1777 /tmp /tmp"),
        "{stage:?}"
    );
    let user = stage.iter().position(|l| *l == "USER 10001:10001").unwrap();
    assert_eq!(
        stage[user + 1..user + 3],
        ["WORKDIR /home/app", "WORKDIR /"]
    );

    let (_, verdict, root) = image(&["testdata/image/stage.oci.tar", "--image", "stage-os-user"]);
    assert_eq!(strings(&verdict["runtime_missing"]), ["home"]);
    assert_eq!(
        errors(&root, "GS507"),
        [
            "uses the home or cache directory (os.UserCacheDir, os.UserHomeDir): HOME is /root (uid 0's /etc/passwd home), which is not in the image"
        ]
    );
    let stage = strings(&root["images"][0]["size"]["dockerfile"]);
    assert!(stage.contains(&"WORKDIR /home/nonroot"), "{stage:?}");
}
