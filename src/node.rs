//! Trie nodes and the path-copying algorithms on them.
//!
//! Every function here takes shared nodes and returns new ones; no node is ever changed
//! after it is wrapped in an `Arc`. All walks are loops over an explicit path, never a
//! recursion per key byte or per level, so keys of any length and tries of any depth
//! work on a small stack.
#![forbid(unsafe_code)]

#[cfg(all(feature = "durable", not(any(loom, feature = "shuttle"))))]
mod build;
mod children;
pub(crate) mod in_place;

use smallvec::SmallVec;

use crate::sync::Arc;
#[cfg(all(feature = "durable", not(any(loom, feature = "shuttle"))))]
pub(crate) use build::from_sorted;
use children::Children;
pub(crate) use children::Iter as ChildIter;

/// Key bytes: up to 16 are stored inline, in the node itself; longer ones on the heap.
pub(crate) type Bytes = SmallVec<[u8; 16]>;

/// The branches above a change, each with the byte of the child on the path: on the
/// stack for paths of up to 8 branches (a put into 100,000 random keys passes about 3),
/// so a write allocates only the nodes it makes.
type Path<'a, V> = SmallVec<[(&'a Branch<V>, u8); 8]>;

/// A stored entry: the whole key and its value, in one allocation.
///
/// Leaves are never copied: a version that keeps an entry shares its leaf, and a
/// [`ValueGuard`](crate::ValueGuard) is a handle to one. Because a leaf holds its whole
/// key, restructuring the branches above it never touches it, a lookup ends with one
/// comparison against it, and iteration lends keys straight out of the leaves.
pub(crate) struct Leaf<V> {
    pub(crate) key: Bytes,
    pub(crate) value: V,
}

/// An edge from a branch: to a leaf, or to another branch.
pub(crate) enum Child<V> {
    Leaf(Arc<Leaf<V>>),
    Branch(Arc<Branch<V>>),
}

/// The branching structure of a path-compressed (radix) trie.
///
/// A branch stands for the key spelled by the `segment`s from the root down to it (its
/// *path*). Its children are indexed by the byte that follows the path, through a
/// 256-bit bitmap: a lookup tests one bit and counts the bits below it to find the
/// child's slot, so every level costs one step whatever the fan-out.
///
/// ```text
///  keys: "", "to", "tea", "ten"
///
///  (root) segment ""      value: leaf ""
///          bitmap {t}
///             |
///        segment "t"      value: none
///        bitmap {e, o}
///         /         \
///   segment "e"    leaf "to"
///   bitmap {a, n}
///    /       \
/// leaf "tea"  leaf "ten"
/// ```
///
/// Up to two children sit inline, up to 32 in one array; a wider branch keeps its
/// children in eight shared chunks of 32 byte values each, so a copy of it clones at
/// most 7 chunk pointers and the 31 other children of the chunk that changes, not up to
/// 255 children:
///
/// ```text
///  a change under byte 0x41, in chunk 2 (bytes 0x40..=0x5f), of a wide branch:
///
///  old   [ch0][ch1][ch2 ][ch3][ch4][ch5][ch6][ch7]
///          ║    ║          ║    ║    ║    ║    ║     ║ the same chunk: one count each
///  new   [ch0][ch1][ch2'][ch3][ch4][ch5][ch6][ch7]
///                    │
///                    └── a new chunk: ch2's other children (one count each) + the change
/// ```
///
/// # Invariants
///
/// 1. `children` holds one child per byte set in its bitmap, in byte order, in the form
///    its number calls for (two inline, up to [`WIDE`](children::WIDE) flat, more in chunks: see
///    [`Children`]'s invariants). The child under byte `b` of a branch with path `p`: a
///    leaf whose key starts with `p` then `b`, or a branch whose segment starts with `b`.
/// 2. The root has an empty segment; every other branch has a non-empty one.
/// 3. `value`, if any, is a leaf whose key is the branch's path.
/// 4. A branch other than the root has at least two entries (children plus value).
///    A lone value is a leaf, a lone child takes the branch's place. Removal prunes and
///    merges to keep this, so each set of keys has exactly one shape.
/// 5. Nodes are never mutated once shared: a change copies the branches on the changed
///    path and shares every other branch and every leaf.
///
/// The fields are laid out in the order a lookup reads them (`repr(C)`): the segment,
/// then the children's bitmap and slots, and the value last, which a lookup reads only
/// when the key ends at this branch. The bytes a lookup reads then span 80 bytes of the
/// 120-byte allocation instead of 96, so fewer branches straddle a further cache line
/// (0.26 fewer L1 misses per get over 100,000 keys: BENCHMARKS.md, design notes, "Read cost").
#[repr(C)]
pub(crate) struct Branch<V> {
    pub(crate) segment: Bytes,
    pub(crate) children: Children<V>,
    pub(crate) value: Option<Arc<Leaf<V>>>,
}

