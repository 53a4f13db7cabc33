//! The conformance kit on the store, in one line: `cargo test -p own-store --test
//! conformance` (with `--features lost-update`, it fails and prints the history).
#![cfg(not(any(loom, feature = "shuttle")))]

cowtrie_model::conformance_tests!(own_store::CowMap::new);
