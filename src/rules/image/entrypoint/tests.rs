use super::super::accounts::Accounts;
use super::*;
use crate::testkit::image::{Config, Layer, image};

/// GS603's message (or `None`) for an image of `build` run as `user` with `entrypoint`/`cmd`.
fn judge(
    layer: &Layer,
    user: &str,
    entrypoint: Option<&[&str]>,
    cmd: Option<&[&str]>,
    env: &[&str],
    workdir: &str,
) -> Option<Finding> {
    let mut image = image(layer, Config::default());
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    image.config.user = user.to_string();
    image.config.entrypoint = entrypoint.map(words);
    image.config.cmd = cmd.map(words);
    image.config.env = words(env);
    image.config.working_dir = workdir.to_string();
    let accounts = Accounts::read(&image.tree);
    let user = ExecUser::resolve(&image.config.user, &accounts);
    let command = Command::resolve(&image, &user);
    let mut out = Vec::new();
    check(&command, &user, &mut out);
    assert!(out.len() <= 1);
    out.pop()
}

fn message(finding: Option<Finding>) -> Option<String> {
    finding.map(|f| f.message)
}

fn server() -> Layer {
    Layer::new().file_mode("server", 0o755, b"\x7fELF").clone()
}

#[test]
fn no_command_at_all_is_an_error() {
    let found = judge(&server(), "", None, None, &[], "");
    assert_eq!(
        message(found).as_deref(),
        Some("the image has no ENTRYPOINT or CMD: the runtime has nothing to start")
    );
    assert!(judge(&server(), "", Some(&[]), Some(&[]), &[], "").is_some());
}

#[test]
fn an_absolute_executable_is_fine_from_entrypoint_or_cmd() {
    assert!(judge(&server(), "", Some(&["/server"]), None, &[], "").is_none());
    assert!(judge(&server(), "", None, Some(&["/server", "-v"]), &[], "").is_none());
    // An empty Entrypoint list resets it: Cmd is the command.
    assert!(judge(&server(), "", Some(&[]), Some(&["/server"]), &[], "").is_none());
}

