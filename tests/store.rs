//! `TrieStore` semantics, alone and under real threads.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Barrier, Mutex};
use std::time::Duration;

use cowtrie::cell::RootCell;
use cowtrie::{Trie, TrieStore, ValueGuard, WriteBatch};

/// Fewer operations under Miri, which interprets every step.
const fn scaled(normal: usize, miri: usize) -> usize {
    if cfg!(miri) {
        miri
    } else {
        normal
    }
}

#[test]
fn basics() {
    let store = TrieStore::new();
    assert!(store.get("a").is_none());
    store.put("a", 1u32);
    store.put("", 0);
    assert_eq!(store.get("a").as_deref(), Some(&1));
    assert_eq!(store.get("").as_deref(), Some(&0));
    store.put("a", 2);
    assert_eq!(store.get("a").map(|g| *g.value()), Some(2));
    assert!(store.remove("a"));
    assert!(!store.remove("a"), "a second remove finds nothing");
    assert!(store.get("a").is_none());
    assert_eq!(store.snapshot().len(), 1);
}

#[test]
fn a_guard_survives_overwrite_removal_and_the_store() {
    let store = TrieStore::new();
    store.put("a", String::from("b"));
    let guard = store.get("a").expect("present");
    assert_eq!(guard.key(), b"a");
    store.put("a", String::from("c"));
    let second = store.get("a").expect("present");
    assert!(store.remove("a"));
    drop(store);
    assert_eq!(guard.value(), "b");
    assert_eq!(*second, "c");
    let copy = ValueGuard::clone(&guard);
    drop(guard);
    assert_eq!(&*copy, "b");
}

#[test]
fn a_snapshot_is_a_whole_frozen_version() {
    let store = TrieStore::from(Trie::new().put("x", 1));
    let before = store.snapshot();
    store.put("y", 2);
    store.remove("x");
    assert_eq!(before.get("x"), Some(&1));
    assert_eq!(before.get("y"), None);
    let after = store.snapshot();
    assert_eq!(after.get("x"), None);
    assert_eq!(after.get("y"), Some(&2));
}

#[test]
fn non_copyable_values_in_the_store() {
    let store: TrieStore<Box<dyn Fn() -> u8 + Send + Sync>> = TrieStore::new();
    store.put("f", Box::new(|| 7));
    let f = store.get("f").expect("present");
    store.remove("f");
    assert_eq!(f(), 7);
}

#[test]
fn mixed_workload_of_23333_keys_through_the_store() {
    let n = scaled(23_333, 200);
    let key = |i: usize| format!("{i:05}");
    let store = TrieStore::new();
    for i in 0..n {
        store.put(key(i), format!("value-{i:08}"));
    }
    for i in (0..n).step_by(2) {
        store.put(key(i), format!("new-value-{i:08}"));
    }
    for i in (0..n).step_by(3) {
        assert!(store.remove(key(i)));
    }
    for i in 0..n {
        let got = store.get(key(i));
        let expected = match (i % 2, i % 3) {
            (_, 0) => None,
            (0, _) => Some(format!("new-value-{i:08}")),
            _ => Some(format!("value-{i:08}")),
        };
        assert_eq!(got.as_deref(), expected.as_ref());
    }
}

