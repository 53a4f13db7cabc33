//! The read-modify-write under every store's `update` and `compare_and_swap`: a
//! [`Decision`] made from the value a key holds, and [`Trie::rewrite`], which applies
//! one to a version.
//!
//! Each store runs it under its own writer lock and adds its own part around it:
//! [`TrieStore`](crate::TrieStore) publishes the next version; the durable store also
//! encodes the change as a log record and appends it before publishing; the cache, whose
//! writes also expire, weigh and evict entries, takes only the [`Decision`] and applies
//! it itself.
#![forbid(unsafe_code)]

use crate::node::Leaf;
use crate::sync::Arc;
use crate::Trie;

/// What a read-modify-write does to its key, decided from the value the key holds.
pub(crate) enum Decision<V> {
    /// Leave the key as it is.
    Keep,
    /// Map the key to this value.
    Put(V),
    /// Remove the key (a decision to write, even if the key is absent).
    Remove,
}

impl<V> Decision<V> {
    /// Writes `new`: puts it, or removes the key if it is `None`.
    pub(crate) fn write(new: Option<V>) -> Self {
        match new {
            Some(value) => Self::Put(value),
            None => Self::Remove,
        }
    }

    /// `update`'s decision: write what `f` makes of the current value (`None` removes).
    pub(crate) fn update(
        f: impl FnOnce(Option<&V>) -> Option<V>,
    ) -> impl FnOnce(Option<&V>) -> Self {
        |current| Self::write(f(current))
    }

    /// `compare_and_swap`'s decision: write `new` (`None` removes) if the current value
    /// equals `expected` (`None`: the key is absent), keep it otherwise.
    pub(crate) fn swap<'a>(
        expected: Option<&'a V>,
        new: Option<V>,
    ) -> impl FnOnce(Option<&V>) -> Self + 'a
    where
        V: PartialEq,
    {
        move |current| {
            if current == expected {
                Self::write(new)
            } else {
                Self::Keep
            }
        }
    }
}

/// What [`Trie::rewrite`] did.
pub(crate) struct Rewritten<V> {
    /// The leaf the key held in the version rewritten.
    pub(crate) previous: Option<Arc<Leaf<V>>>,
    /// The next version, if the decision changed the trie (removing an absent key, or
    /// keeping, does not).
    pub(crate) next: Option<Trie<V>>,
    /// Whether the decision was to write ([`Decision::Put`] or [`Decision::Remove`]).
    pub(crate) wrote: bool,
}

impl<V> Trie<V> {
    /// Applies the decision `decide` makes from the value under `key` (`None` if absent)
    /// to this version, which stays unchanged: returns the leaf `key` held, the next
    /// version if the decision changes the trie, and whether it decided to write.
    pub(crate) fn rewrite(
        &self,
        key: &[u8],
        decide: impl FnOnce(Option<&V>) -> Decision<V>,
    ) -> Rewritten<V> {
        let previous = self.get_leaf(key).cloned();
        let (next, wrote) = match decide(previous.as_deref().map(|leaf| &leaf.value)) {
            Decision::Keep => (None, false),
            Decision::Put(value) => (Some(self.put(key, value)), true),
            Decision::Remove => (self.remove_entry(key).map(|(next, _)| next), true),
        };
        Rewritten {
            previous,
            next,
            wrote,
        }
    }
}
