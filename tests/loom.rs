//! Exhaustive schedule exploration of the root cell and the store with loom.
//!
//! Run with `.ci/loom.sh` (`RUSTFLAGS="--cfg loom" cargo test --release --test loom`).
//! Each model names the root-cell invariants (see `src/cell.rs`) it exercises. Loom runs
//! every interleaving up to the preemption bound and every permitted memory-order
//! outcome of the atomics; it also fails a model that leaks a `loom::sync::Arc` (the
//! trie's nodes and values are loom `Arc`s in this build).
#![cfg(loom)]

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

use common::run_recorded;
use cowtrie::{RootCell, Trie, TrieStore};
use cowtrie_model::{check, Budget, Event, History, Op, Recorder, Verdict};

mod common;

/// Preemption bound 3 unless `LOOM_MAX_PREEMPTIONS` says otherwise. Every seeded root-cell
/// bug in `tests/mutants/` is found within it (each needs at most two preemptions: one in
/// a reader between R1 and R4, one in the writer between W1 and W3), and the whole file
/// runs in about 30 s on 2 cores. Schedules grow exponentially with the bound: raise it
/// for one model at a time.
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

    /// Reads the payload: loom reports a causality violation if this read is not ordered
    /// after the payload's construction on the writer's thread (invariant 6).
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
    /// Loom does not track frees, so freeing is made visible as a write: a reader whose
    /// read of the payload is not ordered before this write is a use-after-free, and
    /// loom reports it whichever of the two runs first (invariant 4).
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no other reference to the payload exists in this thread;
        // loom checks the claim across threads.
        self.payload.with_mut(|p| unsafe { *p = usize::MAX });
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// Invariants 1, 3–6: a reader loading while a writer swaps twice sees whole versions,
/// in order, and every version is freed exactly once, none while a reader holds it.
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
            let old = writer.publish(Version::new(number, &drops));
            drop(writer);
            assert_eq!(old.number, number - 1);
        }
        reader.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 2, "both old versions freed");
        drop(cell);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            3,
            "and the last one with the cell"
        );
    });
}

/// Invariants 4 and 7 with readers on both stripes: two readers, one writer swap.
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
        let old = cell.write().publish(Version::new(1, &drops));
        drop(old);
        for reader in readers {
            assert!(reader.join().unwrap() <= 1);
        }
        assert_eq!(cell.read(Version::check_whole), 1);
        drop(cell);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    });
}

/// The store end to end: a guard taken by a reader racing an overwrite and a remove
/// holds nothing or one of the values stored, a guard taken before them keeps its value
/// after both and after the store is gone, and nothing leaks.
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

// The recorder's clock is a std atomic, invisible to loom: it adds no schedules, and since
// loom runs one thread at a time its ticks follow the interleaving being explored.
/// Invariant 2 and linearizability: two writers and a reader; in every execution the
/// history (with a final read of each key after the joins) is checked by the model
/// crate's checker. A lost update, a torn read or a stale read fails it.
#[test]
fn store_two_writers_and_a_reader_are_linearizable() {
    model(|| {
        let store = Arc::new(TrieStore::new());
        let recorder = Arc::new(Recorder::new());
        let spawn = |thread: usize, ops: Vec<Op>| {
            let (store, recorder) = (Arc::clone(&store), Arc::clone(&recorder));
            thread::spawn(move || run_recorded(&store, &recorder, thread, ops))
        };
        // Two writers on different keys (a lost update loses one of them) and the same
        // key (order), a reader racing both.
        let threads = [
            spawn(1, vec![Op::put("a", 1)]),
            spawn(2, vec![Op::put("b", 2), Op::put("a", 3)]),
            spawn(3, vec![Op::get("a")]),
        ];
        let mut events: Vec<Event> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        events.extend(run_recorded(
            &store,
            &recorder,
            0,
            vec![Op::get("a"), Op::get("b")],
        ));
        let report = check(&History::from_events(events), Budget::default());
        assert_eq!(report.verdict, Verdict::Linearizable);
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

/// Guards (property 3 and 4 of the design): a guard taken before an overwrite and a
/// remove keeps its value; a guard taken by a racing reader holds one of the values or
/// nothing; each value is dropped exactly once, and only after its last guard.
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
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    });
}

/// Property 1: a snapshot taken during writes is one of the versions published, never
/// a mixture, and stays that version after later writes.
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
