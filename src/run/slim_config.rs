//! The slim image's config document: the source's platform and run config as the stage set
//! it, `created` as the source had it, and a `history` that says what was kept and why, one
//! entry per line of the equivalent final stage and a last one for the layer itself.

use super::slim::Slimmed;
use crate::facts::FileFacts;
use crate::image::Image;
use crate::image::write::{ConfigDoc, Empty, HistoryDoc, RootFsDoc, RunDoc};

/// The config of `image`, the slim image made of the source named `source`.
pub(super) fn config_doc(image: &Image<FileFacts>, source: &str, slimmed: &Slimmed) -> ConfigDoc {
    let config = &image.config;
    let created = config.created.clone();
    let mut history: Vec<HistoryDoc> = slimmed
        .kept
        .iter()
        .map(|kept| HistoryDoc {
            created: created.clone(),
            created_by: format!("gostatic slim: {}", kept.path),
            comment: format!("{} ({})", kept.why, crate::rules::human_bytes(kept.bytes)),
            empty_layer: true,
        })
        .collect();
    history.push(HistoryDoc {
        created: created.clone(),
        created_by: format!("gostatic slim {source}"),
        comment: format!(
            "one layer of the {} paths above: {} of {}'s {}",
            slimmed.kept.len(),
            crate::rules::human_bytes(slimmed.slim_bytes),
            slimmed.name,
            crate::rules::human_bytes(slimmed.source_bytes)
        ),
        empty_layer: false,
    });
    ConfigDoc {
        created,
        architecture: image.platform.architecture.clone(),
        os: image.platform.os.clone(),
        variant: image.platform.variant.clone(),
        config: RunDoc {
            user: config.user.clone(),
            exposed_ports: config
                .exposed_ports
                .iter()
                .map(|port| (port.clone(), Empty {}))
                .collect(),
            env: config.env.clone(),
            entrypoint: config.entrypoint.clone(),
            cmd: config.cmd.clone(),
            working_dir: config.working_dir.clone(),
            labels: config.labels.clone(),
        },
        rootfs: RootFsDoc::default(),
        history,
    }
}

/// Seconds since the epoch of an RFC 3339 time (`2024-01-02T03:04:05.678+01:00`), the
/// fraction dropped; `None` if it is not one or is before 1970.
pub(super) fn unix_seconds(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let number = |from: usize, len: usize| -> Option<i64> {
        let digits = text.get(from..from + len)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())?
    };
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't' | b' ')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (number(0, 4)?, number(5, 2)?, number(8, 2)?);
    let (hour, minute, second) = (number(11, 2)?, number(14, 2)?, number(17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut at = 19;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        while bytes.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
    }
    let offset = match bytes.get(at)? {
        b'Z' | b'z' if at + 1 == bytes.len() => 0,
        sign @ (b'+' | b'-') if at + 6 == bytes.len() && bytes[at + 3] == b':' => {
            let minutes = number(at + 1, 2)? * 60 + number(at + 4, 2)?;
            if *sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        _ => return None,
    };
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    u64::try_from(seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_become_unix_seconds() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        // `date -u -d 2023-11-14T22:13:20Z +%s`
        assert_eq!(unix_seconds("2023-11-14T22:13:20Z"), Some(1_700_000_000));
        assert_eq!(
            unix_seconds("2023-11-14T22:13:20.123456789Z"),
            Some(1_700_000_000)
        );
        assert_eq!(
            unix_seconds("2023-11-15T00:13:20+02:00"),
            Some(1_700_000_000)
        );
        assert_eq!(
            unix_seconds("2023-11-14T21:13:20-01:00"),
            Some(1_700_000_000)
        );
        assert_eq!(unix_seconds("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        for bad in [
            "",
            "2023-11-14",
            "2023-13-14T22:13:20Z",
            "2023-11-14T22:13:20",
            "2023-11-14T22:13:20+0200",
            "1969-12-31T23:59:59Z",
            "2023-11-14T22:13:2xZ",
        ] {
            assert_eq!(unix_seconds(bad), None, "{bad}");
        }
    }
}
