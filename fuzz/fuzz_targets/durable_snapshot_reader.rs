//! Fuzz target `durable_snapshot_reader`: see `cowtrie_cli::fuzz::durable_snapshot_reader`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cowtrie_cli::fuzz::durable_snapshot_reader(data));
