//! [`WriteBatch`]: several puts and removes that a store publishes as one version.
#![forbid(unsafe_code)]

use std::fmt;

use crate::Trie;

/// Puts and removes to apply together: [`TrieStore::write_batch`](crate::TrieStore::write_batch)
/// applies them in order and publishes the result as one version, so a reader sees all
/// of them or none.
///
/// ```
/// use cowtrie::{TrieStore, WriteBatch};
///
/// let store = TrieStore::new();
/// store.put("from", 10);
/// let mut transfer = WriteBatch::new();
/// transfer.remove("from").put("to", 10);
/// store.write_batch(transfer);
/// assert!(store.get("from").is_none());
/// assert_eq!(store.get("to").as_deref(), Some(&10));
/// ```
pub struct WriteBatch<V> {
    writes: Vec<Write<V>>,
}

/// One write of a batch (the durable store logs them one by one).
pub(crate) enum Write<V> {
    Put(Box<[u8]>, V),
    Remove(Box<[u8]>),
}

impl<V> WriteBatch<V> {
    /// An empty batch.
    pub fn new() -> Self {
        Self { writes: Vec::new() }
    }

    /// Adds a put of `value` under `key`, applied after the writes added before it.
    pub fn put(&mut self, key: impl AsRef<[u8]>, value: V) -> &mut Self {
        self.writes.push(Write::Put(key.as_ref().into(), value));
        self
    }

    /// Adds a remove of `key`, applied after the writes added before it.
    pub fn remove(&mut self, key: impl AsRef<[u8]>) -> &mut Self {
        self.writes.push(Write::Remove(key.as_ref().into()));
        self
    }

    /// The number of writes in the batch.
    pub fn len(&self) -> usize {
        self.writes.len()
    }

    /// Whether the batch holds no writes.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// The writes, in the order they apply.
    #[cfg(all(feature = "durable", not(any(loom, feature = "shuttle"))))]
    pub(crate) fn writes(&self) -> &[Write<V>] {
        &self.writes
    }

    /// `trie` with every write applied in order, or `None` if nothing changed.
    pub(crate) fn apply(self, trie: &Trie<V>) -> Option<Trie<V>> {
        // After the first change, `next` is a version no reader can reach yet: later puts
        // change in place the nodes it alone holds (`Trie::put_in_place`), so a shared
        // node on several writes' paths is copied once.
        let mut next: Option<Trie<V>> = None;
        for write in self.writes {
            match (write, &mut next) {
                (Write::Put(key, value), Some(next)) => next.put_in_place(&key, value),
                (Write::Put(key, value), None) => next = Some(trie.put(key, value)),
                (Write::Remove(key), next) => {
                    let base = next.as_ref().unwrap_or(trie);
                    if let Some((removed, _)) = base.remove_entry(&key) {
                        *next = Some(removed);
                    }
                }
            }
        }
        next
    }
}

impl<V> Default for WriteBatch<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: fmt::Debug> fmt::Debug for WriteBatch<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for write in &self.writes {
            match write {
                Write::Put(key, value) => list.entry(&("put", key, value)),
                Write::Remove(key) => list.entry(&("remove", key)),
            };
        }
        list.finish()
    }
}
