//! [`ValueGuard`]: shared ownership of one value read from a store.
#![forbid(unsafe_code)]

use std::fmt;
use std::ops::Deref;

use crate::inspect::NodeId;
use crate::node::Leaf;
use crate::sync::Arc;

/// A value read from a [`TrieStore`](crate::TrieStore), kept alive for as long as the
/// guard lives.
///
/// The guard owns a reference-counted handle to the entry (the leaf holding the key and
/// the value, which versions share and never copy), not a borrow of the store: it stays
/// valid and unchanged after the key is overwritten or removed and after the store is
/// dropped, and holding it never delays a writer. The value is dropped once the last
/// guard and the last trie version that reach it are gone.
///
/// ```
/// use cowtrie::TrieStore;
///
/// let store = TrieStore::new();
/// store.put("k", String::from("first"));
/// let guard = store.get("k").unwrap();
/// store.put("k", String::from("second"));
/// store.remove("k");
/// drop(store);
/// assert_eq!(*guard, "first");
/// ```
pub struct ValueGuard<V> {
    /// The entry's leaf: its key and value, shared with every version that holds it.
    leaf: Arc<Leaf<V>>,
}

impl<V> ValueGuard<V> {
    pub(crate) fn new(leaf: Arc<Leaf<V>>) -> Self {
        Self { leaf }
    }

    /// The value (the same as dereferencing the guard).
    pub fn value(&self) -> &V {
        &self.leaf.value
    }

    /// The key the value was stored under.
    pub fn key(&self) -> &[u8] {
        &self.leaf.key
    }

    /// The identity of the entry (leaf) this guard keeps alive: the [`NodeId`] that
    /// [`Trie::nodes`](crate::Trie::nodes) gives that leaf in every version holding it.
    /// A teaching and testing aid, to see which versions still share the entry.
    ///
    /// ```
    /// use cowtrie::TrieStore;
    ///
    /// let store = TrieStore::new();
    /// store.put("k", 1);
    /// let guard = store.get("k").unwrap();
    /// let before = store.snapshot();
    /// store.put("k", 2);
    /// let holds = |v: &cowtrie::Trie<i32>| v.nodes().any(|n| n.id() == guard.node_id());
    /// assert!(holds(&before));
    /// assert!(!holds(&store.snapshot()), "the new version has a new leaf for k");
    /// ```
    pub fn node_id(&self) -> NodeId {
        NodeId::of_leaf(&self.leaf)
    }
}

impl<V> Deref for ValueGuard<V> {
    type Target = V;

    fn deref(&self) -> &V {
        self.value()
    }
}

impl<V> AsRef<V> for ValueGuard<V> {
    fn as_ref(&self) -> &V {
        self.value()
    }
}

impl<V> Clone for ValueGuard<V> {
    fn clone(&self) -> Self {
        Self {
            leaf: Arc::clone(&self.leaf),
        }
    }
}

impl<V: fmt::Debug> fmt::Debug for ValueGuard<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ValueGuard").field(self.value()).finish()
    }
}

impl<V: fmt::Display> fmt::Display for ValueGuard<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value().fmt(f)
    }
}
