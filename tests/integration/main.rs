//! Integration tests: the real `gostatic` binary on real fixtures (`testdata/bin`) and on
//! synthetic inputs built in test code. One test binary, as ripgrep does.

mod cli;
mod elf_edge;
mod fixtures;
mod fuzz_corpus;
mod synth;
mod util;
