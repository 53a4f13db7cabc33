//! Iteration over a trie in ascending byte order, without recursion.
#![forbid(unsafe_code)]

use std::iter::FusedIterator;

use crate::node::Node;

/// An iterator over the entries of a [`Trie`](crate::Trie) (or of the part of it under a
/// prefix), in ascending byte order of the keys.
///
/// Created by [`Trie::iter`](crate::Trie::iter) and
/// [`Trie::scan_prefix`](crate::Trie::scan_prefix). Each item is the whole key (a fresh
/// `Vec<u8>`) and a reference to the value. The walk keeps an explicit stack, so deep
/// tries cannot overflow the thread's stack.
pub struct Iter<'a, V> {
    /// The key spelled from the root down to the top of `stack`.
    key: Vec<u8>,
    /// Nodes entered, each with the index of the next child to visit.
    stack: Vec<(&'a Node<V>, usize)>,
    /// A node to enter on the next step.
    pending: Option<&'a Node<V>>,
}

impl<'a, V> Iter<'a, V> {
    /// Walks the subtree under `start`, whose segment follows the key bytes `above`.
    pub(crate) fn new(start: Option<(&'a Node<V>, &[u8])>) -> Self {
        let (pending, key) = match start {
            Some((node, above)) => (Some(node), above.to_vec()),
            None => (None, Vec::new()),
        };
        Self {
            key,
            stack: Vec::new(),
            pending,
        }
    }
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (Vec<u8>, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(node) = self.pending.take() {
                // Pre-order: a key comes before every key it is a prefix of, and the
                // children are in byte order (node invariant 1).
                self.key.extend_from_slice(&node.segment);
                self.stack.push((node, 0));
                if let Some(value) = &node.value {
                    return Some((self.key.clone(), value));
                }
                continue;
            }
            let (node, next_child) = self.stack.last_mut()?;
            if let Some(child) = node.children.get(*next_child) {
                *next_child += 1;
                self.pending = Some(child);
            } else {
                let keep = self.key.len() - node.segment.len();
                self.key.truncate(keep);
                self.stack.pop();
            }
        }
    }
}

impl<V> FusedIterator for Iter<'_, V> {}