/// 4 writers each put, remove and re-put their own 10,000 keys while 4 readers read;
/// every value a reader sees must be one its key can hold, and at the end every key holds
/// its final value.
#[test]
fn concurrent_writers_and_readers_lose_nothing() {
    const WRITERS: usize = 4;
    let per_writer = scaled(10_000, 40);
    let key = |i: usize| format!("key-{i:06}");
    let store = TrieStore::new();
    let writers_done = AtomicUsize::new(0);
    let reads = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for w in 0..WRITERS {
            let (store, writers_done) = (&store, &writers_done);
            s.spawn(move || {
                for i in w * per_writer..(w + 1) * per_writer {
                    store.put(key(i), (i, 1));
                    assert!(store.remove(key(i)), "my key {i} was present");
                    store.put(key(i), (i, 2));
                }
                writers_done.fetch_add(1, Ordering::SeqCst);
            });
        }
        for r in 0..4 {
            let (store, writers_done, reads) = (&store, &writers_done, &reads);
            s.spawn(move || {
                let mut i = r;
                // Under Miri a bounded number of reads: it interprets every one.
                let mut budget = scaled(usize::MAX, 30);
                while writers_done.load(Ordering::SeqCst) < WRITERS && budget > 0 {
                    budget -= 1;
                    i = (i * 7 + 13) % (WRITERS * per_writer);
                    if let Some(v) = store.get(key(i)) {
                        assert!(*v == (i, 1) || *v == (i, 2), "key {i} holds {v:?}");
                    }
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    let last = store.snapshot();
    assert_eq!(last.len(), WRITERS * per_writer);
    for i in 0..WRITERS * per_writer {
        assert_eq!(last.get(key(i)), Some(&(i, 2)), "key {i}");
    }
    assert!(reads.load(Ordering::Relaxed) > 0, "the readers ran");
}

/// Snapshots taken during writes are whole versions: writer `w` writes its keys in order
/// 0, 1, 2, ..., so a snapshot holds a prefix of each writer's sequence.
#[test]
fn snapshots_during_writes_are_whole_versions() {
    let per_writer = scaled(3_000, 30);
    let store = TrieStore::new();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        for w in 0..2u8 {
            let store = &store;
            s.spawn(move || {
                for i in 0..per_writer as u32 {
                    store.put([&[w][..], &i.to_be_bytes()].concat(), i);
                }
            });
        }
        s.spawn(|| {
            let mut budget = scaled(usize::MAX, 10);
            while !done.load(Ordering::SeqCst) && budget > 0 {
                budget -= 1;
                let snap = store.snapshot();
                for w in 0..2u8 {
                    let seen: Vec<u32> = snap.scan_prefix([w]).map(|(_, v)| *v).collect();
                    let expected: Vec<u32> = (0..seen.len() as u32).collect();
                    assert_eq!(seen, expected, "writer {w}'s keys form a prefix");
                }
                assert_eq!(snap.len(), snap.iter().count());
            }
        });
        s.spawn(|| {
            while store.snapshot().len() < 2 * per_writer {
                std::thread::yield_now();
            }
            done.store(true, Ordering::SeqCst);
        });
    });
}

/// A value whose destructor blocks until released: a writer dropping it is stalled.
struct Stall(Mutex<mpsc::Receiver<()>>);

impl Drop for Stall {
    fn drop(&mut self) {
        let gate = self.0.get_mut().unwrap_or_else(|p| p.into_inner());
        let _ = gate.recv();
    }
}

#[test]
fn readers_and_writers_go_on_while_a_writer_is_stalled_in_a_values_drop() {
    let store: TrieStore<Option<Stall>> = TrieStore::new();
    let (release, gate) = mpsc::channel();
    store.put("slow", Some(Stall(Mutex::new(gate))));
    store.put("other", None);
    let (entered, stalled) = mpsc::channel();
    std::thread::scope(|s| {
        let writer = s.spawn(|| {
            entered.send(()).unwrap();
            // Overwriting "slow" drops the last handle to the `Stall`: this put blocks.
            store.put("slow", None);
        });
        stalled.recv().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert!(!writer.is_finished(), "the writer is stalled in Drop");
        // Reads and other writes are not held up by it.
        for _ in 0..100 {
            assert!(store.get("other").is_some());
            let _ = store.snapshot();
        }
        store.put("another", None);
        assert!(store.get("another").is_some());
        assert!(
            store.get("slow").is_some_and(|v| v.is_none()),
            "the new version is published"
        );
        release.send(()).unwrap();
    });
}

/// The root cell's bound (invariant 8 in `src/cell.rs`): a reader paused inside
/// `get_with` holds back the one version it reads, while another thread's writes go on
/// and never leave more than that one version unfreed.
#[test]
fn writers_go_on_while_a_reader_is_paused_inside_get_with() {
    let store = TrieStore::new();
    store.put("k", 0usize);
    let (entered, paused) = mpsc::channel();
    let (resume, gate) = mpsc::channel::<()>();
    let puts = scaled(100_000, 200);
    std::thread::scope(|s| {
        let store = &store;
        let reader = s.spawn(move || {
            store.get_with("k", |value| {
                entered.send(()).unwrap();
                gate.recv().unwrap();
                *value.unwrap()
            })
        });
        paused.recv().unwrap();
        let mut most = 0;
        for i in 1..=puts {
            store.put("k", i);
            store.put(i.to_be_bytes(), i);
            most = most.max(store.retired_versions());
        }
        assert_eq!(most, 1, "the paused reader holds back exactly one version");
        assert_eq!(store.get("k").as_deref(), Some(&puts));
        resume.send(()).unwrap();
        assert_eq!(
            reader.join().unwrap(),
            0,
            "the paused read saw its own version"
        );
    });
    assert_eq!(
        store.retired_versions(),
        1,
        "readers never free: it waits for a write"
    );
    store.put("k", 0);
    assert_eq!(
        store.retired_versions(),
        0,
        "freed by the write after its reader left"
    );
    assert_eq!(store.snapshot().len(), puts + 1);
}

#[test]
fn readers_go_on_while_a_writer_holds_the_lock() {
    let cell = RootCell::new(1u64);
    let (locked, wait_locked) = mpsc::channel();
    let (release, wait_release) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        let cell = &cell;
        s.spawn(move || {
            let mut writer = cell.write();
            locked.send(()).unwrap();
            wait_release.recv().unwrap();
            writer.publish(2);
        });
        wait_locked.recv().unwrap();
        for _ in 0..1_000 {
            assert_eq!(cell.read(|v| *v), 1, "readers see the old value meanwhile");
        }
        release.send(()).unwrap();
    });
    assert_eq!(cell.read(|v| *v), 2);
}

