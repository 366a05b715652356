//! The subset of SARIF 2.1.0 gostatic writes, as plain serde structs (OASIS SARIF 2.1.0 with
//! errata 01; section numbers in the comments). Hand-written as cargo-deny does: the schema is
//! large and we need about a tenth of it. Optional members are left out when empty so the log
//! stays small and byte-identical between runs.

use std::collections::BTreeMap;

use serde::Serialize;

pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
pub const VERSION: &str = "2.1.0";

/// §3.13 sarifLog.
#[derive(Debug, Serialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: Vec<Run>,
}

/// §3.14 run. `results` is always present: an empty array tells GitHub the run found nothing,
/// which closes earlier alerts.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub tool: Tool,
    pub invocations: Vec<Invocation>,
    pub results: Vec<SarifResult>,
}

/// §3.18 tool.
#[derive(Debug, Serialize)]
pub struct Tool {
    pub driver: ToolComponent,
}

/// §3.19 toolComponent.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolComponent {
    pub name: &'static str,
    pub version: &'static str,
    pub semantic_version: &'static str,
    pub information_uri: &'static str,
    pub rules: Vec<ReportingDescriptor>,
}

/// §3.49 reportingDescriptor: one rule's metadata.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportingDescriptor {
    pub id: &'static str,
    pub name: &'static str,
    pub short_description: MultiformatMessage,
    pub full_description: MultiformatMessage,
    pub help: MultiformatMessage,
    pub default_configuration: ReportingConfiguration,
    pub properties: RuleProperties,
}

/// §3.12 multiformatMessageString.
#[derive(Debug, Serialize)]
pub struct MultiformatMessage {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
}

/// §3.50 reportingConfiguration.
#[derive(Debug, Serialize)]
pub struct ReportingConfiguration {
    pub level: &'static str,
}

/// The property bag GitHub code scanning reads from a rule: `tags`, `precision`, and
/// `security-severity` (0.0–10.0), which makes the alert a security alert ranked by it.
#[derive(Debug, Serialize)]
pub struct RuleProperties {
    pub category: &'static str,
    pub tags: Vec<&'static str>,
    pub precision: &'static str,
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    pub security_severity: Option<&'static str>,
}

/// §3.20 invocation. No start or end times: they would make every log different.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    pub execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_execution_notifications: Vec<Notification>,
}

/// §3.58 notification: an input gostatic could not read, or a policy notice.
#[derive(Debug, Serialize)]
pub struct Notification {
    pub level: &'static str,
    pub message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
}

/// §3.11 message (plain text only).
#[derive(Debug, Serialize)]
pub struct Message {
    pub text: String,
}

/// §3.27 result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    pub rule_id: &'static str,
    pub rule_index: usize,
    pub level: &'static str,
    pub message: Message,
    pub locations: Vec<Location>,
    pub partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<ResultProperties>,
}

/// Where in an image a result is (§3.8 property bag): the artifact location is the archive,
/// which is what a repository holds; these say which image and which path inside it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultProperties {
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_path: Option<String>,
    /// The layer that last wrote the file (its digest), for results about an executable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

/// §3.28 location.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub physical_location: PhysicalLocation,
}

/// §3.29 physicalLocation.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
}

/// §3.4 artifactLocation.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactLocation {
    pub uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_base_id: Option<&'static str>,
}

/// §3.30 region. GitHub requires `startLine` on every result's location.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub start_line: u32,
}

/// §3.35 suppression.
#[derive(Debug, Serialize)]
pub struct Suppression {
    /// `external`: the suppression lives outside the analysed file (gostatic.toml or a baseline).
    pub kind: &'static str,
    pub status: &'static str,
    pub justification: String,
    pub properties: SuppressionProperties,
}

#[derive(Debug, Serialize)]
pub struct SuppressionProperties {
    /// `config` or `baseline`, as in the JSON report.
    pub source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}
