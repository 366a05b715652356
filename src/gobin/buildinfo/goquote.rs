//! Go's `strconv.Quote`, `strconv.Unquote` and `strconv.QuotedPrefix` on byte strings, as the
//! `build` lines of the module text use them (`src/strconv/quote.go`, `src/runtime/debug/mod.go`).
//!
//! Go strings are bytes, not UTF-8: invalid bytes are escaped as `\xNN` when quoting and become
//! U+FFFD when an escaped string is unquoted, exactly as Go does. The one approximation is
//! `unicode.IsPrint`: Rust has no general-category table, so code points unassigned in Go's
//! Unicode tables count as printable here (see `is_print`).

/// Why a quoted Go string could not be read (Go's `strconv.ErrSyntax`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError;

/// `strconv.Quote`: a double-quoted Go string literal for `s`.
pub fn quote(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 2);
    out.push(b'"');
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            escape_rune(&mut out, c, b'"');
        }
        for &b in chunk.invalid() {
            push_hex(&mut out, b"\\x", u32::from(b), 2);
        }
    }
    out.push(b'"');
    out
}

/// `strconv.QuoteRune` (what `%q` prints for a byte or rune): a single-quoted literal.
pub fn quote_rune(c: char) -> String {
    let mut out = vec![b'\''];
    escape_rune(&mut out, c, b'\'');
    out.push(b'\'');
    String::from_utf8_lossy(&out).into_owned()
}

fn escape_rune(out: &mut Vec<u8>, c: char, quote: u8) {
    let mut utf8 = [0; 4];
    if u32::from(c) == u32::from(quote) || c == '\\' {
        out.push(b'\\');
        out.push(c as u8);
        return;
    }
    if is_print(c) {
        out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        return;
    }
    let short = match c {
        '\u{7}' => Some(b'a'),
        '\u{8}' => Some(b'b'),
        '\u{c}' => Some(b'f'),
        '\n' => Some(b'n'),
        '\r' => Some(b'r'),
        '\t' => Some(b't'),
        '\u{b}' => Some(b'v'),
        _ => None,
    };
    let code = u32::from(c);
    match short {
        Some(letter) => out.extend_from_slice(&[b'\\', letter]),
        None if code < 0x20 || code == 0x7f => push_hex(out, b"\\x", code, 2),
        None if code < 0x10000 => push_hex(out, b"\\u", code, 4),
        None => push_hex(out, b"\\U", code, 8),
    }
}

