//! The part of the CycloneDX 1.6 JSON model gostatic writes (`bom-1.6.schema.json`). Field
//! names are the schema's; optional fields are left out when empty rather than written empty,
//! as the strict schema and most consumers prefer.

use serde::Serialize;

pub const SCHEMA: &str = "http://cyclonedx.org/schema/bom-1.6.schema.json";
pub const SPEC_VERSION: &str = "1.6";

#[derive(Debug, Serialize)]
pub struct Bom {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    #[serde(rename = "bomFormat")]
    pub bom_format: &'static str,
    #[serde(rename = "specVersion")]
    pub spec_version: &'static str,
    /// Always 1: each run writes a new document, never a revision of an earlier one.
    pub version: u32,
    pub metadata: Metadata,
    pub components: Vec<Component>,
    pub dependencies: Vec<Dependency>,
}

#[derive(Debug, Serialize)]
pub struct Metadata {
    pub lifecycles: Vec<Lifecycle>,
    pub tools: Tools,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<Component>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

#[derive(Debug, Serialize)]
pub struct Lifecycle {
    pub phase: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Tools {
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentType {
    Application,
    Library,
    Container,
    File,
}

#[derive(Debug, Clone, Serialize)]
pub struct Component {
    #[serde(rename = "type")]
    pub kind: ComponentType,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

impl Component {
    pub fn new(kind: ComponentType, bom_ref: Option<String>, name: impl Into<String>) -> Self {
        Component {
            kind,
            bom_ref,
            name: name.into(),
            version: None,
            hashes: Vec::new(),
            cpe: None,
            purl: None,
            properties: Vec::new(),
        }
    }

    pub fn property(&mut self, name: &str, value: impl Into<String>) {
        self.properties.push(Property {
            name: name.to_string(),
            value: value.into(),
        });
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hash {
    pub alg: &'static str,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Property {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct Dependency {
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(rename = "dependsOn")]
    pub depends_on: Vec<String>,
}
