//! [`CacheBuilder`]: a [`Cache`]'s capacity and, optionally, how entries are weighed,
//! who hears of entries that leave, and whether it counts its reads and writes.
#![forbid(unsafe_code)]

use std::time::Duration;

use super::expiry::{Clock, Expiry, SystemClock};
use super::{Cache, Listener, RemovalCause, Weigher};

/// Builds a [`Cache`]: its capacity, and how much each entry weighs against it.
///
/// ```
/// use cowtrie::cache::Cache;
///
/// // At most 10 bytes of values.
/// let cache = Cache::builder(10).weigher(|_key, value: &String| value.len() as u64).build();
/// cache.put("a", "12345".to_string());
/// cache.put("b", "123456".to_string()); // 11 bytes in all: "a" goes
/// assert_eq!(cache.weight(), 6);
/// assert!(cache.get("a").is_none());
/// cache.put("c", "x".repeat(11)); // heavier than the capacity: not stored
/// assert!(!cache.contains_key("c"));
/// ```
pub struct CacheBuilder<V> {
    capacity: u64,
    weigher: Option<Weigher<V>>,
    listener: Option<Listener<V>>,
    record_stats: bool,
    ttl: Option<Duration>,
    tti: Option<Duration>,
    clock: Box<dyn Clock>,
}

impl<V> CacheBuilder<V> {
    pub(super) fn new(capacity: u64) -> Self {
        Self {
            capacity,
            weigher: None,
            listener: None,
            record_stats: false,
            ttl: None,
            tti: None,
            clock: Box::new(SystemClock),
        }
    }

    /// Weighs each entry with `weigher` (called once per write, under the writers' lock)
    /// instead of counting it as 1. An entry weighing more than the capacity is never
    /// stored; one weighing 0 is never evicted for room (but may still be evicted).
    pub fn weigher(mut self, weigher: impl Fn(&[u8], &V) -> u64 + Send + Sync + 'static) -> Self {
        self.weigher = Some(Box::new(weigher));
        self
    }

    /// Calls `listener` with the key, the value and the cause of every entry a write
    /// lets go: evicted for room (or too heavy to store), removed, or replaced.
    ///
    /// It runs on the writing thread after the write is published, with no lock of the
    /// cache held, so it may read and write the cache (a write it makes calls it again,
    /// in turn). A panic in it goes on in the writing thread, after the write took
    /// effect; the rest of that write's calls are skipped. Entries still held when the
    /// cache is dropped are not reported.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use cowtrie::cache::{Cache, RemovalCause};
    ///
    /// let heard = Arc::new(Mutex::new(Vec::new()));
    /// let log = Arc::clone(&heard);
    /// let cache = Cache::builder(1)
    ///     .eviction_listener(move |key, value: &u32, cause| {
    ///         log.lock().unwrap().push((key.to_vec(), *value, cause));
    ///     })
    ///     .build();
    /// cache.put("a", 1);
    /// cache.put("a", 2); // replaces 1
    /// cache.put("b", 3); // evicts "a"
    /// cache.remove("b");
    /// assert_eq!(
    ///     *heard.lock().unwrap(),
    ///     [
    ///         (b"a".to_vec(), 1, RemovalCause::Replaced),
    ///         (b"a".to_vec(), 2, RemovalCause::Evicted),
    ///         (b"b".to_vec(), 3, RemovalCause::Removed),
    ///     ]
    /// );
    /// ```
    pub fn eviction_listener(
        mut self,
        listener: impl Fn(&[u8], &V, RemovalCause) + Send + Sync + 'static,
    ) -> Self {
        self.listener = Some(Box::new(listener));
        self
    }

    /// Counts hits, misses, inserts, what left and why, and loads, for
    /// [`Cache::stats`]. Each read then adds one to a counter of its thread's own stripe
    /// (a cache line that other cores rarely touch); without this, reads count nothing.
    pub fn record_stats(mut self) -> Self {
        self.record_stats = true;
        self
    }

    /// Entries expire `ttl` after they are written ([`Cache::put_with_ttl`] sets one
    /// entry's own). An expired entry is never returned: reads miss it from the moment
    /// the clock reaches its deadline, and the next write (or
    /// [`Cache::purge_expired`]) removes it and tells the listener
    /// ([`RemovalCause::Expired`]). Like an eviction, expiry may make any key vanish.
    pub fn time_to_live(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Entries expire once `tti` passes without a read of them (`get`, `get_with`,
    /// `get_or_insert_with`; a write counts as a read). Each read of an entry then
    /// reads the clock and moves the entry's last-read time with a compare-and-swap.
    ///
    /// ```
    /// use std::time::Duration;
    /// use cowtrie::cache::{Cache, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// let cache = Cache::builder(100)
    ///     .time_to_idle(Duration::from_secs(10))
    ///     .clock(clock.clone())
    ///     .build();
    /// cache.put("a", 1);
    /// for _ in 0..5 {
    ///     clock.advance(Duration::from_secs(9));
    ///     assert!(cache.get("a").is_some()); // each read renews it
    /// }
    /// clock.advance(Duration::from_secs(10));
    /// assert!(cache.get("a").is_none());
    /// ```
    pub fn time_to_idle(mut self, tti: Duration) -> Self {
        self.tti = Some(tti);
        self
    }

    /// Reads time from `clock` instead of the system's ([`ManualClock`] for tests that
    /// need no sleeping).
    ///
    /// [`ManualClock`]: super::ManualClock
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// The cache.
    pub fn build(self) -> Cache<V> {
        let expiry = Expiry::new(self.clock, self.ttl, self.tti);
        Cache::from_builder(
            self.capacity,
            self.weigher,
            self.listener,
            self.record_stats,
            expiry,
        )
    }
}

impl<V> std::fmt::Debug for CacheBuilder<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheBuilder")
            .field("capacity", &self.capacity)
            .field("weigher", &self.weigher.is_some())
            .field("eviction_listener", &self.listener.is_some())
            .field("record_stats", &self.record_stats)
            .field("time_to_live", &self.ttl)
            .field("time_to_idle", &self.tti)
            .finish()
    }
}
