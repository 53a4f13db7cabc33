//! [`Cache`]: a bounded store. Reads stay lock-free; the writer evicts.
//!
//! # Protocol
//!
//! A cache is a [`RootCell`] of `Trie<Entry<V>>` (the same cell and trie as
//! [`TrieStore`](crate::TrieStore)) plus the eviction policy's state behind a lock that
//! only writers take. An entry is the user's value, a small access counter, and the
//! index of the policy node that tracks its key.
//!
//! - A **read** ([`Cache::get`], [`Cache::get_with`]) walks the current version exactly
//!   as the store's does, then records the access in the entry it found: it loads the
//!   counter and, if it is below the cap, stores one more. Nothing else.
//! - A **write** takes the policy lock, then the root cell's writer lock; builds the next
//!   version from the current one (the put, then one removal per victim the policy
//!   chooses until the weight fits); publishes it with one swap; releases both locks;
//!   then drops what it replaced or evicted.
//!
//! The policy is S3-FIFO (Yang et al., SOSP'23) with a self-sizing small queue. New keys
//! enter a small FIFO queue; at its end, a key read while there moves to the main queue,
//! one never read is evicted and its fingerprint kept in the small ghost. At the main
//! queue's end, a key read since it was last looked at goes back to the head with one
//! access fewer (a CLOCK over counts up to 15); one not read is evicted into the main
//! ghost. The main ghost remembers as many keys as the main queue's target share of the
//! entries held, the small ghost half as many.
//!
//! A key that misses while a ghost remembers it moves the small queue's share, if it was
//! evicted at the margin: no more evictions ago (from its queue) than the small queue's
//! share, so that a queue longer by one such share would have kept it. Then the share
//! goes up one percent of the capacity on a small-ghost hit (new keys needed longer to
//! prove themselves), down one on a main-ghost hit (the main queue was too short); it
//! starts at 3% and stays within 1%..30%, in the manner of ARC's adaptation. A deeper
//! ghost hit (a loop's keys, all evicted about one loop ago) says nothing of what one
//! step would change, and moves nothing. Whether that key then enters the main queue is
//! decided by a frequency sketch, in the manner of TinyLFU's admission duel (Einziger et
//! al., ACM TOS 2017): a count-min sketch of counters up to 15, halved every ten times
//! the capacity additions (`sketch.rs`), that counts every miss and every access the
//! writer sees (what an entry's counter gained since the writer last set it, added when
//! the writer looks at it: at the small queue's end and in the main queue's clock). The
//! remembered key enters the main queue if the main queue has room for it (main weight +
//! its weight + the small share ≤ capacity); else the writer runs the main queue's clock
//! until its oldest key is unread (that key is the next victim of the main queue), and
//! the remembered key enters the main queue if its estimate is at least that victim's,
//! the small queue otherwise (where one read still promotes it). A key no ghost remembers
//! always enters the small queue.
//!
//! One pass over cold keys only churns the small queue: the hot set in the main queue
//! stays, and the scan's keys, never read twice, never reach a ghost hit. A loop over a
//! little more keys than the capacity, which plain S3-FIFO and LRU always miss (each
//! readmitted key pushes out the one needed next), keeps most of the loop: its ghost
//! hits are deep, so the small queue stays at its least, and readmitted keys that lose
//! the duel stop flushing the main queue.
//!
//! # Invariants
//!
//! 1. After a write returns, the current version's entries weigh at most the capacity.
//!    The policy tracks exactly the entries of the current version, and their weight.
//! 2. Eviction never edits a version: victims are removed by path copying, in the same
//!    version as the write that displaced them, so no reader ever sees a write without
//!    its evictions or an evicted value come back. A version readers may hold is never
//!    changed, except for access counters (3, 4).
//! 3. Readers write nothing but access counters, with `Relaxed` loads and stores,
//!    saturating at `MAX_HITS` (15); a counter at the cap is only read, so
//!    a hot key's cache line is not bounced between readers. Lost increments (two
//!    readers racing) only make the policy's estimate lower; they break nothing.
//! 4. Only the writer (under the policy lock) reads the policy's queues, ghosts and
//!    frequency sketch, and lowers counters: none of these is shared with readers, who
//!    only bump the counters in entries (3). The sketch learns of reads late (when the
//!    writer looks at a counter) and at most 15 at a time.
//! 5. An entry's slot names the policy node that holds that entry's leaf; a put over a
//!    present key reuses the node (keeping its queue place and access count), a removal
//!    or eviction frees it.
//! 6. A write never evicts the key it writes, unless that entry alone outweighs the
//!    capacity, in which case it is not stored (and the key's old value is removed).
//! 7. Guards and snapshots own what they reach ([`CacheGuard`], [`CacheSnapshot`]): an
//!    evicted entry stays readable through them, does not count against the capacity,
//!    and is dropped when the last of them goes.
//!
//! Loading on a miss (`load.rs`) and expiry (`expiry.rs`) have protocols and invariants
//! of their own, in those files.
//!
//! No `unsafe` here: the root cell's protocol (`src/cell.rs`) does the sharing.
#![forbid(unsafe_code)]

