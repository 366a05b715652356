//! Builders for synthetic archives, used by unit and integration tests (and fuzz seeds): tar
//! streams with every header form, gzip and zstd wrappers, OCI layouts, and docker-archive
//! tarballs in the legacy and Docker 25+ forms. Not part of the supported API.
#![allow(clippy::missing_panics_doc)]

use std::io::Write;

use sha2::{Digest, Sha256};

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A tar stream built member by member (ustar headers, as Go's archive/tar writes them).
#[derive(Debug, Default, Clone)]
pub struct TarBuilder {
    out: Vec<u8>,
}

impl TarBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn file(&mut self, name: &str, data: &[u8]) -> &mut Self {
        self.file_mode(name, 0o755, data)
    }

    pub fn file_mode(&mut self, name: &str, mode: u32, data: &[u8]) -> &mut Self {
        self.entry(name, b'0', mode, data, "")
    }

    /// A regular file with an owner (`uid`:`gid`), for rules that read ownership.
    pub fn file_owned(
        &mut self,
        name: &str,
        mode: u32,
        owner: (u64, u64),
        data: &[u8],
    ) -> &mut Self {
        let start = self.out.len();
        self.file_mode(name, mode, data);
        let block = &mut self.out[start..start + 512];
        put(&mut block[108..116], format!("{:07o}", owner.0).as_bytes());
        put(&mut block[116..124], format!("{:07o}", owner.1).as_bytes());
        block[148..156].copy_from_slice(b"        ");
        let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
        put(&mut block[148..156], format!("{sum:06o}\0 ").as_bytes());
        self
    }

    pub fn dir(&mut self, name: &str) -> &mut Self {
        self.entry(name, b'5', 0o755, b"", "")
    }

    pub fn symlink(&mut self, name: &str, target: &str) -> &mut Self {
        self.entry(name, b'2', 0o777, b"", target)
    }

    pub fn hardlink(&mut self, name: &str, target: &str) -> &mut Self {
        self.entry(name, b'1', 0o755, b"", target)
    }

    pub fn whiteout(&mut self, dir: &str, name: &str) -> &mut Self {
        let path = if dir.is_empty() {
            format!(".wh.{name}")
        } else {
            format!("{}/.wh.{name}", dir.trim_end_matches('/'))
        };
        self.entry(&path, b'0', 0o644, b"", "")
    }

    pub fn opaque(&mut self, dir: &str) -> &mut Self {
        let path = format!("{}/.wh..wh..opq", dir.trim_end_matches('/'));
        self.entry(&path, b'0', 0o644, b"", "")
    }

    /// A regular file whose name travels in a PAX `path` record.
    pub fn pax_file(&mut self, name: &str, data: &[u8]) -> &mut Self {
        let record = pax_record("path", name);
        self.entry("PaxHeaders/x", b'x', 0o644, record.as_bytes(), "");
        self.entry("placeholder", b'0', 0o755, data, "")
    }

    /// A regular file whose name travels in a GNU `././@LongLink` member.
    pub fn gnu_long_file(&mut self, name: &str, data: &[u8]) -> &mut Self {
        let mut long = name.as_bytes().to_vec();
        long.push(0);
        self.entry("././@LongLink", b'L', 0o644, &long, "");
        self.entry(&name[..name.len().min(99)], b'0', 0o755, data, "")
    }

    /// Any member, name and link taken as given (truncated to the ustar fields).
    pub fn entry(&mut self, name: &str, flag: u8, mode: u32, data: &[u8], link: &str) -> &mut Self {
        self.header(name, flag, mode, data.len() as u64, link);
        self.out.extend_from_slice(data);
        self.pad();
        self
    }

    /// A header that claims `size` bytes; the caller appends (or withholds) the data.
    pub fn header(&mut self, name: &str, flag: u8, mode: u32, size: u64, link: &str) -> &mut Self {
        let block = header_block(name, flag, mode, size, link);
        self.block(&block)
    }

    /// A header block built by hand (see [`header_block`] and [`seal`]).
    pub fn block(&mut self, block: &[u8; 512]) -> &mut Self {
        self.out.extend_from_slice(block);
        self
    }

    /// A PAX extended header (`x`) carrying `records`, for the member that follows.
    pub fn pax(&mut self, records: &[(&str, &str)]) -> &mut Self {
        let body: String = records.iter().map(|(k, v)| pax_record(k, v)).collect();
        self.entry("PaxHeaders/x", b'x', 0o644, body.as_bytes(), "")
    }

    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.out.extend_from_slice(bytes);
        self
    }

    fn pad(&mut self) {
        let rem = self.out.len() % 512;
        if rem != 0 {
            self.out.resize(self.out.len() + 512 - rem, 0);
        }
    }

    /// The archive with its two end-of-archive blocks.
    pub fn finish(&self) -> Vec<u8> {
        let mut out = self.out.clone();
        out.resize(out.len() + 1024, 0);
        out
    }

    /// The members so far, without the end-of-archive blocks.
    pub fn unfinished(&self) -> Vec<u8> {
        self.out.clone()
    }
}

