//! A branch's children: a 256-bit bitmap of the bytes that have one, and the children
//! themselves in byte order, stored so that copying a branch for a change touches few
//! reference counts.
//!
//! A copy must share every child it keeps, one `Arc` clone each, and the old version's
//! drop undoes as many. A flat array of 256 children would cost 256 counts per copy, in
//! nodes every reader walks through. So a *wide* set (more than [`WIDE`] children) is
//! cut into [`CHUNKS`] shared chunks, one per run of 32 byte values: a copy clones the
//! other chunks' pointers (at most 7) and rebuilds the one chunk that changes (at most
//! 32 children).
//!
//! ```text
//!  narrow (≤ 2 children)      flat (3..=32)            chunked (> 32)
//!  ┌────────────┐             ┌──────────┐             ┌──┬──┬──┬──┬──┬──┬──┬──┐
//!  │ c0 │ c1    │ inline      │ Box ─────┼─► c0..cN    │0 │1 │2 │ ·│4 │5 │6 │7 │ Box: chunk per 32 bytes
//!  └────────────┘             └──────────┘             └┼─┴┼─┴┼─┴──┴┼─┴┼─┴┼─┴┼─┘ (· = no child there)
//!                                                       ▼  ▼  ▼     ▼  ▼  ▼  ▼
//!                                                  ┌──────────┬──────────────────┐
//!                                                  │ counts   │ children of bytes│ Arc<[Child]>: one
//!                                                  │          │ 32c..32c+31      │ allocation, shared
//!                                                  └──────────┴──────────────────┘ between versions
//! ```
//!
//! A lookup in a chunked set makes three dependent loads after the branch: the `Box` of
//! chunk pointers, the chunk's child, then the child's node. (The chunk pointers inline
//! in the branch would save one more, but make every branch, narrow ones too, 96 bytes
//! larger: measured, BENCHMARKS.md "Read cost".)
//!
//! Dropping: a chunk is a slice, which cannot be moved out of its `Arc`, so a drop asks
//! `Arc::get_mut` whether its handle is the last and then empties the chunk's branches
//! in place ([`Children::take_apart`]); no drop recurses per level.
#![forbid(unsafe_code)]

use std::slice;

use super::{share, Child};
use crate::sync::{self, Arc};

/// The children sets a drop has still to take apart ([`Children::take_apart`]): on the
/// stack while few (dropping a replaced version frees one path), on the heap beyond.
pub(crate) type DropStack<V> = smallvec::SmallVec<[Children<V>; 8]>;

/// The most children a set keeps in one array; more are chunked.
pub(crate) const WIDE: usize = 32;
/// The number of chunks of a wide set, one per run of `256 / CHUNKS` byte values.
const CHUNKS: usize = 8;

/// The children under one run of 32 byte values, in byte order. Shared between the
/// versions that have the same children there.
/// One allocation (counts and children together), so a lookup reaches a child one load
/// after the chunk's pointer.
type Chunk<V> = Arc<[Child<V>]>;

/// A branch's children, indexed by the byte that leads to each.
///
/// # Invariants
///
/// 1. `slots` holds one child per bit set in `bitmap`, in the order of the bits (byte
///    order).
/// 2. `below[w]` is the number of bits set in `bitmap[..w]`.
/// 3. The form follows the number of children `n` alone, so each set has one shape:
///    `Empty` (0), `One` (1), `Two` (2), `Flat` (3..=[`WIDE`]), `Chunked` (> `WIDE`).
/// 4. In `Chunked`, chunk `c` holds exactly the children under bytes `32c..32c+32`
///    (the bits of 32-bit half-word `c` of `bitmap`), and is `None` when there are none.
///
/// `repr(C)`: the bitmap and counts first, next to the branch's segment (see
/// [`Branch`](super::Branch)), then the slots.
#[repr(C)]
pub(crate) struct Children<V> {
    bitmap: [u64; 4],
    below: [u8; 4],
    slots: Slots<V>,
}

/// The storage forms (invariant 3). 32 bytes: the tag hides in `Two`'s first child.
enum Slots<V> {
    Empty,
    One(Child<V>),
    Two([Child<V>; 2]),
    Flat(Box<[Child<V>]>),
    Chunked(Box<[Option<Chunk<V>>; CHUNKS]>),
}

/// Where a byte's bit is: word of `bitmap`, chunk, and the bit as a mask in its word.
fn locate(byte: u8) -> (usize, usize, u64) {
    (
        usize::from(byte >> 6),
        usize::from(byte >> 5),
        1 << (byte & 63),
    )
}