mod builder;
mod entry;
mod expiry;
mod load;
mod policy;
mod sketch;
mod stats;
#[cfg(all(test, not(loom)))]
mod tests;

use std::fmt;
use std::time::Duration;

pub use builder::CacheBuilder;
pub use entry::{CacheGuard, CacheRange, CacheSnapshot};
pub use expiry::{Clock, Expiration, ManualClock, SystemClock};
pub use stats::{CacheStats, RemovalCause};

use crate::cell::RootCell;
use crate::node::{Bytes, Leaf};
use crate::rewrite::Decision;
use crate::sync::{self, Arc, Mutex};
use crate::{Trie, ValueGuard};
use entry::Entry;
use expiry::{address, Expiry, Lifetime, Timing};
use load::{Loads, Role};
use policy::Policy;
use stats::Counters;

type Weigher<V> = Box<dyn Fn(&[u8], &V) -> u64 + Send + Sync>;
type Listener<V> = Box<dyn Fn(&[u8], &V, RemovalCause) + Send + Sync>;
type EntryLeaf<V> = Arc<Leaf<Entry<V>>>;
/// The entries a write let go, and why: handed to the listener once the locks are free.
type Gone<V> = Vec<(EntryLeaf<V>, RemovalCause)>;

/// What [`Cache::rewrite`] did.
struct Written<V> {
    /// The entry the key held before.
    previous: Option<EntryLeaf<V>>,
    /// Whether `decide` chose to write (put or remove), as `Trie::rewrite` reports it:
    /// a removal or a swap that finds the key absent decided to write, though it
    /// changes nothing.
    wrote: bool,
    /// The entry the key holds now, if the write stored a value.
    stored: Option<EntryLeaf<V>>,
    /// The value written, if it outweighed the capacity and was not stored.
    rejected: Option<EntryLeaf<V>>,
}

/// A concurrent store bounded by a capacity: writes evict entries to stay within it.
///
/// Reads take no lock and never wait, as [`TrieStore`](crate::TrieStore)'s do; a read
/// only records an access in the entry it finds. Writes are serialised; each publishes
/// one version in which the write and the evictions it caused appear together. The
/// capacity counts entries, or with [`CacheBuilder::weigher`] the weights a function
/// gives them. The eviction policy is an adaptive S3-FIFO with a TinyLFU-style
/// frequency duel for keys its ghosts remember; the module docs give its protocol.
///
/// ```
/// use cowtrie::cache::Cache;
///
/// let cache = Cache::new(100);
/// for i in 0..1_000u32 {
///     cache.put(i.to_be_bytes(), i);
///     assert!(cache.len() <= 100);
/// }
/// assert_eq!(cache.get(999u32.to_be_bytes()).as_deref(), Some(&999));
/// ```
pub struct Cache<V> {
    root: RootCell<Trie<Entry<V>>>,
    policy: Mutex<Policy<V>>,
    weigher: Option<Weigher<V>>,
    listener: Option<Listener<V>>,
    counters: Option<Box<Counters>>,
    loads: Loads<CacheGuard<V>>,
    expiry: Arc<Expiry>,
    capacity: u64,
}

