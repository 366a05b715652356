//! The text report as a terminal shows it: wrapped to its width with a hanging indent, at 80
//! and at 200 columns, on the Go fixtures (long messages, a tally at the end).

use gostatic::report::text::{TextOptions, render, wrap};

fn text_at(width: usize) -> String {
    let inputs = gostatic::input::collect(&["testdata/go"]);
    let report = gostatic::run::check(&inputs, &gostatic::run::Options::default());
    let mut out = Vec::new();
    let options = TextOptions {
        width: Some(width),
        ..TextOptions::default()
    };
    render(&report, &mut out, options).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn text_wraps_to_80_and_200_columns() {
    for width in [80, 200] {
        let text = text_at(width);
        for line in text.lines() {
            let long_word = line
                .trim()
                .split(' ')
                .any(|w| w.chars().count() > width / 2);
            assert!(
                line.chars().count() <= width || long_word,
                "{width} columns: {line}"
            );
        }
        insta::with_settings!({ filters => crate::util::version_filters() }, {
            insta::assert_snapshot!(format!("check_go_text_{width}_columns"), text);
        });
    }
}

#[test]
fn a_wrapped_line_hangs_under_its_first() {
    let line = "  error[GS101 dynamic-interpreter] requests the ELF interpreter /lib64/ld-linux-x86-64.so.2";
    assert_eq!(
        wrap(line, 40),
        [
            "  error[GS101 dynamic-interpreter]",
            "      requests the ELF interpreter",
            "      /lib64/ld-linux-x86-64.so.2"
        ]
    );
    // Colour codes take no columns.
    let painted = "\u{1b}[1;31merror\u{1b}[0m short";
    assert_eq!(wrap(painted, 11), [painted]);
    assert_eq!(wrap("fits", 80), ["fits"]);
}
