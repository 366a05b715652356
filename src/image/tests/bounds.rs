//! Resource bounds (issue 11, items 6-12): each crafted input, small here, once made the reader
//! hold gigabytes or run for seconds; each must now end in one short error (or a bounded
//! result), whatever the scale. `scripts/robustness.sh` runs the same builders at the scale
//! that hurt and records peak RSS and time.

use super::*;
use crate::testkit::hostile;

fn open_dir(dir: &std::path::Path) -> Result<Vec<Image<usize>>, ImageError> {
    open(
        &ImageSource::Path(dir.to_path_buf()),
        &ImageOptions::default(),
        &sizes,
    )
}

/// Item 9: a layout's symlinks are followed only inside it, and only regular files are read.
#[test]
fn a_layout_never_reads_through_symlinks_out_of_it_nor_fifos_nor_devices() {
    let replace = |at: &std::path::Path, how: &dyn Fn(&std::path::Path)| {
        std::fs::remove_file(at).unwrap();
        how(at);
    };
    let link = |target: &'static str| {
        move |at: &std::path::Path| std::os::unix::fs::symlink(target, at).unwrap()
    };
    let fifo = |at: &std::path::Path| {
        let made = std::process::Command::new("mkfifo").arg(at).status();
        assert!(made.unwrap().success());
    };
    type Make = Box<dyn Fn(&std::path::Path)>;
    let cases: Vec<(&str, &str, Make, &str)> = vec![
        (
            "index.json",
            "pagemap",
            Box::new(link("/proc/self/pagemap")),
            "out of the layout",
        ),
        (
            "index.json",
            "outside",
            Box::new(link("../outside.json")),
            "out of the layout",
        ),
        (
            "index.json",
            "fifo",
            Box::new(fifo),
            "not a regular file (a FIFO)",
        ),
        (
            "blob",
            "zero",
            Box::new(link("/dev/zero")),
            "out of the layout",
        ),
    ];
    for (member, case, how, expected) in cases {
        let top = tempfile::tempdir().unwrap();
        let dir = top.path().join("layout");
        testkit::write_dir(&hostile::layout_files(), &dir).unwrap();
        std::fs::copy(dir.join("index.json"), top.path().join("outside.json")).unwrap();
        let at = if member == "blob" {
            let layer = hostile::layout_files()
                .into_iter()
                .find(|(_, b)| b.starts_with(&[0x1f, 0x8b]))
                .unwrap();
            dir.join(layer.0)
        } else {
            dir.join(member)
        };
        replace(&at, &*how);
        let err = open_dir(&dir).unwrap_err().to_string();
        assert!(err.contains(expected), "{case}: {err}");
        assert!(err.len() < 200, "{case}: {err}");
    }
}

/// ...while a symlink that stays inside the layout is followed, as before.
#[test]
fn a_layout_symlink_inside_the_layout_is_followed() {
    let top = tempfile::tempdir().unwrap();
    let dir = top.path().join("layout");
    testkit::write_dir(&hostile::layout_files(), &dir).unwrap();
    std::fs::rename(dir.join("index.json"), dir.join("real-index.json")).unwrap();
    std::os::unix::fs::symlink("real-index.json", dir.join("index.json")).unwrap();
    assert_eq!(open_dir(&dir).unwrap().len(), 1);
}

/// Item 6: nested indexes whose fan-out multiplies stop at a bound on the descriptors followed,
/// with one short line; below the bound, the error listing every platform stays short too.
#[test]
fn nested_indexes_that_multiply_stop_at_the_descriptor_bound_in_one_short_line() {
    let err = open_bytes(&hostile::nested_index(4, 7), &ImageOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("descriptor limit exceeded"), "{err}");
    assert!(err.len() < 200, "{err}");
    // 4^5 = 1024 copies of one manifest: under the bound, one name with 1024 "platforms".
    let err = open_bytes(&hostile::nested_index(4, 5), &ImageOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("1024 platforms") && err.contains("and 1016 more"),
        "{err}"
    );
    assert!(err.len() < 300, "{err}");
}