/// The bits of chunk `c`'s half-word, in place in their 64-bit word.
fn half_mask(c: usize) -> u64 {
    if c % 2 == 0 {
        0xffff_ffff
    } else {
        0xffff_ffff << 32
    }
}

impl<V> Children<V> {
    pub(crate) fn new() -> Self {
        Self {
            bitmap: [0; 4],
            below: [0; 4],
            slots: Slots::Empty,
        }
    }

    /// The set of `children`, whose bytes must strictly ascend.
    #[cfg(all(feature = "durable", not(any(loom, feature = "shuttle"))))]
    pub(crate) fn from_sorted(children: Vec<(u8, Child<V>)>) -> Self {
        let mut bitmap = [0; 4];
        for (byte, _) in &children {
            let (word, _, bit) = locate(*byte);
            bitmap[word] |= bit;
        }
        let children = children.into_iter().map(|(_, child)| child).collect();
        Self {
            slots: Slots::from_vec(&bitmap, children),
            below: below(&bitmap),
            bitmap,
        }
    }

    pub(crate) fn len(&self) -> usize {
        usize::from(self.below[3]) + self.bitmap[3].count_ones() as usize
    }

    pub(crate) fn is_empty(&self) -> bool {
        matches!(self.slots, Slots::Empty)
    }

    /// `Ok(rank)` of the child under `byte` among all children, or `Err(rank)` where it
    /// would go.
    fn rank(&self, byte: u8) -> Result<usize, usize> {
        let (word, _, bit) = locate(byte);
        let rank =
            usize::from(self.below[word]) + (self.bitmap[word] & (bit - 1)).count_ones() as usize;
        if self.bitmap[word] & bit == 0 {
            Err(rank)
        } else {
            Ok(rank)
        }
    }

    /// The rank of `byte`'s bit within its chunk (counting set bits below it there).
    fn rank_in_chunk(&self, byte: u8) -> usize {
        let (word, chunk, bit) = locate(byte);
        (self.bitmap[word] & half_mask(chunk) & (bit - 1)).count_ones() as usize
    }

    /// The child under `byte`.
    ///
    /// A lookup's hot path: the narrow forms find their child without counting bits (a
    /// bit count is some 14 instructions on x86-64 without the `popcnt` extension, which
    /// a default build does not assume), and so does a full chunk; the others count the
    /// bits of one word below `byte`'s.
    pub(crate) fn get(&self, byte: u8) -> Option<&Child<V>> {
        let (word, chunk, bit) = locate(byte);
        let bits = self.bitmap[word];
        if bits & bit == 0 {
            return None;
        }
        // The set bits below `byte`'s in its word.
        let lower = bits & (bit - 1);
        match &self.slots {
            Slots::Empty => None,
            // Invariant 1: the one child is `byte`'s.
            Slots::One(child) => Some(child),
            // `byte`'s child is the second one if the other child's bit is below its own.
            Slots::Two([first, second]) => {
                let other_below = self.below[word] != 0 || lower != 0;
                Some(if other_below { second } else { first })
            }
            Slots::Flat(children) => {
                children.get(usize::from(self.below[word]) + lower.count_ones() as usize)
            }
            Slots::Chunked(chunks) => {
                let children = chunks[chunk].as_ref()?;
                // Invariant 4: a full chunk holds every byte of its run, in order, so the
                // byte is the rank (dense keys: sequential ids, a level of random keys).
                let rank = if children.len() == 256 / CHUNKS {
                    usize::from(byte) % (256 / CHUNKS)
                } else {
                    (lower & half_mask(chunk)).count_ones() as usize
                };
                children.get(rank)
            }
        }
    }