/// One ustar header block (`ustar\0` magic, octal fields as Go writes them), checksum sealed.
pub fn header_block(name: &str, flag: u8, mode: u32, size: u64, link: &str) -> [u8; 512] {
    let mut block = [0u8; 512];
    put(&mut block[0..100], name.as_bytes());
    put(&mut block[100..108], format!("{mode:07o}").as_bytes());
    put(&mut block[108..116], b"0000000");
    put(&mut block[116..124], b"0000000");
    put(&mut block[124..136], format!("{size:011o}").as_bytes());
    put(&mut block[136..148], b"00000000000");
    block[156] = flag;
    put(&mut block[157..257], link.as_bytes());
    block[257..263].copy_from_slice(b"ustar\0");
    block[263..265].copy_from_slice(b"00");
    seal(&mut block);
    block
}

/// Recompute a header block's checksum after its fields were edited by hand.
pub fn seal(block: &mut [u8; 512]) {
    block[148..156].copy_from_slice(b"        ");
    let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
    put(&mut block[148..156], format!("{sum:06o}\0 ").as_bytes());
}

/// Archives that Go's `archive/tar` (what moby, containerd and Podman extract layers with)
/// reads differently from a naive reader, each hiding an executable `server` where only one
/// of the two readings finds it (issue 11, items 1-4, and the extension-header rules of
/// `reader.go`'s `next`). The tar reader's unit tests and the differential test against Go
/// both use this set; a name says what is hostile.
pub fn hostile_tars() -> Vec<(&'static str, Vec<u8>)> {
    const ELF: &[u8] = b"\x7fELF hidden server!!"; // 20 bytes
    let hidden = TarBuilder::new().file("server", ELF).unfinished();
    let mut out = Vec::new();
    // Item 1: header-only types carry no data whatever their size field says.
    for (name, flag, link) in [
        ("symlink-with-size", b'2', "busybox"),
        ("hardlink-with-size", b'1', "bin/busybox"),
        ("dir-with-size", b'5', ""),
        ("chardev-with-size", b'3', ""),
        ("blockdev-with-size", b'4', ""),
        ("fifo-with-size", b'6', ""),
    ] {
        let member = if flag == b'5' { "bin/" } else { "bin/sh" };
        let mut tar = TarBuilder::new();
        tar.header(member, flag, 0o755, hidden.len() as u64, link)
            .raw(&hidden);
        out.push((name, tar.finish()));
    }
    // Item 2: an old regular file ('\0') named with a trailing slash is a directory.
    let mut tar = TarBuilder::new();
    tar.header("etc/", 0, 0o755, hidden.len() as u64, "")
        .raw(&hidden);
    out.push(("old-regular-file-with-slash", tar.finish()));
    // Item 3: GNU sparse members, which Go renames and expands.
    let mut map = b"1\n0\n20\n".to_vec();
    map.resize(512, 0);
    map.extend_from_slice(ELF);
    out.push((
        "pax-sparse-1.0",
        TarBuilder::new()
            .pax(&[
                ("GNU.sparse.major", "1"),
                ("GNU.sparse.minor", "0"),
                ("GNU.sparse.name", "server"),
                ("GNU.sparse.realsize", "4096"),
            ])
            .entry("GNUSparseFile.0/decoy", b'0', 0o755, &map, "")
            .finish(),
    ));
    out.push((
        "pax-sparse-0.1",
        TarBuilder::new()
            .pax(&[
                ("GNU.sparse.size", "4096"),
                ("GNU.sparse.numblocks", "1"),
                ("GNU.sparse.map", "0,20"),
                ("GNU.sparse.name", "server"),
            ])
            .entry("decoy", b'0', 0o755, ELF, "")
            .finish(),
    ));
    out.push((
        "pax-sparse-0.0",
        TarBuilder::new()
            .pax(&[
                ("GNU.sparse.size", "4096"),
                ("GNU.sparse.numblocks", "1"),
                ("GNU.sparse.offset", "0"),
                ("GNU.sparse.numbytes", "20"),
                ("GNU.sparse.name", "server"),
            ])
            .entry("decoy", b'0', 0o755, ELF, "")
            .finish(),
    ));
    let mut block = header_block("server", b'S', 0o755, ELF.len() as u64, "");
    gnu_magic(&mut block);
    put(&mut block[386..398], b"00000000000\0"); // one sparse entry: offset 0,
    put(&mut block[398..410], b"00000000024\0"); // 20 bytes of data,
    put(&mut block[483..495], b"00000010000\0"); // in a 4096-byte file
    seal(&mut block);
    let mut data = ELF.to_vec();
    data.resize(512, 0);
    out.push((
        "old-gnu-sparse",
        TarBuilder::new().block(&block).raw(&data).finish(),
    ));
    let mut padded = ELF.to_vec();
    padded.resize(512, 0);
    // Item 4: prefixes. A GNU header whose atime does not parse has a USTAR prefix (Go 1.8's
    // compatibility with its own older writer, golang.org/issue/12594)...
    let mut block = header_block("server", b'0', 0o755, ELF.len() as u64, "");
    gnu_magic(&mut block);
    put(&mut block[345..500], b"usr/local/bin");
    seal(&mut block);
    out.push((
        "gnu-magic-with-prefix",
        TarBuilder::new().block(&block).raw(&padded).finish(),
    ));
    // ...but one whose times parse has none.
    let mut block = header_block("server", b'0', 0o755, ELF.len() as u64, "");
    gnu_magic(&mut block);
    put(&mut block[345..357], b"14000000000\0");
    put(&mut block[357..369], b"14000000000\0");
    seal(&mut block);
    out.push((
        "gnu-magic-with-times",
        TarBuilder::new().block(&block).raw(&padded).finish(),
    ));
    // A STAR header's prefix is 131 bytes, followed by its atime and ctime.
    let mut block = header_block("server", b'0', 0o755, ELF.len() as u64, "");
    put(&mut block[345..476], "d/".repeat(66).as_bytes());
    put(&mut block[476..488], b"14000000000\0");
    put(&mut block[488..500], b"14000000000\0");
    put(&mut block[508..512], b"tar\0");
    seal(&mut block);
    out.push((
        "star-prefix",
        TarBuilder::new().block(&block).raw(&padded).finish(),
    ));
    // Extension headers: a PAX size is for the next real member, not a GNU long name between.
    let mut long_data = ELF.to_vec();
    long_data.resize(1000, 0);
    out.push((
        "pax-size-then-long-name",
        TarBuilder::new()
            .pax(&[("size", "1000")])
            .entry("././@LongLink", b'L', 0o644, b"usr/bin/server\0", "")
            .entry("decoy", b'0', 0o755, &long_data, "")
            .finish(),
    ));
    // A second PAX header replaces the first; it does not add to it.
    out.push((
        "pax-replaces-pax",
        TarBuilder::new()
            .pax(&[("path", "server")])
            .pax(&[("uid", "0")])
            .entry("decoy", b'0', 0o755, ELF, "")
            .finish(),
    ));
    // A GNU long name wins over a PAX path, whichever came first.
    out.push((
        "long-name-beats-pax-path",
        TarBuilder::new()
            .entry("././@LongLink", b'L', 0o644, b"server\0", "")
            .pax(&[("path", "decoy")])
            .entry("decoy", b'0', 0o755, ELF, "")
            .finish(),
    ));
    // A global header ends the pending extensions.
    out.push((
        "global-header-drops-long-name",
        TarBuilder::new()
            .entry("././@LongLink", b'L', 0o644, b"decoy\0", "")
            .entry(
                "pax_global_header",
                b'g',
                0o644,
                pax_record("comment", "x").as_bytes(),
                "",
            )
            .entry("server", b'0', 0o755, ELF, "")
            .finish(),
    ));
    // An empty PAX path keeps the header's own name.
    out.push((
        "empty-pax-path",
        TarBuilder::new()
            .pax(&[("path", "")])
            .entry("server", b'0', 0o755, ELF, "")
            .finish(),
    ));
    // One zero block and then a header: Go stops with an error, not at the end of the archive.
    let mut tar = TarBuilder::new();
    tar.file("decoy", b"x").raw(&[0; 512]).raw(&hidden);
    out.push(("zero-block-then-header", tar.finish()));
    out
}

