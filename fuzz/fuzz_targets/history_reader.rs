//! Fuzz target `history_reader`: see `cowtrie_cli::fuzz::history_reader`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cowtrie_cli::fuzz::history_reader(data));
