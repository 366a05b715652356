//! The final stage as built and checked: each of the failures issue 10 found in the suggested
//! stage, on a synthetic image, and the check itself refusing stages that would not work.

use super::*;
use crate::rules::image::evaluate;
use crate::testkit::elf::{Synth as Elf, go_needs, go_static};
use crate::testkit::image::{Config, Layer, image};

fn words(w: &[&str]) -> Vec<String> {
    w.iter().map(|s| s.to_string()).collect()
}

/// The worker of the fixtures at /opt/app/bin/worker, with `more` members and this config.
fn worker_image(more: impl FnOnce(&mut Layer) -> &mut Layer, config: Config) -> Image<FileFacts> {
    let mut layer = Layer::new();
    layer.file("opt/app/bin/worker", &go_static());
    more(&mut layer);
    image(&layer, config)
}

fn stage_of(img: &Image<FileFacts>) -> (Vec<String>, Option<String>) {
    let size = evaluate(img).size.unwrap();
    (size.dockerfile, size.no_stage_reason)
}

fn has(lines: &[String], line: &str) -> bool {
    lines.iter().any(|l| l == line)
}

#[test]
fn a_symlinked_entrypoint_is_copied_under_the_name_the_command_uses() {
    let img = worker_image(
        |l| l.symlink("entrypoint", "/opt/app/bin/worker"),
        Config {
            entrypoint: words(&["/entrypoint"]),
            ..Config::default()
        },
    );
    let (lines, reason) = stage_of(&img);
    assert_eq!(reason, None);
    assert!(
        has(&lines, "COPY --from=t:1 /entrypoint /entrypoint"),
        "{lines:?}"
    );
    assert!(has(&lines, "ENTRYPOINT [\"/entrypoint\"]"));
}

#[test]
fn a_relative_command_keeps_its_working_directory() {
    let img = worker_image(
        |l| l,
        Config {
            entrypoint: Vec::new(),
            cmd: words(&["./bin/worker"]),
            working_dir: "/opt/app".into(),
            ..Config::default()
        },
    );
    let (lines, reason) = stage_of(&img);
    assert_eq!(reason, None);
    assert!(has(
        &lines,
        "COPY --from=t:1 /opt/app/bin/worker /opt/app/bin/worker"
    ));
    assert!(has(&lines, "WORKDIR /opt/app"), "{lines:?}");
    assert!(has(&lines, "CMD [\"./bin/worker\"]"));
}

#[test]
fn a_command_found_through_the_images_path_brings_env_path() {
    let img = worker_image(
        |l| l,
        Config {
            entrypoint: Vec::new(),
            cmd: words(&["worker"]),
            env: words(&["PATH=/opt/app/bin"]),
            ..Config::default()
        },
    );
    let (lines, reason) = stage_of(&img);
    assert_eq!(reason, None);
    assert!(has(&lines, "ENV PATH=/opt/app/bin"), "{lines:?}");
    assert!(has(&lines, "CMD [\"worker\"]"));
}

#[test]
fn the_shell_form_without_a_shell_becomes_exec_form() {
    let img = worker_image(
        |l| l,
        Config {
            entrypoint: Vec::new(),
            cmd: words(&["/bin/sh", "-c", "exec /opt/app/bin/worker --port 80"]),
            ..Config::default()
        },
    );
    let (lines, reason) = stage_of(&img);
    assert_eq!(reason, None);
    assert_eq!(
        lines.last().unwrap(),
        "ENTRYPOINT [\"/opt/app/bin/worker\", \"--port\", \"80\"]"
    );
}

#[test]
fn a_named_user_without_passwd_becomes_nonroot_ids() {
    let img = worker_image(
        |l| l,
        Config {
            entrypoint: words(&["/opt/app/bin/worker"]),
            user: "app".into(),
            ..Config::default()
        },
    );
    let (lines, reason) = stage_of(&img);
    assert_eq!(reason, None);
    assert!(has(&lines, "USER 65532:65532"), "{lines:?}");
}

/// go-needs with every run-time file, as root, and a passwd without the stage's 65532.
fn os_user_image(passwd: &[u8]) -> Image<FileFacts> {
    image(
        Layer::new()
            .file("usr/local/bin/needs", &go_needs())
            .file("etc/ssl/certs/ca-certificates.crt", b"pem")
            .file("usr/share/zoneinfo/Europe/Paris", b"TZif")
            .file("etc/passwd", passwd)
            .dir_mode("tmp", 0o1777),
        Config {
            entrypoint: words(&["/usr/local/bin/needs"]),
            user: String::new(),
            ..Config::default()
        },
    )
}