/// Turn a ustar block into an old GNU one (`ustar  \0`), whose 345..500 hold times and a
/// sparse map rather than a prefix.
fn gnu_magic(block: &mut [u8; 512]) {
    block[257..265].copy_from_slice(b"ustar  \0");
}

fn put(field: &mut [u8], value: &[u8]) {
    let n = value.len().min(field.len());
    field[..n].copy_from_slice(&value[..n]);
}

fn pax_record(key: &str, value: &str) -> String {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}{body}").len() != len {
        len += 1;
    }
    format!("{len}{body}")
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("in-memory gzip");
    encoder.finish().expect("in-memory gzip")
}

pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(bytes, 1).expect("in-memory zstd")
}

/// How a builder stores layer blobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compress {
    None,
    Gzip,
    Zstd,
}

impl Compress {
    pub fn apply(self, tar: &[u8]) -> Vec<u8> {
        match self {
            Compress::None => tar.to_vec(),
            Compress::Gzip => gzip(tar),
            Compress::Zstd => zstd(tar),
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            Compress::None => "application/vnd.oci.image.layer.v1.tar",
            Compress::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Compress::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }
}

/// One image to put in a layout: uncompressed layer tars, platform and config.
#[derive(Debug, Clone)]
pub struct ImageSpec {
    pub tag: String,
    pub layers: Vec<Vec<u8>>,
    pub compress: Compress,
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub user: String,
    pub env: Vec<String>,
}

impl ImageSpec {
    pub fn new(tag: &str, layers: Vec<Vec<u8>>) -> Self {
        ImageSpec {
            tag: tag.to_string(),
            layers,
            compress: Compress::Gzip,
            os: "linux".into(),
            arch: "amd64".into(),
            variant: None,
            entrypoint: vec!["/app".into()],
            cmd: vec![],
            user: "65532".into(),
            env: vec!["PATH=/usr/local/bin:/usr/bin:/bin".into()],
        }
    }

