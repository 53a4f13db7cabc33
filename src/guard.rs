//! [`ValueGuard`]: shared ownership of one value read from a store.
#![forbid(unsafe_code)]

use std::fmt;
use std::ops::Deref;

use crate::sync::Arc;

/// A value read from a [`TrieStore`](crate::TrieStore), kept alive for as long as the
/// guard lives.
///
/// The guard owns a reference-counted handle to the value itself, not a borrow of the
/// store: it stays valid and unchanged after the key is overwritten or removed and after
/// the store is dropped, and holding it never delays a writer. The value is dropped once
/// the last guard and the last trie version that reach it are gone.
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
    value: Arc<V>,
}

impl<V> ValueGuard<V> {
    pub(crate) fn new(value: Arc<V>) -> Self {
        Self { value }
    }

    /// The value (the same as dereferencing the guard).
    pub fn value(&self) -> &V {
        &self.value
    }
}

impl<V> Deref for ValueGuard<V> {
    type Target = V;

    fn deref(&self) -> &V {
        &self.value
    }
}

impl<V> AsRef<V> for ValueGuard<V> {
    fn as_ref(&self) -> &V {
        &self.value
    }
}

impl<V> Clone for ValueGuard<V> {
    fn clone(&self) -> Self {
        Self {
            value: Arc::clone(&self.value),
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
