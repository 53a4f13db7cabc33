//! Sequential semantics of `Trie`: the intent of the classic BusTub primer trie tests,
//! plus structural sharing and ordered iteration.
#![cfg(not(loom))]

use cowtrie::Trie;

/// Fewer keys under Miri, which interprets every step.
const fn scaled(normal: u32, miri: u32) -> u32 {
    if cfg!(miri) {
        miri
    } else {
        normal
    }
}

fn keys<V>(trie: &Trie<V>) -> Vec<Vec<u8>> {
    trie.iter().map(|(k, _)| k.to_vec()).collect()
}

#[test]
fn put_and_get_several_value_types() {
    let ints = Trie::new()
        .put("test-int", 233u32)
        .put("test-int2", 23_333_333u32);
    assert_eq!(ints.get("test-int"), Some(&233));
    assert_eq!(ints.get("test-int2"), Some(&23_333_333));
    assert_eq!(ints.get("test-int3"), None);
    assert_eq!(ints.get("test-in"), None);

    let wide = Trie::new().put("u64", u64::MAX).put("i128", u64::MIN);
    assert_eq!(wide.get("u64"), Some(&u64::MAX));

    let strings = Trie::new().put("test-string", String::from("test"));
    assert_eq!(strings.get("test-string").map(String::as_str), Some("test"));

    let bytes = Trie::new().put([0u8, 255, 0], vec![1u8, 2]);
    assert_eq!(bytes.get([0u8, 255, 0]), Some(&vec![1, 2]));
    assert_eq!(bytes.get([0u8, 255]), None);
}

#[test]
fn empty_key_lives_at_the_root() {
    let trie = Trie::new().put("", "empty-key");
    assert_eq!(trie.get(""), Some(&"empty-key"));
    assert_eq!(trie.len(), 1);
    let trie = trie.put("a", "a").put("", "replaced");
    assert_eq!(trie.get(""), Some(&"replaced"));
    assert_eq!(keys(&trie), [b"".to_vec(), b"a".to_vec()]);
    let trie = trie.remove("");
    assert_eq!(trie.get(""), None);
    assert_eq!(trie.get("a"), Some(&"a"));
}

#[test]
fn put_overwrites_and_keeps_len() {
    let t1 = Trie::new().put("test-int", 233);
    let t2 = t1.put("test-int", 2333);
    assert_eq!(t2.get("test-int"), Some(&2333));
    assert_eq!(t1.get("test-int"), Some(&233));
    assert_eq!(t2.len(), 1);
}

#[test]
fn one_path_with_values_at_several_depths() {
    let trie = Trie::new()
        .put("111", 111)
        .put("11", 11)
        .put("1111", 1111)
        .put("11", 22);
    assert_eq!(trie.get("1"), None);
    assert_eq!(trie.get("11"), Some(&22));
    assert_eq!(trie.get("111"), Some(&111));
    assert_eq!(trie.get("1111"), Some(&1111));
    assert_eq!(trie.get("11111"), None);
    assert_eq!(trie.len(), 3);
}

#[test]
fn remove_in_both_orders_prunes_everything() {
    let full = Trie::new().put("test", 2333).put("te", 23).put("tes", 233);
    for order in [["test", "tes", "te"], ["te", "tes", "test"]] {
        let mut trie = full.clone();
        for (i, key) in order.iter().enumerate() {
            trie = trie.remove(key);
            assert_eq!(trie.get(key), None);
            for rest in &order[i + 1..] {
                assert!(trie.get(rest).is_some(), "{rest} survives removing {key}");
            }
        }
        assert!(trie.is_empty());
        assert_eq!(trie.node_count(), 0, "every node pruned");
        assert_eq!(trie, Trie::new());
    }
}

