//! Trie nodes and the path-copying algorithms on them.
//!
//! Every function here takes shared nodes and returns new ones; no node is ever changed
//! after it is wrapped in an `Arc`. All walks are loops over an explicit path, never a
//! recursion per key byte or per level, so keys of any length and tries of any depth
//! work on a small stack.
#![forbid(unsafe_code)]

use crate::sync::{self, Arc};

/// One node of a path-compressed (radix) trie.
///
/// A node stands for the key spelled by the `segment`s from the root down to it.
///
/// ```text
///  keys: "", "to", "tea", "ten"
///
///         (root) seg ""  value: Some   labels: [t]
///            |
///         seg "t"    value: None       labels: [e, o]
///          /    \
///   seg "e"     seg "o" value: Some
///   value: None
///   labels: [a, n]
///    /     \
/// seg "a"  seg "n"
/// Some     Some
/// ```
///
/// # Invariants
///
/// 1. `labels.len() == children.len()`, and `labels[i] == children[i].segment[0]`;
///    labels are strictly ascending, so children are in byte order.
/// 2. The root has an empty segment; every other node has a non-empty one.
/// 3. A node other than the root holds a value or has at least two children. (Removal
///    prunes and merges to keep this, so each set of keys has exactly one shape.)
/// 4. Nodes are never mutated once shared: a change copies the nodes on the changed path
///    and shares everything else.
pub(crate) struct Node<V> {
    pub(crate) segment: Box<[u8]>,
    pub(crate) value: Option<Arc<V>>,
    pub(crate) labels: Vec<u8>,
    pub(crate) children: Vec<Arc<Node<V>>>,
}

impl<V> Node<V> {
    fn empty() -> Self {
        Self {
            segment: Box::default(),
            value: None,
            labels: Vec::new(),
            children: Vec::new(),
        }
    }

    fn leaf(segment: &[u8], value: Arc<V>) -> Self {
        let mut leaf = Self::empty();
        leaf.segment = segment.into();
        leaf.value = Some(value);
        leaf
    }

    /// A copy that shares the value and the children.
    fn shallow_copy(&self) -> Self {
        Self {
            segment: self.segment.clone(),
            value: self.value.clone(),
            labels: self.labels.clone(),
            children: self.children.clone(),
        }
    }

    /// The index of the child whose segment starts with `byte`.
    pub(crate) fn child_index(&self, byte: u8) -> Result<usize, usize> {
        self.labels.binary_search(&byte)
    }

    fn insert_child(&mut self, at: usize, child: Node<V>) {
        self.labels.insert(at, child.segment[0]);
        self.children.insert(at, Arc::new(child));
    }

    fn remove_child(&mut self, at: usize) {
        self.labels.remove(at);
        self.children.remove(at);
    }

    /// Keeps invariant 3 for a non-root node that may have lost its value or a child:
    /// a node with neither disappears, a node with no value and one child merges into it.
    fn normalize(self) -> Option<Self> {
        if self.value.is_some() || self.children.len() > 1 {
            return Some(self);
        }
        let only = self.children.first()?;
        let mut segment = Vec::with_capacity(self.segment.len() + only.segment.len());
        segment.extend_from_slice(&self.segment);
        segment.extend_from_slice(&only.segment);
        let mut merged = only.shallow_copy();
        merged.segment = segment.into();
        Some(merged)
    }
}

impl<V> Drop for Node<V> {
    /// Drops a subtree without recursion: children whose last handle is ours are
    /// unwrapped onto an explicit stack, so a trie as deep as a 1 MiB key drops on a
    /// small thread stack.
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.children);
        while let Some(child) = stack.pop() {
            if let Some(mut node) = sync::arc_into_inner(child) {
                stack.append(&mut node.children);
            }
        }
    }
}

/// Length of the longest common prefix of `a` and `b`.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Looks up `key` below `root`.
pub(crate) fn get<'a, V>(root: &'a Node<V>, key: &[u8]) -> Option<&'a Arc<V>> {
    let mut node = root;
    let mut rest = key;
    loop {
        let Some((&first, _)) = rest.split_first() else {
            return node.value.as_ref();
        };
        let child = &node.children[node.child_index(first).ok()?];
        rest = rest.strip_prefix(&*child.segment)?;
        node = child;
    }
}

