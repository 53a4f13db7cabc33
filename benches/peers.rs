//! The stores under comparison, each behind the same small adapter ([`Store`]).
//!
//! Values are `u64`, keys byte strings. Every store keeps its own natural API: the hash
//! maps hash with their default hasher, the persistent maps publish a new version per
//! write through an atomic root, writers of the copy-on-write stores are serialised by a
//! mutex (as cowtrie's are). The ordered stores scan a prefix as the range from the
//! prefix to its successor ([`PrefixRange`]).

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex, RwLock};

use arc_swap::ArcSwap;
use concread::bptree::BptreeMap;
use cowtrie::TrieStore;
use crossbeam_skiplist::SkipMap;
use scc::TreeIndex;

/// A read loop's lookup: key to value.
pub type Lookup<'a> = Box<dyn FnMut(&[u8]) -> Option<u64> + 'a>;

/// What every bench asks of a store.
pub trait Store: Send + Sync {
    /// The name in the tables.
    fn name(&self) -> &'static str;
    fn get(&self, key: &[u8]) -> Option<u64>;
    fn put(&self, key: &[u8], value: u64);
    fn remove(&self, key: &[u8]) -> bool;
    /// Visits every entry (of one version, where the store has versions) and returns a
    /// checksum of keys and values, so the walk cannot be optimised away.
    fn visit_all(&self) -> u64;
    /// Visits the entries whose keys start with each of `prefixes` in turn (of one
    /// version, or under one lock), with checksum as for `visit_all`; `None` for
    /// unordered stores.
    fn visit_prefixes(&self, prefixes: &[Vec<u8>]) -> Option<u64>;
    /// Visits the entries with keys from `low` (included) to `high` (excluded), in key
    /// order, with checksum as for `visit_all`; `None` for stores without ordered range
    /// scans (the `scan_range_*` groups skip them).
    fn visit_range(&self, _low: &[u8], _high: &[u8]) -> Option<u64> {
        None
    }
    /// Whether the store can run the `read_under_writer_*` groups, where a writer puts
    /// and removes without pause beside readers. `false` for a store whose memory then
    /// grows until the machine runs out (the group is skipped for it, and says so).
    fn sustains_a_writer_beside_readers(&self) -> bool {
        true
    }
    /// A lookup for one thread that reads in a loop: the store's per-thread read handle
    /// where it has one (cowtrie's [`cowtrie::Reader`]), else [`get`](Self::get). Every
    /// read loop in the benches takes one per thread, so every store pays the same call.
    fn reader(&self) -> Lookup<'_> {
        Box::new(|key| self.get(key))
    }
}

fn mix(sum: u64, key: &[u8], value: u64) -> u64 {
    sum.wrapping_add(key.len() as u64).wrapping_add(value)
}

/// The keys starting with a prefix, as a key range: from the prefix (included) to its
/// successor (excluded), the smallest key greater than every key with that prefix. A
/// prefix of `0xff` bytes alone has no successor: its range is unbounded above.
pub struct PrefixRange<'a> {
    start: &'a [u8],
    end: Option<Vec<u8>>,
}

impl<'a> PrefixRange<'a> {
    pub fn new(prefix: &'a [u8]) -> Self {
        let mut end = prefix.to_vec();
        while let Some(last) = end.pop() {
            if last < u8::MAX {
                end.push(last + 1);
                return PrefixRange {
                    start: prefix,
                    end: Some(end),
                };
            }
        }
        PrefixRange {
            start: prefix,
            end: None,
        }
    }

    /// The bounds, as the ordered maps' `range` methods take them.
    pub fn bounds(&self) -> (Bound<&[u8]>, Bound<&[u8]>) {
        let end = self
            .end
            .as_deref()
            .map_or(Bound::Unbounded, Bound::Excluded);
        (Bound::Included(self.start), end)
    }
}