#[test]
fn remove_prunes_exactly_the_dead_branch() {
    let trie = Trie::new().put("abc", 1).put("abd", 2).put("x", 3);
    let before = trie.node_count();
    // Removing "abd" leaves "ab" with one child, which merges with "c".
    let after = trie.remove("abd");
    assert!(after.node_count() < before);
    assert_eq!(after, Trie::new().put("abc", 1).put("x", 3));
    assert_eq!(
        after.node_count(),
        Trie::new().put("abc", 1).put("x", 3).node_count(),
        "removal leaves the same shape as never having inserted"
    );
}

#[test]
fn remove_of_an_absent_key_shares_the_root() {
    let trie = Trie::new().put("test", 1).put("tea", 2);
    for absent in ["", "t", "te", "tes", "testing", "x", "tea\0"] {
        let same = trie.remove(absent);
        assert!(
            same.ptr_eq(&trie),
            "removing {absent:?} returns the same version"
        );
        assert_eq!(same.len(), 2);
    }
    assert!(Trie::<u8>::new().remove("a").is_empty());
}

#[test]
fn copy_on_write_keeps_every_version_intact() {
    let empty = Trie::new();
    let t1 = empty.put("test", 2333);
    let t2 = t1.put("te", 23);
    let t3 = t2.put("tes", 233);
    let t4 = t3.remove("te");
    let t5 = t3.remove("tes");
    let t6 = t3.remove("test");

    assert!(empty.is_empty());
    assert_eq!(t1.get("test"), Some(&2333));
    assert_eq!(t1.get("te"), None);
    assert_eq!((t2.get("te"), t2.get("tes")), (Some(&23), None));
    assert_eq!(
        (t3.get("te"), t3.get("tes"), t3.get("test")),
        (Some(&23), Some(&233), Some(&2333))
    );
    assert_eq!(
        (t4.get("te"), t4.get("tes"), t4.get("test")),
        (None, Some(&233), Some(&2333))
    );
    assert_eq!(
        (t5.get("te"), t5.get("tes"), t5.get("test")),
        (Some(&23), None, Some(&2333))
    );
    assert_eq!(
        (t6.get("te"), t6.get("tes"), t6.get("test")),
        (Some(&23), Some(&233), None)
    );
}

#[test]
fn copy_on_write_after_overwrite_and_with_a_root_value() {
    let t1 = Trie::new().put("", 1).put("te", 23).put("tes", 233);
    let t2 = t1.put("te", 24).put("", 2);
    let t3 = t2.remove("").put("tes", 234);
    assert_eq!(
        (t1.get(""), t1.get("te"), t1.get("tes")),
        (Some(&1), Some(&23), Some(&233))
    );
    assert_eq!(
        (t2.get(""), t2.get("te"), t2.get("tes")),
        (Some(&2), Some(&24), Some(&233))
    );
    assert_eq!(
        (t3.get(""), t3.get("te"), t3.get("tes")),
        (None, Some(&24), Some(&234))
    );
}

#[test]
fn values_keep_their_address_across_versions() {
    let t1 = Trie::new().put("stable", 7u64);
    let before: *const u64 = t1.get("stable").unwrap();
    let t2 = t1.put("other", 8).put("stab", 9).remove("other");
    let after: *const u64 = t2.get("stable").unwrap();
    assert_eq!(before, after, "untouched values are shared, not copied");
}

#[test]
fn non_copyable_values() {
    let t1 = Trie::new().put("boxed", Box::new(5u32));
    let t2 = t1.put("other", Box::new(6u32));
    assert_eq!(t2.get("boxed").map(|b| **b), Some(5));

    type Op = Box<dyn Fn(u32) -> u32 + Send + Sync>;
    let add: Trie<Op> = Trie::new().put("inc", Box::new(|x: u32| x + 1) as Op);
    let add = add.put("double", Box::new(|x: u32| x * 2));
    assert_eq!(add.get("inc").map(|f| f(41)), Some(42));
    assert_eq!(add.get("double").map(|f| f(21)), Some(42));
}

