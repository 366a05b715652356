//! Who to be at a registry: the credentials for a host, and the challenge a registry answers
//! with when it wants them.
//!
//! Credentials, first found wins (docs/registry.md):
//! 1. given on the command line or in the environment (`--username` with `--password-stdin`,
//!    `GOSTATIC_REGISTRY_USERNAME`/`GOSTATIC_REGISTRY_PASSWORD`), for every registry;
//! 2. the docker CLI's `config.json` (`$DOCKER_CONFIG/config.json`, else
//!    `~/.docker/config.json`), looked up as the docker CLI does
//!    (`cli/config/configfile/file.go`, `GetCredentialsStore`): a `credHelpers` entry for the
//!    host, else the `credsStore` helper, else the `auths` entry (base64 `user:password` in
//!    `auth`, or `username`/`password`, or an `identitytoken`). Keys are matched by host, with
//!    any scheme and path dropped (`registry/auth.go` `ConvertToHostname`); Docker Hub is stored
//!    under `https://index.docker.io/v1/`;
//! 3. none: anonymous, which is enough for public images (a bearer registry still hands out
//!    an anonymous token).
//!
//! A helper is the `docker-credential-NAME get` program of docker-credential-helpers
//! (`client/client.go`): the server URL on stdin, `{"Username","Secret"}` on stdout, where a
//! Username of `<token>` means the Secret is an identity (refresh) token.
//!
//! The challenge is RFC 7235's `WWW-Authenticate`, as distribution's `registry/api/errcode` and
//! docker's `registry/client/auth/challenge` read it: `Bearer realm="…",service="…",scope="…"`
//! or `Basic realm="…"`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde::Deserialize;

use super::reference::DOCKER_HUB;
use crate::error::ErrorKind;
use crate::image::ImageError;

/// A user's secret for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// Username and password (or a personal access token in the password's place).
    Password { username: String, password: String },
    /// An OAuth2 refresh token (`identitytoken`), exchanged at the token endpoint.
    IdentityToken(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Password { username, .. } => write!(f, "Password({username}, ***)"),
            Credential::IdentityToken(_) => write!(f, "IdentityToken(***)"),
        }
    }
}

/// Where credentials come from, as the CLI found them.
#[derive(Clone, Default)]
pub struct CredentialSources {
    /// `--username` + `--password-stdin`, or the `GOSTATIC_REGISTRY_*` variables.
    pub explicit: Option<Credential>,
    /// The directory of docker's `config.json` (`$DOCKER_CONFIG`, else `~/.docker`).
    pub docker_config: Option<PathBuf>,
}

impl std::fmt::Debug for CredentialSources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialSources")
            .field("explicit", &self.explicit.is_some())
            .field("docker_config", &self.docker_config)
            .finish()
    }
}

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

/// The key docker stores a registry's credentials under.
fn server_url(registry: &str) -> String {
    if registry == DOCKER_HUB {
        "https://index.docker.io/v1/".to_string()
    } else {
        registry.to_string()
    }
}

/// `https://host/v1/` → `host` (docker's `ConvertToHostname`).
fn hostname_of(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

fn matches_registry(key: &str, registry: &str) -> bool {
    let host = hostname_of(key);
    host == registry
        || (registry == DOCKER_HUB && matches!(host, "index.docker.io" | "registry-1.docker.io"))
}

fn auth_error(message: String) -> ImageError {
    ImageError::registry(ErrorKind::Auth, message)
}

impl CredentialSources {
    /// The credential for `registry` (as named in the reference: `docker.io`, `host:port`).
    pub fn lookup(&self, registry: &str) -> Result<Option<Credential>, ImageError> {
        if let Some(explicit) = &self.explicit {
            return Ok(Some(explicit.clone()));
        }
        let Some(dir) = &self.docker_config else {
            return Ok(None);
        };
        let path = dir.join("config.json");
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => {
                return Err(auth_error(format!("{}: {err}", path.display())));
            }
        };
        let config: ConfigFile = serde_json::from_slice(&text)
            .map_err(|err| auth_error(format!("{}: {err}", path.display())))?;
        from_config(&config, registry, &path, &|helper, url| {
            run_helper(helper, url)
        })
    }
}

type Helper<'a> = &'a dyn Fn(&str, &str) -> Result<Option<Credential>, String>;

