//! Docker's token authentication against the real registry: `docker-registry` configured with
//! `auth: token` trusts a certificate made here with `openssl`, and a token server written in
//! the test (a std `TcpListener` thread) issues the JWTs distribution 2.8 verifies
//! (`registry/auth/token/token.go`: RS256 signed, the signing certificate in the `x5c` header
//! chaining to `rootcertbundle`, `iss` and `aud` as configured, and `access` granting the
//! scope asked for). It grants pull and push to user `ci` with password `s3cret`, and pull
//! alone to anonymous requests on repository `public`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use base64::Engine as _;

use super::registry::{Registry, STATIC, found, json_of};

const ISSUER: &str = "gostatic-test-issuer";
const SERVICE: &str = "gostatic-test-registry";

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `openssl dgst -sha256 -sign KEY` of `input`: RS256, as JWS wants it.
fn sign(key: &Path, input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    out.stdout
}

/// The `access` claim for `scope=repository:NAME:ACTIONS` values, granted to `user`.
fn access(scopes: &[String], user: Option<&str>) -> serde_json::Value {
    let granted: Vec<serde_json::Value> = scopes
        .iter()
        .filter_map(|scope| {
            let mut parts = scope.splitn(3, ':');
            let (kind, name, actions) = (parts.next()?, parts.next()?, parts.next()?);
            let actions: Vec<&str> = actions
                .split(',')
                .filter(|a| user == Some("ci") || (name == "public" && *a == "pull"))
                .collect();
            Some(serde_json::json!({"type": kind, "name": name, "actions": actions}))
        })
        .collect();
    serde_json::Value::Array(granted)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// Who asked: the user of a Basic Authorization header if its password is right.
fn user_of(authorization: Option<&str>) -> Result<Option<String>, ()> {
    let Some(value) = authorization else {
        return Ok(None);
    };
    let encoded = value.strip_prefix("Basic ").ok_or(())?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| ())?;
    match String::from_utf8_lossy(&decoded).split_once(':') {
        Some(("ci", "s3cret")) => Ok(Some("ci".into())),
        _ => Err(()),
    }
}

/// Start the token server; returns its port and the requests' users as seen.
fn token_server(key: PathBuf, cert_der: Vec<u8>) -> (u16, Arc<Mutex<Vec<Option<String>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let users = Arc::new(Mutex::new(Vec::new()));
    let seen = users.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut authorization = None;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = header.split_once(':')
                    && k.eq_ignore_ascii_case("authorization")
                {
                    authorization = Some(v.trim().to_string());
                }
            }
            let query = target.split_once('?').map_or("", |(_, q)| q);
            let scopes: Vec<String> = query
                .split('&')
                .filter_map(|pair| pair.strip_prefix("scope="))
                .map(percent_decode)
                .collect();
            let (status, body) = match user_of(authorization.as_deref()) {
                Err(()) => (
                    "401 Unauthorized",
                    r#"{"details":"bad credentials"}"#.to_string(),
                ),
                Ok(user) => {
                    seen.lock().unwrap().push(user.clone());
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_secs();
                    let header = serde_json::json!({
                        "typ": "JWT",
                        "alg": "RS256",
                        "x5c": [base64::engine::general_purpose::STANDARD.encode(&cert_der)],
                    });
                    let claims = serde_json::json!({
                        "iss": ISSUER,
                        "sub": user.clone().unwrap_or_default(),
                        "aud": SERVICE,
                        "exp": now + 300,
                        "nbf": now - 10,
                        "iat": now,
                        "jti": format!("{now}-{}", seen.lock().unwrap().len()),
                        "access": access(&scopes, user.as_deref()),
                    });
                    let input = format!(
                        "{}.{}",
                        b64url(header.to_string().as_bytes()),
                        b64url(claims.to_string().as_bytes())
                    );
                    let signature = b64url(&sign(&key, input.as_bytes()));
                    let token = format!("{input}.{signature}");
                    ("200 OK", serde_json::json!({"token": token}).to_string())
                }
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (port, users)
}