/// Item 7: a compressed outer archive full of JSON-looking members stops at the bound on the
/// documents kept while streaming, before it holds them all.
#[test]
fn a_stream_of_json_looking_members_stops_at_the_kept_documents_bound() {
    let bytes = hostile::small_json_members(40, 1 << 20);
    assert!(bytes.len() < 200_000);
    let mut options = ImageOptions::default();
    options.limits.max_streamed_documents_bytes = 16 << 20;
    let err = open_bytes(&bytes, &options).unwrap_err().to_string();
    assert!(err.starts_with("streamed document limit exceeded"), "{err}");
    assert!(err.contains("doc16.json"), "{err}");
}

/// Item 8: images sharing one layer each merge it again; the merged entries of every image of
/// the source count against the entry limit, before any tree is built.
#[test]
fn images_sharing_a_layer_count_their_merged_entries_against_the_limit() {
    let bytes = hostile::shared_layer(300, 20);
    let mut options = ImageOptions::default();
    options.limits.max_entries = 1000;
    options.limits.max_merged_entries = 1000;
    let err = open_bytes(&bytes, &options).unwrap_err().to_string();
    assert!(
        err.starts_with("entry limit exceeded (1000 entries merged across"),
        "{err}"
    );
    // Fewer images fit, whatever their number of names.
    assert_eq!(
        open_bytes(&hostile::shared_layer(40, 20), &options)
            .unwrap()
            .len(),
        40
    );
}

/// Item 8: past the first 4096 extra paths to one executable, hard links are listed as not
/// analysed (naming the file that was), not given each a copy of its inspection.
#[test]
fn hard_links_past_the_bound_are_listed_not_copied() {
    let links = assemble::MAX_EXTRA_LINKS + 10;
    let images = open_bytes(&hostile::hard_links(links), &ImageOptions::default()).unwrap();
    let image = &images[0];
    assert_eq!(image.files.len(), assemble::MAX_EXTRA_LINKS + 1);
    assert_eq!(image.skipped.len(), 10);
    assert!(
        image.skipped[0].reason.starts_with("a hard link to /"),
        "{}",
        image.skipped[0].reason
    );
}

/// Item 12: a member whose header claims more than the budget left stops at its header, before
/// a byte of it is inflated: here the data after the header is cut short, which would be a
/// truncation error had it been read.
#[test]
fn a_member_claiming_more_than_the_budget_stops_at_its_header() {
    let mut tar = TarBuilder::new();
    tar.header("zeros", b'0', 0o644, 4 << 30, "")
        .raw(&[0; 4096]);
    let mut spec = ImageSpec::new("t:1", vec![]);
    spec.compress = Compress::None;
    spec.layers = vec![testkit::zstd(&tar.unfinished())];
    let mut options = ImageOptions::default();
    options.limits.max_uncompressed_bytes = 1 << 30;
    let bytes = testkit::to_tar(&testkit::oci_layout(&[spec]));
    let err = open_bytes(&bytes, &options).unwrap_err().to_string();
    assert!(err.starts_with("uncompressed size limit exceeded"), "{err}");
}

/// Item 12: a layer of zeros spread over members no one of which is too big stops at the ratio
/// once past its threshold, gzip (which cannot pass 1032:1) as well as zstd (30,000:1); a layer
/// of ordinary content does not, and `max_inflate_ratio: 0` reads the zeros too.
#[test]
fn a_layer_inflating_beyond_the_ratio_stops_early() {
    let zeros = || {
        let mut tar = TarBuilder::new();
        for i in 0..16 {
            tar.file(&format!("z{i}"), &[0; 1 << 20]);
        }
        tar.finish()
    };
    let mut options = ImageOptions::default();
    options.limits.inflate_ratio_after_bytes = 8 << 20;
    for layer in [testkit::zstd(&zeros()), hostile::gzip_best(&zeros())] {
        let bytes = layer_image(layer);
        let err = open_bytes(&bytes, &options).unwrap_err().to_string();
        assert!(
            err.starts_with("decompression ratio limit exceeded (256:1 past 8 MiB"),
            "{err}"
        );
        assert!(err.contains("--max-inflate-ratio 0"), "{err}");
        let mut unlimited = options.clone();
        unlimited.limits.max_inflate_ratio = 0;
        assert!(open_bytes(&bytes, &unlimited).is_ok());
        // Under the threshold (1 GiB by default) no ratio is too high.
        assert!(open_bytes(&bytes, &ImageOptions::default()).is_ok());
    }
    // Text as redundant as real text gets (a few hundred words, repeated in varying order)
    // inflates far less than 256:1 and is read.
    let words: Vec<String> = (0..300).map(|i| format!("word{i:x}")).collect();
    let mut text = String::new();
    let mut state = 1u32;
    while text.len() < 16 << 20 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        text.push_str(&words[(state >> 16) as usize % words.len()]);
        text.push(if state.is_multiple_of(7) { '\n' } else { ' ' });
    }
    let tar = TarBuilder::new()
        .file("notes.txt", text.as_bytes())
        .finish();
    for layer in [testkit::zstd(&tar), testkit::gzip(&tar)] {
        assert!(layer.len() > (16 << 20) / 256, "{}", layer.len());
        assert!(open_bytes(&layer_image(layer), &options).is_ok());
    }
}

