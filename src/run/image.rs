//! The pipeline of `gostatic image`: every image of one source is read with an inspector that
//! gathers each executable's facts (and its digest, when asked) while its bytes are in hand;
//! files whose facts could not be read become errors placed in their image; the rules judge the
//! rest as one `Image<FileFacts>`; the report is built from what they said.

use rayon::prelude::*;

use super::Options;
use super::check::sha256;
use crate::facts::{self, FileFacts};
use crate::image::{self, Image, ImageFile, ImageOptions, ImageSource};
use crate::report::image::ImageSection;
use crate::report::{ErrorEntry, FileReport, ImagePlace, Report};
use crate::rules;

/// What the inspector keeps of one executable.
#[derive(Debug, Clone)]
struct Inspected {
    /// The facts, or why they could not be read.
    facts: Result<FileFacts, String>,
    sha256: Option<String>,
}

/// Read every image `source` holds and judge it. A source that cannot be read gives a report
/// with one error, named as the source was given.
pub fn image(source: &ImageSource, image_options: &ImageOptions, options: &Options) -> Report {
    let inspect = |_image_path: &str, bytes: &[u8]| match facts::read(bytes) {
        Ok(None) => None,
        Ok(Some(facts)) => Some(Inspected {
            facts: Ok(facts),
            sha256: options.hash.then(|| sha256(bytes)),
        }),
        Err(kind) => Some(Inspected {
            facts: Err(kind.to_string()),
            sha256: None,
        }),
    };
    match image::open(source, image_options, &inspect) {
        Ok(images) => {
            let mut report = judge(images);
            for section in report.images.iter_mut().flatten() {
                section.file = source.file();
            }
            report
        }
        Err(err) => {
            let mut report = unreadable_image(&source.display(), err.to_string());
            report.errors[0].kind = err.kind();
            report
        }
    }
}

/// The report of an image source that could not be read at all.
pub fn unreadable_image(source: &str, message: String) -> Report {
    let error = ErrorEntry {
        path: source.to_string(),
        place: None,
        message,
        kind: None,
    };
    Report::with_images(Vec::new(), vec![error], Vec::new())
}

fn judge(images: Vec<Image<Inspected>>) -> Report {
    let several = images.len() > 1;
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut sections = Vec::new();
    for (index, image) in images.into_iter().enumerate() {
        let mut section = ImageSection::new(&image, several);
        let place = |image_path: &str, layer: usize| ImagePlace {
            section: index,
            image: section.name.clone(),
            image_path: image_path.to_string(),
            layer: Some(section.layers[layer].label(layer)),
        };
        let mut digests = Vec::new();
        let image = image.map_files(|file| {
            let ImageFile {
                image_path,
                layer,
                size,
                inspection: Inspected { facts, sha256 },
            } = file;
            match facts {
                Ok(facts) => {
                    digests.push(sha256);
                    Some(ImageFile {
                        image_path,
                        layer,
                        size,
                        inspection: facts,
                    })
                }
                Err(message) => {
                    errors.push(ErrorEntry {
                        path: section.display_name(Some(&image_path)),
                        place: Some(place(&image_path, layer)),
                        message,
                        kind: None,
                    });
                    None
                }
            }
        });
        let evaluation = rules::image::evaluate(&image);
        let reports: Vec<FileReport> = image
            .files
            .into_par_iter()
            .zip(evaluation.files)
            .zip(digests)
            .map(|((file, judged), sha256)| {
                let mut report = FileReport::new(
                    section.display_name(Some(&file.image_path)),
                    file.size,
                    sha256,
                    file.inspection,
                    judged,
                );
                report.place = Some(place(&file.image_path, file.layer));
                report
            })
            .collect();
        files.extend(reports);
        section.findings = evaluation.findings;
        section.size = evaluation.size;
        section.verdict = Some(evaluation.verdict);
        sections.push(section);
    }
    Report::with_images(files, errors, sections)
}
