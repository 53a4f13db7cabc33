//! Exhaustive schedule exploration of the root cell and the store with loom.
//!
//! Run with `.ci/loom.sh` (`RUSTFLAGS="--cfg loom" cargo test --release --test loom`).
//! Each model names the root-cell invariants (see `src/cell.rs`) it exercises and the
//! numbered promises of the crate docs (`src/lib.rs`, "Promises") it checks. Loom runs
//! every interleaving up to the preemption bound and every permitted memory-order
//! outcome of the atomics; it also fails a model that leaks a `loom::sync::Arc` (the
//! trie's nodes and values are loom `Arc`s in this build).
#![cfg(loom)]

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

use common::{run_recorded, Bounded, Store};
use cowtrie::cache::Cache;
use cowtrie::cell::RootCell;
use cowtrie::{Trie, TrieStore, WriteBatch};
use cowtrie_model::{check, check_with, Budget, CacheSpec, History, Op, Recorder, Verdict};

mod common;

/// Preemption bound 3 unless `LOOM_MAX_PREEMPTIONS` says otherwise. Every seeded root-cell
/// bug in `tests/mutants/` is found within it (`.ci/mutants-concurrency.sh` shows it),
/// and the file's sixteen models ran in 8 s on the 2-core machine, 2026-12-07, after
/// readers stopped freeing versions (their claims had made most of the schedules; the
/// same models took 155 s before). Schedules grow
/// exponentially with the bound: raise it for one model at a time. `.ci/loom.sh` sets
/// `LOOM_LOCATION=1`, so a failing model names the source lines of the racing accesses
/// instead of only loom's own frames; set it yourself when running cargo directly.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound.get_or_insert(3);
    builder.check(f);
}

/// One published version: its number, a payload loom tracks for data races, and a drop
/// counter shared by all versions.
struct Version {
    number: usize,
    payload: UnsafeCell<usize>,
    drops: Arc<AtomicUsize>,
}

impl Version {
    fn new(number: usize, drops: &Arc<AtomicUsize>) -> Self {
        Self {
            number,
            payload: UnsafeCell::new(number * 10),
            drops: Arc::clone(drops),
        }
    }

    /// Reads the payload and checks it is this version's (invariant 6: a reader sees a
    /// whole version). Loom would report this read if it were not ordered after the
    /// payload's construction, but with the seeded ordering and reclamation bugs
    /// (relaxed-publish, free-pinned-version) it fires earlier, on the reader's access to
    /// the slot that holds the version (`RootCell::read`, src/cell.rs) against the
    /// writer's fill or take of that slot: run with `LOOM_LOCATION=1` to see the lines.
    fn check_whole(&self) -> usize {
        // SAFETY: the payload is written only by `UnsafeCell::new`; this is a read of
        // initialised memory, and loom checks that it is ordered after that write.
        let payload = self.payload.with(|p| unsafe { *p });
        assert_eq!(
            payload,
            self.number * 10,
            "version {} is whole",
            self.number
        );
        self.number
    }
}

impl Drop for Version {
    /// Loom does not track frees, so freeing is made visible as a write to the payload,
    /// which loom would report against an unordered read of it (invariant 4). A version
    /// freed while pinned reaches it only through its slot, so in practice loom reports
    /// the slot's access first (the free-pinned-version mutant: the reader's
    /// `RootCell::read` against the writer's take in src/cell.rs).
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no other reference to the payload exists in this thread;
        // loom checks the claim across threads.
        self.payload.with_mut(|p| unsafe { *p = usize::MAX });
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// Invariants 1, 3–6 and 9: a reader reading twice while a writer publishes twice sees
/// whole versions, in order; every version is freed exactly once, by a writer (W4) or
/// with the cell, never while a reader holds it.
#[test]
fn root_cell_one_writer_one_reader() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let cell = Arc::new(RootCell::new(Version::new(0, &drops)));