#[test]
fn a_program_that_looks_users_up_gets_a_passwd_with_the_stage_user() {
    let img = os_user_image(b"root:x:0:0:root:/root:/bin/sh\napp:x:10001:10001::/:/bin/sh\n");
    let (lines, reason) = stage_of(&img);
    assert_eq!(reason, None);
    assert!(has(&lines, "USER 65532:65532"));
    assert!(!has(&lines, "COPY --from=t:1 /etc/passwd /etc/passwd"));
    let heredoc = lines
        .iter()
        .position(|l| l == "COPY <<EOF /etc/passwd")
        .unwrap();
    assert_eq!(
        lines[heredoc + 2],
        "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin"
    );
    assert_eq!(lines[heredoc + 3], "EOF");
    // go-needs makes temp files: the image's /tmp, made 1777 whatever its mode; and it writes
    // under HOME, which the heredoc passwd makes /home/nonroot: made by WORKDIR after USER.
    assert!(
        has(&lines, "COPY --from=t:1 --chmod=1777 /tmp /tmp"),
        "{lines:?}"
    );
    let user = lines.iter().position(|l| l == "USER 65532:65532").unwrap();
    assert_eq!(
        lines[user + 1..user + 3],
        ["WORKDIR /home/nonroot", "WORKDIR /"]
    );

    // A passwd that has the user is copied instead.
    let img = os_user_image(b"nonroot:x:65532:65532::/:/sbin/nologin\n");
    let (lines, _) = stage_of(&img);
    assert!(
        has(&lines, "COPY --from=t:1 /etc/passwd /etc/passwd"),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|l| l.starts_with("COPY <<EOF")));
}

#[test]
fn a_dynamic_program_without_its_loader_has_no_stage() {
    let img = image(
        Layer::new().file("app", &Elf::program().needs(&["libc.so.6"]).build()),
        Config::default(),
    );
    let (lines, reason) = stage_of(&img);
    assert!(lines.is_empty());
    let reason = reason.unwrap();
    assert!(
        reason.contains("GS504") && reason.contains("libc.so.6"),
        "{reason}"
    );
}

#[test]
fn an_entrypoint_too_big_to_analyse_has_no_stage_and_no_zero_size() {
    let mut img = image(Layer::new().file("app", &go_static()), Config::default());
    let file = img.files.remove(0);
    img.skipped.push(crate::image::SkippedFile {
        image_path: file.image_path,
        layer: 0,
        size: file.size,
        reason: "over the limit".into(),
    });
    let size = evaluate(&img).size.unwrap();
    assert!(size.dockerfile.is_empty() && size.parts.is_empty());
    assert!(size.no_stage_reason.unwrap().contains("not analysed"));
}

#[test]
fn the_check_refuses_a_stage_that_would_not_start() {
    let img = image(Layer::new().file("app", &go_static()), Config::default());
    let good = Plan {
        from: "t:1".into(),
        copies: vec![CopyFrom {
            path: "/app".into(),
            chmod: None,
        }],
        user: "65532".into(),
        entrypoint: Some(words(&["/app"])),
        ..Plan::default()
    };
    assert_eq!(problems(&img, &good), Vec::<String>::new());
    let missing = Plan {
        entrypoint: Some(words(&["/server"])),
        ..good.clone()
    };
    assert!(problems(&img, &missing)[0].starts_with("GS603"));
    let named = Plan {
        user: "app".into(),
        ..good.clone()
    };
    assert!(problems(&img, &named)[0].starts_with("GS602"));
    // What is not copied is not there, whatever the source image has.
    let nothing = Plan {
        copies: Vec::new(),
        ..good
    };
    assert!(problems(&img, &nothing)[0].starts_with("GS603"));
}

#[test]
fn a_stage_image_has_the_copies_their_parents_and_the_heredocs() {
    let img = image(
        Layer::new()
            .file_mode("srv/app", 0o700, &go_static())
            .symlink("app", "srv/app"),
        Config::default(),
    );
    let plan = Plan {
        copies: vec![CopyFrom {
            path: "/app".into(),
            chmod: Some(0o755),
        }],
        heredocs: vec![Heredoc {
            path: "/etc/passwd".into(),
            text: "nonroot:x:65532:65532::/:/sbin/nologin\n".into(),
        }],
        workdir: Some("/work/dir".into()),
        ..Plan::default()
    };
    let stage = image_of(&img, &plan);
    let app = stage.tree.get("/app").unwrap();
    assert!(app.is_file() && app.mode == 0o755 && app.uid == 0);
    assert!(stage.tree.get("/srv").is_none());
    assert!(stage.tree.get("/work/dir").unwrap().is_dir());
    assert_eq!(
        stage.tree.read_small("/etc/passwd").unwrap(),
        b"nonroot:x:65532:65532::/:/sbin/nologin\n"
    );
    assert_eq!(stage.files.len(), 1);
    assert_eq!(stage.files[0].image_path, "/app");
    assert!(evaluate(&stage).size.is_some());
    assert!(
        plan.dockerfile()
            .contains(&"COPY --from= --chmod=0755 /app /app".to_string())
    );
}

