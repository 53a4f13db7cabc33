//! What a [`Cache`](super::Cache) stores per key, and the handles readers get: the
//! entry (value, access counter, policy slot), [`CacheGuard`] and [`CacheSnapshot`].
#![forbid(unsafe_code)]

use std::fmt;
use std::ops::{Deref, RangeBounds};

use super::expiry::{Expiry, Timing};
use crate::sync::{Arc, AtomicU8, Ordering};
use crate::{Iter, Range, Trie, ValueGuard};

/// The highest count an entry's access counter reaches (module invariant 3).
pub(crate) const MAX_HITS: u8 = 15;

/// The value type of a cache's trie: the user's value, the access counter readers bump,
/// and the index of the writer-side policy node that tracks the key.
pub(crate) struct Entry<V> {
    pub(crate) value: V,
    /// Accesses since the policy last looked, saturating at [`MAX_HITS`].
    hits: AtomicU8,
    /// The policy node of this key (module invariant 5); fixed for the entry's life.
    pub(crate) slot: u32,
    /// When it expires and when it was last read, if it can expire (`expiry.rs`).
    pub(crate) timing: Option<Box<Timing>>,
}

impl<V> Entry<V> {
    pub(crate) fn new(value: V, hits: u8, slot: u32, timing: Option<Box<Timing>>) -> Self {
        Self {
            value,
            hits: AtomicU8::new(hits.min(MAX_HITS)),
            slot,
            timing,
        }
    }

    /// Records one access: read first, and written only below the cap, so a hot key's
    /// line stays shared between the cores reading it (module invariant 3).
    #[inline]
    pub(crate) fn touch(&self) {
        let hits = self.hits.load(Ordering::Relaxed);
        if hits < MAX_HITS {
            self.hits.store(hits + 1, Ordering::Relaxed);
        }
    }

    /// The accesses recorded so far.
    pub(crate) fn hits(&self) -> u8 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Sets the counter (the writer's decrement after it looks; module invariant 4).
    pub(crate) fn set_hits(&self, hits: u8) {
        self.hits.store(hits, Ordering::Relaxed);
    }
}

/// A value read from a [`Cache`](super::Cache), kept alive for as long as the guard
/// lives, whether or not the cache has evicted, replaced or removed it since.
///
/// ```
/// use cowtrie::cache::Cache;
///
/// let cache = Cache::new(1);
/// cache.put("a", 1);
/// let a = cache.get("a").unwrap();
/// cache.put("b", 2); // evicts "a": the capacity is one entry
/// assert!(cache.get("a").is_none());
/// assert_eq!((a.key(), *a), (&b"a"[..], 1));
/// ```
pub struct CacheGuard<V> {
    inner: ValueGuard<Entry<V>>,
}

impl<V> CacheGuard<V> {
    pub(crate) fn new(inner: ValueGuard<Entry<V>>) -> Self {
        Self { inner }
    }

    /// The value (the same as dereferencing the guard).
    pub fn value(&self) -> &V {
        &self.inner.value().value
    }

    /// The key the value was stored under.
    pub fn key(&self) -> &[u8] {
        self.inner.key()
    }
}

impl<V> Deref for CacheGuard<V> {
    type Target = V;

    fn deref(&self) -> &V {
        self.value()
    }
}

impl<V> AsRef<V> for CacheGuard<V> {
    fn as_ref(&self) -> &V {
        self.value()
    }
}

impl<V> Clone for CacheGuard<V> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<V: fmt::Debug> fmt::Debug for CacheGuard<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value().fmt(f)
    }
}

/// One whole version of a [`Cache`](super::Cache): what it held when the snapshot was
/// taken. Later writes and evictions do not change it, and it does not count against the
/// cache's capacity. Reading it records no access.
///
/// ```
/// use cowtrie::cache::Cache;
///
/// let cache = Cache::new(2);
/// cache.put("a", 1);
/// cache.put("b", 2);
/// let before = cache.snapshot();
/// cache.put("c", 3); // evicts one of a, b
/// assert_eq!(before.len(), 2);
/// assert_eq!(before.get("a"), Some(&1));
/// assert_eq!(cache.len(), 2);
/// ```
pub struct CacheSnapshot<V> {
    trie: Trie<Entry<V>>,
    expiry: Arc<Expiry>,
    /// When it was taken, on the expiry clock: entries expired then are left out.
    taken: u64,
}

