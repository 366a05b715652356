//! Strings from untrusted files (interpreter paths, library names, file names) are escaped
//! before they reach a terminal, so a crafted binary cannot move the cursor, recolour the
//! screen or reorder text with bidi controls.

use std::borrow::Cow;

pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || hides_or_reorders(c)
}

/// Zero-width and bidirectional-override characters: printed raw, they hide or reorder what a
/// reader sees (a file named `ls`, U+202E, `txt.exe` shows as `lsexe.txt`), so every format
/// shows them escaped (`\u{202e}`).
pub fn hides_or_reorders(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_untouched() {
        assert!(matches!(
            for_terminal("/lib64/ld-linux-x86-64.so.2"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escapes_terminal_controls_and_bidi() {
        assert_eq!(for_terminal("lib\x1b[31mc.so"), "lib\\u{1b}[31mc.so");
        assert_eq!(for_terminal("a\u{202e}b"), "a\\u{202e}b");
    }
}
