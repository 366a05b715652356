//! `docker:NAME` and `podman:NAME`: an image read from a local engine through its API socket,
//! without the docker or podman CLI. The Engine API's `GET /images/{name}/get` answers with the
//! image as a `docker save` tarball (moby `api/server/router/image`, podman's compat handler in
//! `pkg/api/server/register_images.go`, route `/images/{name:.*}/get`, so a name's slashes need
//! no escaping); the body is streamed into the same reader stdin uses, never written to disk.
//!
//! The socket: for docker, `DOCKER_HOST` when it is `unix://PATH`, else `/var/run/docker.sock`
//! (the docker CLI's default); for podman, `CONTAINER_HOST` when it is `unix://PATH`, else the
//! rootless `$XDG_RUNTIME_DIR/podman/podman.sock` when it exists, else the rootful
//! `/run/podman/podman.sock` (podman-system-service(1)). `tcp://` and `ssh://` hosts are refused:
//! they need TLS or SSH, which this reader does not speak. The caller hands the variables in
//! ([`Endpoints`]): only the CLI reads the environment.
//!
//! HTTP/1.1 is written by hand: one GET, a status line, headers, and a body that is chunked
//! (RFC 9112 §7.1, as both engines send it) or delimited by Content-Length or the close.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use serde::Serialize;

use super::ImageError;

/// A local container engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    Docker,
    Podman,
}

impl Engine {
    pub fn prefix(self) -> &'static str {
        match self {
            Engine::Docker => "docker:",
            Engine::Podman => "podman:",
        }
    }
}

/// The environment that says where the engines listen: `DOCKER_HOST`, `CONTAINER_HOST`,
/// `XDG_RUNTIME_DIR`, as the CLI read them.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    pub docker_host: Option<String>,
    pub container_host: Option<String>,
    pub xdg_runtime_dir: Option<String>,
}

/// The socket of `engine`, as its own CLI would find it.
pub fn socket(engine: Engine, endpoints: &Endpoints) -> Result<PathBuf, ImageError> {
    let (host, variable) = match engine {
        Engine::Docker => (&endpoints.docker_host, "DOCKER_HOST"),
        Engine::Podman => (&endpoints.container_host, "CONTAINER_HOST"),
    };
    if let Some(host) = host.as_deref().filter(|h| !h.is_empty()) {
        return match host.strip_prefix("unix://") {
            Some(path) if !path.is_empty() => Ok(PathBuf::from(path)),
            _ => Err(ImageError::Daemon(format!(
                "{variable}={host}: only a unix:// socket can be read (no TLS or SSH here)"
            ))),
        };
    }
    Ok(match engine {
        Engine::Docker => PathBuf::from("/var/run/docker.sock"),
        Engine::Podman => endpoints
            .xdg_runtime_dir
            .as_deref()
            .map(|dir| PathBuf::from(dir).join("podman/podman.sock"))
            .filter(|path| path.exists())
            .unwrap_or_else(|| PathBuf::from("/run/podman/podman.sock")),
    })
}

/// Most header bytes read before the body; an error body read whole for its message.
const MAX_HEAD_BYTES: u64 = 64 * 1024;

/// Ask the engine at `socket` for image `name` as a `docker save` tarball: the body, streamed.
pub fn save(socket: &std::path::Path, name: &str) -> Result<Box<dyn Read>, ImageError> {
    let shown = socket.display();
    let stream = UnixStream::connect(socket)
        .map_err(|err| ImageError::Daemon(format!("cannot connect to {shown}: {err}")))?;
    let mut request = stream
        .try_clone()
        .map_err(|err| ImageError::Daemon(format!("{shown}: {err}")))?;
    write!(
        request,
        "GET /images/{}/get HTTP/1.1\r\nHost: localhost\r\nUser-Agent: gostatic\r\n\
         Accept: application/x-tar\r\nConnection: close\r\n\r\n",
        escape_path(name)
    )
    .map_err(|err| ImageError::Daemon(format!("{shown}: {err}")))?;
    response(BufReader::with_capacity(256 * 1024, stream), name)
}

/// The body of an HTTP response, or the engine's message when it is not a 200.
fn response<R: BufRead + 'static>(mut input: R, name: &str) -> Result<Box<dyn Read>, ImageError> {
    let bad = |what: &str| ImageError::Daemon(format!("bad response from the engine: {what}"));
    let mut head = (&mut input).take(MAX_HEAD_BYTES);
    let mut status_line = String::new();
    head.read_line(&mut status_line)
        .map_err(|e| bad(&e.to_string()))?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| bad(status_line.trim_end()))?;
    let mut chunked = false;
    let mut length = None;
    loop {
        let mut line = String::new();
        if head.read_line(&mut line).map_err(|e| bad(&e.to_string()))? == 0 {
            return Err(bad("the headers do not end"));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(bad(line));
        };
        let value = value.trim();
        if key.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        } else if key.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse::<u64>().map_err(|_| bad(line))?);
        }
    }
    let body: Box<dyn Read> = if chunked {
        Box::new(Chunked::new(input))
    } else if let Some(length) = length {
        Box::new(input.take(length))
    } else {
        Box::new(input)
    };
    if status == 200 {
        return Ok(body);
    }
    let mut text = Vec::new();
    let _ = body.take(MAX_HEAD_BYTES).read_to_end(&mut text);
    // Both engines answer errors as `{"message": "..."}`.
    let message = serde_json::from_slice::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| String::from_utf8_lossy(&text).trim().to_string());
    Err(ImageError::Daemon(format!(
        "the engine has no image '{name}' to give (HTTP {status}: {message})"
    )))
}

