//! [`Trie`]: the immutable, persistent trie.
#![forbid(unsafe_code)]

use std::collections::HashSet;
use std::fmt;
use std::ops::RangeBounds;

use crate::inspect::NodeId;
use crate::iter::Iter;
use crate::node::{self, Branch, Leaf};
use crate::range::Range;
use crate::sync::Arc;
use crate::ValueGuard;

/// An immutable map from byte-string keys to values, with structural sharing.
///
/// [`put`](Trie::put) and [`remove`](Trie::remove) leave `self` untouched and return a
/// new version that shares every node off the changed path with the old one. Cloning is
/// O(1) (one reference-count increment). Values live behind reference counts, so `V`
/// need not be `Clone`; a value is dropped when the last version holding it goes.
///
/// Keys are any bytes (`impl AsRef<[u8]>`): the empty key, any byte values, keys of
/// megabytes. No operation recurses per key byte or per level.
///
/// ```
/// use cowtrie::Trie;
///
/// let v1 = Trie::new().put("tea", 1).put("ten", 2);
/// let v2 = v1.put("to", 3).remove("tea");
///
/// assert_eq!(v1.get("tea"), Some(&1)); // the old version never changes
/// assert_eq!(v2.get("tea"), None);
/// let keys: Vec<&[u8]> = v2.iter().map(|(k, _)| k).collect();
/// assert_eq!(keys, [&b"ten"[..], b"to"]);
/// ```
pub struct Trie<V> {
    root: Option<Arc<Branch<V>>>,
    len: usize,
}

impl<V> Trie<V> {
    /// An empty trie. Allocates nothing.
    pub fn new() -> Self {
        Self { root: None, len: 0 }
    }

    /// The trie holding `entries`, whose keys strictly ascend (as a snapshot file lists
    /// them), built in one pass without path copying.
    #[cfg(all(feature = "durable", not(any(loom, feature = "shuttle"))))]
    pub(crate) fn from_sorted<K: AsRef<[u8]>>(entries: Vec<(K, V)>) -> Self {
        let len = entries.len();
        Self {
            root: node::from_sorted(entries),
            len,
        }
    }

