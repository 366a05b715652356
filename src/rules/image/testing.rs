//! Images for the image rules' unit tests: layers built with `image::testkit`, written to a
//! scratch OCI archive and read back with `image::open`, so the rules see exactly what a real
//! run gives them. Tests then set `image.config` to the case at hand.

use crate::facts::FileFacts;
use crate::image::testkit::{self, ImageSpec, TarBuilder};
use crate::image::{self, Image, ImageOptions, ImageSource};

/// The inspector `gostatic image` uses, less the digests: every executable's facts.
pub(super) fn facts(_image_path: &str, bytes: &[u8]) -> Option<FileFacts> {
    crate::facts::read(bytes).ok().flatten()
}

/// An image of these layers (tars from `TarBuilder::finish`), with a default config: entrypoint
/// `/app`, user `65532`, PATH `/usr/local/bin:/usr/bin:/bin`.
pub(super) fn image(layers: Vec<Vec<u8>>) -> Image<FileFacts> {
    let dir = tempfile::tempdir().expect("scratch directory");
    let path = dir.path().join("image.tar");
    let files = testkit::oci_layout(&[ImageSpec::new("t:1", layers)]);
    std::fs::write(&path, testkit::to_tar(&files)).expect("write archive");
    image::open(&ImageSource::Path(path), &ImageOptions::default(), &facts)
        .expect("a synthetic archive reads")
        .remove(0)
}

/// An image of one layer.
pub(super) fn one_layer(
    build: impl FnOnce(&mut TarBuilder) -> &mut TarBuilder,
) -> Image<FileFacts> {
    let mut tar = TarBuilder::new();
    build(&mut tar);
    image(vec![tar.finish()])
}