/// Where an entry goes in a new branch made by [`fork`].
enum Entry<V> {
    /// The leaf's key is the new branch's path.
    Value(Arc<Leaf<V>>),
    /// A child under the byte after the path.
    Child(u8, Child<V>),
}

/// Clones an `Arc`: every reference count a change touches in a shared node goes
/// through here, so unit tests can count them ([`clones`]).
fn share<T: ?Sized>(arc: &Arc<T>) -> Arc<T> {
    #[cfg(all(test, not(loom)))]
    CLONES.with(|clones| clones.set(clones.get() + 1));
    Arc::clone(arc)
}

#[cfg(all(test, not(loom)))]
thread_local! {
    static CLONES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How many `Arc` clones node code has made on this thread so far.
#[cfg(all(test, not(loom)))]
pub(crate) fn clones() -> usize {
    CLONES.with(std::cell::Cell::get)
}

impl<V> Clone for Child<V> {
    fn clone(&self) -> Self {
        match self {
            Child::Leaf(leaf) => Child::Leaf(share(leaf)),
            Child::Branch(branch) => Child::Branch(share(branch)),
        }
    }
}

impl<V> Branch<V> {
    fn empty() -> Self {
        Self {
            segment: Bytes::new(),
            value: None,
            children: Children::new(),
        }
    }

    /// The child under `byte`.
    pub(crate) fn child(&self, byte: u8) -> Option<&Child<V>> {
        self.children.get(byte)
    }

    /// A copy with `segment` instead of this one, sharing the value and the children.
    fn copy_with_segment(&self, segment: Bytes) -> Self {
        Self {
            segment,
            value: self.value.as_ref().map(share),
            children: self.children.clone(),
        }
    }

    /// A copy with `value` instead of this one.
    fn copy_with_value(&self, value: Option<Arc<Leaf<V>>>) -> Self {
        Self {
            segment: self.segment.clone(),
            value,
            children: self.children.clone(),
        }
    }

    /// A copy whose child under `byte` is `child` (added if there was none), or is gone
    /// when `child` is `None`.
    fn copy_with_child(&self, byte: u8, child: Option<Child<V>>) -> Self {
        Self {
            segment: self.segment.clone(),
            value: self.value.as_ref().map(share),
            children: self.children.with(byte, child),
        }
    }

    /// What takes this non-root branch's place after it lost a value or a child, to keep
    /// invariant 4: nothing, its lone value's leaf, its lone child (a branch child
    /// absorbs this segment), or the branch itself.
    fn normalize(mut self) -> Option<Child<V>> {
        let value = self.value.take();
        match (value, self.children.len()) {
            (value, 0) => value.map(Child::Leaf),
            (None, 1) => Some(match self.children.take_only()? {
                Child::Leaf(leaf) => Child::Leaf(leaf),
                Child::Branch(only) => {
                    let mut segment = std::mem::take(&mut self.segment);
                    segment.extend_from_slice(&only.segment);
                    Child::Branch(Arc::new(only.copy_with_segment(segment)))
                }
            }),
            (value, _) => {
                self.value = value;
                Some(Child::Branch(Arc::new(self)))
            }
        }
    }
}

impl<V> Drop for Branch<V> {
    /// Drops a subtree without recursion: branches whose last handle is ours are
    /// unwrapped onto an explicit stack, so a trie as deep as a 1 MiB key drops on a
    /// small thread stack.
    /// The stack holds children sets: a branch whose last handle is ours gives up its
    /// set to the stack before it is dropped, so no drop below this one has a subtree to
    /// walk. A chunk whose last handle is ours has its branches emptied so in place; one
    /// still shared just loses a count.
    fn drop(&mut self) {
        if self.children.is_empty() {
            return;
        }
        let mut stack: children::DropStack<V> =
            smallvec::smallvec![std::mem::take(&mut self.children)];
        while let Some(children) = stack.pop() {
            children.take_apart(&mut stack);
        }
    }
}

/// Length of the longest common prefix of `a` and `b`.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Whether `a` and `b` hold the same bytes.
///
/// A lookup compares a branch's segment and a leaf's key tail, mostly a few bytes: up to
/// 8 are compared as one or two overlapping words in place, longer runs by the slice
/// comparison (a `memcmp` call, whose call and set-up cost more than the bytes).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    fn word(bytes: Option<&[u8; 4]>) -> Option<u32> {
        bytes.map(|bytes| u32::from_ne_bytes(*bytes))
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        // Bytes 0, n/2 and n-1 are every byte of a run of 1 to 3.
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        // The first four and the last four bytes (overlapping below 8) are all of them.
        4..=8 => {
            word(a.first_chunk()) == word(b.first_chunk())
                && word(a.last_chunk()) == word(b.last_chunk())
        }
        _ => a == b,
    }
}

