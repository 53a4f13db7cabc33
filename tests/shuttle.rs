//! Randomized and PCT schedules of longer histories with shuttle, every history checked
//! by the model crate's linearizability checker.
//!
//! Run with `.ci/shuttle.sh` (`cargo test --release --features shuttle --test shuttle`).
//! Shuttle controls every thread switch of the store's synchronisation (the facade in
//! `src/sync.rs` hands it shuttle's primitives), so each iteration is one interleaving,
//! chosen at random or by PCT (which gives bugs of depth `d` a provable chance).
//!
//! Shuttle treats every atomic as `SeqCst`: it explores interleavings, not weak memory.
//! Memory-ordering bugs are loom's and Miri's to find.
//!
//! A failing schedule is printed by shuttle as an encoded string (quoted, over several
//! lines: paste it whole); replay it with
//! `SHUTTLE_REPLAY='<string>' cargo test --release --features shuttle --test shuttle \
//! replay_a_failing_schedule -- --ignored --nocapture` (set `SHUTTLE_SCENARIO` to `pct`
//! for a schedule from the PCT test, to `handles` for one from the `Reader` test, to
//! `cache` for one from either cache test, to `batch` for one from the batch test).
#![cfg(all(feature = "shuttle", not(loom)))]

use std::sync::Arc;

use common::{run_recorded, Bounded, Handle, Store};
use cowtrie::cache::Cache;
use cowtrie::{TrieStore, WriteBatch};
use cowtrie_model::{check, check_with, Budget, CacheSpec, Event, History, Op, Recorder, Verdict};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

mod common;

/// The operations of thread `t`: fixed per thread, so a schedule replays exactly. Every
/// write writes a value of its own; a cas expects the value this thread last wrote to
/// the key (absent at first, or after its remove), so it succeeds unless another thread
/// wrote in between.
fn thread_ops(t: usize, count: usize, keys: u8) -> Vec<Op> {
    let mut rng = SmallRng::seed_from_u64(t as u64);
    let mut last = vec![None; usize::from(keys)];
    (0..count)
        .map(|i| {
            let k = rng.random_range(0..keys);
            let key = [b'k', k];
            let value = ((t as u64) << 32) | i as u64;
            let last = &mut last[usize::from(k)];
            match rng.random_range(0..10) {
                0..=2 => Op::get(key),
                3..=4 => {
                    *last = Some(value);
                    Op::put(key, value)
                }
                5 => {
                    *last = None;
                    Op::remove(key)
                }
                6..=7 => Op::cas(key, last.replace(value), value),
                _ => {
                    *last = Some(value);
                    Op::update(key, value)
                }
            }
        })
        .collect()
}

/// `threads` threads of `ops` operations each over `keys` keys, then a final read of
/// every key; the whole history must be linearizable.
fn scenario(threads: usize, ops: usize, keys: u8) -> impl Fn() + Send + Sync + 'static {
    scenario_reading(threads, ops, keys, false)
}

/// [`scenario`], with the even-numbered threads reading through a [`cowtrie::Reader`]
/// (`through_readers`), which keeps its last version and checks it is still current.
fn scenario_reading(
    threads: usize,
    ops: usize,
    keys: u8,
    through_readers: bool,
) -> impl Fn() + Send + Sync + 'static {
    move || {
        let store = Arc::new(TrieStore::new());
        let recorder = Arc::new(Recorder::new());
        let handles: Vec<_> = (1..=threads)
            .map(|t| {
                let (store, recorder) = (Arc::clone(&store), Arc::clone(&recorder));
                shuttle::thread::spawn(move || {
                    let ops = thread_ops(t, ops, keys);
                    if through_readers && t % 2 == 0 {
                        run_recorded(&Handle::new(&store), &recorder, t, ops)
                    } else {
                        run_recorded(&Store(&store), &recorder, t, ops)
                    }
                })
            })
            .collect();
        let mut events: Vec<Event> = handles
            .into_iter()
            .flat_map(|h| h.join().expect("no thread panics"))
            .collect();
        let finals = (0..keys).map(|k| Op::get([b'k', k])).collect();
        events.extend(run_recorded(&Store(&store), &recorder, 0, finals));
        let report = check(&History::from_events(events), Budget::default());
        if let Verdict::Violation(v) = &report.verdict {
            panic!("not linearizable on key {:?}: {}", v.key, v.explanation);
        }
        assert_eq!(report.verdict, Verdict::Linearizable);
    }
}

