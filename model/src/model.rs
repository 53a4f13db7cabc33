//! The sequential specification and the interface of stores under test.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::{Op, Ret};

/// The sequential specification of the store: a plain `HashMap`.
#[derive(Clone, Default, Debug, PartialEq, Eq)]
pub struct Model {
    map: HashMap<Vec<u8>, u64>,
}

impl Model {
    /// An empty model.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies `op` and returns what a correct store returns.
    pub fn apply(&mut self, op: &Op) -> Ret {
        match op {
            Op::Put { key, value } => {
                self.map.insert(key.clone(), *value);
                Ret::Unit
            }
            Op::Get { key } => Ret::Value(self.map.get(key).copied()),
            Op::Remove { key } => Ret::Removed(self.map.remove(key).is_some()),
            Op::Cas { key, from, to } => {
                let swapped = self.map.get(key).copied() == *from;
                if swapped {
                    self.map.insert(key.clone(), *to);
                }
                Ret::Swapped(swapped)
            }
            Op::Update { key, value } => Ret::Value(self.map.insert(key.clone(), *value)),
            Op::GetOrPut { key, value } => {
                Ret::Value(Some(*self.map.entry(key.clone()).or_insert(*value)))
            }
        }
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the model holds no key.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// All entries in ascending byte order of the keys.
    pub fn sorted(&self) -> Vec<(Vec<u8>, u64)> {
        let mut entries: Vec<_> = self.map.iter().map(|(k, v)| (k.clone(), *v)).collect();
        entries.sort_unstable();
        entries
    }
}

/// A key-value store under test: byte keys, `u64` values, shared between threads.
pub trait KvStore: Send + Sync {
    /// Maps `key` to `value`.
    fn put(&self, key: &[u8], value: u64);
    /// The value under `key`.
    fn get(&self, key: &[u8]) -> Option<u64>;
    /// Removes `key`; whether it was present.
    fn remove(&self, key: &[u8]) -> bool;
    /// Sets `key` to `to` if it holds `from` (`None`: if it is absent), atomically;
    /// whether it did.
    fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool;
    /// Sets `key` to `value`, atomically returning the value it held before.
    fn update(&self, key: &[u8], value: u64) -> Option<u64>;
    /// The value under `key`, or, if it is absent, `value`, put under `key` atomically
    /// (a cache's load on a miss). By default a read, then a compare-and-swap from absent,
    /// again until one of them succeeds: linearizable when `get` and `cas` are. Stores
    /// with a load of their own (a cache's `get_or_insert_with`) override it.
    fn get_or_put(&self, key: &[u8], value: u64) -> u64 {
        loop {
            if let Some(found) = self.get(key) {
                return found;
            }
            if self.cas(key, None, value) {
                return value;
            }
        }
    }

    /// Runs `op` on the store.
    fn apply(&self, op: &Op) -> Ret {
        match op {
            Op::Put { key, value } => {
                self.put(key, *value);
                Ret::Unit
            }
            Op::Get { key } => Ret::Value(self.get(key)),
            Op::Remove { key } => Ret::Removed(self.remove(key)),
            Op::Cas { key, from, to } => Ret::Swapped(self.cas(key, *from, *to)),
            Op::Update { key, value } => Ret::Value(self.update(key, *value)),
            Op::GetOrPut { key, value } => Ret::Value(Some(self.get_or_put(key, *value))),
        }
    }
}

/// The model behind a mutex: linearizable by construction, the control group.
impl KvStore for Mutex<Model> {
    fn put(&self, key: &[u8], value: u64) {
        lock(self).apply(&Op::put(key, value));
    }

    fn get(&self, key: &[u8]) -> Option<u64> {
        lock(self).map.get(key).copied()
    }

    fn remove(&self, key: &[u8]) -> bool {
        lock(self).map.remove(key).is_some()
    }

    fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
        lock(self).apply(&Op::cas(key, from, to)) == Ret::Swapped(true)
    }

    fn update(&self, key: &[u8], value: u64) -> Option<u64> {
        lock(self).map.insert(key.to_vec(), value)
    }
}

/// Locks `mutex`, poisoned or not: a thread that panicked while holding it (a failed
/// check, say) leaves a test store's state as it was, still usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}
