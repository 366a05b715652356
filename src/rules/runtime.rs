//! GS501–GS503, GS506, GS507: files a Go program opens at run time that an empty image lacks,
//! and the directories it writes (the temp dir, the home or cache directory). In `check` they
//! are advice for the Dockerfile (the exact files and the COPY line); the image command turns
//! them into errors when the image lacks them.

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
        NeedKind::Tmp => Some(Rule::NeedsTmp),
        NeedKind::Home => Some(Rule::NeedsHome),
        NeedKind::NameResolution | NeedKind::Mime => None,
    }
}

/// The file (or directory) to put into a scratch image for a need: the first Go tries
/// (`/tmp`; `$HOME` for the home directory, whatever the runtime makes it).
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

/// What the program does that needs the files, with the evidence: the start of every GS501-GS507
/// message, in `check` and in an image alike.
pub(crate) fn what_it_does(need: &RuntimeNeed) -> String {
    let what = match need.spec.kind {
        NeedKind::CaCertificates => {
            "verifies TLS certificates with the system roots and embeds no fallback roots"
        }
        NeedKind::Zoneinfo => "loads time zones by name and embeds no time zone database",
        NeedKind::Tmp => "creates temporary files",
        NeedKind::Home => home_use(need),
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

/// Which of the home, cache and config directories the evidence shows in use.
fn home_use(need: &RuntimeNeed) -> &'static str {
    let uses = |name: &str| need.evidence.iter().any(|n| n == name);
    match (uses("os.UserCacheDir"), uses("os.UserConfigDir")) {
        (true, true) => "uses the home, cache and config directories",
        (true, false) => "uses the home or cache directory",
        (false, true) => "uses the home or config directory",
        (false, false) => "uses the home directory",
    }
}

fn needed_files(need: &RuntimeNeed) -> String {
    match need.spec.kind {
        NeedKind::Passwd => need.spec.files.join(" and "),
        NeedKind::Tmp => "a /tmp the user may write".to_string(),
        NeedKind::Home => "a HOME the user may write".to_string(),
        _ => file_to_add(need).unwrap_or_default().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::{Rule, Severity, evaluate};
    use crate::testkit::elf::go_needs;

    /// go-needs makes a temp file and a directory in os.UserCacheDir (testdata/src/needs); its
    /// os/user use alone would not count for GS507 (`needs.rs`).
    #[test]
    fn temp_files_and_the_cache_dir_are_advice_in_check() {
        let facts = crate::facts::read(&go_needs()).unwrap().unwrap();
        let evaluation = evaluate(&facts);
        let find = |rule| evaluation.findings.iter().find(|f| f.rule == rule).unwrap();
        let tmp = find(Rule::NeedsTmp);
        assert_eq!(tmp.severity, Severity::Note);
        assert_eq!(
            tmp.message,
            "creates temporary files (os.CreateTemp): on scratch it needs a /tmp the user may write (or set TMPDIR)"
        );
        assert!(
            tmp.fix
                .starts_with("COPY --from=build --chmod=1777 /tmp /tmp; ")
        );
        let home = find(Rule::NeedsHome);
        assert_eq!(
            home.message,
            "uses the home or cache directory (os.UserCacheDir, os.UserHomeDir): on scratch it needs a HOME the user may write (or set HOME/XDG_CACHE_HOME/XDG_CONFIG_HOME)"
        );
        let add = &evaluation.verdict.add;
        assert!(add.contains(&"/tmp".to_string()), "{add:?}");
        assert!(add.contains(&"$HOME".to_string()), "{add:?}");
    }
}
