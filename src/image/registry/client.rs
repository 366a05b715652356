//! The OCI distribution API as a synchronous client (distribution-spec `spec.md`: `GET /v2/`,
//! `GET /v2/<name>/manifests/<reference>`, `GET /v2/<name>/blobs/<digest>`), over `ureq`, whose
//! response bodies are `impl Read`: a blob goes straight into the layer decoder on the rayon
//! worker that asked for it, hashed as it passes, never buffered whole or written to disk.
//!
//! What it does that a plain GET does not:
//! - authentication on demand: a 401 carries a `WWW-Authenticate` challenge; `Bearer` is
//!   docker's token flow (distribution `docs/spec/auth/token.md`: `GET realm?service=&scope=`,
//!   with Basic credentials when there are some, anonymous otherwise; an identity token is a
//!   `POST` with `grant_type=refresh_token`, `docs/spec/auth/oauth.md`), `Basic` sends the
//!   credentials themselves. The token is shared by the threads fetching layers;
//! - redirects followed by hand (registries send blobs to S3, GCS or a CDN): `Authorization`
//!   goes only to the registry's own scheme and host, never to another host (RFC 9110 §15.4
//!   leaves it to the client; docker's `registry/client/transport` strips it the same way);
//! - retries with exponential backoff on connection failures and 5xx, and after the
//!   `Retry-After` delay (RFC 9110 §10.2.3, seconds) on 429, a few times, then a `network` or
//!   `rate-limited` error;
//! - proxies: `HTTPS_PROXY` for https, `HTTP_PROXY` for http, `ALL_PROXY` for both, minus
//!   `NO_PROXY` (comma-separated hosts or `.domain` suffixes, `*` for all) and minus loopback
//!   hosts, which Go's `golang.org/x/net/http/httpproxy` (`useProxy`) never proxies either;
//! - TLS with the system's CA roots (`rustls-native-certs`: `SSL_CERT_FILE`, the distribution's
//!   bundle) plus `--ca-file`; plain HTTP only for a loopback host or one named with
//!   `--insecure-registry` (for those, HTTPS is tried first, as docker's daemon does in
//!   `registry/endpoints.go`, and certificates of a named insecure host are not verified).

use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::{Agent, Body, http::Response};

use super::auth::{self, Credential, CredentialSources};
use super::reference::{Reference, host_without_port, is_loopback};
use super::url::{bypasses_proxy, origin, resolve};
use crate::error::ErrorKind;
use crate::image::ImageError;

/// Proxy variables as the CLI read them.
#[derive(Debug, Clone, Default)]
pub struct ProxyEnv {
    pub https: Option<String>,
    pub http: Option<String>,
    pub all: Option<String>,
    pub no_proxy: Option<String>,
}

/// How often and how long to retry.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Retries after the first try.
    pub attempts: u32,
    /// The first backoff; each further one doubles it.
    pub backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one is waited this long.
    pub max_wait: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 4,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(30),
        }
    }
}

/// Everything about registries the CLI decides: flags and environment.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--ca-file`: more CA certificates (PEM), trusted besides the system's.
    pub ca_file: Option<PathBuf>,
    /// `--insecure-registry`: hosts (`host` or `host:port`) allowed plain HTTP and unverified TLS.
    pub insecure: Vec<String>,
    pub proxy: ProxyEnv,
    pub credentials: CredentialSources,
    pub retry: Retry,
}

const MAX_REDIRECTS: usize = 5;
/// An error body read for its message.
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// Agents for one TLS setting: direct, and through each proxy the environment names.
struct Agents {
    direct: Agent,
    https_proxy: Option<Agent>,
    http_proxy: Option<Agent>,
}

/// A connection to one repository of one registry.
pub struct Client {
    /// `https://host:port` or `http://host:port`.
    base: String,
    repository: String,
    registry: String,
    verified: Agents,
    /// For a `--insecure-registry` host: certificates not verified.
    lax: Option<Agents>,
    no_proxy: Vec<String>,
    credential: Option<Credential>,
    authorization: RwLock<Option<String>>,
    retry: Retry,
}

fn network(message: String) -> ImageError {
    ImageError::registry(ErrorKind::Network, message)
}

/// The system's CA certificates, loaded once per process.
fn system_roots() -> &'static Vec<Certificate<'static>> {
    static ROOTS: OnceLock<Vec<Certificate<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        rustls_native_certs::load_native_certs()
            .certs
            .into_iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect()
    })
}

