//! [`CacheBuilder`]: a [`Cache`]'s capacity and, optionally, how entries are weighed.
#![forbid(unsafe_code)]

use super::{Cache, Weigher};

/// Builds a [`Cache`]: its capacity, and how much each entry weighs against it.
///
/// ```
/// use cowtrie::Cache;
///
/// // At most 10 bytes of values.
/// let cache = Cache::builder(10).weigher(|_key, value: &String| value.len() as u64).build();
/// cache.put("a", "12345".to_string());
/// cache.put("b", "123456".to_string()); // 11 bytes in all: "a" goes
/// assert_eq!(cache.weight(), 6);
/// assert!(cache.get("a").is_none());
/// cache.put("c", "x".repeat(11)); // heavier than the capacity: not stored
/// assert!(!cache.contains_key("c"));
/// ```
pub struct CacheBuilder<V> {
    capacity: u64,
    weigher: Option<Weigher<V>>,
}

impl<V> CacheBuilder<V> {
    pub(super) fn new(capacity: u64) -> Self {
        Self {
            capacity,
            weigher: None,
        }
    }

    /// Weighs each entry with `weigher` (called once per write, under the writers' lock)
    /// instead of counting it as 1. An entry weighing more than the capacity is never
    /// stored; one weighing 0 is never evicted for room (but may still be evicted).
    pub fn weigher(mut self, weigher: impl Fn(&[u8], &V) -> u64 + Send + Sync + 'static) -> Self {
        self.weigher = Some(Box::new(weigher));
        self
    }

    /// The cache.
    pub fn build(self) -> Cache<V> {
        Cache::from_parts(self.capacity, self.weigher)
    }
}

impl<V> std::fmt::Debug for CacheBuilder<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheBuilder")
            .field("capacity", &self.capacity)
            .field("weigher", &self.weigher.is_some())
            .finish()
    }
}