        let reader = {
            let cell = Arc::clone(&cell);
            thread::spawn(move || {
                let first = cell.read(Version::check_whole);
                let second = cell.read(Version::check_whole);
                assert!(first <= second, "versions go forward");
            })
        };
        for number in 1..=2 {
            let mut writer = cell.write();
            assert_eq!(writer.current().number, number - 1);
            writer.publish(Version::new(number, &drops));
        }
        reader.join().unwrap();
        // A version a reader held when the last write scanned waits for the next
        // write or the cell (invariant 9); every other one is gone.
        assert_eq!(drops.load(Ordering::SeqCst) + cell.retired(), 2);
        drop(cell);
        assert_eq!(drops.load(Ordering::SeqCst), 3, "each version freed once");
    });
}

/// When each version is freed (invariants 5 and 9). A version a reader pins when it is
/// retired outlives the reader: readers never free, so it waits for the next write,
/// which frees it with the version that write retires, if no reader pins that one.
#[test]
fn root_cell_a_version_read_at_its_retirement_waits_for_the_next_write() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let cell = Arc::new(RootCell::new(Version::new(0, &drops)));
        let (inside, published) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let reader = {
            let (cell, inside, published) = (
                Arc::clone(&cell),
                Arc::clone(&inside),
                Arc::clone(&published),
            );
            thread::spawn(move || {
                cell.read(|version| {
                    inside.store(true, Ordering::SeqCst);
                    while !published.load(Ordering::SeqCst) {
                        thread::yield_now();
                    }
                    version.check_whole()
                })
            })
        };
        while !inside.load(Ordering::SeqCst) {
            thread::yield_now();
        }
        // The reader is inside (it cannot leave before `published`): W4 sees its pin.
        cell.write().publish(Version::new(1, &drops));
        assert_eq!((drops.load(Ordering::SeqCst), cell.retired()), (0, 1));
        published.store(true, Ordering::SeqCst);
        assert_eq!(reader.join().unwrap(), 0);
        assert_eq!(
            (drops.load(Ordering::SeqCst), cell.retired()),
            (0, 1),
            "the reader left without freeing"
        );
        // No reader now: the next write frees version 0, and version 1 as it retires it.
        cell.write().publish(Version::new(2, &drops));
        assert_eq!(
            (drops.load(Ordering::SeqCst), cell.retired()),
            (2, 0),
            "freed by W4"
        );
        drop(cell);
        assert_eq!(drops.load(Ordering::SeqCst), 3);
    });
}

/// Invariants 4 and 7 with readers on both stripes: two readers race one write; R4's
/// retry runs when a write lands between a reader's R1 and R4.
#[test]
fn root_cell_one_writer_two_readers() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let cell = Arc::new(RootCell::new(Version::new(0, &drops)));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let cell = Arc::clone(&cell);
                thread::spawn(move || cell.read(Version::check_whole))
            })
            .collect();
        cell.write().publish(Version::new(1, &drops));
        for reader in readers {
            assert!(reader.join().unwrap() <= 1);
        }
        assert_eq!(cell.read(Version::check_whole), 1);
        assert_eq!(drops.load(Ordering::SeqCst) + cell.retired(), 1);
        drop(cell);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    });
}

/// Invariant 8: a reader stalled inside its read across three writes holds back only
/// its own version; the writes go on (the cell has 3 slots under loom, so a writer that
/// kept every old version would run out and wait forever), and a later write, or the
/// cell, frees it. Promise 3 of the crate docs (bounded memory).
#[test]
fn root_cell_a_reader_stalled_across_many_writes() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let cell = Arc::new(RootCell::new(Version::new(0, &drops)));
        let inside = Arc::new(AtomicBool::new(false));
        let reader = {
            let (cell, inside) = (Arc::clone(&cell), Arc::clone(&inside));
            thread::spawn(move || {
                cell.read(|version| {
                    let first = version.check_whole();
                    inside.store(true, Ordering::SeqCst);
                    // Stalled: the writer may run all three writes here.
                    thread::yield_now();
                    assert_eq!(version.check_whole(), first, "the version did not change");
                    inside.store(false, Ordering::SeqCst);
                    first
                })
            })
        };
        for number in 1..=3 {
            let stalled = inside.load(Ordering::SeqCst);
            cell.write().publish(Version::new(number, &drops));
            // Invariant 8: a reader inside its closure holds back one version; one still
            // entering may show two (the guess it leaves, the slot it tries).
            let bound = if stalled && inside.load(Ordering::SeqCst) {
                1
            } else {
                2
            };
            let retired = cell.retired();
            assert!(retired <= bound, "{retired} unfreed, bound {bound}");
        }
        assert!(reader.join().unwrap() <= 3);
        assert_eq!(drops.load(Ordering::SeqCst) + cell.retired(), 3);
        drop(cell);
        assert_eq!(drops.load(Ordering::SeqCst), 4);
    });
}

