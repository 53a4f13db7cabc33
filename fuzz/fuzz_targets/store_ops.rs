//! Fuzz target `store_ops`: see `cowtrie_cli::fuzz::store_ops`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cowtrie_cli::fuzz::store_ops(data));
