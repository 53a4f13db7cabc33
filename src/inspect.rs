//! Read-only inspection of a version's nodes: [`Trie::nodes`] and [`NodeView`], for
//! teaching (drawings of how versions share nodes) and for tests.
//!
//! # Protocol
//!
//! [`Trie::nodes`] walks one version without recursion, in pre-order: a branch, then
//! its value's leaf (if any), then its children in ascending byte order, each subtree
//! whole before the next. Each node comes as a [`NodeView`]: its [`NodeId`], its
//! parent's, its depth, the byte that leads to it from its parent, and what it holds.
//! Nothing can be changed through a view; nodes never change anyway (node invariant 5).
//!
//! # Invariants
//!
//! 1. A [`NodeId`] names one allocation: two views have equal ids exactly when they
//!    show the same node, whichever versions they were reached from, as long as those
//!    versions are alive (a freed node's id may be given to a later node). So sharing
//!    between two live versions is id equality.
//! 2. A [`ValueGuard`](crate::ValueGuard)'s [`node_id`](crate::ValueGuard::node_id) is
//!    the id of the leaf it keeps alive.
//! 3. The walk yields every node reachable from the root once per path to it; in a trie
//!    each node has one parent within a version, so once.
//! 4. The order is deterministic: it depends on the keys only, never on addresses.
#![forbid(unsafe_code)]

use std::fmt;

use crate::node::{Branch, Child, Leaf};
use crate::Trie;

/// The identity of a trie node: equal for the same node seen from different versions
/// (see the module's invariant 1). Opaque; its `Debug` shows no address.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeId(usize);

impl NodeId {
    fn of<T>(node: &T) -> Self {
        Self((node as *const T).cast::<()>() as usize)
    }

    pub(crate) fn of_leaf<V>(leaf: &Leaf<V>) -> Self {
        Self::of(leaf)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NodeId(..)")
    }
}

/// What a node holds.
#[derive(Debug)]
pub enum NodeKind<'a, V> {
    /// A branch: the compressed run of key bytes it stands for below its parent (empty
    /// for the root).
    Branch {
        /// The key bytes this branch adds to its path.
        segment: &'a [u8],
    },
    /// A leaf: one stored entry, with its whole key.
    Leaf {
        /// The entry's key.
        key: &'a [u8],
        /// The entry's value.
        value: &'a V,
    },
}

/// One node of a version, as [`Trie::nodes`] yields it.
#[derive(Debug)]
pub struct NodeView<'a, V> {
    id: NodeId,
    parent: Option<NodeId>,
    byte: Option<u8>,
    depth: usize,
    kind: NodeKind<'a, V>,
}

impl<'a, V> NodeView<'a, V> {
    /// This node's identity.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The branch holding this node (`None` for the root).
    pub fn parent(&self) -> Option<NodeId> {
        self.parent
    }

    /// The byte under which the parent holds this node; `None` for the root and for a
    /// leaf that is its parent's own value (its key ends at the parent's path).
    pub fn byte(&self) -> Option<u8> {
        self.byte
    }

    /// The number of branches above this node (0 for the root).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// What the node holds.
    pub fn kind(&self) -> &NodeKind<'a, V> {
        &self.kind
    }
}

/// The nodes of a version in pre-order; created by [`Trie::nodes`].
pub struct Nodes<'a, V> {
    /// Nodes still to yield, the next on top.
    stack: Vec<Pending<'a, V>>,
}

/// A node still to yield, with where it hangs.
struct Pending<'a, V> {
    node: Node<'a, V>,
    parent: Option<NodeId>,
    byte: Option<u8>,
    depth: usize,
    /// The length of the path (key bytes) of the node's parent: a leaf child hangs
    /// under its key's byte at this index.
    above: usize,
}

enum Node<'a, V> {
    Branch(&'a Branch<V>),
    Leaf(&'a Leaf<V>),
}

impl<'a, V> Iterator for Nodes<'a, V> {
    type Item = NodeView<'a, V>;

    fn next(&mut self) -> Option<NodeView<'a, V>> {
        let Pending {
            node,
            parent,
            byte,
            depth,
            above,
        } = self.stack.pop()?;
        let (id, kind) = match node {
            Node::Leaf(leaf) => (
                NodeId::of(leaf),
                NodeKind::Leaf {
                    key: &leaf.key,
                    value: &leaf.value,
                },
            ),
            Node::Branch(branch) => {
                let id = NodeId::of(branch);
                let path = above + branch.segment.len();
                let below = |node, byte| Pending {
                    node,
                    parent: Some(id),
                    byte,
                    depth: depth + 1,
                    above: path,
                };
                // Pushed last-first, so that they come out value first, then byte order.
                let children: Vec<&Child<V>> = branch.children.iter().collect();
                for child in children.into_iter().rev() {
                    // Branch invariant 1: a leaf child's key has its byte right after the
                    // path; a branch child's segment starts with it.
                    let pending = match child {
                        Child::Leaf(leaf) => {
                            below(Node::Leaf(&**leaf), leaf.key.get(path).copied())
                        }
                        Child::Branch(b) => below(Node::Branch(&**b), b.segment.first().copied()),
                    };
                    self.stack.push(pending);
                }
                if let Some(leaf) = branch.value.as_deref() {
                    self.stack.push(below(Node::Leaf(leaf), None));
                }
                (
                    id,
                    NodeKind::Branch {
                        segment: &branch.segment,
                    },
                )
            }
        };
        Some(NodeView {
            id,
            parent,
            byte,
            depth,
            kind,
        })
    }
}

impl<V> Trie<V> {
    /// Every node of this version, branches and leaves, in pre-order (a branch, its
    /// value's leaf, then its children in byte order), each with an identity that is
    /// the same in every version sharing the node. A teaching and testing aid: drawings
    /// of versions sharing nodes (`cowtrie draw sharing`) are made from it. O(nodes).
    ///
    /// ```
    /// use std::collections::HashSet;
    /// use cowtrie::inspect::NodeKind;
    /// use cowtrie::Trie;
    ///
    /// let v1 = Trie::new().put("tea", 1).put("ten", 2).put("to", 3);
    /// let v2 = v1.put("tea", 4);
    /// let old: HashSet<_> = v1.nodes().map(|n| n.id()).collect();
    /// // v2 copied the branches on the path to "tea" and made a new leaf for it;
    /// // the leaves of "ten" and "to" are the very nodes v1 has.
    /// let shared: Vec<_> = v2
    ///     .nodes()
    ///     .filter(|n| old.contains(&n.id()))
    ///     .map(|n| match n.kind() {
    ///         NodeKind::Leaf { key, .. } => String::from_utf8_lossy(key).into_owned(),
    ///         NodeKind::Branch { .. } => "branch".into(),
    ///     })
    ///     .collect();
    /// assert_eq!(shared, ["ten", "to"]);
    /// ```
    pub fn nodes(&self) -> Nodes<'_, V> {
        Nodes {
            stack: self
                .root()
                .map(|root| Pending {
                    node: Node::Branch(root),
                    parent: None,
                    byte: None,
                    depth: 0,
                    above: 0,
                })
                .into_iter()
                .collect(),
        }
    }
}
