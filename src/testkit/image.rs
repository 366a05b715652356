//! Images built in memory for the image rules' tests: layers listed member by member (the
//! same vocabulary as [`TarBuilder`](super::archive::TarBuilder)), each regular file judged by
//! the reader's own `content::classify` (kept small files such as `/etc/passwd`, `#!` lines,
//! executables handed to the inspector: `facts::read` by default), and the layers merged by
//! the reader's own `merge::Merger`. So a rule sees what `gostatic image` would give it, with
//! no tar written, no temporary directory, and no archive format in the way. The tar reader
//! and the archive formats are tested on bytes ([`archive`](super::archive)), not here.

use std::io;

use crate::facts::FileFacts;
use crate::image::caps::FileCaps;
use crate::image::content::{self, Content, FileBytes};
use crate::image::layer::{Change, Op};
use crate::image::merge::Merger;
use crate::image::owners::HighIds;
use crate::image::{
    Compression, Image, ImageConfig, ImageFormat, ImageLimits, Inspector, LayerInfo, Platform,
    assemble, path,
};

/// The inspector `gostatic image` uses, less the digests: every executable's facts.
pub fn facts(_image_path: &str, bytes: &[u8]) -> Option<FileFacts> {
    crate::facts::read(bytes).ok().flatten()
}

#[derive(Debug, Clone)]
enum Member {
    File {
        mode: u32,
        owner: (u64, u64),
        bytes: Vec<u8>,
        /// The raw `security.capability` value.
        capability: Option<Vec<u8>>,
    },
    Dir {
        mode: u32,
        owner: (u64, u64),
    },
    Symlink(String),
    HardLink(String),
    Whiteout,
    Opaque,
}

/// One layer, member by member in tar order. Names are as a tar holds them (`bin/sh`).
#[derive(Debug, Clone, Default)]
pub struct Layer {
    members: Vec<(String, Member)>,
}

impl Layer {
    pub fn new() -> Self {
        Self::default()
    }

    /// An executable-mode (0755) regular file owned by root.
    pub fn file(&mut self, name: &str, data: &[u8]) -> &mut Self {
        self.file_mode(name, 0o755, data)
    }

    pub fn file_mode(&mut self, name: &str, mode: u32, data: &[u8]) -> &mut Self {
        self.file_owned(name, mode, (0, 0), data)
    }

    /// A regular file with an owner (`uid`, `gid`).
    pub fn file_owned(
        &mut self,
        name: &str,
        mode: u32,
        owner: (u64, u64),
        data: &[u8],
    ) -> &mut Self {
        let bytes = data.to_vec();
        let capability = None;
        self.push(
            name,
            Member::File {
                mode,
                owner,
                bytes,
                capability,
            },
        )
    }

    /// A root-owned regular file whose member carries `security.capability` (`raw`).
    pub fn file_with_capability(
        &mut self,
        name: &str,
        mode: u32,
        data: &[u8],
        raw: &[u8],
    ) -> &mut Self {
        self.file_mode(name, mode, data);
        if let Some((_, Member::File { capability, .. })) = self.members.last_mut() {
            *capability = Some(raw.to_vec());
        }
        self
    }

    pub fn dir(&mut self, name: &str) -> &mut Self {
        self.dir_mode(name, 0o755)
    }

    pub fn dir_mode(&mut self, name: &str, mode: u32) -> &mut Self {
        self.dir_owned(name, mode, (0, 0))
    }

    /// A directory with an owner (`uid`, `gid`).
    pub fn dir_owned(&mut self, name: &str, mode: u32, owner: (u64, u64)) -> &mut Self {
        self.push(name, Member::Dir { mode, owner })
    }

    pub fn symlink(&mut self, name: &str, target: &str) -> &mut Self {
        self.push(name, Member::Symlink(target.to_string()))
    }

    /// A hard link to `target`, a tar name of this layer or a lower one.
    pub fn hardlink(&mut self, name: &str, target: &str) -> &mut Self {
        self.push(name, Member::HardLink(target.to_string()))
    }

    /// `dir/.wh.name`: deletes `name` from lower layers (`dir` empty for the root).
    pub fn whiteout(&mut self, dir: &str, name: &str) -> &mut Self {
        self.push(&format!("{dir}/{name}"), Member::Whiteout)
    }

    /// `dir/.wh..wh..opq`: hides everything lower layers put in `dir`.
    pub fn opaque(&mut self, dir: &str) -> &mut Self {
        self.push(dir, Member::Opaque)
    }

    fn push(&mut self, name: &str, member: Member) -> &mut Self {
        self.members.push((name.to_string(), member));
        self
    }

