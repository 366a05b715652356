//! Exit codes (docs/exit-codes.md): 2 if any input could not be read or parsed, else 1 if a
//! finding reaches the `--fail-on` level, else 0. An error beats a finding.

use gostatic::policy::FailOn;
use gostatic::report::Summary;

pub const CLEAN: u8 = 0;
pub const FINDINGS: u8 = 1;
pub const ERROR: u8 = 2;

pub fn code(summary: &Summary, fail_on: FailOn) -> u8 {
    if summary.errors > 0 {
        return ERROR;
    }
    match (summary.highest(), fail_on.threshold()) {
        (Some(highest), Some(threshold)) if highest >= threshold => FINDINGS,
        _ => CLEAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gostatic::report::SeverityCounts;

    fn summary(errors: usize, error: usize, warning: usize, note: usize) -> Summary {
        Summary {
            errors,
            findings: SeverityCounts {
                error,
                warning,
                note,
            },
            ..Summary::default()
        }
    }

    #[test]
    fn errors_beat_findings() {
        assert_eq!(code(&summary(1, 3, 0, 0), FailOn::Error), ERROR);
        assert_eq!(code(&summary(1, 0, 0, 0), FailOn::Never), ERROR);
    }

    #[test]
    fn findings_gate_at_the_chosen_level() {
        let warnings_only = summary(0, 0, 2, 1);
        assert_eq!(code(&warnings_only, FailOn::Error), CLEAN);
        assert_eq!(code(&warnings_only, FailOn::Warning), FINDINGS);
        assert_eq!(code(&warnings_only, FailOn::Note), FINDINGS);
        assert_eq!(code(&warnings_only, FailOn::Never), CLEAN);
        assert_eq!(code(&summary(0, 0, 0, 1), FailOn::Warning), CLEAN);
        assert_eq!(code(&summary(0, 0, 0, 0), FailOn::Note), CLEAN);
    }

    #[test]
    fn suppressed_findings_never_gate() {
        let only_suppressed = Summary {
            suppressed: 4,
            ..summary(0, 0, 0, 0)
        };
        assert_eq!(code(&only_suppressed, FailOn::Note), CLEAN);
    }
}