    pub fn config(&self) -> Vec<u8> {
        let diff_ids: Vec<String> = self
            .layers
            .iter()
            .map(|l| format!("sha256:{}", sha256_hex(l)))
            .collect();
        let mut value = serde_json::json!({
            "architecture": self.arch,
            "os": self.os,
            "config": {
                "Entrypoint": self.entrypoint,
                "Cmd": if self.cmd.is_empty() { serde_json::Value::Null } else { serde_json::json!(self.cmd) },
                "User": self.user,
                "Env": self.env,
                "WorkingDir": "/",
                "Labels": {"org.example": "yes"},
            },
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        });
        if let Some(variant) = &self.variant {
            value["variant"] = serde_json::json!(variant);
        }
        serde_json::to_vec(&value).expect("json")
    }
}

/// Named files of a layout, to be written as a tar or into a directory.
pub type Files = Vec<(String, Vec<u8>)>;

/// Add a blob to a layout's files (once) and give its digest.
pub(crate) fn blob(files: &mut Files, bytes: Vec<u8>) -> String {
    let hex = sha256_hex(&bytes);
    let name = format!("blobs/sha256/{hex}");
    if !files.iter().any(|(n, _)| *n == name) {
        files.push((name, bytes));
    }
    format!("sha256:{hex}")
}

fn descriptor(media_type: &str, digest: &str, size: usize) -> serde_json::Value {
    serde_json::json!({"mediaType": media_type, "digest": digest, "size": size})
}

/// An image manifest and its blobs added to `files`; returns the manifest's descriptor.
pub fn add_oci_manifest(files: &mut Files, spec: &ImageSpec) -> serde_json::Value {
    let config = spec.config();
    let config_len = config.len();
    let config_digest = blob(files, config);
    let layers: Vec<serde_json::Value> = spec
        .layers
        .iter()
        .map(|layer| {
            let stored = spec.compress.apply(layer);
            let len = stored.len();
            let digest = blob(files, stored);
            descriptor(spec.compress.media_type(), &digest, len)
        })
        .collect();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": descriptor("application/vnd.oci.image.config.v1+json", &config_digest, config_len),
        "layers": layers,
    }))
    .expect("json");
    let len = manifest.len();
    let digest = blob(files, manifest);
    let mut desc = descriptor("application/vnd.oci.image.manifest.v1+json", &digest, len);
    let mut platform = serde_json::json!({"os": spec.os, "architecture": spec.arch});
    if let Some(variant) = &spec.variant {
        platform["variant"] = serde_json::json!(variant);
    }
    desc["platform"] = platform;
    desc
}

