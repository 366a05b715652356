//! GS501–GS503: files a Go program opens at run time that an empty image lacks. In `check`
//! they are advice for the Dockerfile (the exact files and the COPY line); the image command
//! turns them into errors when the files are absent from the image.

use super::{Finding, Rule, Sink};
use crate::gobin::GoFacts;
use crate::gobin::analysis::{NeedKind, RuntimeNeed};

/// The rule for a need kind, where there is one (name resolution and MIME have none: the
/// container runtime provides resolv.conf and hosts, and a built-in MIME table answers).
pub(crate) fn rule_for(kind: NeedKind) -> Option<Rule> {
    match kind {
        NeedKind::CaCertificates => Some(Rule::NeedsCaCertificates),
        NeedKind::Zoneinfo => Some(Rule::NeedsZoneinfo),
        NeedKind::Passwd => Some(Rule::NeedsPasswd),
        NeedKind::NameResolution | NeedKind::Mime => None,
    }
}

/// The file (or directory) to put into a scratch image for a need: the first Go tries.
pub(super) fn file_to_add(need: &RuntimeNeed) -> Option<&'static str> {
    rule_for(need.spec.kind)?;
    need.spec.files.first().map(|f| f.trim_end_matches('/'))
}

pub(super) fn check(go: &GoFacts, sink: &mut Sink) {
    for need in go.required_needs() {
        let Some(rule) = rule_for(need.spec.kind) else {
            continue;
        };
        let env = if need.spec.env.is_empty() {
            String::new()
        } else {
            format!(" (or set {})", need.spec.env.join("/"))
        };
        sink.found(Finding::new(
            rule,
            format!(
                "{}: on scratch it needs {}{env}",
                what_it_does(need),
                needed_files(need),
            ),
            format!("{}; {}", need.spec.dockerfile, need.spec.note),
        ));
    }
}

/// What the program does that needs the files, with the evidence: the start of every GS501-GS503
/// message, in `check` and in an image alike.
pub(crate) fn what_it_does(need: &RuntimeNeed) -> String {
    let what = match need.spec.kind {
        NeedKind::CaCertificates => {
            "verifies TLS certificates with the system roots and embeds no fallback roots"
        }
        NeedKind::Zoneinfo => "loads time zones by name and embeds no time zone database",
        _ => "looks up users or groups",
    };
    let how = match need.implementation {
        Some("cgo") => " through libc",
        _ => "",
    };
    format!(
        "{what}{how} ({})",
        super::first_few(&need.evidence, need.evidence.len())
    )
}

fn needed_files(need: &RuntimeNeed) -> String {
    match need.spec.kind {
        NeedKind::Passwd => need.spec.files.join(" and "),
        _ => file_to_add(need).unwrap_or_default().to_string(),
    }
}
