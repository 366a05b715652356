//! A file of an image is reported in its own image, even when two images of one archive have
//! names that are prefixes of each other (`a:1` and `a:1-b`, whose display paths sort
//! `two.tar[a:1-b]:/app` before `two.tar[a:1]:/app`) and hold different programs at the same
//! path: the static one must keep its findings, the dynamic one its own, in JSON and SARIF.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::outputs::two_images;
use crate::util::gostatic;

fn report(dir: &std::path::Path, format: &str) -> Value {
    let out = gostatic()
        .current_dir(dir)
        .args(["image", "--format", format, "two.tar"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn strings(values: &Value, key: &str) -> Vec<String> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn reported_paths_are_placed_in_their_image() {
    let dir = tempfile::tempdir().unwrap();
    two_images(dir.path());

    let json = report(dir.path(), "json");
    let images = json["images"].as_array().unwrap();
    let mut names = strings(&json["images"], "name");
    names.sort();
    assert_eq!(names, ["a:1", "a:1-b"]);
    // Every finding each image has in JSON, by rule: the file's and the image's own.
    let mut by_image: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for image in images {
        let name = image["name"].as_str().unwrap();
        by_image.insert(name.into(), strings(&image["findings"], "rule"));
    }
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{files:?}");
    for file in files {
        let image = file["image"].as_str().unwrap();
        assert_eq!(file["image_path"], "/app");
        assert_eq!(file["path"], format!("two.tar[{image}]:/app"));
        let own = images.iter().find(|i| i["name"] == image).unwrap();
        // A layer is named by its digest, else its diff id (a docker `<id>/layer.tar`).
        let own_layers: Vec<&Value> = own["layers"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| [&l["digest"], &l["diff_id"]])
            .filter(|v| v.is_string())
            .collect();
        assert!(
            own_layers.contains(&&file["layer"]),
            "{image}: layer {} is not one of its own",
            file["layer"]
        );
        let rules = strings(&file["findings"], "rule");
        match image {
            "a:1" => {
                assert_eq!(file["elf"]["linking"], "static");
                assert!(
                    !rules.iter().any(|r| r == "GS101" || r == "GS102"),
                    "{rules:?}"
                );
            }
            "a:1-b" => {
                assert_eq!(file["elf"]["linking"], "dynamic");
                for rule in ["GS101", "GS102"] {
                    assert!(rules.iter().any(|r| r == rule), "{rule} missing: {rules:?}");
                }
            }
            other => panic!("a file placed in {other}"),
        }
        by_image.get_mut(image).unwrap().extend(rules);
    }
    let mut placed: Vec<&str> = files.iter().map(|f| f["image"].as_str().unwrap()).collect();
    placed.sort();
    assert_eq!(placed, ["a:1", "a:1-b"], "one file in each image");

    let sarif = report(dir.path(), "sarif");
    let mut sarif_by_image: BTreeMap<String, Vec<String>> =
        by_image.keys().map(|k| (k.clone(), Vec::new())).collect();
    for result in sarif["runs"][0]["results"].as_array().unwrap() {
        let image = result["properties"]["image"].as_str().unwrap();
        let location = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(location["uri"], "two.tar");
        let text = result["message"]["text"].as_str().unwrap();
        let prefix = match result["properties"]["imagePath"].as_str() {
            Some(path) => format!("{path} in image {image}: "),
            None => format!("image {image}: "),
        };
        assert!(text.starts_with(&prefix), "{text}");
        let rule = result["ruleId"].as_str().unwrap().to_string();
        sarif_by_image.get_mut(image).unwrap().push(rule);
    }
    for rules in by_image.values_mut().chain(sarif_by_image.values_mut()) {
        rules.sort();
    }
    assert_eq!(
        sarif_by_image, by_image,
        "SARIF places each result as JSON does"
    );
}
