//! The registry protocol's edge cases, against a registry written here (a std `TcpListener`
//! thread speaking just enough HTTP/1.1) because a real one cannot produce them on demand: the
//! bearer token flow against a token endpoint, a 429 with `Retry-After`, a blob redirected to
//! another host (blob storage), which must not receive the registry's `Authorization`, a
//! tampered blob (`digest-mismatch`) and a registry that never stops answering 429
//! (`rate-limited`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gostatic::testkit::archive::{Compress, ImageSpec, TarBuilder, add_oci_manifest};

use crate::util::gostatic;

const TOKEN: &str = "t0ken";

/// What the fake does.
#[derive(Clone, Copy, Default)]
struct Behaviour {
    /// Refusals (`busy`) before the manifest is served (`usize::MAX`: always).
    too_many: usize,
    /// Answer to the refused requests: 429 with Retry-After (false), or 503 (true).
    unavailable: bool,
    /// Blob storage serves other bytes than the manifest names.
    tamper: bool,
    /// The manifest is a Docker schema 1 one.
    schema1: bool,
    /// Blob storage sends the layer and then zeros until the client hangs up.
    endless: bool,
    /// `/v2/` answers 404: a web server, not a registry.
    no_api: bool,
}

/// One request as received: host it was sent to, path and query, Authorization header.
#[derive(Debug, Clone)]
struct Seen {
    host: &'static str,
    target: String,
    authorization: Option<String>,
}

struct Fake {
    registry_port: u16,
    storage_port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (key, value) in headers {
        head.push_str(&format!("{key}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

/// The request line's target and the headers (lowercased names).
fn request(stream: &TcpStream) -> Option<(String, BTreeMap<String, String>)> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let target = line.split_whitespace().nth(1)?.to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((key, value)) = line.split_once(':') {
            headers.insert(key.trim().to_lowercase(), value.trim().to_string());
        }
    }
    Some((target, headers))
}

fn serve(
    listener: TcpListener,
    host: &'static str,
    seen: Arc<Mutex<Vec<Seen>>>,
    handle: impl Fn(&str, &BTreeMap<String, String>, &mut TcpStream) + Send + 'static,
) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some((target, headers)) = request(&stream) else {
                continue;
            };
            seen.lock().unwrap().push(Seen {
                host,
                target: target.clone(),
                authorization: headers.get("authorization").cloned(),
            });
            handle(&target, &headers, &mut stream);
        }
    });
}

