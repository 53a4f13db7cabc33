//! [`Reader`]: a read handle that keeps the version it last read and checks it is still
//! current with two loads, for threads that read in a loop.
#![forbid(unsafe_code)]

use std::fmt;

use crate::cell::Stamp;
use crate::{Trie, TrieStore, ValueGuard};

/// A read handle on a [`TrieStore`] for one thread that reads often: it keeps a clone
/// of the version it last read, and before each read checks with two loads that no
/// write has come since. Only after a write does it pin the store's root again and
/// clone the new version (one reference count).
///
/// A read through [`TrieStore::get_with`] pins the current version in the root cell
/// (two read-modify-writes and a fence: about a quarter of a get on 100,000 keys). A
/// read through a `Reader` costs two plain loads when no write came since its last
/// read, and is as linearizable as the store's own reads: it answers from the version
/// that is current at the moment of its check.
///
/// What it keeps: one version, the last it read (like a [`snapshot`](TrieStore::snapshot)
/// does), until the next read after a write replaces it, or the reader is dropped. It
/// pins no slot and never delays a writer; an idle reader holds that version's memory,
/// so drop a reader a thread no longer needs.
///
/// ```
/// use cowtrie::TrieStore;
///
/// let store = TrieStore::new();
/// store.put("k", 1);
/// let mut reader = store.reader();
/// assert_eq!(reader.get_with("k", |v| v.copied()), Some(1));
/// store.put("k", 2); // the next read sees the write
/// assert_eq!(reader.get_with("k", |v| v.copied()), Some(2));
/// assert_eq!(reader.get("k").as_deref(), Some(&2));
/// assert_eq!(reader.current().len(), 1);
/// ```
pub struct Reader<'a, V> {
    store: &'a TrieStore<V>,
    /// The version last read, and the stamp of its publish.
    version: Trie<V>,
    stamp: Stamp,
}

impl<'a, V> Reader<'a, V> {
    pub(crate) fn new(store: &'a TrieStore<V>) -> Self {
        let (version, stamp) = store.root().read_stamped(Trie::clone);
        Self {
            store,
            version,
            stamp,
        }
    }

    /// The current version of the store, borrowed from the reader: if a write came
    /// since the last read, the reader takes the new version first.
    ///
    /// The borrow stays valid whatever later writes do (the reader owns the version);
    /// it is the current version at the moment of the call.
    pub fn current(&mut self) -> &Trie<V> {
        if !self.store.root().is_current(self.stamp) {
            let (version, stamp) = self.store.root().read_stamped(Trie::clone);
            // The old version is dropped here, outside any pin: if this reader held it
            // last, its nodes are freed on this thread.
            self.version = version;
            self.stamp = stamp;
        }
        &self.version
    }

    /// Runs `f` on the value under `key` in the current version (`None` if absent), as
    /// [`TrieStore::get_with`] does.
    pub fn get_with<R>(&mut self, key: impl AsRef<[u8]>, f: impl FnOnce(Option<&V>) -> R) -> R {
        f(self.current().get(key))
    }

    /// The value under `key` in the current version, kept alive by the returned guard,
    /// as [`TrieStore::get`] returns it.
    pub fn get(&mut self, key: impl AsRef<[u8]>) -> Option<ValueGuard<V>> {
        let leaf = self.current().get_leaf(key.as_ref())?;
        Some(ValueGuard::new(leaf.clone()))
    }

    /// The store this reader reads.
    pub fn store(&self) -> &'a TrieStore<V> {
        self.store
    }
}

impl<V> Clone for Reader<'_, V> {
    /// Another reader of the same store, starting from the same version.
    fn clone(&self) -> Self {
        Self {
            store: self.store,
            version: self.version.clone(),
            stamp: self.stamp,
        }
    }
}

impl<V> fmt::Debug for Reader<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader")
            .field("len", &self.version.len())
            .field("stamp", &self.stamp)
            .finish_non_exhaustive()
    }
}