/// An OCI archive of one image whose one layer is these (already compressed) bytes.
fn layer_image(layer: Vec<u8>) -> Vec<u8> {
    let mut spec = ImageSpec::new("t:1", vec![]);
    spec.compress = Compress::None;
    spec.layers = vec![layer];
    testkit::to_tar(&testkit::oci_layout(&[spec]))
}

/// An image `t:1` of one layer holding `app` with these bytes.
fn app_image(app: &[u8]) -> ImageSpec {
    ImageSpec::new("t:1", vec![TarBuilder::new().file("app", app).finish()])
}

/// Item 5: a Docker 25+ archive whose manifest.json and index.json describe different images is
/// refused: docker load and the containerd image store would each load another image.
#[test]
fn manifest_json_and_index_json_that_disagree_are_refused() {
    let (clean, other) = (app_image(b"clean"), app_image(b"other"));
    let mut files = testkit::docker25(&[other]);
    let from_clean = testkit::docker25(std::slice::from_ref(&clean));
    files.retain(|(name, _)| name != "manifest.json");
    for (name, bytes) in from_clean {
        if name == "manifest.json" || name.starts_with("blobs/") {
            files.push((name, bytes));
        }
    }
    let err = open_bytes(&testkit::to_tar(&files), &ImageOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("describe different images"), "{err}");
    // The same archive as Docker writes it reads as before.
    let agreeing = testkit::to_tar(&testkit::docker25(&[clean]));
    assert_eq!(
        open_bytes(&agreeing, &ImageOptions::default())
            .unwrap()
            .len(),
        1
    );
}

/// Item 5, the other way to show two runtimes two images: `manifest.json` twice in one archive.
/// containerd and moby read the last copy, containers/image (podman load) the first, so the
/// archive is refused, by the indexed reader and by the streamed one (a compressed archive).
#[test]
fn an_entry_document_named_twice_is_refused() {
    let (clean, other) = (app_image(b"clean"), app_image(b"other"));
    let first = testkit::docker_legacy(std::slice::from_ref(&clean));
    let second = testkit::docker_legacy(std::slice::from_ref(&other));
    let mut files = first.clone();
    files.extend(second);
    let plain = testkit::to_tar(&files);
    for bytes in [plain.clone(), testkit::gzip(&plain)] {
        let err = open_bytes(&bytes, &ImageOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("manifest.json: bad archive member: named twice in the archive"),
            "{err}"
        );
    }
    // Each archive alone reads; so does one whose blobs alone repeat (each is verified).
    assert!(open_bytes(&testkit::to_tar(&first), &ImageOptions::default()).is_ok());
    let mut blobs_twice = first.clone();
    blobs_twice.extend(
        first
            .into_iter()
            .filter(|(name, _)| name != "manifest.json"),
    );
    let blobs_twice = testkit::to_tar(&blobs_twice);
    for bytes in [blobs_twice.clone(), testkit::gzip(&blobs_twice)] {
        assert_eq!(
            open_bytes(&bytes, &ImageOptions::default()).unwrap().len(),
            1
        );
    }
}