#[test]
fn mixed_workload_of_23333_keys_keeps_three_versions() {
    const N: u32 = scaled(23_333, 300);
    let key = |i: u32| format!("{i:05}");
    let mut trie = Trie::new();
    for i in 0..N {
        trie = trie.put(key(i), format!("value-{i:08}"));
    }
    let full = trie.clone();
    for i in (0..N).step_by(2) {
        trie = trie.put(key(i), format!("new-value-{i:08}"));
    }
    let overwritten = trie.clone();
    for i in (0..N).step_by(3) {
        trie = trie.remove(key(i));
    }
    let last = trie;

    for i in 0..N {
        let k = key(i);
        assert_eq!(full.get(&k), Some(&format!("value-{i:08}")));
        let expected = if i % 2 == 0 {
            format!("new-value-{i:08}")
        } else {
            format!("value-{i:08}")
        };
        assert_eq!(overwritten.get(&k), Some(&expected));
        if i % 3 == 0 {
            assert_eq!(last.get(&k), None);
        } else {
            assert_eq!(last.get(&k), Some(&expected));
        }
    }
    assert_eq!(full.len(), N as usize);
    assert_eq!(overwritten.len(), N as usize);
    assert_eq!(last.len(), (N - N.div_ceil(3)) as usize);
    assert_eq!(last.iter().count(), last.len());
}

#[test]
fn put_allocates_only_the_nodes_on_the_keys_path() {
    let n = scaled(10_000, 300);
    let big: Trie<u32> = (0..n).map(|i| (format!("key/{i}"), i)).collect();
    let total = big.node_count();
    let existing = format!("key/{}", n * 42 / 100);

    // Overwriting an existing key copies exactly its path: root .. node of the key.
    let next = big.put(&existing, 0);
    let fresh = next.node_count() - next.shared_nodes(&big);
    let depth = path_length(&next, &existing);
    assert_eq!(fresh, depth, "only the {depth} nodes on the path are new");
    assert_eq!(next.node_count(), total);
    assert!(fresh <= 6, "a path in a {n}-key trie is short, got {fresh}");

    // A key branching inside a compressed segment also splits that segment: one more.
    let branching = format!("{existing}0");
    let split = big.put(&branching, 1);
    let fresh = split.node_count() - split.shared_nodes(&big);
    assert!(fresh <= path_length(&split, &branching) + 1);

    // The old version shares everything it still has in common.
    assert_eq!(big.shared_nodes(&next), total - depth);
}

/// The number of nodes from the root down to the node holding `key`, computed from the
/// public API alone: in a path-compressed trie a node stands at a prefix `p` of `key`
/// exactly when `p` is empty (the root), is itself a stored key, or is where keys that
/// start with `p` diverge.
fn path_length<V>(trie: &Trie<V>, key: &str) -> usize {
    let key = key.as_bytes();
    (0..=key.len())
        .filter(|&end| {
            let p = &key[..end];
            if end == 0 || trie.get(p).is_some() {
                return true;
            }
            let next_bytes: std::collections::BTreeSet<u8> = trie
                .scan_prefix(p)
                .filter_map(|(k, _)| k.get(end).copied())
                .collect();
            next_bytes.len() >= 2
        })
        .count()
}

#[test]
fn iter_is_sorted_by_bytes_and_yields_each_key_once() {
    let raw: [&[u8]; 9] = [
        b"b", b"", b"a\xff", b"a", b"ab", b"\x00", b"a\x00", b"ba", b"\xff",
    ];
    let trie: Trie<usize> = raw.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let mut expected: Vec<Vec<u8>> = raw.iter().map(|k| k.to_vec()).collect();
    expected.sort();
    assert_eq!(keys(&trie), expected);
    for (k, v) in &trie {
        assert_eq!(raw[*v], k);
    }
}

