//! Helpers shared by the integration tests that record histories (loom, shuttle).

use cowtrie::cache::Cache;
use cowtrie::{Reader, TrieStore};
use cowtrie_model::{Event, KvStore, Op, Recorder};

/// Runs `ops` on `store` in order, recording each call against `recorder`'s clock.
/// `store` is one of the adapters below ([`Store`], [`Bounded`]) or any other
/// [`KvStore`], so the unbounded store and the cache share one recording loop.
pub fn run_recorded(
    store: &impl KvStore,
    recorder: &Recorder,
    thread: usize,
    ops: Vec<Op>,
) -> Vec<Event> {
    let mut log = recorder.log(thread);
    for op in ops {
        log.run(store, op);
    }
    log.into_events()
}

/// Implements the model crate's [`KvStore`] for a borrowed cowtrie store. The orphan
/// rule keeps the impl off cowtrie's own types, and `TrieStore` and `Cache` share the
/// method names but no trait, so one macro writes both adapters.
macro_rules! kv_adapter {
    ($(#[$doc:meta])* $name:ident, $store:ty) => {
        $(#[$doc])*
        pub struct $name<'a>(pub &'a $store);

        impl KvStore for $name<'_> {
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
                self.0.compare_and_swap(key, from.as_ref(), Some(to)).is_ok()
            }

            fn update(&self, key: &[u8], value: u64) -> Option<u64> {
                self.0.update(key, |_| Some(value)).map(|guard| *guard)
            }
        }
    };
}

kv_adapter!(
    /// The unbounded store, judged against the key-value model.
    Store,
    TrieStore<u64>
);
kv_adapter!(
    /// The bounded store, judged against the cache model (`CacheSpec`).
    Bounded,
    Cache<u64>
);

/// The unbounded store with every `get` read through a [`Reader`], the read handle that
/// keeps its last version. One adapter per thread: a reader serves one thread, and the
/// mutex that lends it to `&self` is never contended, so it adds no ordering between
/// threads. Every write goes to the store itself.
pub struct Handle<'a>(pub std::sync::Mutex<Reader<'a, u64>>);

impl<'a> Handle<'a> {
    pub fn new(store: &'a TrieStore<u64>) -> Self {
        Self(std::sync::Mutex::new(store.reader()))
    }

    fn store(&self) -> Store<'a> {
        Store(self.0.lock().unwrap().store())
    }
}

impl KvStore for Handle<'_> {
    fn put(&self, key: &[u8], value: u64) {
        self.store().put(key, value);
    }

    fn get(&self, key: &[u8]) -> Option<u64> {
        self.0.lock().unwrap().get_with(key, |v| v.copied())
    }

    fn remove(&self, key: &[u8]) -> bool {
        self.store().remove(key)
    }

    fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
        self.store().cas(key, from, to)
    }

    fn update(&self, key: &[u8], value: u64) -> Option<u64> {
        self.store().update(key, value)
    }
}
