//! Where images come from, as the command line names them: a path whose format is recognised
//! from its bytes, `-` for standard input, or an explicit transport prefix that forces the
//! format, so that a name which is both a file and a reference is never guessed wrong.
//!
//! The prefixes follow containers/image's transport syntax (`docs/containers-transports.5.md`,
//! as skopeo, buildah and podman spell it):
//! - `oci-archive:PATH[:REFERENCE]`, `docker-archive:PATH[:REFERENCE]`, `oci:DIR[:REFERENCE]`:
//!   the path is cut from the reference at the *first* colon, as c/image does on Unix
//!   (`oci/internal/oci_util.go`, `splitPathAndImageNonWindows`: `strings.Cut(reference, ":")`),
//!   so a path holding a colon cannot be named this way (name it without a prefix). The
//!   reference picks one image of the archive or layout, as `--image` does: an OCI
//!   `org.opencontainers.image.ref.name`, or a docker archive's `RepoTags` entry.
//!   c/image's `docker-archive:PATH:@N` (an index into manifest.json) is refused with a pointer
//!   to `--image`.
//! - `docker://REFERENCE`, `registry://REFERENCE` (c/image's alias) and `registry:REFERENCE`:
//!   a registry reference.
//! - `dir:DIR` differs from c/image on purpose: there `dir:` is c/image's own
//!   manifest-and-blobs directory, which no builder ships; in gostatic it is any directory read
//!   as a root filesystem (`buildah mount`, `docker export | tar -x`).
//!
//! - `docker:NAME`, `podman:NAME`: an image of a local engine (`daemon`), as syft and dive
//!   name them (c/image spells docker's `docker-daemon:`).
//!
//! A bare name is a path when something exists there (or it looks like one: `./x`, `/x`,
//! `x.tar`), else a registry reference when it has a reference's grammar.

use std::ffi::OsStr;
use std::path::PathBuf;

use serde::Serialize;

use super::daemon::Engine;
use super::{ImageError, ImageFormat, ImageOptions};

/// Where to read images from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSource {
    /// A `docker save` or OCI archive file (plain, or gzip/zstd-compressed), an OCI layout
    /// directory, or a directory that looks like a root filesystem (has `etc`, `usr`, `bin`,
    /// `sbin` or `lib`): the format is recognised from the contents.
    Path(PathBuf),
    /// A tar on standard input (plain, gzip or zstd), read once in order.
    Stdin,
    /// `dir:PATH`: a directory read as a root filesystem, whatever it holds.
    Rootfs(PathBuf),
    /// `oci-archive:`, `docker-archive:` or `oci:`: the format is forced, and the reference (if
    /// any) picks the image.
    Transport {
        transport: Transport,
        path: PathBuf,
        reference: Option<String>,
        /// The argument as given, for reports.
        given: String,
    },
    /// `docker:NAME` or `podman:NAME`: an image of a local engine, read through its API socket.
    Daemon {
        engine: Engine,
        name: String,
        /// The argument as given, for reports.
        given: String,
    },
    /// A registry reference: `explicit` with `docker://` or `registry:`, else a bare name that
    /// is no path.
    Registry { reference: String, explicit: bool },
}

/// An explicit transport prefix that forces the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// `oci-archive:`: an OCI image layout in a tar.
    OciArchive,
    /// `docker-archive:`: a `docker save` tarball.
    DockerArchive,
    /// `oci:`: an OCI image layout directory.
    #[serde(rename = "oci")]
    OciLayout,
}