#[test]
fn writers_do_not_wait_for_guards_or_snapshots() {
    let store = TrieStore::new();
    store.put("k", 0u64);
    let guard = store.get("k").unwrap();
    let snapshot = store.snapshot();
    // Held across many writes on this same thread: if a writer waited for them, this
    // would deadlock.
    for i in 1..=scaled(1_000, 20) as u64 {
        store.put("k", i);
        store.remove("gone");
    }
    assert_eq!((*guard, snapshot.get("k")), (0, Some(&0)));
}

#[test]
fn auto_traits() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<TrieStore<String>>();
    send_sync::<Trie<String>>();
    send_sync::<ValueGuard<String>>();
    send_sync::<RootCell<String>>();
    send_sync::<cowtrie::Iter<'static, String>>();
    send_sync::<cowtrie::Range<'static, String>>();
    send_sync::<cowtrie::Reader<'static, String>>();
    fn unpin<T: Unpin>() {}
    unpin::<TrieStore<u8>>();
}

#[test]
fn get_with_reads_in_place() {
    let store = TrieStore::new();
    store.put("k", String::from("value"));
    assert_eq!(store.get_with("k", |v| v.map(String::len)), Some(5));
    assert!(store.get_with("missing", |v| v.is_none()));
    store.remove("k");
    assert_eq!(store.get_with("k", |v| v.cloned()), None);
}

