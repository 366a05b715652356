//! Writes the crafted inputs of issue 11 (items 6-12) into a directory, at the scale that once
//! cost gigabytes, for `scripts/robustness.sh` to run the release binary on each and record its
//! peak RSS and time. The same builders, smaller, are the regression tests' inputs.
//!
//!     cargo run --release --features testkit --example hostile_cases -- DIR
#![allow(clippy::print_stderr)]

use std::path::Path;

use gostatic::testkit::archive::{Compress, write_dir};
use gostatic::testkit::hostile;

fn main() -> std::io::Result<()> {
    let dir = std::env::args().nth(1).expect("usage: hostile_cases DIR");
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir)?;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("nested-index.tar", hostile::nested_index(16, 7)),
        (
            "small-json.tar.gz",
            hostile::small_json_members(100, 8 << 20),
        ),
        ("shared-layer.tar", hostile::shared_layer(2000, 20_000)),
        ("hard-links.tar", hostile::hard_links(200_000)),
        ("many-needed.tar", hostile::many_needed(2_000_000)),
        ("gzip-bomb.tar", hostile::bomb(70, Compress::Gzip)),
        ("zstd-bomb.tar", hostile::bomb(70, Compress::Zstd)),
        (
            "gzip-many-member-bomb.tar",
            hostile::many_member_bomb(70, Compress::Gzip),
        ),
        (
            "zstd-many-member-bomb.tar",
            hostile::many_member_bomb(70, Compress::Zstd),
        ),
    ];
    for (name, bytes) in cases {
        eprintln!("{name}: {} bytes", bytes.len());
        std::fs::write(dir.join(name), bytes)?;
    }
    // Item 9: OCI layout directories whose documents are not regular files of the layout.
    for case in [
        "layout-pagemap",
        "layout-fifo",
        "layout-zero-blob",
        "layout-escape",
    ] {
        let root = dir.join(case);
        let _ = std::fs::remove_dir_all(&root);
        write_dir(&hostile::layout_files(), &root)?;
    }
    let link = |target: &str, at: &Path| -> std::io::Result<()> {
        let _ = std::fs::remove_file(at);
        std::os::unix::fs::symlink(target, at)
    };
    link("/proc/self/pagemap", &dir.join("layout-pagemap/index.json"))?;
    let fifo = dir.join("layout-fifo/index.json");
    std::fs::remove_file(&fifo)?;
    let status = std::process::Command::new("mkfifo").arg(&fifo).status()?;
    assert!(status.success(), "mkfifo failed");
    let blobs = dir.join("layout-zero-blob/blobs/sha256");
    let biggest = std::fs::read_dir(&blobs)?
        .filter_map(Result::ok)
        .max_by_key(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .expect("a blob");
    link("/dev/zero", &biggest.path())?;
    let escape = dir.join("layout-escape");
    std::fs::rename(escape.join("index.json"), dir.join("outside-index.json"))?;
    link("../outside-index.json", &escape.join("index.json"))?;
    Ok(())
}
