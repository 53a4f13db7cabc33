//! Algebraic laws of the persistent trie, as quickcheck properties over small keys (a
//! three-letter alphabet, so keys nest and collide) and arbitrary values.
#![cfg(not(loom))]

use cowtrie::Trie;
use quickcheck::{quickcheck, Arbitrary, Gen};

/// A key of 0–3 bytes over `a`, `b`, `0xff`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key(Vec<u8>);

impl Arbitrary for Key {
    fn arbitrary(g: &mut Gen) -> Self {
        let len = usize::arbitrary(g) % 4;
        Key((0..len).map(|_| *g.choose(b"ab\xff").unwrap()).collect())
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        Box::new(self.0.shrink().filter(|k| k.len() <= 3).map(Key))
    }
}

fn trie(entries: &[(Key, u32)]) -> Trie<u32> {
    entries.iter().map(|(k, v)| (&k.0, *v)).collect()
}

fn contents(trie: &Trie<u32>) -> Vec<(Vec<u8>, u32)> {
    trie.iter().map(|(k, v)| (k.to_vec(), *v)).collect()
}

quickcheck! {
    fn get_after_put(entries: Vec<(Key, u32)>, key: Key, value: u32) -> bool {
        trie(&entries).put(&key.0, value).get(&key.0) == Some(&value)
    }

    fn put_is_idempotent(entries: Vec<(Key, u32)>, key: Key, value: u32) -> bool {
        let once = trie(&entries).put(&key.0, value);
        once.put(&key.0, value) == once
    }

    fn put_overwrites(entries: Vec<(Key, u32)>, key: Key, first: u32, second: u32) -> bool {
        let t = trie(&entries);
        t.put(&key.0, first).put(&key.0, second) == t.put(&key.0, second)
    }

    fn remove_after_put_forgets_the_key(entries: Vec<(Key, u32)>, key: Key, value: u32) -> bool {
        let t = trie(&entries);
        let removed = t.put(&key.0, value).remove(&key.0);
        removed.get(&key.0).is_none() && removed == t.remove(&key.0)
    }

    fn removing_an_absent_key_is_the_identity(entries: Vec<(Key, u32)>, key: Key) -> bool {
        let t = trie(&entries).remove(&key.0);
        let again = t.remove(&key.0);
        again.ptr_eq(&t) && again == t
    }

    fn operations_on_different_keys_commute(
        entries: Vec<(Key, u32)>, a: Key, b: Key, va: u32, remove_b: bool
    ) -> bool {
        if a == b {
            return true;
        }
        let t = trie(&entries);
        let op_b = |t: &Trie<u32>| if remove_b { t.remove(&b.0) } else { t.put(&b.0, va ^ 1) };
        op_b(&t.put(&a.0, va)) == op_b(&t).put(&a.0, va)
    }

    fn len_counts_distinct_keys(entries: Vec<(Key, u32)>) -> bool {
        let mut keys: Vec<&Key> = entries.iter().map(|(k, _)| k).collect();
        keys.sort();
        keys.dedup();
        trie(&entries).len() == keys.len()
    }

    fn iter_is_sorted_and_unique(entries: Vec<(Key, u32)>) -> bool {
        let t = trie(&entries);
        let keys: Vec<&[u8]> = t.iter().map(|(k, _)| k).collect();
        keys.windows(2).all(|w| w[0] < w[1])
    }

    fn scan_prefix_is_the_filtered_iteration(entries: Vec<(Key, u32)>, prefix: Key) -> bool {
        let t = trie(&entries);
        let scanned: Vec<_> = t.scan_prefix(&prefix.0).map(|(k, v)| (k.to_vec(), *v)).collect();
        let filtered: Vec<_> = contents(&t).into_iter().filter(|(k, _)| k.starts_with(&prefix.0)).collect();
        scanned == filtered
    }

    fn old_versions_never_change(entries: Vec<(Key, u32)>, changes: Vec<(Key, Option<u32>)>) -> bool {
        let original = trie(&entries);
        let before = contents(&original);
        let mut current = original.clone();
        for (key, value) in changes {
            current = match value {
                Some(v) => current.put(&key.0, v),
                None => current.remove(&key.0),
            };
        }
        contents(&original) == before
    }
}
