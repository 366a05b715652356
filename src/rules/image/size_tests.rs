//! The size story on synthetic images: a static program, a dynamic one with its libraries, a Go
//! program with runtime files, a shell-wrapped entrypoint, and no entrypoint at all.

use super::*;
use crate::facts::FileFacts;
use crate::rules::image::libs;
use crate::testkit::elf::{Synth as Elf, go_needs, go_static};
use crate::testkit::image::Layer;
use crate::testkit::image::{Config, image};

fn story_of(img: &Image<FileFacts>) -> SizeStory {
    story(img, &Start::of(img), &libs::resolve_all(img))
}

fn whys(story: &SizeStory) -> Vec<(&str, &str)> {
    story
        .parts
        .iter()
        .map(|p| (p.path.as_str(), p.why.as_str()))
        .collect()
}

#[test]
fn a_static_program_on_scratch_is_the_program() {
    let app = go_static();
    let img = image(
        Layer::new()
            .file("app", &app)
            .file("usr/share/doc/big", &vec![7u8; 100_000]),
        Config::default(),
    );
    let story = story_of(&img);
    assert_eq!(whys(&story), [("/app", "entrypoint")]);
    assert_eq!(story.scratch_bytes, app.len() as u64);
    assert!(story.image_bytes > story.scratch_bytes + 100_000);
    assert_eq!(
        story.dockerfile,
        [
            "FROM scratch",
            "COPY --from=t:1 /app /app",
            "USER 65532",
            "ENTRYPOINT [\"/app\"]",
        ]
    );
}

#[test]
fn a_dynamic_program_brings_its_loader_and_libraries() {
    let libc = Elf::library("libc.so.6", &["ld-linux-x86-64.so.2"]).build();
    let img = image(
        Layer::new()
            .file(
                "srv/server",
                &Elf::program().needs(&["libc.so.6", "libv.so"]).build(),
            )
            .file(
                "lib64/ld-linux-x86-64.so.2",
                &Elf::library("ld-linux-x86-64.so.2", &[]).build(),
            )
            .file("lib/x86_64-linux-gnu/libc-2.36.so", &libc)
            .symlink("lib/x86_64-linux-gnu/libc.so.6", "libc-2.36.so")
            .file("etc/ld.so.conf", b"/opt/v\n")
            .file("etc/ld.so.cache", &[0u8; 300])
            .file("opt/v/libv.so", &Elf::library("libv.so", &[]).build()),
        Config {
            entrypoint: vec!["/srv/server".into()],
            cmd: vec!["--port".into(), "80".into()],
            user: String::new(),
            ..Config::default()
        },
    );
    let story = story_of(&img);
    assert_eq!(
        whys(&story),
        [
            ("/srv/server", "entrypoint"),
            ("/lib64/ld-linux-x86-64.so.2", "loader"),
            ("/lib/x86_64-linux-gnu/libc.so.6", "library"),
            ("/opt/v/libv.so", "library"),
            ("/etc/ld.so.cache", "ld-so-cache"),
            ("/etc/ld.so.conf", "ld-so-cache"),
        ]
    );
    assert_eq!(
        story.parts[2].bytes,
        libc.len() as u64,
        "the symlink's target"
    );
    assert_eq!(
        story.scratch_bytes,
        story.parts.iter().map(|p| p.bytes).sum::<u64>()
    );
    assert_eq!(
        story.dockerfile[1],
        "COPY --from=t:1 /srv/server /srv/server"
    );
    assert_eq!(
        story.dockerfile[3],
        "COPY --from=t:1 /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/libc.so.6"
    );
    assert_eq!(
        &story.dockerfile[7..],
        [
            "USER 65532:65532",
            "ENTRYPOINT [\"/srv/server\"]",
            "CMD [\"--port\", \"80\"]"
        ]
    );
}

