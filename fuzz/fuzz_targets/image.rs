//! Arbitrary bytes through `gostatic::fuzzing::archive`; the invariants live there so `cargo test`
//! replays the corpus with the same checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gostatic::fuzzing::archive(data));
