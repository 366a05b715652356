//! A second read of a source already read once: the whole bytes of a few regular files, found
//! by where the first read saw them ([`DataRef`]: a layer and a member's position in it), for
//! `gostatic slim`, which judges an image first and only then knows the files it keeps.
//!
//! Only the layers holding a wanted file are read, each only up to its last wanted member: the
//! rest of that layer is neither inflated nor parsed, and the other layers are not touched (an
//! indexed archive or a layout seeks to the blob; a registry is asked for that blob alone; a
//! stream — a compressed archive, an engine's `docker save` — passes over the other members
//! without decoding them; a root filesystem is walked again, opening only the wanted files).
//! A layer read in part is not verified by its digest (that needs every byte): the caller
//! judges what it got, and a wanted member that is not a regular file of the size the first
//! read saw is an error ([`ImageError::Changed`]). Memory holds the files asked for.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use rayon::prelude::*;

use super::layer;
use super::store::{DirStore, TarStore};
use super::tar::{EntryKind, TarReader};
use super::tree::DataRef;
use super::{Image, ImageError, ImageFormat, ImageOptions, ImageSource, LayerInfo, path};
use crate::error::ErrorKind;

/// Per layer index: member position -> the size the first read saw.
type Wanted = BTreeMap<usize, BTreeMap<u32, u64>>;

/// A layer index and the bytes found in it, by member position.
type Found = (usize, BTreeMap<u32, Vec<u8>>);

/// The bytes of the regular files `wanted` names (where -> the size the first read saw) in
/// `image`, which `open(source, options, …)` returned.
pub fn read_files<T>(
    source: &ImageSource,
    options: &ImageOptions,
    image: &Image<T>,
    wanted: &BTreeMap<DataRef, u64>,
) -> Result<HashMap<DataRef, Vec<u8>>, ImageError> {
    let mut layers: Wanted = BTreeMap::new();
    for (at, size) in wanted {
        let index = at.layer as usize;
        if index >= image.layers.len() {
            return Err(ImageError::Io(format!("no layer {index} in the image")));
        }
        layers.entry(index).or_default().insert(at.member, *size);
    }
    if layers.is_empty() {
        return Ok(HashMap::new());
    }
    let max_path = options.limits.max_path_bytes;
    let infos = &image.layers[..];
    let found: Vec<Found> = match (image.format, source) {
        (ImageFormat::Rootfs, ImageSource::Path(root) | ImageSource::Rootfs(root)) => {
            let members = layers.get(&0).cloned().unwrap_or_default();
            vec![(0, from_rootfs(root, &members, max_path)?)]
        }
        (ImageFormat::Registry, ImageSource::Registry { reference, .. }) => {
            from_registry(reference, options, infos, &layers)?
        }
        (_, ImageSource::Daemon { engine, name, .. }) => {
            let socket = super::daemon::socket(*engine, &options.endpoints)?;
            from_stream(
                super::daemon::save(&socket, name)?,
                infos,
                &layers,
                max_path,
            )?
        }
        (_, ImageSource::Path(path) | ImageSource::Transport { path, .. }) => {
            from_path(path, infos, &layers, max_path)?
        }
        _ => {
            return Err(ImageError::Io(format!(
                "a {} image cannot be read again from this source",
                image.format.as_str()
            )));
        }
    };
    let mut bytes = HashMap::new();
    for (layer, members) in found {
        for (member, data) in members {
            let at = DataRef {
                layer: layer as u32,
                member,
            };
            bytes.insert(at, data);
        }
    }
    Ok(bytes)
}

