//! `gostatic buildinfo -json`: what `go version -m -json FILE` prints for each Go binary, byte
//! for byte (Go 1.24+). Go prints `json.MarshalIndent(bi, "", "\t")` and a newline
//! (`scanFile` in `src/cmd/go/internal/version/version.go`), where `bi` is the
//! `runtime/debug.BuildInfo` that `debug/buildinfo.ReadFile` parsed; no file name appears.
//!
//! The shape is `runtime/debug`'s (`src/runtime/debug/mod.go`): `GoVersion`, `Path`, `Main`,
//! `Deps`, `Settings` as `{Key, Value}`, every field `json:",omitempty"` except `Main` (an
//! absent main module is `"Main": {}`). Strings are escaped as `encoding/json`'s
//! `appendString` does with HTML escaping on (`src/encoding/json/encode.go`): `"` and `\`,
//! `\b \f \n \r \t` short, other bytes below 0x20 and `<`, `>`, `&` as `\u00XX` (lowercase
//! hex), U+2028 and U+2029 as `\u2028`/`\u2029`, and each byte of invalid UTF-8 as `\ufffd`.
//! Written by hand rather than with serde_json, which escapes neither `<>&` nor U+2028 and
//! cannot carry the binary's raw bytes.

use crate::gobin::buildinfo::{BuildInfo, BuildSetting, GoString, Module};

/// The bytes `go version -m -json` prints for one binary, the final newline included.
pub fn render(info: &BuildInfo) -> Vec<u8> {
    let mut out = Writer::default();
    out.open(b'{');
    if !info.go_version.is_empty() {
        out.field("GoVersion", &info.go_version);
    }
    if !info.path.is_empty() {
        out.field("Path", &info.path);
    }
    out.key("Main");
    out.module(&info.main);
    out.list("Deps", &info.deps, Writer::module);
    out.list("Settings", &info.settings, Writer::setting);
    out.close(b'}');
    out.bytes.push(b'\n');
    out.bytes
}

/// `MarshalIndent` with an empty prefix and a tab: a container's members each on a line of
/// their own, one tab deeper; `{}` and `[]` stay on one line when empty.
#[derive(Default)]
struct Writer {
    bytes: Vec<u8>,
    depth: usize,
    /// Members written so far in each open container.
    members: Vec<usize>,
}

impl Writer {
    fn open(&mut self, bracket: u8) {
        self.bytes.push(bracket);
        self.depth += 1;
        self.members.push(0);
    }

    fn close(&mut self, bracket: u8) {
        self.depth -= 1;
        if self.members.pop().unwrap_or(0) > 0 {
            self.newline();
        }
        self.bytes.push(bracket);
    }

    /// Start a member: a comma after the previous one, a new line, the indentation.
    fn element(&mut self) {
        if let Some(count) = self.members.last_mut() {
            if *count > 0 {
                self.bytes.push(b',');
            }
            *count += 1;
        }
        self.newline();
    }

    fn newline(&mut self) {
        self.bytes.push(b'\n');
        self.bytes.extend(std::iter::repeat_n(b'\t', self.depth));
    }

    fn key(&mut self, name: &str) {
        self.element();
        string(&mut self.bytes, name.as_bytes());
        self.bytes.extend_from_slice(b": ");
    }

    fn field(&mut self, name: &str, value: &GoString) {
        self.key(name);
        string(&mut self.bytes, value.as_bytes());
    }

    /// An `omitempty` array field: absent when empty.
    fn list<T>(&mut self, name: &str, items: &[T], item: fn(&mut Self, &T)) {
        if items.is_empty() {
            return;
        }
        self.key(name);
        self.open(b'[');
        for value in items {
            self.element();
            item(self, value);
        }
        self.close(b']');
    }

    fn module(&mut self, module: &Module) {
        self.open(b'{');
        for (name, value) in [
            ("Path", &module.path),
            ("Version", &module.version),
            ("Sum", &module.sum),
        ] {
            if !value.is_empty() {
                self.field(name, value);
            }
        }
        if let Some(replace) = &module.replace {
            self.key("Replace");
            self.module(replace);
        }
        self.close(b'}');
    }

    fn setting(&mut self, setting: &BuildSetting) {
        self.open(b'{');
        for (name, value) in [("Key", &setting.key), ("Value", &setting.value)] {
            if !value.is_empty() {
                self.field(name, value);
            }
        }
        self.close(b'}');
    }
}

