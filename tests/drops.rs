//! Every value is dropped exactly once, when the last version or guard reaching it goes
//! (promise 4 of the crate docs).
#![cfg(not(loom))]

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use cowtrie::{Trie, TrieStore};

/// A ledger of live values: each `Counted` registers its id at birth and removes it at
/// death, so a double drop or a leak names the value concerned.
#[derive(Default)]
struct Ledger {
    live: Mutex<HashSet<usize>>,
    drops: AtomicUsize,
}

impl Ledger {
    fn value(&self, id: usize) -> Counted<'_> {
        assert!(self.live.lock().unwrap().insert(id), "id {id} reused");
        Counted { id, ledger: self }
    }

    fn live(&self) -> usize {
        self.live.lock().unwrap().len()
    }

    fn is_live(&self, id: usize) -> bool {
        self.live.lock().unwrap().contains(&id)
    }
}

struct Counted<'a> {
    id: usize,
    ledger: &'a Ledger,
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        let removed = self.ledger.live.lock().unwrap().remove(&self.id);
        assert!(removed, "value {} dropped twice", self.id);
        self.ledger.drops.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn overwritten_and_removed_values_drop_when_their_last_version_goes() {
    let ledger = Ledger::default();
    let v1 = Trie::new()
        .put("a", ledger.value(1))
        .put("b", ledger.value(2));
    let v2 = v1.put("a", ledger.value(3)); // overwrites 1 in v2 only
    let v3 = v2.remove("b");
    assert_eq!(ledger.live(), 3);
    drop(v1);
    assert!(!ledger.is_live(1), "1 was only in v1");
    assert!(ledger.is_live(2), "2 is still in v2");
    drop(v2);
    assert!(!ledger.is_live(2), "2 was in v1 and v2 only");
    assert!(ledger.is_live(3));
    drop(v3);
    assert_eq!(ledger.live(), 0);
    assert_eq!(ledger.drops.load(Ordering::SeqCst), 3);
}

#[test]
fn guards_keep_values_until_the_last_one_goes() {
    let ledger = Ledger::default();
    let store = TrieStore::new();
    store.put("k", ledger.value(1));
    let guard = store.get("k").unwrap();
    let guard2 = guard.clone();
    store.put("k", ledger.value(2));
    assert!(ledger.is_live(1), "the guard keeps 1");
    drop(guard);
    assert!(ledger.is_live(1), "the clone keeps 1");
    drop(guard2);
    assert!(!ledger.is_live(1), "dropped with the last guard");
    drop(store);
    assert_eq!(ledger.live(), 0);
}

#[test]
fn a_store_under_concurrent_churn_drops_everything_once() {
    let ledger = Ledger::default();
    let ids = AtomicUsize::new(0);
    let store = TrieStore::new();
    let rounds = if cfg!(miri) { 10 } else { 2_000 };
    std::thread::scope(|s| {
        for t in 0..3u8 {
            let (store, ledger, ids) = (&store, &ledger, &ids);
            s.spawn(move || {
                let (mut guards, mut snapshots) = (Vec::new(), Vec::new());
                for i in 0..rounds {
                    let key = [t, (i % 7) as u8];
                    store.put(key, ledger.value(ids.fetch_add(1, Ordering::SeqCst)));
                    if i % 3 == 0 {
                        store.remove([t.wrapping_add(1) % 3, (i % 5) as u8]);
                    }
                    // Hold guards and snapshots for a while, then let them go.
                    if let Some(guard) = store.get([t, (i % 11) as u8]) {
                        guards.push(guard);
                    }
                    if i % 10 == 0 {
                        snapshots.push(store.snapshot());
                    }
                    if guards.len() > 16 {
                        guards.clear();
                        snapshots.clear();
                    }
                }
            });
        }
    });
    // Readers never free: a version a reader held at the last write waits for the next
    // one (root-cell invariant 9), at most one per reader; the threads are gone, so one
    // write frees every replaced version.
    assert!(store.retired_versions() <= 3, "at most one per reader");
    store.put([9], ledger.value(ids.fetch_add(1, Ordering::SeqCst)));
    assert_eq!(store.retired_versions(), 0, "the write freed them");
    let made = ids.load(Ordering::SeqCst);
    let in_store = store.snapshot().len();
    assert_eq!(
        ledger.live(),
        in_store,
        "only the current version's values live"
    );
    drop(store);
    assert_eq!(ledger.live(), 0, "no leak");
    assert_eq!(
        ledger.drops.load(Ordering::SeqCst),
        made,
        "each dropped once"
    );
}
