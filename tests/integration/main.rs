//! Integration tests: the real `gostatic` binary on real fixtures (`testdata/bin`) and on
//! synthetic inputs built in test code. One test binary, as ripgrep does.

mod buildinfo;
mod cli;
mod elf_edge;
mod fixtures;
mod fuzz_corpus;
mod go_check;
mod gobin;
mod image;
mod rules_cmd;
mod synth;
mod util;