impl Transport {
    pub fn prefix(self) -> &'static str {
        match self {
            Transport::OciArchive => "oci-archive:",
            Transport::DockerArchive => "docker-archive:",
            Transport::OciLayout => "oci:",
        }
    }

    /// What the prefix promises, in words for an error.
    pub fn expects(self) -> &'static str {
        match self {
            Transport::OciArchive => "an OCI archive (a tar with index.json and oci-layout)",
            Transport::DockerArchive => "a docker save tarball (a tar with manifest.json)",
            Transport::OciLayout => "an OCI layout directory (index.json and oci-layout)",
        }
    }

    /// Whether an archive read as `format` is what the prefix promises. Docker 25+ writes both
    /// layouts in one tar (manifest.json and an OCI index, the reader refuses one where they
    /// differ), so such an archive is both a docker archive and an OCI archive.
    pub fn accepts(self, format: ImageFormat) -> bool {
        match self {
            Transport::OciArchive => matches!(
                format,
                ImageFormat::OciArchive | ImageFormat::DockerOciArchive
            ),
            Transport::DockerArchive => matches!(
                format,
                ImageFormat::DockerArchive | ImageFormat::DockerOciArchive
            ),
            Transport::OciLayout => format == ImageFormat::OciLayout,
        }
    }

    /// A directory for `oci:`, a file for the archives.
    pub fn wants_directory(self) -> bool {
        self == Transport::OciLayout
    }
}

/// A format in words, for the error that says a prefix was wrong.
pub(crate) fn described(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::DockerArchive => "a docker save tarball (docker-archive)",
        ImageFormat::DockerOciArchive => "a Docker 25+ docker save tarball (docker-oci-archive)",
        ImageFormat::OciArchive => "an OCI archive (oci-archive)",
        ImageFormat::OciLayout => "an OCI layout directory (oci)",
        ImageFormat::Rootfs => "a root filesystem directory",
        ImageFormat::Registry => "a registry image",
    }
}

/// The options with a transport's `:REFERENCE` as the image to pick; `--image` may name the
/// same one, not another.
pub(crate) fn with_reference(
    options: &ImageOptions,
    reference: Option<&str>,
) -> Result<ImageOptions, ImageError> {
    let mut selected = options.clone();
    if let Some(reference) = reference {
        match &options.image {
            Some(image) if image != reference => {
                return Err(ImageError::TwoImageNames {
                    reference: reference.to_string(),
                    image: image.clone(),
                });
            }
            _ => selected.image = Some(reference.to_string()),
        }
    }
    Ok(selected)
}

pub(crate) fn wrong_format(transport: Transport, found: &'static str) -> ImageError {
    ImageError::WrongFormat {
        prefix: transport.prefix(),
        expects: transport.expects(),
        found,
    }
}

/// Refuse an archive that is not what its prefix promised, naming both.
pub(crate) fn check_forced(
    forced: Option<Transport>,
    format: ImageFormat,
) -> Result<(), ImageError> {
    match forced {
        Some(transport) if !transport.accepts(format) => {
            Err(wrong_format(transport, described(format)))
        }
        _ => Ok(()),
    }
}

const TRANSPORTS: [Transport; 3] = [
    Transport::OciArchive,
    Transport::DockerArchive,
    Transport::OciLayout,
];

/// Registry prefixes: c/image's `docker://` and its `registry://` alias, and the `registry:`
/// that issue 12 names.
const REGISTRY_PREFIXES: [&str; 3] = ["docker://", "registry://", "registry:"];