/// The roots to trust: the system's and `--ca-file`'s; Mozilla's (webpki-roots, compiled into
/// ureq's rustls) only where neither gives one, as in a scratch container without a CA bundle.
fn roots(ca_file: Option<&PathBuf>) -> Result<RootCerts, ImageError> {
    let certs = with_ca_file(system_roots().clone(), ca_file)?;
    Ok(if certs.is_empty() {
        RootCerts::WebPki
    } else {
        RootCerts::Specific(Arc::new(certs))
    })
}

fn with_ca_file(
    mut certs: Vec<Certificate<'static>>,
    ca_file: Option<&PathBuf>,
) -> Result<Vec<Certificate<'static>>, ImageError> {
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|err| network(format!("--ca-file {}: {err}", path.display())))?;
        let before = certs.len();
        for item in ureq::tls::parse_pem(&pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert),
                Ok(_) => {}
                Err(err) => {
                    return Err(network(format!("--ca-file {}: {err}", path.display())));
                }
            }
        }
        if certs.len() == before {
            return Err(network(format!(
                "--ca-file {}: no PEM certificate in it",
                path.display()
            )));
        }
    }
    Ok(certs)
}

fn agents(tls: TlsConfig, proxy: &ProxyEnv) -> Result<Agents, ImageError> {
    let make = |proxy: Option<&str>| -> Result<Agent, ImageError> {
        let proxy = proxy
            .filter(|p| !p.is_empty())
            .map(|p| ureq::Proxy::new(p).map_err(|err| network(format!("proxy '{p}': {err}"))))
            .transpose()?;
        Ok(Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .tls_config(tls.clone())
            .proxy(proxy)
            .user_agent(concat!("gostatic/", env!("CARGO_PKG_VERSION")))
            .accept_encoding("identity")
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            // A stalled transfer ends; a slow but moving multi-gigabyte layer does not.
            .timeout_per_read(Some(Duration::from_secs(60)))
            .build()
            .new_agent())
    };
    let https = proxy.https.as_deref().or(proxy.all.as_deref());
    let http = proxy.http.as_deref().or(proxy.all.as_deref());
    Ok(Agents {
        direct: make(None)?,
        https_proxy: https
            .filter(|p| !p.is_empty())
            .map(|p| make(Some(p)))
            .transpose()?,
        http_proxy: http
            .filter(|p| !p.is_empty())
            .map(|p| make(Some(p)))
            .transpose()?,
    })
}

/// The registry's own words for an error: `{"errors":[{"code","message"}]}`, else the body.
fn registry_message(response: Response<Body>) -> String {
    let mut text = Vec::new();
    let _ = response
        .into_body()
        .into_reader()
        .take(MAX_ERROR_BODY)
        .read_to_end(&mut text);
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    if let Ok(errors) = serde_json::from_slice::<Errors>(&text)
        && let Some(first) = errors.errors.first()
    {
        return format!("{} {}", first.code, first.message)
            .trim()
            .to_string();
    }
    let text = String::from_utf8_lossy(&text);
    let line = text.trim().lines().next().unwrap_or_default();
    line.chars().take(200).collect()
}

fn header<'a>(response: &'a Response<Body>, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