#[test]
fn debug_and_display_show_the_contents() {
    let store = TrieStore::new();
    store.put("k", 5u32);
    let guard = store.get("k").expect("present");
    assert_eq!(format!("{guard:?} {guard}"), "ValueGuard(5) 5");
    assert_eq!(format!("{store:?}"), r#"TrieStore({b"k": 5})"#);
    assert_eq!(format!("{:?}", RootCell::new(3u8)), "RootCell(3)");
}

#[test]
fn update_sees_the_current_value_and_writes_or_removes() {
    let store = TrieStore::new();
    let seen = store.update("k", |v| {
        assert!(v.is_none());
        Some(1u32)
    });
    assert!(seen.is_none());
    let seen = store.update("k", |v| v.map(|n| n + 1));
    assert_eq!(seen.as_deref(), Some(&1), "returns the value it saw");
    assert_eq!(store.get("k").as_deref(), Some(&2));
    let seen = store.update("k", |_| None);
    assert_eq!(seen.as_deref(), Some(&2));
    assert!(store.get("k").is_none(), "None removes");
    assert!(
        store.update("absent", |_| None).is_none(),
        "removing nothing is fine"
    );
    assert_eq!(store.snapshot().len(), 0);
}

#[test]
fn compare_and_swap_writes_only_on_a_match() {
    let store = TrieStore::new();
    let absent = store.compare_and_swap("k", Some(&1u32), Some(2));
    assert!(absent.is_err_and(|g| g.is_none()), "absent is not 1");
    assert!(store.get("k").is_none());
    assert!(store
        .compare_and_swap("k", None, Some(1))
        .is_ok_and(|g| g.is_none()));
    let current = store.compare_and_swap("k", Some(&5), Some(6)).unwrap_err();
    assert_eq!(
        current.as_deref(),
        Some(&1),
        "the mismatch reports the current value"
    );
    let replaced = store.compare_and_swap("k", Some(&1), Some(7)).unwrap();
    assert_eq!(replaced.as_deref(), Some(&1));
    assert_eq!(store.get("k").as_deref(), Some(&7));
    assert!(store.compare_and_swap("k", Some(&7), None).is_ok());
    assert!(store.get("k").is_none(), "a swap to None removes");
    assert!(
        store.compare_and_swap("k", None, None).is_ok(),
        "absent stays absent"
    );
}

#[test]
fn a_write_batch_is_one_version() {
    let store = TrieStore::new();
    store.put("a", 1u32);
    let mut batch = WriteBatch::new();
    batch
        .put("b", 2)
        .remove("a")
        .put("c", 3)
        .remove("missing")
        .put("b", 4);
    assert_eq!(batch.len(), 5);
    assert!(!batch.is_empty());
    assert!(WriteBatch::<u32>::new().is_empty());
    assert_eq!(
        format!("{:?}", WriteBatch::new().put("k", 1).remove("gone")),
        r#"[("put", [107], 1), ("remove", [103, 111, 110, 101])]"#,
        "Debug lists the writes in order"
    );
    let before = store.snapshot();
    store.write_batch(batch);
    let after = store.snapshot();
    let contents: Vec<_> = after.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
    assert_eq!(contents, [(b"b".to_vec(), 4), (b"c".to_vec(), 3)]);
    assert_eq!(before.get("a"), Some(&1), "the old version is untouched");
    store.write_batch(WriteBatch::new());
    assert!(
        store.snapshot().ptr_eq(&after),
        "an empty batch publishes nothing"
    );
}

/// Readers never see part of a batch. Each batch moves one unit from "x" to "y", so
/// every version's sum is 100; and since "y" only grows, a read of "y" (`get_with`) after
/// a read of "x" (`get`, each read its own version) finds at least the batch that "x"
/// came from. The threads start together; the reader reads until the writer is done,
/// and the writer goes on until the reader has seen `changes` new versions (or has
/// failed). On a busy machine where the two share one core, each new version the
/// reader sees means the writer was stopped somewhere, perhaps inside a batch, so the
/// test cannot pass by running the writer and the reader one after the other.
#[test]
fn readers_see_whole_batches() {
    let store = TrieStore::new();
    store.put("x", 100i64);
    store.put("y", 0);
    let (rounds, changes) = (scaled(2_000, 20), scaled(100, 10));
    let start = Barrier::new(2);
    let (seen, done) = (AtomicUsize::new(0), AtomicBool::new(false));
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            start.wait();
            let mut last = 0;
            loop {
                let finished = done.load(Ordering::Acquire);
                let version = store.snapshot();
                let (x, y) = (version.get("x").unwrap(), version.get("y").unwrap());
                assert_eq!(x + y, 100, "a snapshot holds part of a batch: x {x}, y {y}");
                let batch_of_x = 100 - *store.get("x").unwrap();
                let batch_of_y = store.get_with("y", |y| *y.unwrap());
                assert!(
                    batch_of_y >= batch_of_x,
                    "read x from batch {batch_of_x}, then y from batch {batch_of_y}"
                );
                if batch_of_y != last {
                    last = batch_of_y;
                    seen.fetch_add(1, Ordering::Relaxed);
                }
                if finished {
                    break;
                }
            }
        });
        start.wait();
        let mut batches = 0;
        let seen_enough = || seen.load(Ordering::Relaxed) >= changes || reader.is_finished();
        while batches < rounds || !seen_enough() {
            batches += 1;
            let i = batches as i64;
            let mut batch = WriteBatch::new();
            batch.put("x", 100 - i).put("y", i);
            store.write_batch(batch);
        }
        done.store(true, Ordering::Release);
    });
}

/// Updates are atomic: concurrent increments, mixed with puts of other keys, lose none.
#[test]
fn concurrent_updates_lose_no_increment() {
    let store = TrieStore::new();
    let per_thread = scaled(2_000, 20);
    std::thread::scope(|s| {
        for t in 0..4u8 {
            let store = &store;
            s.spawn(move || {
                for i in 0..per_thread {
                    store.update("n", |n| Some(n.copied().unwrap_or(0) + 1));
                    store.put([t, (i % 251) as u8], 0);
                    loop {
                        let seen = store.get("cas").map(|g| *g);
                        let next = seen.unwrap_or(0) + 1;
                        if store
                            .compare_and_swap("cas", seen.as_ref(), Some(next))
                            .is_ok()
                        {
                            break;
                        }
                    }
                }
            });
        }
    });
    assert_eq!(store.get("n").as_deref(), Some(&(4 * per_thread)));
    assert_eq!(store.get("cas").as_deref(), Some(&(4 * per_thread)));
}

