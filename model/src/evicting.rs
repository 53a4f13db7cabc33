//! [`EvictingModel`]: the cache model's reference store, the store's model behind a mutex
//! with evictions at random.
//!
//! It is to [`CacheSpec`](crate::CacheSpec) what `Mutex<Model>` is to the store's spec:
//! correct by construction, the control group of cache checks. Its evictions follow the
//! cache model's rules:
//!
//! 1. After every write, the map holds at most `capacity` keys: a write that leaves more
//!    evicts keys picked at random until it does not.
//! 2. Any operation may first evict a random key (one in eight does), so misses also
//!    happen below capacity, as the model allows.
//! 3. An evicted key is gone: nothing remembers its value.

use std::sync::Mutex;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::model::lock;
use crate::{KvStore, Model, Op, Ret};

/// The store's model behind a mutex, keeping at most `capacity` keys: a write that
/// leaves more evicts keys picked at random until it does not, and one operation in
/// eight first evicts a random key. Correct for the cache model by construction.
pub struct EvictingModel {
    inner: Mutex<Inner>,
}

struct Inner {
    model: Model,
    rng: SmallRng,
    capacity: usize,
}

impl EvictingModel {
    /// An empty store keeping at most `capacity` keys, its evictions drawn from `seed`.
    pub fn new(capacity: usize, seed: u64) -> Self {
        Self {
            inner: Mutex::new(Inner {
                model: Model::new(),
                rng: SmallRng::seed_from_u64(seed),
                capacity,
            }),
        }
    }

    /// The number of keys held.
    pub fn len(&self) -> usize {
        lock(&self.inner).model.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn run(&self, op: &Op) -> Ret {
        let mut inner = lock(&self.inner);
        let Inner {
            model,
            rng,
            capacity,
        } = &mut *inner;
        if rng.random_range(0..8) == 0 {
            evict_one(model, rng);
        }
        let ret = model.apply(op);
        while model.len() > *capacity {
            evict_one(model, rng);
        }
        ret
    }
}

/// Removes a key of `model` picked at random; the key and the value it held.
pub(crate) fn evict_one(model: &mut Model, rng: &mut SmallRng) -> Option<(Vec<u8>, u64)> {
    if model.is_empty() {
        return None;
    }
    let victim = model.sorted().swap_remove(rng.random_range(0..model.len()));
    model.apply(&Op::remove(&victim.0));
    Some(victim)
}

impl KvStore for EvictingModel {
    fn put(&self, key: &[u8], value: u64) {
        self.run(&Op::put(key, value));
    }

    fn get(&self, key: &[u8]) -> Option<u64> {
        match self.run(&Op::get(key)) {
            Ret::Value(seen) => seen,
            _ => None,
        }
    }

    fn remove(&self, key: &[u8]) -> bool {
        self.run(&Op::remove(key)) == Ret::Removed(true)
    }

    fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
        self.run(&Op::cas(key, from, to)) == Ret::Swapped(true)
    }

    fn update(&self, key: &[u8], value: u64) -> Option<u64> {
        match self.run(&Op::update(key, value)) {
            Ret::Value(seen) => seen,
            _ => None,
        }
    }
}
