//! Arbitrary bytes through the ELF reader and the whole `check` path; the invariants live in
//! `gostatic::fuzzing::elf` so `cargo test` replays the corpus with the same checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gostatic::fuzzing::elf(data));