#[test]
fn iteration_lends_keys_from_the_trie_in_byte_order() {
    // Inserted out of order, with shared prefixes, the empty key and high bytes.
    let raw: [&[u8]; 8] = [b"ten", b"\xff", b"tea", b"", b"t\x00", b"to", b"te", b"a"];
    let trie: Trie<usize> = raw.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let expected: [&[u8]; 8] = [b"", b"a", b"t\x00", b"te", b"tea", b"ten", b"to", b"\xff"];

    // The items are `&[u8]` borrowed from `trie`: no owned copy is made.
    let keys: Vec<&[u8]> = trie.iter().map(|(key, _)| key).collect();
    assert_eq!(keys, expected, "every key once, in byte order");
    assert!(
        keys.windows(2).all(|pair| pair[0] < pair[1]),
        "strictly ascending"
    );
    for (key, value) in &trie {
        assert_eq!(key, raw[*value], "each key comes with its own value");
    }
    // A key borrowed from one entry stays valid while the walk goes on.
    let mut entries = trie.scan_prefix("te");
    let first = entries.next().map(|(key, _)| key);
    let rest: Vec<&[u8]> = entries.map(|(key, _)| key).collect();
    assert_eq!(first, Some(&b"te"[..]));
    assert_eq!(rest, [&b"tea"[..], b"ten"]);

    // The same leaf backs the key on every walk and in every version sharing it.
    let later = trie.put("zzz", 99);
    let here = trie
        .iter()
        .find(|(key, _)| *key == b"tea")
        .map(|(key, _)| key.as_ptr());
    let there = later
        .iter()
        .find(|(key, _)| *key == b"tea")
        .map(|(key, _)| key.as_ptr());
    assert_eq!(here, there, "keys are lent from shared leaves, not copied");
}

#[test]
fn iter_size_hint_is_exact_for_a_whole_trie() {
    let trie: Trie<u32> = ["car", "cart", "carton", "cat", "dog"]
        .into_iter()
        .zip(0..)
        .collect();
    let mut all = trie.iter();
    for left in (0..=5).rev() {
        assert_eq!(all.size_hint(), (left, Some(left)));
        all.next();
    }
    assert_eq!(all.next(), None);
    assert_eq!(all.next(), None, "fused");
    assert_eq!(trie.scan_prefix("x").size_hint(), (0, Some(0)));
}

#[test]
fn scan_prefix_matches_the_filtered_iteration() {
    let trie: Trie<u32> = ["car", "cart", "carton", "cat", "ca", "dog", "", "c"]
        .into_iter()
        .zip(0..)
        .collect();
    for prefix in [
        "", "c", "ca", "car", "cart", "carto", "carton", "cartons", "d", "x", "cb",
    ] {
        let scanned: Vec<_> = trie.scan_prefix(prefix).map(|(k, v)| (k, *v)).collect();
        let filtered: Vec<_> = trie
            .iter()
            .filter(|(k, _)| k.starts_with(prefix.as_bytes()))
            .map(|(k, v)| (k, *v))
            .collect();
        assert_eq!(scanned, filtered, "prefix {prefix:?}");
    }
    assert_eq!(trie.scan_prefix("car").count(), 3);
    assert_eq!(Trie::<u8>::new().scan_prefix("").count(), 0);
}