#[test]
fn a_missing_program_is_named_with_the_command() {
    let found = judge(
        &server(),
        "",
        Some(&["/app"]),
        Some(&["--port", "80"]),
        &[],
        "",
    )
    .unwrap();
    assert_eq!(
        found.message,
        r#"ENTRYPOINT ["/app"]: /app is not in the image"#
    );
    assert_eq!(found.image_path.as_deref(), Some("/app"));
    let found = judge(&server(), "", None, Some(&["/bin/app"]), &[], "");
    assert_eq!(
        message(found).as_deref(),
        Some(r#"CMD ["/bin/app"]: /bin/app is not in the image"#)
    );
}

#[test]
fn symlinks_are_followed_inside_the_root() {
    let build = Layer::new()
        .dir("usr/local/bin")
        .file_mode("opt/app/server", 0o755, b"x")
        .symlink("usr/local/bin/server", "../../../opt/app/server")
        .symlink("dangling", "/nowhere/server")
        .clone();
    assert!(judge(&build, "", Some(&["/usr/local/bin/server"]), None, &[], "").is_none());
    assert_eq!(
        message(judge(&build, "", Some(&["/dangling"]), None, &[], "")).as_deref(),
        Some(
            r#"ENTRYPOINT ["/dangling"]: /dangling is a symlink to /nowhere/server, which is not in the image"#
        )
    );
}

#[test]
fn directories_and_files_without_execute_bits_cannot_run() {
    let build = Layer::new()
        .dir("app")
        .file_mode("data", 0o644, b"x")
        .clone();
    assert_eq!(
        message(judge(&build, "", Some(&["/app"]), None, &[], "")).as_deref(),
        Some(r#"ENTRYPOINT ["/app"]: /app is a directory"#)
    );
    assert_eq!(
        message(judge(&build, "", Some(&["/data"]), None, &[], "")).as_deref(),
        Some(r#"ENTRYPOINT ["/data"]: /data is not executable (-rw-r--r-- 0:0)"#)
    );
}

#[test]
fn the_execute_bit_must_be_there_for_the_user_that_runs() {
    let build = Layer::new()
        .file_mode(
            "etc/passwd",
            0o644,
            b"root:x:0:0::/:/x\napp:x:1000:1000::/:/x\n",
        )
        .file_mode(
            "etc/group",
            0o644,
            b"root:x:0:\napp:x:1000:\nops:x:50:app\n",
        )
        .file_mode("root-only", 0o700, b"x")
        .file_owned("mine", 0o700, (1000, 1000), b"x")
        .file_owned("ops-only", 0o750, (0, 50), b"x")
        .clone();
    assert!(judge(&build, "", Some(&["/root-only"]), None, &[], "").is_none());
    assert_eq!(
        message(judge(&build, "65532", Some(&["/root-only"]), None, &[], "")).as_deref(),
        Some(
            r#"ENTRYPOINT ["/root-only"]: /root-only is not executable by USER 65532 (-rwx------ 0:0)"#
        )
    );
    assert!(judge(&build, "app", Some(&["/mine"]), None, &[], "").is_none());
    assert!(judge(&build, "1000", Some(&["/mine"]), None, &[], "").is_none());
    // Supplementary groups from /etc/group count, unless USER names the group.
    assert!(judge(&build, "app", Some(&["/ops-only"]), None, &[], "").is_none());
    assert!(judge(&build, "app:app", Some(&["/ops-only"]), None, &[], "").is_some());
}

#[test]
fn bare_names_are_searched_in_path() {
    let build = Layer::new()
        .file_mode("usr/bin/server", 0o755, b"x")
        .file_mode("opt/bin/tool", 0o644, b"x")
        .file_mode("bin/tool", 0o755, b"x")
        .clone();
    // The image's PATH, and Docker's default when it has none.
    assert!(judge(&build, "", Some(&["server"]), None, &["PATH=/usr/bin"], "").is_none());
    assert!(judge(&build, "", Some(&["server"]), None, &[], "").is_none());
    assert_eq!(
        message(judge(
            &build,
            "",
            Some(&["server"]),
            None,
            &["PATH=/opt/bin:/sbin"],
            ""
        ))
        .as_deref(),
        Some(r#"ENTRYPOINT ["server"]: server is not in any PATH directory (/opt/bin:/sbin)"#)
    );
    // A non-executable match moves the search on, as exec.LookPath does.
    assert!(
        judge(
            &build,
            "",
            Some(&["tool"]),
            None,
            &["PATH=/opt/bin:/bin"],
            ""
        )
        .is_none()
    );
    let found = judge(&build, "", Some(&["tool"]), None, &["PATH=/opt/bin"], "").unwrap();
    assert_eq!(
        found.message,
        r#"ENTRYPOINT ["tool"]: tool is found in PATH only as /opt/bin/tool is not executable (-rw-r--r-- 0:0)"#
    );
    assert_eq!(found.image_path.as_deref(), Some("/opt/bin/tool"));
}

#[test]
fn relative_paths_are_taken_from_the_working_directory() {
    let build = Layer::new().file_mode("srv/app/run", 0o755, b"x").clone();
    assert!(judge(&build, "", Some(&["./run"]), None, &[], "/srv/app").is_none());
    assert!(judge(&build, "", Some(&["app/run"]), None, &[], "/srv").is_none());
    assert_eq!(
        message(judge(&build, "", Some(&["./run"]), None, &[], "")).as_deref(),
        Some(r#"ENTRYPOINT ["./run"]: ./run (in WORKDIR /) is not in the image"#)
    );
}

#[test]
fn shell_form_needs_bin_sh() {
    let found = judge(
        &server(),
        "",
        Some(&["/bin/sh", "-c", "/server"]),
        None,
        &[],
        "",
    )
    .unwrap();
    // The registry's example, word for word.
    assert_eq!(found.message, Rule::Entrypoint.info().example);
    assert_eq!(found.image_path.as_deref(), Some("/bin/sh"));
    let with_shell = Layer::new().file_mode("bin/sh", 0o755, b"x").clone();
    assert!(
        judge(
            &with_shell,
            "",
            None,
            Some(&["/bin/sh", "-c", "x"]),
            &[],
            ""
        )
        .is_none()
    );
}

#[test]
fn a_script_needs_its_interpreter() {
    let build = Layer::new()
        .file_mode("entrypoint.sh", 0o755, b"#!/bin/bash -e\nexec /server\n")
        .file_mode("ok.sh", 0o755, b"#! /bin/sh\n")
        .file_mode("bin/sh", 0o755, b"x")
        .file_mode("env.sh", 0o755, b"#!/usr/bin/env bash\n")
        .clone();
    let found = judge(&build, "", Some(&["/entrypoint.sh"]), None, &[], "").unwrap();
    assert_eq!(
        found.message,
        r#"ENTRYPOINT ["/entrypoint.sh"]: /entrypoint.sh starts with #!/bin/bash -e, and /bin/bash is not in the image"#
    );
    assert!(judge(&build, "", Some(&["/ok.sh"]), None, &[], "").is_none());
    assert!(judge(&build, "", Some(&["/env.sh"]), None, &[], "").is_some());
}

#[test]
fn long_commands_are_cut_in_messages() {
    let long = "x".repeat(100);
    let found = judge(
        &server(),
        "",
        Some(&["/nope", &long, "b", "c", "d"]),
        None,
        &[],
        "",
    )
    .unwrap();
    assert!(
        found.message.starts_with(&format!(
            r#"ENTRYPOINT ["/nope", "{}…", "b", "c", …]: "#,
            "x".repeat(60)
        )),
        "{}",
        found.message
    );
}