/// An archive file or a layout directory: each wanted layer's blob read on its own, in
/// parallel; a compressed archive as the stream it is.
fn from_path(
    path: &Path,
    infos: &[LayerInfo],
    layers: &Wanted,
    max_path: usize,
) -> Result<Vec<Found>, ImageError> {
    let missing = |blob: &str| ImageError::MissingBlob(blob.to_string());
    if path.is_dir() {
        let store = DirStore::new(path);
        return layers
            .par_iter()
            .map(|(&index, members)| {
                let info = &infos[index];
                let file = store.get(&info.blob)?.ok_or_else(|| missing(&info.blob))?;
                let found =
                    layer::extract(file, &info.blob, members, info.uncompressed_size, max_path)?;
                Ok((index, found))
            })
            .collect();
    }
    let (file, head) = super::assemble::open_archive(path)?;
    if super::assemble::is_compressed(&head) {
        let file = File::open(path).map_err(|e| ImageError::io("", &e))?;
        let stream = super::streamed::decompressed(file).map_err(|e| ImageError::io("", &e))?;
        return from_stream(stream, infos, layers, max_path);
    }
    let store = TarStore::index(file, max_path)?;
    layers
        .par_iter()
        .map(|(&index, members)| {
            let info = &infos[index];
            let reader = store.get(&info.blob).ok_or_else(|| missing(&info.blob))?;
            let found = layer::extract(
                reader,
                &info.blob,
                members,
                info.uncompressed_size,
                max_path,
            )?;
            Ok((index, found))
        })
        .collect()
}

/// An archive that can only be read in order: members that hold no wanted layer are passed
/// over undecoded, and the read stops once every wanted layer is done.
fn from_stream(
    input: impl Read,
    infos: &[LayerInfo],
    layers: &Wanted,
    max_path: usize,
) -> Result<Vec<Found>, ImageError> {
    let mut pending: HashMap<&str, Vec<usize>> = HashMap::new();
    for &index in layers.keys() {
        let blob = infos[index].blob.as_str();
        pending.entry(blob).or_default().push(index);
    }
    let mut tar = TarReader::new(io::BufReader::with_capacity(256 * 1024, input), max_path);
    let mut found = Vec::new();
    while !pending.is_empty() {
        let header = tar
            .next_header()
            .map_err(|e| super::store::outer_error(e, max_path))?;
        let Some(header) = header else {
            let blob = pending.keys().next().copied().unwrap_or_default();
            return Err(ImageError::MissingBlob(blob.to_string()));
        };
        if header.kind != EntryKind::File {
            continue;
        }
        let Some(indexes) = path::normalise(&header.name).and_then(|n| pending.remove(n.as_str()))
        else {
            continue;
        };
        // A blob the image uses twice is one member; what each use wants, read in one pass.
        let mut members = BTreeMap::new();
        for index in &indexes {
            members.extend(layers[index].iter().map(|(m, s)| (*m, *s)));
        }
        let info = &infos[indexes[0]];
        let mut bytes = layer::extract(
            MemberData(&mut tar),
            &info.blob,
            &members,
            info.uncompressed_size,
            max_path,
        )?;
        for index in indexes {
            let mine = layers[&index]
                .keys()
                .filter_map(|m| Some((*m, bytes.get(m)?.clone())))
                .collect();
            found.push((index, mine));
        }
        bytes.clear();
    }
    Ok(found)
}

/// The current member's data as a reader.
struct MemberData<'a, R>(&'a mut TarReader<R>);

impl<R: super::tar::Skip> Read for MemberData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read_data(buf)
    }
}

/// The image's registry, asked for the wanted layers' blobs by digest, in parallel.
fn from_registry(
    reference: &str,
    options: &ImageOptions,
    infos: &[LayerInfo],
    layers: &Wanted,
) -> Result<Vec<Found>, ImageError> {
    let reference =
        super::registry::Reference::parse(reference).map_err(ImageError::BadReference)?;
    let client = super::registry::client::Client::connect(&reference, &options.registry)?;
    layers
        .par_iter()
        .map(|(&index, members)| {
            let info = &infos[index];
            let digest = info
                .digest
                .as_deref()
                .ok_or_else(|| ImageError::MissingBlob(info.blob.clone()))?;
            let what = format!("blob {digest}");
            let response = client.get(&client.path("blobs", digest), None, &what)?;
            // No more than the blob the first read verified, however long the body runs.
            let body = response.into_body().into_reader().take(info.size);
            let found = layer::extract(
                body,
                &info.blob,
                members,
                info.uncompressed_size,
                options.limits.max_path_bytes,
            )
            .map_err(|err| match err {
                ImageError::Io(message) => ImageError::registry(ErrorKind::Network, message),
                err => err,
            })?;
            Ok((index, found))
        })
        .collect()
}

