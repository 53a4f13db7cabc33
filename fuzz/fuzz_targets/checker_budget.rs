//! Fuzz target `checker_budget`: see `cowtrie_cli::fuzz::checker_budget`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cowtrie_cli::fuzz::checker_budget(data));