#[test]
fn debug_prints_an_escaped_map() {
    let trie = Trie::new().put("a\n", 1).put([0xffu8], 2);
    assert_eq!(format!("{trie:?}"), r#"{b"a\n": 1, b"\xff": 2}"#);
}

#[test]
fn is_empty_len_and_equality_follow_the_keys() {
    let empty: Trie<u32> = Trie::new();
    assert!(empty.is_empty());
    let one = empty.put("k", 1);
    assert!(!one.is_empty());
    assert!(one.remove("k").is_empty());

    // Equal contents built differently are equal; one differing value, one extra key or
    // the same length with a different key is not.
    let a: Trie<u32> = [("x", 1), ("y", 2)].into_iter().collect();
    let b: Trie<u32> = [("y", 2), ("x", 1)].into_iter().collect();
    assert!(!a.ptr_eq(&b));
    assert_eq!(a, b);
    assert_ne!(a, b.put("x", 9));
    assert_ne!(a, b.put("z", 3));
    assert_ne!(a, b.remove("y").put("z", 2));
    assert_ne!(a.put("z", 3), b);
}

#[test]
fn ptr_eq_tells_versions_apart() {
    let empty: Trie<u32> = Trie::new();
    let one = empty.put("k", 1);
    assert!(empty.ptr_eq(&Trie::new()));
    assert!(one.ptr_eq(&one.clone()));
    assert!(!one.ptr_eq(&empty) && !empty.ptr_eq(&one));
    assert!(
        !one.ptr_eq(&empty.put("k", 1)),
        "equal contents, different versions"
    );
}

#[test]
fn a_reference_to_a_trie_iterates_like_iter() {
    let trie: Trie<u32> = [("b", 2), ("a", 1)].into_iter().collect();
    let mut seen = Vec::new();
    for (key, value) in &trie {
        seen.push((key, *value));
    }
    assert_eq!(seen, [(&b"a"[..], 1), (b"b", 2)]);
}

#[test]
fn scan_prefix_that_leaves_a_segment_finds_nothing() {
    // Path "ab" is one compressed segment with children 'c' (a branch) and 'd'. The
    // prefix "ac" parts from the segment after "a"; its next byte 'c' is also a child
    // label of that branch, which must not make the scan look below it.
    let trie: Trie<u32> = [("abc1", 1), ("abc2", 2), ("abd", 3)].into_iter().collect();
    for prefix in ["ac", "ac1", "ad", "abe", "b"] {
        assert_eq!(trie.scan_prefix(prefix).count(), 0, "prefix {prefix:?}");
    }
    assert_eq!(trie.scan_prefix("abc").count(), 2);
    assert_eq!(trie.scan_prefix("a").count(), 3);
}

/// `range` gives exactly what `BTreeMap::range` gives over the same keys, for every kind
/// of bound (included, excluded, none; bounds that are keys, prefixes of keys, between
/// keys, past every key; ranges that end before they start, which are empty), walked
/// forward, backward, and from both ends in turn until they meet.
#[test]
fn range_matches_a_btreemap_from_both_ends() {
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};
    use std::collections::BTreeMap;
    use std::ops::Bound;

    fn key(rng: &mut SmallRng) -> Vec<u8> {
        // A small alphabet and short keys, so keys nest and share prefixes; 0x00 and
        // 0xff test the ends of the byte order.
        let len = rng.random_range(0..5);
        (0..len)
            .map(|_| b"\x00ab\xff"[rng.random_range(0..4)])
            .collect()
    }
    fn bound(rng: &mut SmallRng) -> Bound<Vec<u8>> {
        match rng.random_range(0..5) {
            0 => Bound::Unbounded,
            1 | 2 => Bound::Included(key(rng)),
            _ => Bound::Excluded(key(rng)),
        }
    }
    for seed in 0..scaled(200, 4) as u64 {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut model = BTreeMap::new();
        let size = rng.random_range(0..scaled(120, 20));
        for i in 0..size {
            model.insert(key(&mut rng), i);
        }
        // Wide branches too: two-byte keys under every first byte.
        if seed % 4 == 0 {
            for b in 0..=255u8 {
                model.insert(vec![b, b % 3], 1000 + u32::from(b));
            }
        }
        let trie: Trie<u32> = model.iter().map(|(k, v)| (k, *v)).collect();
        for _ in 0..20 {
            let (lower, upper) = (bound(&mut rng), bound(&mut rng));
            let as_slices = (
                lower.as_ref().map(Vec::as_slice),
                upper.as_ref().map(Vec::as_slice),
            );
            let empty = match (&lower, &upper) {
                (Bound::Included(l), Bound::Included(u)) => l > u,
                (Bound::Included(l) | Bound::Excluded(l), Bound::Excluded(u))
                | (Bound::Excluded(l), Bound::Included(u)) => l >= u,
                _ => false,
            };
            let want: Vec<(Vec<u8>, u32)> = if empty {
                Vec::new()
            } else {
                model
                    .range::<[u8], _>(as_slices)
                    .map(|(k, v)| (k.clone(), *v))
                    .collect()
            };
            let case = format!("seed {seed}, range {lower:?}..{upper:?}");
            let owned = |(k, v): (&[u8], &u32)| (k.to_vec(), *v);
            let forward: Vec<_> = trie.range::<[u8]>(as_slices).map(owned).collect();
            assert_eq!(forward, want, "forward, {case}");
            let mut backward: Vec<_> = trie.range::<[u8]>(as_slices).rev().map(owned).collect();
            backward.reverse();
            assert_eq!(backward, want, "backward, {case}");
            // From both ends, in a random alternation, until both are exhausted.
            let mut range = trie.range::<[u8]>(as_slices);
            let (mut front, mut back) = (Vec::new(), Vec::new());
            loop {
                let item = if rng.random_bool(0.5) {
                    range.next().map(|e| front.push(owned(e)))
                } else {
                    range.next_back().map(|e| back.push(owned(e)))
                };
                if item.is_none() {
                    break;
                }
            }
            // One end ran out where the other had been: the rest of the other end's
            // walk is what it still has.
            front.extend(range.by_ref().map(owned));
            let mut rest: Vec<_> = range.rev().map(owned).collect();
            rest.reverse();
            back.reverse();
            front.extend(rest);
            front.extend(back);
            assert_eq!(front, want, "both ends, {case}");
        }
    }
}

