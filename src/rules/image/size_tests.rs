//! The size story on synthetic images: a static program, a dynamic one with its libraries, a Go
//! program with runtime files, a shell-wrapped entrypoint, and no entrypoint at all.

use super::*;
use crate::facts::FileFacts;
use crate::rules::image::libs;
use crate::testkit::elf::{Synth as Elf, go_needs, go_static};
use crate::testkit::image::Layer;
use crate::testkit::image::{Config, image};

fn story_of(img: &Image<FileFacts>) -> SizeStory {
    story(img, &libs::resolve_all(img))
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
        &story.dockerfile[6..],
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
    assert!(story.dockerfile.contains(&"USER app".to_string()));
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
    assert_eq!(
        story.dockerfile[1],
        "COPY --from=IMAGE /usr/local/bin/a /usr/local/bin/a"
    );
    assert_eq!(story.dockerfile.last().unwrap(), "USER 65532");
}

#[test]
fn nothing_to_keep_leaves_only_the_image_size() {
    let img = image(Layer::new().file("etc/hostname", b"x\n"), Config::default());
    let story = story_of(&img);
    assert!(story.image_bytes > 0);
    assert!(story.parts.is_empty() && story.dockerfile.is_empty());
}
