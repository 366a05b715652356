//! Each output format, read back by gostatic's own reader (which verifies every digest), and
//! written twice to the same bytes.

use super::*;
use crate::image::{ImageFormat, ImageOptions, ImageSource};

fn members() -> Vec<Member<'static>> {
    vec![
        Member {
            name: "etc/".into(),
            body: Body::Dir,
            mode: 0o755,
            uid: 0,
            gid: 0,
            capability: None,
        },
        Member {
            name: "etc/passwd".into(),
            body: Body::File(b"app:x:1000:1000::/home/app:/sbin/nologin\n"),
            mode: 0o644,
            uid: 0,
            gid: 0,
            capability: None,
        },
        Member {
            name: "tmp/".into(),
            body: Body::Dir,
            mode: 0o1777,
            uid: 0,
            gid: 0,
            capability: None,
        },
    ]
}

fn config() -> ConfigDoc {
    let mut ports = BTreeMap::new();
    ports.insert("8080/tcp".to_string(), Empty {});
    ConfigDoc {
        created: Some("2024-01-02T03:04:05Z".into()),
        architecture: "amd64".into(),
        os: "linux".into(),
        variant: None,
        config: RunDoc {
            user: "1000:1000".into(),
            exposed_ports: ports,
            env: vec!["PATH=/usr/bin".into()],
            entrypoint: Some(vec!["/server".into()]),
            cmd: Some(vec!["-port".into(), "80".into()]),
            working_dir: "/tmp".into(),
            labels: BTreeMap::new(),
        },
        rootfs: RootFsDoc::default(),
        history: vec![HistoryDoc {
            created: None,
            created_by: "gostatic slim".into(),
            comment: "kept: /etc/passwd (passwd)".into(),
            empty_layer: false,
        }],
    }
}

fn read_back(path: &Path) -> crate::image::Image<usize> {
    let sizes = |_: &str, bytes: &[u8]| Some(bytes.len());
    let source = ImageSource::Path(path.to_path_buf());
    let mut images = crate::image::open(&source, &ImageOptions::default(), &sizes).unwrap();
    assert_eq!(images.len(), 1);
    images.remove(0)
}

#[test]
fn every_format_reads_back_with_its_config_and_files() {
    let dir = tempfile::tempdir().unwrap();
    for (format, name, expect) in [
        (OutputFormat::OciArchive, "a.tar", ImageFormat::OciArchive),
        (
            OutputFormat::DockerArchive,
            "d.tar",
            ImageFormat::DockerArchive,
        ),
        (OutputFormat::OciLayout, "layout", ImageFormat::OciLayout),
    ] {
        let gzip = format != OutputFormat::DockerArchive;
        let layer = layer(&members(), 1_704_164_645, gzip).unwrap();
        let out = dir.path().join(name);
        let written = write(&out, format, &layer, config(), 1_704_164_645).unwrap();
        let image = read_back(&out);
        assert_eq!(image.format, expect, "{name}");
        assert_eq!(image.config.user, "1000:1000");
        assert_eq!(image.config.exposed_ports, ["8080/tcp"]);
        assert_eq!(
            image.config.created.as_deref(),
            Some("2024-01-02T03:04:05Z")
        );
        assert_eq!(image.config.cmd, Some(vec!["-port".into(), "80".into()]));
        assert_eq!(image.layers.len(), 1);
        assert_eq!(
            image.layers[0].diff_id.as_deref(),
            Some(layer.diff_id.as_str())
        );
        assert_eq!(image.tree.get("/tmp").unwrap().mode, 0o1777);
        assert!(image.tree.read_small("/etc/passwd").is_some());
        assert_eq!(written.layer_digest, layer.digest);
    }
}

#[test]
fn the_same_image_is_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for run in 0..2 {
        let out = dir.path().join(format!("{run}.tar"));
        let layer = layer(&members(), 7, true).unwrap();
        write(&out, OutputFormat::OciArchive, &layer, config(), 7).unwrap();
        outputs.push(std::fs::read(out).unwrap());
    }
    assert_eq!(outputs[0], outputs[1]);
    // gzip header: no name flag, MTIME 0, OS 255.
    let layer = layer(&members(), 7, true).unwrap();
    assert_eq!(&layer.blob[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
}

#[test]
fn a_layout_is_not_written_over_another() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.json"), b"{}").unwrap();
    let layer = layer(&members(), 0, true).unwrap();
    let err = write(dir.path(), OutputFormat::OciLayout, &layer, config(), 0).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
}

#[test]
fn the_format_follows_the_name() {
    assert_eq!(
        OutputFormat::from_name(Path::new("app-slim.tar")),
        OutputFormat::OciArchive
    );
    assert_eq!(
        OutputFormat::from_name(Path::new("out/layout")),
        OutputFormat::OciLayout
    );
}