impl Client {
    /// Connect to the registry of `reference`: choose the scheme, ping `/v2/`, and
    /// authenticate if the ping asks for it.
    pub fn connect(reference: &Reference, settings: &Settings) -> Result<Client, ImageError> {
        let registry = reference.api_host().to_string();
        let host = host_without_port(&registry);
        let named = settings
            .insecure
            .iter()
            .any(|h| h == &registry || h == host || h == &reference.registry);
        let certs = roots(settings.ca_file.as_ref())?;
        let tls = TlsConfig::builder().root_certs(certs.clone()).build();
        let verified = agents(tls, &settings.proxy)?;
        let lax = named
            .then(|| {
                let tls = TlsConfig::builder()
                    .root_certs(certs)
                    .disable_verification(true)
                    .build();
                agents(tls, &settings.proxy)
            })
            .transpose()?;
        let mut client = Client {
            base: format!("https://{registry}"),
            repository: reference.repository.clone(),
            registry: registry.clone(),
            verified,
            lax,
            no_proxy: settings
                .proxy
                .no_proxy
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty())
                .collect(),
            credential: settings.credentials.lookup(&reference.registry)?,
            authorization: RwLock::new(None),
            retry: settings.retry,
        };
        let mut https_failed = None;
        if named || is_loopback(host) {
            // One plain try, no retries: a TLS handshake with a plain-HTTP server fails at once.
            let probe = format!("https://{registry}/v2/");
            if let Err(err) = client.agent(&probe).get(&probe).call() {
                https_failed = Some(err);
                client.base = format!("http://{registry}");
            }
        }
        let ping = client.get("/v2/", None, "the registry API (/v2/)");
        match (ping, https_failed) {
            (Ok(_), _) => Ok(client),
            (
                Err(ImageError::Registry {
                    kind: ErrorKind::NotFound,
                    ..
                }),
                _,
            ) => Err(network(format!(
                "{}: no registry API at /v2/ (not an OCI distribution registry)",
                client.base
            ))),
            // Neither worked: the HTTPS failure (an untrusted certificate, say) is the news.
            (Err(ImageError::Registry { kind, message }), Some(https)) => {
                Err(ImageError::Registry {
                    kind,
                    message: format!("{message}; over HTTPS: {https}"),
                })
            }
            (Err(err), _) => Err(err),
        }
    }

    fn agent(&self, url: &str) -> &Agent {
        let (_, authority) = origin(url);
        let agents = match &self.lax {
            Some(lax) if authority == self.registry => lax,
            _ => &self.verified,
        };
        let proxied = if url.starts_with("https://") {
            agents.https_proxy.as_ref()
        } else {
            agents.http_proxy.as_ref()
        };
        match proxied {
            Some(agent) if !bypasses_proxy(&self.no_proxy, authority) => agent,
            _ => &agents.direct,
        }
    }

    /// `GET` a path of the registry's API (`/v2/…`), following redirects, authenticating and
    /// retrying as needed; `what` names the object in errors.
    pub fn get(
        &self,
        path: &str,
        accept: Option<&str>,
        what: &str,
    ) -> Result<Response<Body>, ImageError> {
        let mut url = format!("{}{path}", self.base);
        let mut redirects = 0;
        let mut attempt = 0u32;
        let mut authenticated = false;
        loop {
            let own = origin(&url).0 == self.base;
            let mut request = self.agent(&url).get(&url);
            if let Some(accept) = accept {
                request = request.header("Accept", accept);
            }
            if own && let Some(value) = self.authorization.read().ok().and_then(|a| a.clone()) {
                request = request.header("Authorization", value);
            }
            let response = match request.call() {
                Ok(response) => response,
                Err(err) => {
                    if attempt < self.retry.attempts {
                        attempt += 1;
                        std::thread::sleep(self.backoff(attempt));
                        continue;
                    }
                    let (_, authority) = origin(&url);
                    return Err(network(format!("{what}: cannot reach {authority}: {err}")));
                }
            };
            let status = response.status().as_u16();
            match status {
                200..=299 => return Ok(response),
                301 | 302 | 303 | 307 | 308 => {
                    let Some(location) = header(&response, "location") else {
                        return Err(network(format!("{what}: HTTP {status} without a Location")));
                    };
                    redirects += 1;
                    if redirects > MAX_REDIRECTS {
                        return Err(network(format!(
                            "{what}: more than {MAX_REDIRECTS} redirects"
                        )));
                    }
                    url = resolve(&url, location);
                }
                401 if own && !authenticated => {
                    self.authenticate(&response, what)?;
                    authenticated = true;
                }
                401 | 403 => {
                    let said = registry_message(response);
                    let credentials = if self.credential.is_some() {
                        "the credentials were refused"
                    } else {
                        "no credentials for this registry (see docs/registry.md)"
                    };
                    return Err(ImageError::registry(
                        ErrorKind::Auth,
                        format!("{what}: HTTP {status}, {credentials} ({said})"),
                    ));
                }
                404 => {
                    let said = registry_message(response);
                    return Err(ImageError::registry(
                        ErrorKind::NotFound,
                        format!("{what}: not found (HTTP 404: {said})"),
                    ));
                }
                429 => {
                    let wait = header(&response, "retry-after")
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    if attempt < self.retry.attempts {
                        attempt += 1;
                        let wait = wait.unwrap_or_else(|| self.backoff(attempt));
                        std::thread::sleep(wait.min(self.retry.max_wait));
                        continue;
                    }
                    let said = registry_message(response);
                    return Err(ImageError::registry(
                        ErrorKind::RateLimited,
                        format!(
                            "{what}: rate limited (HTTP 429 after {} tries: {said})",
                            attempt + 1
                        ),
                    ));
                }
                500..=599 if attempt < self.retry.attempts => {
                    attempt += 1;
                    std::thread::sleep(self.backoff(attempt));
                }
                _ => {
                    let said = registry_message(response);
                    return Err(network(format!("{what}: HTTP {status} ({said})")));
                }
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.retry.backoff * 2u32.saturating_pow(attempt.saturating_sub(1))
    }

    /// Answer a 401's challenge: fetch a bearer token, or use Basic credentials.
    fn authenticate(&self, response: &Response<Body>, what: &str) -> Result<(), ImageError> {
        let challenges: Vec<auth::Challenge> = response
            .headers()
            .get_all("www-authenticate")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(auth::parse_challenges)
            .collect();
        let refuse = |why: String| ImageError::registry(ErrorKind::Auth, format!("{what}: {why}"));
        let value = if let Some(bearer) = challenges.iter().find(|c| c.scheme == "bearer") {
            format!("Bearer {}", self.token(bearer).map_err(refuse)?)
        } else if challenges.iter().any(|c| c.scheme == "basic") {
            match &self.credential {
                Some(Credential::Password { username, password }) => {
                    auth::basic(username, password)
                }
                _ => {
                    return Err(refuse(
                        "the registry wants a username and password (Basic auth) and none was \
                         found (see docs/registry.md)"
                            .into(),
                    ));
                }
            }
        } else {
            return Err(refuse(
                "HTTP 401 without a Bearer or Basic challenge".into(),
            ));
        };
        if let Ok(mut slot) = self.authorization.write() {
            *slot = Some(value);
        }
        Ok(())
    }

    /// A token from the challenge's realm for pulling this repository.
    fn token(&self, challenge: &auth::Challenge) -> Result<String, String> {
        let realm = challenge
            .params
            .get("realm")
            .ok_or("a Bearer challenge without a realm")?;
        if !realm.starts_with("https://") && !realm.starts_with("http://") {
            return Err(format!("token realm '{realm}' is not an http(s) URL"));
        }
        let scope = challenge
            .params
            .get("scope")
            .cloned()
            .unwrap_or_else(|| format!("repository:{}:pull", self.repository));
        let service = challenge.params.get("service");
        let agent = self.agent(realm);
        let response = match &self.credential {
            Some(Credential::IdentityToken(refresh)) => {
                let mut form = vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh.as_str()),
                    ("client_id", "gostatic"),
                    ("scope", scope.as_str()),
                ];
                if let Some(service) = service {
                    form.push(("service", service.as_str()));
                }
                agent.post(realm).send_form(form)
            }
            credential => {
                let mut request = agent.get(realm).query("scope", &scope);
                if let Some(service) = service {
                    request = request.query("service", service);
                }
                if let Some(Credential::Password { username, password }) = credential {
                    request = request.header("Authorization", auth::basic(username, password));
                }
                request.call()
            }
        }
        .map_err(|err| format!("cannot reach the token endpoint {realm}: {err}"))?;
        let status = response.status().as_u16();
        if status != 200 {
            let said = registry_message(response);
            return Err(format!(
                "the token endpoint {realm} said HTTP {status}{} ({said})",
                if self.credential.is_some() {
                    ", the credentials were refused"
                } else {
                    ""
                }
            ));
        }
        #[derive(serde::Deserialize)]
        struct Token {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
        }
        let mut body = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(MAX_ERROR_BODY)
            .read_to_end(&mut body)
            .map_err(|err| format!("token endpoint {realm}: {err}"))?;
        let token: Token = serde_json::from_slice(&body)
            .map_err(|err| format!("token endpoint {realm}: bad answer: {err}"))?;
        token
            .token
            .or(token.access_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| format!("token endpoint {realm}: no token in the answer"))
    }

    /// The path of this repository's `kind` (`manifests`, `blobs`) named `object`.
    pub fn path(&self, kind: &str, object: &str) -> String {
        format!("/v2/{}/{kind}/{object}", self.repository)
    }

    /// `https://host` or `http://host`, as connected.
    pub fn base(&self) -> &str {
        &self.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_adds_its_certificates_and_a_bad_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no certificate here\n").unwrap();
        let err = with_ca_file(Vec::new(), Some(&empty)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("--ca-file {}: no PEM certificate in it", empty.display())
        );
        assert_eq!(err.kind(), Some(ErrorKind::Network));
        let missing = dir.path().join("missing.pem");
        assert!(with_ca_file(Vec::new(), Some(&missing)).is_err());
        assert!(with_ca_file(Vec::new(), None).unwrap().is_empty());
        // Without any root at all, Mozilla's roots rather than none.
        assert!(matches!(
            roots(None).unwrap(),
            RootCerts::WebPki | RootCerts::Specific(_)
        ));
    }
}