/// Percent-encode what a path segment cannot hold; `/` and `:` stay, as the route takes them.
fn escape_path(name: &str) -> String {
    let mut out = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~:@/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A chunked body (RFC 9112 §7.1): `SIZE[;ext]CRLF DATA CRLF` until a zero size and the
/// trailer section.
struct Chunked<R> {
    input: R,
    left: u64,
    done: bool,
}

impl<R: BufRead> Chunked<R> {
    fn new(input: R) -> Self {
        Chunked {
            input,
            left: 0,
            done: false,
        }
    }

    fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        (&mut self.input).take(4096).read_line(&mut line)?;
        if !line.ends_with('\n') {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the engine's response ends inside a chunk header",
            ));
        }
        Ok(line.trim_end().to_string())
    }
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let line = self.line()?;
            let size = line.split(';').next().unwrap_or_default().trim();
            self.left = u64::from_str_radix(size, 16).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("bad chunk size '{line}'"),
                )
            })?;
            if self.left == 0 {
                // The trailer section, up to its empty line.
                while !self.line()?.is_empty() {}
                self.done = true;
                return Ok(0);
            }
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.input.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the engine's response ends inside a chunk",
            ));
        }
        self.left -= n as u64;
        if self.left == 0 && !self.line()?.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a chunk is not followed by CRLF",
            ));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(response: &str) -> Result<Vec<u8>, String> {
        let input = BufReader::new(io::Cursor::new(response.as_bytes().to_vec()));
        let mut out = Vec::new();
        response_of(input)?
            .read_to_end(&mut out)
            .map_err(|e| e.to_string())?;
        Ok(out)
    }

    fn response_of(input: BufReader<io::Cursor<Vec<u8>>>) -> Result<Box<dyn Read>, String> {
        response(input, "app:1").map_err(|e| e.to_string())
    }

    #[test]
    fn chunked_length_and_close_delimited_bodies() {
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                       5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n";
        assert_eq!(body(chunked).unwrap(), b"hello world");
        let sized = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef";
        assert_eq!(body(sized).unwrap(), b"abc");
        let closed = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nall of it";
        assert_eq!(body(closed).unwrap(), b"all of it");
    }

    #[test]
    fn a_cut_or_malformed_chunked_body_is_an_error() {
        for bad in [
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        ] {
            assert!(body(bad).is_err(), "{bad:?}");
        }
        assert!(
            body("HTTP/1.1 200 OK\r\nServer: x").is_err(),
            "no end of headers"
        );
        assert!(body("garbage\r\n\r\n").is_err());
    }

    #[test]
    fn an_engine_error_says_its_message() {
        let not_found = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\
                         Content-Length: 48\r\n\r\n{\"message\":\"No such image: app:1\",\"x\":1234}";
        assert_eq!(
            body(not_found).unwrap_err(),
            "the engine has no image 'app:1' to give (HTTP 404: No such image: app:1)"
        );
    }

    #[test]
    fn sockets_follow_the_engines_own_defaults() {
        let none = Endpoints::default();
        assert_eq!(
            socket(Engine::Docker, &none).unwrap(),
            PathBuf::from("/var/run/docker.sock")
        );
        assert_eq!(
            socket(Engine::Podman, &none).unwrap(),
            PathBuf::from("/run/podman/podman.sock")
        );
        let runtime = tempfile::tempdir().unwrap();
        std::fs::create_dir(runtime.path().join("podman")).unwrap();
        std::fs::write(runtime.path().join("podman/podman.sock"), b"").unwrap();
        let rootless = Endpoints {
            xdg_runtime_dir: Some(runtime.path().display().to_string()),
            ..Endpoints::default()
        };
        assert_eq!(
            socket(Engine::Podman, &rootless).unwrap(),
            runtime.path().join("podman/podman.sock")
        );
        let hosts = Endpoints {
            docker_host: Some("unix:///tmp/d.sock".into()),
            container_host: Some("tcp://10.0.0.1:2375".into()),
            xdg_runtime_dir: None,
        };
        assert_eq!(
            socket(Engine::Docker, &hosts).unwrap(),
            PathBuf::from("/tmp/d.sock")
        );
        let err = socket(Engine::Podman, &hosts).unwrap_err().to_string();
        assert!(err.contains("CONTAINER_HOST=tcp://10.0.0.1:2375"), "{err}");
    }

    #[test]
    fn names_keep_slashes_and_colons_and_escape_the_rest() {
        assert_eq!(escape_path("localhost/app:1"), "localhost/app:1");
        assert_eq!(escape_path("a b?c#d%"), "a%20b%3Fc%23d%25");
    }
}
