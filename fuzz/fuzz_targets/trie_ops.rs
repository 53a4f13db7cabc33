//! Fuzz target `trie_ops`: see `cowtrie_cli::fuzz::trie_ops`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cowtrie_cli::fuzz::trie_ops(data));
