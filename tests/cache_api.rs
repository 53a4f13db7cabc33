//! The bounded store's loading, listener and statistics, as users call them:
//! concurrent misses on one key run one loader and all get its value; a loader that
//! fails or panics stores nothing and the waiting threads load again; the eviction
//! listener hears every entry that leaves, with its cause, and runs outside the cache's
//! locks; statistics count exactly what happened.
#![cfg(not(loom))]

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

use cowtrie::cache::{Cache, RemovalCause};

/// Threads that miss on one key together.
const THREADS: usize = 8;
/// How long the loader takes: long enough that every thread misses while it runs.
const LOADING: Duration = Duration::from_millis(200);

#[test]
fn concurrent_misses_run_one_loader_and_share_its_value() {
    let cache: Cache<usize> = Cache::builder(100).record_stats().build();
    let (start, calls) = (Barrier::new(THREADS), AtomicUsize::new(0));
    let values: Vec<usize> = thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|me| {
                let (cache, start, calls) = (&cache, &start, &calls);
                s.spawn(move || {
                    start.wait();
                    *cache.get_or_insert_with("k", || {
                        calls.fetch_add(1, Ordering::SeqCst);
                        thread::sleep(LOADING);
                        me
                    })
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "loaders run for {THREADS} misses"
    );
    assert!(values.iter().all(|v| *v == values[0]), "values: {values:?}");
    assert_eq!(cache.get_with("k", |v| v.copied()), Some(values[0]));
    let stats = cache.stats();
    assert_eq!((stats.loads, stats.load_failures, stats.inserts), (1, 0, 1));
}

#[test]
fn a_failed_load_stores_nothing_and_the_waiters_load_again() {
    let cache: Cache<usize> = Cache::builder(100).record_stats().build();
    let (start, calls) = (Barrier::new(THREADS), AtomicUsize::new(0));
    let results: Vec<Result<usize, String>> = thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|me| {
                let (cache, start, calls) = (&cache, &start, &calls);
                s.spawn(move || {
                    start.wait();
                    let loaded = cache.try_get_or_insert_with("k", || {
                        let call = calls.fetch_add(1, Ordering::SeqCst);
                        thread::sleep(LOADING);
                        if call == 0 {
                            Err(format!("load {call} failed"))
                        } else {
                            Ok(me)
                        }
                    });
                    loaded.map(|guard| *guard)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let failed = results.iter().filter(|r| r.is_err()).count();
    let ok: Vec<usize> = results.iter().filter_map(|r| r.clone().ok()).collect();
    assert_eq!(failed, 1, "results: {results:?}");
    assert!(ok.iter().all(|v| *v == ok[0]), "results: {results:?}");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "one failed load, then one more"
    );
    let stats = cache.stats();
    assert_eq!((stats.loads, stats.load_failures), (1, 1));
}

#[test]
fn a_loader_that_panics_stores_nothing_and_wakes_the_waiters() {
    let cache: Cache<usize> = Cache::new(100);
    let (start, calls) = (Barrier::new(THREADS), AtomicUsize::new(0));
    let results: Vec<Option<usize>> = thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|me| {
                let (cache, start, calls) = (&cache, &start, &calls);
                s.spawn(move || {
                    start.wait();
                    let load = || {
                        *cache.get_or_insert_with("k", || {
                            let call = calls.fetch_add(1, Ordering::SeqCst);
                            thread::sleep(LOADING);
                            assert!(call > 0, "the first loader panics");
                            me
                        })
                    };
                    catch_unwind(AssertUnwindSafe(load)).ok()
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(
        results.iter().filter(|r| r.is_none()).count(),
        1,
        "{results:?}"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "one panicking load, then one more"
    );
    let loaded = results.iter().flatten().next().copied();
    assert_eq!(cache.get_with("k", |v| v.copied()), loaded);
}

#[test]
fn a_load_finds_a_value_written_while_it_ran_and_keeps_it() {
    let cache: Cache<u32> = Cache::new(100);
    let got = cache.get_or_insert_with("k", || {
        cache.put("k", 1); // the loader may write to the cache
        2
    });
    assert_eq!((*got, cache.get_with("k", |v| v.copied())), (1, Some(1)));
}

#[test]
fn a_load_too_heavy_to_store_is_returned_and_reported() {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&heard);
    let cache = Cache::builder(4)
        .weigher(|_, value: &String| value.len() as u64)
        .eviction_listener(move |key, value: &String, cause| {
            log.lock()
                .unwrap()
                .push((key.to_vec(), value.clone(), cause));
        })
        .build();
    let got = cache.get_or_insert_with("k", || "too long".to_string());
    assert_eq!((got.as_str(), cache.contains_key("k")), ("too long", false));
    let heard = heard.lock().unwrap();
    assert_eq!(
        *heard,
        [(b"k".to_vec(), "too long".to_string(), RemovalCause::Evicted)]
    );
}

/// The listener hears of every entry that left, once, with the right cause: what it
/// heard plus what the cache holds is every value ever written, each exactly once.
#[test]
fn the_listener_hears_every_entry_that_leaves_once() {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&heard);
    let cache = Cache::builder(16)
        .record_stats()
        .eviction_listener(move |key, value: &u64, cause| {
            log.lock().unwrap().push((key.to_vec(), *value, cause));
        })
        .build();
    let mut latest: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
    let (mut removed, mut replaced) = (0, 0);
    for value in 0..2_000u64 {
        let key = ((value * 7919) % 40).to_be_bytes().to_vec();
        if value % 11 == 0 {
            if cache.remove(&key) {
                removed += 1;
            }
        } else {
            if cache.contains_key(&key) {
                replaced += 1;
            }
            cache.put(&key, value);
        }
        latest.insert(key, value);
    }
    let heard = heard.lock().unwrap();
    let mut values: Vec<u64> = heard.iter().map(|(_, value, _)| *value).collect();
    values.extend(cache.snapshot().iter().map(|(_, value)| *value));
    values.sort_unstable();
    let written: Vec<u64> = (0..2_000).filter(|v| v % 11 != 0).collect();
    assert_eq!(
        values, written,
        "each value written is heard of or held, once"
    );
    let count = |cause| heard.iter().filter(|(_, _, c)| *c == cause).count() as u64;
    assert_eq!(count(RemovalCause::Removed), removed);
    assert_eq!(count(RemovalCause::Replaced), replaced);
    let stats = cache.stats();
    assert_eq!(
        (stats.removed, stats.replaced, stats.evicted),
        (removed, replaced, count(RemovalCause::Evicted))
    );
    assert_eq!(stats.inserts, written.len() as u64 - replaced);
}

/// The listener runs with no lock of the cache held: from inside it, another thread
/// can write to the cache. (Called under the writer lock, that thread would block until
/// the listener returned, which waits for it.)
#[test]
fn the_listener_runs_outside_the_cache_locks() {
    let cache: Arc<Cache<u32>> = Arc::new_cyclic(|weak: &std::sync::Weak<Cache<u32>>| {
        let weak = weak.clone();
        Cache::builder(1)
            .eviction_listener(move |_, _, _| {
                let Some(cache) = weak.upgrade() else { return };
                let (done, finished) = mpsc::channel();
                thread::spawn(move || {
                    let _ = cache.weight();
                    let _ = done.send(());
                });
                assert!(
                    finished.recv_timeout(Duration::from_secs(10)).is_ok(),
                    "another thread could not take the cache's lock while the listener ran"
                );
            })
            .build()
    });
    cache.put("a", 1);
    cache.put("b", 2); // evicts "a": the listener runs
}

#[test]
fn statistics_count_reads_from_every_thread() {
    let cache: Cache<u32> = Cache::builder(100).record_stats().build();
    cache.put("hit", 1);
    let start = Barrier::new(4);
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                start.wait();
                for _ in 0..1_000 {
                    assert!(cache.get("hit").is_some());
                    assert!(cache.get_with("miss", |v| v.is_none()));
                }
            });
        }
    });
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses), (4_000, 4_000));
    assert_eq!(stats.hit_ratio(), 0.5);
    let quiet: Cache<u32> = Cache::new(100);
    quiet.put("a", 1);
    assert!(quiet.get("a").is_some());
    assert_eq!(
        quiet.stats(),
        cowtrie::cache::CacheStats::default(),
        "not recording"
    );
}
