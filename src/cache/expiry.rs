//! Expiry: entries that live for a time after their write (time to live), or after
//! their last read (time to idle), set for the whole cache or per entry
//! ([`Expiration`]), on a clock the user may replace ([`Clock`], [`ManualClock`] for
//! tests).
//!
//! # Protocol
//!
//! Times are nanoseconds since the cache was built, on its clock. An entry carries its
//! write's deadline (`deadline`, fixed; [`NEVER`] without a time to live), its time to
//! idle (`idle`, fixed; [`NEVER`] without one) and a word
//! `read_at`: the time of its last read (moved by readers only when the cache has a
//! time to idle), plus two marks, [`DEAD`] and [`CLAIMED`], each set by compare-and-swap.
//!
//! - A **read** that finds an entry that can expire loads `read_at`. Claimed: the entry
//!   is live. Dead: a miss. Otherwise it reads the clock: past the deadline, or idle for
//!   its whole time to idle, it marks the entry dead and misses; else, if the entry has
//!   a time to idle, it moves `read_at` to now. A reader that loses a race for the word looks
//!   again.
//! - A **write** first removes the entries that have expired (its heap of deadlines,
//!   [`Deadlines`], names the candidates; each entry's own word and deadline decide), in
//!   the same version as the write. Then, if the key holds an entry that can expire, it
//!   **claims** it before using it: it marks it claimed unless it is dead or expired by
//!   the writer's clock, in which case it marks it dead and removes it as expired. The
//!   write's outcome (what `update` returns, whether `compare_and_swap` matches, what
//!   `get_or_insert_with` finds) then holds at the moment it publishes: no reader can
//!   have found the entry expired in between. An entry the write leaves in place is
//!   unclaimed after the write; one it replaces or removes stays claimed, live for the
//!   readers still inside a read of an older version.
//!
//! Why claims: a writer reads the clock when it starts and publishes later. Without
//! them, an entry whose deadline falls in between is live to the writer and expired to a
//! reader that reads the clock meanwhile; the reader misses, returns, and the write then
//! publishes an outcome that needed the entry live, after a miss a later read can see
//! past (`cowtrie check --store cache-expiring` found exactly this: `update` returned
//! the old value, a concurrent `get` had missed it, and a later `get` saw the new one).
//!
//! # Invariants
//!
//! 1. Once a read has found an entry expired, no later read finds it live, and no later
//!    write uses it: a deadline and a time to idle never change, `read_at` only grows
//!    until marked, a dead
//!    mark is never taken back (a claim fails on it), and the clock never goes back
//!    ([`Clock`]'s contract).
//! 2. A read returns an entry only if it is claimed, or if at the clock time it read the
//!    entry's deadline had not come and it had been idle for less than its time to idle.
//! 3. A claimed entry is never marked dead; only the writer holding the locks claims,
//!    and it unclaims an entry it leaves in the current version before it releases them.
//! 4. Every entry that can expire has an item in the deadline heap at or before the time
//!    it expires; stale items (for entries since replaced, removed or evicted) are
//!    skipped when they come up, and dropped when stale items outnumber the entries.
#![forbid(unsafe_code)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use crate::sync::{Arc, AtomicU64, Ordering};

/// A deadline that never comes.
pub(super) const NEVER: u64 = u64::MAX;
/// The mark of an entry found expired (module invariant 1).
const DEAD: u64 = 1 << 63;
/// The mark of an entry a write is using (module invariant 3).
const CLAIMED: u64 = 1 << 62;
/// The time bits of `read_at`.
const TIME: u64 = CLAIMED - 1;

/// Where a cache reads the time. It must never go back: each call returns an instant no
/// earlier than any call before it, from any thread ([`Instant::now`] is such a clock).
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The system's monotonic clock: [`Instant::now`].
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told to, for tests: clones share one time.
///
/// ```
/// use std::time::Duration;
/// use cowtrie::cache::{Cache, ManualClock};
///
/// let clock = ManualClock::new();
/// let cache = Cache::builder(100)
///     .time_to_live(Duration::from_secs(60))
///     .clock(clock.clone())
///     .build();
/// cache.put("session", 7);
/// clock.advance(Duration::from_secs(59));
/// assert_eq!(cache.get_with("session", |v| v.copied()), Some(7));
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(cache.get_with("session", |v| v.copied()), None);
/// ```
#[derive(Clone)]
pub struct ManualClock {
    start: Instant,
    elapsed: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock stopped at the current instant.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            elapsed: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Moves this clock and its clones forward by `by` (saturating at about 584 years).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let mut elapsed = self.elapsed.load(Ordering::SeqCst);
        while let Err(now) = self.elapsed.compare_exchange(
            elapsed,
            elapsed.saturating_add(by),
            Ordering::SeqCst,
            Ordering::SeqCst,
        ) {
            elapsed = now;
        }
    }
}

impl std::fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let elapsed = Duration::from_nanos(self.elapsed.load(Ordering::SeqCst));
        f.debug_struct("ManualClock")
            .field("elapsed", &elapsed)
            .finish()
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        let elapsed = self.elapsed.load(Ordering::SeqCst);
        self.start + Duration::from_nanos(elapsed)
    }
}