/// Invariants 4 and 1 under slot reuse: in a 2-slot cell, the slot a reader guessed at
/// R1 may be freed and filled again before its pin (the writer frees it, fills it with
/// version 2, which the writer's own read then pins, and retires it again publishing
/// version 3 from inside that read). Every read sees a whole version, and no version is
/// freed under the writer's read or the reader's.
#[test]
fn root_cell_a_slot_refilled_under_a_late_reader() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let cell = Arc::new(RootCell::with_slots(Version::new(0, &drops), 2));
        let reader = {
            let cell = Arc::clone(&cell);
            thread::spawn(move || cell.read(Version::check_whole))
        };
        for number in 1..=2 {
            cell.write().publish(Version::new(number, &drops));
        }
        cell.read(|version| {
            let seen = version.check_whole();
            cell.write().publish(Version::new(3, &drops));
            assert_eq!(version.check_whole(), seen, "still whole after the publish");
        });
        assert!(reader.join().unwrap() <= 3);
        drop(cell);
        assert_eq!(drops.load(Ordering::SeqCst), 4);
    });
}

/// Invariant 8, the one wait: in a 2-slot cell, a reader that pins the old version
/// makes the writer's second publish wait for it to leave (and then go on); a reader
/// that pinned nothing, or left, lets both publishes through. Promise 3 of the crate
/// docs, and its one exception.
#[test]
fn root_cell_a_writer_waits_only_for_a_full_table() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let cell = Arc::new(RootCell::with_slots(Version::new(0, &drops), 2));
        let reader = {
            let cell = Arc::clone(&cell);
            thread::spawn(move || cell.read(Version::check_whole))
        };
        for number in 1..=2 {
            cell.write().publish(Version::new(number, &drops));
        }
        assert!(reader.join().unwrap() <= 2);
        assert_eq!(cell.read(Version::check_whole), 2);
        assert_eq!(drops.load(Ordering::SeqCst) + cell.retired(), 2);
        drop(cell);
        assert_eq!(drops.load(Ordering::SeqCst), 3);
    });
}

/// Invariant 4 past the first cache line of pin counters (8 to a line): the main thread
/// climbs a 9-slot cell to slot 8 (a writer fills the lowest free slot, so it holds a
/// read open on each version while publishing the next) and leaves those reads; then a
/// reader of slot 8 races the write that retires it, which finds every slot taken,
/// frees versions 0 to 7 (unpinned now) and fills slot 0. The reader sees its version
/// whole; the version is freed once, never under the reader. The climb runs before the reader exists, so it
/// adds no schedules. Cost at preemption bound 3: 0.02 s in release on the shared
/// 2-core machine.
#[test]
fn root_cell_a_reader_of_a_slot_past_the_first_line_of_pins() {
    /// Publishes versions `from + 1` to `to`, each from inside a read of the one before.
    fn climb(cell: &RootCell<Version>, drops: &Arc<AtomicUsize>, from: usize, to: usize) {
        if from < to {
            cell.read(|_| {
                cell.write().publish(Version::new(from + 1, drops));
                climb(cell, drops, from + 1, to);
            });
        }
    }
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let cell = Arc::new(RootCell::with_slots(Version::new(0, &drops), 9));
        climb(&cell, &drops, 0, 8);
        assert_eq!(drops.load(Ordering::SeqCst), 0, "readers never free");
        assert_eq!(cell.retired(), 8, "versions 0 to 7 wait for a write");
        let reader = {
            let cell = Arc::clone(&cell);
            thread::spawn(move || cell.read(Version::check_whole))
        };
        cell.write().publish(Version::new(9, &drops));
        assert!(reader.join().unwrap() >= 8);
        assert_eq!(drops.load(Ordering::SeqCst) + cell.retired(), 9);
        drop(cell);
        assert_eq!(drops.load(Ordering::SeqCst), 10, "each version freed once");
    });
}

