//! Unit tests that need the crate's private structure: node invariants. (The root
//! cell's are in `src/cell/tests.rs`.)
//! Sizes shrink under Miri, which runs these (`.ci/miri.sh`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::node::{Branch, Child};
use crate::{Trie, TrieStore};

/// `normal`, or `miri` under Miri, which interprets every step.
pub(crate) const fn scaled(normal: usize, miri: usize) -> usize {
    if cfg!(miri) {
        miri
    } else {
        normal
    }
}

/// Asserts branch invariants 1–4 (with the children's own) on every branch, that every
/// leaf sits where its key leads, and that `len` counts the leaves.
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
        branch.children.assert_invariants();
        let labels: Vec<u8> = branch.children.labels().collect();
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
#[cfg_attr(
    miri,
    ignore = "the trie's semantics against a BTreeMap (safe code, no root cell), minutes \
              under Miri; cargo test runs it at full size"
)]
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

/// A lookup compares a branch's segment and a leaf's key tail as words when they are
/// short (`node::same_bytes`): every byte of them counts, at every length on both sides of
/// the word sizes.
#[test]
#[cfg_attr(
    miri,
    ignore = "lookups in safe code, no root cell: 24 s under Miri for the two lookup tests; \
              cargo test runs them"
)]
fn lookups_compare_every_byte_of_segments_and_key_tails() {
    for len in 1..=20usize {
        let key: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
        // One key alone: the root's child under `key[0]` is its leaf.
        let leaf = Trie::new().put(&key, 1);
        // Two keys that part after `key`: a branch whose segment is all of `key`.
        let (mut left, mut right) = (key.clone(), key.clone());
        left.push(b'l');
        right.push(b'r');
        let branch = Trie::new().put(&left, 2).put(&right, 3);
        assert_eq!(leaf.get(&key), Some(&1), "len {len}");
        assert_eq!(branch.get(&left), Some(&2), "len {len}");
        for at in 0..len {
            let mut other = key.clone();
            other[at] ^= 0x80;
            assert_eq!(leaf.get(&other), None, "len {len}, byte {at} differs");
            let mut other = left.clone();
            other[at] ^= 0x80;
            assert_eq!(branch.get(&other), None, "len {len}, segment byte {at}");
        }
        // Shorter and longer lookups than the stored key.
        assert_eq!(leaf.get(&key[..len - 1]), None);
        assert_eq!(leaf.get(&left), None);
        assert_eq!(branch.get(&key), None);
    }
}

/// A lookup in a wide branch finds every child, whether its chunk holds every byte of its
/// run (indexed by the byte alone) or some of them (indexed by counting bits).
#[test]
#[cfg_attr(
    miri,
    ignore = "lookups in safe code, no root cell: 24 s under Miri for the two lookup tests; \
              cargo test runs them"
)]
fn lookups_in_full_and_partial_chunks() {
    let check = |trie: &Trie<u8>, present: &dyn Fn(u8) -> bool| {
        for byte in 0..=255u8 {
            let want = present(byte).then_some(byte);
            assert_eq!(trie.get([7, byte]).copied(), want, "byte {byte}");
        }
    };
    // Every second byte: 128 children, chunked, each chunk half full.
    let mut trie: Trie<u8> = (0..=255u8).step_by(2).map(|b| ([7, b], b)).collect();
    trie = trie.put([9], 0);
    check(&trie, &|b| b % 2 == 0);
    // Every byte: every chunk full.
    trie.extend((1..=255u8).step_by(2).map(|b| ([7, b], b)));
    check(&trie, &|_| true);
    // One gone: its chunk (0x40..=0x5f) partial again, the others still full.
    trie = trie.remove([7, 0x41]);
    check(&trie, &|b| b != 0x41);
}