/// Uniformly random schedules: 3 threads, 30 operations each, 3 keys.
#[test]
fn random_schedules_are_linearizable() {
    shuttle::check_random(scenario(3, 30, 3), iterations(3_000));
}

/// PCT schedules of depth 3: 4 threads, 20 operations each, 2 keys.
#[test]
fn pct_schedules_are_linearizable() {
    shuttle::check_pct(scenario(4, 20, 2), iterations(3_000), 3);
}

/// Uniformly random schedules with two of four threads reading through `Reader`s: 4
/// threads, 24 operations each, 2 keys, so the kept versions' slots are reused often.
#[test]
fn random_schedules_reading_through_handles_are_linearizable() {
    shuttle::check_random(scenario_reading(4, 24, 2, true), iterations(2_000));
}

/// `update` racing `put` on the same key, and other writers: one thread increments "n"
/// four times with `update`, another puts 100 into it once, a third writes other keys.
/// The values the updates saw must be 0, 1, ... up to the put, then 100, 101, ...,
/// and the store must end one past the last value seen (or at 100, if the put came
/// last). An update that read outside the writer lock loses increments or the put.
#[test]
fn random_schedules_of_update_racing_put() {
    shuttle::check_random(
        || {
            let store = Arc::new(TrieStore::new());
            store.put("n", 0u64);
            let updater = {
                let store = Arc::clone(&store);
                shuttle::thread::spawn(move || {
                    let bump = |n: Option<&u64>| n.map(|n| n + 1);
                    (0..4)
                        .map(|_| *store.update("n", bump).unwrap())
                        .collect::<Vec<_>>()
                })
            };
            let putter = {
                let store = Arc::clone(&store);
                shuttle::thread::spawn(move || store.put("n", 100))
            };
            let other = {
                let store = Arc::clone(&store);
                shuttle::thread::spawn(move || {
                    for i in 0..3u8 {
                        store.put([i], 0);
                        store.remove([i.wrapping_sub(1)]);
                    }
                })
            };
            let seen = updater.join().unwrap();
            putter.join().unwrap();
            other.join().unwrap();
            let before = seen.iter().take_while(|&&n| n < 100).count();
            let expected: Vec<u64> = (0..before as u64).chain(100..).take(seen.len()).collect();
            assert_eq!(seen, expected, "the values the updates saw");
            let end = *store.get("n").unwrap();
            let last = if before == seen.len() {
                100
            } else {
                seen[seen.len() - 1] + 1
            };
            assert_eq!(end, last);
        },
        iterations(2_000),
    );
}

/// Batches racing readers: a writer applies `batches` batches, batch `n` putting `n`
/// under "x" and then under "y"; `readers` threads take snapshots and read the keys one
/// at a time. Each snapshot holds equal values (a batch is one version), and a read of
/// "y" (`get_with`) after a read of "x" (`get`) finds at least the batch "x" came from.
fn batch_scenario(batches: u64, readers: usize) -> impl Fn() + Send + Sync + 'static {
    move || {
        let store = Arc::new(TrieStore::new());
        let mut batch = WriteBatch::new();
        batch.put("x", 0u64).put("y", 0);
        store.write_batch(batch);
        let writer = {
            let store = Arc::clone(&store);
            shuttle::thread::spawn(move || {
                for n in 1..=batches {
                    let mut batch = WriteBatch::new();
                    batch.put("x", n).put("y", n);
                    store.write_batch(batch);
                }
            })
        };
        let readers: Vec<_> = (0..readers)
            .map(|_| {
                let store = Arc::clone(&store);
                shuttle::thread::spawn(move || {
                    for _ in 0..batches {
                        let snapshot = store.snapshot();
                        let (x, y) = (snapshot.get("x"), snapshot.get("y"));
                        assert_eq!(x, y, "a snapshot holds part of a batch");
                        let x = *store.get("x").unwrap();
                        let y = store.get_with("y", |y| *y.unwrap());
                        assert!(y >= x, "read x from batch {x}, then y from batch {y}");
                    }
                })
            })
            .collect();
        writer.join().expect("the writer does not panic");
        for reader in readers {
            reader.join().expect("no reader panics");
        }
        assert_eq!(store.get("y").as_deref(), Some(&batches));
    }
}

/// Random schedules of batches racing readers: 3 batches of two puts, 2 readers.
#[test]
fn random_schedules_of_batches_racing_readers() {
    shuttle::check_random(batch_scenario(3, 2), iterations(2_000));
}