impl Fake {
    fn start(behaviour: Behaviour) -> Fake {
        let layer = TarBuilder::new()
            .file("app", b"#!/bin/sh\necho hi\n")
            .finish();
        let mut spec = ImageSpec::new("app:1", vec![layer]);
        spec.compress = Compress::Gzip;
        let mut files = Vec::new();
        let manifest_desc = add_oci_manifest(&mut files, &spec);
        let blobs: BTreeMap<String, Vec<u8>> = files
            .into_iter()
            .map(|(name, bytes)| (name.replace("blobs/sha256/", "sha256:"), bytes))
            .collect();
        let manifest_digest = manifest_desc["digest"].as_str().unwrap().to_string();
        let manifest: serde_json::Value = serde_json::from_slice(&blobs[&manifest_digest]).unwrap();
        let layer_digest = manifest["layers"][0]["digest"]
            .as_str()
            .unwrap()
            .to_string();
        // Other bytes of the same length: the digest, not the size, tells them apart.
        let tampered = {
            let other = TarBuilder::new()
                .file("app", b"#!/bin/sh\necho ho\n")
                .finish();
            Compress::Gzip.apply(&other)
        };
        let registry = TcpListener::bind("127.0.0.1:0").unwrap();
        // Blob storage on another loopback address: another host, as S3 is to a registry.
        let storage = TcpListener::bind("127.0.0.2:0").unwrap();
        let registry_port = registry.local_addr().unwrap().port();
        let storage_port = storage.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let layer_bytes = blobs[&layer_digest].clone();
        assert_eq!(tampered.len(), layer_bytes.len());
        serve(storage, "storage", seen.clone(), move |_, _, stream| {
            if behaviour.endless {
                // No Content-Length: the body ends when the connection does.
                let head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&layer_bytes);
                while stream.write_all(&[0; 1 << 16]).is_ok() {}
                return;
            }
            let body = if behaviour.tamper {
                &tampered
            } else {
                &layer_bytes
            };
            respond(stream, "200 OK", &[], body);
        });
        let limited = AtomicUsize::new(0);
        serve(
            registry,
            "registry",
            seen.clone(),
            move |target, headers, stream| {
                let bearer = format!("Bearer {TOKEN}");
                if target.starts_with("/token?") {
                    let body = format!(r#"{{"token":"{TOKEN}","expires_in":300}}"#);
                    return respond(stream, "200 OK", &[], body.as_bytes());
                }
                if headers.get("authorization") != Some(&bearer) {
                    let challenge = format!(
                        r#"Bearer realm="http://127.0.0.1:{registry_port}/token",service="fake""#
                    );
                    let body = br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#;
                    return respond(
                        stream,
                        "401 Unauthorized",
                        &[("WWW-Authenticate", challenge)],
                        body,
                    );
                }
                if target == "/v2/" && !behaviour.no_api {
                    return respond(stream, "200 OK", &[], b"{}");
                }
                if target == "/v2/app/manifests/1" {
                    let refused = limited.fetch_add(1, Ordering::SeqCst) < behaviour.too_many;
                    if refused && behaviour.unavailable {
                        return respond(stream, "503 Service Unavailable", &[], b"busy");
                    }
                    if refused {
                        let body =
                            br#"{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}"#;
                        return respond(
                            stream,
                            "429 Too Many Requests",
                            &[("Retry-After", "1".into())],
                            body,
                        );
                    }
                    if behaviour.schema1 {
                        let body = br#"{"schemaVersion":1,"name":"app","tag":"1","fsLayers":[]}"#;
                        let kind = "application/vnd.docker.distribution.manifest.v1+prettyjws";
                        return respond(stream, "200 OK", &[("Content-Type", kind.into())], body);
                    }
                    let kind = (
                        "Content-Type",
                        manifest["mediaType"].as_str().unwrap().to_string(),
                    );
                    return respond(stream, "200 OK", &[kind], &blobs[&manifest_digest]);
                }
                if let Some(digest) = target.strip_prefix("/v2/app/blobs/") {
                    if digest == layer_digest {
                        let hex = digest.trim_start_matches("sha256:");
                        let location = format!("http://127.0.0.2:{storage_port}/store/{hex}?sig=x");
                        return respond(
                            stream,
                            "307 Temporary Redirect",
                            &[("Location", location)],
                            b"",
                        );
                    }
                    if let Some(bytes) = blobs.get(digest) {
                        return respond(stream, "200 OK", &[], bytes);
                    }
                }
                respond(
                    stream,
                    "404 Not Found",
                    &[],
                    br#"{"errors":[{"code":"NOT_FOUND","message":"no"}]}"#,
                );
            },
        );
        Fake {
            registry_port,
            storage_port,
            seen,
        }
    }

    fn reference(&self) -> String {
        format!("127.0.0.1:{}/app:1", self.registry_port)
    }
}

fn pull(fake: &Fake, retries: &str) -> (Option<i32>, serde_json::Value, Duration) {
    let config = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = gostatic()
        .env("DOCKER_CONFIG", config.path())
        .env("GOSTATIC_REGISTRY_RETRIES", retries)
        .args(["image", "--format", "json", &fake.reference()])
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), json, started.elapsed())
}