    /// The children in byte order.
    pub(crate) fn iter(&self) -> Iter<'_, V> {
        match &self.slots {
            Slots::Chunked(chunks) => Iter {
                current: [].iter(),
                chunks: chunks.iter(),
                back: [].iter(),
            },
            slots => Iter {
                current: slots.flat().iter(),
                chunks: [].iter(),
                back: [].iter(),
            },
        }
    }

    /// The number of children under bytes below `byte`, and whether `byte` has one.
    pub(crate) fn rank_of(&self, byte: u8) -> (usize, bool) {
        match self.rank(byte) {
            Ok(rank) => (rank, true),
            Err(rank) => (rank, false),
        }
    }

    /// The bytes that have a child, ascending (the order of [`iter`](Self::iter)).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn labels(&self) -> impl Iterator<Item = u8> + '_ {
        (0..=255u8).filter(|&byte| self.rank(byte).is_ok())
    }

    /// A copy whose child under `byte` is `child` (added if there was none), or is gone
    /// when `child` is `None`. Shares every other child; when the set stays chunked,
    /// shares every other chunk whole.
    pub(crate) fn with(&self, byte: u8, child: Option<Child<V>>) -> Self {
        let (word, chunk, bit) = locate(byte);
        let mut bitmap = self.bitmap;
        match (self.rank(byte), &child) {
            (Ok(_), None) => bitmap[word] &= !bit,
            (Err(_), Some(_)) => bitmap[word] |= bit,
            (Err(_), None) => return self.clone(),
            (Ok(_), Some(_)) => {}
        }
        let len = bitmap
            .iter()
            .map(|w| w.count_ones() as usize)
            .sum::<usize>();
        let slots = match &self.slots {
            Slots::Chunked(chunks) if len > WIDE => {
                let mut chunks: Box<[Option<Chunk<V>>; CHUNKS]> =
                    Box::new(std::array::from_fn(|c| {
                        if c == chunk {
                            None
                        } else {
                            chunks[c].as_ref().map(share)
                        }
                    }));
                let old = self.chunk(chunk);
                let changed = splice(
                    old,
                    self.rank_in_chunk(byte),
                    self.rank(byte).is_ok(),
                    child,
                );
                chunks[chunk] = (!changed.is_empty()).then(|| sync::arc_slice(changed));
                Slots::Chunked(chunks)
            }
            _ => {
                let (rank, present) = match self.rank(byte) {
                    Ok(rank) => (rank, true),
                    Err(rank) => (rank, false),
                };
                Slots::from_vec(&bitmap, splice(self.iter(), rank, present, child))
            }
        };
        Self {
            bitmap,
            below: below(&bitmap),
            slots,
        }
    }

    /// The child under `byte`, to change in place. A chunk another version shares is
    /// copied first (its children shared, one count each), so the change reaches this
    /// set alone; every other chunk stays shared.
    ///
    /// The caller owns this set outright (its branch has no other handle), so no other
    /// version can see the change.
    pub(crate) fn get_mut(&mut self, byte: u8) -> Option<&mut Child<V>> {
        let rank = self.rank(byte).ok()?;
        let in_chunk = self.rank_in_chunk(byte);
        let (_, chunk, _) = locate(byte);
        match &mut self.slots {
            Slots::Empty => None,
            Slots::One(child) => Some(child),
            Slots::Two(children) => children.get_mut(rank),
            Slots::Flat(children) => children.get_mut(rank),
            Slots::Chunked(chunks) => {
                let shared = chunks[chunk].as_mut()?;
                if Arc::get_mut(shared).is_none() {
                    *shared = sync::arc_slice(shared.iter().cloned().collect());
                }
                Arc::get_mut(shared)?.get_mut(in_chunk)
            }
        }
    }

    /// Sets the child under `byte` to `child` in place (adding it if there was none):
    /// [`with`](Self::with) for a set its branch alone owns. A replaced child is dropped;
    /// an added one moves the others (one chunk's, if chunked) instead of sharing them.
    pub(crate) fn set(&mut self, byte: u8, child: Child<V>) {
        if self.rank(byte).is_ok() {
            if let Some(slot) = self.get_mut(byte) {
                *slot = child;
            }
            return;
        }
        let (word, chunk, bit) = locate(byte);
        let rank = self.rank(byte).unwrap_or_else(|rank| rank);
        let in_chunk = self.rank_in_chunk(byte);
        self.bitmap[word] |= bit;
        self.below = below(&self.bitmap);
        match &mut self.slots {
            Slots::Chunked(chunks) => {
                // A slice in an `Arc` cannot grow: the chunk is rebuilt, sharing its
                // other children (at most 31), and the old one dropped.
                let old = chunks[chunk].take();
                let old = old.as_deref().unwrap_or(&[]).iter();
                let grown = splice(old, in_chunk, false, Some(child));
                chunks[chunk] = Some(sync::arc_slice(grown));
            }
            slots => {
                let mut children = std::mem::replace(slots, Slots::Empty).into_vec();
                children.insert(rank, child);
                *slots = Slots::from_vec(&self.bitmap, children);
            }
        }
    }

    /// The children of chunk `c` of a chunked set (none if it has none).
    fn chunk(&self, c: usize) -> slice::Iter<'_, Child<V>> {
        match &self.slots {
            Slots::Chunked(chunks) => chunks[c].as_deref().map_or(&[][..], |chunk| chunk).iter(),
            _ => [].iter(),
        }
    }

    /// The only child, taken out (leaving the set empty), if there is exactly one.
    pub(crate) fn take_only(&mut self) -> Option<Child<V>> {
        if !matches!(self.slots, Slots::One(_)) {
            return None;
        }
        match std::mem::take(self).slots {
            Slots::One(child) => Some(child),
            _ => None,
        }
    }

    /// Takes this set apart for a drop without recursion: every branch child whose last
    /// handle this set holds gives up its children to `stack`, so what is dropped here
    /// holds no subtree. A chunk another version still shares only loses a count.
    ///
    /// A chunk is a slice, which cannot be moved out of its `Arc`; whether this handle
    /// is the last is asked with `Arc::get_mut` instead, and its branches are emptied in
    /// place. (Two versions that drop their last handles of one chunk at the same moment
    /// may both be told "shared"; the last decrement then drops the chunk in place, one
    /// nested `Branch` drop per such race, each itself without recursion.)
    pub(crate) fn take_apart(self, stack: &mut DropStack<V>) {
        match self.slots {
            Slots::Empty => {}
            Slots::One(child) => take_owned(child, stack),
            Slots::Two(children) => children.into_iter().for_each(|c| take_owned(c, stack)),
            Slots::Flat(children) => children
                .into_vec()
                .into_iter()
                .for_each(|c| take_owned(c, stack)),
            Slots::Chunked(chunks) => {
                let chunks: [Option<Chunk<V>>; CHUNKS] = *chunks;
                for mut chunk in chunks.into_iter().flatten() {
                    if let Some(children) = Arc::get_mut(&mut chunk) {
                        children.iter_mut().for_each(|c| empty_unique(c, stack));
                    }
                }
            }
        }
    }

    /// Asserts invariants 1–4.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn assert_invariants(&self) {
        assert_eq!(self.below, below(&self.bitmap), "invariant 2");
        let len = self.len();
        assert_eq!(self.iter().count(), len, "invariant 1: one child per bit");
        let form = match &self.slots {
            Slots::Empty => len == 0,
            Slots::One(_) => len == 1,
            Slots::Two(_) => len == 2,
            Slots::Flat(children) => children.len() == len && (3..=WIDE).contains(&len),
            Slots::Chunked(chunks) => {
                for (c, chunk) in chunks.iter().enumerate() {
                    let bits = (self.bitmap[c / 2] & half_mask(c)).count_ones() as usize;
                    let held = chunk.as_ref().map_or(0, |chunk| chunk.len());
                    assert_eq!(
                        held, bits,
                        "invariant 4: chunk {c} holds its bytes' children"
                    );
                    assert!(
                        chunk.as_ref().map_or(true, |chunk| !chunk.is_empty()),
                        "invariant 4"
                    );
                }
                len > WIDE
            }
        };
        assert!(form, "invariant 3: {len} children in the wrong form");
    }
}

