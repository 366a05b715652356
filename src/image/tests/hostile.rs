//! Bad input: each gives one clear error or is handled safely, never a panic, never unbounded
//! memory, never a write.

use std::io::Read;

use super::*;

fn error_of(bytes: &[u8]) -> String {
    open_bytes(bytes, &ImageOptions::default())
        .unwrap_err()
        .to_string()
}

fn oci_with_layer(layer: Vec<u8>) -> testkit::Files {
    testkit::oci_layout(&[ImageSpec::new("t:1", vec![layer])])
}

#[test]
fn a_truncated_outer_tar_is_an_error() {
    let bytes = testkit::to_tar(&oci_with_layer(TarBuilder::new().file("a", b"x").finish()));
    let err = error_of(&bytes[..bytes.len() / 2 + 100]);
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn a_truncated_layer_is_an_error() {
    for compress in [Compress::None, Compress::Gzip, Compress::Zstd] {
        let mut layer = compress.apply(&TarBuilder::new().file("a", &[7; 5000]).finish());
        layer.truncate(layer.len() / 2);
        // Stored as given (already compressed), with digests that match the damaged bytes.
        let mut spec = ImageSpec::new("t:1", vec![layer]);
        spec.compress = Compress::None;
        let files = testkit::oci_layout(&[spec]);
        let err = error_of(&testkit::to_tar(&files));
        assert!(
            err.contains("truncated") || err.contains("decompress") || err.contains("ends early"),
            "{compress:?}: {err}"
        );
    }
}

#[test]
fn a_manifest_naming_a_missing_blob_is_an_error() {
    let mut files = oci_with_layer(TarBuilder::new().file("a", b"x").finish());
    let layer_digest = files[1].0.clone();
    files.retain(|(name, _)| *name != layer_digest);
    let err = error_of(&testkit::to_tar(&files));
    assert!(err.contains("does not hold it"), "{err}");
}

#[test]
fn a_digest_mismatch_is_an_error_for_layers_and_docker_diff_ids() {
    let mut files = oci_with_layer(TarBuilder::new().file("a", b"x").finish());
    let layer = files
        .iter_mut()
        .find(|(_, b)| b.starts_with(&[0x1f, 0x8b]))
        .unwrap();
    layer.1 = testkit::gzip(&TarBuilder::new().file("a", b"y").finish());
    let err = error_of(&testkit::to_tar(&files));
    assert!(err.contains("digest mismatch"), "{err}");

    let mut files = testkit::docker_legacy(&[ImageSpec::new(
        "t:1",
        vec![TarBuilder::new().file("a", b"x").finish()],
    )]);
    let layer = files
        .iter_mut()
        .find(|(n, _)| n.ends_with("layer.tar"))
        .unwrap();
    layer.1 = testkit::gzip(&TarBuilder::new().file("a", b"y").finish());
    let err = error_of(&testkit::to_tar(&files));
    assert!(err.contains("rootfs.diff_ids"), "{err}");
}

#[test]
fn members_climbing_out_are_refused_and_absolute_ones_stay_inside() {
    let bytes = testkit::to_tar(&oci_with_layer(
        TarBuilder::new().file("../../etc/passwd", b"x").finish(),
    ));
    let err = error_of(&bytes);
    assert!(
        err.contains("unsafe member name '../../etc/passwd'"),
        "{err}"
    );
    let bytes = testkit::to_tar(&oci_with_layer(
        TarBuilder::new().hardlink("x", "../../etc/shadow").finish(),
    ));
    assert!(error_of(&bytes).contains("unsafe member name"));
    let image = open_layers(vec![
        TarBuilder::new().file("/etc/passwd", b"root").finish(),
    ]);
    assert_eq!(image.tree.read_small("/etc/passwd"), Some(&b"root"[..]));
}

#[test]
fn a_symlink_pointing_outside_stays_inside() {
    let image = open_layers(vec![
        TarBuilder::new()
            .symlink("etc/passwd", "../../../../../etc/passwd")
            .finish(),
    ]);
    // It resolves to itself inside the root: a loop, not the host's file.
    assert!(image.tree.read_small("/etc/passwd").is_none());
}

/// A generator of a gzip layer that inflates to `total` bytes of zeros inside one tar member.
fn zero_bomb(total: u64) -> Vec<u8> {
    let mut builder = TarBuilder::new();
    builder.header("zeros", b'0', 0o644, total, "");
    let header = builder.unfinished();
    let mut encoder = flate2::read::GzEncoder::new(
        std::io::Cursor::new(header).chain(std::io::repeat(0).take(total + 1024)),
        flate2::Compression::best(),
    );
    let mut out = Vec::new();
    encoder.read_to_end(&mut out).unwrap();
    out
}

#[test]
fn a_layer_inflating_to_gigabytes_hits_the_limit_in_bounded_memory() {
    // 1 GiB of zeros compresses to ~1 MiB; the limit stops it after 64 MiB.
    let bomb = zero_bomb(1 << 30);
    assert!(bomb.len() < 4 << 20);
    let mut spec = ImageSpec::new("t:1", vec![]);
    spec.compress = Compress::None;
    spec.layers = vec![bomb];
    let bytes = testkit::to_tar(&testkit::oci_layout(&[spec]));
    let mut options = ImageOptions::default();
    options.limits.max_uncompressed_bytes = 64 << 20;
    let err = open_bytes(&bytes, &options).unwrap_err().to_string();
    assert!(err.contains("uncompressed size limit exceeded"), "{err}");
}

#[test]
fn a_file_that_is_not_an_archive_is_an_error() {
    let err = error_of(b"hello, this is not a tar file at all, just some text that goes on and on");
    assert!(err.contains("not a tar file"), "{err}");
    let err = error_of(&elf());
    assert!(err.contains("not an image archive"), "{err}");
    let err = error_of(&TarBuilder::new().file("readme", b"x").finish());
    assert!(err.contains("without manifest.json or index.json"), "{err}");
    assert!(error_of(b"").contains("empty"));
}

#[test]
fn corrupt_gzip_and_zstd_streams_are_errors() {
    for compress in [Compress::Gzip, Compress::Zstd] {
        let mut layer = compress.apply(&TarBuilder::new().file("a", &[9; 10000]).finish());
        let middle = layer.len() / 2;
        for byte in &mut layer[middle - 8..middle + 8] {
            *byte ^= 0x5a;
        }
        let mut spec = ImageSpec::new("t:1", vec![layer]);
        spec.compress = Compress::None;
        let err = error_of(&testkit::to_tar(&testkit::oci_layout(&[spec])));
        // zstd frames carry no checksum by default: damage may decode to garbage, which the
        // tar reader then refuses.
        assert!(
            err.contains("cannot decompress") || err.contains("bad tar header"),
            "{compress:?}: {err}"
        );
    }
}

#[test]
fn too_many_entries_is_a_limit_error() {
    let mut tar = TarBuilder::new();
    for i in 0..50 {
        tar.file(&format!("f{i}"), b"");
    }
    let bytes = testkit::to_tar(&oci_with_layer(tar.finish()));
    let mut options = ImageOptions::default();
    options.limits.max_entries = 10;
    let err = open_bytes(&bytes, &options).unwrap_err().to_string();
    assert!(err.contains("entry limit exceeded"), "{err}");
}

/// An archive that holds no image checked nothing: an error, not an empty report (issue 11,
/// item 15). Empty manifest.json, empty index, an index whose only manifest is an attestation.
#[test]
fn an_archive_without_an_image_is_an_error() {
    let empty_docker = testkit::to_tar(&vec![("manifest.json".to_string(), b"[]".to_vec())]);
    let empty_index = testkit::to_tar(&vec![
        (
            "oci-layout".to_string(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        ),
        (
            "index.json".to_string(),
            br#"{"schemaVersion":2,"manifests":[]}"#.to_vec(),
        ),
    ]);
    for bytes in [empty_docker, empty_index] {
        assert!(
            error_of(&bytes).starts_with("the archive holds no image"),
            "{}",
            error_of(&bytes)
        );
    }
    let mut files = oci_with_layer(TarBuilder::new().file("a", b"x").finish());
    let index = files
        .iter_mut()
        .find(|(name, _)| name == "index.json")
        .unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(&index.1).unwrap();
    json["manifests"][0]["annotations"] = serde_json::json!({
        "vnd.docker.reference.type": "attestation-manifest"
    });
    index.1 = serde_json::to_vec(&json).unwrap();
    assert!(error_of(&testkit::to_tar(&files)).starts_with("the archive holds no image"));
}

/// Issue 11, item 1: a symlink (or directory) whose size field claims the members after it
/// hides nothing: Go's `archive/tar`, which runtimes extract with, reads them, and so do we.
#[test]
fn members_behind_a_sized_symlink_are_read_in_a_layer() {
    let hidden = TarBuilder::new().file("server", &elf()).unfinished();
    let mut layer = TarBuilder::new();
    layer
        .header("bin", b'2', 0o777, hidden.len() as u64, "usr/bin")
        .raw(&hidden);
    let image = open_layers(vec![layer.finish()]);
    assert_eq!(paths(&image), ["/bin", "/server"]);
    assert_eq!(image.files.len(), 1);
    assert_eq!(image.files[0].image_path, "/server");
}

/// ...and in the outer archive, indexed from a file or streamed from a compressed one: a
/// whole image (its manifest.json with it) behind a sized directory entry is still read.
#[test]
fn members_behind_a_sized_directory_are_read_in_the_outer_archive() {
    let layer = TarBuilder::new().file("server", &elf()).finish();
    let files = testkit::docker_legacy(&[ImageSpec::new("t:1", vec![layer])]);
    let inner = testkit::to_tar(&files);
    let inner = &inner[..inner.len() - 1024]; // without its end-of-archive blocks
    let mut outer = TarBuilder::new();
    outer
        .header("decoy/", b'5', 0o755, inner.len() as u64, "")
        .raw(inner);
    let outer = outer.finish();
    for bytes in [outer.clone(), testkit::gzip(&outer)] {
        let images = open_bytes(&bytes, &ImageOptions::default()).unwrap();
        assert_eq!(paths(&images[0]), ["/server"]);
    }
}

/// Item 3: a GNU sparse member is refused, naming the member as Go would name it.
#[test]
fn a_sparse_member_in_a_layer_is_refused_by_name() {
    for (case, tar) in testkit::hostile_tars() {
        if !case.contains("sparse") {
            continue;
        }
        let err = error_of(&testkit::to_tar(&oci_with_layer(tar)));
        assert!(
            err.contains("tar member 'server'") && err.contains("GNU sparse file"),
            "{case}: {err}"
        );
    }
}

/// `files` with its one manifest changed by `edit`, stored under its new digest and named so
/// by index.json.
fn with_manifest_edited(
    mut files: testkit::Files,
    edit: impl Fn(&mut serde_json::Value),
) -> testkit::Files {
    let position = files
        .iter()
        .position(|(_, bytes)| bytes.windows(9).any(|w| w == b"\"layers\":"))
        .unwrap();
    let (old_name, old_bytes) = files.remove(position);
    let mut manifest: serde_json::Value = serde_json::from_slice(&old_bytes).unwrap();
    edit(&mut manifest);
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let new_name = format!("blobs/sha256/{}", testkit::sha256_hex(&bytes));
    let index = files.iter_mut().find(|(n, _)| n == "index.json").unwrap();
    let text = String::from_utf8(index.1.clone()).unwrap().replace(
        old_name.trim_start_matches("blobs/sha256/"),
        new_name.trim_start_matches("blobs/sha256/"),
    );
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["manifests"][0]["size"] = bytes.len().into();
    index.1 = serde_json::to_vec(&value).unwrap();
    files.push((new_name, bytes));
    files
}

/// containerd's content store refuses a blob of another length than its descriptor's size
/// ("unexpected commit size"); so does the reader, naming both, before it checks the digest.
#[test]
fn a_layer_of_another_size_than_its_descriptor_is_an_error() {
    let layer = TarBuilder::new().file("a", b"x").finish();
    let stored = testkit::gzip(&layer).len() as u64;
    for (claimed, says) in [
        (
            stored + 1,
            format!(
                "the blob is {stored} bytes, the manifest says {}",
                stored + 1
            ),
        ),
        // Longer is all a registry body read to one byte past the size can tell.
        (
            stored - 1,
            format!(
                "the blob is longer than {0} bytes, the manifest says {0}",
                stored - 1
            ),
        ),
    ] {
        let files = with_manifest_edited(oci_with_layer(layer.clone()), |manifest| {
            manifest["layers"][0]["size"] = claimed.into();
        });
        let err = error_of(&testkit::to_tar(&files));
        assert!(err.contains(&format!("size mismatch ({says})")), "{err}");
    }
    // A descriptor without a size (hand-made layouts) is read; the digest still covers it.
    let files = with_manifest_edited(oci_with_layer(layer), |manifest| {
        manifest["layers"][0]
            .as_object_mut()
            .unwrap()
            .remove("size");
    });
    assert!(open_bytes(&testkit::to_tar(&files), &ImageOptions::default()).is_ok());
}

/// An uncompressed layer's blob digest is its diff_id: containerd's unpacker refuses a config
/// whose `rootfs.diff_ids` names another ("wrong diff id calculated on extraction"), even
/// when the manifest's blob digest is right.
#[test]
fn an_uncompressed_layer_with_another_diff_id_in_the_config_is_an_error() {
    let mut spec = ImageSpec::new("t:1", vec![TarBuilder::new().file("a", b"x").finish()]);
    spec.compress = Compress::None;
    let mut files = testkit::oci_layout(&[spec]);
    let position = files
        .iter()
        .position(|(_, bytes)| bytes.windows(8).any(|w| w == b"\"rootfs\""))
        .unwrap();
    let (old_name, config) = files.remove(position);
    let mut config: serde_json::Value = serde_json::from_slice(&config).unwrap();
    config["rootfs"]["diff_ids"][0] = format!("sha256:{}", "0".repeat(64)).into();
    let config = serde_json::to_vec(&config).unwrap();
    let digest = format!("sha256:{}", testkit::sha256_hex(&config));
    let size = config.len();
    files.push((format!("blobs/{}", digest.replace(':', "/")), config));
    let files = with_manifest_edited(files, |manifest| {
        assert_eq!(
            manifest["config"]["digest"].as_str().unwrap(),
            old_name.replace("blobs/sha256/", "sha256:")
        );
        manifest["config"]["digest"] = digest.clone().into();
        manifest["config"]["size"] = size.into();
    });
    let err = error_of(&testkit::to_tar(&files));
    assert!(
        err.contains("digest mismatch (uncompressed digest is sha256:")
            && err.contains("the config's rootfs.diff_ids says sha256:0000"),
        "{err}"
    );
}
