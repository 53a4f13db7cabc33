//! The conformance kit's workload under shuttle's random scheduler, each schedule's
//! history checked: `cargo test -p own-store --features shuttle --test shuttle --release`
//! (with `lost-update` too, a schedule loses a write and the check fails).
#![cfg(all(feature = "shuttle", not(loom)))]

use cowtrie_model::conformance::{random_schedules, Schedules};

#[test]
fn random_schedules_are_linearizable() {
    random_schedules(own_store::CowMap::new, 1_000, &Schedules::default());
}