    /// The value stored under `key`.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<&V> {
        self.get_leaf(key.as_ref()).map(|leaf| &leaf.value)
    }

    /// The root branch, if the trie holds any key.
    pub(crate) fn root(&self) -> Option<&Branch<V>> {
        self.root.as_deref()
    }

    /// The leaf holding `key` (what a [`ValueGuard`](crate::ValueGuard) keeps alive).
    pub(crate) fn get_leaf(&self, key: &[u8]) -> Option<&Arc<Leaf<V>>> {
        node::get(self.root.as_deref()?, key)
    }

    /// A new version with `key` mapped to `value` (replacing any previous value).
    ///
    /// Allocates a leaf for the entry and copies of the branches on `key`'s path (plus one
    /// branch where `key` parts from a stored key or a compressed segment); every other
    /// node is shared.
    #[must_use = "put returns a new version and leaves this one unchanged"]
    pub fn put(&self, key: impl AsRef<[u8]>, value: V) -> Self {
        let (root, replaced) = node::put(self.root.as_deref(), key.as_ref(), value);
        Self {
            root: Some(root),
            len: self.len + usize::from(!replaced),
        }
    }

    /// Puts `key -> value` into this version itself, changing in place the nodes on the
    /// path that no other version, guard or snapshot shares and copying the others:
    /// what `put` and a replace of `self` do, without copying the nodes this handle
    /// alone holds (`node::in_place`). Other clones of the version are unaffected.
    pub(crate) fn put_in_place(&mut self, key: &[u8], value: V) {
        let replaced = node::in_place::put(&mut self.root, key, value);
        self.len += usize::from(!replaced);
    }

    /// A new version without `key`. If `key` is absent, the result shares this version's
    /// root ([`Trie::ptr_eq`] holds). Nodes left with no value and no children are pruned.
    #[must_use = "remove returns a new version and leaves this one unchanged"]
    pub fn remove(&self, key: impl AsRef<[u8]>) -> Self {
        match self.remove_entry(key.as_ref()) {
            Some((next, _)) => next,
            None => self.clone(),
        }
    }

    /// The version without `key`, and a guard of the value it held; `None` if `key` is
    /// absent. [`remove`](Self::remove) when the caller needs to know what went.
    ///
    /// ```
    /// use cowtrie::Trie;
    ///
    /// let trie = Trie::new().put("a", 1).put("b", 2);
    /// let (without, removed) = trie.take("a").expect("present");
    /// assert_eq!((removed.key(), *removed), (&b"a"[..], 1));
    /// assert_eq!((without.len(), trie.len()), (1, 2));
    /// assert!(without.take("a").is_none());
    /// ```
    #[must_use = "take returns a new version and leaves this one unchanged"]
    pub fn take(&self, key: impl AsRef<[u8]>) -> Option<(Self, ValueGuard<V>)> {
        let (next, removed) = self.remove_entry(key.as_ref())?;
        Some((next, ValueGuard::new(removed)))
    }

    /// The version without `key` and the removed entry, or `None` if `key` is absent.
    pub(crate) fn remove_entry(&self, key: &[u8]) -> Option<(Self, Arc<Leaf<V>>)> {
        let (root, removed) = node::remove(self.root.as_deref()?, key)?;
        let next = Self {
            root,
            len: self.len - 1,
        };
        Some((next, removed))
    }

    /// The number of keys. O(1).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the trie holds no key.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every entry, in ascending byte order of the keys, borrowed from the trie.
    pub fn iter(&self) -> Iter<'_, V> {
        Iter::new(
            self.root.as_deref().map(node::Subtree::Root),
            Some(self.len),
        )
    }

    /// The entries whose keys start with `prefix`, in ascending byte order, borrowed
    /// from the trie.
    ///
    /// ```
    /// use cowtrie::Trie;
    ///
    /// let trie: Trie<u32> = [("car", 1), ("cart", 2), ("cat", 3), ("dog", 4)].into_iter().collect();
    /// let entries: Vec<(&[u8], u32)> = trie.scan_prefix("car").map(|(k, v)| (k, *v)).collect();
    /// assert_eq!(entries, [(&b"car"[..], 1), (b"cart", 2)]);
    /// ```
    pub fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Iter<'_, V> {
        let root = self.root.as_deref();
        Iter::new(
            root.and_then(|root| node::find_prefix(root, prefix.as_ref())),
            None,
        )
    }

    /// The entries whose keys lie in `range`, in ascending byte order, borrowed from the
    /// trie; `.rev()` walks them from the highest. Keys compare as byte strings, as
    /// `BTreeMap<Vec<u8>, _>` orders them. A range that ends before it starts is empty.
    ///
    /// Finding each end walks one path from the root; the entries between are visited
    /// as [`iter`](Self::iter) visits them, each compared with the bound ahead (or with
    /// the last key the other end gave). The bounds are copied (two allocations).
    ///
    /// ```
    /// use cowtrie::Trie;
    /// use std::ops::Bound;
    ///
    /// let trie: Trie<u32> = (0..100u32).map(|i| (i.to_be_bytes(), i)).collect();
    /// let values: Vec<u32> = trie
    ///     .range(10u32.to_be_bytes()..=12u32.to_be_bytes())
    ///     .map(|(_, v)| *v)
    ///     .collect();
    /// assert_eq!(values, [10, 11, 12]);
    /// let above_90: Vec<u32> = trie
    ///     .range::<[u8]>((Bound::Excluded(&90u32.to_be_bytes()[..]), Bound::Unbounded))
    ///     .rev()
    ///     .map(|(_, v)| *v)
    ///     .collect();
    /// assert_eq!(above_90, (91..100).rev().collect::<Vec<_>>());
    /// ```
    pub fn range<K: AsRef<[u8]> + ?Sized>(&self, range: impl RangeBounds<K>) -> Range<'_, V> {
        Range::new(
            self.root.as_deref(),
            range.start_bound().map(AsRef::as_ref),
            range.end_bound().map(AsRef::as_ref),
        )
    }

    /// Whether two versions are the same version (share their root node). Two empty tries
    /// are the same version.
    pub fn ptr_eq(&self, other: &Self) -> bool {
        match (&self.root, &other.root) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }

    /// The number of nodes in this version: branches, and leaves (one per key). A
    /// teaching and testing aid; O(nodes).
    pub fn node_count(&self) -> usize {
        self.nodes().count()
    }

    /// How many of this version's nodes are shared with `other` (the same allocation
    /// reachable from both). `node_count() - shared_nodes(other)` is the number of nodes
    /// a change from `other` to `self` had to allocate. O(nodes of both).
    ///
    /// ```
    /// use cowtrie::Trie;
    ///
    /// let big: Trie<u32> = (0..1000u32).map(|i| (i.to_be_bytes(), i)).collect();
    /// let next = big.put(7u32.to_be_bytes(), 0);
    /// // Only the path to the key was copied.
    /// assert!(next.node_count() - next.shared_nodes(&big) <= 4);
    /// ```
    pub fn shared_nodes(&self, other: &Self) -> usize {
        let theirs: HashSet<NodeId> = other.nodes().map(|node| node.id()).collect();
        self.nodes()
            .filter(|node| theirs.contains(&node.id()))
            .count()
    }
}

