//! `--format jsonl` of `gostatic image`: one JSON document per image, each on one line, for
//! fleet tools that read a stream (`jq -c`, a log shipper) rather than one document at the end.
//! Each document stands alone: the image's `images[]` object, its `files[]` and `errors[]`,
//! and a `summary` counted over that image only. A source that could not be read at all is
//! one document with `"image": null` and its error. Documented in `docs/json.md`.

use std::io::{self, Write};

use serde::Serialize;

use super::image::ImageSection;
use super::{ErrorEntry, FileReport, Report, SCHEMA, Summary};

/// One line of `--format jsonl`.
#[derive(Debug, Serialize)]
pub struct ImageDocument<'a> {
    pub schema: &'static str,
    /// The source as named on the command line (`-` for stdin).
    pub source: &'a str,
    /// The image, as in `images[]` of `--format json`; null when the source could not be read.
    pub image: Option<&'a ImageSection>,
    /// The image's executables, as in `files[]`.
    pub files: Vec<&'a FileReport>,
    /// Errors of this image's files, or the source's own error.
    pub errors: Vec<&'a ErrorEntry>,
    /// Counted over this document alone.
    pub summary: Summary,
}

/// Every document of a report: one per image, in order, then one per error that no image
/// holds (a source that could not be read).
pub fn documents(report: &Report) -> Vec<ImageDocument<'_>> {
    let images = report.images.as_deref().unwrap_or_default();
    let in_image =
        |place: Option<&super::ImagePlace>, index: usize| place.is_some_and(|p| p.section == index);
    let mut documents: Vec<ImageDocument> = images
        .iter()
        .enumerate()
        .map(|(index, image)| {
            let files: Vec<&FileReport> = report
                .files
                .iter()
                .filter(|f| in_image(f.place.as_ref(), index))
                .collect();
            let errors: Vec<&ErrorEntry> = report
                .errors
                .iter()
                .filter(|e| in_image(e.place.as_ref(), index))
                .collect();
            let summary = summary(&files, &errors, Some(image));
            ImageDocument {
                schema: SCHEMA,
                source: &image.source,
                image: Some(image),
                files,
                errors,
                summary,
            }
        })
        .collect();
    for error in &report.errors {
        if error
            .place
            .as_ref()
            .is_none_or(|p| p.section >= images.len())
        {
            documents.push(ImageDocument {
                schema: SCHEMA,
                source: &error.path,
                image: None,
                files: Vec::new(),
                errors: vec![error],
                summary: summary(&[], &[error], None),
            });
        }
    }
    documents
}

/// The summary of one document, counted as a report of just these would be.
fn summary(files: &[&FileReport], errors: &[&ErrorEntry], image: Option<&ImageSection>) -> Summary {
    let files = files.iter().map(|&f| f.clone()).collect();
    let errors = errors.iter().map(|&e| e.clone()).collect();
    let mut part = match image {
        Some(image) => Report::with_images(files, errors, vec![image.clone()]),
        None => Report::with_images(files, errors, Vec::new()),
    };
    part.recount();
    part.summary
}

/// Write each document of `report` as one line.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for document in documents(report) {
        serde_json::to_writer(&mut *out, &document).map_err(io::Error::from)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ImagePlace;
    use crate::rules::{Finding, Rule};
    use crate::testkit::report::{file, image_section};

    /// The report of one source holding `names`, each with one file at `/app` carrying a
    /// GS302 finding.
    fn source(source: &str, names: &[&str]) -> Report {
        let several = names.len() > 1;
        let mut sections = Vec::new();
        let mut files = Vec::new();
        for (index, name) in names.iter().enumerate() {
            let mut section =
                image_section(name, several, vec![Finding::new(Rule::RootUser, "m", "f")]);
            section.source = source.to_string();
            let mut report = file(&section.display_name(Some("/app")), None, &[Rule::Symtab]);
            report.place = Some(ImagePlace {
                section: index,
                image: name.to_string(),
                image_path: "/app".to_string(),
                layer: None,
            });
            files.push(report);
            sections.push(section);
        }
        Report::with_images(files, Vec::new(), sections)
    }

    fn failed(source: &str) -> Report {
        let error = ErrorEntry {
            path: source.to_string(),
            place: None,
            message: "no such file or directory".to_string(),
            kind: None,
        };
        Report::with_images(Vec::new(), vec![error], Vec::new())
    }

    #[test]
    fn merging_keeps_the_order_given_and_renumbers_places() {
        let merged = Report::merge(vec![
            source("b.tar", &["b:1"]),
            failed("gone.tar"),
            source("a.tar", &["a:1", "a:2"]),
        ]);
        let images: Vec<(&str, &str)> = merged
            .images
            .iter()
            .flatten()
            .map(|i| (i.source.as_str(), i.name.as_str()))
            .collect();
        assert_eq!(
            images,
            [("b.tar", "b:1"), ("a.tar", "a:1"), ("a.tar", "a:2")]
        );
        let places: Vec<(usize, &str)> = merged
            .files
            .iter()
            .map(|f| (f.place.as_ref().unwrap().section, f.path.as_str()))
            .collect();
        assert_eq!(
            places,
            [
                (0, "b.tar:/app"),
                (1, "a.tar[a:1]:/app"),
                (2, "a.tar[a:2]:/app")
            ]
        );
        assert_eq!(merged.errors.len(), 1);
        let summary = &merged.summary;
        assert_eq!((summary.files, summary.errors), (3, 1));
        assert_eq!(
            summary.findings.warning, 6,
            "3 images' GS601 and 3 files' GS302"
        );
        assert_eq!(summary.images.as_ref().unwrap().total, 3);
    }

    #[test]
    fn jsonl_has_a_document_per_image_then_per_unreadable_source() {
        let merged = Report::merge(vec![failed("gone.tar"), source("a.tar", &["a:1", "a:2"])]);
        let documents = documents(&merged);
        let shape: Vec<(&str, Option<&str>, usize, usize)> = documents
            .iter()
            .map(|d| {
                (
                    d.source,
                    d.image.map(|i| i.name.as_str()),
                    d.files.len(),
                    d.errors.len(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                ("a.tar", Some("a:1"), 1, 0),
                ("a.tar", Some("a:2"), 1, 0),
                ("gone.tar", None, 0, 1)
            ]
        );
        // Each summary counts its own document only.
        assert_eq!(documents[1].files[0].path, "a.tar[a:2]:/app");
        assert_eq!(documents[1].summary.findings.warning, 2);
        assert_eq!(documents[1].summary.images.as_ref().unwrap().total, 1);
        assert_eq!(documents[2].summary.errors, 1);
        assert_eq!(documents[2].summary.images.as_ref().unwrap().total, 0);
        let mut out = Vec::new();
        render(&merged, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 3);
        for line in text.lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(value["schema"], SCHEMA);
        }
    }
}
