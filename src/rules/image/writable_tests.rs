//! GS506/GS507 in an image: which temp dir and HOME the process gets, and whether its user may
//! write them.

use super::*;
use crate::gobin::analysis::{NEEDS, NeedKind};
use crate::testkit::image::{Config, Layer, image};

const PASSWD: &[u8] =
    b"root:x:0:0:root:/root:/sbin/nologin\napp:x:10001:10001::/home/app:/sbin/nologin\n";

fn config(user: &str, env: &[&str]) -> Config {
    Config {
        user: user.to_string(),
        env: env.iter().map(|e| e.to_string()).collect(),
        ..Config::default()
    }
}

fn tmp_of(layer: &Layer, user: &str, env: &[&str]) -> Result<Provision, String> {
    let img = image(layer, config(user, env));
    tmp(&img, &Start::of(&img))
}

fn home_need(evidence: &[&str]) -> RuntimeNeed {
    let spec = *NEEDS.iter().find(|s| s.kind == NeedKind::Home).unwrap();
    RuntimeNeed {
        spec,
        evidence: evidence.iter().map(|e| e.to_string()).collect(),
        embedded_evidence: Vec::new(),
        files_required: true,
        implementation: None,
    }
}

fn home_of(
    layer: &Layer,
    user: &str,
    env: &[&str],
    evidence: &[&str],
) -> Result<Provision, String> {
    let img = image(layer, config(user, env));
    home(&img, &Start::of(&img), &home_need(evidence))
}

#[test]
fn scratch_has_no_tmp() {
    let err = tmp_of(Layer::new().file("app", b"x"), "65532", &[]).unwrap_err();
    assert_eq!(err, "the image has no /tmp");
}

#[test]
fn a_sticky_world_writable_tmp_does_for_anyone() {
    let layer = Layer::new().dir_mode("tmp", 0o1777).clone();
    let ok = tmp_of(&layer, "65532", &[]).unwrap();
    assert_eq!(ok.paths, ["/tmp"]);
    assert!(ok.env.is_empty());
}

#[test]
fn a_root_owned_tmp_only_does_for_root() {
    let layer = Layer::new().dir_mode("tmp", 0o755).clone();
    assert_eq!(
        tmp_of(&layer, "65532", &[]).unwrap_err(),
        "/tmp is mode 0755, owned by 0:0, not writable by uid 65532"
    );
    assert!(tmp_of(&layer, "0", &[]).is_ok());
    assert!(tmp_of(&layer, "", &[]).is_ok());
}

#[test]
fn the_owner_or_group_write_bit_counts() {
    let owned = Layer::new().dir_owned("tmp", 0o700, (65532, 65532)).clone();
    assert!(tmp_of(&owned, "65532", &[]).is_ok());
    assert!(tmp_of(&owned, "10001", &[]).is_err());
    let group = Layer::new().dir_owned("tmp", 0o770, (0, 65532)).clone();
    assert!(tmp_of(&group, "65532:65532", &[]).is_ok());
    assert!(tmp_of(&group, "65532:1", &[]).is_err());
    let read_only = Layer::new().dir_owned("tmp", 0o555, (65532, 65532)).clone();
    assert!(tmp_of(&read_only, "65532", &[]).is_err());
}

#[test]
fn tmp_may_be_a_symlink_inside_the_root() {
    let layer = Layer::new()
        .dir("var")
        .dir_mode("var/tmp", 0o1777)
        .symlink("tmp", "var/tmp")
        .clone();
    assert!(tmp_of(&layer, "65532", &[]).is_ok());
    let file = Layer::new().file_mode("tmp", 0o777, b"").clone();
    assert_eq!(
        tmp_of(&file, "65532", &[]).unwrap_err(),
        "/tmp is not a directory"
    );
}

