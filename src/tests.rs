//! Unit tests that need the crate's private structure: node invariants and the root cell.
//! Sizes shrink under Miri, which runs these (`.ci/miri.sh`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::cell::ReadSection;
use crate::node::{Branch, Child};
use crate::{RootCell, Trie, TrieStore};

const fn scaled(normal: usize, miri: usize) -> usize {
    if cfg!(miri) {
        miri
    } else {
        normal
    }
}

/// Asserts branch invariants 1–4 on every branch, that every leaf sits where its key
/// leads, and that `len` counts the leaves.
fn assert_invariants<V>(trie: &Trie<V>) {
    let mut values = 0;
    // Each branch with its path (the key bytes down to and including its segment).
    let mut stack: Vec<(&Branch<V>, Vec<u8>, bool)> = Vec::new();
    if let Some(root) = trie.root() {
        assert!(root.segment.is_empty(), "root segment must be empty");
        assert!(
            root.value.is_some() || !root.children.is_empty(),
            "an empty trie has no root"
        );
        stack.push((root, Vec::new(), true));
    }
    while let Some((branch, path, is_root)) = stack.pop() {
        if let Some(leaf) = &branch.value {
            values += 1;
            assert_eq!(
                &leaf.key[..],
                &path[..],
                "a branch's value has the path as key"
            );
        }
        let labels: Vec<u8> = branch.labels().collect();
        assert_eq!(labels.len(), branch.children.len(), "one child per bit");
        for (label, child) in labels.into_iter().zip(branch.children.iter()) {
            assert!(matches!(branch.child(label), Some(c) if std::ptr::eq(c, child)));
            match child {
                Child::Leaf(leaf) => {
                    values += 1;
                    assert!(
                        leaf.key.starts_with(&path),
                        "a leaf's key starts with the path"
                    );
                    assert_eq!(leaf.key.get(path.len()), Some(&label), "and then its label");
                }
                Child::Branch(child) => {
                    assert_eq!(child.segment.first(), Some(&label), "label is first byte");
                    let mut below = path.clone();
                    below.extend_from_slice(&child.segment);
                    stack.push((child, below, false));
                }
            }
        }
        if !is_root {
            let entries = usize::from(branch.value.is_some()) + branch.children.len();
            assert!(entries >= 2, "a non-root branch has >= 2 entries");
        }
    }
    assert_eq!(values, trie.len());
}

fn random_key(rng: &mut SmallRng) -> Vec<u8> {
    // A tiny alphabet and short keys, so keys collide, nest and share prefixes.
    let len = rng.random_range(0..6);
    (0..len)
        .map(|_| b"ab\xff"[rng.random_range(0..3)])
        .collect()
}

#[test]
fn random_ops_match_a_btreemap_and_keep_invariants() {
    for seed in 0..scaled(40, 2) as u64 {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut trie = Trie::new();
        let mut model = BTreeMap::new();
        for step in 0..scaled(400, 60) {
            let key = random_key(&mut rng);
            if rng.random_bool(0.6) {
                trie = trie.put(&key, step);
                model.insert(key.clone(), step);
            } else {
                trie = trie.remove(&key);
                model.remove(&key);
            }
            assert_invariants(&trie);
            assert_eq!(trie.get(&key), model.get(&key), "seed {seed} step {step}");
            assert_eq!(trie.len(), model.len());
        }
        let all: Vec<_> = trie.iter().map(|(k, v)| (k, *v)).collect();
        let expected: Vec<_> = model.iter().map(|(k, v)| (&k[..], *v)).collect();
        assert_eq!(all, expected, "seed {seed}");
        for _ in 0..20 {
            let prefix = random_key(&mut rng);
            let got: Vec<_> = trie.scan_prefix(&prefix).map(|(k, _)| k).collect();
            let want: Vec<_> = model
                .keys()
                .filter(|k| k.starts_with(&prefix))
                .map(Vec::as_slice)
                .collect();
            assert_eq!(got, want, "seed {seed} prefix {prefix:?}");
        }
    }
}