/// How long one entry lives, given with it to [`Cache::put_with_expiry`]: in place of
/// the cache's time to live and time to idle ([`CacheBuilder`]), for this entry alone.
/// The default never expires.
///
/// ```
/// use std::time::Duration;
/// use cowtrie::cache::{Cache, Expiration, ManualClock};
///
/// let clock = ManualClock::new();
/// let cache = Cache::builder(100).clock(clock.clone()).build();
/// let session = Expiration::default().time_to_idle(Duration::from_secs(60));
/// cache.put_with_expiry("alice", 1, session);
/// cache.put_with_expiry("bob", 2, session);
/// clock.advance(Duration::from_secs(45));
/// assert!(cache.contains_key("alice")); // looked at without renewing it
/// assert_eq!(cache.get_with("bob", |v| v.copied()), Some(2)); // a read renews bob
/// clock.advance(Duration::from_secs(45));
/// assert!(!cache.contains_key("alice")); // idle for 90 s
/// assert!(cache.contains_key("bob")); // idle for 45 s
/// ```
///
/// [`Cache::put_with_expiry`]: super::Cache::put_with_expiry
/// [`CacheBuilder`]: super::CacheBuilder
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expiration {
    time_to_live: Option<Duration>,
    time_to_idle: Option<Duration>,
}

impl Expiration {
    /// The entry expires `ttl` after its write.
    #[must_use]
    pub fn time_to_live(mut self, ttl: Duration) -> Self {
        self.time_to_live = Some(ttl);
        self
    }

    /// The entry expires once it has not been read for `tti` (reads with `get`,
    /// `get_with` and `get_or_insert_with` renew it; `contains_key` does not).
    #[must_use]
    pub fn time_to_idle(mut self, tti: Duration) -> Self {
        self.time_to_idle = Some(tti);
        self
    }
}

/// The times to live and to idle of an entry being written, in nanoseconds
/// ([`NEVER`]: none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Lifetime {
    ttl: u64,
    tti: u64,
}

impl Lifetime {
    /// Whether an entry of this lifetime can expire.
    pub(super) fn timed(self) -> bool {
        self.ttl != NEVER || self.tti != NEVER
    }

    /// This lifetime with a time to live of `ttl`.
    pub(super) fn with_ttl(self, ttl: Duration) -> Self {
        Self {
            ttl: nanos(Some(ttl)),
            ..self
        }
    }
}

impl From<Expiration> for Lifetime {
    fn from(expiration: Expiration) -> Self {
        Self {
            ttl: nanos(expiration.time_to_live),
            tti: nanos(expiration.time_to_idle),
        }
    }
}

/// The expiry fields of an entry that can expire; entries of a cache without expiry
/// have none, so that its readers look at no clock and its entries stay small.
pub(crate) struct Timing {
    /// When the entry's time to live ends ([`NEVER`]: it has none).
    pub(super) deadline: u64,
    /// Its time to idle, in nanoseconds ([`NEVER`]: it has none).
    idle: u64,
    /// When it was last read (time bits), and its marks (module invariants 1 and 3).
    pub(super) read_at: AtomicU64,
}

impl Timing {
    /// The fields of an entry of `lifetime` written at `now`.
    pub(super) fn new(lifetime: Lifetime, now: u64) -> Self {
        Self {
            deadline: now.saturating_add(lifetime.ttl),
            idle: lifetime.tti,
            read_at: AtomicU64::new(now),
        }
    }

    /// Whether this entry, last read at `read_at` (time bits), is expired at `now`.
    fn expired(&self, read_at: u64, now: u64) -> bool {
        now >= self.deadline || (self.idle != NEVER && now.saturating_sub(read_at) >= self.idle)
    }
}

/// A cache's expiry settings and clock.
pub(super) struct Expiry {
    clock: Box<dyn Clock>,
    epoch: Instant,
    /// The entries' times to live and to idle, unless a write gives its own.
    lifetime: Lifetime,
}

fn nanos(duration: Option<Duration>) -> u64 {
    duration.map_or(NEVER, |d| u64::try_from(d.as_nanos()).unwrap_or(NEVER))
}

impl Expiry {
    pub(super) fn new(clock: Box<dyn Clock>, ttl: Option<Duration>, tti: Option<Duration>) -> Self {
        let epoch = clock.now();
        Self {
            clock,
            epoch,
            lifetime: Lifetime {
                ttl: nanos(ttl),
                tti: nanos(tti),
            },
        }
    }

    /// The cache's time to live and time to idle, for entries written without their own.
    pub(super) fn lifetime(&self) -> Lifetime {
        self.lifetime
    }

    /// Whether the cache has a time to live or a time to idle of its own.
    pub(super) fn timed(&self) -> bool {
        self.lifetime.timed()
    }

