//! The writer-owned eviction state of a [`Cache`](super::Cache): S3-FIFO's two queues, the
//! two ghosts of recently evicted keys, the small queue's share and the frequency sketch
//! that duels for ghost readmission (the parent module describes the policy; invariants
//! 4–6 there).
//!
//! Nodes live in a slab and are linked into a queue by index: O(1) to move, unlink and
//! reuse, with no allocation per key once the slab has grown. A node holds the leaf of
//! its key's current entry, so the writer reads the access counter without walking the
//! trie, and knows the key to remove when it evicts.
#![forbid(unsafe_code)]

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

use super::entry::Entry;
use super::expiry::{address, Deadlines};
use super::sketch::Sketch;
use crate::node::Leaf;
use crate::sync::Arc;

const NIL: u32 = u32::MAX;

/// The slot of an entry no policy node tracks: a value too heavy to store, handed back
/// to the loader's caller.
pub(crate) const DETACHED: u32 = NIL;

/// The small queue's share of the capacity at the start, and its bounds, in percent.
const SMALL_START: u64 = 3;
const SMALL_MAX: u64 = 30;

/// Which queue a node is in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Queue {
    /// New keys: one chance to be read again before they leave.
    Small,
    /// Keys read at least once in the small queue, or readmitted from the ghost.
    Main,
    /// A free node.
    Free,
}

struct Node<V> {
    leaf: Option<Arc<Leaf<Entry<V>>>>,
    /// The key's fingerprint (for the ghosts and the sketch).
    hash: u64,
    /// The access counter as the writer last left it: what it gained since is news
    /// for the sketch.
    seen: u8,
    weight: u64,
    queue: Queue,
    prev: u32,
    next: u32,
}

/// A FIFO of nodes, linked through the slab: `head` is the newest.
#[derive(Clone, Copy)]
struct List {
    head: u32,
    tail: u32,
    weight: u64,
    len: usize,
}

impl List {
    const EMPTY: Self = Self {
        head: NIL,
        tail: NIL,
        weight: 0,
        len: 0,
    };
}

/// Fingerprints of recently evicted keys, oldest first, so that a key that comes back
/// soon after goes straight to the main queue (and tells which queue was too short).
#[derive(Default)]
struct Ghost {
    order: VecDeque<u64>,
    /// Per fingerprint: how many times `order` holds it, and `evicted` just after its
    /// latest insertion.
    entries: HashMap<u64, (u32, u64), BuildHasherDefault<DefaultHasher>>,
    /// The weight evicted so far from the queue this ghost follows: the unit of the
    /// small queue's share, which a depth is compared with.
    evicted: u64,
}

impl Ghost {
    /// Remembers a key of `weight` evicted from the queue, keeping at most `bound` keys.
    fn insert(&mut self, hash: u64, weight: u64, bound: usize) {
        self.order.push_back(hash);
        self.evicted += weight;
        let entry = self.entries.entry(hash).or_insert((0, 0));
        *entry = (entry.0 + 1, self.evicted);
        while self.order.len() > bound {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some((count, _)) = self.entries.get_mut(&old) {
                *count -= 1;
                if *count == 0 {
                    self.entries.remove(&old);
                }
            }
        }
    }

    /// The weight evicted from the queue since this key was, if the ghost remembers it:
    /// a queue heavier by that much would still have held it.
    fn depth(&self, hash: u64) -> Option<u64> {
        let &(_, at) = self.entries.get(&hash)?;
        Some(self.evicted - at)
    }
}

/// The eviction policy's state; only the writer (under the cache's policy lock) sees it.
pub(crate) struct Policy<V> {
    nodes: Vec<Node<V>>,
    free: Vec<u32>,
    small: List,
    main: List,
    /// Keys evicted from the small queue, and from the main queue.
    small_ghost: Ghost,
    main_ghost: Ghost,
    capacity: u64,
    /// The weight the small queue may hold before it, not the main one, gives a victim.
    small_target: u64,
    /// How often each key was asked for lately, as far as the writer sees.
    sketch: Sketch,
    /// When tracked entries may expire (`expiry.rs`).
    pub(crate) deadlines: Deadlines,
}