/// Every store, empty, in table order.
pub fn all() -> Vec<Box<dyn Store>> {
    vec![
        Box::new(Cowtrie(TrieStore::new())),
        Box::new(CowtrieGuard(TrieStore::new())),
        Box::new(CowtrieReader(TrieStore::new())),
        Box::new(RwLock::new(HashMap::<Vec<u8>, u64>::new())),
        Box::new(Mutex::new(HashMap::<Vec<u8>, u64>::new())),
        Box::new(dashmap::DashMap::<Vec<u8>, u64>::new()),
        Box::new(papaya::HashMap::<Vec<u8>, u64>::new()),
        Box::new(Versioned::<imbl::HashMap<Vec<u8>, u64>>::default()),
        Box::new(Versioned::<rpds::HashTrieMapSync<Vec<u8>, u64>>::default()),
        Box::new(RwLock::new(BTreeMap::<Vec<u8>, u64>::new())),
        Box::new(Versioned::<imbl::OrdMap<Vec<u8>, u64>>::default()),
        Box::new(BptreeMap::<Vec<u8>, u64>::new()),
        Box::new(TreeIndex::<Vec<u8>, u64>::new()),
        Box::new(SkipMap::<Vec<u8>, u64>::new()),
        Box::new(BusTub::default()),
    ]
}

/// `stores` filled with `keys` (value: the key's index).
pub fn loaded(stores: Vec<Box<dyn Store>>, keys: &[Vec<u8>]) -> Vec<Box<dyn Store>> {
    for store in &stores {
        for (i, key) in keys.iter().enumerate() {
            store.put(key, i as u64);
        }
    }
    stores
}

/// cowtrie, reading through [`TrieStore::get_with`] (no reference count touched).
pub struct Cowtrie(pub TrieStore<u64>);

/// cowtrie, reading through [`TrieStore::get`] (a [`cowtrie::ValueGuard`] per read).
pub struct CowtrieGuard(pub TrieStore<u64>);

/// cowtrie, each reading thread through a [`cowtrie::Reader`] of its own (`get_with`):
/// the version it last read, checked with two loads instead of a pin.
pub struct CowtrieReader(pub TrieStore<u64>);

macro_rules! cowtrie_writes_and_scans {
    () => {
        fn put(&self, key: &[u8], value: u64) {
            self.0.put(key, value);
        }
        fn remove(&self, key: &[u8]) -> bool {
            self.0.remove(key)
        }
        fn visit_all(&self) -> u64 {
            let snapshot = self.0.snapshot();
            snapshot.iter().fold(0, |sum, (k, v)| mix(sum, k, *v))
        }
        /// Through the public iterator: [`cowtrie::Trie::scan_prefix`], which lends
        /// `(&[u8], &u64)` entries.
        fn visit_prefixes(&self, prefixes: &[Vec<u8>]) -> Option<u64> {
            let snapshot = self.0.snapshot();
            Some(prefixes.iter().fold(0, |sum, prefix| {
                snapshot
                    .scan_prefix(prefix)
                    .fold(sum, |sum, (k, v)| mix(sum, k, *v))
            }))
        }
    };
}

impl Store for Cowtrie {
    fn name(&self) -> &'static str {
        "cowtrie"
    }
    fn get(&self, key: &[u8]) -> Option<u64> {
        self.0.get_with(key, |value| value.copied())
    }
    cowtrie_writes_and_scans!();
    /// Through the public iterator: [`cowtrie::Trie::range`] on a snapshot.
    fn visit_range(&self, low: &[u8], high: &[u8]) -> Option<u64> {
        let snapshot = self.0.snapshot();
        Some(
            snapshot
                .range(low..high)
                .fold(0, |sum, (k, v)| mix(sum, k, *v)),
        )
    }
}

impl Store for CowtrieGuard {
    fn name(&self) -> &'static str {
        "cowtrie (guard)"
    }
    fn get(&self, key: &[u8]) -> Option<u64> {
        self.0.get(key).map(|guard| *guard)
    }
    cowtrie_writes_and_scans!();
}

impl Store for CowtrieReader {
    fn name(&self) -> &'static str {
        "cowtrie (reader)"
    }
    fn get(&self, key: &[u8]) -> Option<u64> {
        self.0.reader().get_with(key, |value| value.copied())
    }
    fn reader(&self) -> Lookup<'_> {
        let mut reader = self.0.reader();
        Box::new(move |key| reader.get_with(key, |value| value.copied()))
    }
    cowtrie_writes_and_scans!();
}