    /// Now, in nanoseconds since the cache was built (within [`TIME`]).
    pub(super) fn now(&self) -> u64 {
        let since = self.clock.now().saturating_duration_since(self.epoch);
        u64::try_from(since.as_nanos()).map_or(TIME, |n| n.min(TIME))
    }

    /// Whether a read may return `entry`; reads the clock if it must, and, if `renew`,
    /// records the read for the time to idle (module invariants 1 and 2).
    pub(super) fn read(&self, entry: &Timing, renew: bool) -> bool {
        let mut word = entry.read_at.load(Ordering::Acquire);
        let now = self.now();
        loop {
            if word & CLAIMED != 0 {
                return true;
            }
            if word & DEAD != 0 {
                return false;
            }
            let next = if entry.expired(word, now) {
                word | DEAD
            } else if renew && entry.idle != NEVER && now > word {
                now
            } else {
                return true;
            };
            match entry
                .read_at
                .compare_exchange(word, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return next & DEAD == 0,
                Err(current) => word = current,
            }
        }
    }

    /// The writer's hold on an entry it is about to use: `true` if it is live at `now`
    /// and now claimed; `false` if it is expired (now marked dead) and must be removed.
    /// Only the writer holding the locks calls this (module invariant 3).
    pub(super) fn claim(&self, entry: &Timing, now: u64) -> bool {
        let mut word = entry.read_at.load(Ordering::Acquire);
        loop {
            if word & DEAD != 0 {
                return false;
            }
            let expired = entry.expired(word & TIME, now);
            let next = if expired { word | DEAD } else { word | CLAIMED };
            match entry
                .read_at
                .compare_exchange(word, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return !expired,
                Err(current) => word = current,
            }
        }
    }

    /// Ends the writer's claim on an entry it leaves in the current version.
    pub(super) fn unclaim(&self, entry: &Timing) {
        // Nobody else writes a claimed word (invariant 3), so a store suffices.
        let word = entry.read_at.load(Ordering::Acquire);
        entry.read_at.store(word & !CLAIMED, Ordering::Release);
    }

    /// Whether the writer must remove `entry` at `now`: a reader found it expired, or
    /// it is expired by the writer's clock (then marked dead, so that no reader finds
    /// it live again).
    pub(super) fn expired_for_writer(&self, entry: &Timing, now: u64) -> bool {
        let mut word = entry.read_at.load(Ordering::Acquire);
        loop {
            if word & DEAD != 0 {
                return true;
            }
            if word & CLAIMED != 0 || !entry.expired(word, now) {
                return false;
            }
            match entry.read_at.compare_exchange(
                word,
                word | DEAD,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(current) => word = current,
            }
        }
    }

    /// Whether `entry` had expired at `at`, by the clock alone (for snapshots). Correct
    /// for any `at` up to now: a last read past `at` found the entry live, so it was
    /// live at `at` too.
    pub(super) fn expired_at(&self, entry: &Timing, at: u64) -> bool {
        let read_at = entry.read_at.load(Ordering::Acquire) & TIME;
        at >= entry.deadline || (entry.idle != NEVER && read_at <= at && at - read_at >= entry.idle)
    }

    /// When `entry` expires if it is not read again ([`NEVER`]: it does not).
    pub(super) fn next_deadline(&self, entry: &Timing) -> u64 {
        let idle = if entry.idle == NEVER {
            NEVER
        } else {
            let read_at = entry.read_at.load(Ordering::Relaxed) & TIME;
            read_at.saturating_add(entry.idle)
        };
        entry.deadline.min(idle)
    }
}

/// The writer's heap of deadlines: (deadline, policy slot, the entry's leaf address as
/// an identity, never dereferenced), earliest first. Owned by the policy lock's holder.
#[derive(Default)]
pub(super) struct Deadlines {
    heap: BinaryHeap<Reverse<(u64, u32, usize)>>,
}

impl Deadlines {
    /// Queues the entry at `slot` (whose leaf is at `address`) to be looked at when
    /// `deadline` comes.
    pub(super) fn push(&mut self, deadline: u64, slot: u32, address: usize) {
        if deadline != NEVER {
            self.heap.push(Reverse((deadline, slot, address)));
        }
    }

    /// Whether no entry is queued.
    pub(super) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The next item whose deadline is at or before `now`.
    pub(super) fn pop_due(&mut self, now: u64) -> Option<(u32, usize)> {
        let Reverse((deadline, _, _)) = *self.heap.peek()?;
        if deadline > now {
            return None;
        }
        self.heap
            .pop()
            .map(|Reverse((_, slot, address))| (slot, address))
    }

    /// Keeps only the items `current` says are still their entry's, once stale items
    /// could outnumber the entries (module invariant 3).
    pub(super) fn compact(&mut self, entries: usize, current: impl Fn(u32, usize) -> bool) {
        if self.heap.len() > 2 * entries + 64 {
            self.heap
                .retain(|Reverse((_, slot, address))| current(*slot, *address));
        }
    }
}

/// The address of an entry's leaf: its identity in the deadline heap.
pub(super) fn address<T>(leaf: &Arc<T>) -> usize {
    std::ptr::from_ref::<T>(leaf) as usize
}
