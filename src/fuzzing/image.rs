//! Fuzz oracles of the image reader (issue 11): the tar reader on any bytes, and the whole
//! reader (outer tar, the docker and OCI documents, layer decode and merge) on any bytes read
//! as a streamed archive. The seeds (`fuzz/corpus/tar/`, `fuzz/corpus/image/`) are the test
//! kit's hostile tars and small archives of every form; `write_image_seeds` rewrites them.

use crate::image::{self, ImageLimits, ImageOptions, layer, merge};

/// Limits small enough that one input cannot cost more than a few MB or milliseconds.
fn limits() -> ImageLimits {
    ImageLimits {
        max_entries: 10_000,
        max_merged_entries: 10_000,
        max_uncompressed_bytes: 64 << 20,
        max_document_bytes: 1 << 20,
        max_streamed_documents_bytes: 4 << 20,
        ..ImageLimits::default()
    }
}

/// The tar reader, alone and as a layer merged into a tree.
///
/// Invariants, on any bytes: nothing panics; every name and link target the reader lists is
/// within the path limit and every member's data lies inside the input; decoding the bytes as
/// a layer gives an error or a change list that merges into a tree whose every path is
/// absolute and normalised, whose files are each listed once.
pub fn tar(data: &[u8]) {
    let max_path = limits().max_path_bytes;
    if let Ok(members) = image::tar::list(data, max_path) {
        for member in &members {
            assert!(member.name.len() <= max_path, "name over the limit");
            assert!(member.link.len() <= max_path, "link target over the limit");
            assert!(
                member.size <= data.len() as u64,
                "data larger than the input"
            );
        }
    }
    let options = ImageOptions {
        limits: limits(),
        ..ImageOptions::default()
    };
    let budget = image::limits::Budget::default();
    let done = std::sync::atomic::AtomicU64::new(0);
    let sizes = |_: &str, bytes: &[u8]| Some(bytes.len());
    let ctx = layer::Context {
        limits: &options.limits,
        budget: &budget,
        inspector: &sizes,
        progress: None,
        done: &done,
        total: 0,
    };
    let Ok(decoded) = layer::decode(data, "layer", true, true, &ctx) else {
        return;
    };
    let mut merger = merge::Merger::default();
    merger.apply(0, &decoded.changes, &decoded.contents);
    let mut seen = std::collections::HashSet::new();
    for (path, _) in merger.tree.iter() {
        assert!(path.starts_with('/'), "a relative path in the tree: {path}");
        assert_eq!(
            image::path::normalise(path).as_deref(),
            Some(path),
            "an unnormalised path in the tree"
        );
        assert!(seen.insert(path.to_string()), "{path} listed twice");
    }
}

/// The whole reader on bytes taken as a streamed archive.
///
/// Invariants: nothing panics; an error is one line of bounded length; an image read has a
/// name, one layer entry per layer read, and files only at paths of its tree.
pub fn archive(data: &[u8]) {
    let options = ImageOptions {
        limits: limits(),
        ..ImageOptions::default()
    };
    let sizes = |_: &str, bytes: &[u8]| Some(bytes.len());
    match image::assemble::open_stream(data, &options, &sizes) {
        Err(err) => {
            let line = err.to_string();
            assert!(!line.contains('\n'), "a multi-line error: {line}");
            // Names in errors are capped by the path limit and lists by `listing`.
            assert!(line.len() < 3 * 4096, "an error of {} bytes", line.len());
        }
        Ok(images) => {
            for image in &images {
                assert!(!image.name.is_empty(), "an image without a name");
                let paths: std::collections::HashSet<&str> =
                    image.tree.iter().map(|(p, _)| p).collect();
                for file in &image.files {
                    assert!(paths.contains(file.image_path.as_str()));
                    assert!(file.layer < image.layers.len());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::archive::{self as kit, Compress, ImageSpec, TarBuilder};
    use crate::testkit::{elf::Synth, hostile};

    fn tar_seeds() -> Vec<(String, Vec<u8>)> {
        let mut seeds: Vec<(String, Vec<u8>)> = kit::hostile_tars()
            .into_iter()
            .map(|(name, bytes)| (name.to_string(), bytes))
            .collect();
        let layer = TarBuilder::new()
            .dir("bin")
            .file("bin/app", &Synth::static_program().build())
            .symlink("bin/sh", "app")
            .hardlink("bin/again", "bin/app")
            .whiteout("etc", "gone")
            .opaque("var")
            .pax_file("long/name", b"x")
            .gnu_long_file(&"n".repeat(120), b"y")
            .finish();
        seeds.push(("layer".into(), layer.clone()));
        seeds.push(("layer-gzip".into(), kit::gzip(&layer)));
        seeds.push(("layer-zstd".into(), kit::zstd(&layer)));
        seeds
    }

    fn archive_seeds() -> Vec<(String, Vec<u8>)> {
        let layer = TarBuilder::new()
            .file("app", &Synth::static_program().build())
            .finish();
        let mut plain = ImageSpec::new("t:1", vec![layer.clone()]);
        plain.compress = Compress::None;
        let mut arm = ImageSpec::new("t:1", vec![layer.clone()]);
        arm.arch = "arm64".into();
        let spec = ImageSpec::new("t:1", vec![layer]);
        vec![
            (
                "oci".into(),
                kit::to_tar(&kit::oci_layout(&[plain.clone()])),
            ),
            (
                "docker-legacy".into(),
                kit::to_tar(&kit::docker_legacy(&[plain])),
            ),
            (
                "docker25".into(),
                kit::to_tar(&kit::docker25(std::slice::from_ref(&spec))),
            ),
            (
                "multiarch".into(),
                kit::to_tar(&kit::oci_multiarch("t:1", &[spec.clone(), arm])),
            ),
            (
                "gzip-outer".into(),
                kit::gzip(&kit::to_tar(&kit::docker25(&[spec]))),
            ),
            ("nested-index".into(), hostile::nested_index(2, 3)),
            ("shared-layer".into(), hostile::shared_layer(3, 4)),
        ]
    }

    fn corpus(target: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(target)
    }

    /// Rewrites the seed corpora; run after changing the builders.
    #[test]
    #[ignore = "writes fuzz/corpus/{tar,image}"]
    fn write_image_seeds() {
        for (target, seeds) in [("tar", tar_seeds()), ("image", archive_seeds())] {
            let dir = corpus(target);
            std::fs::create_dir_all(&dir).unwrap();
            for (name, bytes) in seeds {
                std::fs::write(dir.join(name), bytes).unwrap();
            }
        }
    }

    #[test]
    fn every_seed_keeps_the_invariants_and_the_committed_seeds_are_current() {
        for (name, bytes) in tar_seeds() {
            super::tar(&bytes);
            let committed = std::fs::read(corpus("tar").join(&name)).ok();
            assert!(
                committed == Some(bytes),
                "fuzz/corpus/tar/{name} is missing or stale"
            );
        }
        for (name, bytes) in archive_seeds() {
            super::archive(&bytes);
            let committed = std::fs::read(corpus("image").join(&name)).ok();
            assert!(
                committed == Some(bytes),
                "fuzz/corpus/image/{name} is missing or stale"
            );
        }
    }
}
