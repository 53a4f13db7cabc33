//! Iteration over a trie in ascending byte order, without recursion.
#![forbid(unsafe_code)]

use crate::node::{Branch, Child, ChildIter, Leaf, Subtree};
use std::iter::FusedIterator;

/// An iterator over the entries of a [`Trie`](crate::Trie) (or of the part of it under a
/// prefix), in ascending byte order of the keys.
///
/// Created by [`Trie::iter`](crate::Trie::iter) and
/// [`Trie::scan_prefix`](crate::Trie::scan_prefix). Each item is the whole key and the
/// value, both borrowed from the entry's leaf (which holds the whole key): walking any
/// number of entries allocates nothing but the walk's stack, one slot per level. Copy a
/// key with `to_vec()` to keep it past the trie's borrow. The walk keeps an explicit
/// stack, so deep tries cannot overflow the thread's stack.
///
/// ```
/// use cowtrie::Trie;
///
/// let trie: Trie<u32> = [("ab", 1), ("abc", 2), ("b", 3)].into_iter().collect();
/// let mut total = 0;
/// for (key, value) in trie.scan_prefix("ab") {
///     assert!(key.starts_with(b"ab"));
///     total += value;
/// }
/// assert_eq!(total, 3);
/// let keys: Vec<&[u8]> = trie.iter().map(|(key, _)| key).collect();
/// assert_eq!(keys, [&b"ab"[..], b"abc", b"b"]);
/// ```
pub struct Iter<'a, V> {
    cursor: Cursor<'a, V>,
    /// The number of entries left, when known (walking a whole trie).
    remaining: Option<usize>,
}

/// A walk in ascending byte order (pre-order: a branch's own key before the keys below
/// it), without recursion: the children still to visit, one run per branch entered (a
/// wide branch's run goes through its chunks in order), deepest last; and a branch to
/// enter on the next step. [`Iter`] walks a whole subtree with one; a
/// [`Range`](crate::Range) starts one at its lower bound.
pub(crate) struct Cursor<'a, V> {
    pub(crate) stack: Vec<ChildIter<'a, V>>,
    pub(crate) pending: Option<&'a Branch<V>>,
}

impl<'a, V> Cursor<'a, V> {
    /// The next leaf in byte order.
    pub(crate) fn next_leaf(&mut self) -> Option<&'a Leaf<V>> {
        loop {
            if let Some(branch) = self.pending.take() {
                // Pre-order: a branch's own key comes before every key below it, and the
                // children are in byte order (branch invariant 1).
                self.stack.push(branch.children.iter());
                if let Some(leaf) = &branch.value {
                    return Some(leaf);
                }
            }
            match self.stack.last_mut()?.next() {
                Some(Child::Leaf(leaf)) => return Some(leaf),
                Some(Child::Branch(branch)) => self.pending = Some(branch),
                None => drop(self.stack.pop()),
            }
        }
    }
}

impl<'a, V> Iter<'a, V> {
    /// Walks `start` (nothing if `None`); `len` is its number of entries, if known.
    pub(crate) fn new(start: Option<Subtree<'a, V>>, len: Option<usize>) -> Self {
        let mut cursor = Cursor {
            stack: Vec::new(),
            pending: None,
        };
        let mut remaining = len;
        match start {
            Some(Subtree::Root(root)) => cursor.pending = Some(root),
            Some(Subtree::Child(child)) => cursor.stack.push(ChildIter::one(child)),
            None => remaining = Some(0),
        }
        Self { cursor, remaining }
    }
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a [u8], &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        let leaf = self.cursor.next_leaf()?;
        if let Some(remaining) = &mut self.remaining {
            *remaining -= 1;
        }
        Some((&leaf.key[..], &leaf.value))
    }

    /// Exact when walking a whole trie; under a prefix, at least one entry per child
    /// still to visit (every subtree holds an entry) and per branch about to be entered.
    fn size_hint(&self) -> (usize, Option<usize>) {
        if let Some(remaining) = self.remaining {
            return (remaining, Some(remaining));
        }
        let cursor = &self.cursor;
        let children: usize = cursor.stack.iter().map(ExactSizeIterator::len).sum();
        (children + usize::from(cursor.pending.is_some()), None)
    }
}

impl<V> FusedIterator for Iter<'_, V> {}