#[test]
fn bearer_token_retry_after_and_a_redirect_without_authorization() {
    let fake = Fake::start(Behaviour {
        too_many: 1,
        ..Behaviour::default()
    });
    let (code, json, took) = pull(&fake, "2");
    assert!(json["errors"].as_array().unwrap().is_empty(), "{json}");
    assert_ne!(code, Some(2), "{json}");
    assert_eq!(json["images"].as_array().unwrap().len(), 1);
    assert!(
        took >= Duration::from_secs(1),
        "Retry-After: 1 was waited ({took:?})"
    );
    let seen = fake.seen.lock().unwrap().clone();
    let token_requests: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.target.starts_with("/token?"))
        .collect();
    assert_eq!(token_requests.len(), 1, "one token, shared: {seen:#?}");
    assert!(
        token_requests[0]
            .target
            .contains("scope=repository%3Aapp%3Apull")
            && token_requests[0].target.contains("service=fake"),
        "{:?}",
        token_requests[0]
    );
    assert_eq!(token_requests[0].authorization, None, "anonymous token");
    let stored: Vec<&Seen> = seen.iter().filter(|s| s.host == "storage").collect();
    assert_eq!(stored.len(), 1, "the redirect was followed: {seen:#?}");
    assert_eq!(
        stored[0].authorization, None,
        "Authorization is not forwarded to another host (port {})",
        fake.storage_port
    );
    let bearer = format!("Bearer {TOKEN}");
    let api: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.host == "registry" && s.target.starts_with("/v2/app/"))
        .collect();
    assert_eq!(api.len(), 4, "429, manifest, config, layer: {seen:#?}");
    assert!(
        api.iter()
            .all(|s| s.authorization.as_deref() == Some(bearer.as_str())),
        "the token goes with every request to the registry once the ping asked for it: {seen:#?}"
    );
}

#[test]
fn a_tampered_blob_is_a_digest_mismatch() {
    let fake = Fake::start(Behaviour {
        tamper: true,
        ..Behaviour::default()
    });
    let (code, json, _) = pull(&fake, "0");
    assert_eq!(code, Some(2), "{json}");
    assert_eq!(json["errors"][0]["kind"], "digest-mismatch", "{json}");
    assert!(
        json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("digest mismatch"),
        "{json}"
    );
}

#[test]
fn endless_429_is_rate_limited() {
    let fake = Fake::start(Behaviour {
        too_many: usize::MAX,
        ..Behaviour::default()
    });
    let (code, json, _) = pull(&fake, "1");
    assert_eq!(code, Some(2), "{json}");
    assert_eq!(json["errors"][0]["kind"], "rate-limited", "{json}");
    let message = json["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("HTTP 429 after 2 tries"), "{message}");
}

#[test]
fn a_schema_1_manifest_is_refused_with_a_clear_message() {
    let fake = Fake::start(Behaviour {
        schema1: true,
        ..Behaviour::default()
    });
    let (code, json, _) = pull(&fake, "0");
    assert_eq!(code, Some(2), "{json}");
    let message = json["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("Docker schema 1 manifests are not supported"),
        "{message}"
    );
}

#[test]
fn server_errors_are_retried_with_backoff_then_a_network_error() {
    let flaky = Fake::start(Behaviour {
        too_many: 2,
        unavailable: true,
        ..Behaviour::default()
    });
    let (code, json, took) = pull(&flaky, "2");
    assert_ne!(code, Some(2), "two 503s, two retries: {json}");
    assert!(
        took >= Duration::from_millis(1500),
        "0.5 s then 1 s of backoff ({took:?})"
    );
    let down = Fake::start(Behaviour {
        too_many: usize::MAX,
        unavailable: true,
        ..Behaviour::default()
    });
    let (code, json, _) = pull(&down, "1");
    assert_eq!(code, Some(2));
    assert_eq!(json["errors"][0]["kind"], "network", "{json}");
    let message = json["errors"][0]["message"].as_str().unwrap();
    assert_eq!(message, "manifest 1: HTTP 503 (busy)");
}

/// A body that never ends is read to one byte past its descriptor's size, then refused as
/// another blob than the manifest names, not streamed until the budget runs out.
#[test]
fn a_blob_longer_than_its_descriptor_is_cut_off_and_refused() {
    let fake = Fake::start(Behaviour {
        endless: true,
        ..Behaviour::default()
    });
    let (code, json, took) = pull(&fake, "0");
    assert_eq!(code, Some(2), "{json}");
    assert_eq!(json["errors"][0]["kind"], "digest-mismatch", "{json}");
    let message = json["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("size mismatch (the blob is longer than"),
        "{message}"
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn a_server_without_the_registry_api_says_so() {
    let fake = Fake::start(Behaviour {
        no_api: true,
        ..Behaviour::default()
    });
    let (code, json, _) = pull(&fake, "0");
    assert_eq!(code, Some(2), "{json}");
    assert_eq!(json["errors"][0]["kind"], "network", "{json}");
    let message = json["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("no registry API at /v2/ (not an OCI distribution registry)"),
        "{message}"
    );
}
