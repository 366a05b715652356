//! The floor for `gostatic check` on a sparse tree: find the files exactly as `check` does
//! (`gostatic::input::collect`, the same parallel walk), then open every file and read its
//! first 4 bytes on rayon's pool, and count the ELF files. Nothing is parsed or reported, so
//! `check` time over this time is the cost of everything beyond finding and sniffing files.
//! Used by `scripts/bench-check.sh`; see docs/benchmarks.md.
//!
//!     cargo run --release --example sniff_baseline -- /usr
// An example is a tiny command-line program: printing its one result is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs::File;
use std::io::Read;
use std::process::ExitCode;

use gostatic::input::{Origin, collect};
use rayon::prelude::*;

fn main() -> ExitCode {
    let roots: Vec<String> = std::env::args().skip(1).collect();
    if roots.is_empty() {
        eprintln!("usage: sniff_baseline DIR...");
        return ExitCode::from(2);
    }
    let candidates = collect(&roots).candidates;
    let elf = candidates
        .par_iter()
        .filter(|candidate| {
            let Origin::File(path) = &candidate.origin else {
                return false;
            };
            let mut head = [0u8; 4];
            File::open(path)
                .and_then(|mut f| f.read_exact(&mut head))
                .is_ok_and(|()| &head == b"\x7fELF")
        })
        .count();
    println!("{} files, {elf} ELF", candidates.len());
    ExitCode::SUCCESS
}