fn push_hex(out: &mut Vec<u8>, prefix: &[u8], value: u32, digits: u32) {
    const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(prefix);
    for shift in (0..digits).rev() {
        out.push(LOWER_HEX[((value >> (shift * 4)) & 0xf) as usize]);
    }
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
/// Everything else Go escapes is recognised here: controls, format characters (Cf), private
/// use (Co), non-ASCII spaces and separators (Zs, Zl, Zp) and noncharacters. Unassigned code
/// points are the one gap (Go escapes them; they do not occur in real build settings).
fn is_print(c: char) -> bool {
    let code = u32::from(c);
    if code < 0x80 {
        return (0x20..0x7f).contains(&code);
    }
    if c.is_control() {
        return false;
    }
    let separator = matches!(
        code,
        0xa0 | 0x1680 | 0x2000..=0x200a | 0x2028 | 0x2029 | 0x202f | 0x205f | 0x3000
    );
    let format = matches!(
        code,
        0xad | 0x600..=0x605
            | 0x61c
            | 0x6dd
            | 0x70f
            | 0x890..=0x891
            | 0x8e2
            | 0x180e
            | 0x200b..=0x200f
            | 0x202a..=0x202e
            | 0x2060..=0x2064
            | 0x2066..=0x206f
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0x110bd
            | 0x110cd
            | 0x13430..=0x1343f
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0xe0001
            | 0xe0020..=0xe007f
    );
    let private_use = matches!(code, 0xe000..=0xf8ff | 0xf0000..=0xffffd | 0x100000..=0x10fffd);
    let noncharacter = matches!(code, 0xfdd0..=0xfdef) || code & 0xfffe == 0xfffe;
    !(separator || format || private_use || noncharacter)
}

/// `strconv.QuotedPrefix`: the quoted literal (`"…"` or `` `…` ``) at the start of `s`, as
/// written (quotes and escapes kept).
pub fn quoted_prefix(s: &[u8]) -> Result<&[u8], SyntaxError> {
    let (len, _) = unquote_prefix(s, false)?;
    Ok(&s[..len])
}

/// `strconv.Unquote` for the two quote forms the module text uses; the whole input must be
/// one literal.
pub fn unquote(s: &[u8]) -> Result<Vec<u8>, SyntaxError> {
    let (len, value) = unquote_prefix(s, true)?;
    if len != s.len() {
        return Err(SyntaxError);
    }
    Ok(value)
}

/// Go's `unquote(in, unescape)`: the length of the literal at the start of `s` and, when
/// `unescape`, its value.
fn unquote_prefix(s: &[u8], unescape: bool) -> Result<(usize, Vec<u8>), SyntaxError> {
    if s.len() < 2 {
        return Err(SyntaxError);
    }
    let quote = s[0];
    let end = s[1..].iter().position(|&b| b == quote).ok_or(SyntaxError)? + 2;
    match quote {
        b'`' => {
            let value = if unescape {
                // Carriage returns inside raw strings are discarded, as in Go source.
                s[1..end - 1]
                    .iter()
                    .copied()
                    .filter(|&b| b != b'\r')
                    .collect()
            } else {
                Vec::new()
            };
            Ok((end, value))
        }
        b'"' => {
            let body = &s[1..end - 1];
            if !body.contains(&b'\\') && !body.contains(&b'\n') && std::str::from_utf8(body).is_ok()
            {
                return Ok((end, if unescape { body.to_vec() } else { Vec::new() }));
            }
            let mut value = Vec::new();
            let mut rest = &s[1..];
            while let Some(&first) = rest.first() {
                if first == b'"' {
                    break;
                }
                if first == b'\n' {
                    return Err(SyntaxError);
                }
                let (piece, tail) = unquote_char(rest)?;
                if unescape {
                    piece.append_to(&mut value);
                }
                rest = tail;
            }
            if rest.first() != Some(&b'"') {
                return Err(SyntaxError);
            }
            Ok((s.len() - rest.len() + 1, value))
        }
        _ => Err(SyntaxError),
    }
}

/// One decoded character of a double-quoted literal.
enum Piece {
    /// A `\xNN` or octal escape, or an ASCII character: one byte, possibly not UTF-8.
    Byte(u8),
    Rune(char),
}

impl Piece {
    fn append_to(self, out: &mut Vec<u8>) {
        match self {
            Piece::Byte(b) => out.push(b),
            Piece::Rune(c) => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
}

/// `strconv.UnquoteChar(s, '"')`.
fn unquote_char(s: &[u8]) -> Result<(Piece, &[u8]), SyntaxError> {
    let (&c, rest) = s.split_first().ok_or(SyntaxError)?;
    if c == b'"' {
        return Err(SyntaxError);
    }
    if c >= 0x80 {
        let (rune, size) = decode_rune(s);
        return Ok((Piece::Rune(rune), &s[size..]));
    }
    if c != b'\\' {
        return Ok((Piece::Byte(c), rest));
    }
    let (&kind, rest) = rest.split_first().ok_or(SyntaxError)?;
    let simple = match kind {
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' => Some(b'\\'),
        b'"' => Some(b'"'),
        _ => None,
    };
    if let Some(byte) = simple {
        return Ok((Piece::Byte(byte), rest));
    }
    match kind {
        b'x' | b'u' | b'U' => {
            let digits = match kind {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let hex = rest.get(..digits).ok_or(SyntaxError)?;
            let mut value: u32 = 0;
            for &h in hex {
                let digit = char::from(h).to_digit(16).ok_or(SyntaxError)?;
                value = (value << 4) | digit;
            }
            let rest = &rest[digits..];
            if kind == b'x' {
                return Ok((Piece::Byte(value as u8), rest));
            }
            let rune = char::from_u32(value).ok_or(SyntaxError)?;
            Ok((Piece::Rune(rune), rest))
        }
        b'0'..=b'7' => {
            let more = rest.get(..2).ok_or(SyntaxError)?;
            let mut value = u32::from(kind - b'0');
            for &d in more {
                if !(b'0'..=b'7').contains(&d) {
                    return Err(SyntaxError);
                }
                value = (value << 3) | u32::from(d - b'0');
            }
            let byte = u8::try_from(value).map_err(|_| SyntaxError)?;
            Ok((Piece::Byte(byte), &rest[2..]))
        }
        _ => Err(SyntaxError),
    }
}

/// `utf8.DecodeRune`: an invalid or truncated sequence is U+FFFD of width 1.
fn decode_rune(s: &[u8]) -> (char, usize) {
    let take = s.len().min(4);
    for width in (2..=take).rev() {
        if let Ok(text) = std::str::from_utf8(&s[..width])
            && let Some(c) = text.chars().next()
            && c.len_utf8() == width
        {
            return (c, width);
        }
    }
    ('\u{fffd}', 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(quote(b"-s -w"), b"\"-s -w\"");
        assert_eq!(quote(b"a\"b\\c"), b"\"a\\\"b\\\\c\"");
        assert_eq!(quote(b"\t\n\x01\x7f"), b"\"\\t\\n\\x01\\x7f\"");
        assert_eq!(quote(b"caf\xc3\xa9 \xff"), b"\"caf\xc3\xa9 \\xff\"");
        assert_eq!(quote("\u{a0}\u{200b}".as_bytes()), b"\"\\u00a0\\u200b\"");
        assert_eq!(quote("\u{f0000}".as_bytes()), b"\"\\U000f0000\"");
    }

    #[test]
    fn unquotes_both_forms() {
        assert_eq!(unquote(b"\"-s -w\"").unwrap(), b"-s -w");
        assert_eq!(unquote(b"`a\r\"b`").unwrap(), b"a\"b");
        assert_eq!(
            unquote(b"\"\\x41\\101\\u00e9\\n\"").unwrap(),
            "AA\u{e9}\n".as_bytes()
        );
        assert_eq!(unquote(b"\"\\xff\"").unwrap(), b"\xff");
        assert_eq!(unquote(b"\"\xff \\t\"").unwrap(), "\u{fffd} \t".as_bytes());
        assert_eq!(unquote(b"\"\xff\"").unwrap(), "\u{fffd}".as_bytes());
    }

    #[test]
    fn rejects_bad_literals() {
        for bad in [
            &b"\""[..],
            b"\"abc",
            b"\"a\"b",
            b"\"\\q\"",
            b"\"\\x4\"",
            b"\"\\400\"",
            b"\"\\ud800\"",
            b"\"a\nb\"",
            b"'a'",
            b"`abc",
        ] {
            assert_eq!(unquote(bad), Err(SyntaxError), "{bad:?}");
        }
    }

    #[test]
    fn prefix_keeps_the_literal_as_written() {
        assert_eq!(quoted_prefix(b"\"a\\\"b\"=c").unwrap(), b"\"a\\\"b\"");
        assert_eq!(quoted_prefix(b"`k`=v").unwrap(), b"`k`");
        assert_eq!(quoted_prefix(b"\"open"), Err(SyntaxError));
    }

    #[test]
    fn round_trips() {
        for s in [&b"x y"[..], b"\x00\xfe\"`", "\u{1f600}\u{85}".as_bytes()] {
            let q = quote(s);
            assert_eq!(unquote(&q).unwrap(), s, "{q:?}");
        }
    }
}