/// The store end to end: a guard taken by a reader racing an overwrite and a remove
/// holds nothing or one of the values stored, a guard taken before them keeps its value
/// after both and after the store is gone, and nothing leaks. Promises 3 and 4 of the
/// crate docs.
#[test]
fn store_guard_survives_a_racing_overwrite_and_remove() {
    model(|| {
        let store = Arc::new(TrieStore::new());
        store.put("k", 1usize);
        let mine = store.get("k").expect("just put");
        let reader = {
            let store = Arc::clone(&store);
            thread::spawn(move || store.get("k"))
        };
        store.put("k", 2);
        assert!(store.remove("k"));
        let theirs = reader.join().unwrap();
        assert!(store.get("k").is_none());
        drop(store);
        assert_eq!(
            *mine, 1,
            "the guard outlives the overwrite, remove and store"
        );
        if let Some(guard) = theirs {
            assert!(*guard == 1 || *guard == 2, "got {}", *guard);
        }
    });
}

/// A batch is one version: a reader racing a batch of two puts finds both or neither,
/// in a snapshot and in two reads of one key each (`get` of "a", then `get_with` of "b":
/// the batch puts "a" first, so a reader that finds "a" finds "b" in a version at least
/// as late). Promise 1 of the crate docs. Cost at preemption bound 3: 0.02 s in release
/// on the shared 2-core machine.
#[test]
fn store_a_batch_racing_a_reader_is_seen_whole() {
    model(|| {
        let store = Arc::new(TrieStore::new());
        let reader = {
            let store = Arc::clone(&store);
            thread::spawn(move || {
                let snapshot = store.snapshot();
                let seen = (snapshot.get("a").copied(), snapshot.get("b").copied());
                assert!(
                    seen == (None, None) || seen == (Some(1), Some(2)),
                    "a snapshot holds part of the batch: {seen:?}"
                );
                let a = store.get("a").is_some();
                let b = store.get_with("b", |b| b.is_some());
                assert!(b || !a, "read a from the batch, then b from before it");
            })
        };
        let mut batch = WriteBatch::new();
        batch.put("a", 1u8).put("b", 2);
        store.write_batch(batch);
        reader.join().unwrap();
        assert_eq!(store.snapshot().len(), 2);
    });
}

// The recorder's clock is a std atomic, invisible to loom: it adds no schedules, and since
// loom runs one thread at a time its ticks follow the interleaving being explored.
/// Invariant 2 and linearizability, with every write operation racing: a put on the key
/// a remove deletes, a put on another key, and a reader. In every execution the history
/// (with the first put before the threads and a final read of each key after the joins)
/// is checked by the model crate's checker. A lost update (say, a remove whose version
/// was built outside the writer lock erasing the racing put of "b"), a torn read or a
/// stale read fails it. Promise 1 of the crate docs.
#[test]
fn store_racing_writers_and_a_reader_are_linearizable() {
    model(|| {
        let store = Arc::new(TrieStore::new());
        let recorder = Arc::new(Recorder::new());
        let mut events = run_recorded(&Store(&store), &recorder, 0, vec![Op::put("a", 1)]);
        let spawn = |thread: usize, ops: Vec<Op>| {
            let (store, recorder) = (Arc::clone(&store), Arc::clone(&recorder));
            thread::spawn(move || run_recorded(&Store(&store), &recorder, thread, ops))
        };
        let threads = [
            spawn(1, vec![Op::put("a", 2), Op::put("b", 3)]),
            spawn(2, vec![Op::remove("a")]),
            spawn(3, vec![Op::get("a")]),
        ];
        events.extend(threads.into_iter().flat_map(|t| t.join().unwrap()));
        events.extend(run_recorded(
            &Store(&store),
            &recorder,
            4,
            vec![Op::get("a"), Op::get("b")],
        ));
        let report = check(&History::from_events(events), Budget::default());
        assert_eq!(report.verdict, Verdict::Linearizable);
    });
}