/// The bounded store: `writers` threads run the mixed operations of [`thread_ops`] on a
/// cache of `capacity` entries over `keys` keys (so most writes evict), while `readers`
/// threads read (recording accesses in the entries they hit) and hold a snapshot across
/// their reads. The whole history, with a final read of every key, must keep to the cache
/// model (a miss is always allowed, an evicted or overwritten value never comes back);
/// every snapshot must stay as it was taken (eviction never edits a version a reader
/// holds); the capacity must hold at the end.
fn cache_scenario(
    writers: usize,
    readers: usize,
    ops: usize,
    keys: u8,
    capacity: u64,
) -> impl Fn() + Send + Sync + 'static {
    move || {
        let cache = Arc::new(Cache::new(capacity));
        let recorder = Arc::new(Recorder::new());
        let spawn = |t: usize, reader: bool| {
            let (cache, recorder) = (Arc::clone(&cache), Arc::clone(&recorder));
            shuttle::thread::spawn(move || {
                if !reader {
                    return run_recorded(&Bounded(&cache), &recorder, t, thread_ops(t, ops, keys));
                }
                let contents = |s: &cowtrie::cache::CacheSnapshot<u64>| {
                    s.iter().map(|(k, v)| (k.to_vec(), *v)).collect::<Vec<_>>()
                };
                let mut events = Vec::new();
                for round in 0..ops / 4 {
                    let snapshot = cache.snapshot();
                    let held = contents(&snapshot);
                    assert!(held.len() as u64 <= capacity, "a version over capacity");
                    let gets = (0..3).map(|i| Op::get([b'k', (round + i) as u8 % keys]));
                    events.extend(run_recorded(&Bounded(&cache), &recorder, t, gets.collect()));
                    assert_eq!(contents(&snapshot), held, "a snapshot changed");
                    assert_eq!(snapshot.len(), held.len());
                }
                events
            })
        };
        let handles: Vec<_> = (1..=writers + readers)
            .map(|t| spawn(t, t > writers))
            .collect();
        let mut events: Vec<Event> = handles
            .into_iter()
            .flat_map(|h| h.join().expect("no thread panics"))
            .collect();
        let finals = (0..keys).map(|k| Op::get([b'k', k])).collect();
        events.extend(run_recorded(&Bounded(&cache), &recorder, 0, finals));
        assert!(cache.len() as u64 <= capacity);
        let report = check_with(&CacheSpec, &History::from_events(events), Budget::default());
        if let Verdict::Violation(v) = &report.verdict {
            panic!("not a cache on key {:?}: {}", v.key, v.explanation);
        }
        assert_eq!(report.verdict, Verdict::Linearizable);
    }
}

/// Random schedules of the bounded store: 2 writers of 20 operations on 4 keys, a cache
/// of 2 entries, 2 readers.
#[test]
fn cache_random_schedules_keep_to_the_cache_model() {
    shuttle::check_random(cache_scenario(2, 2, 20, 4, 2), iterations(1_000));
}

/// PCT schedules of depth 3 of the same.
#[test]
fn cache_pct_schedules_keep_to_the_cache_model() {
    shuttle::check_pct(cache_scenario(2, 2, 20, 4, 2), iterations(1_000), 3);
}

/// Replays a schedule printed by a failing run (see the module docs).
#[test]
#[ignore = "needs SHUTTLE_REPLAY"]
fn replay_a_failing_schedule() {
    // Shuttle prints the schedule quoted and wrapped over several lines: take it as is.
    let printed = std::env::var("SHUTTLE_REPLAY").expect("set SHUTTLE_REPLAY");
    let schedule: String = printed.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    match std::env::var("SHUTTLE_SCENARIO").as_deref() {
        Ok("pct") => shuttle::replay(scenario(4, 20, 2), &schedule),
        Ok("handles") => shuttle::replay(scenario_reading(4, 24, 2, true), &schedule),
        Ok("cache") => shuttle::replay(cache_scenario(2, 2, 20, 4, 2), &schedule),
        Ok("batch") => shuttle::replay(batch_scenario(3, 2), &schedule),
        _ => shuttle::replay(scenario(3, 30, 3), &schedule),
    }
}

/// Iterations per test: `SHUTTLE_ITERATIONS` overrides the default.
fn iterations(default: usize) -> usize {
    std::env::var("SHUTTLE_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}