/// Finds the subtree holding every key that starts with `prefix`: the node, and the key
/// bytes above its segment. `None` if no key starts with `prefix`.
pub(crate) fn find_prefix<'a, V>(root: &'a Node<V>, prefix: &[u8]) -> Option<(&'a Node<V>, usize)> {
    let mut node = root;
    let mut consumed = 0;
    loop {
        let rest = &prefix[consumed..];
        let Some((&first, _)) = rest.split_first() else {
            return Some((node, consumed - node.segment.len()));
        };
        let child = &node.children[node.child_index(first).ok()?];
        let common = common_prefix(&child.segment, rest);
        if common == rest.len() {
            // The prefix ends inside (or at the end of) this child's segment.
            return Some((child, consumed));
        }
        if common < child.segment.len() {
            return None;
        }
        consumed += common;
        node = child;
    }
}

/// Returns a new root holding `key -> value`, and whether a value was replaced.
///
/// Copies the nodes on the key's path (plus, when the key ends or branches inside a
/// node's segment, that node with its segment shortened) and shares all others.
pub(crate) fn put<V>(root: Option<&Node<V>>, key: &[u8], value: Arc<V>) -> (Arc<Node<V>>, bool) {
    // Copies of the nodes above the change, each with the index of the child to replace.
    let mut path: Vec<(Node<V>, usize)> = Vec::new();
    let mut node = root.map_or_else(Node::empty, Node::shallow_copy);
    let mut rest = key;
    let mut replaced = false;
    loop {
        let Some((&first, _)) = rest.split_first() else {
            replaced = node.value.replace(value).is_some();
            break;
        };
        let index = match node.child_index(first) {
            Ok(index) => index,
            Err(at) => {
                node.insert_child(at, Node::leaf(rest, value));
                break;
            }
        };
        let child = &node.children[index];
        let common = common_prefix(&child.segment, rest);
        if common == child.segment.len() {
            let next = child.shallow_copy();
            rest = &rest[common..];
            path.push((node, index));
            node = next;
            continue;
        }
        // The key leaves `child`'s segment after `common` (>= 1) bytes: split it.
        let mut lower = child.shallow_copy();
        lower.segment = child.segment[common..].into();
        let mut middle = Node::empty();
        middle.segment = child.segment[..common].into();
        match rest.get(common..).filter(|tail| !tail.is_empty()) {
            None => {
                middle.value = Some(value);
                middle.insert_child(0, lower);
            }
            Some(tail) => {
                let leaf = Node::leaf(tail, value);
                let (a, b) = if leaf.segment[0] < lower.segment[0] {
                    (leaf, lower)
                } else {
                    (lower, leaf)
                };
                middle.insert_child(0, a);
                middle.insert_child(1, b);
            }
        }
        node.children[index] = Arc::new(middle);
        break;
    }
    (rebuild(path, node), replaced)
}

/// Removes `key` below `root`. `None` if the key is absent (nothing to copy); otherwise
/// the new root (`None` when the trie became empty) and the removed value.
#[allow(clippy::type_complexity, reason = "a private helper with one caller")]
pub(crate) fn remove<V>(root: &Node<V>, key: &[u8]) -> Option<(Option<Arc<Node<V>>>, Arc<V>)> {
    // The nodes above the target, each with the index of the child on the path.
    let mut path: Vec<(&Node<V>, usize)> = Vec::new();
    let mut node = root;
    let mut rest = key;
    while let Some((&first, _)) = rest.split_first() {
        let index = node.child_index(first).ok()?;
        let child = &node.children[index];
        rest = rest.strip_prefix(&*child.segment)?;
        path.push((node, index));
        node = child;
    }
    let removed = node.value.clone()?;
    let mut target = node.shallow_copy();
    target.value = None;

    // Walk back up: each parent is copied with its child replaced, or removed when the
    // child vanished. Non-root copies are normalised (invariant 3); the root is not.
    let mut replacement = if path.is_empty() {
        Some(target)
    } else {
        target.normalize()
    };
    for (depth, (parent, index)) in path.into_iter().enumerate().rev() {
        let mut copy = parent.shallow_copy();
        match replacement {
            Some(child) => copy.children[index] = Arc::new(child),
            None => copy.remove_child(index),
        }
        replacement = if depth == 0 {
            Some(copy)
        } else {
            copy.normalize()
        };
    }
    let root = replacement.filter(|root| root.value.is_some() || !root.children.is_empty());
    Some((root.map(Arc::new), removed))
}

/// Wraps `node` and the copies above it, bottom-up, into a new root.
fn rebuild<V>(path: Vec<(Node<V>, usize)>, node: Node<V>) -> Arc<Node<V>> {
    let mut current = Arc::new(node);
    for (mut parent, index) in path.into_iter().rev() {
        parent.children[index] = current;
        current = Arc::new(parent);
    }
    current
}
