//! The store: a copy-on-write map whose reads take no lock.
//!
//! ```text
//!   current ─────────────────────────────┐      loaded by readers (Acquire)
//!                                        ▼
//!   versions: [ v0: {} ][ v1: {a: 1} ][ v2: {a: 1, b: 2} ]   the writer lock's data
//! ```
//!
//! A read loads `current` and looks the key up in that version. A write takes the
//! writer lock, copies the newest version's map, changes the copy, puts it in a new
//! version and publishes it with one atomic store (Release).
//!
//! # Invariants
//!
//! 1. `current` points at a version held in `versions`, and `versions` keeps every
//!    version until the store drops: a pointer loaded from `current` is valid for as
//!    long as the store is borrowed. This is the simplest correct reclamation, none:
//!    memory grows with every write. (Freeing old versions while readers may still be
//!    in them is the subject of the guide's chapter 5.)
//! 2. A version's map is written once, when the version is made, before it is
//!    published; after that it is only read.
//! 3. The publish is `Release` and every load of `current` is `Acquire`: a reader that
//!    loads a version sees its map whole, as made (2). Feature `relaxed-publish`
//!    breaks this.
//! 4. A writer holds the writer lock from reading the newest version to publishing the
//!    next, so no write builds on a version another write has replaced. Feature
//!    `lost-update` breaks this.

use std::collections::HashMap;

use crate::sync::{Arc, AtomicPtr, Mutex, Ordering, UnsafeCell};

type Map = HashMap<Vec<u8>, u64>;

/// The ordering of the publish (invariant 3), `Relaxed` with the seeded bug.
const PUBLISH: Ordering = if cfg!(feature = "relaxed-publish") {
    Ordering::Relaxed
} else {
    Ordering::Release
};

/// One version of the map. Its cell is loom's under loom, which then checks that every
/// read of the map happens after the write that made it.
struct Version {
    map: UnsafeCell<Map>,
}

// SAFETY: the map is written only by `Version::new`, before any other thread can reach
// the version (invariant 2); after that threads only read it, and `Map` is `Sync`.
unsafe impl Sync for Version {}

impl Version {
    fn new(map: Map) -> Arc<Self> {
        Arc::new(Self {
            map: UnsafeCell::new(map),
        })
    }

    /// Runs `f` on the map.
    fn read<R>(&self, f: impl FnOnce(&Map) -> R) -> R {
        // SAFETY: nothing writes the map after `new` (invariant 2), so shared references
        // to it are sound for as long as the version lives.
        self.map.with(|map| f(unsafe { &*map }))
    }
}

/// A copy-on-write map from byte keys to `u64`: reads take no lock, writers take turns.
pub struct CowMap {
    /// The published version: one of `versions` (invariant 1).
    current: AtomicPtr<Version>,
    /// The writer lock, and every version published so far, newest last.
    versions: Mutex<Vec<Arc<Version>>>,
}

impl Default for CowMap {
    fn default() -> Self {
        Self::new()
    }
}

impl CowMap {
    /// An empty map.
    pub fn new() -> Self {
        let first = Version::new(Map::new());
        Self {
            current: AtomicPtr::new(Arc::as_ptr(&first).cast_mut()),
            versions: Mutex::new(vec![first]),
        }
    }

    /// The value under `key`, read from the current version without a lock.
    pub fn get(&self, key: &[u8]) -> Option<u64> {
        self.current().read(|map| map.get(key).copied())
    }

    /// Maps `key` to `value`; the value it held before.
    pub fn put(&self, key: &[u8], value: u64) -> Option<u64> {
        self.write(|map| map.insert(key.to_vec(), value))
    }

    /// Removes `key`; the value it held.
    pub fn remove(&self, key: &[u8]) -> Option<u64> {
        self.write(|map| map.remove(key))
    }

    /// Sets `key` to `to` if it holds `from` (`None`: if it is absent); whether it did.
    pub fn compare_and_swap(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
        self.write(|map| {
            let swapped = map.get(key).copied() == from;
            if swapped {
                map.insert(key.to_vec(), to);
            }
            swapped
        })
    }

    /// The current version (invariants 1 and 3).
    fn current(&self) -> &Version {
        let version = self.current.load(Ordering::Acquire);
        // SAFETY: `version` is one of `self.versions`, kept until the store drops
        // (invariant 1), and the reference does not outlive `&self`.
        unsafe { &*version }
    }

    /// Copies the newest version's map, lets `change` change the copy, publishes it.
    fn write<R>(&self, change: impl FnOnce(&mut Map) -> R) -> R {
        // The seeded bug: copy whatever version is current before taking the lock, so
        // two writers may both copy it and the second publish drops the first's write.
        #[cfg(feature = "lost-update")]
        let mut map = self.current().read(Map::clone);
        let mut versions = self.versions.lock().unwrap_or_else(|p| p.into_inner());
        #[cfg(not(feature = "lost-update"))]
        let mut map = versions.last().expect("never empty").read(Map::clone);
        let result = change(&mut map);
        let next = Version::new(map);
        // Kept before it is published (invariant 1); the pointer never moves.
        let pointer = Arc::as_ptr(&next).cast_mut();
        versions.push(next);
        self.current.store(pointer, PUBLISH);
        result
    }
}
