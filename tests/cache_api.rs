//! The bounded store's loading, listener, statistics and expiry, as users call them:
//! concurrent misses on one key run one loader and all get its value; a loader that
//! fails or panics stores nothing and the waiting threads load again; the eviction
//! listener hears every entry that leaves, with its cause, and runs outside the cache's
//! locks; statistics count exactly what happened.
#![cfg(not(loom))]

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

use cowtrie::cache::{Cache, Expiration, ManualClock, RemovalCause};

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

/// A listener that records what it hears.
type Heard<V> = Arc<Mutex<Vec<(Vec<u8>, V, RemovalCause)>>>;

fn expiring_cache(
    clock: &ManualClock,
    configure: impl FnOnce(cowtrie::cache::CacheBuilder<u32>) -> cowtrie::cache::CacheBuilder<u32>,
) -> (Cache<u32>, Heard<u32>) {
    let heard: Heard<u32> = Arc::default();
    let log = Arc::clone(&heard);
    let builder = Cache::builder(100)
        .record_stats()
        .clock(clock.clone())
        .eviction_listener(move |key, value: &u32, cause| {
            log.lock().unwrap().push((key.to_vec(), *value, cause));
        });
    (configure(builder).build(), heard)
}

const SECOND: Duration = Duration::from_secs(1);

/// An entry is returned by every read up to its deadline and by none from it on; the
/// next write removes it and the listener hears of it once, as expired.
#[test]
fn an_entry_lives_until_its_time_to_live_and_not_a_moment_longer() {
    let clock = ManualClock::new();
    let (cache, heard) = expiring_cache(&clock, |b| b.time_to_live(10 * SECOND));
    cache.put("a", 1);
    let early = cache.snapshot();
    clock.advance(10 * SECOND - Duration::from_nanos(1));
    assert_eq!(cache.get("a").as_deref(), Some(&1));
    assert_eq!(cache.get_with("a", |v| v.copied()), Some(1));
    assert!(cache.contains_key("a"));
    clock.advance(Duration::from_nanos(1));
    assert!(cache.get("a").is_none());
    assert_eq!(cache.get_with("a", |v| v.copied()), None);
    assert!(!cache.contains_key("a"));
    assert_eq!(
        cache.snapshot().get("a"),
        None,
        "a snapshot taken after the deadline"
    );
    assert_eq!(early.get("a"), Some(&1), "a snapshot taken before keeps it");
    assert_eq!(cache.len(), 1, "not yet purged");
    assert!(heard.lock().unwrap().is_empty());
    cache.put("b", 2); // a write purges what expired
    assert_eq!(cache.len(), 1);
    assert_eq!(
        *heard.lock().unwrap(),
        [(b"a".to_vec(), 1, RemovalCause::Expired)]
    );
    assert_eq!(cache.stats().expired, 1);
    let reloaded = cache.get_or_insert_with("a", || 3);
    assert_eq!(*reloaded, 3, "an expired key loads again");
}

/// An entry written with an `Expiration` lives by it alone: its own time to idle,
/// renewed by its reads, beside entries that keep the cache's time to live; and an
/// entry whose expiration has neither time outlives the cache's time to live.
#[test]
fn an_entry_with_its_own_expiration_lives_by_it_alone() {
    let clock = ManualClock::new();
    let (cache, heard) = expiring_cache(&clock, |b| b.time_to_live(100 * SECOND));
    let idle = Expiration::default().time_to_idle(10 * SECOND);
    cache.put_with_expiry("read", 1, idle);
    cache.put_with_expiry("idle", 2, idle);
    cache.put_with_expiry("forever", 3, Expiration::default());
    cache.put_with_expiry("both", 4, idle.time_to_live(30 * SECOND));
    cache.put("cache's", 5);
    for elapsed in [9, 18, 27, 36] {
        clock.advance(9 * SECOND);
        assert!(cache.get("read").is_some(), "each read renews it");
        let both = cache.get("both").is_some();
        assert_eq!(
            both,
            elapsed < 30,
            "renewed until its time to live ends, at 30 s"
        );
    }
    assert!(cache.get("idle").is_none(), "36 s without a read");
    assert!(
        cache.get("both").is_none(),
        "its time to live ends at 30 s, read or not"
    );
    assert!(
        cache.get("cache's").is_some(),
        "the cache's entries have no time to idle"
    );
    clock.advance(64 * SECOND); // 100 s
    assert!(cache.get("cache's").is_none(), "the cache's time to live");
    assert!(cache.get("read").is_none(), "idle since 36 s");
    assert_eq!(cache.get_with("forever", |v| v.copied()), Some(3));
    clock.advance(1_000 * SECOND);
    assert_eq!(cache.get_with("forever", |v| v.copied()), Some(3));
    cache.purge_expired();
    let mut gone: Vec<_> = heard.lock().unwrap().iter().map(|h| h.0.clone()).collect();
    gone.sort();
    assert_eq!(gone, [&b"both"[..], b"cache's", b"idle", b"read"]);
    assert_eq!(cache.len(), 1);
}

