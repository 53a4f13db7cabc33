//! Stores behind the model crate's [`KvStore`], ready for its conformance kit: three
//! maps people reach for (DashMap, a `RwLock` around a `HashMap`, an `ArcSwap` of a
//! persistent map) and cowtrie's own `TrieStore`. The tests run
//! `cowtrie_model::conformance_tests!` on each (`tests/stores.rs`) and show the kit
//! flagging every broken store of `cowtrie_model::broken` (`tests/broken.rs`).
//!
//! The orphan rule keeps `KvStore` (the model crate's trait) off other crates' types, so
//! each store is wrapped in a newtype of this crate.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use arc_swap::ArcSwap;
use cowtrie::TrieStore;
use cowtrie_model::KvStore;
use dashmap::mapref::entry::Entry;
use dashmap::DashMap;

/// A sharded concurrent hash map: each operation holds its shard's lock.
#[derive(Default)]
pub struct DashStore(pub DashMap<Vec<u8>, u64>);

impl KvStore for DashStore {
    fn put(&self, key: &[u8], value: u64) {
        self.0.insert(key.to_vec(), value);
    }

    fn get(&self, key: &[u8]) -> Option<u64> {
        self.0.get(key).map(|value| *value)
    }

    fn remove(&self, key: &[u8]) -> bool {
        self.0.remove(key).is_some()
    }

    fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
        // The entry holds the shard's write lock from the look to the write.
        match self.0.entry(key.to_vec()) {
            Entry::Occupied(mut held) if Some(*held.get()) == from => {
                held.insert(to);
                true
            }
            Entry::Vacant(absent) if from.is_none() => {
                absent.insert(to);
                true
            }
            _ => false,
        }
    }

    fn update(&self, key: &[u8], value: u64) -> Option<u64> {
        self.0.insert(key.to_vec(), value)
    }
}

/// A `HashMap` behind one reader-writer lock.
#[derive(Default)]
pub struct LockedStore(pub RwLock<HashMap<Vec<u8>, u64>>);

impl LockedStore {
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<Vec<u8>, u64>> {
        self.0.write().unwrap_or_else(|poison| poison.into_inner())
    }
}

impl KvStore for LockedStore {
    fn put(&self, key: &[u8], value: u64) {
        self.write().insert(key.to_vec(), value);
    }

    fn get(&self, key: &[u8]) -> Option<u64> {
        let map = self.0.read().unwrap_or_else(|poison| poison.into_inner());
        map.get(key).copied()
    }

    fn remove(&self, key: &[u8]) -> bool {
        self.write().remove(key).is_some()
    }

    fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
        let mut map = self.write();
        let swapped = map.get(key).copied() == from;
        if swapped {
            map.insert(key.to_vec(), to);
        }
        swapped
    }

    fn update(&self, key: &[u8], value: u64) -> Option<u64> {
        self.write().insert(key.to_vec(), value)
    }
}

type Persistent = imbl::HashMap<Vec<u8>, u64>;

/// A persistent map published through an `ArcSwap`: reads load the current version;
/// every write is an `rcu` (read, copy, update), which retries when another write
/// published in between. A load followed by a `store` would lose updates (two writers
/// copy the same version), and a cas or update decided on a load would act on a value
/// that may already be gone: `rcu` is what makes them atomic. Each answer (was the key
/// there, what did it hold) is read from the version `rcu` replaced.
#[derive(Default)]
pub struct SwapStore(pub ArcSwap<Persistent>);

impl KvStore for SwapStore {
    fn put(&self, key: &[u8], value: u64) {
        self.0.rcu(|map| map.update(key.to_vec(), value));
    }

    fn get(&self, key: &[u8]) -> Option<u64> {
        self.0.load().get(key).copied()
    }

    fn remove(&self, key: &[u8]) -> bool {
        let replaced = self.0.rcu(|map| map.without(key));
        replaced.contains_key(key)
    }

    fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
        let replaced = self.0.rcu(|map| {
            if map.get(key).copied() == from {
                Arc::new(map.update(key.to_vec(), to))
            } else {
                Arc::clone(map)
            }
        });
        replaced.get(key).copied() == from
    }

    fn update(&self, key: &[u8], value: u64) -> Option<u64> {
        let replaced = self.0.rcu(|map| map.update(key.to_vec(), value));
        replaced.get(key).copied()
    }
}

/// `KvStore` for a newtype around one of cowtrie's stores: `TrieStore` and `Cache` have
/// the same methods (a guard from `get` and `update`, `compare_and_swap`), so one body
/// serves both.
macro_rules! cowtrie_adapter {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        pub struct $name(pub $inner);

        impl KvStore for $name {
            fn put(&self, key: &[u8], value: u64) {
                self.0.put(key, value);
            }

            fn get(&self, key: &[u8]) -> Option<u64> {
                self.0.get(key).map(|guard| *guard)
            }

            fn remove(&self, key: &[u8]) -> bool {
                self.0.remove(key)
            }

            fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
                self.0
                    .compare_and_swap(key, from.as_ref(), Some(to))
                    .is_ok()
            }

            fn update(&self, key: &[u8], value: u64) -> Option<u64> {
                self.0.update(key, |_| Some(value)).map(|guard| *guard)
            }
        }
    };
}

cowtrie_adapter!(
    /// cowtrie's store.
    #[derive(Default)]
    TrieKv(TrieStore<u64>)
);

cowtrie_adapter!(
    /// cowtrie's bounded store, which evicts: judged against the cache model.
    TrieCache(cowtrie::cache::Cache<u64>)
);

impl TrieCache {
    /// A cache of 16 entries.
    pub fn small() -> Self {
        Self(cowtrie::cache::Cache::new(16))
    }
}
