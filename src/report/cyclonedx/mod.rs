//! CycloneDX 1.6 JSON (`--format cyclonedx`): an SBOM of what `check` or `image` read, with
//! gostatic's verdicts as properties. `docs/cyclonedx.md` documents it field by field.
//!
//! - Each reported file is a component: `application` (an executable), `library` (an ELF
//!   shared library) or a `file` (a `#!` script), `bom-ref` `file:<path as reported>`. Its
//!   SHA-256 is in `hashes` only when gostatic computed it (`--digests`): hashing whole files
//!   costs more than the analysis, and no SBOM consumer needs it.
//! - A Go program's main module is a `library` with a purl when it has a version: the one
//!   buildinfo records, else (for `(devel)`) one that `-ldflags -X` or the VCS commit gives, as
//!   syft finds it (`main_version`); the program takes that `version` too.
//! - Each Go module in buildinfo is a `library` with `pkg:golang/<path>@<version>` and, from its
//!   go.sum `h1:` hash, `hashes: [{alg: SHA-256}]` (the hex of the hash, as cyclonedx-gomod
//!   writes it; the literal stays in `gostatic:go:sum`). A module replaced by another module is
//!   named by the replacement, as syft names it, with `gostatic:go:replaces`; a module replaced
//!   by a local directory has no version and no purl (it is not a published package) and says
//!   where it came from in `gostatic:go:replaced-by`. Components are one per purl however many
//!   programs use them; `dependencies` link each program to its modules.
//! - The Go toolchain is the library `stdlib` (`pkg:golang/stdlib@1.22.1`, CPE
//!   `cpe:2.3:a:golang:go:1.22.1`), as syft names it, so grype matches Go's own advisories.
//! - `gostatic image`: the image is a `container` (name, and the manifest digest as its
//!   version) that depends on its executables; with one image it is `metadata.component`,
//!   with several each is a component.
//! - No `serialNumber` and no `metadata.timestamp`: both are optional, and leaving them out
//!   keeps the document a function of its inputs (reproducible, diffable, snapshot-tested).
//!   The specification asks a serial number to be unique per BOM even for the same content,
//!   which a content-derived one would not be; a pipeline that needs one can add it.

mod main_version;
mod model;
pub mod purl;

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};

use self::main_version::main_version;
use self::model::{
    Bom, Component, ComponentType, Dependency, Hash, Lifecycle, Metadata, Property, Tools,
};
use super::image::ImageSection;
use super::{FileReport, Report};
use crate::elf::Linking;
use crate::gobin::GoFacts;
use crate::gobin::buildinfo::Module;
use crate::rules::Finding;
use crate::rules::is_directory_path;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &bom(report)).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// The BOM of a report: plain data, rendered by [`render`].
pub fn bom(report: &Report) -> Bom {
    let mut components = Vec::new();
    let mut dependencies = Vec::new();
    let mut libraries: BTreeMap<String, Component> = BTreeMap::new();

    let images = report.images.as_deref().unwrap_or_default();
    let mut used = HashSet::new();
    let image_refs: Vec<String> = images
        .iter()
        .map(|image| distinct(&mut used, format!("image:{}", image.display_name(None))))
        .collect();
    let file_refs: Vec<String> = report
        .files
        .iter()
        .map(|file| distinct(&mut used, format!("file:{}", file.path)))
        .collect();

    let mut image_components: Vec<Component> = images
        .iter()
        .zip(&image_refs)
        .map(|(image, reference)| image_component(image, reference))
        .collect();
    // Each image depends on the files found in it, in report order.
    let mut in_image: Vec<Vec<String>> = vec![Vec::new(); images.len()];
    for (file, reference) in report.files.iter().zip(&file_refs) {
        if let Some(files) = file
            .place
            .as_ref()
            .and_then(|p| in_image.get_mut(p.section))
        {
            files.push(reference.clone());
        }
    }
    for (reference, files) in image_refs.iter().zip(in_image) {
        dependencies.push(Dependency {
            reference: reference.clone(),
            depends_on: unique(files.into_iter()),
        });
    }

    for (file, file_ref) in report.files.iter().zip(&file_refs) {
        let mut component = file_component(file, file_ref);
        if let Some(go) = &file.go {
            let mut depends_on = Vec::new();
            for library in go_libraries(file_ref, go) {
                let reference = library.bom_ref.clone().unwrap_or_default();
                depends_on.push(reference.clone());
                libraries.entry(reference).or_insert(library);
            }
            if let Some(main) = main_module(go) {
                component.version = main.version.clone();
                let reference = main.bom_ref.clone().unwrap_or_default();
                depends_on.insert(0, reference.clone());
                libraries.entry(reference).or_insert(main);
            }
            if !depends_on.is_empty() {
                dependencies.push(Dependency {
                    reference: file_ref.clone(),
                    depends_on: unique(depends_on.into_iter()),
                });
            }
        }
        components.push(component);
    }

    let metadata_component = if image_components.len() == 1 {
        image_components.pop()
    } else {
        None
    };
    let mut all = image_components;
    all.extend(components);
    all.extend(libraries.into_values());

    Bom {
        schema: model::SCHEMA,
        bom_format: "CycloneDX",
        spec_version: model::SPEC_VERSION,
        version: 1,
        metadata: Metadata {
            // gostatic reads built artifacts.
            lifecycles: vec![Lifecycle {
                phase: "post-build",
            }],
            tools: Tools {
                components: vec![tool(report)],
            },
            component: metadata_component,
            properties: report
                .errors
                .iter()
                .map(|e| Property {
                    name: "gostatic:error".to_string(),
                    value: e.line(),
                })
                .collect(),
        },
        components: all,
        dependencies,
    }
}