#[test]
fn reads_renew_the_time_to_idle_and_an_idle_entry_stays_gone() {
    let clock = ManualClock::new();
    let (cache, heard) = expiring_cache(&clock, |b| b.time_to_idle(10 * SECOND));
    cache.put("read", 1);
    cache.put("idle", 2);
    for _ in 0..4 {
        clock.advance(9 * SECOND);
        assert!(cache.get("read").is_some(), "each read renews it");
        assert!(cache.contains_key("read"), "contains_key does not renew");
    }
    assert!(cache.get("idle").is_none(), "36 s without a read");
    clock.advance(9 * SECOND);
    assert!(cache.get("read").is_some());
    clock.advance(10 * SECOND);
    assert!(cache.get("read").is_none());
    clock.advance(Duration::from_nanos(1));
    assert!(cache.get("read").is_none(), "a read does not bring it back");
    cache.purge_expired();
    assert_eq!(cache.len(), 0);
    let mut causes: Vec<_> = heard.lock().unwrap().clone();
    causes.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        causes,
        [
            (b"idle".to_vec(), 2, RemovalCause::Expired),
            (b"read".to_vec(), 1, RemovalCause::Expired)
        ]
    );
}

#[test]
fn an_entry_time_to_live_replaces_the_cache_one() {
    let clock = ManualClock::new();
    let (cache, _) = expiring_cache(&clock, |b| b.time_to_live(60 * SECOND));
    cache.put_with_ttl("short", 1, SECOND);
    cache.put("long", 2);
    cache.put_with_ttl("longer", 3, 120 * SECOND);
    clock.advance(SECOND);
    assert!(!cache.contains_key("short"));
    clock.advance(59 * SECOND);
    assert!(!cache.contains_key("long"));
    assert!(cache.contains_key("longer"));
    cache.purge_expired();
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.stats().expired, 2);
}

/// A write decides with the clock it read when it began and publishes later; a reader
/// that reads the clock in between must not find expired what the write used. Here the
/// clock passes the deadline inside `update`'s closure, and another thread reads: it must
/// see the value `update` replaces (the write claimed it), not miss it, because a miss
/// followed by `update` returning the old value has no order that explains it.
#[test]
fn a_write_holds_the_entry_it_uses_live_until_it_publishes() {
    let clock = ManualClock::new();
    let (cache, _) = expiring_cache(&clock, |b| b.time_to_live(10 * SECOND));
    cache.put("k", 1);
    clock.advance(9 * SECOND);
    let mut seen_meanwhile = None;
    let previous = cache.update("k", |old| {
        clock.advance(2 * SECOND); // past the deadline, while the write runs
        seen_meanwhile = Some(thread::scope(|s| {
            s.spawn(|| cache.get_with("k", |v| v.copied()))
                .join()
                .unwrap()
        }));
        old.map(|old| old + 1)
    });
    let previous = previous.map(|guard| *guard);
    assert_eq!(previous, Some(1), "the write began before the deadline");
    assert_eq!(
        seen_meanwhile,
        Some(Some(1)),
        "a read while the write ran missed the value the write then replaced"
    );
    assert_eq!(cache.get_with("k", |v| v.copied()), Some(2));
}

