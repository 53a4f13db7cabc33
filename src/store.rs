//! [`TrieStore`]: the concurrent store, a [`RootCell`] holding the current [`Trie`].
#![forbid(unsafe_code)]

use std::fmt;

use crate::cell::RootCell;
use crate::rewrite::Decision;
use crate::{Reader, Trie, ValueGuard, WriteBatch};

/// A concurrent key-value store: lock-free reads over an atomically swapped trie.
///
/// Reads ([`get`](TrieStore::get), [`snapshot`](TrieStore::snapshot)) take no lock and
/// never wait, not even for a writer stalled halfway through a write. Writes
/// ([`put`](TrieStore::put), [`remove`](TrieStore::remove)) are serialised by a writer
/// lock: each builds the next version by path copying and publishes it with one atomic
/// swap, so concurrent writers lose no update and readers see either the old version or
/// the new one, never a mixture. Writers never wait for guards or snapshots readers keep;
/// those own what they reach.
///
/// ```
/// use cowtrie::TrieStore;
///
/// let store = TrieStore::new();
/// std::thread::scope(|s| {
///     s.spawn(|| store.put("a", 1));
///     s.spawn(|| store.put("b", 2));
/// });
/// assert_eq!(store.get("a").as_deref(), Some(&1));
/// assert_eq!(store.snapshot().len(), 2);
/// ```
pub struct TrieStore<V> {
    root: RootCell<Trie<V>>,
}

impl<V> TrieStore<V> {
    /// An empty store.
    pub fn new() -> Self {
        Self::from(Trie::new())
    }

