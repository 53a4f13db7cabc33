//! Unit tests of the cache: the policy tracks exactly the current version, the capacity
//! holds after every write, one pass of cold keys leaves the hot set, a loop a little
//! larger than the capacity still hits, values drop once.
//! Sizes shrink under Miri, which runs these (`.ci/miri.sh`) except the three that test
//! only the policy's choices (safe code): the ones that reach the shared versions,
//! eviction from a held version and the drops stay.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::Cache;
use crate::sync;
use crate::tests::scaled;

/// The policy's books agree with the current version: the same entries, the same
/// weight, and every entry's slot holds that entry's leaf (module invariants 1 and 5).
fn assert_tracks<V>(cache: &Cache<V>) {
    let policy = sync::lock(&cache.policy);
    let snapshot = cache.snapshot();
    let mut weight = 0;
    for (key, value) in snapshot.iter() {
        weight += cache.weigh(key, value);
    }
    assert_eq!(policy.weight(), weight, "tracked weight");
    assert_eq!(policy.tracked(), snapshot.len(), "tracked entries");
    assert!(weight <= cache.capacity(), "weight {weight} over capacity");
    cache.root.read(|trie| {
        for (key, entry) in trie.iter() {
            let leaf = trie.get_leaf(key).expect("iterated key");
            assert!(policy.holds(entry.slot, leaf), "slot of {key:?}");
        }
    });
}

fn key(i: usize) -> [u8; 4] {
    (i as u32).to_be_bytes()
}

#[test]
fn every_write_leaves_the_capacity_and_the_books_right() {
    let cache = Cache::new(8);
    for i in 0..scaled(400, 60) {
        let k = key(i * 7 % 23);
        match i % 5 {
            0 | 1 => cache.put(k, i),
            2 => {
                let _ = cache.get(k);
            }
            3 => {
                cache.remove(k);
            }
            _ => {
                let _ = cache.update(k, |v| v.map(|v| v + 1));
            }
        }
        assert!(cache.len() <= 8);
        assert_tracks(&cache);
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "the policy's choice of victim, safe code; cargo test runs it"
)]
fn a_put_keeps_its_own_key() {
    let cache = Cache::new(3);
    for i in 0..scaled(100, 20) {
        cache.put(key(i), i);
        assert_eq!(cache.get(key(i)).as_deref(), Some(&i));
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "the policy's scan resistance, safe code (37 s under Miri); cargo test runs it"
)]
fn one_pass_of_cold_keys_leaves_the_hot_set() {
    let (capacity, hot, cold) = (scaled(100, 20), scaled(40, 8), scaled(2_000, 200));
    let cache = Cache::new(capacity as u64);
    let access = |k: [u8; 4]| {
        if cache.get(k).is_none() {
            cache.put(k, ());
        }
    };
    for _ in 0..3 {
        (0..hot).for_each(|i| access(key(i)));
    }
    (hot..hot + cold).for_each(|i| access(key(i)));
    let kept = (0..hot).filter(|&i| cache.contains_key(key(i))).count();
    assert_eq!(kept, hot, "the scan flushed {} hot keys", hot - kept);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "the policy's hit ratio on a loop, safe code; cargo test runs it"
)]
fn a_loop_a_little_larger_than_the_capacity_still_hits() {
    // Plain S3-FIFO (and LRU) miss every time here: each key is evicted just before it
    // comes round again, and a ghost hit sends it to the main queue only to push out
    // the key needed next. The sketch's duel keeps most of the loop instead, and the
    // ghost hits, all about one loop deep, leave the small queue at its least.
    let capacity = 200;
    let cache = Cache::new(capacity as u64);
    let keys = capacity * 11 / 10;
    let (mut hits, mut requests) = (0, 0);
    for round in 0..20 {
        for i in 0..keys {
            let hit = cache.get(key(i)).is_some();
            if !hit {
                cache.put(key(i), ());
            }
            if round >= 4 {
                hits += usize::from(hit);
                requests += 1;
            }
        }
    }
    let ratio = hits as f64 / requests as f64;
    assert!(ratio > 0.8, "hit ratio {ratio:.3} on a loop of {keys} keys");
    let small = sync::lock(&cache.policy).small_target();
    assert_eq!(small, capacity as u64 / 100, "the small queue's share");
    assert_tracks(&cache);
}

#[test]
fn weights_count_against_the_capacity() {
    let cache = Cache::builder(10).weigher(|_, v: &u64| *v).build();
    cache.put("a", 4);
    cache.put("b", 4);
    cache.put("c", 4);
    assert!(cache.weight() <= 10);
    assert_eq!(cache.get("c").as_deref(), Some(&4));
    cache.put("c", 11); // too heavy: removes the old value
    assert!(!cache.contains_key("c"));
    assert_tracks(&cache);
    cache.put("d", 10);
    assert_eq!(cache.len(), 1);
    assert_tracks(&cache);
}

#[test]
fn evicted_values_drop_once_after_their_last_guard() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Counted;
    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::Relaxed);
        }
    }
    let cache = Cache::new(2);
    cache.put("a", Counted);
    let guard = cache.get("a").expect("just put");
    let snapshot = cache.snapshot();
    let mut created = 1;
    while cache.contains_key("a") {
        assert!(created < 50, "a is never evicted");
        cache.put(key(created), Counted);
        let _ = cache.get(key(created)); // read once: moves on to the main queue
        created += 1;
    }
    assert!(snapshot.contains_key("a"));
    let gone = || DROPS.load(Ordering::Relaxed);
    assert_eq!(gone(), created - cache.len() - 1, "all evicted but a, held");
    drop(guard);
    assert_eq!(
        gone(),
        created - cache.len() - 1,
        "the snapshot still holds a"
    );
    drop(snapshot);
    assert_eq!(gone(), created - cache.len());
    drop(cache);
    assert_eq!(gone(), created);
}