/// Whether `key` starts with `prefix`, compared as [`same_bytes`] does.
#[inline]
fn starts_with(key: &[u8], prefix: &[u8]) -> bool {
    key.get(..prefix.len())
        .is_some_and(|head| same_bytes(head, prefix))
}

/// A new branch with `segment` and two entries that part right after it.
fn fork<V>(segment: &[u8], entries: [Entry<V>; 2]) -> Branch<V> {
    let mut fork = Branch::empty();
    fork.segment = segment.into();
    entries.into_iter().fold(fork, |fork, entry| match entry {
        Entry::Value(leaf) => fork.copy_with_value(Some(leaf)),
        Entry::Child(byte, child) => fork.copy_with_child(byte, Some(child)),
    })
}

/// Looks up `key` below `root`.
pub(crate) fn get<'a, V>(root: &'a Branch<V>, key: &[u8]) -> Option<&'a Arc<Leaf<V>>> {
    let mut node = root;
    let mut depth = 0;
    loop {
        let Some(&byte) = key.get(depth) else {
            return node.value.as_ref();
        };
        match node.child(byte)? {
            Child::Leaf(leaf) => {
                // Invariant 1: the leaf's key starts with `key[..=depth]` (the path and
                // the byte just followed), so only the lengths and the rest can differ.
                // Equal lengths keep the slicing in bounds: `key.len() > depth`.
                let rest = depth + 1;
                let same =
                    leaf.key.len() == key.len() && same_bytes(&leaf.key[rest..], &key[rest..]);
                return same.then_some(leaf);
            }
            Child::Branch(branch) => {
                if !starts_with(&key[depth..], &branch.segment) {
                    return None;
                }
                depth += branch.segment.len();
                node = branch;
            }
        }
    }
}

/// The subtree holding every key that starts with some prefix.
pub(crate) enum Subtree<'a, V> {
    /// The whole trie (the prefix is empty).
    Root(&'a Branch<V>),
    /// One child and everything below it.
    Child(&'a Child<V>),
}

/// Finds the subtree holding every key that starts with `prefix`; `None` if no key
/// does.
pub(crate) fn find_prefix<'a, V>(root: &'a Branch<V>, prefix: &[u8]) -> Option<Subtree<'a, V>> {
    let mut node = root;
    let mut depth = 0;
    loop {
        let Some(&byte) = prefix.get(depth) else {
            return Some(Subtree::Root(root));
        };
        let child = node.child(byte)?;
        match child {
            Child::Leaf(leaf) => {
                return leaf
                    .key
                    .starts_with(prefix)
                    .then_some(Subtree::Child(child));
            }
            Child::Branch(branch) => {
                let rest = &prefix[depth..];
                let common = common_prefix(&branch.segment, rest);
                if common == rest.len() {
                    // The prefix ends inside (or at the end of) this branch's segment.
                    return Some(Subtree::Child(child));
                }
                if common < branch.segment.len() {
                    return None;
                }
                depth += common;
                node = branch;
            }
        }
    }
}