fn tool(report: &Report) -> Component {
    let mut gostatic = Component::new(ComponentType::Application, None, report.tool.name);
    gostatic.version = Some(report.tool.version.to_string());
    gostatic
}

/// `reference`, or `reference#2`, `#3`... when an earlier component took it (the same source
/// named twice): every `bom-ref` in a BOM is unique.
fn distinct(used: &mut HashSet<String>, reference: String) -> String {
    let mut candidate = reference.clone();
    let mut n = 1;
    while !used.insert(candidate.clone()) {
        n += 1;
        candidate = format!("{reference}#{n}");
    }
    candidate
}

/// Each reference once, in first-seen order (`dependsOn` items must be unique).
fn unique(references: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    references.filter(|r| seen.insert(r.clone())).collect()
}

/// A fixed vocabulary's serde name (`static-pie`, `ready-if-added`), as JSON spells it.
fn serde_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

fn finding_text(finding: &Finding) -> String {
    let place = finding
        .image_path
        .as_deref()
        .map(|p| format!("{p}: "))
        .unwrap_or_default();
    format!(
        "{} {} {}: {place}{}",
        finding.rule.id(),
        finding.severity.as_str(),
        finding.slug,
        finding.message
    )
}

fn add_findings(component: &mut Component, findings: &[Finding]) {
    for finding in findings {
        let name = if finding.is_active() {
            "gostatic:finding"
        } else {
            "gostatic:finding:suppressed"
        };
        component.property(name, finding_text(finding));
    }
}

fn image_component(image: &ImageSection, reference: &str) -> Component {
    let mut component = Component::new(
        ComponentType::Container,
        Some(reference.to_string()),
        image.name.clone(),
    );
    component.version = image
        .manifest_digest
        .clone()
        .or_else(|| image.config_digest.clone());
    component.property("gostatic:source", image.source.clone());
    component.property("gostatic:image-format", serde_name(&image.format));
    component.property("gostatic:platform", image.platform.to_string());
    if let Some(digest) = &image.config_digest {
        component.property("gostatic:config-digest", digest.clone());
    }
    if let Some(verdict) = &image.verdict {
        component.property("gostatic:starts", serde_name(&verdict.starts));
        component.property("gostatic:scratch", serde_name(&verdict.scratch));
        if let Some(base) = verdict.base {
            component.property("gostatic:base", base.image());
        }
        component.property("gostatic:verdict", verdict.summary());
    }
    add_findings(&mut component, &image.findings);
    component
}

