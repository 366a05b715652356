//! GS501–GS503, GS506, GS507 on images built around the `go-needs` fixture (CA roots, zoneinfo,
//! os/user, a temp file, a cache directory).

use super::*;
use crate::testkit::elf::go_needs;
use crate::testkit::image::Layer;
use crate::testkit::image::{Config, image};

fn run(layer: &Layer, config: Config) -> FileUpdate {
    let img = image(layer, config);
    let mut evaluation = Collected::default();
    check(&img, &Start::of(&img), &mut evaluation);
    assert_eq!(evaluation.file_updates.len(), 1, "{evaluation:?}");
    evaluation.file_updates.remove(0)
}

fn passwd() -> &'static [u8] {
    b"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n"
}

#[test]
fn an_empty_image_turns_every_need_into_an_error() {
    let update = run(Layer::new().file("app", &go_needs()), Config::default());
    assert_eq!(
        update.drop,
        [
            Rule::NeedsCaCertificates,
            Rule::NeedsZoneinfo,
            Rule::NeedsPasswd,
            Rule::NeedsTmp,
            Rule::NeedsHome,
        ]
    );
    let rules: Vec<Rule> = update.add.iter().map(|f| f.rule).collect();
    assert_eq!(rules, update.drop);
    assert!(update.add.iter().all(|f| f.severity == Severity::Error));
    let ca = &update.add[0].message;
    assert!(
        ca.starts_with(
            "verifies TLS certificates with the system roots and embeds no fallback roots ("
        ),
        "{ca}"
    );
    assert!(
        ca.ends_with(": the image has none of /etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt, /etc/ssl/ca-bundle.pem and 3 more, and /etc/ssl/certs, /etc/pki/tls/certs hold no files"),
        "{ca}"
    );
    assert!(
        update.add[1]
            .message
            .ends_with(": the image has no time zone files in /usr/share/zoneinfo, /usr/share/lib/zoneinfo, /usr/lib/locale/TZ, /etc/zoneinfo"),
        "{}",
        update.add[1].message
    );
    assert!(
        update.add[2]
            .message
            .ends_with(": the image has no /etc/passwd"),
        "{}",
        update.add[2].message
    );
    assert_eq!(
        update.add[3].message,
        "creates temporary files (os.CreateTemp): the image has no /tmp"
    );
    assert_eq!(
        update.add[4].message,
        "uses the home or cache directory (os.UserCacheDir, os.UserHomeDir): HOME is / (the runtime's default: /etc/passwd has no uid 65532), which is mode 0755, owned by 0:0, not writable by uid 65532"
    );
    assert!(update.add[3].fix.contains("--chmod=1777 /tmp /tmp"));
    assert!(
        update.add[0]
            .fix
            .contains("COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/")
    );
}

#[test]
fn files_in_the_image_drop_the_notes() {
    let update = run(
        Layer::new()
            .file("app", &go_needs())
            .file(
                "etc/ssl/certs/ca-certificates.crt",
                b"-----BEGIN CERTIFICATE-----\n",
            )
            .file("usr/share/zoneinfo/Europe/Paris", b"TZif2")
            .file("etc/passwd", passwd())
            .file("etc/group", b"nonroot:x:65532:\n")
            .dir_mode("tmp", 0o1777)
            .dir("home")
            .dir_owned("home/nonroot", 0o700, (65532, 65532)),
        Config::default(),
    );
    assert_eq!(update.drop.len(), 5);
    assert!(update.add.is_empty(), "{:?}", update.add);
}

#[test]
fn environment_variables_redirect_the_lookups() {
    let update = run(
        Layer::new()
            .file("app", &go_needs())
            .file("certs/bundle.pem", b"-----BEGIN CERTIFICATE-----\n")
            .dir_owned("tz", 0o755, (65532, 65532))
            .file("tz/zoneinfo.zip", b"PK\x03\x04"),
        Config {
            env: vec![
                "SSL_CERT_FILE=/certs/bundle.pem".into(),
                "ZONEINFO=/tz/zoneinfo.zip".into(),
                "TZ=Europe/Paris".into(),
                "TMPDIR=/tz".into(),
                "XDG_CACHE_HOME=/tz".into(),
                "HOME=/tz".into(),
            ],
            ..Config::default()
        },
    );
    let rules: Vec<Rule> = update.add.iter().map(|f| f.rule).collect();
    assert_eq!(rules, [Rule::NeedsPasswd]);

    let broken = run(
        Layer::new().file("app", &go_needs()),
        Config {
            env: vec!["SSL_CERT_FILE=/nope.pem".into(), "TZ=UTC".into()],
            ..Config::default()
        },
    );
    assert!(
        broken.add[0]
            .message
            .ends_with(": SSL_CERT_FILE=/nope.pem is not a file in the image, and /etc/ssl/certs, /etc/pki/tls/certs hold no files"),
        "{}",
        broken.add[0].message
    );
    assert_eq!(
        broken.add[1].rule,
        Rule::NeedsZoneinfo,
        "TZ does not help LoadLocation"
    );
}

#[test]
fn a_cert_directory_counts_and_an_empty_bundle_does_not() {
    let update = run(
        Layer::new()
            .file("app", &go_needs())
            .file_mode("etc/ssl/certs/ca-certificates.crt", 0o644, b"")
            .file(
                "etc/pki/tls/certs/one.pem",
                b"-----BEGIN CERTIFICATE-----\n",
            ),
        Config::default(),
    );
    assert!(
        !update
            .add
            .iter()
            .any(|f| f.rule == Rule::NeedsCaCertificates)
    );
}

#[test]
fn passwd_must_know_the_configured_user() {
    let with = |user: &str| {
        run(
            Layer::new()
                .file("app", &go_needs())
                .file("etc/passwd", passwd()),
            Config {
                user: user.into(),
                ..Config::default()
            },
        )
        .add
        .into_iter()
        .filter(|f| f.rule == Rule::NeedsPasswd)
        .map(|f| f.message)
        .collect::<Vec<_>>()
    };
    assert!(with("65532:65532").is_empty());
    assert!(with("nonroot").is_empty());
    assert!(with("").is_empty(), "root is uid 0");
    let missing = with("1000");
    assert!(
        missing[0].ends_with(": the image's /etc/passwd has no entry for USER 1000"),
        "{missing:?}"
    );
    assert_eq!(with("app").len(), 1);
}