/// Returns a new root holding `key -> value`, and whether a value was replaced.
///
/// Copies the branches on the key's path (plus, when the key parts from a branch's
/// segment or from a leaf's key, one new branch where they part) and shares everything
/// else.
pub(crate) fn put<V>(root: Option<&Branch<V>>, key: &[u8], value: V) -> (Arc<Branch<V>>, bool) {
    let leaf = Arc::new(Leaf {
        key: key.into(),
        value,
    });
    let empty = Branch::empty();
    // The branches above the change, each with the byte of the child on the path.
    let mut path: Path<'_, V> = SmallVec::new();
    let mut node = root.unwrap_or(&empty);
    let mut depth = 0;
    let (bottom, replaced) = loop {
        let Some(&byte) = key.get(depth) else {
            break (node.copy_with_value(Some(leaf)), node.value.is_some());
        };
        let new_child = match node.child(byte) {
            None => (Child::Leaf(leaf), false),
            Some(Child::Leaf(old)) if old.key[..] == *key => (Child::Leaf(leaf), true),
            Some(Child::Leaf(old)) => {
                // Both keys run on past `depth`: a new branch where they part.
                let common = depth + common_prefix(&old.key[depth..], &key[depth..]);
                let entries = [share(old), leaf].map(|leaf| match leaf.key.get(common) {
                    Some(&next) => Entry::Child(next, Child::Leaf(leaf)),
                    None => Entry::Value(leaf),
                });
                let fork = fork(&key[depth..common], entries);
                (Child::Branch(Arc::new(fork)), false)
            }
            Some(Child::Branch(branch)) => {
                let common = common_prefix(&branch.segment, &key[depth..]);
                if common == branch.segment.len() {
                    path.push((node, byte));
                    node = branch;
                    depth += common;
                    continue;
                }
                // The key leaves the segment after `common` (>= 1) bytes: split it.
                let lower = branch.copy_with_segment(branch.segment[common..].into());
                let lower = Entry::Child(lower.segment[0], Child::Branch(Arc::new(lower)));
                let new = match key.get(depth + common) {
                    Some(&next) => Entry::Child(next, Child::Leaf(leaf)),
                    None => Entry::Value(leaf),
                };
                let fork = fork(&branch.segment[..common], [lower, new]);
                (Child::Branch(Arc::new(fork)), false)
            }
        };
        break (node.copy_with_child(byte, Some(new_child.0)), new_child.1);
    };
    (
        rebuild(path, bottom, |branch| Some(Child::Branch(Arc::new(branch)))),
        replaced,
    )
}

/// Removes `key` below `root`. `None` if the key is absent (nothing to copy); otherwise
/// the new root (`None` when the trie became empty) and the removed entry's leaf.
#[allow(clippy::type_complexity, reason = "a private helper with one caller")]
pub(crate) fn remove<V>(
    root: &Branch<V>,
    key: &[u8],
) -> Option<(Option<Arc<Branch<V>>>, Arc<Leaf<V>>)> {
    let mut path: Path<'_, V> = SmallVec::new();
    let mut node = root;
    let mut depth = 0;
    let (bottom, removed) = loop {
        let Some(&byte) = key.get(depth) else {
            let removed = share(node.value.as_ref()?);
            break (node.copy_with_value(None), removed);
        };
        match node.child(byte)? {
            Child::Leaf(leaf) if leaf.key[..] == *key => {
                break (node.copy_with_child(byte, None), share(leaf));
            }
            Child::Leaf(_) => return None,
            Child::Branch(branch) => {
                if !key[depth..].starts_with(&branch.segment) {
                    return None;
                }
                path.push((node, byte));
                depth += branch.segment.len();
                node = branch;
            }
        }
    };
    // Every branch below the root is normalised on the way up (invariant 4).
    let root = rebuild(path, bottom, Branch::normalize);
    let root = Some(root).filter(|root| root.value.is_some() || !root.children.is_empty());
    Some((root, removed))
}

/// Wraps `bottom` and copies of the branches above it, bottom-up, into a new root.
/// `wrap` turns each changed branch below the root into what its parent should hold
/// under the path's byte (`None`: no child there any more).
fn rebuild<V>(
    mut path: Path<'_, V>,
    bottom: Branch<V>,
    wrap: impl Fn(Branch<V>) -> Option<Child<V>>,
) -> Arc<Branch<V>> {
    let mut current = bottom;
    while let Some((parent, byte)) = path.pop() {
        current = parent.copy_with_child(byte, wrap(current));
    }
    Arc::new(current)
}