/// `encoding/json.appendString(dst, src, escapeHTML=true)`.
fn string(out: &mut Vec<u8>, text: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for chunk in text.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' | '\\' => out.extend_from_slice(&[b'\\', c as u8]),
                '\u{8}' => out.extend_from_slice(b"\\b"),
                '\u{c}' => out.extend_from_slice(b"\\f"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\r' => out.extend_from_slice(b"\\r"),
                '\t' => out.extend_from_slice(b"\\t"),
                '\u{0}'..='\u{1f}' | '<' | '>' | '&' => {
                    let b = c as u8;
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 0xf)]);
                }
                '\u{2028}' => out.extend_from_slice(b"\\u2028"),
                '\u{2029}' => out.extend_from_slice(b"\\u2029"),
                c => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        // Go's DecodeRune fails one byte at a time: one replacement per invalid byte.
        for _ in chunk.invalid() {
            out.extend_from_slice(b"\\ufffd");
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(text: &[u8]) -> String {
        let mut out = Vec::new();
        string(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_encoding_json_does() {
        assert_eq!(quoted(b"a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quoted(b"\x08\x0c\n\r\t"), r#""\b\f\n\r\t""#);
        assert_eq!(quoted(b"\x00\x1b\x1f\x7f"), "\"\\u0000\\u001b\\u001f\x7f\"");
        assert_eq!(quoted(b"<a&b>"), r#""\u003ca\u0026b\u003e""#);
        assert_eq!(
            quoted("x\u{2028}y\u{2029}z\u{202e}é".as_bytes()),
            "\"x\\u2028y\\u2029z\u{202e}é\""
        );
        // A truncated sequence and a lone continuation byte: one replacement per byte.
        assert_eq!(quoted(b"a\xe2\x82b\x80"), r#""a\ufffd\ufffdb\ufffd""#);
        assert_eq!(quoted(b"\xc0\x80"), r#""\ufffd\ufffd""#);
    }

    #[test]
    fn the_layout_is_marshal_indent_with_tabs_and_empty_fields_omitted() {
        let info = BuildInfo {
            go_version: "go1.27.3".into(),
            path: "example.com/app".into(),
            main: Module {
                path: "example.com/app".into(),
                version: "(devel)".into(),
                ..Module::default()
            },
            deps: vec![Module {
                path: "example.com/greeting".into(),
                version: "v0.0.0".into(),
                sum: GoString::default(),
                replace: Some(Box::new(Module {
                    path: "../greeting".into(),
                    version: "(devel)".into(),
                    ..Module::default()
                })),
            }],
            settings: vec![
                BuildSetting {
                    key: "-buildmode".into(),
                    value: "exe".into(),
                },
                BuildSetting {
                    key: "-tags".into(),
                    value: "".into(),
                },
            ],
            ..BuildInfo::default()
        };
        let expected = "{\n\t\"GoVersion\": \"go1.27.3\",\n\t\"Path\": \"example.com/app\",\n\t\"Main\": {\n\t\t\"Path\": \"example.com/app\",\n\t\t\"Version\": \"(devel)\"\n\t},\n\t\"Deps\": [\n\t\t{\n\t\t\t\"Path\": \"example.com/greeting\",\n\t\t\t\"Version\": \"v0.0.0\",\n\t\t\t\"Replace\": {\n\t\t\t\t\"Path\": \"../greeting\",\n\t\t\t\t\"Version\": \"(devel)\"\n\t\t\t}\n\t\t}\n\t],\n\t\"Settings\": [\n\t\t{\n\t\t\t\"Key\": \"-buildmode\",\n\t\t\t\"Value\": \"exe\"\n\t\t},\n\t\t{\n\t\t\t\"Key\": \"-tags\"\n\t\t}\n\t]\n}\n";
        assert_eq!(String::from_utf8(render(&info)).unwrap(), expected);
        // It is JSON, and reads back to the same values.
        let value: serde_json::Value = serde_json::from_slice(&render(&info)).unwrap();
        assert_eq!(value["Deps"][0]["Replace"]["Path"], "../greeting");
    }

    #[test]
    fn a_go_1_13_binary_has_only_its_version_and_an_empty_main() {
        let info = BuildInfo {
            go_version: "go1.13".into(),
            ..BuildInfo::default()
        };
        assert_eq!(
            String::from_utf8(render(&info)).unwrap(),
            "{\n\t\"GoVersion\": \"go1.13\",\n\t\"Main\": {}\n}\n"
        );
    }
}