impl<V> Slots<V> {
    /// The children of a form other than `Chunked`, as one slice.
    fn flat(&self) -> &[Child<V>] {
        match self {
            Slots::Empty | Slots::Chunked(_) => &[],
            Slots::One(child) => slice::from_ref(child),
            Slots::Two(children) => children,
            Slots::Flat(children) => children,
        }
    }

    /// The children of a form other than `Chunked`, moved out in order (a chunked set
    /// gives none: [`Children::set`] never asks it).
    fn into_vec(self) -> Vec<Child<V>> {
        match self {
            Slots::Empty | Slots::Chunked(_) => Vec::new(),
            Slots::One(child) => vec![child],
            Slots::Two(children) => children.into(),
            Slots::Flat(children) => children.into_vec(),
        }
    }

    /// `children` (those of `bitmap`, in order) in the form their number calls for.
    fn from_vec(bitmap: &[u64; 4], mut children: Vec<Child<V>>) -> Self {
        match children.len() {
            0 => Slots::Empty,
            1 => Slots::One(children.remove(0)),
            2 => {
                let second = children.remove(1);
                Slots::Two([children.remove(0), second])
            }
            3..=WIDE => Slots::Flat(children.into_boxed_slice()),
            _ => {
                let mut children = children.into_iter();
                Slots::Chunked(Box::new(std::array::from_fn(|c| {
                    let count = (bitmap[c / 2] & half_mask(c)).count_ones() as usize;
                    let chunk: Vec<Child<V>> = children.by_ref().take(count).collect();
                    (count > 0).then(|| sync::arc_slice(chunk))
                })))
            }
        }
    }
}

/// `children` with the one at `rank` replaced by `child` (or removed, if `None`) when
/// `present`, else with `child` inserted at `rank`. Clones (shares) the others.
fn splice<'a, V: 'a>(
    mut children: impl Iterator<Item = &'a Child<V>>,
    rank: usize,
    present: bool,
    child: Option<Child<V>>,
) -> Vec<Child<V>> {
    let mut out = Vec::with_capacity(children.size_hint().0 + 1);
    out.extend(children.by_ref().take(rank).cloned());
    if present {
        children.next();
    }
    out.extend(child);
    out.extend(children.cloned());
    out
}

