//! The JSON report (`--format json`): the `Report` value as one document, schema
//! `gostatic/v1`, documented field by field in `docs/json.md`.

use std::io::{self, Write};

use super::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::from)?;
    out.write_all(b"\n")
}