fn from_config(
    config: &ConfigFile,
    registry: &str,
    path: &Path,
    helper: Helper<'_>,
) -> Result<Option<Credential>, ImageError> {
    let url = server_url(registry);
    let helper_named = config
        .cred_helpers
        .iter()
        .find(|(key, _)| matches_registry(key, registry))
        .map(|(_, name)| name.as_str())
        .or(config.creds_store.as_deref().filter(|s| !s.is_empty()));
    if let Some(name) = helper_named {
        return helper(name, &url).map_err(|err| {
            auth_error(format!(
                "{}: credential helper docker-credential-{name}: {err}",
                path.display()
            ))
        });
    }
    let Some(entry) = config
        .auths
        .iter()
        .find(|(key, _)| matches_registry(key, registry))
        .map(|(_, entry)| entry)
    else {
        return Ok(None);
    };
    if let Some(token) = entry.identitytoken.as_ref().filter(|t| !t.is_empty()) {
        return Ok(Some(Credential::IdentityToken(token.clone())));
    }
    if let Some(auth) = entry.auth.as_ref().filter(|a| !a.is_empty()) {
        let bad = || {
            auth_error(format!(
                "{}: the auths entry for {registry} is not base64 of user:password",
                path.display()
            ))
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|_| bad())?;
        let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
        let (username, password) = decoded.split_once(':').ok_or_else(bad)?;
        return Ok(Some(Credential::Password {
            username: username.to_string(),
            password: password.to_string(),
        }));
    }
    match (&entry.username, &entry.password) {
        (Some(username), Some(password)) if !username.is_empty() => {
            Ok(Some(Credential::Password {
                username: username.clone(),
                password: password.clone(),
            }))
        }
        _ => Ok(None),
    }
}

