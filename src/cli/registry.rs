//! Registry flags and environment: `--ca-file`, `--insecure-registry`, `--username` with
//! `--password-stdin`, `GOSTATIC_REGISTRY_USERNAME`/`GOSTATIC_REGISTRY_PASSWORD`, docker's
//! config directory (`DOCKER_CONFIG`, else `~/.docker`) and the proxy variables, gathered here
//! once so that the library reads no environment (docs/registry.md).

use std::io::Read;
use std::path::PathBuf;

use clap::Args;

use gostatic::image::registry::{Credential, CredentialSources, ProxyEnv, Retry, Settings};

#[derive(Debug, Args)]
pub struct RegistryArgs {
    /// Registry sources: more CA certificates (PEM) to trust besides the system's.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Registry sources: a host (`host` or `host:port`) that may be reached over plain HTTP or
    /// with an unverified certificate (loopback hosts may always use plain HTTP). Repeatable.
    #[arg(long, value_name = "HOST")]
    insecure_registry: Vec<String>,
    /// Registry sources: the username for every registry named (with --password-stdin).
    #[arg(long, value_name = "NAME", requires = "password_stdin")]
    username: Option<String>,
    /// Read the registry password (or token) from standard input (with --username).
    #[arg(long, requires = "username")]
    password_stdin: bool,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A proxy variable in either case, upper first (as curl and Go read them).
fn either_case(name: &str) -> Option<String> {
    var(name).or_else(|| var(&name.to_lowercase()))
}

/// The settings the flags and the environment make. `stdin_taken` says whether a source
/// already reads standard input.
pub fn settings(args: &RegistryArgs, stdin_taken: bool) -> Result<Settings, String> {
    let explicit = if let Some(username) = &args.username {
        if stdin_taken {
            return Err(
                "--password-stdin and a source on standard input (-) cannot both \
                        read it"
                    .to_string(),
            );
        }
        let mut password = String::new();
        std::io::stdin()
            .take(64 * 1024)
            .read_to_string(&mut password)
            .map_err(|err| format!("--password-stdin: {err}"))?;
        let password = password.trim_end_matches(['\n', '\r']).to_string();
        if password.is_empty() {
            return Err("--password-stdin: standard input is empty".to_string());
        }
        Some(Credential::Password {
            username: username.clone(),
            password,
        })
    } else {
        match (
            var("GOSTATIC_REGISTRY_USERNAME"),
            var("GOSTATIC_REGISTRY_PASSWORD"),
        ) {
            (Some(username), Some(password)) => Some(Credential::Password { username, password }),
            (None, None) => None,
            _ => {
                return Err(
                    "GOSTATIC_REGISTRY_USERNAME and GOSTATIC_REGISTRY_PASSWORD go \
                            together: set both or neither"
                        .to_string(),
                );
            }
        }
    };
    let docker_config = var("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".docker")));
    Ok(Settings {
        ca_file: args.ca_file.clone(),
        insecure: args.insecure_registry.clone(),
        proxy: ProxyEnv {
            https: either_case("HTTPS_PROXY"),
            http: either_case("HTTP_PROXY"),
            all: either_case("ALL_PROXY"),
            no_proxy: either_case("NO_PROXY"),
        },
        credentials: CredentialSources {
            explicit,
            docker_config,
        },
        retry: match var("GOSTATIC_REGISTRY_RETRIES") {
            None => Retry::default(),
            Some(text) => Retry {
                attempts: text.parse().map_err(|_| {
                    format!("GOSTATIC_REGISTRY_RETRIES={text}: not a number of retries")
                })?,
                ..Retry::default()
            },
        },
    })
}