/// `get`, `put`, `remove` and `visit_all` of a std map behind a lock; `$read` and `$write`
/// name the lock's methods (`read`/`write` of an `RwLock`, `lock` of a `Mutex`).
macro_rules! locked_map {
    ($read:ident, $write:ident) => {
        fn get(&self, key: &[u8]) -> Option<u64> {
            self.$read().unwrap().get(key).copied()
        }
        fn put(&self, key: &[u8], value: u64) {
            self.$write().unwrap().insert(key.to_vec(), value);
        }
        fn remove(&self, key: &[u8]) -> bool {
            self.$write().unwrap().remove(key).is_some()
        }
        fn visit_all(&self) -> u64 {
            let map = self.$read().unwrap();
            map.iter().fold(0, |sum, (k, v)| mix(sum, k, *v))
        }
    };
}

impl Store for RwLock<HashMap<Vec<u8>, u64>> {
    fn name(&self) -> &'static str {
        "RwLock<HashMap>"
    }
    locked_map!(read, write);
    fn visit_prefixes(&self, _: &[Vec<u8>]) -> Option<u64> {
        None
    }
}

impl Store for Mutex<HashMap<Vec<u8>, u64>> {
    fn name(&self) -> &'static str {
        "Mutex<HashMap>"
    }
    locked_map!(lock, lock);
    fn visit_prefixes(&self, _: &[Vec<u8>]) -> Option<u64> {
        None
    }
}

impl Store for dashmap::DashMap<Vec<u8>, u64> {
    fn name(&self) -> &'static str {
        "DashMap"
    }
    fn get(&self, key: &[u8]) -> Option<u64> {
        dashmap::DashMap::get(self, key).map(|entry| *entry)
    }
    fn put(&self, key: &[u8], value: u64) {
        self.insert(key.to_vec(), value);
    }
    fn remove(&self, key: &[u8]) -> bool {
        dashmap::DashMap::remove(self, key).is_some()
    }
    fn visit_all(&self) -> u64 {
        self.iter().fold(0, |sum, e| mix(sum, e.key(), *e.value()))
    }
    fn visit_prefixes(&self, _: &[Vec<u8>]) -> Option<u64> {
        None
    }
}

impl Store for papaya::HashMap<Vec<u8>, u64> {
    fn name(&self) -> &'static str {
        "papaya"
    }
    fn get(&self, key: &[u8]) -> Option<u64> {
        self.pin().get(key).copied()
    }
    fn put(&self, key: &[u8], value: u64) {
        self.pin().insert(key.to_vec(), value);
    }
    fn remove(&self, key: &[u8]) -> bool {
        self.pin().remove(key).is_some()
    }
    fn visit_all(&self) -> u64 {
        self.pin().iter().fold(0, |sum, (k, v)| mix(sum, k, *v))
    }
    fn visit_prefixes(&self, _: &[Vec<u8>]) -> Option<u64> {
        None
    }
}

impl Store for RwLock<BTreeMap<Vec<u8>, u64>> {
    fn name(&self) -> &'static str {
        "RwLock<BTreeMap>"
    }
    locked_map!(read, write);
    fn visit_prefixes(&self, prefixes: &[Vec<u8>]) -> Option<u64> {
        let map = self.read().unwrap();
        Some(prefixes.iter().fold(0, |sum, prefix| {
            let prefix = prefix.as_slice();
            map.range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
                .take_while(|(k, _)| k.starts_with(prefix))
                .fold(sum, |sum, (k, v)| mix(sum, k, *v))
        }))
    }
    fn visit_range(&self, low: &[u8], high: &[u8]) -> Option<u64> {
        let map = self.read().unwrap();
        Some(
            map.range::<[u8], _>((Bound::Included(low), Bound::Excluded(high)))
                .fold(0, |sum, (k, v)| mix(sum, k, *v)),
        )
    }
}

/// A persistent map behind an atomic root: readers load the current version, a writer
/// (serialised by `writer`) derives the next version and stores it.
#[derive(Default)]
pub struct Versioned<M> {
    map: ArcSwap<M>,
    writer: Mutex<()>,
}

