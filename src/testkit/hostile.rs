//! Small crafted inputs that once made `gostatic image` use gigabytes or run for seconds
//! (issue 11, items 6-12): each a few hundred KB at most at the scale the regression tests use,
//! and built at a larger `scale` by `examples/hostile_cases.rs` for `scripts/robustness.sh`,
//! which measures peak RSS and time on the release binary.

use std::io::Read;

use super::archive::{Compress, Files, ImageSpec, TarBuilder, blob, sha256_hex, to_tar};
use super::elf::Synth;

/// Item 6: an OCI layout whose index nests `depth` indexes, each listing the next one
/// `fan_out` times, over one real image: `fan_out^depth` manifests reached from a few KB.
pub fn nested_index(fan_out: usize, depth: usize) -> Vec<u8> {
    let mut files = Files::new();
    let spec = ImageSpec::new("t:1", vec![TarBuilder::new().file("a", b"x").finish()]);
    let mut desc = super::archive::add_oci_manifest(&mut files, &spec);
    for _ in 0..depth {
        let index = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": vec![desc.clone(); fan_out],
        }))
        .expect("json");
        let len = index.len();
        let digest = blob(&mut files, index);
        desc = serde_json::json!({
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": digest,
            "size": len,
        });
    }
    desc["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": "t:1"});
    files.push((
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    ));
    files.push((
        "index.json".into(),
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [desc]}))
            .expect("json"),
    ));
    to_tar(&files)
}

/// Item 7: a gzip-compressed outer tar of `members` JSON-looking members of `each` bytes (a
/// `{` and spaces), which the streamed reader would keep as documents.
pub fn small_json_members(members: usize, each: usize) -> Vec<u8> {
    let mut body = vec![b' '; each];
    body[0] = b'{';
    let mut tar = TarBuilder::new();
    for i in 0..members {
        tar.file(&format!("doc{i}.json"), &body);
    }
    gzip_best(&tar.finish())
}

/// gzip at its best compression, as a bomb's maker would use it (the ratio on zeros nears
/// deflate's 1032:1; `archive::gzip`'s fast level stays near 100:1).
pub fn gzip_best(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzEncoder::new(bytes, flate2::Compression::best())
        .read_to_end(&mut out)
        .expect("in-memory gzip");
    out
}

/// Item 8: a `docker save` archive of `images` images that all name one layer of `entries`
/// empty files: every image merges the same layer again.
pub fn shared_layer(images: usize, entries: usize) -> Vec<u8> {
    let mut layer = TarBuilder::new();
    for i in 0..entries {
        layer.file(&format!("f{i}"), b"");
    }
    let spec = ImageSpec::new("t:1", vec![layer.finish()]);
    // The config's diff_id is the uncompressed tar's; the archive stores it gzipped.
    let config = spec.config();
    let layer = gzip_best(&spec.layers[0]);
    let config_name = format!("{}.json", sha256_hex(&config));
    let manifest: Vec<serde_json::Value> = (0..images)
        .map(|i| {
            serde_json::json!({
                "Config": config_name, "RepoTags": [format!("t:{i}")], "Layers": ["l/layer.tar"],
            })
        })
        .collect();
    to_tar(&vec![
        ("l/layer.tar".to_string(), layer),
        (config_name, config),
        (
            "manifest.json".to_string(),
            serde_json::to_vec(&manifest).expect("json"),
        ),
    ])
}

/// Item 8: one image whose layer holds an executable and `links` hard links to it.
pub fn hard_links(links: usize) -> Vec<u8> {
    let mut layer = TarBuilder::new();
    layer.file_mode("app", 0o755, &Synth::dynamic64().build());
    for i in 0..links {
        layer.hardlink(&format!("l{i}"), "app");
    }
    let mut spec = ImageSpec::new("t:1", vec![]);
    spec.compress = Compress::None;
    spec.layers = vec![gzip_best(&layer.finish())];
    to_tar(&super::archive::oci_layout(&[spec]))
}

/// Item 10: one image whose `/app` has `needed` DT_NEEDED entries.
pub fn many_needed(needed: usize) -> Vec<u8> {
    let names = vec!["libc.so.6"; needed];
    let app = Synth::dynamic64().needs(&names).build();
    let mut spec = ImageSpec::new(
        "t:1",
        vec![TarBuilder::new().file_mode("app", 0o755, &app).finish()],
    );
    spec.compress = Compress::None;
    spec.layers = vec![gzip_best(&spec.layers[0])];
    to_tar(&super::archive::oci_layout(&[spec]))
}

/// Item 12: one image whose layer is one tar member of `gib` GiB of zeros, compressed as
/// concatenated gzip members or zstd frames (one GiB each, compressed once), which both
/// decoders read as one stream: 70 GiB cost seconds to build, not minutes.
pub fn bomb(gib: u64, compress: Compress) -> Vec<u8> {
    let mut builder = TarBuilder::new();
    // The size in a PAX record: past 8 GiB it does not fit the header's 11 octal digits.
    let size = (gib << 30).to_string();
    builder
        .pax(&[("size", size.as_str())])
        .header("zeros", b'0', 0o644, 0, "");
    let header = builder.unfinished();
    let pack = |bytes: &mut dyn Read| -> Vec<u8> {
        let mut out = Vec::new();
        match compress {
            Compress::Zstd => out = zstd::stream::encode_all(bytes, 3).expect("in-memory zstd"),
            _ => {
                flate2::read::GzEncoder::new(bytes, flate2::Compression::best())
                    .read_to_end(&mut out)
                    .expect("in-memory gzip");
            }
        }
        out
    };
    let gib_of_zeros = pack(&mut std::io::repeat(0).take(1 << 30));
    let mut layer = pack(&mut &header[..]);
    for _ in 0..gib {
        layer.extend_from_slice(&gib_of_zeros);
    }
    layer.extend(pack(&mut &[0u8; 1024][..]));
    let mut spec = ImageSpec::new("t:1", vec![layer]);
    spec.compress = Compress::None;
    to_tar(&super::archive::oci_layout(&[spec]))
}

/// Item 12, spread out: `members` members of one GiB of zeros each, so that no one header
/// claims more than the budget; gzip members or zstd frames concatenated as in [`bomb`].
pub fn many_member_bomb(members: usize, compress: Compress) -> Vec<u8> {
    let pack = |bytes: &mut dyn Read| -> Vec<u8> {
        let mut raw = Vec::new();
        bytes.read_to_end(&mut raw).expect("in-memory bytes");
        match compress {
            Compress::Zstd => zstd::stream::encode_all(&raw[..], 3).expect("zstd"),
            _ => gzip_best(&raw),
        }
    };
    let gib_of_zeros = pack(&mut std::io::repeat(0).take(1 << 30));
    let mut layer = Vec::new();
    for i in 0..members {
        let mut builder = TarBuilder::new();
        builder.header(&format!("z{i}"), b'0', 0o644, 1 << 30, "");
        layer.extend(pack(&mut &builder.unfinished()[..]));
        layer.extend_from_slice(&gib_of_zeros);
    }
    layer.extend(pack(&mut &[0u8; 1024][..]));
    let mut spec = ImageSpec::new("t:1", vec![layer]);
    spec.compress = Compress::None;
    to_tar(&super::archive::oci_layout(&[spec]))
}

/// A valid one-image OCI layout's files, for the layout-directory cases of item 9.
pub fn layout_files() -> Files {
    let spec = ImageSpec::new("t:1", vec![TarBuilder::new().file("a", b"x").finish()]);
    super::archive::oci_layout(&[spec])
}
