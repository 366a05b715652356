//! Why an image could not be read: one variant per kind of damage, each naming the archive
//! member or blob at fault, rendered on one line (`image.tar: blobs/sha256/ab12…: digest mismatch …`
//! once the CLI adds the source).

/// A reason an image archive, layout or root filesystem could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    #[error("{0}")]
    Io(String),
    #[error(
        "not an image archive or layout ({0}); expected a docker save tarball, an OCI archive or layout, or a root filesystem directory (dir:PATH)"
    )]
    NotAnImage(String),
    #[error("{member}: truncated tar ({detail})")]
    Truncated { member: String, detail: String },
    #[error("{member}: bad tar header at offset {offset:#x} ({detail})")]
    BadTar {
        member: String,
        offset: u64,
        detail: String,
    },
    #[error("{member}: unsafe member name '{name}' (climbs out of the root)")]
    UnsafeName { member: String, name: String },
    #[error("{member}: {what} '{name}' is longer than the {limit}-byte limit")]
    NameTooLong {
        member: String,
        what: &'static str,
        name: String,
        limit: usize,
    },
    /// A member Go's `archive/tar` would read differently from gostatic (a GNU sparse file,
    /// which the runtime expands under another name): refused rather than misread.
    #[error("{member}: tar member '{name}' at offset {offset:#x} refused: {reason}")]
    RefusedMember {
        member: String,
        name: String,
        offset: u64,
        reason: &'static str,
    },
    #[error("{0}: the archive names this blob but does not hold it")]
    MissingBlob(String),
    #[error("{blob}: digest mismatch ({what} is {actual}, the {source_doc} says {expected})")]
    DigestMismatch {
        blob: String,
        what: &'static str,
        expected: String,
        actual: String,
        source_doc: &'static str,
    },
    #[error("{member}: bad {what}: {detail}")]
    BadDocument {
        member: String,
        what: &'static str,
        detail: String,
    },
    #[error("{blob}: cannot decompress {compression} layer: {detail}")]
    Decompress {
        blob: String,
        compression: &'static str,
        detail: String,
    },
    #[error("{blob}: unsupported layer compression ({found})")]
    UnsupportedCompression { blob: String, found: String },
    /// A blob longer or shorter than its descriptor says. A registry body is read to one byte
    /// past the descriptor's size, so "longer" is all that is said of a longer one.
    #[error("{blob}: size mismatch (the blob is {}, the manifest says {expected})", blob_length(*actual, *expected))]
    SizeMismatch {
        blob: String,
        actual: u64,
        expected: u64,
    },
    #[error("{what} limit exceeded ({limit}){}", at.as_deref().map(|m| format!(" in {m}")).unwrap_or_default())]
    Limit {
        what: &'static str,
        limit: String,
        at: Option<String>,
    },
    #[error("no image named '{wanted}' (the archive holds: {available})")]
    NoSuchImage { wanted: String, available: String },
    #[error("{name}: {count} platforms, pick one with --platform: {choices}")]
    AmbiguousPlatform {
        name: String,
        count: usize,
        choices: String,
    },
    #[error(
        "the archive holds no image: its manifest.json or index.json lists none (attestation manifests are not images)"
    )]
    NoImage,
    #[error("{name}: no manifest for platform {wanted} (available: {choices})")]
    NoSuchPlatform {
        name: String,
        wanted: String,
        choices: String,
    },
    #[error("invalid --platform '{0}' (expected os/arch or os/arch/variant)")]
    BadPlatform(String),
    /// A transport prefix promised one format and the source holds another.
    #[error("{prefix} names {expects}, and this is {found}")]
    WrongFormat {
        prefix: &'static str,
        expects: &'static str,
        found: &'static str,
    },
    /// `--image` and a transport's `:REFERENCE` name different images.
    #[error("the source names image '{reference}' and --image names '{image}'; name one")]
    TwoImageNames { reference: String, image: String },
    /// A registry reference that cannot be fetched as written (`registry:Foo`, a sha512 digest).
    #[error("{0}")]
    BadReference(String),
    /// A registry could not be reached or would not give the image: one line, and its cause.
    #[error("{message}")]
    Registry {
        kind: crate::error::ErrorKind,
        message: String,
    },
    /// A local engine (`docker:`, `podman:`) could not be reached or would not give the image.
    #[error("{0}")]
    Daemon(String),
    /// A second read (`read_files`) found other bytes than the first read judged.
    #[error("{member}: changed since it was first read ({detail})")]
    Changed { member: String, detail: String },
}

impl ImageError {
    /// The cause class for JSON `errors[].kind`, where there is one.
    pub fn kind(&self) -> Option<crate::error::ErrorKind> {
        match self {
            ImageError::Registry { kind, .. } => Some(*kind),
            ImageError::DigestMismatch { .. } | ImageError::SizeMismatch { .. } => {
                Some(crate::error::ErrorKind::DigestMismatch)
            }
            _ => None,
        }
    }

    pub(crate) fn registry(kind: crate::error::ErrorKind, message: impl Into<String>) -> Self {
        ImageError::Registry {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn io(context: &str, err: &std::io::Error) -> Self {
        let text = crate::error::InputErrorKind::from_io(err).to_string();
        if context.is_empty() {
            ImageError::Io(text)
        } else {
            ImageError::Io(format!("{context}: {text}"))
        }
    }

    pub(crate) fn document(
        member: &str,
        what: &'static str,
        detail: impl std::fmt::Display,
    ) -> Self {
        ImageError::BadDocument {
            member: member.to_string(),
            what,
            detail: detail.to_string(),
        }
    }
}

fn blob_length(actual: u64, expected: u64) -> String {
    if actual > expected {
        format!("longer than {expected} bytes")
    } else {
        format!("{actual} bytes")
    }
}