/// A `Reader` sees every write that completed before its read: through a pin while
/// writes come often, and from the version it keeps once it has read one version 32
/// times in a row, also when that version sat in the slot the newest version reuses (two
/// publishes later, with no pins, the lowest free slot is the kept version's own).
#[test]
fn a_reader_sees_each_completed_write() {
    let store = TrieStore::new();
    store.put("k", 0u64);
    let mut reader = store.reader();
    let writes = scaled(100, 6) as u64;
    for i in 1..=writes {
        for read in 0..40 {
            assert_eq!(reader.get_with("k", |v| v.copied()), Some(i - 1));
            assert_eq!(
                reader.is_keeping(),
                read >= 31,
                "read {read} of version {i}"
            );
        }
        store.put("k", i);
        if i % 2 == 0 {
            store.put("other", i); // two publishes: the kept version's slot is refilled
        }
    }
    assert_eq!(reader.get("k").as_deref(), Some(&writes));
    let guard = reader.get("k").unwrap();
    store.remove("k");
    assert_eq!(*guard, writes, "the guard keeps its value");
    assert!(reader.get("k").is_none());
    assert_eq!(reader.current().len(), 1);
}

/// What a `Reader` keeps: the last version it read, which stays whole while it is
/// borrowed, and nothing that delays the writer (it pins no slot).
#[test]
fn a_reader_keeps_one_version_and_pins_none() {
    let store = TrieStore::new();
    store.put("a", 1);
    let mut reader = store.reader();
    let kept = reader.current().clone();
    for i in 2..=40 {
        store.put("a", i); // more publishes than the cell has slots: none is pinned
    }
    assert_eq!(store.retired_versions(), 0);
    assert_eq!(kept.get("a"), Some(&1));
    assert_eq!(reader.current().get("a"), Some(&40));
}

/// Real threads: a writer counts up under one key and announces each count after its
/// put returns; readers reading through `Reader`s, started together with it, never see
/// a count below one already announced, and never go back. The writer goes on until
/// each reader has read many times, so reads and writes overlap however the threads
/// are scheduled, and every 64 puts it pauses for 40 reads of each reader, so the
/// readers keep versions (and check them) as well as pin. A reader that took a
/// recycled slot for its kept version (a stamp without the generation) serves a version
/// two publishes old, and fails this.
#[test]
fn readers_through_handles_never_serve_an_old_version() {
    let store = TrieStore::new();
    store.put("n", 0u64);
    let announced = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let reads = [AtomicUsize::new(0), AtomicUsize::new(0)];
    let (min_writes, min_reads) = (scaled(20_000, 60), scaled(20_000, 60));
    let start = std::sync::Barrier::new(3);
    std::thread::scope(|s| {
        for count in &reads {
            let (store, announced, done, start) = (&store, &announced, &done, &start);
            s.spawn(move || {
                // A reader that fails (panics) counts as done, so the writer stops.
                struct Leaving<'a>(&'a AtomicUsize);
                impl Drop for Leaving<'_> {
                    fn drop(&mut self) {
                        self.0.store(usize::MAX, Ordering::Relaxed);
                    }
                }
                let _leaving = Leaving(count);
                let mut reader = store.reader();
                let mut last = 0;
                start.wait();
                while !done.load(Ordering::Acquire) {
                    let floor = announced.load(Ordering::Acquire) as u64;
                    let n = reader.get_with("n", |v| *v.unwrap());
                    assert!(n >= floor, "read {n} after {floor} was written");
                    assert!(n >= last, "read {n} after {last}");
                    last = n;
                    count.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        s.spawn(|| {
            start.wait();
            let mut i = 0;
            while i < min_writes || reads.iter().any(|r| r.load(Ordering::Relaxed) < min_reads) {
                i += 1;
                store.put("n", i as u64);
                if i % 64 == 0 {
                    store.put("other", i as u64); // the next slot is the one before
                }
                announced.store(i, Ordering::Release);
                if i % 64 == 32 {
                    // A pause, until each reader has read 40 more times (or stopped), so
                    // the readers keep versions as well as pin them.
                    let now: Vec<usize> = reads.iter().map(|r| r.load(Ordering::Relaxed)).collect();
                    while reads
                        .iter()
                        .zip(&now)
                        .any(|(r, &then)| (then..then + 40).contains(&r.load(Ordering::Relaxed)))
                    {
                        std::thread::yield_now();
                    }
                }
            }
            done.store(true, Ordering::Release);
        });
    });
}
