//! [`Range`]: the entries of a trie whose keys lie in a range of byte strings, walked
//! from either end without recursion.
//!
//! Each end is a cursor: a stack of the children still to visit on the path from the
//! root down to the range's bound, one run per branch. Seeking a bound walks that path
//! once, keeping at each branch only the children on the range's side of the bound's
//! byte (a subtree that parts from the bound inside a segment lies wholly on one side,
//! decided by the byte where they part). The front cursor walks in pre-order (a
//! branch's own key before the keys below it), the back cursor in its reverse (the keys
//! below a branch, highest first, then its own).
//!
//! Each end keeps the leaf it gives next, and the two ends stop where they meet: when
//! one gives the leaf the other holds. A leaf sits at one place in a trie, so meeting is
//! a comparison of addresses, and only the first two leaves' keys are compared (to
//! find a range with no key at all); the keys in between are given without a look at
//! the bounds.
#![forbid(unsafe_code)]

use std::iter::FusedIterator;
use std::ops::Bound;

use crate::iter::Cursor;
use crate::node::{Branch, Child, ChildIter, Leaf};

/// An iterator over the entries of a [`Trie`](crate::Trie) whose keys lie in a range,
/// in ascending byte order, from either end ([`DoubleEndedIterator`]).
///
/// Created by [`Trie::range`](crate::Trie::range). Keys and values are borrowed from
/// the trie, as [`Iter`](crate::Iter) lends them.
///
/// ```
/// use cowtrie::Trie;
///
/// let trie: Trie<u32> = [("apple", 1), ("apricot", 2), ("banana", 3), ("cherry", 4)]
///     .into_iter()
///     .collect();
/// let keys: Vec<&[u8]> = trie.range("apricot".."cherry").map(|(k, _)| k).collect();
/// assert_eq!(keys, [&b"apricot"[..], b"banana"]);
/// let last_two: Vec<u32> = trie.range::<&str>(..).rev().take(2).map(|(_, v)| *v).collect();
/// assert_eq!(last_two, [4, 3]);
/// ```
pub struct Range<'a, V> {
    front: Cursor<'a, V>,
    back: Back<'a, V>,
    /// The leaf each end gives next (`None`: the range is used up): the lowest and the
    /// highest not yet given.
    next_front: Option<&'a Leaf<V>>,
    next_back: Option<&'a Leaf<V>>,
}

/// The back cursor: children to visit in descending byte order, deepest run last, each
/// run with the value of its branch, given after the run (it is lower than every key
/// below it).
struct Back<'a, V> {
    stack: Vec<(ChildIter<'a, V>, Option<&'a Leaf<V>>)>,
}

/// Where a subtree under a branch child lies against a bound: wholly below it, wholly
/// above it, or on its path (the bound goes on down into it).
enum Side {
    Below,
    Above,
    OnPath,
}

/// Where the subtree of `branch`, entered at key depth `depth`, lies against `bound`
/// (whose byte at `depth` is the branch's first segment byte).
fn side<V>(branch: &Branch<V>, bound: &[u8], depth: usize) -> Side {
    let rest = &bound[depth..];
    let common = branch
        .segment
        .iter()
        .zip(rest)
        .take_while(|(a, b)| a == b)
        .count();
    if common == branch.segment.len() {
        Side::OnPath
    } else if common == rest.len() || branch.segment[common] > rest[common] {
        // The bound ends inside the segment (a proper prefix of every key below), or
        // parts from it to a lower byte.
        Side::Above
    } else {
        Side::Below
    }
}

/// The front end: a [`Cursor`] at the first key of `root`'s trie not below `lower`.
fn seek_front<'a, V>(root: Option<&'a Branch<V>>, lower: Bound<&[u8]>) -> Cursor<'a, V> {
    let mut cursor = Cursor {
        stack: Vec::new(),
        pending: None,
    };
    let Some(mut node) = root else {
        return cursor;
    };
    let (key, included) = match lower {
        Bound::Unbounded => {
            cursor.pending = Some(node);
            return cursor;
        }
        Bound::Included(key) => (key, true),
        Bound::Excluded(key) => (key, false),
    };
    let mut depth = 0;
    loop {
        let Some(&byte) = key.get(depth) else {
            // This branch's path is the bound: its value is in the range if the bound
            // is, and every child is above it.
            if included {
                cursor.pending = Some(node);
            } else {
                cursor.stack.push(node.children.iter());
            }
            return cursor;
        };
        // The children above the bound's byte come after everything below it.
        let (rank, present) = node.children.rank_of(byte);
        let mut later = node.children.iter();
        later.skip_front(rank + usize::from(present));
        cursor.stack.push(later);
        let Some(child) = node.child(byte) else {
            return cursor;
        };
        match child {
            Child::Leaf(leaf) => {
                let keep = &leaf.key[..] > key || (included && &leaf.key[..] == key);
                if keep {
                    cursor.stack.push(ChildIter::one(child));
                }
                return cursor;
            }
            Child::Branch(branch) => match side(branch, key, depth) {
                Side::OnPath => {
                    depth += branch.segment.len();
                    node = branch;
                }
                Side::Above => {
                    cursor.stack.push(ChildIter::one(child));
                    return cursor;
                }
                Side::Below => return cursor,
            },
        }
    }
}

