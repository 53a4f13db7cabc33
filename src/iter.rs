//! Iteration over a trie in ascending byte order, without recursion.
#![forbid(unsafe_code)]

use std::iter::FusedIterator;
use std::slice;

use crate::node::{Branch, Child, Leaf, Subtree};

/// An iterator over the entries of a [`Trie`](crate::Trie) (or of the part of it under a
/// prefix), in ascending byte order of the keys.
///
/// Created by [`Trie::iter`](crate::Trie::iter) and
/// [`Trie::scan_prefix`](crate::Trie::scan_prefix). Each item is the whole key (a fresh
/// `Vec<u8>`) and a reference to the value; [`next_entry`](Iter::next_entry) borrows the
/// key from the trie instead, allocating nothing. The walk keeps an explicit stack, so
/// deep tries cannot overflow the thread's stack.
pub struct Iter<'a, V> {
    /// The children still to visit, one slice per branch entered.
    stack: Vec<slice::Iter<'a, Child<V>>>,
    /// A branch to enter on the next step.
    pending: Option<&'a Branch<V>>,
}

impl<'a, V> Iter<'a, V> {
    /// Walks `start` (nothing if `None`).
    pub(crate) fn new(start: Option<Subtree<'a, V>>) -> Self {
        let mut iter = Self {
            stack: Vec::new(),
            pending: None,
        };
        match start {
            Some(Subtree::Root(root)) => iter.pending = Some(root),
            Some(Subtree::Child(child)) => iter.stack.push(slice::from_ref(child).iter()),
            None => {}
        }
        iter
    }

    /// The next entry, with the key borrowed from the trie rather than copied: the
    /// allocation-free way to walk many keys. Mixes freely with [`Iterator::next`].
    ///
    /// ```
    /// use cowtrie::Trie;
    ///
    /// let trie: Trie<u32> = [("ab", 1), ("abc", 2), ("b", 3)].into_iter().collect();
    /// let mut entries = trie.scan_prefix("ab");
    /// let mut total = 0;
    /// while let Some((key, value)) = entries.next_entry() {
    ///     assert!(key.starts_with(b"ab"));
    ///     total += value;
    /// }
    /// assert_eq!(total, 3);
    /// ```
    pub fn next_entry(&mut self) -> Option<(&'a [u8], &'a V)> {
        self.next_leaf().map(|leaf| (&leaf.key[..], &leaf.value))
    }

    fn next_leaf(&mut self) -> Option<&'a Leaf<V>> {
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

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (Vec<u8>, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().map(|(key, value)| (key.to_vec(), value))
    }
}

impl<V> FusedIterator for Iter<'_, V> {}