impl ImageSource {
    /// The source an argument names. `exists` says whether a path exists (the caller's file
    /// system; a test's fake).
    pub fn parse_with(arg: &OsStr, exists: impl Fn(&str) -> bool) -> Result<Self, String> {
        if arg == "-" {
            return Ok(ImageSource::Stdin);
        }
        let Some(text) = arg.to_str() else {
            // Not UTF-8: no prefix and no reference can be spelt so; only a path can.
            return Ok(ImageSource::Path(arg.into()));
        };
        if let Some(dir) = text.strip_prefix("dir:") {
            return nonempty(dir, "dir:").map(|dir| ImageSource::Rootfs(dir.into()));
        }
        for transport in TRANSPORTS {
            if let Some(rest) = text.strip_prefix(transport.prefix()) {
                let (path, reference) = match rest.split_once(':') {
                    Some((path, reference)) => (path, Some(reference)),
                    None => (rest, None),
                };
                let path = nonempty(path, transport.prefix())?;
                let reference = match reference {
                    None => None,
                    Some("") => return Err(format!("{text}: empty reference after the path")),
                    Some(index) if index.starts_with('@') => {
                        return Err(format!(
                            "{text}: an image index ({index}) is not supported; name the image \
                             by its tag, here or with --image"
                        ));
                    }
                    Some(reference) => Some(reference.to_string()),
                };
                return Ok(ImageSource::Transport {
                    transport,
                    path: path.into(),
                    reference,
                    given: text.to_string(),
                });
            }
        }
        for prefix in REGISTRY_PREFIXES {
            if let Some(reference) = text.strip_prefix(prefix) {
                return nonempty(reference, prefix).map(|reference| ImageSource::Registry {
                    reference: reference.to_string(),
                    explicit: true,
                });
            }
        }
        for engine in [Engine::Docker, Engine::Podman] {
            if let Some(name) = text.strip_prefix(engine.prefix()) {
                return nonempty(name, engine.prefix()).map(|name| ImageSource::Daemon {
                    engine,
                    name: name.to_string(),
                    given: text.to_string(),
                });
            }
        }
        if exists(text) || looks_like_path(text) || !is_reference(text) {
            return Ok(ImageSource::Path(text.into()));
        }
        Ok(ImageSource::Registry {
            reference: text.to_string(),
            explicit: false,
        })
    }

    /// The source an argument names, asking the file system whether a path exists.
    pub fn parse(arg: &OsStr) -> Result<Self, String> {
        Self::parse_with(arg, |path| {
            std::path::Path::new(path).symlink_metadata().is_ok()
        })
    }

    /// The file or directory this source reads, without a transport prefix or reference: where
    /// SARIF and GitHub annotations locate its results. `-` for stdin; a registry reference
    /// as written.
    pub fn file(&self) -> String {
        match self {
            ImageSource::Path(path)
            | ImageSource::Rootfs(path)
            | ImageSource::Transport { path, .. } => path.display().to_string(),
            ImageSource::Stdin => "-".to_string(),
            ImageSource::Registry { reference, .. } => reference.clone(),
            ImageSource::Daemon { given, .. } => given.clone(),
        }
    }

    /// How files of this source are named in reports: the argument as given, or `-`.
    pub fn display(&self) -> String {
        match self {
            ImageSource::Path(path) | ImageSource::Rootfs(path) => path.display().to_string(),
            ImageSource::Stdin => "-".to_string(),
            ImageSource::Transport { given, .. } | ImageSource::Daemon { given, .. } => {
                given.clone()
            }
            ImageSource::Registry { reference, .. } => reference.clone(),
        }
    }
}

fn nonempty<'a>(rest: &'a str, prefix: &str) -> Result<&'a str, String> {
    if rest.is_empty() {
        Err(format!("{prefix} names nothing"))
    } else {
        Ok(rest)
    }
}

/// Names a user types for a file, never for an image reference: a path's own spelling, or an
/// archive's extension. `x.tar` is a valid reference grammatically (`docker.io/library/x.tar`),
/// but a missing `x.tar` is a mistyped file far more often than an image on Docker Hub.
fn looks_like_path(text: &str) -> bool {
    const EXTENSIONS: [&str; 6] = [".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst", ".oci"];
    text.starts_with(['/', '.', '~'])
        || text.ends_with('/')
        || EXTENSIONS.iter().any(|ext| text.ends_with(ext))
}