fn finish_oci(files: &mut Files, manifests: Vec<serde_json::Value>) {
    files.push((
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    ));
    let index = serde_json::json!({"schemaVersion": 2, "manifests": manifests});
    files.push((
        "index.json".into(),
        serde_json::to_vec(&index).expect("json"),
    ));
}

/// An OCI layout with one index entry per image, named by its tag.
pub fn oci_layout(specs: &[ImageSpec]) -> Files {
    let mut files = Files::new();
    let mut manifests = Vec::new();
    for spec in specs {
        let mut desc = add_oci_manifest(&mut files, spec);
        desc["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": spec.tag});
        manifests.push(desc);
    }
    finish_oci(&mut files, manifests);
    files
}

/// An OCI layout whose index.json names one nested image index holding every platform.
pub fn oci_multiarch(tag: &str, specs: &[ImageSpec]) -> Files {
    let mut files = Files::new();
    let entries: Vec<serde_json::Value> = specs
        .iter()
        .map(|s| add_oci_manifest(&mut files, s))
        .collect();
    let nested = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": entries,
    }))
    .expect("json");
    let len = nested.len();
    let digest = blob(&mut files, nested);
    let mut desc = descriptor("application/vnd.oci.image.index.v1+json", &digest, len);
    desc["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": tag});
    finish_oci(&mut files, vec![desc]);
    files
}

