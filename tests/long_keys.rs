//! Long keys and deep tries on a small thread stack: nothing recurses per key byte or
//! per level (put, get, remove, iteration, drop): promise 5 of the crate docs.
#![cfg(not(loom))]

use cowtrie::{Trie, TrieStore};

/// Far less than a recursion per byte or per level would need for the sizes below.
const SMALL_STACK: usize = 64 * 1024;

fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no stack overflow or panic");
}

#[test]
#[cfg_attr(miri, ignore = "megabyte keys are too slow to interpret")]
fn megabyte_keys_work_on_a_small_stack() {
    on_small_stack(|| {
        let long = vec![0xa5u8; 1 << 20];
        let mut sibling = long.clone();
        *sibling.last_mut().unwrap() = 0;
        let huge = vec![7u8; 16 << 20];

        let trie = Trie::new()
            .put(&long, 1)
            .put(&sibling, 2)
            .put(&long[..1 << 19], 3)
            .put(&huge, 4);
        assert_eq!(trie.get(&long), Some(&1));
        assert_eq!(trie.get(&sibling), Some(&2));
        assert_eq!(trie.get(&long[..1 << 19]), Some(&3));
        assert_eq!(trie.get(&huge), Some(&4));
        assert_eq!(trie.get(&long[..(1 << 20) - 1]), None);
        assert_eq!(trie.scan_prefix(&long[..1000]).count(), 3);
        let keys: Vec<_> = trie.iter().map(|(k, _)| k.len()).collect();
        assert_eq!(keys, [16 << 20, 1 << 19, 1 << 20, 1 << 20], "7.. < 0xa5..");

        let trie = trie.remove(&sibling).remove(&long[..1 << 19]);
        assert_eq!(trie.get(&long), Some(&1));
        assert_eq!(trie.len(), 2);

        let store = TrieStore::from(trie);
        store.put(&long, 5);
        assert_eq!(store.get(&long).as_deref(), Some(&5));
        assert!(store.remove(&huge));
    });
}

/// A trie `DEPTH` branches deep: every prefix of a long key is a key. A recursive walk or
/// drop would need a frame per level, far beyond the small stack.
#[test]
#[cfg_attr(miri, ignore = "thousands of path copies are too slow to interpret")]
fn a_deep_trie_walks_and_drops_on_a_small_stack() {
    const DEPTH: usize = 4_000;
    on_small_stack(|| {
        let key: Vec<u8> = (0..DEPTH).map(|i| (i % 251) as u8).collect();
        let mut trie = Trie::new();
        for end in 1..=DEPTH {
            trie = trie.put(&key[..end], end);
        }
        // Every proper prefix of the longest key is a branch holding a value (DEPTH - 1
        // of them, plus the root), and every key has its leaf.
        assert_eq!(trie.node_count(), 2 * DEPTH);
        assert_eq!(trie.get(&key), Some(&DEPTH));
        assert_eq!(trie.iter().count(), DEPTH);
        assert_eq!(trie.scan_prefix(&key[..DEPTH / 2]).count(), DEPTH / 2 + 1);
        let lengths: Vec<usize> = trie.iter().map(|(_, v)| *v).collect();
        assert!(
            lengths.windows(2).all(|w| w[0] + 1 == w[1]),
            "shorter keys first"
        );

        let older = trie.clone();
        let trie = trie.remove(&key[..DEPTH / 2]).remove(&key);
        assert_eq!(trie.len(), DEPTH - 2);
        assert_eq!(older.len(), DEPTH);
        drop(older);
        drop(trie);
    });
}
