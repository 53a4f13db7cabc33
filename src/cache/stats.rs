//! What a [`Cache`](super::Cache) counts when asked to ([`CacheBuilder::record_stats`]),
//! and why it lets an entry go ([`RemovalCause`], for the eviction listener).
//!
//! Reads count hits and misses in striped counters, one cache line per stripe, each
//! thread on its own stripe (`sync::thread_hint`), so readers on different cores do not
//! bounce one line. Writes count under the policy lock, which serialises them, so their
//! counters are plain loads and stores. [`Cache::stats`](super::Cache::stats) reads them
//! all without a lock; a count may be a moment behind a read or write that is returning.
//!
//! [`CacheBuilder::record_stats`]: super::CacheBuilder::record_stats
#![forbid(unsafe_code)]

use crossbeam_utils::CachePadded;

use crate::sync::{self, AtomicU64, Ordering};

/// Why an entry left a [`Cache`](super::Cache), as the eviction listener hears it
/// ([`CacheBuilder::eviction_listener`](super::CacheBuilder::eviction_listener)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RemovalCause {
    /// Evicted to make room (or never stored: heavier than the whole capacity).
    Evicted,
    /// Removed by [`remove`](super::Cache::remove), or by an `update` or
    /// `compare_and_swap` that wrote `None`.
    Removed,
    /// Overwritten by a newer value for the same key.
    Replaced,
    /// Its time to live or time to idle ran out
    /// ([`CacheBuilder::time_to_live`](super::CacheBuilder::time_to_live)).
    Expired,
}

/// A cache's counts since it was built, read without a lock
/// ([`Cache::stats`](super::Cache::stats)). All zero unless the cache was built with
/// [`CacheBuilder::record_stats`](super::CacheBuilder::record_stats).
///
/// ```
/// use cowtrie::cache::Cache;
///
/// let cache = Cache::builder(1).record_stats().build();
/// cache.put("a", 1);
/// cache.put("b", 2); // evicts "a"
/// assert!(cache.get("a").is_none());
/// assert_eq!(cache.get_with("b", |v| v.copied()), Some(2));
/// let stats = cache.stats();
/// assert_eq!((stats.hits, stats.misses), (1, 1));
/// assert_eq!((stats.inserts, stats.evicted), (2, 1));
/// assert_eq!(stats.hit_ratio(), 0.5);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Reads (`get`, `get_with`, `get_or_insert_with`) that found the key.
    pub hits: u64,
    /// Reads that did not.
    pub misses: u64,
    /// Writes that stored a key the cache did not hold.
    pub inserts: u64,
    /// Entries overwritten by a newer value ([`RemovalCause::Replaced`]).
    pub replaced: u64,
    /// Entries removed by a caller ([`RemovalCause::Removed`]).
    pub removed: u64,
    /// Entries evicted for room, or never stored ([`RemovalCause::Evicted`]).
    pub evicted: u64,
    /// Entries removed because they expired ([`RemovalCause::Expired`]).
    pub expired: u64,
    /// Loaders that returned a value (`get_or_insert_with`, `try_get_or_insert_with`).
    pub loads: u64,
    /// Loaders that returned an error or panicked.
    pub load_failures: u64,
}

impl CacheStats {
    /// Hits over reads; 1 when there were no reads.
    pub fn hit_ratio(&self) -> f64 {
        let reads = self.hits + self.misses;
        if reads == 0 {
            1.0
        } else {
            self.hits as f64 / reads as f64
        }
    }
}

/// One stripe of read counts.
#[derive(Default)]
struct Reads {
    hits: AtomicU64,
    misses: AtomicU64,
}

/// The counters of a cache that records stats.
pub(super) struct Counters {
    reads: Box<[CachePadded<Reads>]>,
    inserts: AtomicU64,
    replaced: AtomicU64,
    removed: AtomicU64,
    evicted: AtomicU64,
    expired: AtomicU64,
    loads: AtomicU64,
    load_failures: AtomicU64,
}

/// Adds one to a counter only one thread at a time writes (under the policy lock).
fn bump(counter: &AtomicU64, by: u64) {
    counter.store(counter.load(Ordering::Relaxed) + by, Ordering::Relaxed);
}

impl Counters {
    pub(super) fn new() -> Self {
        Self {
            reads: (0..sync::stripe_count())
                .map(|_| CachePadded::new(Reads::default()))
                .collect(),
            inserts: AtomicU64::new(0),
            replaced: AtomicU64::new(0),
            removed: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
            expired: AtomicU64::new(0),
            loads: AtomicU64::new(0),
            load_failures: AtomicU64::new(0),
        }
    }

    /// Counts one read, on this thread's stripe.
    #[inline]
    pub(super) fn read(&self, hit: bool) {
        let stripe = &self.reads[sync::thread_hint() % self.reads.len()];
        let counter = if hit { &stripe.hits } else { &stripe.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one write's insert and what it let go (under the policy lock).
    pub(super) fn wrote(&self, inserted: bool, gone: impl Iterator<Item = RemovalCause>) {
        if inserted {
            bump(&self.inserts, 1);
        }
        for cause in gone {
            bump(
                match cause {
                    RemovalCause::Evicted => &self.evicted,
                    RemovalCause::Removed => &self.removed,
                    RemovalCause::Replaced => &self.replaced,
                    RemovalCause::Expired => &self.expired,
                },
                1,
            );
        }
    }

    /// Counts one loader's end. Loaders run outside every lock, so this adds atomically.
    pub(super) fn loaded(&self, ok: bool) {
        let counter = if ok { &self.loads } else { &self.load_failures };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn snapshot(&self) -> CacheStats {
        let sum = |field: fn(&Reads) -> &AtomicU64| {
            self.reads
                .iter()
                .map(|stripe| field(stripe).load(Ordering::Relaxed))
                .sum()
        };
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        CacheStats {
            hits: sum(|reads| &reads.hits),
            misses: sum(|reads| &reads.misses),
            inserts: load(&self.inserts),
            replaced: load(&self.replaced),
            removed: load(&self.removed),
            evicted: load(&self.evicted),
            expired: load(&self.expired),
            loads: load(&self.loads),
            load_failures: load(&self.load_failures),
        }
    }
}
