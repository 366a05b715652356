//! URLs as the registry client needs them: an origin to compare hosts by (a redirect to another
//! origin loses `Authorization`), a `Location` resolved against the request (RFC 3986 §5.2 for
//! the absolute and absolute-path forms registries send), and whether `NO_PROXY` exempts a host.

use super::reference::{host_without_port, is_loopback};

/// `scheme://authority` of a URL, and the authority alone.
pub(super) fn origin(url: &str) -> (&str, &str) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    (&url[..scheme.len() + 3 + authority.len()], authority)
}

/// Whether NO_PROXY (or loopback) exempts `authority` from the proxy.
pub(super) fn bypasses_proxy(no_proxy: &[String], authority: &str) -> bool {
    let host = host_without_port(authority);
    if is_loopback(host) {
        return true;
    }
    if no_proxy.iter().any(|entry| entry == "*") {
        return true;
    }
    no_proxy.iter().any(|entry| {
        let bare = entry.trim_start_matches("*.").trim_start_matches('.');
        entry == authority
            || host == bare
            || host
                .strip_suffix(bare)
                .is_some_and(|prefix| prefix.ends_with('.'))
    })
}

/// A `Location` resolved against the URL that sent it.
pub(super) fn resolve(base: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_string();
    }
    let (origin, _) = origin(base);
    if let Some(path) = location.strip_prefix('/') {
        return format!("{origin}/{path}");
    }
    let path = &base[origin.len()..];
    let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    format!("{origin}{dir}/{location}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_redirect_targets() {
        assert_eq!(
            origin("https://r.io:5000/v2/x?y"),
            ("https://r.io:5000", "r.io:5000")
        );
        assert_eq!(origin("http://h"), ("http://h", "h"));
        assert_eq!(
            resolve("https://a/v2/x/blobs/y", "https://s3/b?sig=1"),
            "https://s3/b?sig=1"
        );
        assert_eq!(
            resolve("https://a/v2/x/blobs/y", "/other"),
            "https://a/other"
        );
        assert_eq!(
            resolve("https://a/v2/x/blobs/y", "z"),
            "https://a/v2/x/blobs/z"
        );
    }

    #[test]
    fn no_proxy_matching() {
        let list: Vec<String> = ["example.com", ".corp.net", "10.1.2.3", "reg:5000"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(bypasses_proxy(&list, "example.com"));
        assert!(bypasses_proxy(&list, "a.example.com"));
        assert!(!bypasses_proxy(&list, "badexample.com"));
        assert!(bypasses_proxy(&list, "x.corp.net"));
        assert!(bypasses_proxy(&list, "corp.net"));
        assert!(bypasses_proxy(&list, "10.1.2.3:443"));
        assert!(bypasses_proxy(&list, "reg:5000"));
        assert!(
            !bypasses_proxy(&list, "reg:5001"),
            "a port in NO_PROXY names only that port"
        );
        assert!(!bypasses_proxy(&list, "ghcr.io"));
        assert!(
            bypasses_proxy(&list, "127.0.0.1:5000"),
            "loopback is never proxied"
        );
        assert!(bypasses_proxy(&["*".to_string()], "ghcr.io"));
        assert!(!bypasses_proxy(&[], "ghcr.io"));
    }
}