/// `update` is atomic against a racing put: the value it saw and the final value agree
/// with one of the two orders (update then put: saw 0, ends 10; put then update: saw
/// 10, ends 11). An update that read outside the writer lock could see 0 and end at 1.
#[test]
fn store_update_racing_a_put() {
    model(|| {
        let store = Arc::new(TrieStore::new());
        store.put("n", 0u64);
        let updater = {
            let store = Arc::clone(&store);
            thread::spawn(move || {
                let seen = store.update("n", |n| n.map(|n| n + 1));
                *seen.expect("n is always present")
            })
        };
        store.put("n", 10);
        let seen = updater.join().unwrap();
        let end = *store.get("n").unwrap();
        assert!(
            (seen, end) == (0, 10) || (seen, end) == (10, 11),
            "update saw {seen}, the store ends at {end}"
        );
    });
}

/// A value that counts its drops and refuses a second one.
struct Counted {
    id: usize,
    drops: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// Guards keep what they hold across reclamation: a guard taken before an overwrite and a
/// remove keeps its value; a guard taken by a racing reader holds one of the values or
/// nothing; each value is dropped exactly once, and only after its last guard.
/// Promise 4 of the crate docs.
#[test]
fn guards_keep_values_and_each_value_drops_once() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let value = |id| Counted {
            id,
            drops: Arc::clone(&drops),
        };
        let store = Arc::new(TrieStore::new());
        store.put("k", value(1));
        let mine = store.get("k").unwrap();
        let reader = {
            let store = Arc::clone(&store);
            thread::spawn(move || {
                let guard = store.get("k");
                if let Some(guard) = &guard {
                    assert!(guard.id == 1 || guard.id == 2, "read {}", guard.id);
                }
                guard
            })
        };
        store.put("k", value(2));
        assert!(store.remove("k"));
        let theirs = reader.join().unwrap();
        assert_eq!(mine.id, 1, "my guard kept value 1");
        let held = usize::from(theirs.as_ref().is_some_and(|g| g.id == 2));
        // The version holding value 2 waits for the next write if the reader held it
        // when it was retired (root-cell invariant 9): write once more.
        store.put("flush", value(3));
        assert_eq!(store.retired_versions(), 0);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1 - held,
            "value 2 dropped unless guarded"
        );
        drop(mine);
        drop(theirs);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            2,
            "both values dropped, once each"
        );
        drop(store);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            3,
            "and value 3 with the store"
        );
    });
}

/// Snapshots across reclamation: a snapshot taken during writes is one of the versions
/// published, never a mixture, and stays that version after later writes. Promise 1
/// of the crate docs (a snapshot is one whole version).
#[test]
fn a_snapshot_is_one_published_version() {
    model(|| {
        let store = Arc::new(TrieStore::new());
        let writer = {
            let store = Arc::clone(&store);
            thread::spawn(move || {
                store.put("a", 1u8);
                store.put("b", 2);
                store.remove("a");
            })
        };
        let contents = |t: &Trie<u8>| t.iter().map(|(k, v)| (k.to_vec(), *v)).collect::<Vec<_>>();
        let snapshot = store.snapshot();
        let seen = contents(&snapshot);
        let versions: [&[(Vec<u8>, u8)]; 4] = [
            &[],
            &[(b"a".to_vec(), 1)],
            &[(b"a".to_vec(), 1), (b"b".to_vec(), 2)],
            &[(b"b".to_vec(), 2)],
        ];
        assert!(
            versions.contains(&&seen[..]),
            "snapshot {seen:?} was never published"
        );
        writer.join().unwrap();
        assert_eq!(contents(&snapshot), seen, "the snapshot did not change");
        assert_eq!(contents(&store.snapshot()), versions[3]);
    });
}

