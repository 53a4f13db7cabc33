//! The caches a trace is replayed through beside cowtrie's: moka 0.12 (W-TinyLFU),
//! quick_cache 0.7 (CLOCK-Pro-like S3-FIFO) and a plain LRU reference, each behind
//! [`Replay`] (a get, then an insert after a miss; unit-size entries).

use cowtrie_cli::trace::{CowtrieReplay, Lru, Replay};

/// A named replay target.
pub struct Named {
    pub name: &'static str,
    pub cache: Box<dyn Replay>,
}

/// Every cache of the hit-ratio table, empty, with room for `capacity` entries.
pub fn all(capacity: u64) -> Vec<Named> {
    vec![
        Named {
            name: "cowtrie",
            cache: Box::new(CowtrieReplay::new(capacity)),
        },
        Named {
            name: "moka",
            cache: Box::new(Moka(moka::sync::Cache::new(capacity))),
        },
        Named {
            name: "moka_strict",
            cache: Box::new(MokaStrict(moka::sync::Cache::new(capacity))),
        },
        Named {
            name: "quick_cache",
            cache: Box::new(QuickCache(quick_cache::unsync::Cache::new(
                capacity as usize,
            ))),
        },
        Named {
            name: "lru",
            cache: Box::new(Lru::new(capacity as usize)),
        },
    ]
}

/// moka's synchronous cache, used as its docs show (no explicit maintenance calls).
pub struct Moka(pub moka::sync::Cache<u64, ()>);

impl Replay for Moka {
    fn access(&mut self, key: u64) -> bool {
        let hit = self.0.get(&key).is_some();
        if !hit {
            self.0.insert(key, ());
        }
        hit
    }
}

/// moka with its pending maintenance run after each insert, so that it never holds more
/// than its capacity between requests (plain moka defers eviction to batches of writes).
pub struct MokaStrict(pub moka::sync::Cache<u64, ()>);

impl Replay for MokaStrict {
    fn access(&mut self, key: u64) -> bool {
        let hit = self.0.get(&key).is_some();
        if !hit {
            self.0.insert(key, ());
            self.0.run_pending_tasks();
        }
        hit
    }
}

/// quick_cache's single-threaded cache (the same policy as its `sync` one).
pub struct QuickCache(pub quick_cache::unsync::Cache<u64, ()>);

impl Replay for QuickCache {
    fn access(&mut self, key: u64) -> bool {
        let hit = self.0.get(&key).is_some();
        if !hit {
            self.0.insert(key, ());
        }
        hit
    }
}
