//! Fuzz target `durable_log_reader`: see `cowtrie_cli::fuzz::durable_log_reader`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cowtrie_cli::fuzz::durable_log_reader(data));
