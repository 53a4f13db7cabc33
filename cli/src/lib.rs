//! The parts of the `cowtrie` command that tests use too: the stores a campaign can run
//! against, including cowtrie's own behind the model crate's [`KvStore`] interface.
#![forbid(unsafe_code)]

pub mod exit;
pub mod fuzz;
pub mod kill;
pub mod trace;

use std::sync::Mutex;

use clap::ValueEnum;
use cowtrie::cache::Cache;
use cowtrie::durable::{DurableStore, Options, SimDisk};
use cowtrie::TrieStore;
use cowtrie_model::broken::{LostUpdate, NonAtomicRemove, ResurrectingCache, StaleRead};
use cowtrie_model::{EvictingModel, KvStore, Model};

/// Implements [`KvStore`] for a wrapper around one of cowtrie's in-memory stores. Both
/// have the same method names (but no common trait, which the library does not need),
/// so one body serves both.
macro_rules! kv_store_adapter {
    ($(#[$doc:meta])* $name:ident($inner:ty) $(, $method:item)*) => {
        $(#[$doc])*
        pub struct $name(pub $inner);

        impl KvStore for $name {
            fn put(&self, key: &[u8], value: u64) {
                self.0.put(key, value);
            }

            fn get(&self, key: &[u8]) -> Option<u64> {
                self.0.get(key).map(|guard| *guard)
            }

            fn remove(&self, key: &[u8]) -> bool {
                self.0.remove(key)
            }

            fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
                self.0
                    .compare_and_swap(key, from.as_ref(), Some(to))
                    .is_ok()
            }

            fn update(&self, key: &[u8], value: u64) -> Option<u64> {
                self.0.update(key, |_| Some(value)).map(|guard| *guard)
            }

            $($method)*
        }
    };
}

kv_store_adapter!(
    /// cowtrie's store as a [`KvStore`] (the model crate cannot name cowtrie's types).
    CowtrieStore(TrieStore<u64>)
);

impl Default for CowtrieStore {
    fn default() -> Self {
        Self(TrieStore::new())
    }
}

kv_store_adapter!(
    /// cowtrie's bounded store as a [`KvStore`], judged against the cache model; its
    /// get-or-put is the cache's load on a miss.
    CowtrieCache(Cache<u64>),
    fn get_or_put(&self, key: &[u8], value: u64) -> u64 {
        *self.0.get_or_insert_with(key, || value)
    }
);

/// The capacity (in entries) of the bounded stores when none is given: small, so that
/// a check over a few dozen keys evicts all the time.
pub const DEFAULT_CAPACITY: u64 = 16;

/// The stores a campaign can check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StoreKind {
    /// cowtrie's `TrieStore`.
    Cowtrie,
    /// The reference model behind a mutex (correct by construction).
    MutexModel,
    /// Read-copy-write without the writer lock (loses updates).
    BrokenLostUpdate,
    /// Reads from a lagging replica (returns stale values).
    BrokenStaleRead,
    /// Check-then-delete remove (two removes can both succeed).
    BrokenNonAtomicRemove,
    /// cowtrie's bounded `Cache` (judged against the cache model).
    Cache,
    /// cowtrie's bounded `Cache` whose entries also expire: 300 µs after their write,
    /// or 100 µs after their last read (judged against the cache model).
    CacheExpiring,
    /// The reference model evicting at random (correct by construction; cache model).
    EvictingModel,
    /// A cache whose ghost table returns evicted values (resurrects them; cache model).
    BrokenResurrectingCache,
    /// cowtrie's `DurableStore` on a simulated disk; `cowtrie check` crashes it and
    /// checks every recovery too.
    Durable,
    /// The durable store on a simulated disk whose file syncs do nothing: crashes lose
    /// acknowledged writes (only under `cowtrie check`, which crashes it).
    BrokenDurableLyingSync,
}

impl StoreKind {
    /// A fresh, empty store of this kind (a bounded one of [`DEFAULT_CAPACITY`]).
    pub fn build(self) -> Box<dyn KvStore> {
        self.build_with_capacity(DEFAULT_CAPACITY, 1)
    }

    /// A fresh, empty store of this kind; a bounded one keeps `capacity` entries (the
    /// model stores draw their evictions from `seed`).
    pub fn build_with_capacity(self, capacity: u64, seed: u64) -> Box<dyn KvStore> {
        let entries = usize::try_from(capacity).unwrap_or(usize::MAX);
        match self {
            Self::Cache => Box::new(CowtrieCache(Cache::new(capacity))),
            Self::CacheExpiring => Box::new(CowtrieCache(
                Cache::builder(capacity)
                    .time_to_live(std::time::Duration::from_micros(300))
                    .time_to_idle(std::time::Duration::from_micros(100))
                    .build(),
            )),
            Self::EvictingModel => Box::new(EvictingModel::new(entries, seed)),
            Self::BrokenResurrectingCache => Box::new(ResurrectingCache::new(entries, seed)),
            Self::Cowtrie => Box::new(CowtrieStore::default()),
            Self::MutexModel => Box::new(Mutex::new(Model::new())),
            Self::BrokenLostUpdate => Box::new(LostUpdate::default()),
            Self::BrokenStaleRead => Box::new(StaleRead::default()),
            Self::BrokenNonAtomicRemove => Box::new(NonAtomicRemove::default()),
            Self::Durable | Self::BrokenDurableLyingSync => Box::new(DurableKv::new()),
        }
    }

    /// Whether the store is meant to be linearizable.
    pub fn is_correct(self) -> bool {
        matches!(
            self,
            Self::Cowtrie
                | Self::MutexModel
                | Self::Cache
                | Self::CacheExpiring
                | Self::EvictingModel
                | Self::Durable
        )
    }

    /// Whether the store evicts, so that it is judged against the cache model.
    pub fn is_cache(self) -> bool {
        matches!(
            self,
            Self::Cache | Self::CacheExpiring | Self::EvictingModel | Self::BrokenResurrectingCache
        )
    }

    /// Whether the store is a durable one (checked with crashes and recoveries).
    pub fn is_durable(self) -> bool {
        matches!(self, Self::Durable | Self::BrokenDurableLyingSync)
    }
}

/// cowtrie's [`DurableStore`] (group commit, on a fresh simulated disk that never
/// crashes) as a [`KvStore`]. A failed write panics (the simulated disk only fails when
/// told to).
pub struct DurableKv(pub DurableStore<u64>);

impl DurableKv {
    /// An empty store on a fresh simulated disk.
    pub fn new() -> Self {
        Self(
            DurableStore::open_with(SimDisk::new().storage(), Options::default())
                .expect("a fresh simulated disk opens"),
        )
    }
}

impl Default for DurableKv {
    fn default() -> Self {
        Self::new()
    }
}

impl KvStore for DurableKv {
    fn put(&self, key: &[u8], value: u64) {
        self.0.put(key, value).expect("durable put");
    }

    fn get(&self, key: &[u8]) -> Option<u64> {
        self.0.get_with(key, |v| v.copied())
    }

    fn remove(&self, key: &[u8]) -> bool {
        self.0.remove(key).expect("durable remove").is_some()
    }

    fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
        let swapped = self.0.compare_and_swap(key, from.as_ref(), Some(to));
        swapped.expect("durable compare_and_swap").is_ok()
    }

    fn update(&self, key: &[u8], value: u64) -> Option<u64> {
        let updated = self.0.update(key, |_| Some(value)).expect("durable update");
        updated.previous.map(|guard| *guard)
    }
}
