//! Arbitrary bytes through `gostatic::fuzzing::tar`; the invariants live there so `cargo test`
//! replays the corpus with the same checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gostatic::fuzzing::tar(data));
