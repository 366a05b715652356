//! Write the synthetic image archive that trips every image config and contents rule
//! (`gostatic::testkit::archive::rules_image`), with an ELF of your choice as its entrypoint.
//! CI runs `gostatic image --format sarif` on it and validates the log (.ci/run).
//!
//!     cargo run --features testkit --example rules_image -- testdata/bin/go-static-stripped rules.tar
// An example is a tiny command-line program: printing its one error is its job.
#![allow(clippy::print_stderr)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [app, out] = args.as_slice() else {
        eprintln!("usage: rules_image ELF OUT.tar");
        return ExitCode::from(2);
    };
    let written = std::fs::read(app)
        .and_then(|elf| std::fs::write(out, gostatic::testkit::archive::rules_image(&elf)));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rules_image: {err}");
            ExitCode::from(2)
        }
    }
}