/// Whether `text` has the grammar of a docker reference (distribution/reference's
/// `reference.go`): `[DOMAIN[:PORT]/]PATH[:TAG][@ALGO:HEX]`, path components lowercase
/// alphanumerics joined by `.`, `_`, `__` or dashes; a tag of `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn is_reference(text: &str) -> bool {
    let (name, digest) = match text.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (text, None),
    };
    if let Some(digest) = digest {
        let Some((algo, hex)) = digest.split_once(':') else {
            return false;
        };
        if algo.is_empty()
            || !algo
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+._-".contains(&b))
            || hex.len() < 32
            || !hex.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return false;
        }
    }
    // A tag follows the last colon after the last slash (a colon before it is a port).
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    if let Some(tag) = tag {
        let valid = !tag.is_empty()
            && tag.len() <= 128
            && !tag.starts_with(['.', '-'])
            && tag
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if !valid {
            return false;
        }
    }
    let mut components: Vec<&str> = repository.split('/').collect();
    if components.len() > 1 && is_domain(components[0]) {
        components.remove(0);
    }
    !components.is_empty() && components.iter().all(|c| is_path_component(c))
}

/// `localhost`, or a host with a dot or a port (the rule c/image applies to the first
/// component), its labels alphanumerics and dashes.
fn is_domain(component: &str) -> bool {
    let (host, port) = match component.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (component, None),
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let labels_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    labels_ok && (host == "localhost" || host.contains('.') || port.is_some())
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn is_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let separator = &component[start..i];
        let valid = separator == "."
            || separator == "_"
            || separator == "__"
            || separator.bytes().all(|b| b == b'-');
        if !valid {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(arg: &str) -> Result<ImageSource, String> {
        ImageSource::parse_with(OsStr::new(arg), |path| {
            path == "alpine:3.20" || path == "app"
        })
    }

    fn forced(
        transport: Transport,
        path: &str,
        reference: Option<&str>,
        given: &str,
    ) -> ImageSource {
        ImageSource::Transport {
            transport,
            path: path.into(),
            reference: reference.map(str::to_string),
            given: given.to_string(),
        }
    }

    #[test]
    fn prefixes_force_the_transport_and_cut_at_the_first_colon() {
        assert_eq!(
            parse("oci-archive:app.tar"),
            Ok(forced(
                Transport::OciArchive,
                "app.tar",
                None,
                "oci-archive:app.tar"
            ))
        );
        assert_eq!(
            parse("docker-archive:a.tar:app:1"),
            Ok(forced(
                Transport::DockerArchive,
                "a.tar",
                Some("app:1"),
                "docker-archive:a.tar:app:1"
            ))
        );
        assert_eq!(
            parse("oci:layout:v1"),
            Ok(forced(
                Transport::OciLayout,
                "layout",
                Some("v1"),
                "oci:layout:v1"
            ))
        );
        assert_eq!(
            parse("dir:./root:x"),
            Ok(ImageSource::Rootfs("./root:x".into()))
        );
        assert_eq!(parse("-"), Ok(ImageSource::Stdin));
    }

    #[test]
    fn prefixes_that_name_nothing_or_an_index_are_refused() {
        for arg in ["oci:", "oci-archive::x", "dir:", "docker://", "registry:"] {
            assert!(parse(arg).is_err(), "{arg}");
        }
        assert!(parse("oci:x:").unwrap_err().contains("empty reference"));
        assert!(
            parse("docker-archive:x.tar:@0")
                .unwrap_err()
                .contains("--image")
        );
    }

    #[test]
    fn registry_prefixes_and_bare_references() {
        for (arg, reference, explicit) in [
            ("docker://alpine:3.20", "alpine:3.20", true),
            ("registry://ghcr.io/a/b:1", "ghcr.io/a/b:1", true),
            ("registry:app", "app", true),
            (
                "registry.example.com/team/app:1.2",
                "registry.example.com/team/app:1.2",
                false,
            ),
            ("localhost:5000/app", "localhost:5000/app", false),
            ("alpine:3.21", "alpine:3.21", false),
        ] {
            let want = ImageSource::Registry {
                reference: reference.into(),
                explicit,
            };
            assert_eq!(parse(arg), Ok(want), "{arg}");
        }
    }

    #[test]
    fn engine_prefixes_name_a_local_image() {
        assert_eq!(
            parse("docker:app:1"),
            Ok(ImageSource::Daemon {
                engine: Engine::Docker,
                name: "app:1".into(),
                given: "docker:app:1".into()
            })
        );
        assert_eq!(
            parse("podman:localhost/app"),
            Ok(ImageSource::Daemon {
                engine: Engine::Podman,
                name: "localhost/app".into(),
                given: "podman:localhost/app".into()
            })
        );
        // `docker://` is a registry; `docker-archive:` an archive; `docker:` alone nothing.
        assert!(matches!(
            parse("docker://app"),
            Ok(ImageSource::Registry { .. })
        ));
        assert!(matches!(
            parse("docker-archive:a.tar"),
            Ok(ImageSource::Transport { .. })
        ));
        assert!(parse("podman:").is_err());
    }

    #[test]
    fn an_existing_path_or_a_path_spelling_is_never_a_reference() {
        // Both a file and a reference: the file wins; `registry:` would force the reference.
        assert_eq!(
            parse("alpine:3.20"),
            Ok(ImageSource::Path("alpine:3.20".into()))
        );
        assert_eq!(parse("app"), Ok(ImageSource::Path("app".into())));
        for arg in ["missing.tar", "./x", "/abs/x", "x.tar.gz", "dist/", "Upper"] {
            assert_eq!(parse(arg), Ok(ImageSource::Path(arg.into())), "{arg}");
        }
    }

    #[test]
    fn reference_grammar() {
        for good in [
            "a",
            "a_b",
            "a__b",
            "a---b",
            "a.b/c",
            "example.com:5000/a/b:tag-1.0",
            "app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "app:1@sha256:0123456789abcdef0123456789abcdef",
        ] {
            assert!(is_reference(good), "{good}");
        }
        for bad in [
            "A",
            "a_",
            "_a",
            "a___b",
            "a..b",
            "a:",
            "a:.x",
            "a:-x",
            "a@sha256:xyz",
            "a@abc",
            "a/",
            "/a",
            "a b",
            "",
        ] {
            assert!(!is_reference(bad), "{bad}");
        }
        assert!(!is_reference(&format!("a:{}", "t".repeat(129))));
        assert!(is_reference(&format!("a:{}", "t".repeat(128))));
    }

    #[test]
    fn a_reference_picks_the_image_and_must_agree_with_image() {
        let plain = ImageOptions {
            platform: Some(crate::image::Platform::parse("linux/arm64").unwrap()),
            ..ImageOptions::default()
        };
        let picked = with_reference(&plain, Some("app:1")).unwrap();
        assert_eq!(picked.image.as_deref(), Some("app:1"));
        assert_eq!(picked.platform, plain.platform, "the other options stay");
        assert_eq!(with_reference(&plain, None).unwrap().image, None);
        let named = ImageOptions {
            image: Some("app:1".into()),
            ..ImageOptions::default()
        };
        assert_eq!(
            with_reference(&named, Some("app:1"))
                .unwrap()
                .image
                .as_deref(),
            Some("app:1")
        );
        let err = with_reference(&named, Some("app:2"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "the source names image 'app:2' and --image names 'app:1'; name one"
        );
    }

    #[test]
    fn transports_accept_their_formats() {
        use ImageFormat::*;
        assert!(Transport::OciArchive.accepts(OciArchive));
        assert!(Transport::OciArchive.accepts(DockerOciArchive));
        assert!(!Transport::OciArchive.accepts(DockerArchive));
        assert!(Transport::DockerArchive.accepts(DockerArchive));
        assert!(Transport::DockerArchive.accepts(DockerOciArchive));
        assert!(!Transport::DockerArchive.accepts(OciArchive));
        assert!(Transport::OciLayout.accepts(OciLayout));
        assert!(!Transport::OciLayout.accepts(OciArchive));
        assert!(Transport::OciLayout.wants_directory());
        assert!(!Transport::OciArchive.wants_directory());
    }
}