#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// `docker-credential-NAME get` with the server URL on stdin. "credentials not found in
/// native keychain" (the helpers' `ErrCredentialsNotFound`) is no credential, not an error.
fn run_helper(name: &str, url: &str) -> Result<Option<Credential>, String> {
    let program = format!("docker-credential-{name}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run {program}: {err}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading its input is judged by its answer below.
        let _ = stdin.write_all(url.as_bytes());
    }
    let output = child
        .wait_with_output()
        .map_err(|err| format!("{program}: {err}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let said = format!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
        if said.contains("credentials not found") {
            return Ok(None);
        }
        return Err(said.trim().lines().next().unwrap_or("failed").to_string());
    }
    parse_helper_answer(&output.stdout)
}

fn parse_helper_answer(bytes: &[u8]) -> Result<Option<Credential>, String> {
    let answer: HelperAnswer =
        serde_json::from_slice(bytes).map_err(|err| format!("bad answer: {err}"))?;
    Ok(match (answer.username.as_str(), answer.secret) {
        (_, secret) if secret.is_empty() => None,
        ("<token>", secret) => Some(Credential::IdentityToken(secret)),
        (username, secret) => Some(Credential::Password {
            username: username.to_string(),
            password: secret,
        }),
    })
}

/// `Authorization: Basic …` for a username and password.
pub fn basic(username: &str, password: &str) -> String {
    let raw = format!("{username}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// One challenge of a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// `bearer` or `basic`, lowercased.
    pub scheme: String,
    /// Parameter names lowercased.
    pub params: BTreeMap<String, String>,
}

/// The challenges of a `WWW-Authenticate` value: `Scheme k=v, k="quoted \" value", …`,
/// several challenges separated by commas (RFC 7235 §4.1).
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        rest = rest.trim_start_matches([',', ' ', '\t']);
        let word_end = rest.find([' ', '=', ',']).unwrap_or(rest.len());
        let word = &rest[..word_end];
        let after = rest[word_end..].trim_start();
        if word.is_empty() {
            break;
        }
        if let Some(value_part) = after.strip_prefix('=')
            && let Some(current) = out.last_mut()
        {
            let value_part = value_part.trim_start();
            let (value, remaining) = if let Some(quoted) = value_part.strip_prefix('"') {
                let mut value = String::new();
                let mut chars = quoted.char_indices();
                let mut end = quoted.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        '"' => {
                            end = i + 1;
                            break;
                        }
                        c => value.push(c),
                    }
                }
                (value, &quoted[end.min(quoted.len())..])
            } else {
                let end = value_part.find(',').unwrap_or(value_part.len());
                (value_part[..end].trim().to_string(), &value_part[end..])
            };
            current.params.insert(word.to_ascii_lowercase(), value);
            rest = remaining;
        } else {
            out.push(Challenge {
                scheme: word.to_ascii_lowercase(),
                params: BTreeMap::new(),
            });
            rest = after;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_and_basic_challenges() {
        let header = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#;
        let parsed = parse_challenges(header);
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].scheme, "bearer");
        assert_eq!(parsed[0].params["realm"], "https://auth.docker.io/token");
        assert_eq!(parsed[0].params["service"], "registry.docker.io");
        assert_eq!(parsed[0].params["scope"], "repository:library/alpine:pull");
        let two =
            parse_challenges(r#"Basic realm="a \"b\"", Bearer realm=x,error=insufficient_scope"#);
        assert_eq!(two.len(), 2);
        assert_eq!(two[0].scheme, "basic");
        assert_eq!(two[0].params["realm"], r#"a "b""#);
        assert_eq!(two[1].params["realm"], "x");
        assert_eq!(two[1].params["error"], "insufficient_scope");
        assert!(parse_challenges("").is_empty());
    }

    fn config(json: &str) -> ConfigFile {
        serde_json::from_str(json).unwrap()
    }

    fn lookup(json: &str, registry: &str) -> Result<Option<Credential>, String> {
        let helper = |name: &str, url: &str| -> Result<Option<Credential>, String> {
            match name {
                "fake" => Ok(Some(Credential::Password {
                    username: format!("from-{name}"),
                    password: url.to_string(),
                })),
                _ => Err("no such helper".into()),
            }
        };
        from_config(&config(json), registry, Path::new("config.json"), &helper)
            .map_err(|e| e.to_string())
    }

    fn password(user: &str, pass: &str) -> Option<Credential> {
        Some(Credential::Password {
            username: user.into(),
            password: pass.into(),
        })
    }

    #[test]
    fn docker_config_auths_helpers_and_store() {
        // "user:pa:ss" in base64: the password may hold colons.
        let auths = r#"{"auths":{"https://index.docker.io/v1/":{"auth":"dXNlcjpwYTpzcw=="},
                        "127.0.0.1:5000":{"username":"u","password":"p"},
                        "ghcr.io":{"identitytoken":"refresh"}}}"#;
        assert_eq!(
            lookup(auths, "docker.io").unwrap(),
            password("user", "pa:ss")
        );
        assert_eq!(lookup(auths, "127.0.0.1:5000").unwrap(), password("u", "p"));
        assert_eq!(
            lookup(auths, "ghcr.io").unwrap(),
            Some(Credential::IdentityToken("refresh".into()))
        );
        assert_eq!(lookup(auths, "quay.io").unwrap(), None);
        let helpers = r#"{"auths":{"ghcr.io":{"auth":"dTpw"}},"credHelpers":{"ghcr.io":"fake"},
                          "credsStore":"broken"}"#;
        assert_eq!(
            lookup(helpers, "ghcr.io").unwrap(),
            password("from-fake", "ghcr.io"),
            "credHelpers beats auths"
        );
        let err = lookup(helpers, "quay.io").unwrap_err();
        assert!(
            err.contains("docker-credential-broken: no such helper"),
            "credsStore is asked for every other host: {err}"
        );
        let store = r#"{"credsStore":"fake"}"#;
        assert_eq!(
            lookup(store, "docker.io").unwrap(),
            password("from-fake", "https://index.docker.io/v1/")
        );
        let bad = r#"{"auths":{"ghcr.io":{"auth":"not base64!"}}}"#;
        assert!(lookup(bad, "ghcr.io").unwrap_err().contains("not base64"));
    }

    #[test]
    fn helper_answers() {
        assert_eq!(
            parse_helper_answer(br#"{"ServerURL":"x","Username":"u","Secret":"s"}"#).unwrap(),
            password("u", "s")
        );
        assert_eq!(
            parse_helper_answer(br#"{"Username":"<token>","Secret":"t"}"#).unwrap(),
            Some(Credential::IdentityToken("t".into()))
        );
        assert_eq!(
            parse_helper_answer(br#"{"Username":"u","Secret":""}"#).unwrap(),
            None
        );
        assert!(parse_helper_answer(b"nope").is_err());
    }

    #[test]
    fn explicit_credentials_win_and_a_missing_config_is_anonymous() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"auths":{"ghcr.io":{"auth":"dTpw"}}}"#,
        )
        .unwrap();
        let from_file = CredentialSources {
            explicit: None,
            docker_config: Some(dir.path().into()),
        };
        assert_eq!(from_file.lookup("ghcr.io").unwrap(), password("u", "p"));
        let explicit = CredentialSources {
            explicit: password("me", "secret"),
            ..from_file.clone()
        };
        assert_eq!(
            explicit.lookup("ghcr.io").unwrap(),
            password("me", "secret")
        );
        let missing = CredentialSources {
            explicit: None,
            docker_config: Some(dir.path().join("nope")),
        };
        assert_eq!(missing.lookup("ghcr.io").unwrap(), None);
        assert_eq!(basic("u", "p"), "Basic dTpw");
    }
}
