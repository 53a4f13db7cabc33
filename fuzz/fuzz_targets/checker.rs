//! Fuzz target `checker`: see `cowtrie_cli::fuzz::checker`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cowtrie_cli::fuzz::checker(data));
