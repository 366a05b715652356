//! Integration tests: the real `gostatic` binary on real fixtures (`testdata/bin`) and on
//! synthetic inputs built in test code. One test binary, as ripgrep does.

mod action_install;
mod advice;
mod architecture;
mod baseline;
mod buildinfo;
mod buildinfo_json;
mod cli;
mod completions;
mod elf_edge;
mod fixtures;
mod formats;
mod fuzz_corpus;
mod gitlab;
mod go_check;
mod gobin;
mod image;
mod image_fixtures;
mod image_libs;
mod image_places;
mod image_rules;
mod image_sources;
mod image_verdict;
mod optin;
mod outputs;
mod policy;
mod precommit;
mod real_libc;
mod rules_cmd;
mod stage_fixtures;
mod stage_runs;
mod tar_differential;
mod text_width;
mod util;
mod verdict_runs;