fn file_component(file: &FileReport, reference: &str) -> Component {
    let kind = if file.script.is_some() {
        ComponentType::File
    } else if file
        .elf
        .as_ref()
        .is_some_and(|e| e.linking == Linking::SharedLibrary)
    {
        ComponentType::Library
    } else {
        ComponentType::Application
    };
    let name = file.image_path().unwrap_or(&file.path).to_string();
    let mut component = Component::new(kind, Some(reference.to_string()), name);
    if let Some(sha256) = &file.sha256 {
        component.hashes.push(Hash {
            alg: "SHA-256",
            content: sha256.clone(),
        });
    }
    if let Some(place) = &file.place {
        component.property("gostatic:image", place.image.clone());
        component.property("gostatic:path", place.image_path.clone());
        if let Some(layer) = &place.layer {
            component.property("gostatic:layer", layer.clone());
        }
    }
    component.property("gostatic:format", serde_name(&file.format));
    component.property("gostatic:size", file.size.to_string());
    if let Some(elf) = &file.elf {
        component.property("gostatic:linking", serde_name(&elf.linking));
        if let Some(interpreter) = &elf.interpreter {
            component.property("gostatic:interpreter", interpreter.clone());
        }
        for needed in &elf.needed {
            component.property("gostatic:needed", needed.clone());
        }
    }
    component.property("gostatic:scratch", serde_name(&file.verdict.scratch));
    if let Some(base) = file.verdict.base {
        component.property("gostatic:base", base.image());
    }
    component.property("gostatic:verdict", file.verdict.summary.clone());
    if let Some(go) = &file.go {
        go_properties(&mut component, go);
    }
    add_findings(&mut component, &file.findings);
    component
}

fn go_properties(component: &mut Component, go: &GoFacts) {
    if let Some(version) = &go.version {
        component.property("gostatic:go:version", version.clone());
    }
    if let Some(main) = go.main.as_ref().filter(|m| !m.path.is_empty()) {
        component.property("gostatic:go:main-module", main.path.to_string());
    }
    component.property("gostatic:go:cgo", go.cgo.to_string());
    for setting in &go.settings {
        component.property(
            &format!("gostatic:go:setting:{}", setting.key),
            setting.value.to_string(),
        );
    }
}

/// The main module as a library, when it has a version to name it by (`main_version`). A
/// component of its own rather than a purl on the program: syft's decoder, which grype reads
/// SBOMs with, names a package by the component's name, and grype looks advisories up by
/// module path, not by file path.
fn main_module(go: &GoFacts) -> Option<Component> {
    let main = go.main.as_ref()?;
    let (version, source) = main_version(go)?;
    let path = main.path.to_str_lossy();
    let purl = purl::golang(&path, &version)?;
    let mut component = Component::new(ComponentType::Library, Some(purl.clone()), path);
    component.version = Some(version);
    component.purl = Some(purl);
    component.property("gostatic:go:main-version-from", serde_name(&source));
    Some(component)
}

/// The libraries a Go program is built from: the toolchain's standard library and each module
/// of buildinfo, in buildinfo's order.
fn go_libraries(file_ref: &str, go: &GoFacts) -> Vec<Component> {
    let mut libraries = Vec::new();
    if let Some(stdlib) = go.version.as_deref().and_then(purl::stdlib) {
        let mut component =
            Component::new(ComponentType::Library, Some(stdlib.purl.clone()), "stdlib");
        component.version = Some(stdlib.version);
        component.cpe = Some(stdlib.cpe);
        component.purl = Some(stdlib.purl);
        libraries.push(component);
    }
    for dep in &go.deps {
        libraries.push(module_component(file_ref, dep));
    }
    libraries
}

fn module_component(file_ref: &str, dep: &Module) -> Component {
    let original = format!("{} {}", dep.path, dep.version);
    if let Some(replace) = dep.replace.as_deref() {
        let target = replace.path.to_str_lossy();
        if is_directory_path(&target) {
            // Code from a directory on the build machine: no published package to name.
            let reference = format!("{file_ref}#go-local:{} => {target}", dep.path);
            let mut component = Component::new(
                ComponentType::Library,
                Some(reference),
                dep.path.to_string(),
            );
            component.property("gostatic:go:replaces", original.trim_end());
            component.property("gostatic:go:replaced-by", target.into_owned());
            return component;
        }
    }
    let module = dep.replace.as_deref().unwrap_or(dep);
    let (path, version) = (module.path.to_str_lossy(), module.version.to_str_lossy());
    let purl = purl::golang(&path, &version);
    let reference = purl
        .clone()
        .unwrap_or_else(|| format!("{file_ref}#go:{path}@{version}"));
    let mut component = Component::new(ComponentType::Library, Some(reference), path);
    if !version.is_empty() {
        component.version = Some(version.into_owned());
    }
    component.purl = purl;
    let sum = module.sum.to_str_lossy();
    if let Some(content) = purl::h1_sha256(&sum) {
        component.hashes.push(Hash {
            alg: "SHA-256",
            content,
        });
    }
    if !sum.is_empty() {
        component.property("gostatic:go:sum", sum.into_owned());
    }
    if dep.replace.is_some() {
        component.property("gostatic:go:replaces", original.trim_end());
    }
    component
}

#[cfg(test)]
mod tests;
