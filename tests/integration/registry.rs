//! `gostatic image REGISTRY/REPO:TAG` against a real registry: Debian's `docker-registry`
//! (distribution 2.8) started by each test on a free loopback port from a generated config,
//! once without auth and once with htpasswd Basic auth, with images pushed by `skopeo copy`
//! from the committed fixture archives. Skipped, saying why, where either program is absent
//! (`.ci/run` installs both). The protocol's edge cases a real registry cannot produce on
//! demand (a bearer token server, a tampered blob, 429, a redirect to another host) are in
//! `registry_fake.rs`.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::gostatic;

/// A running `docker-registry`, stopped on drop.
pub struct Registry {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn found(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Why the real-registry tests cannot run here, if they cannot.
fn missing() -> Option<String> {
    let absent: Vec<&str> = ["docker-registry", "skopeo"]
        .into_iter()
        .filter(|p| !found(p))
        .collect();
    (!absent.is_empty()).then(|| {
        format!(
            "skipped: {} not installed (apt-get install docker-registry skopeo)",
            absent.join(" and ")
        )
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Registry {
    /// Start a registry; with `htpasswd`, Basic auth against that file's users.
    pub fn start(htpasswd: Option<&Path>) -> Option<Registry> {
        let auth = htpasswd.map_or(String::new(), |file| {
            format!(
                "auth:\n  htpasswd:\n    realm: gostatic-test\n    path: {}\n",
                file.display()
            )
        });
        Registry::start_with(&auth)
    }

    /// Start a registry with `extra` appended to its config right after `http: addr:` (an
    /// `auth:` section, or the `http:` section's indented `tls:`).
    pub fn start_with(extra: &str) -> Option<Registry> {
        if let Some(reason) = missing() {
            #[allow(clippy::print_stderr)] // say why the test did nothing
            {
                eprintln!("{reason}");
            }
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
             http:\n  addr: 127.0.0.1:{port}\n{extra}",
            dir.path().join("data").display()
        );
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let registry = Registry {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "docker-registry did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(registry)
    }

    pub fn name(&self, repo: &str) -> String {
        format!("127.0.0.1:{}/{repo}", self.port)
    }

    /// `skopeo copy` a committed fixture archive into the registry as `repo`.
    pub fn push(&self, archive: &str, repo: &str, extra: &[&str]) {
        let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(archive);
        let out = Command::new("skopeo")
            .args(["copy", "--quiet", "--dest-tls-verify=false"])
            .args(extra)
            .arg(format!("oci-archive:{}", source.display()))
            .arg(format!("docker://{}", self.name(repo)))
            .output()
            .unwrap();
        assert!(out.status.success(), "skopeo: {out:?}");
    }
}

pub const STATIC: &str = "testdata/image/scratch-static.oci.tar";
const MULTIARCH: &str = "testdata/image/multiarch.oci.tar";

/// `gostatic image --format json ARGS` with no credentials around: exit code and document.
pub fn json_of(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, serde_json::Value) {
    let config = tempfile::tempdir().unwrap();
    let mut cmd = gostatic();
    cmd.env("DOCKER_CONFIG", config.path())
        .env("GOSTATIC_REGISTRY_RETRIES", "0")
        .args(["image", "--format", "json"])
        .args(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd.output().unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), json)
}

/// The report with the names it was given by replaced, so two sources of one image compare.
fn without_names(mut json: serde_json::Value, names: &[&str]) -> String {
    for section in json["images"].as_array_mut().unwrap() {
        section["format"] = "-".into();
    }
    let mut text = json.to_string();
    for name in names {
        text = text.replace(name, "SOURCE");
    }
    text
}

#[test]
fn a_pushed_image_reports_as_its_archive_and_by_digest() {
    let Some(registry) = Registry::start(None) else {
        return;
    };
    registry.push(STATIC, "app:1", &[]);
    let reference = registry.name("app:1");
    let (code, pulled) = json_of(&[&reference], &[]);
    assert_eq!(code, Some(0), "{pulled}");
    assert_eq!(pulled["images"][0]["format"], "registry");
    assert_eq!(pulled["files"].as_array().unwrap().len(), 1, "{pulled}");
    let archive = format!("oci-archive:{STATIC}");
    let (_, local) = json_of(&[&archive], &[]);
    let local_name = local["images"][0]["name"].as_str().unwrap().to_string();
    assert_eq!(
        without_names(pulled.clone(), &[&reference]),
        without_names(local, &[&archive, STATIC, &local_name]),
        "a pushed image reports as the archive it came from"
    );
    // By digest: the manifest digest the tag pull reported.
    let digest = pulled["images"][0]["manifest_digest"]
        .as_str()
        .expect("a manifest digest")
        .to_string();
    let by_digest = format!("{}@{digest}", registry.name("app"));
    let (code, pinned) = json_of(&[&by_digest], &[]);
    assert_eq!(code, Some(0), "{pinned}");
    assert_eq!(
        without_names(pinned, &[&by_digest]),
        without_names(pulled, &[&reference])
    );
    // A digest the registry does not hold, and a missing tag: not-found, exit 2, one line.
    let unknown = format!("{}@sha256:{}", registry.name("app"), "0".repeat(64));
    let missing = registry.name("app:nope");
    let (code, failed) = json_of(&[&unknown, &missing, &reference], &[]);
    assert_eq!(code, Some(2), "{failed}");
    let errors = failed["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{failed}");
    for error in errors {
        assert_eq!(error["kind"], "not-found", "{error}");
        assert!(!error["message"].as_str().unwrap().contains('\n'));
    }
    assert_eq!(
        failed["images"].as_array().unwrap().len(),
        1,
        "the good source is still reported"
    );
}

#[test]
fn a_multi_platform_index_needs_a_platform() {
    let Some(registry) = Registry::start(None) else {
        return;
    };
    registry.push(MULTIARCH, "multi:1", &["--all"]);
    let reference = registry.name("multi:1");
    let (code, ambiguous) = json_of(&[&reference], &[]);
    assert_eq!(code, Some(2));
    let message = ambiguous["errors"][0]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "index 1: 2 platforms, pick one with --platform: linux/amd64, linux/arm64"
    );
    for (platform, arch) in [("linux/arm64", "arm64"), ("linux/amd64", "amd64")] {
        let (code, picked) = json_of(&["--platform", platform, &reference], &[]);
        assert_eq!(code, Some(0), "{picked}");
        assert_eq!(picked["images"][0]["platform"]["architecture"], arch);
        // The same image as the archive read with the same --platform.
        let archive = format!("oci-archive:{MULTIARCH}");
        let (_, local) = json_of(&["--platform", platform, &archive], &[]);
        let local_name = local["images"][0]["name"].as_str().unwrap().to_string();
        assert_eq!(
            without_names(picked, &[&reference]),
            without_names(local, &[&archive, MULTIARCH, &local_name])
        );
    }
    let (code, none) = json_of(&["--platform", "linux/s390x", &reference], &[]);
    assert_eq!(code, Some(2));
    assert!(
        none["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no manifest for platform linux/s390x (available: linux/amd64, linux/arm64)"),
        "{none}"
    );
}

/// An htpasswd file (bcrypt, as distribution requires) made by `htpasswd -B`, if installed.
pub fn htpasswd(dir: &Path, user: &str, password: &str) -> Option<PathBuf> {
    if !found("htpasswd") {
        #[allow(clippy::print_stderr)] // say why the test did nothing
        {
            eprintln!("skipped: htpasswd not installed (apt-get install apache2-utils)");
        }
        return None;
    }
    let file = dir.join("htpasswd");
    let status = Command::new("htpasswd")
        .args(["-Bbc"])
        .arg(&file)
        .args([user, password])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    Some(file)
}

#[test]
fn basic_auth_from_each_credential_source() {
    let dir = tempfile::tempdir().unwrap();
    let Some(file) = htpasswd(dir.path(), "ci", "s3cret") else {
        return;
    };
    let Some(registry) = Registry::start(Some(&file)) else {
        return;
    };
    registry.push(STATIC, "app:1", &["--dest-creds", "ci:s3cret"]);
    let reference = registry.name("app:1");
    let (code, anonymous) = json_of(&[&reference], &[]);
    assert_eq!(code, Some(2));
    assert_eq!(anonymous["errors"][0]["kind"], "auth", "{anonymous}");
    let env = [
        ("GOSTATIC_REGISTRY_USERNAME", "ci"),
        ("GOSTATIC_REGISTRY_PASSWORD", "s3cret"),
    ];
    let (code, pulled) = json_of(&[&reference], &env);
    assert_eq!(code, Some(0), "{pulled}");
    let wrong = [
        ("GOSTATIC_REGISTRY_USERNAME", "ci"),
        ("GOSTATIC_REGISTRY_PASSWORD", "wrong"),
    ];
    let (code, refused) = json_of(&[&reference], &wrong);
    assert_eq!(code, Some(2));
    assert_eq!(refused["errors"][0]["kind"], "auth");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("the credentials were refused"),
        "{refused}"
    );
    // docker's config.json, `auths` with base64 user:password ("ci:s3cret").
    let config = tempfile::tempdir().unwrap();
    std::fs::write(
        config.path().join("config.json"),
        format!(
            r#"{{"auths":{{"127.0.0.1:{}":{{"auth":"Y2k6czNjcmV0"}}}}}}"#,
            registry.port
        ),
    )
    .unwrap();
    let out = gostatic()
        .env("DOCKER_CONFIG", config.path())
        .args(["image", "--format", "json", &reference])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // A credential helper (`credsStore`), run as `docker-credential-NAME get` with the server
    // URL on stdin; it answers only for this registry.
    let helpers = tempfile::tempdir().unwrap();
    let helper = helpers.path().join("docker-credential-gostatic-test");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nread url\n[ \"$1\" = get ] && [ \"$url\" = \"127.0.0.1:{}\" ] || \
             {{ echo 'credentials not found in native keychain'; exit 1; }}\n\
             echo '{{\"ServerURL\":\"'$url'\",\"Username\":\"ci\",\"Secret\":\"s3cret\"}}'\n",
            registry.port
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(
        config.path().join("config.json"),
        r#"{"credsStore":"gostatic-test"}"#,
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        helpers.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = gostatic()
        .env("DOCKER_CONFIG", config.path())
        .env("PATH", &path)
        .args(["image", "--format", "json", &reference])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // --username with --password-stdin.
    let out = gostatic()
        .env("DOCKER_CONFIG", dir.path())
        .args(["image", "--username", "ci", "--password-stdin", &reference])
        .write_stdin("s3cret\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn password_stdin_and_a_stdin_source_cannot_share_it() {
    let out = gostatic()
        .args(["image", "--username", "ci", "--password-stdin", "-"])
        .write_stdin("s3cret\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--password-stdin and a source on standard input (-) cannot both read it"),
        "{stderr}"
    );
    let out = gostatic()
        .env("GOSTATIC_REGISTRY_USERNAME", "ci")
        .args(["image", STATIC])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "one variable without the other");
    assert!(String::from_utf8_lossy(&out.stderr).contains("go together"));
}

#[test]
fn a_prefixed_name_that_is_no_reference_says_so() {
    let out = gostatic().args(["image", "registry:Foo"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Foo: 'Foo' is not a valid image reference\n"
    );
}