/// `docker save` before Docker 25: `<id>/layer.tar`, `<config hex>.json`, `manifest.json`.
pub fn docker_legacy(specs: &[ImageSpec]) -> Files {
    let mut files = Files::new();
    let mut manifest = Vec::new();
    for spec in specs {
        let config = spec.config();
        let config_name = format!("{}.json", sha256_hex(&config));
        let mut layer_names = Vec::new();
        for (i, layer) in spec.layers.iter().enumerate() {
            let stored = spec.compress.apply(layer);
            let id = sha256_hex(format!("{}{i}{}", spec.tag, sha256_hex(&stored)).as_bytes());
            let name = format!("{id}/layer.tar");
            files.push((format!("{id}/VERSION"), b"1.0".to_vec()));
            files.push((name.clone(), stored));
            layer_names.push(name);
        }
        files.push((config_name.clone(), config));
        manifest.push(serde_json::json!({
            "Config": config_name, "RepoTags": [spec.tag], "Layers": layer_names,
        }));
    }
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).expect("json"),
    ));
    files
}

/// `docker save` from Docker 25 on: an OCI layout plus `manifest.json` naming blob paths.
pub fn docker25(specs: &[ImageSpec]) -> Files {
    let mut files = oci_layout(specs);
    let mut manifest = Vec::new();
    for spec in specs {
        let config = format!("blobs/sha256/{}", sha256_hex(&spec.config()));
        let layers: Vec<String> = spec
            .layers
            .iter()
            .map(|l| format!("blobs/sha256/{}", sha256_hex(&spec.compress.apply(l))))
            .collect();
        manifest
            .push(serde_json::json!({"Config": config, "RepoTags": [spec.tag], "Layers": layers}));
    }
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).expect("json"),
    ));
    files
}

/// The files as one tar (directories implied, as `docker save` and skopeo write them).
pub fn to_tar(files: &Files) -> Vec<u8> {
    let mut tar = TarBuilder::new();
    for (name, bytes) in files {
        tar.file_mode(name, 0o644, bytes);
    }
    tar.finish()
}

/// The files written under `dir` (an OCI layout directory).
pub fn write_dir(files: &Files, dir: &std::path::Path) -> std::io::Result<()> {
    for (name, bytes) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    Ok(())
}

/// An uncompressed OCI archive of one image (`example/rules:1`) that trips every config and
/// contents rule: it runs as root, its entrypoint `/app` (the ELF `app`) lacks its execute bit,
/// it has shells, package managers, a setuid file, 1.5 MiB of bytes hidden by a later layer, a
/// Go toolchain, sources and a build cache. Used by the integration tests and by
/// `examples/rules_image.rs`, which CI runs to validate the image-mode SARIF.
pub fn rules_image(app: &[u8]) -> Vec<u8> {
    let lists = vec![b'p'; 3 << 19];
    let base = TarBuilder::new()
        .dir("bin")
        .file("bin/dash", b"not an ELF, as far as the test cares")
        .symlink("bin/sh", "dash")
        .file("bin/bash", b"not an ELF, as far as the test cares")
        .dir("etc")
        .file_mode("etc/passwd", 0o644, b"root:x:0:0:root:/root:/bin/bash\n")
        .file_mode("etc/group", 0o644, b"root:x:0:\nshadow:x:42:\n")
        .file("usr/bin/apt", b"apt")
        .file("usr/bin/dpkg", b"dpkg")
        .file_mode("usr/bin/passwd", 0o4755, b"passwd")
        .file_mode("var/lib/apt/lists/main_Packages", 0o644, &lists)
        .file("usr/local/go/bin/go", b"go")
        .dir("usr/local/go/pkg/tool")
        .file_mode("usr/local/go/src/fmt/print.go", 0o644, b"package fmt")
        .finish();
    let top = TarBuilder::new()
        .whiteout("var/lib/apt", "lists")
        .file_mode("src/main.go", 0o644, b"package main")
        .file_mode("src/go.mod", 0o644, b"module example.com/app")
        .file_mode("root/.cache/go-build/00/00aa-d", 0o644, &[0u8; 2048])
        .file_mode("app", 0o644, app)
        .finish();
    let mut spec = ImageSpec::new("example/rules:1", vec![base, top]);
    spec.compress = Compress::None;
    spec.user = String::new();
    to_tar(&oci_layout(&[spec]))
}