#[test]
fn removing_everything_leaves_no_root() {
    let keys: [&[u8]; 6] = [b"", b"a", b"ab", b"abc", b"abd", b"b"];
    let mut trie = Trie::new();
    for key in keys {
        trie = trie.put(key, ());
    }
    for key in keys.iter().rev() {
        trie = trie.remove(key);
        assert_invariants(&trie);
    }
    assert!(trie.root().is_none());
    assert_eq!(trie.node_count(), 0);
}

/// Counts live values, to see each one dropped exactly once.
struct Tracked<'a> {
    id: usize,
    live: &'a AtomicUsize,
}

impl<'a> Tracked<'a> {
    fn new(id: usize, live: &'a AtomicUsize) -> Self {
        live.fetch_add(1, Ordering::SeqCst);
        Self { id, live }
    }
}

impl Drop for Tracked<'_> {
    fn drop(&mut self) {
        let before = self.live.fetch_sub(1, Ordering::SeqCst);
        assert!(before > 0, "value {} dropped twice", self.id);
    }
}

#[test]
fn root_cell_readers_see_whole_versions_and_every_old_value_is_dropped_once() {
    let live = AtomicUsize::new(0);
    // Version `n` holds `n % 8` values with ids `0..n % 8`.
    let cell = RootCell::new((0, Vec::new()));
    let writes = scaled(2_000, 30);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let mut last = 0;
                for _ in 0..writes {
                    let version = cell.read(|(n, values): &(usize, Vec<Tracked>)| {
                        assert_eq!(values.len(), n % 8, "version {n} is whole");
                        assert!(values.iter().enumerate().all(|(i, t)| t.id == i));
                        *n
                    });
                    assert!(version >= last, "versions go forward");
                    last = version;
                }
            });
        }
        s.spawn(|| {
            for n in 1..=writes {
                let mut writer = cell.write();
                assert_eq!(writer.current().0, n - 1);
                let values = (0..n % 8).map(|i| Tracked::new(i, &live)).collect();
                let old = writer.publish((n, values));
                drop(writer);
                assert_eq!(old.0, n - 1);
                drop(old);
            }
        });
    });
    drop(cell);
    assert_eq!(live.load(Ordering::SeqCst), 0, "every value dropped");
}

/// Root-cell invariant 7: a writer waits for the readers inside when it starts, not for
/// readers arriving while it waits. Readers relay on one thread, so on one counter
/// stripe: a new section opens before the one ahead of it closes, and the stripe is never
/// empty. The writer can only finish if the epoch steers newcomers to the parity it is
/// not draining. The deadline only decides when to give up on a starved writer; a correct
/// cell lets it through within a few handoffs.
#[test]
fn a_writer_is_not_starved_by_readers_that_keep_overlapping() {
    let cell = RootCell::new(0u64);
    let published = AtomicBool::new(false);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    std::thread::scope(|s| {
        let mut inside = ReadSection::enter(&cell);
        let writer = s.spawn(|| {
            let old = cell.write().publish(1);
            published.store(true, Ordering::Release);
            old
        });
        let mut handoffs = 0u64;
        while !published.load(Ordering::Acquire) && std::time::Instant::now() < deadline {
            let next = ReadSection::enter(&cell);
            drop(std::mem::replace(&mut inside, next));
            handoffs += 1;
            std::thread::yield_now();
        }
        let starved = !published.load(Ordering::Acquire);
        // Close the last section, so a starved writer finishes and the scope can end.
        drop(inside);
        assert_eq!(writer.join().unwrap(), 0);
        assert!(
            !starved,
            "the writer still waited after {handoffs} handoffs"
        );
    });
    assert_eq!(cell.read(|v| *v), 1);
}

#[test]
fn store_writers_lose_no_update() {
    let store = TrieStore::new();
    let per_thread = scaled(500, 20);
    std::thread::scope(|s| {
        for t in 0..3u8 {
            let store = &store;
            s.spawn(move || {
                for i in 0..per_thread {
                    store.put([t, (i % 256) as u8, (i / 256) as u8], i);
                    let _ = store.get([t ^ 1, 0, 0]);
                }
            });
        }
    });
    let snapshot = store.snapshot();
    assert_invariants(&snapshot);
    assert_eq!(snapshot.len(), 3 * per_thread);
}