#[test]
fn bearer_tokens_from_a_token_server_the_registry_trusts() {
    if !has_openssl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=gostatic-test-token", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success());
    let der = Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(&cert)
        .output()
        .unwrap();
    assert!(der.status.success());
    let (token_port, users) = token_server(key, der.stdout);
    let auth = format!(
        "auth:\n  token:\n    realm: http://127.0.0.1:{token_port}/token\n    service: {SERVICE}\n    \
         issuer: {ISSUER}\n    rootcertbundle: {}\n",
        cert.display()
    );
    let Some(registry) = Registry::start_with(&auth) else {
        return;
    };
    registry.push(STATIC, "app:1", &["--dest-creds", "ci:s3cret"]);
    registry.push(STATIC, "public:1", &["--dest-creds", "ci:s3cret"]);
    users.lock().unwrap().clear();
    // Anonymous: a token, but one that grants nothing on a private repository.
    let private = registry.name("app:1");
    let (code, refused) = json_of(&[&private], &[]);
    assert_eq!(code, Some(2), "{refused}");
    assert_eq!(refused["errors"][0]["kind"], "auth", "{refused}");
    // Anonymous pull of the public repository.
    let (code, public) = json_of(&[&registry.name("public:1")], &[]);
    assert_eq!(code, Some(0), "{public}");
    // With credentials, the token server sees the user and grants the pull.
    let env = [
        ("GOSTATIC_REGISTRY_USERNAME", "ci"),
        ("GOSTATIC_REGISTRY_PASSWORD", "s3cret"),
    ];
    let (code, pulled) = json_of(&[&private], &env);
    assert_eq!(code, Some(0), "{pulled}");
    assert_eq!(
        without_source(&pulled, &private),
        without_source(&public, &registry.name("public:1")),
        "the same image either way"
    );
    let seen = users.lock().unwrap().clone();
    assert!(seen.contains(&None), "{seen:?}");
    assert!(seen.contains(&Some("ci".into())), "{seen:?}");
    // Wrong credentials: the token endpoint says no.
    let wrong = [
        ("GOSTATIC_REGISTRY_USERNAME", "ci"),
        ("GOSTATIC_REGISTRY_PASSWORD", "nope"),
    ];
    let (code, refused) = json_of(&[&private], &wrong);
    assert_eq!(code, Some(2));
    let error = &refused["errors"][0];
    assert_eq!(error["kind"], "auth");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("the token endpoint"),
        "{error}"
    );
}

/// Whether openssl is installed; if not, says the test is skipped.
fn has_openssl() -> bool {
    let found = found("openssl");
    if !found {
        #[allow(clippy::print_stderr)] // say why the test did nothing
        {
            eprintln!("skipped: openssl not installed");
        }
    }
    found
}

fn without_source(json: &serde_json::Value, name: &str) -> String {
    json.to_string().replace(name, "SOURCE")
}

#[test]
fn tls_with_a_ca_file_or_an_insecure_registry() {
    if !has_openssl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A CA, and a server certificate for 127.0.0.1 it signs (webpki refuses a CA certificate
    // as the server's own).
    let path = |name: &str| dir.path().join(name);
    let openssl = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(dir.path())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "openssl {args:?}");
    };
    std::fs::write(
        path("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "leaf.ext",
        "-out",
        "cert.pem",
    ]);
    let tls = format!(
        "  tls:\n    certificate: {}\n    key: {}\n",
        path("cert.pem").display(),
        path("key.pem").display()
    );
    let Some(registry) = Registry::start_with(&tls) else {
        return;
    };
    registry.push(STATIC, "app:1", &[]);
    let reference = registry.name("app:1");
    // A certificate no root vouches for: HTTPS fails, and plain HTTP to a TLS server too; the
    // error says both.
    let (code, refused) = json_of(&[&reference], &[]);
    assert_eq!(code, Some(2), "{refused}");
    assert_eq!(refused["errors"][0]["kind"], "network", "{refused}");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("over HTTPS:"), "{message}");
    let ca = path("ca.pem").display().to_string();
    let (code, trusted) = json_of(&["--ca-file", &ca, &reference], &[]);
    assert_eq!(code, Some(0), "{trusted}");
    let host = format!("127.0.0.1:{}", registry.port);
    let (code, insecure) = json_of(&["--insecure-registry", &host, &reference], &[]);
    assert_eq!(code, Some(0), "{insecure}");
    assert_eq!(
        trusted.to_string(),
        insecure.to_string(),
        "the same image however it was trusted"
    );
}
