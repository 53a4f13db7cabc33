//! Loading on a miss under contention: `THREADS` threads ask an empty cache for the same
//! `KEYS` keys in the same order, so every key is missed by all of them at once, and
//! each load takes `LOAD` (a spin, as a computation or a fetch would take). A cache that
//! runs one loader per key and lets the others wait finishes in about `KEYS × LOAD`;
//! one that runs a loader per thread does `THREADS` times the work.
//! - `loads/get_or_insert_with`: cowtrie's `Cache::get_or_insert_with` against
//!   quick_cache's `get_or_insert_with` (its guard-based loader, which also runs once per
//!   key); each run also checks that the loaders ran once per key.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use cowtrie::cache::Cache;
use criterion::Criterion;

const THREADS: usize = 8;
const KEYS: u64 = 2_000;
const LOAD: Duration = Duration::from_micros(20);

fn load(key: u64, calls: &AtomicUsize) -> u64 {
    calls.fetch_add(1, Ordering::Relaxed);
    let end = Instant::now() + LOAD;
    while Instant::now() < end {
        std::hint::spin_loop();
    }
    key
}

/// Runs `THREADS` threads that each ask for every key through `get`, on a fresh cache
/// from `make`; returns the time and checks one load per key.
fn contend<C: Sync>(
    make: impl Fn() -> C,
    get: impl Fn(&C, u64, &AtomicUsize) -> u64 + Sync,
) -> Duration {
    let cache = make();
    let (start, calls) = (Barrier::new(THREADS), AtomicUsize::new(0));
    let began = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                start.wait();
                for key in 0..KEYS {
                    assert_eq!(black_box(get(&cache, key, &calls)), key);
                }
            });
        }
    });
    let took = began.elapsed();
    assert_eq!(
        calls.load(Ordering::Relaxed),
        KEYS as usize,
        "one load per key"
    );
    took
}

pub fn loads(c: &mut Criterion) {
    let mut group = c.benchmark_group("loads/get_or_insert_with");
    group.sample_size(10);
    group.bench_function("cowtrie_cache", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    contend(
                        || Cache::new(2 * KEYS),
                        |cache, key, calls| {
                            *cache.get_or_insert_with(key.to_be_bytes(), || load(key, calls))
                        },
                    )
                })
                .sum()
        })
    });
    group.bench_function("quick_cache", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    contend(
                        || quick_cache::sync::Cache::<u64, u64>::new(2 * KEYS as usize),
                        |cache, key, calls| {
                            let loaded: Result<u64, ()> =
                                cache.get_or_insert_with(&key, || Ok(load(key, calls)));
                            loaded.unwrap_or(u64::MAX)
                        },
                    )
                })
                .sum()
        })
    });
    group.finish();
}