/// os.TempDir takes a non-empty $TMPDIR and never falls back to /tmp (os/file_unix.go).
#[test]
fn tmpdir_replaces_tmp() {
    let layer = Layer::new()
        .dir_mode("tmp", 0o1777)
        .dir_owned("data", 0o700, (65532, 0))
        .clone();
    let ok = tmp_of(&layer, "65532", &["TMPDIR=/data"]).unwrap();
    assert_eq!(ok.paths, ["/data"]);
    assert_eq!(ok.env, ["TMPDIR=/data"]);
    assert_eq!(
        tmp_of(&layer, "65532", &["TMPDIR=/nope"]).unwrap_err(),
        "the image has no TMPDIR=/nope"
    );
    // Empty is unset.
    assert!(tmp_of(&layer, "65532", &["TMPDIR="]).is_ok());
}

/// runc sets HOME to `/` for a uid without a passwd line, and only root may write `/`.
#[test]
fn the_default_home_is_the_root_which_only_root_may_write() {
    let layer = Layer::new().file("app", b"x").clone();
    let err = home_of(&layer, "65532", &[], &["os.UserCacheDir"]).unwrap_err();
    assert_eq!(
        err,
        "HOME is / (the runtime's default: /etc/passwd has no uid 65532), which is mode 0755, owned by 0:0, not writable by uid 65532"
    );
    assert!(home_of(&layer, "", &[], &["os.UserCacheDir"]).is_ok());
}

#[test]
fn the_passwd_home_must_exist_and_be_the_users() {
    let mut layer = Layer::new();
    layer.dir("etc").file_mode("etc/passwd", 0o644, PASSWD);
    let err = home_of(&layer, "app", &[], &["os.UserHomeDir"]).unwrap_err();
    assert_eq!(
        err,
        "HOME is /home/app (uid 10001's /etc/passwd home), which is not in the image"
    );
    layer
        .dir("home")
        .dir_owned("home/app", 0o700, (10001, 10001));
    assert!(home_of(&layer, "app", &[], &["os.UserHomeDir"]).is_ok());
    assert!(home_of(&layer, "10001", &[], &["os.UserConfigDir"]).is_ok());
}

#[test]
fn an_existing_cache_dir_under_a_read_only_home_does() {
    let layer = Layer::new()
        .dir("home")
        .dir_owned("home/app", 0o555, (10001, 10001))
        .dir_owned("home/app/.cache", 0o700, (10001, 10001))
        .clone();
    let env = ["HOME=/home/app"];
    assert!(home_of(&layer, "10001", &env, &["os.UserCacheDir"]).is_ok());
    let err = home_of(&layer, "10001", &env, &["os.UserConfigDir"]).unwrap_err();
    assert_eq!(
        err,
        "HOME=/home/app, which is mode 0555, owned by 10001:10001, not writable by uid 10001"
    );
}

/// os.UserCacheDir reads $XDG_CACHE_HOME before $HOME and refuses a relative one (os/file.go).
#[test]
fn xdg_variables_come_first() {
    let layer = Layer::new().dir_mode("cache", 0o1777).clone();
    let env = ["XDG_CACHE_HOME=/cache"];
    let ok = home_of(&layer, "65532", &env, &["os.UserCacheDir"]).unwrap();
    assert_eq!(ok.env, ["XDG_CACHE_HOME=/cache"]);
    // UserHomeDir still reads HOME, which is / here.
    assert!(
        home_of(
            &layer,
            "65532",
            &env,
            &["os.UserCacheDir", "os.UserHomeDir"]
        )
        .is_err()
    );
    let err = home_of(
        &layer,
        "65532",
        &["XDG_CACHE_HOME=cache"],
        &["os.UserCacheDir"],
    )
    .unwrap_err();
    assert_eq!(
        err,
        "XDG_CACHE_HOME=cache is relative, which os.UserCacheDir refuses"
    );
}

#[test]
fn a_home_from_the_config_is_kept_for_the_stage() {
    let layer = Layer::new().dir_mode("data", 0o1777).clone();
    let ok = home_of(&layer, "65532", &["HOME=/data"], &["os.UserHomeDir"]).unwrap();
    assert_eq!(ok.env, ["HOME=/data"]);
    assert!(ok.paths.is_empty());
}

#[test]
fn an_unknown_user_is_taken_on_trust() {
    let layer = Layer::new().file("app", b"x").clone();
    assert!(home_of(&layer, "ghost", &[], &["os.UserHomeDir"]).is_ok());
}