#[test]
fn a_go_program_brings_the_runtime_files_the_image_has() {
    let img = image(
        Layer::new()
            .file("app", &go_needs())
            .symlink("etc/ssl/cert.pem", "certs/ca-certificates.crt")
            .file("etc/ssl/certs/ca-certificates.crt", &[b'c'; 1000])
            .file("usr/share/zoneinfo/Europe/Paris", &[b'z'; 300])
            .file("usr/share/zoneinfo/UTC", &[b'u'; 100])
            .file("etc/passwd", b"app:x:1000:1000::/:/sbin/nologin\n")
            .file("etc/group", b"app:x:1000:\n")
            .file("usr/bin/apt", &vec![1u8; 5000]),
        Config {
            user: "app".into(),
            env: vec!["ZONEINFO=/usr/share/zoneinfo".into()],
            ..Config::default()
        },
    );
    let story = story_of(&img);
    assert_eq!(
        whys(&story),
        [
            ("/app", "entrypoint"),
            ("/etc/ssl/certs/ca-certificates.crt", "ca-certificates"),
            ("/usr/share/zoneinfo", "zoneinfo"),
            ("/etc/passwd", "passwd"),
            ("/etc/group", "passwd"),
        ]
    );
    assert_eq!(story.parts[2].bytes, 400);
    assert!(
        story
            .dockerfile
            .contains(&"COPY --from=t:1 /usr/share/zoneinfo /usr/share/zoneinfo".to_string())
    );
    assert!(
        story
            .dockerfile
            .contains(&"ENV ZONEINFO=/usr/share/zoneinfo".to_string())
    );
    // Ids, not the name: starting needs no lookup; the passwd copied has them for os/user.
    assert!(story.dockerfile.contains(&"USER 1000:1000".to_string()));
}

#[test]
fn a_simple_shell_entrypoint_becomes_exec_form() {
    let img = image(
        Layer::new()
            .file("bin/sh", &Elf::static_program().build())
            .file("app", &go_static()),
        Config {
            entrypoint: vec!["/bin/sh".into(), "-c".into(), "exec app --port 80".into()],
            env: vec!["PATH=/bin:/".into()],
            ..Config::default()
        },
    );
    let story = story_of(&img);
    assert_eq!(whys(&story), [("/app", "entrypoint")]);
    assert_eq!(
        story.dockerfile.last().unwrap(),
        "ENTRYPOINT [\"/app\", \"--port\", \"80\"]"
    );
}

#[test]
fn without_an_entrypoint_the_go_programs_are_kept() {
    let mut img = image(
        Layer::new()
            .file("usr/local/bin/a", &go_static())
            .file("usr/bin/c-tool", &Elf::static_program().build())
            .file("src/testdata/b", &go_static()),
        Config {
            entrypoint: Vec::new(),
            ..Config::default()
        },
    );
    img.name = "sha256:0123456789ab".into();
    let story = story_of(&img);
    assert_eq!(whys(&story), [("/usr/local/bin/a", "executable")]);
    // A stage with no command would not start either: it is not printed, and says why.
    assert!(story.dockerfile.is_empty());
    let reason = story.no_stage_reason.unwrap();
    assert!(reason.contains("GS603"), "{reason}");
}

#[test]
fn nothing_to_keep_leaves_only_the_image_size() {
    let img = image(Layer::new().file("etc/hostname", b"x\n"), Config::default());
    let story = story_of(&img);
    assert!(story.image_bytes > 0);
    assert!(story.parts.is_empty() && story.dockerfile.is_empty());
    assert!(story.no_stage_reason.unwrap().contains("no Go program"));
}

/// The suggested final stage as an image: every COPY'd path with the bytes `content` gives it,
/// owned by root, with its mode (or the `--chmod`), and the stage's USER, ENV, WORKDIR,
/// ENTRYPOINT and CMD.
fn stage_image(
    img: &Image<FileFacts>,
    story: &SizeStory,
    content: &dyn Fn(&str) -> Vec<u8>,
) -> Image<FileFacts> {
    let mut tar = Layer::new();
    let mut config = Config {
        entrypoint: Vec::new(),
        user: String::new(),
        env: Vec::new(),
        ..Config::default()
    };
    let mut workdir = String::new();
    let mut cmd = Vec::new();
    for line in &story.dockerfile {
        let (op, rest) = line.split_once(' ').unwrap();
        let argv = |text: &str| serde_json::from_str::<Vec<String>>(text).unwrap();
        match op {
            "COPY" => {
                let words: Vec<&str> = rest.split(' ').collect();
                let path = *words.last().unwrap();
                let mode = if rest.contains("--chmod=0755") {
                    0o755
                } else {
                    img.tree.resolve(path).unwrap().1.mode
                };
                tar.file_owned(path.trim_start_matches('/'), mode, (0, 0), &content(path));
            }
            "ENV" => config.env.push(rest.to_string()),
            "USER" => config.user = rest.to_string(),
            "WORKDIR" => workdir = rest.to_string(),
            "ENTRYPOINT" => config.entrypoint = argv(rest),
            "CMD" => cmd = argv(rest),
            _ => {}
        }
    }
    config.cmd = cmd;
    let mut stage = image(&tar, config);
    stage.config.working_dir = workdir;
    stage
}

