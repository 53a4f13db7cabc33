//! Building a trie from entries in ascending key order in one pass, without path
//! copying: what loading a snapshot needs (one `put` per entry would copy every branch
//! on each key's path, a million times for a million keys).
//!
//! The walk keeps the branches on the path to the last key, deepest last, each with the
//! length of its path (its *depth*). A new key shares `l` bytes with the one before it:
//! the open branches deeper than `l` are complete, so they are closed into their parents;
//! if no open branch is exactly `l` deep, a new one opens there, where the two keys part.
//! So each branch opens at the point where two keys part (invariant 4) with its segment
//! the bytes between its parent's depth and its own (invariants 1, 2), exactly the shape
//! `put` would give the same keys. Loops only, no recursion.

use super::{Branch, Bytes, Child, Children, Leaf};
use crate::sync::Arc;

/// An open branch: its path so far, its value and its children, in byte order.
struct Open<V> {
    path: Bytes,
    value: Option<Arc<Leaf<V>>>,
    children: Vec<(u8, Child<V>)>,
}

/// A finished subtree waiting for its parent: a leaf, or a closed branch (with its
/// whole path; the segment is the part below the parent's depth).
enum Done<V> {
    Leaf(Arc<Leaf<V>>),
    Branch(Open<V>),
}

impl<V> Done<V> {
    fn key(&self) -> &[u8] {
        match self {
            Done::Leaf(leaf) => &leaf.key,
            Done::Branch(open) => &open.path,
        }
    }
}

impl<V> Open<V> {
    fn new(path: &[u8]) -> Self {
        Self {
            path: path.into(),
            value: None,
            children: Vec::new(),
        }
    }

    /// Hangs `done` below this branch.
    fn adopt(&mut self, done: Done<V>) {
        let depth = self.path.len();
        match done {
            Done::Leaf(leaf) if leaf.key.len() == depth => self.value = Some(leaf),
            Done::Leaf(leaf) => self.children.push((leaf.key[depth], Child::Leaf(leaf))),
            Done::Branch(open) => {
                let byte = open.path[depth];
                let branch = open.close(depth);
                self.children.push((byte, Child::Branch(Arc::new(branch))));
            }
        }
    }

    /// The branch, its parent `parent_depth` deep.
    fn close(self, parent_depth: usize) -> Branch<V> {
        Branch {
            segment: self.path[parent_depth..].into(),
            value: self.value,
            children: Children::from_sorted(self.children),
        }
    }
}

/// The root of the trie holding `entries`, whose keys must strictly ascend; `None` if
/// there are none.
pub(crate) fn from_sorted<K: AsRef<[u8]>, V>(
    entries: impl IntoIterator<Item = (K, V)>,
) -> Option<Arc<Branch<V>>> {
    let mut open: Vec<Open<V>> = vec![Open::new(&[])];
    let mut pending: Option<Done<V>> = None;
    for (key, value) in entries {
        let key = key.as_ref();
        let leaf = Arc::new(Leaf {
            key: key.into(),
            value,
        });
        if let Some(mut done) = pending.take() {
            let shared = super::common_prefix(done.key(), key);
            debug_assert!(done.key() < key, "keys must strictly ascend");
            // Close the branches deeper than where the keys part.
            while open.last().is_some_and(|top| top.path.len() > shared) {
                let mut top = open.pop().expect("checked non-empty");
                top.adopt(done);
                done = Done::Branch(top);
            }
            let top = open.last_mut().expect("the root is never closed here");
            if top.path.len() < shared {
                let mut fork = Open::new(&key[..shared]);
                fork.adopt(done);
                open.push(fork);
            } else {
                top.adopt(done);
            }
        }
        pending = Some(Done::Leaf(leaf));
    }
    let mut done = pending?;
    while let Some(mut top) = open.pop() {
        top.adopt(done);
        done = Done::Branch(top);
    }
    match done {
        Done::Branch(root) => Some(Arc::new(root.close(0))),
        Done::Leaf(_) => unreachable!("the root is always open"),
    }
}
