//! The parts of the `cowtrie` command that tests use too: the stores a campaign can run
//! against, including cowtrie's own behind the model crate's [`KvStore`] interface.
#![forbid(unsafe_code)]

pub mod fuzz;
pub mod kill;

use std::sync::Mutex;

use clap::ValueEnum;
use cowtrie::TrieStore;
use cowtrie_model::broken::{LostUpdate, NonAtomicRemove, StaleRead};
use cowtrie_model::{KvStore, Model};

/// cowtrie's store as a [`KvStore`] (the model crate cannot name cowtrie's types).
#[derive(Default)]
pub struct CowtrieStore(pub TrieStore<u64>);

impl KvStore for CowtrieStore {
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
}

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
}

impl StoreKind {
    /// A fresh, empty store of this kind.
    pub fn build(self) -> Box<dyn KvStore> {
        match self {
            Self::Cowtrie => Box::new(CowtrieStore::default()),
            Self::MutexModel => Box::new(Mutex::new(Model::new())),
            Self::BrokenLostUpdate => Box::new(LostUpdate::default()),
            Self::BrokenStaleRead => Box::new(StaleRead::default()),
            Self::BrokenNonAtomicRemove => Box::new(NonAtomicRemove::default()),
        }
    }

    /// Whether the store is meant to be linearizable.
    pub fn is_correct(self) -> bool {
        matches!(self, Self::Cowtrie | Self::MutexModel)
    }
}
