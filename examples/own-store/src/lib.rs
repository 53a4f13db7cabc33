//! A copy-on-write map of your own, verified with each of cowtrie's tools (the guide's
//! chapter 12, `book/src/12-verify-your-own-store.md`):
//!
//! - `src/store.rs`: [`CowMap`], writers serialised by a mutex, each version published
//!   through an atomic pointer, reads without a lock;
//! - `src/sync.rs`: the facade that hands it std's, loom's or shuttle's primitives;
//! - `tests/conformance.rs`: the conformance kit, in one line;
//! - `tests/loom.rs`: every schedule of a writer and a reader (`RUSTFLAGS="--cfg loom"`);
//! - `tests/shuttle.rs`: random schedules of the kit's workload (`--features shuttle`).
//!
//! Features `relaxed-publish` and `lost-update` seed a bug each, for the tools to find.
#![deny(unsafe_code)]

#[allow(unsafe_code)] // the store's two pointer reads and its `Sync`; see its invariants
mod store;
mod sync;

pub use store::CowMap;

/// The conformance kit's view of the store.
impl cowtrie_model::KvStore for CowMap {
    fn put(&self, key: &[u8], value: u64) {
        CowMap::put(self, key, value);
    }

    fn get(&self, key: &[u8]) -> Option<u64> {
        CowMap::get(self, key)
    }

    fn remove(&self, key: &[u8]) -> bool {
        CowMap::remove(self, key).is_some()
    }

    fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
        self.compare_and_swap(key, from, to)
    }

    fn update(&self, key: &[u8], value: u64) -> Option<u64> {
        CowMap::put(self, key, value)
    }
}