/// If `child` is a branch whose last handle is this one, moves its children to `stack`
/// and drops it.
fn take_owned<V>(child: Child<V>, stack: &mut DropStack<V>) {
    if let Child::Branch(branch) = child {
        if let Some(mut branch) = sync::arc_into_inner(branch) {
            stack.push(std::mem::take(&mut branch.children));
        }
    }
}

/// If `child` is a branch whose last handle is this one, moves its children to `stack`
/// (dropping it then drops no subtree).
fn empty_unique<V>(child: &mut Child<V>, stack: &mut DropStack<V>) {
    if let Child::Branch(branch) = child {
        if let Some(branch) = Arc::get_mut(branch) {
            stack.push(std::mem::take(&mut branch.children));
        }
    }
}

/// Invariant 2's counts for `bitmap`.
fn below(bitmap: &[u64; 4]) -> [u8; 4] {
    let mut below = [0; 4];
    for w in 1..4 {
        below[w] = below[w - 1] + bitmap[w - 1].count_ones() as u8;
    }
    below
}

impl<V> Clone for Children<V> {
    /// Shares every child (a chunked set: every chunk).
    fn clone(&self) -> Self {
        let slots = match &self.slots {
            Slots::Empty => Slots::Empty,
            Slots::One(child) => Slots::One(child.clone()),
            Slots::Two(children) => Slots::Two(children.clone()),
            Slots::Flat(children) => Slots::Flat(children.clone()),
            Slots::Chunked(chunks) => Slots::Chunked(Box::new(
                chunks.each_ref().map(|chunk| chunk.as_ref().map(share)),
            )),
        };
        Self {
            bitmap: self.bitmap,
            below: self.below,
            slots,
        }
    }
}

impl<V> Default for Children<V> {
    fn default() -> Self {
        Self::new()
    }
}

/// The children of one branch in byte order, walked without recursion from both ends:
/// the run of children being walked from the front, the chunks between, and the run
/// being walked from the back.
pub(crate) struct Iter<'a, V> {
    current: slice::Iter<'a, Child<V>>,
    chunks: slice::Iter<'a, Option<Chunk<V>>>,
    back: slice::Iter<'a, Child<V>>,
}

impl<'a, V> Iter<'a, V> {
    /// Walks `child` alone.
    pub(crate) fn one(child: &'a Child<V>) -> Self {
        Self {
            current: slice::from_ref(child).iter(),
            chunks: [].iter(),
            back: [].iter(),
        }
    }

    /// Nothing.
    pub(crate) fn empty() -> Self {
        Self {
            current: [].iter(),
            chunks: [].iter(),
            back: [].iter(),
        }
    }

    /// Skips the first `n` children (all, if there are fewer).
    pub(crate) fn skip_front(&mut self, mut n: usize) {
        while n > 0 {
            if self.current.len() == 0 {
                match self.chunks.by_ref().flatten().next() {
                    Some(chunk) => self.current = chunk.iter(),
                    None => self.current = std::mem::take(&mut self.back),
                }
                if self.current.len() == 0 {
                    return;
                }
            }
            let step = n.min(self.current.len());
            self.current = self.current.as_slice()[step..].iter();
            n -= step;
        }
    }

    /// Keeps only the first `n` children.
    pub(crate) fn keep_front(&mut self, n: usize) {
        let len = self.len();
        for _ in n..len {
            self.next_back();
        }
    }
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = &'a Child<V>;

    fn next(&mut self) -> Option<&'a Child<V>> {
        loop {
            if let Some(child) = self.current.next() {
                return Some(child);
            }
            match self.chunks.by_ref().flatten().next() {
                Some(chunk) => self.current = chunk.iter(),
                None => return self.back.next(),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let between: usize = self.chunks.clone().flatten().map(|chunk| chunk.len()).sum();
        let len = self.current.len() + between + self.back.len();
        (len, Some(len))
    }
}

impl<'a, V> DoubleEndedIterator for Iter<'a, V> {
    fn next_back(&mut self) -> Option<&'a Child<V>> {
        loop {
            if let Some(child) = self.back.next_back() {
                return Some(child);
            }
            match self.chunks.by_ref().flatten().next_back() {
                Some(chunk) => self.back = chunk.iter(),
                None => return self.current.next_back(),
            }
        }
    }
}

impl<V> ExactSizeIterator for Iter<'_, V> {}