/// The persistent map operations [`Versioned`] needs.
pub trait Persistent: Clone + Default + Send + Sync + 'static {
    const NAME: &'static str;
    fn lookup(&self, key: &[u8]) -> Option<u64>;
    fn with(&self, key: &[u8], value: u64) -> Self;
    fn without(&self, key: &[u8]) -> Option<Self>;
    fn fold(&self) -> u64;
    /// As [`Store::visit_prefixes`]: `None` for unordered maps.
    fn fold_prefixes(&self, _prefixes: &[Vec<u8>]) -> Option<u64> {
        None
    }
}

impl Persistent for imbl::HashMap<Vec<u8>, u64> {
    const NAME: &'static str = "ArcSwap<imbl::HashMap>";
    fn lookup(&self, key: &[u8]) -> Option<u64> {
        self.get(key).copied()
    }
    fn with(&self, key: &[u8], value: u64) -> Self {
        self.update(key.to_vec(), value)
    }
    fn without(&self, key: &[u8]) -> Option<Self> {
        let mut next = self.clone();
        next.remove(key).map(|_| next)
    }
    fn fold(&self) -> u64 {
        self.iter().fold(0, |sum, (k, v)| mix(sum, k, *v))
    }
}

impl Persistent for rpds::HashTrieMapSync<Vec<u8>, u64> {
    const NAME: &'static str = "ArcSwap<rpds::HashTrieMapSync>";
    fn lookup(&self, key: &[u8]) -> Option<u64> {
        self.get(key).copied()
    }
    fn with(&self, key: &[u8], value: u64) -> Self {
        self.insert(key.to_vec(), value)
    }
    fn without(&self, key: &[u8]) -> Option<Self> {
        self.contains_key(key).then(|| self.remove(key))
    }
    fn fold(&self) -> u64 {
        self.iter().fold(0, |sum, (k, v)| mix(sum, k, *v))
    }
}

impl Persistent for imbl::OrdMap<Vec<u8>, u64> {
    const NAME: &'static str = "ArcSwap<imbl::OrdMap>";
    fn lookup(&self, key: &[u8]) -> Option<u64> {
        self.get(key).copied()
    }
    fn with(&self, key: &[u8], value: u64) -> Self {
        self.update(key.to_vec(), value)
    }
    fn without(&self, key: &[u8]) -> Option<Self> {
        let mut next = self.clone();
        next.remove(key).map(|_| next)
    }
    fn fold(&self) -> u64 {
        self.iter().fold(0, |sum, (k, v)| mix(sum, k, *v))
    }
    fn fold_prefixes(&self, prefixes: &[Vec<u8>]) -> Option<u64> {
        Some(prefixes.iter().fold(0, |sum, prefix| {
            self.range::<_, [u8]>(PrefixRange::new(prefix).bounds())
                .fold(sum, |sum, (k, v)| mix(sum, k, *v))
        }))
    }
}

impl<M: Persistent> Store for Versioned<M> {
    fn name(&self) -> &'static str {
        M::NAME
    }
    fn get(&self, key: &[u8]) -> Option<u64> {
        self.map.load().lookup(key)
    }
    fn put(&self, key: &[u8], value: u64) {
        let _writer = self.writer.lock().unwrap();
        let next = self.map.load().with(key, value);
        self.map.store(Arc::new(next));
    }
    fn remove(&self, key: &[u8]) -> bool {
        let _writer = self.writer.lock().unwrap();
        let Some(next) = self.map.load().without(key) else {
            return false;
        };
        self.map.store(Arc::new(next));
        true
    }
    fn visit_all(&self) -> u64 {
        self.map.load_full().fold()
    }
    fn visit_prefixes(&self, prefixes: &[Vec<u8>]) -> Option<u64> {
        self.map.load_full().fold_prefixes(prefixes)
    }
}