/// The bounded store: a reader records accesses (a hit bumps the entry's counter) and
/// holds a snapshot while the writer's put evicts the entry it reads (capacity 1, so the
/// put of "b" must evict "a"; the writer reads the counters the reader writes to choose).
/// In every execution: the history, with the first put before and a final read of each
/// key after, keeps to the cache model (no evicted value comes back); the reader's guard
/// and snapshot keep what they held across the eviction (the cache's invariants 2 and
/// 7: eviction never edits a version a reader holds); and the capacity holds.
/// Cost at preemption bound 3: 0.15 s in release on the shared 2-core machine.
#[test]
fn cache_reads_record_accesses_while_the_writer_evicts() {
    model(|| {
        let cache = Arc::new(Cache::new(1));
        let recorder = Arc::new(Recorder::new());
        let mut events = run_recorded(&Bounded(&cache), &recorder, 0, vec![Op::put("a", 1)]);
        let reader = {
            let (cache, recorder) = (Arc::clone(&cache), Arc::clone(&recorder));
            thread::spawn(move || {
                let guard = cache.get("a");
                let snapshot = cache.snapshot();
                let seen: Vec<(Vec<u8>, u64)> =
                    snapshot.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
                let events = run_recorded(&Bounded(&cache), &recorder, 1, vec![Op::get("a")]);
                let again: Vec<(Vec<u8>, u64)> =
                    snapshot.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
                assert_eq!(seen, again, "a snapshot changed under its reader");
                assert_eq!(snapshot.len(), seen.len());
                if let Some(guard) = guard {
                    assert_eq!(*guard, 1, "the guard kept its value");
                }
                events
            })
        };
        events.extend(run_recorded(
            &Bounded(&cache),
            &recorder,
            2,
            vec![Op::put("b", 2)],
        ));
        events.extend(reader.join().unwrap());
        events.extend(run_recorded(
            &Bounded(&cache),
            &recorder,
            3,
            vec![Op::get("a"), Op::get("b")],
        ));
        assert!(cache.len() <= 1);
        let report = check_with(&CacheSpec, &History::from_events(events), Budget::default());
        assert_eq!(report.verdict, Verdict::Linearizable);
    });
}

/// A `Reader` against a writer that publishes twice, so the second version reuses the
/// slot of the version the reader kept (three slots under loom; no pin holds the kept
/// version, the reader owns it): after seeing a write announced (`Release`/`Acquire`,
/// after `put` returned), the reader never serves an older value, and its reads go
/// forward. Invariant 10 of the root cell; promise 1 of the crate docs. Every version is
/// dropped exactly once (loom fails a model that leaks its `Arc`s).
#[test]
fn a_reader_handle_never_serves_a_recycled_slot() {
    model(|| {
        let store = Arc::new(TrieStore::new());
        store.put("k", 0u8);
        let announced = Arc::new(AtomicUsize::new(0));
        let writer = {
            let (store, announced) = (Arc::clone(&store), Arc::clone(&announced));
            thread::spawn(move || {
                for n in 1..=2 {
                    store.put("k", n);
                    announced.store(usize::from(n), Ordering::Release);
                }
            })
        };
        let mut reader = store.reader();
        let mut last = 0;
        for _ in 0..2 {
            let floor = announced.load(Ordering::Acquire);
            let seen = reader.get_with("k", |v| *v.unwrap());
            assert!(
                usize::from(seen) >= floor,
                "read {seen} after {floor} was written"
            );
            assert!(seen >= last, "read {seen} after {last}");
            last = seen;
        }
        writer.join().unwrap();
        assert_eq!(reader.get_with("k", |v| v.copied()), Some(2));
    });
}

/// Loading on a miss (`src/cache/load.rs`, invariants 1 and 3): two threads miss on one
/// key and call `get_or_insert_with` together. No two loaders of the key ever run at
/// the same time (a second one may start only after the first load settled, inside its
/// write); both threads return the value stored, which is one of the loaded ones; and
/// the entry is written once. The loaders yield inside, so a thread that misses while
/// a load runs is scheduled against it.
#[test]
fn concurrent_misses_on_one_key_never_run_two_loaders_at_once() {
    model(|| {
        let cache = Arc::new(Cache::new(4));
        let (running, loads) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let load = |value: u64| {
            let (running, loads) = (Arc::clone(&running), Arc::clone(&loads));
            move || {
                assert_eq!(
                    running.fetch_add(1, Ordering::SeqCst),
                    0,
                    "two loaders of one key run at once"
                );
                loads.fetch_add(1, Ordering::SeqCst);
                thread::yield_now();
                running.fetch_sub(1, Ordering::SeqCst);
                value
            }
        };
        let other = {
            let (cache, load) = (Arc::clone(&cache), load(2));
            thread::spawn(move || *cache.get_or_insert_with("k", load))
        };
        let mine = *cache.get_or_insert_with("k", load(1));
        let theirs = other.join().unwrap();
        assert_eq!(mine, theirs, "both return the value stored");
        assert!(mine == 1 || mine == 2);
        assert_eq!(cache.get("k").map(|v| *v), Some(mine));
        assert!(loads.load(Ordering::SeqCst) >= 1);
    });
}