/// The fingerprint the ghost keeps of a key.
pub(crate) fn fingerprint(key: &[u8]) -> u64 {
    BuildHasherDefault::<DefaultHasher>::default().hash_one(key)
}

impl<V> Policy<V> {
    pub(crate) fn new(capacity: u64) -> Self {
        Self {
            nodes: Vec::new(),
            free: Vec::new(),
            small: List::EMPTY,
            main: List::EMPTY,
            small_ghost: Ghost::default(),
            main_ghost: Ghost::default(),
            capacity,
            small_target: capacity * SMALL_START / 100,
            sketch: Sketch::new(capacity),
            deadlines: Deadlines::default(),
        }
    }

    /// The leaf of the entry `slot` tracks, if it tracks one.
    pub(crate) fn leaf_at(&self, slot: u32) -> Option<&Arc<Leaf<Entry<V>>>> {
        let node = self.nodes.get(slot as usize)?;
        (node.queue != Queue::Free)
            .then_some(node.leaf.as_ref())
            .flatten()
    }

    /// Drops the deadline items of entries no longer tracked, once they could outnumber
    /// the tracked ones (`expiry.rs`, invariant 3).
    pub(crate) fn compact_deadlines(&mut self) {
        let mut deadlines = std::mem::take(&mut self.deadlines);
        let entries = self.tracked();
        deadlines.compact(entries, |slot, at| {
            self.leaf_at(slot).is_some_and(|leaf| address(leaf) == at)
        });
        self.deadlines = deadlines;
    }

    /// The total weight of the tracked entries (those of the current version).
    pub(crate) fn weight(&self) -> u64 {
        self.small.weight + self.main.weight
    }

    /// The number of entries tracked.
    pub(crate) fn tracked(&self) -> usize {
        self.small.len + self.main.len
    }

