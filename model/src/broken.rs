//! Stores with deliberate concurrency bugs, to show that the checks catch them.
//!
//! Each is a small, plausible mistake; each must be flagged by the checker, and by
//! `cowtrie check --store broken-...` after its default 4 s of stress: against the store's
//! model, or, for [`ResurrectingCache`], against the cache model
//! ([`CacheSpec`](crate::CacheSpec)). Measured on a shared 2-core machine, the check that
//! follows took 0.09 s for the lost update (0.4 M operations), 0.9 s for the stale read
//! (1.3 M) and 63 s for the non-atomic remove, whose mutex store runs 17 M operations in
//! those 4 s (a shorter `--seconds` is checked sooner, but on a busy machine 0.3 s of
//! stress has let it through). Their cas and update share the flaw where it is natural
//! (the lost update's read-copy-write) and are plain otherwise.
//!
//! The conformance kit flags each too (`examples/conformance/tests/broken.rs`): the stale
//! read and, judged by the cache model, the resurrecting cache in its sequential test; the
//! lost update and the non-atomic remove in its concurrent workloads.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread;

use rand::rngs::SmallRng;
use rand::SeedableRng;

use crate::evicting::evict_one;
use crate::model::lock;
use crate::{KvStore, Model, Op, Ret};

type Map = HashMap<Vec<u8>, u64>;

/// Read-copy-write *without* the writer lock: two writers copy the same version, and
/// the one that publishes last erases the other's update (to a different key, even).
/// Two cas from one value can both succeed, and two updates both see it.
#[derive(Default)]
pub struct LostUpdate {
    current: RwLock<Arc<Map>>,
}

impl SplitMap for LostUpdate {
    fn snapshot(&self) -> Arc<Map> {
        read(&self.current)
    }

    fn write<R>(&self, change: impl FnOnce(&mut Map) -> R) -> R {
        let mut next = Map::clone(&self.snapshot());
        let result = change(&mut next);
        thread::yield_now(); // widen the window another writer can slip into
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
        result
    }
}

/// Reads from a replica that is refreshed only on every fourth write: a read can return
/// a value older than a write that has already returned.
#[derive(Default)]
pub struct StaleRead {
    primary: Mutex<Map>,
    replica: RwLock<Arc<Map>>,
    writes: AtomicU64,
}

impl SplitMap for StaleRead {
    fn snapshot(&self) -> Arc<Map> {
        read(&self.replica)
    }

    fn write<R>(&self, change: impl FnOnce(&mut Map) -> R) -> R {
        let mut primary = lock(&self.primary);
        let result = change(&mut primary);
        if self.writes.fetch_add(1, Ordering::Relaxed) % 4 == 3 {
            *self.replica.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(primary.clone());
        }
        result
    }
}

/// A remove done in two steps, "is it there?" and then "delete it", with the lock
/// released in between: two removes can both report deleting one put, and a remove can
/// delete a value put after it looked.
#[derive(Default)]
pub struct NonAtomicRemove {
    map: Mutex<Map>,
}

impl KvStore for NonAtomicRemove {
    fn put(&self, key: &[u8], value: u64) {
        lock(&self.map).insert(key.to_vec(), value);
    }

    fn get(&self, key: &[u8]) -> Option<u64> {
        lock(&self.map).get(key).copied()
    }

    fn remove(&self, key: &[u8]) -> bool {
        let present = lock(&self.map).contains_key(key);
        thread::yield_now();
        lock(&self.map).remove(key);
        present
    }

    fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
        cas(&mut lock(&self.map), key, from, to)
    }

    fn update(&self, key: &[u8], value: u64) -> Option<u64> {
        lock(&self.map).insert(key.to_vec(), value)
    }
}

/// A cache that keeps what it evicts in a ghost table (at most `capacity` entries) so
/// that a get that misses can still answer, but forgets to clear a ghost when the key is
/// written or removed: a get after a remove, or after an overwrite that was itself
/// evicted or removed, returns a value the key no longer holds (a resurrection). Writes
/// and removes look at the main table only, so they behave like the cache model's.
pub struct ResurrectingCache {
    inner: Mutex<Ghosted>,
}

struct Ghosted {
    main: Model,
    ghosts: Model,
    rng: SmallRng,
    capacity: usize,
}

impl ResurrectingCache {
    /// An empty cache of `capacity` keys (and as many ghosts), evicting at random from
    /// `seed`.
    pub fn new(capacity: usize, seed: u64) -> Self {
        Self {
            inner: Mutex::new(Ghosted {
                main: Model::new(),
                ghosts: Model::new(),
                rng: SmallRng::seed_from_u64(seed),
                capacity,
            }),
        }
    }

    fn write(&self, op: &Op) -> Ret {
        let mut inner = lock(&self.inner);
        let Ghosted {
            main,
            ghosts,
            rng,
            capacity,
        } = &mut *inner;
        let ret = main.apply(op);
        while main.len() > *capacity {
            if let Some((key, value)) = evict_one(main, rng) {
                ghosts.apply(&Op::put(key, value));
            }
        }
        while ghosts.len() > *capacity {
            evict_one(ghosts, rng);
        }
        ret
    }
}

impl KvStore for ResurrectingCache {
    fn put(&self, key: &[u8], value: u64) {
        self.write(&Op::put(key, value));
    }

    fn get(&self, key: &[u8]) -> Option<u64> {
        let mut inner = lock(&self.inner);
        let get = Op::get(key);
        match inner.main.apply(&get) {
            Ret::Value(None) => match inner.ghosts.apply(&get) {
                Ret::Value(ghost) => ghost,
                _ => None,
            },
            Ret::Value(hit) => hit,
            _ => None,
        }
    }

    fn remove(&self, key: &[u8]) -> bool {
        self.write(&Op::remove(key)) == Ret::Removed(true)
    }

    fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
        self.write(&Op::cas(key, from, to)) == Ret::Swapped(true)
    }

    fn update(&self, key: &[u8], value: u64) -> Option<u64> {
        match self.write(&Op::update(key, value)) {
            Ret::Value(seen) => seen,
            _ => None,
        }
    }
}

/// Sets `key` to `to` in `map` if it holds `from`; whether it did.
/// A store whose reads see one map and whose writes change a map (the same or another):
/// the two broken stores above differ only in how their `write` publishes.
trait SplitMap: Send + Sync {
    /// The map reads see.
    fn snapshot(&self) -> Arc<Map>;
    /// Applies `change` to the map writes go to, publishing it as the store does.
    fn write<R>(&self, change: impl FnOnce(&mut Map) -> R) -> R;
}

impl<S: SplitMap> KvStore for S {
    fn put(&self, key: &[u8], value: u64) {
        self.write(|map| map.insert(key.to_vec(), value));
    }

    fn get(&self, key: &[u8]) -> Option<u64> {
        self.snapshot().get(key).copied()
    }

    fn remove(&self, key: &[u8]) -> bool {
        self.write(|map| map.remove(key).is_some())
    }

    fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
        self.write(|map| cas(map, key, from, to))
    }

    fn update(&self, key: &[u8], value: u64) -> Option<u64> {
        self.write(|map| map.insert(key.to_vec(), value))
    }
}

fn cas(map: &mut Map, key: &[u8], from: Option<u64>, to: u64) -> bool {
    let swapped = map.get(key).copied() == from;
    if swapped {
        map.insert(key.to_vec(), to);
    }
    swapped
}

fn read(map: &RwLock<Arc<Map>>) -> Arc<Map> {
    Arc::clone(&map.read().unwrap_or_else(|p| p.into_inner()))
}
