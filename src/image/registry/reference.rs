//! A registry reference as docker and containerd read it (distribution/reference, `normalize.go`
//! `ParseNormalizedNamed` and `splitDockerDomain`; the grammar of `reference.go` is checked by
//! [`crate::image::is_reference`]): the first path component is a registry when it holds a `.`
//! or a `:` or is `localhost`, otherwise the name is on Docker Hub, `docker.io`, where a
//! one-component name lives under `library/`. `index.docker.io` is Docker Hub's old name. A
//! reference without tag or digest means `:latest`; with both, the digest is what is fetched
//! (containerd and skopeo do the same) and the tag is only shown. Docker Hub's API is served by
//! `registry-1.docker.io` (the docker CLI's `DefaultV2Registry`).

use std::fmt;

/// Docker Hub's name in references.
pub const DOCKER_HUB: &str = "docker.io";
/// Docker Hub's registry API host.
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// A normalised reference: `registry/repository[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `docker.io`, `ghcr.io`, `127.0.0.1:5000`, `localhost`.
    pub registry: String,
    /// `library/alpine`, `team/app`.
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:<hex>`.
    pub digest: Option<String>,
}

impl Reference {
    /// Parse and normalise a reference (`alpine:3.20`, `ghcr.io/x/y@sha256:…`).
    pub fn parse(text: &str) -> Result<Reference, String> {
        if !crate::image::is_reference(text) {
            return Err(format!("'{text}' is not a valid image reference"));
        }
        let (name, digest) = match text.split_once('@') {
            Some((name, digest)) => (name, Some(digest.to_string())),
            None => (text, None),
        };
        if let Some(digest) = &digest
            && crate::image::digest::parse(digest).is_none()
        {
            return Err(format!(
                "'{text}': only sha256 digests of 64 lowercase hex digits are supported"
            ));
        }
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (
                &name[..last_slash + i],
                Some(name[last_slash + i + 1..].to_string()),
            ),
            None => (name, None),
        };
        let (registry, remainder) = match name.split_once('/') {
            Some((first, rest))
                if first.contains(['.', ':'])
                    || first == "localhost"
                    || first.to_lowercase() != first =>
            {
                (first.to_string(), rest.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        let registry = if registry == "index.docker.io" {
            DOCKER_HUB.to_string()
        } else {
            registry
        };
        let repository = if registry == DOCKER_HUB && !remainder.contains('/') {
            format!("library/{remainder}")
        } else {
            remainder
        };
        let tag = match (&tag, &digest) {
            (None, None) => Some("latest".to_string()),
            _ => tag,
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The host (and port) the registry API is served from.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// What the manifest is fetched by: the digest when there is one, else the tag.
    pub fn object(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The host without a port, for the loopback test.
    pub fn hostname(&self) -> &str {
        host_without_port(&self.registry)
    }
}

/// `host` of `host:port` (and of `[::1]:port`).
pub fn host_without_port(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// Loopback names: `localhost`, `127.0.0.0/8` and `::1`, where plain HTTP is allowed without
/// `--insecure-registry` (docker's daemon treats `127.0.0.0/8` as insecure by default,
/// `registry/config.go` `newServiceConfig`).
pub fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (String, String, String, String, String) {
        let r = Reference::parse(text).unwrap();
        (
            r.registry.clone(),
            r.api_host().to_string(),
            r.repository.clone(),
            r.object().to_string(),
            r.to_string(),
        )
    }

    #[test]
    fn docker_hub_short_names_are_normalised() {
        assert_eq!(
            parsed("alpine:3.20"),
            (
                "docker.io".into(),
                "registry-1.docker.io".into(),
                "library/alpine".into(),
                "3.20".into(),
                "docker.io/library/alpine:3.20".into()
            )
        );
        assert_eq!(parsed("alpine").4, "docker.io/library/alpine:latest");
        assert_eq!(parsed("team/app").4, "docker.io/team/app:latest");
        assert_eq!(
            parsed("docker.io/alpine").4,
            "docker.io/library/alpine:latest"
        );
        assert_eq!(
            parsed("index.docker.io/library/alpine:3").4,
            "docker.io/library/alpine:3"
        );
    }

    #[test]
    fn registries_ports_localhost_and_digests() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        let (registry, api, repo, object, shown) = parsed("127.0.0.1:5000/app:1");
        assert_eq!(
            (
                registry.as_str(),
                api.as_str(),
                repo.as_str(),
                object.as_str()
            ),
            ("127.0.0.1:5000", "127.0.0.1:5000", "app", "1")
        );
        assert_eq!(shown, "127.0.0.1:5000/app:1");
        assert_eq!(parsed("localhost/a/b").0, "localhost");
        assert_eq!(parsed("localhost/a/b").2, "a/b");
        assert_eq!(parsed("ghcr.io/x/y/z:v1").2, "x/y/z");
        let by_digest = Reference::parse(&format!("ghcr.io/x/y@{digest}")).unwrap();
        assert_eq!(by_digest.tag, None, "a digest alone implies no tag");
        assert_eq!(by_digest.object(), digest);
        let both = Reference::parse(&format!("app:1@{digest}")).unwrap();
        assert_eq!(both.object(), digest, "the digest wins over the tag");
        assert_eq!(both.tag.as_deref(), Some("1"));
        assert_eq!(
            both.to_string(),
            format!("docker.io/library/app:1@{digest}")
        );
        // A port alone makes the first component a registry, not a Docker Hub namespace.
        assert_eq!(parsed("registry:5000/app").0, "registry:5000");
    }

    #[test]
    fn bad_references_are_refused() {
        assert!(Reference::parse("Alpine").is_err());
        assert!(Reference::parse("a@sha256:abc").is_err());
        let short = format!("a@sha512:{}", "a".repeat(128));
        assert!(Reference::parse(&short).is_err());
        assert!(Reference::parse("").is_err());
    }

    #[test]
    fn loopback_hosts() {
        for host in ["localhost", "127.0.0.1", "127.1.2.3", "::1"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "example.com",
            "10.0.0.1",
            "localhost.example.com",
            "0.0.0.0",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
        assert_eq!(host_without_port("127.0.0.1:5000"), "127.0.0.1");
        assert_eq!(host_without_port("[::1]:5000"), "::1");
        assert_eq!(host_without_port("ghcr.io"), "ghcr.io");
    }
}
