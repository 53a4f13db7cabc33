//! Property tests of the bounded store's sequential behaviour: after every write the
//! capacity holds; a read never returns a value that was overwritten, removed or evicted
//! (evicted keys never come back); a put keeps its own key; guards and snapshots of
//! evicted entries keep what they held. Each step compares the whole current version with
//! what the operations so far allow.
#![cfg(not(loom))]

use std::collections::BTreeMap;

use cowtrie::cache::{Cache, CacheGuard, CacheSnapshot};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Step {
    Put(u8),
    Get(u8),
    Remove(u8),
    Update(u8),
    Cas(u8, bool),
    Snapshot,
}

fn step() -> impl Strategy<Value = Step> {
    let key = 0u8..12;
    prop_oneof![
        4 => key.clone().prop_map(Step::Put),
        4 => key.clone().prop_map(Step::Get),
        1 => key.clone().prop_map(Step::Remove),
        1 => key.clone().prop_map(Step::Update),
        1 => (key, any::<bool>()).prop_map(|(k, b)| Step::Cas(k, b)),
        1 => Just(Step::Snapshot),
    ]
}

type Contents = BTreeMap<Vec<u8>, u64>;

fn contents(snapshot: &CacheSnapshot<u64>) -> Contents {
    snapshot.iter().map(|(k, v)| (k.to_vec(), *v)).collect()
}

/// Runs `steps` on a cache of `capacity`, checking after each one.
fn run(capacity: u64, steps: &[Step]) -> Result<(), TestCaseError> {
    let cache = Cache::new(capacity);
    // What may be present: the current version is always a subset, with equal values.
    let mut allowed = Contents::new();
    let mut guards: Vec<(CacheGuard<u64>, u64)> = Vec::new();
    let mut snapshots: Vec<(CacheSnapshot<u64>, Contents)> = Vec::new();
    let mut next = 0u64;
    // A value `seen` by an operation on `key` must be the allowed one.
    let check_seen = |allowed: &Contents, key: &[u8], seen: Option<&CacheGuard<u64>>| {
        if let Some(guard) = seen {
            prop_assert_eq!(
                allowed.get(key),
                Some(&**guard),
                "stale value for {:?}",
                key
            );
        }
        Ok(())
    };
    for step in steps {
        next += 1;
        match step {
            Step::Put(k) => {
                cache.put([*k], next);
                allowed.insert(vec![*k], next);
                let kept = cache.get([*k]).map(|g| *g);
                prop_assert_eq!(kept, Some(next), "put lost its key");
            }
            Step::Get(k) => {
                let seen = cache.get([*k]);
                check_seen(&allowed, &[*k], seen.as_ref())?;
                if let Some(guard) = seen {
                    let value = *guard;
                    guards.push((guard, value));
                }
            }
            Step::Remove(k) => {
                let removed = cache.remove([*k]);
                prop_assert!(!removed || allowed.contains_key(&vec![*k]));
                allowed.remove(&vec![*k]);
            }
            Step::Update(k) => {
                let seen = cache.update([*k], |_| Some(next));
                check_seen(&allowed, &[*k], seen.as_ref())?;
                allowed.insert(vec![*k], next);
            }
            Step::Cas(k, expect_present) => {
                let expected = if *expect_present {
                    allowed.get(&vec![*k]).copied()
                } else {
                    None
                };
                match cache.compare_and_swap([*k], expected.as_ref(), Some(next)) {
                    Ok(seen) => {
                        prop_assert_eq!(seen.as_deref().copied(), expected);
                        allowed.insert(vec![*k], next);
                    }
                    Err(seen) => {
                        prop_assert_ne!(seen.as_deref().copied(), expected);
                        check_seen(&allowed, &[*k], seen.as_ref())?;
                    }
                }
            }
            Step::Snapshot => {
                let snapshot = cache.snapshot();
                let held = contents(&snapshot);
                snapshots.push((snapshot, held));
            }
        }
        prop_assert!(cache.len() as u64 <= capacity, "{} entries", cache.len());
        let now = contents(&cache.snapshot());
        for (key, value) in &now {
            prop_assert_eq!(
                allowed.get(key),
                Some(value),
                "resurrected or stale {:?}",
                key
            );
        }
        // What is gone stays gone: only the current version is allowed from now on.
        allowed = now;
    }
    for (guard, value) in &guards {
        prop_assert_eq!(**guard, *value);
    }
    for (snapshot, held) in &snapshots {
        prop_assert_eq!(&contents(snapshot), held);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn bounded_and_never_stale(capacity in 1u64..6, steps in prop::collection::vec(step(), 1..80)) {
        run(capacity, &steps)?;
    }
}