/// The stage starts by GS602's and GS603's own judgement.
fn assert_stage_starts(img: &Image<FileFacts>, content: &dyn Fn(&str) -> Vec<u8>) -> SizeStory {
    let story = story_of(img);
    assert!(!story.dockerfile.is_empty());
    let stage = stage_image(img, &story, content);
    let start = Start::of(&stage);
    assert!(start.user.resolves(), "{:?}", story.dockerfile);
    assert!(
        start.command.problem.is_none(),
        "{:?}: {:?}",
        story.dockerfile,
        start.command.problem
    );
    story
}

fn user_line(story: &SizeStory) -> &str {
    story
        .dockerfile
        .iter()
        .find(|l| l.starts_with("USER "))
        .unwrap()
}

#[test]
fn root_in_any_spelling_becomes_the_nonroot_user() {
    for user in ["root", "0:0", "0", ""] {
        let app = go_static();
        let img = image(
            Layer::new()
                .file("app", &app)
                .file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"),
            Config {
                user: user.into(),
                ..Config::default()
            },
        );
        let story = assert_stage_starts(&img, &|_| app.clone());
        assert_eq!(user_line(&story), "USER 65532:65532", "{user}");
    }
}

#[test]
fn a_program_the_user_cannot_execute_is_copied_with_chmod() {
    let app = go_static();
    let img = image(
        Layer::new().file_owned("app", 0o700, (0, 0), &app),
        Config {
            user: "1000".into(),
            ..Config::default()
        },
    );
    let story = assert_stage_starts(&img, &|_| app.clone());
    assert_eq!(
        story.dockerfile[1],
        "COPY --from=t:1 --chmod=0755 /app /app"
    );
    assert_eq!(user_line(&story), "USER 1000");
}

#[test]
fn a_user_the_image_lacks_is_not_suggested() {
    let app = go_static();
    let img = image(
        Layer::new().file("app", &app),
        Config {
            user: "app".into(),
            ..Config::default()
        },
    );
    let story = assert_stage_starts(&img, &|_| app.clone());
    assert_eq!(user_line(&story), "USER 65532:65532");
}

#[test]
fn a_named_user_becomes_its_ids_and_starts() {
    let app = go_static();
    let passwd = b"app:x:1000:1000::/home/app:/sbin/nologin\n".to_vec();
    let group = b"app:x:1000:\n".to_vec();
    let img = image(
        Layer::new()
            .file_owned("app", 0o750, (0, 1000), &app)
            .file("etc/passwd", &passwd)
            .file("etc/group", &group),
        Config {
            user: "app".into(),
            ..Config::default()
        },
    );
    let story = assert_stage_starts(&img, &|path| match path {
        "/etc/passwd" => passwd.clone(),
        "/etc/group" => group.clone(),
        _ => app.clone(),
    });
    assert_eq!(user_line(&story), "USER 1000:1000");
    // The group bit would do in the image, but the copy may be root's: chmod.
    assert_eq!(
        story.dockerfile[1],
        "COPY --from=t:1 --chmod=0755 /app /app"
    );
}

#[test]
fn a_program_found_through_an_unusual_path_keeps_its_name_and_path() {
    let app = go_static();
    let img = image(
        Layer::new()
            .file("opt/app/server", &app)
            .symlink("opt/bin/server", "../app/server"),
        Config {
            entrypoint: vec!["server".into()],
            env: vec!["PATH=/opt/bin:/bin".into()],
            ..Config::default()
        },
    );
    let story = assert_stage_starts(&img, &|_| app.clone());
    assert_eq!(whys(&story), [("/opt/bin/server", "entrypoint")]);
    assert!(
        story
            .dockerfile
            .contains(&"ENV PATH=/opt/bin:/bin".to_string())
    );
}

#[test]
fn the_usual_stages_start_too() {
    let app = go_static();
    for config in [
        Config::default(),
        Config {
            entrypoint: vec!["/bin/sh".into(), "-c".into(), "exec app --port 80".into()],
            env: vec!["PATH=/bin:/".into()],
            user: String::new(),
            ..Config::default()
        },
    ] {
        let img = image(
            Layer::new()
                .file("bin/sh", &Elf::static_program().build())
                .file("app", &app),
            config,
        );
        assert_stage_starts(&img, &|_| app.clone());
    }
}