/// Asserts that `trie` holds exactly `model`'s entries, in order, and passes the node
/// invariants.
fn assert_matches(trie: &Trie<usize>, model: &BTreeMap<Vec<u8>, usize>) {
    assert_invariants(trie);
    let all: Vec<_> = trie.iter().map(|(k, v)| (k, *v)).collect();
    let expected: Vec<_> = model.iter().map(|(k, v)| (&k[..], *v)).collect();
    assert_eq!(all, expected);
}

/// Branches that grow past 32 children are cut into chunks, and merged back into one
/// array when they shrink: both ways, at the root and one level down, lookups,
/// iteration and the invariants hold.
#[test]
fn wide_branches_chunk_and_merge_back() {
    for seed in 0..scaled(6, 1) as u64 {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut trie = Trie::new();
        let mut model = BTreeMap::new();
        let key = |rng: &mut SmallRng| -> Vec<u8> {
            // Any first byte, or 0 or 255 half the time; later ones from 48 values over
            // two chunks (0x70..=0x9f), so branches under 0 and 255 go wide too.
            let len = rng.random_range(0..4);
            let first = match rng.random_range(0..4) {
                0 => 0,
                1 => 255,
                _ => rng.random::<u8>(),
            };
            std::iter::once(first)
                .chain((1..len).map(|_| rng.random_range(0x70..=0x9f)))
                .take(len)
                .collect()
        };
        for step in 0..scaled(1_500, 120) {
            let k = key(&mut rng);
            trie = trie.put(&k, step);
            model.insert(k, step);
            if step % 16 == 0 {
                assert_matches(&trie, &model);
            }
        }
        assert_matches(&trie, &model);
        if !cfg!(miri) {
            let root = trie.root().expect("a root");
            assert!(root.children.len() > 32, "the root went wide");
            let Some(Child::Branch(below)) = root.child(0) else {
                panic!("a branch under 0")
            };
            assert!(
                below.children.len() > 32,
                "a branch below the root went wide"
            );
        }
        let mut keys: Vec<Vec<u8>> = model.keys().cloned().collect();
        keys.shuffle(&mut rng);
        for (i, k) in keys.iter().enumerate() {
            let before = trie.clone();
            trie = trie.remove(k);
            model.remove(k);
            assert!(before.get(k).is_some(), "the old version keeps {k:?}");
            assert_eq!(trie.get(k), None);
            if i % 8 == 0 || model.len() < 40 {
                assert_matches(&trie, &model);
            }
        }
        assert!(trie.root().is_none());
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

/// Counts live values, to see each one dropped exactly once (shared with the root
/// cell's tests).
pub(crate) struct Tracked<'a> {
    pub(crate) id: usize,
    live: &'a AtomicUsize,
}

impl<'a> Tracked<'a> {
    pub(crate) fn new(id: usize, live: &'a AtomicUsize) -> Self {
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

/// Versions sharing chunks of wide branches, dropped in an order that leaves chunks
/// both shared and not: every value goes exactly once.
#[test]
fn values_under_shared_chunks_are_dropped_once() {
    let live = AtomicUsize::new(0);
    let mut rng = SmallRng::seed_from_u64(5);
    let mut versions = vec![Trie::new()];
    let mut keys = Vec::new();
    for id in 0..scaled(600, 80) {
        let last = versions.last().expect("a version");
        let next = if id % 5 == 4 {
            last.remove(keys[rng.random_range(0..keys.len())])
        } else {
            let key = [rng.random::<u8>(), rng.random_range(0..64)];
            keys.push(key);
            last.put(key, Tracked::new(id, &live))
        };
        versions.push(next);
    }
    assert!(versions.last().is_some_and(|last| last.len() > 300) || cfg!(miri));
    versions.shuffle(&mut rng);
    drop(versions);
    assert_eq!(live.load(Ordering::SeqCst), 0, "every value dropped");
}

/// A chain of wide branches, each in a chunk of the one above: dropping it must not
/// recurse per level (chunks are slices, taken apart in place), whether the chain's
/// chunks are held by one version or shared by two.
#[test]
#[cfg(all(feature = "durable", not(feature = "shuttle")))] // `Trie::from_sorted`
#[cfg_attr(miri, ignore = "tens of thousands of nodes are too slow to interpret")]
fn a_chain_of_wide_branches_drops_on_a_small_stack() {
    const DEPTH: usize = 3_000;
    std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(|| {
            // Under `0^i`: the branch to `0^(i+1)` and 33 leaves, so 34 children (chunked).
            let mut entries: Vec<(Vec<u8>, usize)> = (0..DEPTH)
                .flat_map(|i| (1..=33u8).map(move |b| [vec![0; i], vec![b]].concat()))
                .chain([vec![0; DEPTH]])
                .zip(0..)
                .collect();
            entries.sort();
            let trie = Trie::from_sorted(entries);
            let mut node = trie.root().expect("a root");
            for _ in 0..DEPTH - 1 {
                assert!(node.children.len() > 32, "every level is wide");
                let Some(Child::Branch(next)) = node.child(0) else {
                    panic!("the chain goes on under 0")
                };
                node = next;
            }
            // A second version shares every chunk but the changed path's ones.
            let deepest = vec![0; DEPTH];
            let other = trie.put(&deepest[..DEPTH / 2], 7);
            assert_eq!(other.get(&deepest), trie.get(&deepest));
            drop(trie);
            drop(other);
        })
        .expect("spawn")
        .join()
        .expect("no stack overflow or panic");
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

#[test]
fn children_take_no_more_room_than_a_smallvec_of_two() {
    // The form's tag hides in a niche of the inline children: a branch is no bigger
    // than when it held `bitmap`, `below` and a `SmallVec<[Child; 2]>`.
    assert!(std::mem::size_of::<Branch<u64>>() <= 104);
}

/// The reference counts a put touches in shared nodes (`Arc` clones made while copying
/// the path; the old version's drop later undoes as many), averaged over `puts` puts of
/// fresh and of present keys into one trie of `keys` random 16-byte keys.
fn clones_per_put(keys: usize, puts: usize) -> (f64, f64) {
    let mut rng = SmallRng::seed_from_u64(0xC0FFEE);
    let mut random_key = || rng.random::<[u8; 16]>();
    let present: Vec<[u8; 16]> = (0..keys).map(|_| random_key()).collect();
    let trie: Trie<usize> = present.iter().zip(0..).collect();
    let fresh: Vec<[u8; 16]> = (0..puts).map(|_| random_key()).collect();
    let average = |keys: &[[u8; 16]]| {
        let before = crate::node::clones();
        for key in keys {
            drop(trie.put(key, 0));
        }
        (crate::node::clones() - before) as f64 / keys.len() as f64
    };
    (average(&fresh), average(&present[..puts]))
}

#[test]
#[cfg_attr(
    miri,
    ignore = "a count of Arc clones in the trie (safe code, no root cell) that asserts nothing \
              under Miri, where it was the slowest test; cargo test runs it with its bound"
)]
fn a_put_touches_few_reference_counts() {
    let (fresh, present) = clones_per_put(scaled(100_000, 2_000), scaled(10_000, 200));
    eprintln!("Arc clones per put: {fresh:.1} (new key), {present:.1} (present key)");
    // A flat layout cloned ~459 per put here (the root's 256 children, a level-one
    // branch's ~200); chunks bring it to the two changed chunks and the chunk pointers.
    if !cfg!(miri) {
        assert!(fresh < 100.0 && present < 100.0);
    }
}

/// A trie built in one pass from sorted entries (what loading a snapshot does) passes
/// the invariants, holds the entries, and has exactly the shape `put` gives the same
/// keys: nested keys, shared prefixes, the empty key, wide branches.
#[test]
#[cfg(all(feature = "durable", not(feature = "shuttle")))] // `Trie::from_sorted`
fn a_trie_built_from_sorted_entries_is_the_one_put_builds() {
    for seed in 0..scaled(60, 3) as u64 {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut model = BTreeMap::new();
        for step in 0..rng.random_range(0..scaled(200, 30)) {
            let key = if seed % 3 == 0 {
                vec![rng.random::<u8>(), rng.random_range(0..3)]
            } else {
                random_key(&mut rng)
            };
            model.insert(key, step);
        }
        let entries: Vec<(Vec<u8>, usize)> = model.clone().into_iter().collect();
        let built = Trie::from_sorted(entries);
        assert_matches(&built, &model);
        let put = model
            .iter()
            .fold(Trie::new(), |trie, (k, v)| trie.put(k, *v));
        assert_eq!(built.node_count(), put.node_count(), "seed {seed}");
        assert_eq!(built, put);
        for (key, value) in &model {
            assert_eq!(built.get(key), Some(value));
        }
    }
}

/// Puts in place (`Trie::put_in_place`, behind `extend` and write batches) give exactly
/// the shape `put` gives, keep the invariants, and never change a clone taken before
/// them: a node another version shares is copied, not changed (node invariant 5).
#[test]
#[cfg_attr(
    miri,
    ignore = "the trie's semantics against put (safe code, no root cell); cargo test runs it"
)]
fn puts_in_place_give_puts_shape_and_leave_clones_alone() {
    let contents = |t: &Trie<usize>| t.iter().map(|(k, v)| (k.to_vec(), *v)).collect::<Vec<_>>();
    for seed in 0..scaled(40, 2) as u64 {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut owned: Trie<usize> = Trie::new();
        let mut persistent = Trie::new();
        let mut kept = Vec::new();
        for step in 0..scaled(600, 60) {
            // Short keys that nest and share prefixes, and two-byte keys that make wide,
            // chunked branches.
            let key = if rng.random_bool(0.5) {
                random_key(&mut rng)
            } else {
                vec![rng.random::<u8>(), rng.random_range(0..3)]
            };
            if rng.random_bool(0.8) {
                owned.put_in_place(&key, step);
                persistent = persistent.put(&key, step);
            } else {
                if let Some((next, _)) = owned.remove_entry(&key) {
                    owned = next;
                }
                persistent = persistent.remove(&key);
            }
            if rng.random_bool(0.05) {
                kept.push((owned.clone(), contents(&owned)));
            }
            assert_invariants(&owned);
            assert_eq!(
                owned.get(&key),
                persistent.get(&key),
                "seed {seed} step {step}"
            );
        }
        assert_eq!(owned, persistent, "seed {seed}");
        assert_eq!(
            owned.node_count(),
            persistent.node_count(),
            "seed {seed}: one shape"
        );
        for (clone, was) in &kept {
            assert_eq!(&contents(clone), was, "seed {seed}: a clone changed");
            assert_invariants(clone);
        }
    }
}

/// A trie built by `extend` from nothing owns every node it makes, so its puts share
/// almost nothing (a fork shares the leaf it parts from; a grown chunk its other
/// children), while `put` shares every sibling on the path.
#[test]
#[cfg_attr(miri, ignore = "a count of Arc clones (safe code, no root cell)")]
fn puts_in_place_touch_few_reference_counts() {
    let mut rng = SmallRng::seed_from_u64(0xC0FFEE);
    let keys: Vec<[u8; 16]> = (0..scaled(100_000, 2_000)).map(|_| rng.random()).collect();
    let before = crate::node::clones();
    let trie: Trie<usize> = keys.iter().zip(0..).collect();
    let per_put = (crate::node::clones() - before) as f64 / keys.len() as f64;
    let (by_put, _) = clones_per_put(scaled(100_000, 2_000), scaled(10_000, 200));
    eprintln!("Arc clones per put: {per_put:.1} in place, {by_put:.1} copying the path");
    assert_eq!(trie.len(), keys.len());
    if !cfg!(miri) {
        assert!(
            per_put * 4.0 < by_put,
            "{per_put} in place, {by_put} by put"
        );
    }
}