impl<V> Clone for Trie<V> {
    fn clone(&self) -> Self {
        Self {
            root: self.root.clone(),
            len: self.len,
        }
    }
}

impl<V> Default for Trie<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: fmt::Debug> fmt::Debug for Trie<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Key<'a>(&'a [u8]);
        impl fmt::Debug for Key<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "b\"{}\"", self.0.escape_ascii())
            }
        }
        f.debug_map()
            .entries(self.iter().map(|(key, value)| (Key(key), value)))
            .finish()
    }
}

impl<V: PartialEq> PartialEq for Trie<V> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && (self.ptr_eq(other) || self.iter().eq(other.iter()))
    }
}

impl<V: Eq> Eq for Trie<V> {}

impl<K: AsRef<[u8]>, V> FromIterator<(K, V)> for Trie<V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        let mut trie = Self::new();
        trie.extend(entries);
        trie
    }
}

impl<K: AsRef<[u8]>, V> Extend<(K, V)> for Trie<V> {
    /// Replaces `self` with the version holding the extra entries; other clones of the
    /// old version are unaffected.
    ///
    /// Nodes that this version alone holds are changed in place rather than copied, so
    /// building a trie from nothing copies no node, and extending one that has clones
    /// copies each shared node on the new keys' paths once.
    ///
    /// ```
    /// use cowtrie::Trie;
    ///
    /// let mut trie: Trie<u32> = (0..1000u32).map(|i| (i.to_be_bytes(), i)).collect();
    /// let before = trie.clone();
    /// trie.extend([(7u32.to_be_bytes(), 0), (2000u32.to_be_bytes(), 2000)]);
    /// assert_eq!(before.get(7u32.to_be_bytes()), Some(&7)); // the clone is unchanged
    /// assert_eq!(trie.get(7u32.to_be_bytes()), Some(&0));
    /// assert_eq!(trie.len(), 1001);
    /// ```
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, entries: I) {
        for (key, value) in entries {
            self.put_in_place(key.as_ref(), value);
        }
    }
}

impl<'a, V> IntoIterator for &'a Trie<V> {
    type Item = (&'a [u8], &'a V);
    type IntoIter = Iter<'a, V>;

    fn into_iter(self) -> Iter<'a, V> {
        self.iter()
    }
}