/// concread's copy-on-write B+tree: a read transaction per read (one version for its
/// life), a write transaction per write, committed at once, as a user making one change
/// at a time would (writers are serialised by the map's own mutex).
impl Store for BptreeMap<Vec<u8>, u64> {
    fn name(&self) -> &'static str {
        "concread::BptreeMap"
    }
    fn get(&self, key: &[u8]) -> Option<u64> {
        self.read().get(key).copied()
    }
    fn put(&self, key: &[u8], value: u64) {
        let mut txn = self.write();
        txn.insert(key.to_vec(), value);
        txn.commit();
    }
    /// A write transaction whose `remove` takes the owned key type; left uncommitted (so
    /// aborted) when the key is absent.
    fn remove(&self, key: &[u8]) -> bool {
        let mut txn = self.write();
        let removed = txn.remove(&key.to_vec()).is_some();
        if removed {
            txn.commit();
        }
        removed
    }
    /// No: beside a reader that reads without pause, a writer committing without pause
    /// grew the process past 24 GiB within seconds (killed by the kernel's OOM killer on
    /// the 24 GiB bench machine, 2026-12-07, in the first seconds of the group's warm-up).
    /// Its single-threaded groups run.
    fn sustains_a_writer_beside_readers(&self) -> bool {
        false
    }
    fn visit_all(&self) -> u64 {
        let txn = self.read();
        txn.iter().fold(0, |sum, (k, v)| mix(sum, k, *v))
    }
    fn visit_prefixes(&self, prefixes: &[Vec<u8>]) -> Option<u64> {
        let txn = self.read();
        Some(prefixes.iter().fold(0, |sum, prefix| {
            txn.range::<_, [u8]>(PrefixRange::new(prefix).bounds())
                .fold(sum, |sum, (k, v)| mix(sum, k, *v))
        }))
    }
    fn visit_range(&self, low: &[u8], high: &[u8]) -> Option<u64> {
        let txn = self.read();
        Some(
            txn.range::<_, [u8]>((Bound::Included(low), Bound::Excluded(high)))
                .fold(0, |sum, (k, v)| mix(sum, k, *v)),
        )
    }
}

/// scc's concurrent B+tree: lock-free reads (`peek_with`), writers lock the leaves they
/// change. Its iterators are not snapshots: a scan sees each entry present throughout
/// it, and may or may not see one changed meanwhile.
impl Store for TreeIndex<Vec<u8>, u64> {
    fn name(&self) -> &'static str {
        "scc::TreeIndex"
    }
    fn get(&self, key: &[u8]) -> Option<u64> {
        self.peek_with(key, |_, value| *value)
    }
    fn put(&self, key: &[u8], value: u64) {
        self.upsert_sync(key.to_vec(), value);
    }
    fn remove(&self, key: &[u8]) -> bool {
        self.remove_sync(key)
    }
    fn visit_all(&self) -> u64 {
        let guard = scc::Guard::new();
        self.iter(&guard).fold(0, |sum, (k, v)| mix(sum, k, *v))
    }
    fn visit_prefixes(&self, prefixes: &[Vec<u8>]) -> Option<u64> {
        let guard = scc::Guard::new();
        Some(prefixes.iter().fold(0, |sum, prefix| {
            self.range::<[u8], _>(PrefixRange::new(prefix).bounds(), &guard)
                .fold(sum, |sum, (k, v)| mix(sum, k, *v))
        }))
    }
    fn visit_range(&self, low: &[u8], high: &[u8]) -> Option<u64> {
        let guard = scc::Guard::new();
        Some(
            self.range::<[u8], _>((Bound::Included(low), Bound::Excluded(high)), &guard)
                .fold(0, |sum, (k, v)| mix(sum, k, *v)),
        )
    }
}

/// crossbeam's lock-free skip list: entries are reference-counted handles, reclaimed
/// through epochs. Like scc's, its iterators are not snapshots.
impl Store for SkipMap<Vec<u8>, u64> {
    fn name(&self) -> &'static str {
        "crossbeam_skiplist::SkipMap"
    }
    fn get(&self, key: &[u8]) -> Option<u64> {
        SkipMap::get(self, key).map(|entry| *entry.value())
    }
    fn put(&self, key: &[u8], value: u64) {
        self.insert(key.to_vec(), value);
    }
    fn remove(&self, key: &[u8]) -> bool {
        SkipMap::remove(self, key).is_some()
    }
    fn visit_all(&self) -> u64 {
        self.iter().fold(0, |sum, e| mix(sum, e.key(), *e.value()))
    }
    fn visit_prefixes(&self, prefixes: &[Vec<u8>]) -> Option<u64> {
        Some(prefixes.iter().fold(0, |sum, prefix| {
            self.range::<[u8], _>(PrefixRange::new(prefix).bounds())
                .fold(sum, |sum, e| mix(sum, e.key(), *e.value()))
        }))
    }
    fn visit_range(&self, low: &[u8], high: &[u8]) -> Option<u64> {
        Some(
            self.range::<[u8], _>((Bound::Included(low), Bound::Excluded(high)))
                .fold(0, |sum, e| mix(sum, e.key(), *e.value())),
        )
    }
}