/// Readers race a writer and each other around the deadlines: once a read has found a
/// value gone (expired, or overwritten), no read that begins after it finds it again, as
/// the cache model demands (`cowtrie check --store cache-expiring` checks the same, and
/// every operation, on the system clock).
#[test]
fn once_a_read_misses_an_expired_value_nothing_sees_it_again() {
    let clock = ManualClock::new();
    let (cache, _) = expiring_cache(&clock, |b| {
        b.time_to_live(Duration::from_micros(50))
            .time_to_idle(Duration::from_micros(20))
    });
    let stop = std::sync::atomic::AtomicBool::new(false);
    let start = Barrier::new(4);
    // The highest value a read has missed, stored after that read returned (-1: none).
    // Values are written in increasing order, so every value up to it is gone for good:
    // each was overwritten before that miss. A read compares against what this held
    // before it began, never against a miss that overlapped it.
    let gone = AtomicI64::new(-1);
    thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                start.wait();
                while !stop.load(Ordering::Relaxed) {
                    let gone_before = gone.load(Ordering::SeqCst);
                    let Some(value) = cache.get_with("k", |v| v.copied()) else {
                        continue;
                    };
                    assert!(
                        i64::from(value) > gone_before,
                        "value {value} came back after a read missed value {gone_before}"
                    );
                    clock.advance(Duration::from_micros(3));
                    if cache.get_with("k", |v| v.copied()) != Some(value) {
                        gone.fetch_max(i64::from(value), Ordering::SeqCst);
                    }
                }
            });
        }
        start.wait();
        for value in 0..2_000u32 {
            cache.put("k", value);
            clock.advance(Duration::from_micros(5));
        }
        stop.store(true, Ordering::Relaxed);
    });
}

/// A thread that misses after a load's write must not wait for that load: the value it
/// would get may be gone before it began. Here the listener, which runs after the load's
/// write and before the loader's call returns, has another thread remove the loaded
/// value and then load the key itself: that load must run its own loader, not return the
/// value removed before it began.
#[test]
fn a_miss_after_a_load_was_written_does_not_wait_for_that_load() {
    let armed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let second: Arc<Mutex<Option<thread::JoinHandle<u32>>>> = Arc::default();
    let cache: Arc<Cache<u32>> = Arc::new_cyclic(|weak: &std::sync::Weak<Cache<u32>>| {
        let (weak, armed, second) = (weak.clone(), Arc::clone(&armed), Arc::clone(&second));
        Cache::builder(1)
            .eviction_listener(move |_, _, _| {
                if !armed.swap(false, Ordering::SeqCst) {
                    return;
                }
                let Some(cache) = weak.upgrade() else { return };
                let (removed, was_removed) = mpsc::channel();
                *second.lock().unwrap() = Some(thread::spawn(move || {
                    assert!(cache.remove("b"), "the loaded value is there to remove");
                    removed.send(()).unwrap();
                    *cache.get_or_insert_with("b", || 2)
                }));
                was_removed.recv().unwrap();
                // Time for the second thread to miss and look for a load under way.
                thread::sleep(Duration::from_millis(100));
            })
            .build()
    });
    cache.put("a", 0);
    armed.store(true, Ordering::SeqCst);
    // The load's write evicts "a" (capacity 1): the listener runs.
    assert_eq!(*cache.get_or_insert_with("b", || 1), 1);
    let handle = second.lock().unwrap().take().expect("the listener ran");
    assert_eq!(
        handle.join().unwrap(),
        2,
        "a load that began after the loaded value was removed returned it"
    );
}

/// The cache's compare-and-swap answers as the unbounded store's does, down to a swap
/// of an absent key for nothing (it matches and changes nothing); a value too heavy to
/// keep still matches, and leaves the key absent.
#[test]
fn compare_and_swap_answers_as_the_store_does() {
    let cache = Cache::builder(10)
        .weigher(|_, v: &u32| u64::from(*v))
        .build();
    let store = cowtrie::TrieStore::new();
    type Seen = Result<Option<u32>, Option<u32>>;
    let steps: [(Option<u32>, Option<u32>); 6] = [
        (Some(1), Some(2)), // absent is not 1
        (None, Some(1)),
        (Some(5), Some(6)), // the mismatch reports 1
        (Some(1), Some(7)),
        (Some(7), None),
        (None, None), // absent stays absent
    ];
    for (expected, new) in steps {
        let from_cache: Seen = match cache.compare_and_swap("k", expected.as_ref(), new) {
            Ok(seen) => Ok(seen.map(|g| *g)),
            Err(seen) => Err(seen.map(|g| *g)),
        };
        let from_store: Seen = match store.compare_and_swap("k", expected.as_ref(), new) {
            Ok(seen) => Ok(seen.map(|g| *g)),
            Err(seen) => Err(seen.map(|g| *g)),
        };
        assert_eq!(from_cache, from_store, "swap {expected:?} for {new:?}");
        assert_eq!(
            cache.get_with("k", |v| v.copied()),
            store.get("k").map(|g| *g)
        );
    }
    let heavy = cache.compare_and_swap("k", None, Some(11));
    assert!(heavy.is_ok_and(|seen| seen.is_none()), "absent matched");
    assert!(
        cache.get("k").is_none(),
        "11 outweighs the capacity: matched, not kept"
    );
}
