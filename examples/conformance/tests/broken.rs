//! Every broken store of `cowtrie_model::broken` is flagged by the kit, by the part of
//! the battery its bug breaks. Each test prints the failure, as a user would see it
//! (`cargo test -p conformance-example --test broken -- --nocapture`).

use std::time::Duration;

use cowtrie_model::broken::{LostUpdate, NonAtomicRemove, ResurrectingCache, StaleRead};
use cowtrie_model::conformance::{self, Failure, Judge, Settings};
use cowtrie_model::workload::Mix;
use cowtrie_model::{EvictingModel, KvStore};

/// Runs the whole battery on `new`'s stores, expecting it to fail in `part`.
fn flagged<S: KvStore>(new: impl Fn() -> S, settings: &Settings, part: &str) -> Failure {
    let failure = conformance::run(new, settings).expect_err("the kit must flag this store");
    println!("{failure}");
    assert!(
        failure.part.starts_with(part),
        "flagged by {:?}, expected {part:?}:\n{failure}",
        failure.part
    );
    failure
}

/// Reads from a replica refreshed on every fourth write: one thread sees it.
#[test]
fn stale_read_is_flagged_by_the_sequential_test() {
    let failure = flagged(StaleRead::default, &Settings::default(), "sequential");
    assert!(failure.report.contains("minimal failing case"), "{failure}");
}

/// Read-copy-write without the writer lock: correct alone, wrong only under threads.
#[test]
fn lost_update_is_flagged_by_the_concurrent_workloads() {
    let failure = flagged(LostUpdate::default, &Settings::default(), "concurrent");
    assert!(failure.report.contains("NOT linearizable"), "{failure}");
}

/// Check-then-delete: two removes of one put can both return true. Only removes racing
/// on a key show it, so the workload is remove-heavy on few keys.
#[test]
fn non_atomic_remove_is_flagged_by_a_remove_heavy_workload() {
    let settings = Settings {
        keys: 2,
        mixes: vec![Mix {
            get: 10,
            put: 45,
            remove: 45,
            cas: 0,
            update: 0,
            get_or_put: 0,
        }],
        time: Duration::from_millis(500),
        ..Settings::default()
    };
    let failure = flagged(NonAtomicRemove::default, &settings, "concurrent");
    assert!(failure.report.contains("NOT linearizable"), "{failure}");
}

/// The cache that answers a miss from a ghost table it forgets to clear on writes and
/// removes: a read after a remove returns a value the key no longer holds. A cache may
/// evict, so the cache model judges it, and what it flags is the resurrection.
#[test]
fn resurrecting_cache_is_flagged_by_the_cache_model() {
    let settings = Settings {
        judge: Judge::Cache,
        ..Settings::default()
    };
    let failure = flagged(|| ResurrectingCache::new(4, 1), &settings, "sequential");
    assert!(failure.report.contains("NOT linearizable"), "{failure}");
}

/// The control group of the cache model: the model, evicting at random, passes.
#[test]
fn evicting_model_passes_the_cache_model() {
    let settings = Settings {
        judge: Judge::Cache,
        keys: 32,
        ..Settings::default()
    };
    conformance::run(|| EvictingModel::new(4, 1), &settings).unwrap();
}
