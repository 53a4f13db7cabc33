//! Puts into a trie that one owner holds outright: every node on the path that no other
//! version shares is changed in place; the first shared one, and every one below it, is
//! copied as [`put`](super::put) copies it, after which the copies are the owner's too.
//!
//! *Owned outright* means the node's `Arc` has no other handle: `Arc::get_mut` answers
//! that (it sees every clone: other versions, guards, snapshots). A version published in
//! a store's root cell is never changed this way, because the cell lends it only by
//! shared reference (`&Trie`): the owner here is a version being built, by
//! [`Trie::extend`](crate::Trie) or [`WriteBatch`](crate::WriteBatch) after its first
//! write, which no reader can reach before it is published.
//!
//! So a batch of writes copies each shared node once, not once per write, and a trie
//! built by `extend` from nothing copies no node at all: each put touches the counts of
//! the children it moves, not of every sibling on its path (node invariant 5 holds: a
//! node is changed only while no other version shares it).

use super::{common_prefix, fork, share, Branch, Child, Entry, Leaf};
use crate::sync::Arc;

/// The branch `arc` points to, to change: in place if this is its only handle, else a
/// copy (sharing its value and children) put in its place first.
fn unique<V>(arc: &mut Arc<Branch<V>>) -> &mut Branch<V> {
    if Arc::get_mut(arc).is_none() {
        *arc = Arc::new(arc.copy_with_segment(arc.segment.clone()));
    }
    Arc::get_mut(arc).expect("a branch just copied has one handle")
}

/// What a put does at one branch on its path, decided before anything is changed.
enum Step {
    /// The key ends here: it becomes the branch's value.
    Value,
    /// A new child under the byte, or one that replaces a leaf with the same key.
    Leaf { replaces: bool },
    /// The key and the leaf under the byte part after `common` bytes of the key: a fork.
    ForkLeaf { common: usize },
    /// The key leaves the child branch's segment after `common` bytes: a fork above it.
    Split { common: usize },
    /// The child branch's segment is all on the key's path: go down `common` bytes.
    Descend { common: usize },
}

/// Puts `key -> value` below `root` (made if there is none) and returns whether a value
/// was replaced, changing in place every branch on the path this handle owns outright.
/// The resulting shape is the one [`put`](super::put) gives (node invariants 1–4).
pub(crate) fn put<V>(root: &mut Option<Arc<Branch<V>>>, key: &[u8], value: V) -> bool {
    let leaf = Arc::new(Leaf {
        key: key.into(),
        value,
    });
    let mut node = unique(root.get_or_insert_with(|| Arc::new(Branch::empty())));
    let mut depth = 0;
    loop {
        let step = match key.get(depth) {
            None => Step::Value,
            Some(&byte) => match node.child(byte) {
                None => Step::Leaf { replaces: false },
                Some(Child::Leaf(old)) if old.key[..] == *key => Step::Leaf { replaces: true },
                Some(Child::Leaf(old)) => Step::ForkLeaf {
                    common: depth + common_prefix(&old.key[depth..], &key[depth..]),
                },
                Some(Child::Branch(branch)) => {
                    let common = common_prefix(&branch.segment, &key[depth..]);
                    if common == branch.segment.len() {
                        Step::Descend { common }
                    } else {
                        Step::Split { common }
                    }
                }
            },
        };
        // `key[depth]` exists in every step but `Value`.
        let byte = key.get(depth).copied().unwrap_or_default();
        let child = match step {
            Step::Value => return node.value.replace(leaf).is_some(),
            Step::Descend { common } => {
                let Some(Child::Branch(branch)) = node.children.get_mut(byte) else {
                    unreachable!("the step was decided on a branch child under this byte");
                };
                node = unique(branch);
                depth += common;
                continue;
            }
            Step::Leaf { replaces } => {
                node.children.set(byte, Child::Leaf(leaf));
                return replaces;
            }
            Step::ForkLeaf { common } => {
                let Some(Child::Leaf(old)) = node.child(byte) else {
                    unreachable!("the step was decided on a leaf child under this byte");
                };
                let entries = [share(old), leaf].map(|leaf| match leaf.key.get(common) {
                    Some(&next) => Entry::Child(next, Child::Leaf(leaf)),
                    None => Entry::Value(leaf),
                });
                Child::Branch(Arc::new(fork(&key[depth..common], entries)))
            }
            Step::Split { common } => {
                let Some(Child::Branch(branch)) = node.child(byte) else {
                    unreachable!("the step was decided on a branch child under this byte");
                };
                let lower = branch.copy_with_segment(branch.segment[common..].into());
                let lower = Entry::Child(lower.segment[0], Child::Branch(Arc::new(lower)));
                let new = match key.get(depth + common) {
                    Some(&next) => Entry::Child(next, Child::Leaf(leaf)),
                    None => Entry::Value(leaf),
                };
                Child::Branch(Arc::new(fork(&branch.segment[..common], [lower, new])))
            }
        };
        node.children.set(byte, child);
        return false;
    }
}