impl<'a, V> Back<'a, V> {
    /// A cursor at the last key of `root`'s trie not above `upper`.
    fn seek(root: Option<&'a Branch<V>>, upper: Bound<&[u8]>) -> Self {
        let mut cursor = Self { stack: Vec::new() };
        let Some(mut node) = root else {
            return cursor;
        };
        let (key, included) = match upper {
            Bound::Unbounded => {
                cursor
                    .stack
                    .push((node.children.iter(), node.value.as_deref()));
                return cursor;
            }
            Bound::Included(key) => (key, true),
            Bound::Excluded(key) => (key, false),
        };
        let mut depth = 0;
        loop {
            let Some(&byte) = key.get(depth) else {
                // This branch's path is the bound: every child is above it.
                let value = node.value.as_deref().filter(|_| included);
                cursor.stack.push((ChildIter::empty(), value));
                return cursor;
            };
            // The children below the bound's byte, and this branch's value (its path is
            // a proper prefix of the bound), come before the bound.
            let (rank, _) = node.children.rank_of(byte);
            let mut earlier = node.children.iter();
            earlier.keep_front(rank);
            cursor.stack.push((earlier, node.value.as_deref()));
            let Some(child) = node.child(byte) else {
                return cursor;
            };
            match child {
                Child::Leaf(leaf) => {
                    let keep = &leaf.key[..] < key || (included && &leaf.key[..] == key);
                    if keep {
                        cursor.stack.push((ChildIter::one(child), None));
                    }
                    return cursor;
                }
                Child::Branch(branch) => match side(branch, key, depth) {
                    Side::OnPath => {
                        depth += branch.segment.len();
                        node = branch;
                    }
                    Side::Below => {
                        cursor.stack.push((ChildIter::one(child), None));
                        return cursor;
                    }
                    Side::Above => return cursor,
                },
            }
        }
    }

    fn next(&mut self) -> Option<&'a Leaf<V>> {
        loop {
            let (children, value) = self.stack.last_mut()?;
            match children.next_back() {
                Some(Child::Leaf(leaf)) => return Some(leaf),
                Some(Child::Branch(branch)) => self
                    .stack
                    .push((branch.children.iter(), branch.value.as_deref())),
                None => {
                    let value = value.take();
                    self.stack.pop();
                    if value.is_some() {
                        return value;
                    }
                }
            }
        }
    }
}

impl<'a, V> Range<'a, V> {
    /// The entries of the trie under `root` between `lower` and `upper`.
    pub(crate) fn new(
        root: Option<&'a Branch<V>>,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
    ) -> Self {
        // A range that ends before it starts is empty (`BTreeMap::range` panics on it).
        let empty = match (lower, upper) {
            (Bound::Included(l), Bound::Included(u)) => l > u,
            (Bound::Included(l) | Bound::Excluded(l), Bound::Excluded(u))
            | (Bound::Excluded(l), Bound::Included(u)) => l >= u,
            _ => false,
        };
        let mut front = seek_front(root, lower);
        let mut back = Back::seek(root, upper);
        let (first, last) = if empty {
            (None, None)
        } else {
            (front.next_leaf(), back.next())
        };
        // Both ends seeked to keys inside their own bound; the range has a key iff the
        // lowest key not below `lower` is not above the highest not above `upper`.
        let (next_front, next_back) = match (first, last) {
            (Some(first), Some(last)) if first.key <= last.key => (Some(first), Some(last)),
            _ => (None, None),
        };
        Self {
            front,
            back,
            next_front,
            next_back,
        }
    }

    /// Ends the range once an end has given `leaf`, the leaf the other end holds.
    fn given(&mut self, leaf: &'a Leaf<V>) -> (&'a [u8], &'a V) {
        let met = self
            .next_front
            .zip(self.next_back)
            .map_or(true, |(front, back)| std::ptr::eq(front, back));
        if met {
            self.next_front = None;
            self.next_back = None;
        }
        (&leaf.key[..], &leaf.value)
    }
}

impl<'a, V> Iterator for Range<'a, V> {
    type Item = (&'a [u8], &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        let leaf = self.next_front?;
        let item = self.given(leaf);
        if self.next_front.is_some() {
            self.next_front = self.front.next_leaf();
        }
        Some(item)
    }
}

impl<V> DoubleEndedIterator for Range<'_, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let leaf = self.next_back?;
        let item = self.given(leaf);
        if self.next_back.is_some() {
            self.next_back = self.back.next();
        }
        Some(item)
    }
}

impl<V> FusedIterator for Range<'_, V> {}