impl<V> CacheSnapshot<V> {
    pub(super) fn new(trie: Trie<Entry<V>>, expiry: Arc<Expiry>, taken: u64) -> Self {
        Self {
            trie,
            expiry,
            taken,
        }
    }

    /// Whether `entry` is in the snapshot: not expired when it was taken.
    fn shows(&self, entry: &Entry<V>) -> bool {
        entry
            .timing
            .as_deref()
            .map_or(true, |timing| !self.expiry.expired_at(timing, self.taken))
    }

    /// The value under `key` in this version.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<&V> {
        let entry = self.trie.get(key).filter(|entry| self.shows(entry))?;
        Some(&entry.value)
    }

    /// Whether `key` is in this version.
    pub fn contains_key(&self, key: impl AsRef<[u8]>) -> bool {
        self.get(key).is_some()
    }

    /// The number of entries the version stores, counting those that had expired and
    /// were not yet purged when it was taken (which [`get`](Self::get) and the
    /// iterators leave out). Exact for a cache without expiry.
    pub fn len(&self) -> usize {
        self.trie.len()
    }

    /// Whether the version stores no entry ([`len`](Self::len) is 0).
    pub fn is_empty(&self) -> bool {
        self.trie.is_empty()
    }

    /// The entries in key (byte) order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &V)> + '_ {
        let iter: Iter<'_, Entry<V>> = self.trie.iter();
        iter.filter(|(_, entry)| self.shows(entry))
            .map(|(key, entry)| (key, &entry.value))
    }

    /// The entries whose keys lie in `range`, in key (byte) order, from either end: as
    /// [`Trie::range`] gives them.
    ///
    /// ```
    /// use cowtrie::cache::Cache;
    ///
    /// let cache = Cache::new(10);
    /// for key in ["a", "b", "c", "d"] {
    ///     cache.put(key, key.to_uppercase());
    /// }
    /// let snapshot = cache.snapshot();
    /// let values: Vec<&String> = snapshot.range("b"..).rev().map(|(_, v)| v).collect();
    /// assert_eq!(values, ["D", "C", "B"]);
    /// ```
    pub fn range<K: AsRef<[u8]> + ?Sized>(&self, range: impl RangeBounds<K>) -> CacheRange<'_, V> {
        CacheRange {
            range: self.trie.range(range),
            snapshot: self,
        }
    }
}

/// The entries of a [`CacheSnapshot`] whose keys lie in a range, from either end.
/// Created by [`CacheSnapshot::range`].
pub struct CacheRange<'a, V> {
    range: Range<'a, Entry<V>>,
    snapshot: &'a CacheSnapshot<V>,
}

impl<'a, V> Iterator for CacheRange<'a, V> {
    type Item = (&'a [u8], &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        let snapshot = self.snapshot;
        let (key, entry) = self.range.find(|(_, entry)| snapshot.shows(entry))?;
        Some((key, &entry.value))
    }
}

impl<V> DoubleEndedIterator for CacheRange<'_, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let snapshot = self.snapshot;
        let (key, entry) = self.range.rfind(|(_, entry)| snapshot.shows(entry))?;
        Some((key, &entry.value))
    }
}

impl<V> std::iter::FusedIterator for CacheRange<'_, V> {}

impl<V> Clone for CacheSnapshot<V> {
    fn clone(&self) -> Self {
        Self {
            trie: self.trie.clone(),
            expiry: Arc::clone(&self.expiry),
            taken: self.taken,
        }
    }
}

impl<V: fmt::Debug> fmt::Debug for CacheSnapshot<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(k, v)| (String::from_utf8_lossy(k), v)))
            .finish()
    }
}