impl<V> Cache<V> {
    /// An empty cache that holds at most `capacity` entries.
    pub fn new(capacity: u64) -> Self {
        Self::builder(capacity).build()
    }

    /// A builder for a cache of `capacity` (entries, or weight with a weigher), with an
    /// eviction listener or statistics if asked.
    pub fn builder(capacity: u64) -> CacheBuilder<V> {
        CacheBuilder::new(capacity)
    }

    fn from_builder(
        capacity: u64,
        weigher: Option<Weigher<V>>,
        listener: Option<Listener<V>>,
        record_stats: bool,
        expiry: Expiry,
    ) -> Self {
        Self {
            root: RootCell::new(Trie::new()),
            policy: Mutex::new(Policy::new(capacity)),
            weigher,
            listener,
            counters: record_stats.then(|| Box::new(Counters::new())),
            loads: Loads::new(),
            expiry: Arc::new(expiry),
            capacity,
        }
    }

    /// Whether a read may return `entry` (it has not expired); records the read for
    /// the time to idle. Reads the clock only if the entry can expire.
    #[inline]
    fn live(&self, entry: &Entry<V>) -> bool {
        let expiry = &self.expiry;
        entry
            .timing
            .as_deref()
            .map_or(true, |timing| expiry.read(timing, true))
    }

