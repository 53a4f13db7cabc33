//! Read cost of the bounded store: `get` with eviction on (a full cache whose writes
//! evict) against the unbounded `TrieStore`, moka and quick_cache.
//!
//! Each store holds the same `KEYS` keys (8-byte big-endian for cowtrie, `u64` for the
//! hash-based caches, which is how each is used); a cache's capacity is `KEYS`, so
//! every put of a new key evicts one. An iteration is `BATCH` lookups of present keys in
//! a fixed random order (Zipf-free: each key equally likely).
//! - `read_cost/get_1t`: one thread, nothing else running; the cache also built with
//!   `record_stats` and with a time to live;
//! - `read_cost/get_under_writer`: one reader timed while one writer thread puts new keys
//!   without pause (in the caches each put evicts; in `TrieStore` it puts and removes).

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cowtrie::cache::Cache;
use cowtrie::TrieStore;
use criterion::{Criterion, Throughput};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

const KEYS: u64 = 100_000;
const BATCH: usize = 1_000;

/// A store under test: a lookup that yields the value (or 0), and a write of a new key.
trait Reader: Sync {
    fn name(&self) -> &'static str;
    fn read(&self, key: u64) -> u64;
    /// The writer thread's step: a put of a new key (the caches evict one for it).
    fn write(&self, key: u64);
    /// Puts `key` while loading the store.
    fn load(&self, key: u64) {
        self.write(key);
    }
}

/// The cache read with `get_with`, under a name that says how it was built.
struct Bounded(Cache<u64>, &'static str);
struct BoundedGuard(Cache<u64>);
struct Unbounded(TrieStore<u64>);
struct UnboundedGuard(TrieStore<u64>);
struct Moka(moka::sync::Cache<u64, u64>);
struct QuickCache(quick_cache::sync::Cache<u64, u64>);

impl Reader for Bounded {
    fn name(&self) -> &'static str {
        self.1
    }
    fn read(&self, key: u64) -> u64 {
        self.0
            .get_with(key.to_be_bytes(), |v| v.copied().unwrap_or(0))
    }
    fn write(&self, key: u64) {
        self.0.put(key.to_be_bytes(), key);
    }
}

impl Reader for BoundedGuard {
    fn name(&self) -> &'static str {
        "cowtrie_cache_get"
    }
    fn read(&self, key: u64) -> u64 {
        self.0.get(key.to_be_bytes()).map_or(0, |v| *v)
    }
    fn write(&self, key: u64) {
        self.0.put(key.to_be_bytes(), key);
    }
}

impl Reader for Unbounded {
    fn name(&self) -> &'static str {
        "cowtrie_store_get_with"
    }
    fn read(&self, key: u64) -> u64 {
        self.0
            .get_with(key.to_be_bytes(), |v| v.copied().unwrap_or(0))
    }
    fn write(&self, key: u64) {
        self.0.put(key.to_be_bytes(), key);
        self.0.remove(key.to_be_bytes());
    }
    fn load(&self, key: u64) {
        self.0.put(key.to_be_bytes(), key);
    }
}

impl Reader for UnboundedGuard {
    fn name(&self) -> &'static str {
        "cowtrie_store_get"
    }
    fn read(&self, key: u64) -> u64 {
        self.0.get(key.to_be_bytes()).map_or(0, |v| *v)
    }
    fn write(&self, key: u64) {
        self.0.put(key.to_be_bytes(), key);
        self.0.remove(key.to_be_bytes());
    }
    fn load(&self, key: u64) {
        self.0.put(key.to_be_bytes(), key);
    }
}

impl Reader for Moka {
    fn name(&self) -> &'static str {
        "moka"
    }
    fn read(&self, key: u64) -> u64 {
        self.0.get(&key).unwrap_or(0)
    }
    fn write(&self, key: u64) {
        self.0.insert(key, key);
    }
}

impl Reader for QuickCache {
    fn name(&self) -> &'static str {
        "quick_cache"
    }
    fn read(&self, key: u64) -> u64 {
        self.0.get(&key).unwrap_or(0)
    }
    fn write(&self, key: u64) {
        self.0.insert(key, key);
    }
}

fn stores() -> Vec<Box<dyn Reader>> {
    let stores: Vec<Box<dyn Reader>> = vec![
        Box::new(Bounded(Cache::new(KEYS), "cowtrie_cache_get_with")),
        // Each read counts a hit or a miss.
        Box::new(Bounded(
            Cache::builder(KEYS).record_stats().build(),
            "cowtrie_cache_get_with_stats",
        )),
        // Each read reads the clock.
        Box::new(Bounded(
            Cache::builder(KEYS)
                .time_to_live(Duration::from_secs(3600))
                .build(),
            "cowtrie_cache_get_with_ttl",
        )),
        Box::new(BoundedGuard(Cache::new(KEYS))),
        Box::new(Unbounded(TrieStore::new())),
        Box::new(UnboundedGuard(TrieStore::new())),
        Box::new(Moka(moka::sync::Cache::new(KEYS))),
        Box::new(QuickCache(quick_cache::sync::Cache::new(KEYS as usize))),
    ];
    for store in &stores {
        (0..KEYS).for_each(|key| store.load(key));
        // Every store must hold every key, or its gets would time misses: a cache with a
        // capacity of exactly `KEYS` may still evict while loading (quick_cache sizes its
        // shards by estimate).
        // (Key 0 is left out: a miss reads as 0.)
        let held = (1..KEYS).filter(|&key| store.read(key) == key).count();
        eprintln!("{}: holds {held} of keys 1..{KEYS}", store.name());
    }
    stores
}

fn order() -> Vec<u64> {
    let mut keys: Vec<u64> = (0..KEYS).collect();
    keys.shuffle(&mut SmallRng::seed_from_u64(7));
    keys
}

pub fn read_cost(c: &mut Criterion) {
    let stores = stores();
    let keys = order();
    let mut group = c.benchmark_group("read_cost/get_1t");
    group.throughput(Throughput::Elements(BATCH as u64));
    for store in &stores {
        let mut start = 0;
        group.bench_function(store.name(), |b| {
            b.iter(|| {
                let batch = &keys[start..start + BATCH];
                start = (start + BATCH) % (keys.len() - BATCH);
                batch
                    .iter()
                    .fold(0, |sum, &key| sum + store.read(black_box(key)))
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("read_cost/get_under_writer");
    group.throughput(Throughput::Elements(1));
    let mut fresh = KEYS;
    for store in &stores {
        group.bench_function(store.name(), |b| {
            b.iter_custom(|iters| {
                let stop = AtomicBool::new(false);
                let first = fresh;
                fresh += 1 << 32;
                let took: Duration = std::thread::scope(|s| {
                    s.spawn(|| {
                        // New keys each run; in the caches every put evicts one.
                        let mut key = first;
                        while !stop.load(Ordering::Relaxed) {
                            store.write(key);
                            key += 1;
                        }
                    });
                    let start = Instant::now();
                    let mut sum = 0;
                    for i in 0..iters as usize {
                        sum += store.read(keys[i % keys.len()]);
                    }
                    black_box(sum);
                    let took = start.elapsed();
                    stop.store(true, Ordering::Relaxed);
                    took
                });
                took
            })
        });
    }
    group.finish();
}