/// A root filesystem walked again in the first read's order (`rootfs::read`); only the wanted
/// entries are opened, never through a symlink.
fn from_rootfs(
    root: &Path,
    wanted: &BTreeMap<u32, u64>,
    max_path: usize,
) -> Result<BTreeMap<u32, Vec<u8>>, ImageError> {
    let mut found = BTreeMap::new();
    let Some(&last) = wanted.keys().next_back() else {
        return Ok(found);
    };
    let walk = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1);
    let shown = root.display().to_string();
    let changed = |member: u32, detail: String| ImageError::Changed {
        member: shown.clone(),
        detail: format!("its entry {member} {detail}"),
    };
    let mut entries = walk.into_iter();
    for member in 0..=last {
        let entry = match entries.next() {
            Some(entry) => entry.map_err(|e| ImageError::Io(e.to_string()))?,
            None => return Err(changed(member, "is missing".into())),
        };
        let Some(&size) = wanted.get(&member) else {
            continue;
        };
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let image_path = format!("/{}", relative.to_string_lossy());
        if image_path.len() > max_path {
            return Err(changed(member, format!("is {image_path}, a longer path")));
        }
        let file = open_no_follow(entry.path()).map_err(|e| ImageError::io(&image_path, &e))?;
        let mut bytes = Vec::with_capacity(size.min(64 << 20) as usize);
        file.take(size.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| ImageError::io(&image_path, &e))?;
        if bytes.len() as u64 != size {
            return Err(changed(
                member,
                format!("{image_path} has {} bytes, not {size}", bytes.len()),
            ));
        }
        found.insert(member, bytes);
    }
    Ok(found)
}