/// The textbook copy-on-write trie store (as in CMU 15-445's BusTub primer): one node per
/// key byte, children in a `BTreeMap`, the root behind a mutex that readers take just
/// long enough to clone it, writers serialised by a second mutex.
#[derive(Default)]
pub struct BusTub {
    root: Mutex<Arc<BusTubNode>>,
    writer: Mutex<()>,
}

#[derive(Clone, Default)]
pub struct BusTubNode {
    children: BTreeMap<u8, Arc<BusTubNode>>,
    value: Option<Arc<u64>>,
}

impl BusTubNode {
    fn put(&self, key: &[u8], value: u64) -> BusTubNode {
        let mut copy = self.clone();
        match key.split_first() {
            None => copy.value = Some(Arc::new(value)),
            Some((first, rest)) => {
                let child = self.children.get(first).map_or_else(
                    || BusTubNode::default().put(rest, value),
                    |child| child.put(rest, value),
                );
                copy.children.insert(*first, Arc::new(child));
            }
        }
        copy
    }

    /// The node without `key` (`None`: the node is left empty), or `Err` if absent.
    fn remove(&self, key: &[u8]) -> Result<Option<BusTubNode>, ()> {
        let mut copy = self.clone();
        match key.split_first() {
            None => {
                self.value.as_ref().ok_or(())?;
                copy.value = None;
            }
            Some((first, rest)) => match self.children.get(first).ok_or(())?.remove(rest)? {
                Some(child) => drop(copy.children.insert(*first, Arc::new(child))),
                None => drop(copy.children.remove(first)),
            },
        }
        Ok((copy.value.is_some() || !copy.children.is_empty()).then_some(copy))
    }

    fn fold(&self, key: &mut Vec<u8>, sum: u64) -> u64 {
        let mut sum = self.value.as_ref().map_or(sum, |v| mix(sum, key, **v));
        for (byte, child) in &self.children {
            key.push(*byte);
            sum = child.fold(key, sum);
            key.pop();
        }
        sum
    }
}

impl Store for BusTub {
    fn name(&self) -> &'static str {
        "BusTub trie"
    }
    fn get(&self, key: &[u8]) -> Option<u64> {
        let root = Arc::clone(&self.root.lock().unwrap());
        let mut node = &root;
        for byte in key {
            node = node.children.get(byte)?;
        }
        node.value.as_deref().copied()
    }
    fn put(&self, key: &[u8], value: u64) {
        let _writer = self.writer.lock().unwrap();
        let root = Arc::clone(&self.root.lock().unwrap());
        *self.root.lock().unwrap() = Arc::new(root.put(key, value));
    }
    fn remove(&self, key: &[u8]) -> bool {
        let _writer = self.writer.lock().unwrap();
        let root = Arc::clone(&self.root.lock().unwrap());
        let Ok(next) = root.remove(key) else {
            return false;
        };
        *self.root.lock().unwrap() = Arc::new(next.unwrap_or_default());
        true
    }
    fn visit_all(&self) -> u64 {
        let root = Arc::clone(&self.root.lock().unwrap());
        root.fold(&mut Vec::new(), 0)
    }
    fn visit_prefixes(&self, prefixes: &[Vec<u8>]) -> Option<u64> {
        let root = Arc::clone(&self.root.lock().unwrap());
        Some(prefixes.iter().fold(0, |sum, prefix| {
            let mut node = &root;
            for byte in prefix {
                match node.children.get(byte) {
                    Some(child) => node = child,
                    None => return sum,
                }
            }
            node.fold(&mut prefix.clone(), sum)
        }))
    }
}
