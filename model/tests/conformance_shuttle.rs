//! The kit's random schedules (`--features shuttle`): a store on shuttle's mutex passes,
//! and a seeded bug, read-copy-write without the writer lock on shuttle's primitives, is
//! flagged with the checker's report.
#![cfg(feature = "shuttle")]

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use cowtrie_model::conformance::{random_schedules, Schedules};
use cowtrie_model::KvStore;
use shuttle::sync::{Mutex, RwLock};

type Map = HashMap<Vec<u8>, u64>;

/// A map that reads see and writes change; [`Store`] makes a `KvStore` of it.
trait Versions: Send + Sync {
    fn read(&self) -> Arc<Map>;
    fn write<R>(&self, change: impl FnOnce(&mut Map) -> R) -> R;
}

/// Every operation under one shuttle mutex.
#[derive(Default)]
struct Locked(Mutex<Arc<Map>>);

impl Versions for Locked {
    fn read(&self) -> Arc<Map> {
        Arc::clone(&self.0.lock().unwrap())
    }

    fn write<R>(&self, change: impl FnOnce(&mut Map) -> R) -> R {
        change(Arc::make_mut(&mut self.0.lock().unwrap()))
    }
}

/// Copies the current map, changes the copy, publishes it: without a writer lock, two
/// writers copy the same version and the later publish erases the other's write.
#[derive(Default)]
struct LostUpdate(RwLock<Arc<Map>>);

impl Versions for LostUpdate {
    fn read(&self) -> Arc<Map> {
        Arc::clone(&self.0.read().unwrap())
    }

    fn write<R>(&self, change: impl FnOnce(&mut Map) -> R) -> R {
        let mut next = Map::clone(&self.read());
        let result = change(&mut next);
        *self.0.write().unwrap() = Arc::new(next);
        result
    }
}

#[derive(Default)]
struct Store<V>(V);

impl<V: Versions> KvStore for Store<V> {
    fn put(&self, key: &[u8], value: u64) {
        self.0.write(|map| map.insert(key.to_vec(), value));
    }

    fn get(&self, key: &[u8]) -> Option<u64> {
        self.0.read().get(key).copied()
    }

    fn remove(&self, key: &[u8]) -> bool {
        self.0.write(|map| map.remove(key).is_some())
    }

    fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
        self.0.write(|map| {
            let swapped = map.get(key).copied() == from;
            if swapped {
                map.insert(key.to_vec(), to);
            }
            swapped
        })
    }

    fn update(&self, key: &[u8], value: u64) -> Option<u64> {
        self.0.write(|map| map.insert(key.to_vec(), value))
    }
}

#[test]
fn a_store_under_one_lock_passes_every_schedule() {
    random_schedules(Store::<Locked>::default, 300, &Schedules::default());
}

#[test]
fn a_lost_update_is_flagged() {
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        random_schedules(Store::<LostUpdate>::default, 300, &Schedules::default());
    }));
    let payload = outcome.expect_err("the lost update must be flagged");
    let text = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(text.contains("not linearizable"), "{text}");
}