#[test]
fn a_bare_uid_keeps_the_group_the_images_passwd_gave_it() {
    let passwd = b"app:x:1000:1000::/home/app:/sbin/nologin\n";
    let img = worker_image(
        |l| l.file("etc/passwd", passwd),
        Config {
            entrypoint: words(&["/opt/app/bin/worker"]),
            user: "1000".into(),
            ..Config::default()
        },
    );
    let (lines, _) = stage_of(&img);
    // The stage has no passwd (the worker looks no user up): runc would pick gid 0.
    assert!(has(&lines, "USER 1000:1000"), "{lines:?}");
    let img = worker_image(
        |l| l,
        Config {
            entrypoint: words(&["/opt/app/bin/worker"]),
            user: "1000".into(),
            ..Config::default()
        },
    );
    assert!(has(&stage_of(&img).0, "USER 1000"));
}

/// go-needs on an image without /tmp, whose passwd gives the stage's uid the home `/`: the
/// stage makes /tmp and /home/nonroot the user's with WORKDIR after USER (BuildKit), sets
/// HOME, and its check (the stage as an image) finds both writable.
#[test]
fn a_program_that_writes_gets_a_tmp_and_a_home_of_its_own() {
    let img = image(
        Layer::new()
            .file("usr/local/bin/needs", &go_needs())
            .file("etc/ssl/certs/ca-certificates.crt", b"pem")
            .file("usr/share/zoneinfo/Europe/Paris", b"TZif")
            .file("etc/passwd", b"nonroot:x:65532:65532::/:/sbin/nologin\n"),
        Config {
            entrypoint: words(&["/usr/local/bin/needs"]),
            working_dir: "/srv".into(),
            ..Config::default()
        },
    );
    let (lines, reason) = stage_of(&img);
    assert_eq!(reason, None);
    assert!(!lines.iter().any(|l| l.contains(" /tmp /tmp")), "{lines:?}");
    let Some(user) = lines.iter().position(|l| l.starts_with("USER ")) else {
        panic!("{lines:?}");
    };
    assert_eq!(
        lines[user - 1..user + 1],
        ["ENV HOME=/home/nonroot", "USER 65532:65532"],
        "{lines:?}"
    );
    assert_eq!(
        lines[user + 1..user + 4],
        ["WORKDIR /tmp", "WORKDIR /home/nonroot", "WORKDIR /srv"]
    );

    // The same lines as an image: the directories are the user's, the rest root's.
    let plan = Plan {
        user: "65532:65532".into(),
        dirs: words(&["/tmp", "/home/nonroot"]),
        workdir: Some("/srv".into()),
        ..Plan::default()
    };
    let stage = image_of(&img, &plan);
    let owner = |p: &str| {
        let n = stage.tree.get(p).unwrap();
        (n.mode, n.uid, n.gid)
    };
    assert_eq!(owner("/tmp"), (0o755, 65532, 65532));
    assert_eq!(owner("/home"), (0o755, 65532, 65532));
    assert_eq!(owner("/home/nonroot"), (0o755, 65532, 65532));
    assert_eq!(owner("/srv"), (0o755, 0, 0));
    assert_eq!(numeric_user("10001"), (10001, 0));
}

/// The image's passwd line decides the stage's HOME: its home when it has one (made by WORKDIR,
/// no ENV), runc's `/` when it is empty (then ENV HOME). go-needs also looks users up, so the
/// image's passwd, which has the uid, is copied.
#[test]
fn the_stage_home_is_the_passwd_home_unless_that_is_empty() {
    let with = |passwd: &[u8]| {
        let img = image(
            Layer::new()
                .file("usr/local/bin/needs", &go_needs())
                .file("etc/ssl/certs/ca-certificates.crt", b"pem")
                .file("usr/share/zoneinfo/Europe/Paris", b"TZif")
                .file("etc/passwd", passwd)
                .dir_mode("tmp", 0o1777),
            Config {
                entrypoint: words(&["/usr/local/bin/needs"]),
                user: "10001:10001".into(),
                ..Config::default()
            },
        );
        let (lines, reason) = stage_of(&img);
        assert_eq!(reason, None, "{lines:?}");
        lines
    };
    let lines = with(b"app:x:10001:10001::/data:/sbin/nologin\n");
    assert!(has(&lines, "WORKDIR /data"), "{lines:?}");
    assert!(
        !lines.iter().any(|l| l.starts_with("ENV HOME")),
        "{lines:?}"
    );
    let lines = with(b"app:x:10001:10001:::/sbin/nologin\n");
    assert!(has(&lines, "ENV HOME=/home/app"), "{lines:?}");
    assert!(has(&lines, "WORKDIR /home/app"), "{lines:?}");
}