    /// Whether `slot` is in a queue and holds `leaf`.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn holds(&self, slot: u32, leaf: &Arc<Leaf<Entry<V>>>) -> bool {
        let node = &self.nodes[slot as usize];
        node.queue != Queue::Free && node.leaf.as_ref().is_some_and(|l| Arc::ptr_eq(l, leaf))
    }

    /// The small queue's share of the capacity, as a weight.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn small_target(&self) -> u64 {
        self.small_target
    }

    /// Whether the tracked entries weigh more than the capacity.
    pub(crate) fn over(&self) -> bool {
        self.weight() > self.capacity
    }

    /// A node for a new key of `weight` (a miss: the sketch counts it). A key no ghost
    /// remembers enters the small queue. One a ghost remembers enters the main queue if
    /// that has room for it, or if its estimate is at least that of the main queue's
    /// next victim; else the small queue. Its leaf is set by [`set_leaf`](Self::set_leaf).
    pub(crate) fn admit(&mut self, key: &[u8], weight: u64) -> u32 {
        let hash = fingerprint(key);
        self.sketch.add(hash, 1);
        let step = (self.capacity / 100).max(1);
        // A ghost hit moves the share only if a step the share can take would have
        // caught it: evicted no more evictions ago than the small queue's share.
        let near = self.small_target.max(step);
        let remembered = if let Some(depth) = self.small_ghost.depth(hash) {
            if depth <= near {
                // Evicted from the small queue just too soon: give it more room.
                let max = self.capacity * SMALL_MAX / 100;
                self.small_target = (self.small_target + step).min(max);
            }
            true
        } else if let Some(depth) = self.main_ghost.depth(hash) {
            if depth <= near {
                // Evicted from the main queue just too soon: give that one more room.
                self.small_target = self.small_target.saturating_sub(step).max(step);
            }
            true
        } else {
            false
        };
        let queue = if !remembered {
            Queue::Small
        } else if self.main_has_room(weight) || self.sketch.estimate(hash) >= self.victim_estimate()
        {
            Queue::Main
        } else {
            Queue::Small
        };
        let node = Node {
            leaf: None,
            hash,
            seen: 0,
            weight,
            queue,
            prev: NIL,
            next: NIL,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.nodes[slot as usize] = node;
                slot
            }
            None => {
                let slot = u32::try_from(self.nodes.len()).expect("fewer than 2^32 entries");
                self.nodes.push(node);
                slot
            }
        };
        self.link_head(slot, queue);
        slot
    }

    /// Points `slot` at its key's current leaf; returns the leaf it replaces.
    pub(crate) fn set_leaf(
        &mut self,
        slot: u32,
        leaf: Arc<Leaf<Entry<V>>>,
    ) -> Option<Arc<Leaf<Entry<V>>>> {
        self.nodes[slot as usize].leaf.replace(leaf)
    }

    /// Changes the weight of a tracked key (its value was replaced).
    pub(crate) fn reweigh(&mut self, slot: u32, weight: u64) {
        let node = &mut self.nodes[slot as usize];
        let old = std::mem::replace(&mut node.weight, weight);
        let queue = node.queue;
        let list = self.list(queue);
        list.weight = list.weight - old + weight;
    }

    /// Stops tracking `slot` (its key was removed); returns the leaf it held.
    pub(crate) fn release(&mut self, slot: u32) -> Option<Arc<Leaf<Entry<V>>>> {
        self.unlink(slot);
        let node = &mut self.nodes[slot as usize];
        node.queue = Queue::Free;
        self.free.push(slot);
        node.leaf.take()
    }

    /// Chooses one entry to evict, never `keep`, and stops tracking it; returns its
    /// leaf, or `None` if only `keep` is left.
    pub(crate) fn evict(&mut self, keep: u32) -> Option<Arc<Leaf<Entry<V>>>> {
        loop {
            let from_small = self.small.len > 0
                && (self.small.weight >= self.small_target || self.main.len == 0)
                && !(self.small.len == 1 && self.small.tail == keep);
            let victim = if from_small {
                self.evict_small(keep)
            } else if self.main.len > 0 && !(self.main.len == 1 && self.main.tail == keep) {
                self.evict_main(keep)
            } else if self.small.len > 0 && !(self.small.len == 1 && self.small.tail == keep) {
                self.evict_small(keep)
            } else {
                return None;
            };
            if let Some(slot) = victim {
                return self.release(slot);
            }
        }
    }

    /// Takes the small queue's oldest node: a node read since it came in moves to the
    /// main queue (no victim yet); one never read is the victim, remembered by the ghost.
    fn evict_small(&mut self, keep: u32) -> Option<u32> {
        let slot = self.small.tail;
        if slot == keep {
            self.unlink(slot);
            self.link_head(slot, Queue::Small);
            return None;
        }
        let entry = self.entry(slot);
        let hits = entry.hits();
        if hits > 0 {
            entry.set_hits(0);
            self.observe(slot, hits, 0);
            self.unlink(slot);
            self.link_head(slot, Queue::Main);
            return None;
        }
        let node = &self.nodes[slot as usize];
        let (hash, weight) = (node.hash, node.weight);
        self.small_ghost
            .insert(hash, weight, (self.ghost_bound() / 2).max(1));
        Some(slot)
    }

    /// Takes the main queue's oldest node: one read since it was last looked at goes
    /// back to the head with one access fewer; one not read is the victim.
    fn evict_main(&mut self, keep: u32) -> Option<u32> {
        let slot = self.main.tail;
        let entry = self.entry(slot);
        let hits = entry.hits();
        if hits > 0 || slot == keep {
            let left = hits.saturating_sub(1);
            entry.set_hits(left);
            self.observe(slot, hits, left);
            self.unlink(slot);
            self.link_head(slot, Queue::Main);
            return None;
        }
        let node = &self.nodes[slot as usize];
        let (hash, weight) = (node.hash, node.weight);
        self.main_ghost
            .insert(hash, weight, self.ghost_bound().max(1));
        Some(slot)
    }

    /// How many keys the main ghost remembers: the main queue's target share of the
    /// entries held (as S3-FIFO sizes its ghost), not the main queue's current length,
    /// which is near zero while the cache fills through the small queue alone (a ghost
    /// of one key would then send almost no key to the main queue).
    fn ghost_bound(&self) -> usize {
        let held = (self.small.len + self.main.len) as u128;
        let main_share = u128::from(self.capacity - self.small_target.min(self.capacity));
        let bound = held * main_share / u128::from(self.capacity.max(1));
        usize::try_from(bound).unwrap_or(usize::MAX)
    }

    /// Whether the main queue can take `weight` more and still leave the small queue its
    /// share: then a remembered key enters it without a duel.
    fn main_has_room(&self, weight: u64) -> bool {
        let after = self.main.weight.saturating_add(weight);
        after.saturating_add(self.small_target) <= self.capacity
    }

    /// The sketch's estimate for the main queue's next victim. Runs the main queue's
    /// clock as [`evict_main`](Self::evict_main) does (a key read since the writer last
    /// looked goes back to the head with one access fewer) until the oldest key is
    /// unread: that key is the one the next eviction from the main queue takes. 0 if the
    /// main queue is empty.
    fn victim_estimate(&mut self) -> u8 {
        while self.main.tail != NIL {
            let slot = self.main.tail;
            let entry = self.entry(slot);
            let hits = entry.hits();
            if hits == 0 {
                return self.sketch.estimate(self.nodes[slot as usize].hash);
            }
            entry.set_hits(hits - 1);
            self.observe(slot, hits, hits - 1);
            self.unlink(slot);
            self.link_head(slot, Queue::Main);
        }
        0
    }

    /// Feeds the sketch what `slot`'s access counter gained since the writer last set it
    /// (it read `hits`), and remembers that the writer leaves it at `left`.
    fn observe(&mut self, slot: u32, hits: u8, left: u8) {
        let node = &mut self.nodes[slot as usize];
        let gained = hits.saturating_sub(node.seen);
        node.seen = left;
        let hash = node.hash;
        self.sketch.add(hash, gained);
    }

    fn entry(&self, slot: u32) -> &Entry<V> {
        let leaf = self.nodes[slot as usize].leaf.as_ref();
        &leaf.expect("a queued node holds its leaf").value
    }

    fn list(&mut self, queue: Queue) -> &mut List {
        match queue {
            Queue::Small => &mut self.small,
            Queue::Main => &mut self.main,
            Queue::Free => unreachable!("free nodes are in no queue"),
        }
    }

    fn link_head(&mut self, slot: u32, queue: Queue) {
        let weight = self.nodes[slot as usize].weight;
        let list = self.list(queue);
        let old_head = list.head;
        list.head = slot;
        if old_head == NIL {
            list.tail = slot;
        }
        list.weight += weight;
        list.len += 1;
        if old_head != NIL {
            self.nodes[old_head as usize].prev = slot;
        }
        let node = &mut self.nodes[slot as usize];
        node.queue = queue;
        node.prev = NIL;
        node.next = old_head;
    }

    fn unlink(&mut self, slot: u32) {
        let (queue, prev, next, weight) = {
            let node = &self.nodes[slot as usize];
            (node.queue, node.prev, node.next, node.weight)
        };
        if prev != NIL {
            self.nodes[prev as usize].next = next;
        }
        if next != NIL {
            self.nodes[next as usize].prev = prev;
        }
        let list = self.list(queue);
        if list.head == slot {
            list.head = next;
        }
        if list.tail == slot {
            list.tail = prev;
        }
        list.weight -= weight;
        list.len -= 1;
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Ghost;

    #[test]
    fn a_ghost_tells_how_much_weight_left_its_queue_after_a_key() {
        let mut ghost = Ghost::default();
        for hash in [1, 2, 3] {
            ghost.insert(hash, 1, 3);
        }
        assert_eq!(ghost.depth(1), Some(2));
        assert_eq!(ghost.depth(3), Some(0));
        ghost.insert(1, 1, 3); // evicted again: its latest eviction counts
        assert_eq!(ghost.depth(1), Some(0));
        assert_eq!(ghost.depth(2), Some(2));
        ghost.insert(4, 1, 3); // the bound drops the oldest copy, of 2
        assert_eq!(ghost.depth(2), None);
        assert_eq!(ghost.depth(3), Some(2));
        assert_eq!(ghost.depth(5), None);
        ghost.insert(5, 10, 3); // a heavy key: depths are weights, the share's unit
        assert_eq!(ghost.depth(4), Some(10));
        assert_eq!(ghost.depth(5), Some(0));
        assert_eq!(ghost.depth(3), None, "the bound dropped 3");
    }
}