    /// The capacity: the most the current version's entries may weigh.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// The value under `key` in the current version, kept alive by the returned guard.
    /// Records an access.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<CacheGuard<V>> {
        let key = key.as_ref();
        let leaf = self.root.read(|trie| {
            let leaf = trie.get_leaf(key).filter(|leaf| self.live(&leaf.value))?;
            leaf.value.touch();
            Some(leaf.clone())
        });
        self.count_read(leaf.is_some());
        leaf.map(|leaf| CacheGuard::new(ValueGuard::new(leaf)))
    }

    /// Runs `f` on the value under `key` (`None` if absent) and returns its result.
    /// Records an access. The cheapest read: nothing is cloned or counted but the access.
    pub fn get_with<R>(&self, key: impl AsRef<[u8]>, f: impl FnOnce(Option<&V>) -> R) -> R {
        let key = key.as_ref();
        self.root.read(|trie| {
            let entry = trie.get(key).filter(|entry| self.live(entry));
            if let Some(entry) = entry {
                entry.touch();
            }
            self.count_read(entry.is_some());
            f(entry.map(|entry| &entry.value))
        })
    }

    /// The value under `key`; on a miss, the value `load` makes, stored under `key` and
    /// returned. Concurrent misses on one key run one loader: the threads that miss
    /// while it runs wait for its value instead of running their own. If `load` panics,
    /// nothing is stored, the panic goes on in this thread, and each waiting thread
    /// tries again (one of them loads).
    ///
    /// `load` runs with no lock of this cache held; it may read and write this cache,
    /// except to load the same key (which would wait for itself). If another write
    /// stored a value under `key` while `load` ran, that value is kept and returned,
    /// and the loaded one is dropped. A value heavier than the whole capacity is
    /// returned but not stored.
    ///
    /// ```
    /// use cowtrie::cache::Cache;
    ///
    /// let cache = Cache::new(100);
    /// let user = cache.get_or_insert_with("user:7", || "Ada".to_string());
    /// assert_eq!(*user, "Ada");
    /// // A hit: the loader does not run.
    /// let again = cache.get_or_insert_with("user:7", || unreachable!());
    /// assert_eq!(*again, "Ada");
    /// ```
    pub fn get_or_insert_with(
        &self,
        key: impl AsRef<[u8]>,
        load: impl FnOnce() -> V,
    ) -> CacheGuard<V> {
        let result: Result<_, std::convert::Infallible> =
            self.try_get_or_insert_with(key, || Ok(load()));
        match result {
            Ok(guard) => guard,
            Err(never) => match never {},
        }
    }

    /// [`get_or_insert_with`](Self::get_or_insert_with) for a loader that may fail: an
    /// `Err` is returned to this caller, nothing is stored, and each thread that was
    /// waiting for this load tries again (one of them loads).
    ///
    /// ```
    /// use cowtrie::cache::Cache;
    ///
    /// let cache: Cache<u64> = Cache::new(100);
    /// let failed = cache.try_get_or_insert_with("port", || "eighty".parse::<u64>());
    /// assert!(failed.is_err());
    /// assert!(!cache.contains_key("port"));
    /// let port = cache.try_get_or_insert_with("port", || "80".parse::<u64>()).unwrap();
    /// assert_eq!(*port, 80);
    /// ```
    pub fn try_get_or_insert_with<E>(
        &self,
        key: impl AsRef<[u8]>,
        load: impl FnOnce() -> Result<V, E>,
    ) -> Result<CacheGuard<V>, E> {
        let key = key.as_ref();
        let mut load = Some(load);
        loop {
            if let Some(hit) = self.get(key) {
                return Ok(hit);
            }
            let lead = match self.loads.join(key) {
                Role::Wait(other) => match other.wait() {
                    Some(guard) => return Ok(guard),
                    None => continue,
                },
                Role::Lead(lead) => lead,
            };
            let load = load.take().expect("a thread leads at most one load");
            let value = self.run_loader(load)?;
            // Settled under the write's locks, so every waiter joined before the write
            // that decides what it returns (`load.rs`, invariant 2).
            let store_if_absent = |current: Option<&V>| {
                lead.settle();
                match current {
                    None => Decision::Put(value),
                    Some(_) => Decision::Keep,
                }
            };
            let written = self.rewrite(key, None, store_if_absent);
            let leaf = written
                .stored
                .or(written.rejected)
                .or(written.previous)
                .expect("a load either stores its value, is rejected, or finds one stored");
            let guard = CacheGuard::new(ValueGuard::new(leaf));
            lead.finish(guard.clone());
            return Ok(guard);
        }
    }

    /// Runs a loader, counting how it ended (a panic counts as a failure, then goes on).
    fn run_loader<E>(&self, load: impl FnOnce() -> Result<V, E>) -> Result<V, E> {
        struct Ended<'a>(Option<&'a Counters>, bool);
        impl Drop for Ended<'_> {
            fn drop(&mut self) {
                if let Some(counters) = self.0 {
                    counters.loaded(self.1);
                }
            }
        }
        let mut ended = Ended(self.counters.as_deref(), false);
        let result = load();
        ended.1 = result.is_ok();
        result
    }

    /// Whether `key` is in the current version and has not expired. Records no access.
    pub fn contains_key(&self, key: impl AsRef<[u8]>) -> bool {
        let key = key.as_ref();
        let expiry = &self.expiry;
        self.root.read(|trie| {
            trie.get(key).is_some_and(|entry| {
                let timing = entry.timing.as_deref();
                timing.map_or(true, |timing| expiry.read(timing, false))
            })
        })
    }

    /// Maps `key` to `value`, evicting other entries as needed to stay within the
    /// capacity. An entry heavier than the whole capacity is not stored, and the key's
    /// old value is removed.
    pub fn put(&self, key: impl AsRef<[u8]>, value: V) {
        self.rewrite(key.as_ref(), None, |_| Decision::Put(value));
    }

    /// [`put`](Self::put), with a time to live of its own for this entry, in place of
    /// the cache's ([`CacheBuilder::time_to_live`]); a time to idle still applies.
    ///
    /// ```
    /// use std::time::Duration;
    /// use cowtrie::cache::{Cache, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// let cache = Cache::builder(100).clock(clock.clone()).build();
    /// cache.put_with_ttl("token", 1, Duration::from_secs(30));
    /// cache.put("config", 2); // no time to live: stays
    /// clock.advance(Duration::from_secs(30));
    /// assert!(!cache.contains_key("token"));
    /// assert!(cache.contains_key("config"));
    /// ```
    pub fn put_with_ttl(&self, key: impl AsRef<[u8]>, value: V, ttl: Duration) {
        let lifetime = self.expiry.lifetime().with_ttl(ttl);
        self.rewrite(key.as_ref(), Some(lifetime), |_| Decision::Put(value));
    }

    /// [`put`](Self::put), with a time to live and a time to idle of its own for this
    /// entry ([`Expiration`]), in place of the cache's.
    pub fn put_with_expiry(&self, key: impl AsRef<[u8]>, value: V, expiration: Expiration) {
        let lifetime = Lifetime::from(expiration);
        self.rewrite(key.as_ref(), Some(lifetime), |_| Decision::Put(value));
    }

    /// Removes `key`; returns whether it was present (an evicted or expired key is not).
    pub fn remove(&self, key: impl AsRef<[u8]>) -> bool {
        let remove_if_present = |value: Option<&V>| match value {
            Some(_) => Decision::Remove,
            None => Decision::Keep,
        };
        self.rewrite(key.as_ref(), None, remove_if_present).wrote
    }

    /// Removes the entries that have expired now, in one version, and tells the
    /// listener. Writes do this too, before they write; call it when a cache sees few
    /// writes, to free what expired entries hold.
    pub fn purge_expired(&self) {
        self.rewrite(&[], None, |_| Decision::Keep);
    }

    /// Atomically replaces the value under `key` with `f` of it (`None` removes the key),
    /// evicting others as [`put`](Self::put) does. Returns the value `f` saw. `f` runs
    /// under the writer lock: keep it short and do not write to this cache from it.
    pub fn update(
        &self,
        key: impl AsRef<[u8]>,
        f: impl FnOnce(Option<&V>) -> Option<V>,
    ) -> Option<CacheGuard<V>> {
        let written = self.rewrite(key.as_ref(), None, Decision::update(f));
        written
            .previous
            .map(|leaf| CacheGuard::new(ValueGuard::new(leaf)))
    }

    /// Replaces the value under `key` with `new` (`None` removes it) if the current one
    /// equals `expected` (`None`: absent), atomically. `Ok` with the value replaced, or
    /// `Err` with the current one, unchanged.
    #[allow(
        clippy::type_complexity,
        reason = "Ok and Err both carry the value seen, as in TrieStore::compare_and_swap"
    )]
    pub fn compare_and_swap(
        &self,
        key: impl AsRef<[u8]>,
        expected: Option<&V>,
        new: Option<V>,
    ) -> Result<Option<CacheGuard<V>>, Option<CacheGuard<V>>>
    where
        V: PartialEq,
    {
        let written = self.rewrite(key.as_ref(), None, Decision::swap(expected, new));
        let seen = written
            .previous
            .map(|leaf| CacheGuard::new(ValueGuard::new(leaf)));
        if written.wrote {
            Ok(seen)
        } else {
            Err(seen)
        }
    }

    /// The whole current version, without the entries expired when it is taken. Later
    /// writes, evictions and expiry do not affect it.
    pub fn snapshot(&self) -> CacheSnapshot<V> {
        let trie = self.root.read(Trie::clone);
        CacheSnapshot::new(trie, Arc::clone(&self.expiry), self.expiry.now())
    }

    /// The number of entries in the current version, counting those that expired and
    /// are not yet purged (by a write or [`purge_expired`](Self::purge_expired)).
    pub fn len(&self) -> usize {
        self.root.read(Trie::len)
    }

    /// Whether the current version is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The total weight of the current version's entries (takes the writers' lock).
    pub fn weight(&self) -> u64 {
        sync::lock(&self.policy).weight()
    }

    /// What this cache has counted since it was built, read without a lock; all zero
    /// unless it was built with [`CacheBuilder::record_stats`].
    pub fn stats(&self) -> CacheStats {
        self.counters
            .as_ref()
            .map_or_else(CacheStats::default, |counters| counters.snapshot())
    }

    #[inline]
    fn count_read(&self, hit: bool) {
        if let Some(counters) = &self.counters {
            counters.read(hit);
        }
    }

    fn weigh(&self, key: &[u8], value: &V) -> u64 {
        self.weigher
            .as_ref()
            .map_or(1, |weigher| weigher(key, value))
    }

    /// The one write path: under both locks, `decide` sees the current value and decides
    /// what to do with the key. Publishes the write and its evictions as one version;
    /// then, with no lock held, tells the listener what the write let go, and drops it.
    fn rewrite(
        &self,
        key: &[u8],
        lifetime: Option<Lifetime>,
        decide: impl FnOnce(Option<&V>) -> Decision<V>,
    ) -> Written<V> {
        let mut gone: Gone<V> = Vec::new();
        let written = self.rewrite_locked(key, lifetime, decide, &mut gone);
        if let Some(listener) = &self.listener {
            for (leaf, cause) in &gone {
                listener(&leaf.key, &leaf.value.value, *cause);
            }
        }
        drop(gone);
        written
    }

    /// [`rewrite`](Self::rewrite)'s part under the locks; what the write lets go lands in
    /// `gone`. Entries that have expired are removed first, in the same version.
    fn rewrite_locked(
        &self,
        key: &[u8],
        lifetime: Option<Lifetime>,
        decide: impl FnOnce(Option<&V>) -> Decision<V>,
        gone: &mut Gone<V>,
    ) -> Written<V> {
        let lifetime = lifetime.unwrap_or_else(|| self.expiry.lifetime());
        let mut policy = sync::lock(&self.policy);
        let mut writer = self.root.write();
        let now = if self.expiry.timed() || lifetime.timed() || !policy.deadlines.is_empty() {
            self.expiry.now()
        } else {
            0
        };
        let mut current = writer.current().clone();
        let mut purged = self.purge(&mut policy, &mut current, now, gone);
        let mut previous = current.get_leaf(key).cloned();
        if let Some(leaf) = previous.take() {
            let timing = leaf.value.timing.as_deref();
            if timing.map_or(true, |timing| self.expiry.claim(timing, now)) {
                previous = Some(leaf);
            } else {
                let leaf = policy
                    .release(leaf.value.slot)
                    .expect("a tracked key's slot");
                current = current.remove(key);
                gone.push((leaf, RemovalCause::Expired));
                purged = true;
            }
        }
        let mut written = Written {
            previous,
            wrote: false,
            stored: None,
            rejected: None,
        };
        let seen = written.previous.as_ref().map(|leaf| &leaf.value.value);
        let new = match decide(seen) {
            Decision::Put(value) => Some(value),
            Decision::Remove => None,
            Decision::Keep => {
                if let Some(leaf) = &written.previous {
                    if let Some(timing) = &leaf.value.timing {
                        self.expiry.unclaim(timing);
                    }
                }
                if purged {
                    writer.publish(current);
                    self.count_write(false, gone);
                }
                return written;
            }
        };
        written.wrote = true;
        let weight = new.as_ref().map(|value| self.weigh(key, value));
        let next = match (new, weight) {
            (Some(value), Some(weight)) if weight <= self.capacity => {
                let timing = lifetime
                    .timed()
                    .then(|| Box::new(Timing::new(lifetime, now)));
                let value = Entry::new(value, 0, policy::DETACHED, timing);
                let (next, leaf) = self.insert(&mut policy, &current, key, value, weight, gone);
                written.stored = Some(leaf);
                Some(next)
            }
            (value, _) => {
                let cause = if let Some(value) = value {
                    let rejected = Arc::new(Leaf {
                        key: Bytes::from_slice(key),
                        value: Entry::new(value, 0, policy::DETACHED, None),
                    });
                    gone.push((Arc::clone(&rejected), RemovalCause::Evicted));
                    written.rejected = Some(rejected);
                    RemovalCause::Replaced
                } else {
                    RemovalCause::Removed
                };
                let removed = written.previous.as_ref().map(|leaf| {
                    let released = policy.release(leaf.value.slot);
                    gone.extend(released.map(|leaf| (leaf, cause)));
                    current.remove(key)
                });
                removed.or(purged.then_some(current))
            }
        };
        if let Some(next) = next {
            writer.publish(next);
        }
        self.count_write(written.stored.is_some() && written.previous.is_none(), gone);
        written
    }

    fn count_write(&self, inserted: bool, gone: &Gone<V>) {
        if let Some(counters) = &self.counters {
            counters.wrote(inserted, gone.iter().map(|(_, cause)| *cause));
        }
    }

    /// Removes from `current` the entries expired at `now` that the deadline heap names
    /// (`expiry.rs`, invariant 3), and queues again those read since they were queued.
    /// Returns whether it removed any.
    fn purge(
        &self,
        policy: &mut Policy<V>,
        current: &mut Trie<Entry<V>>,
        now: u64,
        gone: &mut Gone<V>,
    ) -> bool {
        if policy.deadlines.is_empty() {
            return false; // no entry can expire: nothing to look at
        }
        let mut purged = false;
        while let Some((slot, queued)) = policy.deadlines.pop_due(now) {
            let Some(leaf) = policy.leaf_at(slot) else {
                continue;
            };
            if address(leaf) != queued {
                continue;
            }
            let Some(timing) = leaf.value.timing.as_deref() else {
                continue;
            };
            if self.expiry.expired_for_writer(timing, now) {
                let leaf = policy.release(slot).expect("a tracked slot holds its leaf");
                *current = current.remove(&leaf.key);
                gone.push((leaf, RemovalCause::Expired));
                purged = true;
            } else {
                let deadline = self.expiry.next_deadline(timing);
                policy.deadlines.push(deadline, slot, queued);
            }
        }
        policy.compact_deadlines();
        purged
    }

    /// The next version, `key` mapped to `value` (of `weight`), minus the victims the
    /// policy evicts to make room; and the new entry's leaf. What the write replaces or
    /// evicts lands in `gone`.
    fn insert(
        &self,
        policy: &mut Policy<V>,
        current: &Trie<Entry<V>>,
        key: &[u8],
        mut entry: Entry<V>,
        weight: u64,
        gone: &mut Gone<V>,
    ) -> (Trie<Entry<V>>, EntryLeaf<V>) {
        let (slot, hits) = match current.get_leaf(key) {
            Some(leaf) => {
                policy.reweigh(leaf.value.slot, weight);
                (leaf.value.slot, leaf.value.hits())
            }
            None => (policy.admit(key, weight), 0),
        };
        entry.slot = slot;
        entry.set_hits(hits);
        let mut next = current.put(key, entry);
        let leaf = next.get_leaf(key).expect("just put").clone();
        if let Some(timing) = &leaf.value.timing {
            let deadline = self.expiry.next_deadline(timing);
            policy.deadlines.push(deadline, slot, address(&leaf));
        }
        let replaced = policy.set_leaf(slot, Arc::clone(&leaf));
        gone.extend(replaced.map(|old| (old, RemovalCause::Replaced)));
        while policy.over() {
            let Some(victim) = policy.evict(slot) else {
                break;
            };
            next = next.remove(&victim.key);
            gone.push((victim, RemovalCause::Evicted));
        }
        (next, leaf)
    }
}

impl<V: fmt::Debug> fmt::Debug for Cache<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("capacity", &self.capacity)
            .field("entries", &self.snapshot())
            .finish()
    }
}
