//! The bounded store ([`Cache`]) against the cache model, one operation at a time.
//!
//! Random operations (the shared [`Op`] strategy, values renumbered so each write writes
//! its own) run on a small cache; every result must be one the cache model
//! ([`CacheSpec`]) allows from what it allowed so far: a miss is always fine, a hit must
//! see the last value written, never an evicted or overwritten one. Beside the model:
//! the capacity holds after every write, a cache with room for every key behaves exactly
//! as the store's model, and snapshots and guards keep what they hold while later writes
//! evict (no version a reader holds is edited).
#![cfg(not(loom))]

use std::collections::{BTreeMap, HashMap};

use cowtrie::cache::Cache;
use cowtrie_model::{CacheSpec, CacheState, Model, Op, Ret, Spec};
use proptest::collection::vec;
use proptest::prelude::*;

fn apply(cache: &Cache<u64>, op: &Op) -> Ret {
    match op {
        Op::Put { key, value } => {
            cache.put(key, *value);
            Ret::Unit
        }
        Op::Get { key } => Ret::Value(cache.get(key).map(|v| *v)),
        Op::Remove { key } => Ret::Removed(cache.remove(key)),
        Op::Cas { key, from, to } => Ret::Swapped(
            cache
                .compare_and_swap(key, from.as_ref(), Some(*to))
                .is_ok(),
        ),
        Op::Update { key, value } => Ret::Value(cache.update(key, |_| Some(*value)).map(|v| *v)),
        Op::GetOrPut { key, value } => Ret::Value(Some(*cache.get_or_insert_with(key, || *value))),
    }
}

fn contents(snapshot: &cowtrie::cache::CacheSnapshot<u64>) -> BTreeMap<Vec<u8>, u64> {
    snapshot.iter().map(|(k, v)| (k.to_vec(), *v)).collect()
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    vec(Op::strategy(), 0..300).prop_map(Op::with_unique_values)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
    ))]

    /// Every result is one the cache model allows; the current version never holds more
    /// than the capacity, and holds only values the model says the key may hold.
    #[test]
    fn every_result_is_one_the_cache_model_allows(capacity in 1..8u64, ops in ops()) {
        let cache = Cache::new(capacity);
        let mut states: HashMap<Vec<u8>, CacheState> = HashMap::new();
        for (i, op) in ops.iter().enumerate() {
            let ret = apply(&cache, op);
            let state = states.entry(op.key().to_vec()).or_insert_with(|| CacheSpec.init());
            let Some(next) = CacheSpec.step(state, op, Some(&ret)) else {
                return Err(TestCaseError::fail(format!(
                    "operation {i}, {op:?} -> {ret:?}, from the key {}",
                    CacheSpec.show_state(state)
                )));
            };
            *state = next;
            prop_assert!(cache.len() as u64 <= capacity, "{} entries", cache.len());
            prop_assert_eq!(cache.len(), cache.snapshot().len());
        }
        for (key, value) in contents(&cache.snapshot()) {
            prop_assert_eq!(&states[&key], &CacheState::Holding(value), "{:?}", key);
            prop_assert!(cache.contains_key(&key));
        }
    }

    /// With room for every key the strategy can draw (40 of them), the cache evicts
    /// nothing: it answers exactly as the store's model.
    #[test]
    fn with_room_for_every_key_the_cache_is_the_store(ops in ops()) {
        let cache = Cache::new(40);
        let mut model = Model::new();
        for op in &ops {
            prop_assert_eq!(apply(&cache, op), model.apply(op), "{:?}", op);
        }
        prop_assert_eq!(contents(&cache.snapshot()).into_iter().collect::<Vec<_>>(), model.sorted());
    }

    /// A snapshot and the guards taken at some point keep their contents, however many
    /// later writes evict the entries they hold.
    #[test]
    fn snapshots_and_guards_keep_what_they_hold_while_writes_evict(
        capacity in 1..6u64,
        ops in ops(),
        at in 0..300usize,
    ) {
        let cache = Cache::new(capacity);
        let (before, after) = ops.split_at(at.min(ops.len()));
        for op in before {
            apply(&cache, op);
        }
        let snapshot = cache.snapshot();
        let held = contents(&snapshot);
        prop_assert_eq!(held.len(), snapshot.len());
        let guards: Vec<_> = held.keys().filter_map(|k| cache.get(k)).collect();
        prop_assert_eq!(guards.len(), held.len());
        for op in after {
            apply(&cache, op);
        }
        prop_assert_eq!(&contents(&snapshot), &held);
        prop_assert_eq!(snapshot.len(), held.len());
        for (key, value) in &held {
            prop_assert_eq!(snapshot.get(key), Some(value));
        }
        for guard in &guards {
            prop_assert_eq!(Some(&**guard), held.get(guard.key()));
        }
    }

    /// With a weigher, the current version's weight stays within the capacity, and an
    /// entry heavier than the whole capacity is not kept.
    #[test]
    fn weights_stay_within_the_capacity(capacity in 1..12u64, ops in ops()) {
        let cache = Cache::builder(capacity)
            .weigher(|key: &[u8], value: &u64| key.len() as u64 + value % 4)
            .build();
        for op in &ops {
            apply(&cache, op);
            let weight: u64 = cache
                .snapshot()
                .iter()
                .map(|(k, v)| k.len() as u64 + v % 4)
                .sum();
            prop_assert!(weight <= capacity, "weight {} of capacity {}", weight, capacity);
            prop_assert_eq!(cache.weight(), weight);
        }
    }
}