    /// The layer as the reader's decode would give it: change list, kept contents, and the
    /// size of the tar that would carry it (ustar headers, 512-byte blocks, two end blocks).
    fn decode<I: Inspector>(
        &self,
        limits: &ImageLimits,
        inspector: &I,
    ) -> (Vec<Change>, Vec<Content<I::Output>>, u64) {
        let mut changes = Vec::new();
        let mut contents = Vec::new();
        let mut tar_bytes = 1024;
        for (name, member) in &self.members {
            let full = path::normalise(name)
                .unwrap_or_else(|| panic!("{name}: not a name a layer may hold"));
            if full == "/" && !matches!(member, Member::Opaque) {
                continue; // the root directory's own entry, which the reader skips too
            }
            let (mut mode, mut owner, mut size, mut caps) = (0o644, (0, 0), 0, None);
            let op = match member {
                Member::File {
                    mode: m,
                    owner: o,
                    bytes,
                    capability,
                } => {
                    (mode, owner, size) = (*m, *o, bytes.len() as u64);
                    caps = capability.as_deref().map(FileCaps::decode);
                    let mut file = io::Cursor::new(&bytes[..]);
                    let kept = content::classify(&full, size, &mut file, limits, inspector)
                        .expect("bytes in memory read");
                    Op::File {
                        content: kept.map(|c| {
                            contents.push(c);
                            (contents.len() - 1) as u32
                        }),
                    }
                }
                Member::Dir { mode: m, owner: o } => {
                    (mode, owner) = (*m, *o);
                    Op::Dir
                }
                Member::Symlink(target) => {
                    mode = 0o777;
                    Op::Symlink(target.clone())
                }
                Member::HardLink(target) => {
                    mode = 0o755;
                    Op::HardLink(
                        path::normalise(target)
                            .unwrap_or_else(|| panic!("{target}: not a name a layer may hold")),
                    )
                }
                Member::Whiteout => Op::Whiteout,
                Member::Opaque => Op::Opaque,
            };
            tar_bytes += 512 + size.div_ceil(512) * 512;
            changes.push(Change {
                path: full,
                op,
                mode,
                uid: owner.0,
                gid: owner.1,
                size,
                capability: caps,
                member: u32::try_from(changes.len()).unwrap_or(u32::MAX),
            });
        }
        (changes, contents, tar_bytes)
    }
}

/// A file's bytes in memory, handed to `content::classify` as a tar member's would be.
impl FileBytes for io::Cursor<&[u8]> {
    fn with_all<R>(&mut self, _head: &[u8], use_bytes: impl FnOnce(&[u8]) -> R) -> io::Result<R> {
        Ok(use_bytes(self.get_ref()))
    }
}

/// The image's name, platform and run configuration (its config's `config` object).
#[derive(Debug, Clone)]
pub struct Config {
    pub name: String,
    pub arch: &'static str,
    pub variant: Option<&'static str>,
    pub entrypoint: Vec<String>,
    /// Empty means unset (null in the config).
    pub cmd: Vec<String>,
    pub user: String,
    pub env: Vec<String>,
    pub working_dir: String,
}

impl Default for Config {
    /// `t:1` for linux/amd64: entrypoint `/app`, user `65532`, PATH
    /// `/usr/local/bin:/usr/bin:/bin`, working directory `/`.
    fn default() -> Self {
        Config {
            name: "t:1".into(),
            arch: "amd64",
            variant: None,
            entrypoint: vec!["/app".into()],
            cmd: Vec::new(),
            user: "65532".into(),
            env: vec!["PATH=/usr/local/bin:/usr/bin:/bin".into()],
            working_dir: "/".into(),
        }
    }
}

/// An image of these layers (lowest first), every executable inspected by `inspector`.
pub fn build<I: Inspector>(layers: &[Layer], config: &Config, inspector: &I) -> Image<I::Output> {
    let limits = ImageLimits::default();
    let decoded: Vec<_> = layers
        .iter()
        .map(|layer| layer.decode(&limits, inspector))
        .collect();
    let mut merger = Merger::default();
    for (index, (changes, contents, _)) in decoded.iter().enumerate() {
        merger.apply(index, changes, contents);
    }
    let mut infos: Vec<LayerInfo> = decoded
        .iter()
        .map(|(changes, _, tar_bytes)| LayerInfo {
            digest: None,
            diff_id: None,
            media_type: None,
            compression: Compression::None,
            size: *tar_bytes,
            uncompressed_size: *tar_bytes,
            entries: changes.len(),
            wasted_bytes: 0,
            high_ids: HighIds::of(changes),
            blob: String::new(),
        })
        .collect();
    for wasted in &merger.wasted {
        infos[wasted.layer].wasted_bytes += wasted.size;
    }
    let contents: Vec<&[Content<I::Output>]> = decoded.iter().map(|d| d.1.as_slice()).collect();
    let (files, skipped) = assemble::kept(&merger.tree, &contents);
    Image {
        name: config.name.clone(),
        format: ImageFormat::OciArchive,
        source: "image.tar".into(),
        platform: Platform {
            os: "linux".into(),
            architecture: config.arch.into(),
            variant: config.variant.map(str::to_string),
        },
        manifest_digest: None,
        config_digest: None,
        config: ImageConfig {
            entrypoint: Some(config.entrypoint.clone()),
            cmd: (!config.cmd.is_empty()).then(|| config.cmd.clone()),
            user: config.user.clone(),
            working_dir: config.working_dir.clone(),
            env: config.env.clone(),
            labels: [("org.example".to_string(), "yes".to_string())].into(),
            ..ImageConfig::default()
        },
        layers: infos,
        tree: merger.tree,
        files,
        skipped,
        wasted: merger.wasted,
        notes: merger.notes,
    }
}

/// An image of these layers with every executable's facts, as the image rules read it.
pub fn image_layers(layers: &[Layer], config: Config) -> Image<FileFacts> {
    build(layers, &config, &facts)
}

/// An image of one layer.
pub fn image(layer: &Layer, config: Config) -> Image<FileFacts> {
    image_layers(std::slice::from_ref(layer), config)
}

/// An image of one layer with the default [`Config`], the layer built by `members`.
pub fn one_layer(members: impl FnOnce(&mut Layer) -> &mut Layer) -> Image<FileFacts> {
    let mut layer = Layer::new();
    members(&mut layer);
    image(&layer, Config::default())
}