    /// The value under `key` in the current version, kept alive by the returned guard.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<ValueGuard<V>> {
        let key = key.as_ref();
        self.root
            .read(|trie| trie.get_leaf(key).cloned())
            .map(ValueGuard::new)
    }

    /// Runs `f` on the value under `key` in the current version (`None` if absent) and
    /// returns its result.
    ///
    /// The cheapest read: no lock, no reference count, nothing cloned. The borrow ends
    /// when `f` returns. Writers do not wait for `f`: the version it reads stays alive
    /// until it returns, however many writes go by (each stalled read holds back one
    /// version; see [`retired_versions`](Self::retired_versions)). `f` may even write to
    /// the same store. To keep a value beyond `f`, use [`get`](Self::get).
    ///
    /// ```
    /// use cowtrie::TrieStore;
    ///
    /// let store = TrieStore::new();
    /// store.put("hits", 41u64);
    /// assert_eq!(store.get_with("hits", |v| v.copied()), Some(41));
    /// assert_eq!(store.get_with("misses", |v| v.is_some()), false);
    /// ```
    pub fn get_with<R>(&self, key: impl AsRef<[u8]>, f: impl FnOnce(Option<&V>) -> R) -> R {
        let key = key.as_ref();
        self.root.read(|trie| f(trie.get(key)))
    }

    /// A read handle for one thread that reads in a loop: it keeps the version it last
    /// read and checks with two loads, instead of a pin, that no write came since. See
    /// [`Reader`].
    pub fn reader(&self) -> Reader<'_, V> {
        Reader::new(self)
    }

    /// The root cell, for [`Reader`].
    pub(crate) fn root(&self) -> &RootCell<Trie<V>> {
        &self.root
    }

    /// Maps `key` to `value`, replacing any previous value.
    pub fn put(&self, key: impl AsRef<[u8]>, value: V) {
        let key = key.as_ref();
        let mut writer = self.root.write();
        let next = writer.current().put(key, value);
        writer.publish(next);
        // Dropping the writer releases the lock, then drops the old versions it freed
        // (and a replaced value, if they were its last holders).
    }

    /// Removes `key`; returns whether it was present.
    pub fn remove(&self, key: impl AsRef<[u8]>) -> bool {
        let key = key.as_ref();
        let mut writer = self.root.write();
        let Some((next, removed)) = writer.current().remove_entry(key) else {
            return false;
        };
        writer.publish(next);
        drop(writer);
        drop(removed);
        true
    }

    /// Atomically replaces the value under `key` with `f` of it: `f` sees the current
    /// value (`None` if absent) and returns the new one (`None` removes the key). No
    /// write comes between the read and the write. Returns the value `f` saw.
    ///
    /// `f` runs under the writer lock: readers go on meanwhile, other writers wait, so
    /// keep it short, and never write to this store from inside it (it would wait for
    /// itself).
    ///
    /// ```
    /// use cowtrie::TrieStore;
    ///
    /// let hits = TrieStore::new();
    /// std::thread::scope(|s| {
    ///     for _ in 0..4 {
    ///         s.spawn(|| hits.update("page", |n| Some(n.copied().unwrap_or(0) + 1)));
    ///     }
    /// });
    /// assert_eq!(hits.get("page").as_deref(), Some(&4));
    /// ```
    pub fn update(
        &self,
        key: impl AsRef<[u8]>,
        f: impl FnOnce(Option<&V>) -> Option<V>,
    ) -> Option<ValueGuard<V>> {
        self.rewrite(key.as_ref(), Decision::update(f)).0
    }

    /// Replaces the value under `key` with `new` (`None` removes it) if the current one
    /// equals `expected` (`None`: the key is absent), atomically. Returns `Ok` with the
    /// value replaced, or `Err` with the current value, unchanged.
    ///
    /// ```
    /// use cowtrie::TrieStore;
    ///
    /// let store = TrieStore::new();
    /// assert!(store.compare_and_swap("lock", None, Some("ada")).is_ok());
    /// let held = store.compare_and_swap("lock", None, Some("bob")).unwrap_err();
    /// assert_eq!(held.as_deref(), Some(&"ada"));
    /// assert!(store.compare_and_swap("lock", Some(&"ada"), None).is_ok());
    /// assert!(store.get("lock").is_none());
    /// ```
    #[allow(
        clippy::type_complexity,
        reason = "Ok and Err both carry the value seen; a named type would hide that"
    )]
    pub fn compare_and_swap(
        &self,
        key: impl AsRef<[u8]>,
        expected: Option<&V>,
        new: Option<V>,
    ) -> Result<Option<ValueGuard<V>>, Option<ValueGuard<V>>>
    where
        V: PartialEq,
    {
        match self.rewrite(key.as_ref(), Decision::swap(expected, new)) {
            (previous, true) => Ok(previous),
            (current, false) => Err(current),
        }
    }

    /// The read-modify-write under [`update`](Self::update) and
    /// [`compare_and_swap`](Self::compare_and_swap): under the writer lock, `decide` sees
    /// the current value ([`Trie::rewrite`]), and the version it makes, if any, is
    /// published. Returns the value it saw and whether it decided to write.
    fn rewrite(
        &self,
        key: &[u8],
        decide: impl FnOnce(Option<&V>) -> Decision<V>,
    ) -> (Option<ValueGuard<V>>, bool) {
        let mut writer = self.root.write();
        let rewritten = writer.current().rewrite(key, decide);
        if let Some(next) = rewritten.next {
            writer.publish(next);
        }
        drop(writer);
        (rewritten.previous.map(ValueGuard::new), rewritten.wrote)
    }

    /// Runs `f` on the current version under the writer lock and publishes the version
    /// it returns, if any, before the lock is released; an `Err` publishes nothing. The
    /// durable store appends each write to its log inside `f`, so log order is publish
    /// order.
    #[cfg(all(feature = "durable", not(any(loom, feature = "shuttle"))))]
    pub(crate) fn commit_with<R, E>(
        &self,
        f: impl FnOnce(&Trie<V>) -> Result<(Option<Trie<V>>, R), E>,
    ) -> Result<R, E> {
        let mut writer = self.root.write();
        let (next, result) = f(writer.current())?;
        if let Some(next) = next {
            writer.publish(next);
        }
        Ok(result)
    }

    /// Applies `batch`'s puts and removes in order and publishes the result as one
    /// version: readers see all of them or none.
    pub fn write_batch(&self, batch: WriteBatch<V>) {
        let mut writer = self.root.write();
        if let Some(next) = batch.apply(writer.current()) {
            writer.publish(next);
        }
    }

    /// The number of replaced versions not yet freed: at most one per read in progress
    /// (a read pins the one version it walks), plus those whose readers left after the
    /// last write, which the next write frees. A diagnostic for tests and monitoring;
    /// see [`RootCell::retired`].
    ///
    /// ```
    /// use cowtrie::TrieStore;
    ///
    /// let store = TrieStore::new();
    /// store.put("k", 1);
    /// store.get_with("k", |_| {
    ///     store.put("k", 2); // writes go on while this read holds its version
    ///     store.put("k", 3);
    ///     assert_eq!(store.retired_versions(), 1);
    /// });
    /// store.put("k", 4);
    /// assert_eq!(store.retired_versions(), 0);
    /// ```
    pub fn retired_versions(&self) -> usize {
        self.root.retired()
    }

    /// The whole current version. Later writes do not affect it.
    pub fn snapshot(&self) -> Trie<V> {
        self.root.read(Trie::clone)
    }
}

impl<V> Default for TrieStore<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V> From<Trie<V>> for TrieStore<V> {
    /// A store whose first version is `trie`.
    fn from(trie: Trie<V>) -> Self {
        Self {
            root: RootCell::new(trie),
        }
    }
}

impl<V: fmt::Debug> fmt::Debug for TrieStore<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TrieStore").field(&self.snapshot()).finish()
    }
}