/// A prefix scan's size hint is a true lower bound at every step, never zero while an
/// entry remains (so `collect` reserves something), and exact for a whole trie.
#[test]
fn a_scan_hints_at_least_one_entry_while_any_remain() {
    let trie: Trie<u32> = ["car", "cart", "cat", "cattle", "dog", "do", "zebra"]
        .into_iter()
        .zip(0..)
        .collect();
    for prefix in ["", "c", "ca", "cat", "d", "do", "z", "x"] {
        let mut scan = trie.scan_prefix(prefix);
        let mut left = trie.scan_prefix(prefix).count();
        loop {
            let (lower, upper) = scan.size_hint();
            assert!(
                lower <= left,
                "prefix {prefix:?}: hint {lower} above the {left} left"
            );
            assert!(
                upper.map_or(true, |upper| upper >= left),
                "prefix {prefix:?}"
            );
            assert_eq!(
                lower == 0,
                left == 0,
                "prefix {prefix:?}: {left} left, hint {lower}"
            );
            if scan.next().is_none() {
                break;
            }
            left -= 1;
        }
    }
}

/// `take` removes a key and hands back its entry, which outlives both versions; an
/// absent key gives `None`.
#[test]
fn take_removes_a_key_and_returns_its_entry() {
    let trie: Trie<String> = [("a", "one"), ("ab", "two"), ("b", "three")]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    let (without, taken) = trie.take("ab").expect("present");
    assert_eq!((taken.key(), taken.as_str()), (&b"ab"[..], "two"));
    assert_eq!(without.len(), 2);
    assert_eq!(without.get("ab"), None);
    assert_eq!(without.get("a").map(String::as_str), Some("one"));
    assert_eq!(
        trie.get("ab").map(String::as_str),
        Some("two"),
        "the old version keeps it"
    );
    assert!(without.take("ab").is_none());
    assert!(trie.take("abc").is_none());
    drop((trie, without));
    assert_eq!(taken.as_str(), "two", "the entry outlives both versions");
}
