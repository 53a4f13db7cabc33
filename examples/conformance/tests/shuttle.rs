//! cowtrie's store under the kit's random schedules: with this crate's `shuttle`
//! feature, cowtrie's sync facade (`src/sync.rs`) hands the store shuttle's primitives,
//! so shuttle chooses every thread switch inside it.
//!
//! `cargo test --release -p conformance-example --features shuttle --test shuttle`
#![cfg(feature = "shuttle")]

use conformance_example::TrieKv;
use cowtrie_model::conformance::{random_schedules, Schedules};

#[test]
fn random_schedules_of_cowtrie_are_linearizable() {
    random_schedules(TrieKv::default, 1_000, &Schedules::default());
}