/// A regular file opened without following a symlink at its name, and without blocking.
fn open_no_follow(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            crate::input::NotRegular,
        ));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::archive::{self as testkit, Compress, ImageSpec, TarBuilder};

    fn sizes(_: &str, bytes: &[u8]) -> Option<usize> {
        Some(bytes.len())
    }

    fn layers() -> Vec<Vec<u8>> {
        let base = TarBuilder::new()
            .dir("usr/lib")
            .symlink("lib", "usr/lib")
            .file("etc/big.conf", &[7u8; 300_000])
            .finish();
        let top = TarBuilder::new()
            .file("lib/libc.so.6", b"first copy")
            .file("lib/libc.so.6", b"the library")
            .hardlink("usr/lib/again.so", "lib/libc.so.6")
            .file("etc/other.conf", b"not wanted")
            .finish();
        vec![base, top]
    }

    fn oci_files(compress: Compress) -> testkit::Files {
        let mut spec = ImageSpec::new("t:1", layers());
        spec.compress = compress;
        testkit::oci_layout(&[spec])
    }

    fn open(source: &ImageSource) -> Image<usize> {
        let mut images = super::super::open(source, &ImageOptions::default(), &sizes).unwrap();
        images.remove(0)
    }

    /// `path`'s bytes as a second read gives them.
    fn read(source: &ImageSource, image: &Image<usize>, paths: &[&str]) -> Vec<Vec<u8>> {
        let wanted: BTreeMap<DataRef, u64> = paths
            .iter()
            .map(|p| {
                let (_, node) = image.tree.resolve(p).unwrap();
                (node.data.unwrap(), node.size)
            })
            .collect();
        let got = read_files(source, &ImageOptions::default(), image, &wanted).unwrap();
        assert_eq!(got.len(), wanted.len(), "{:?} {:?}", got.keys(), wanted);
        paths
            .iter()
            .map(|p| got[&image.tree.resolve(p).unwrap().1.data.unwrap()].clone())
            .collect()
    }

    #[test]
    fn the_final_version_of_each_file_is_found_in_every_kind_of_source() {
        let dir = tempfile::tempdir().unwrap();
        let tar = dir.path().join("image.tar");
        std::fs::write(&tar, testkit::to_tar(&oci_files(Compress::Gzip))).unwrap();
        let gz = dir.path().join("image.tar.gz");
        std::fs::write(
            &gz,
            testkit::gzip(&testkit::to_tar(&oci_files(Compress::Zstd))),
        )
        .unwrap();
        let layout = dir.path().join("layout");
        for (name, bytes) in oci_files(Compress::None) {
            let at = layout.join(name);
            std::fs::create_dir_all(at.parent().unwrap()).unwrap();
            std::fs::write(at, bytes).unwrap();
        }
        for source in [tar, gz, layout].map(ImageSource::Path) {
            let image = open(&source);
            let got = read(
                &source,
                &image,
                &["/lib/libc.so.6", "/usr/lib/again.so", "/etc/big.conf"],
            );
            assert_eq!(got[0], b"the library", "{source:?}");
            assert_eq!(got[1], b"the library", "{source:?}");
            assert_eq!(got[2], vec![7u8; 300_000], "{source:?}");
        }
    }

    #[test]
    fn a_root_filesystem_is_walked_again_and_only_wanted_files_opened() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(dir.path().join("etc/a"), b"aaa").unwrap();
        std::fs::write(dir.path().join("etc/b"), b"bbbb").unwrap();
        std::os::unix::fs::symlink("/etc/shadow", dir.path().join("etc/c")).unwrap();
        let source = ImageSource::Rootfs(dir.path().to_path_buf());
        let image = open(&source);
        assert_eq!(
            read(&source, &image, &["/etc/b", "/etc/a"]),
            [&b"bbbb"[..], b"aaa"]
        );
        // Replaced by a symlink after the first read: never followed.
        std::fs::remove_file(dir.path().join("etc/b")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("etc/b")).unwrap();
        let node = image.tree.get("/etc/b").unwrap();
        let wanted = BTreeMap::from([(node.data.unwrap(), node.size)]);
        assert!(read_files(&source, &ImageOptions::default(), &image, &wanted).is_err());
    }

    #[test]
    fn layers_without_wanted_files_are_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("image.tar");
        let files = oci_files(Compress::Gzip);
        std::fs::write(&path, testkit::to_tar(&files)).unwrap();
        let source = ImageSource::Path(path.clone());
        let image = open(&source);
        // The base layer's blob made garbage of the same size after the first read: a read
        // that wants nothing from it still works; one that does is refused.
        let digest = image.layers[0].digest.as_deref().unwrap();
        let base = digest.replace("sha256:", "blobs/sha256/");
        let spoilt: testkit::Files = files
            .into_iter()
            .map(|(name, bytes)| {
                let garbage = vec![b'x'; bytes.len()];
                if name == base {
                    (name, garbage)
                } else {
                    (name, bytes)
                }
            })
            .collect();
        std::fs::write(&path, testkit::to_tar(&spoilt)).unwrap();
        assert_eq!(read(&source, &image, &["/lib/libc.so.6"]), [b"the library"]);
        let node = image.tree.get("/etc/big.conf").unwrap();
        let wanted = BTreeMap::from([(node.data.unwrap(), node.size)]);
        let err = read_files(&source, &ImageOptions::default(), &image, &wanted).unwrap_err();
        assert!(err.to_string().starts_with(&base), "{err}");
    }

    #[test]
    fn a_layer_is_read_only_up_to_its_last_wanted_member() {
        let tar = TarBuilder::new()
            .file("a", b"wanted")
            .file("b", &[1u8; 4096])
            .finish();
        // Cut inside the second member: reading the first never reaches the cut.
        let cut = &tar[..512 + 512 + 512 + 100];
        let wanted = BTreeMap::from([(0u32, 6u64)]);
        let got = layer::extract(cut, "blob", &wanted, tar.len() as u64, 4096).unwrap();
        assert_eq!(got[&0], b"wanted");
        let wanted = BTreeMap::from([(1u32, 4096u64)]);
        assert!(layer::extract(cut, "blob", &wanted, tar.len() as u64, 4096).is_err());
        // A member that is not the file the first read saw.
        let wanted = BTreeMap::from([(0u32, 7u64)]);
        let err = layer::extract(&tar[..], "blob", &wanted, tar.len() as u64, 4096).unwrap_err();
        assert!(matches!(err, ImageError::Changed { .. }), "{err}");
        // No more is inflated than the first read saw.
        let wanted = BTreeMap::from([(1u32, 4096u64)]);
        assert!(layer::extract(&tar[..], "blob", &wanted, 1024, 4096).is_err());
    }
}
