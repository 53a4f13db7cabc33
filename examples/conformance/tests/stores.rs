//! The whole battery on each store: `cargo test -p conformance-example --test stores`.
#![cfg(not(feature = "shuttle"))]

mod dashmap {
    cowtrie_model::conformance_tests!(conformance_example::DashStore::default);
}

mod rwlock_hashmap {
    cowtrie_model::conformance_tests!(conformance_example::LockedStore::default);
}

mod arcswap_imbl {
    cowtrie_model::conformance_tests!(conformance_example::SwapStore::default);
}

mod cowtrie {
    cowtrie_model::conformance_tests!(conformance_example::TrieKv::default);
}

/// A bounded store: keys may be evicted, so the cache model judges it. 16 entries, and
/// the workloads draw from 64 keys, so most writes evict.
mod cowtrie_cache {
    use cowtrie_model::conformance::{Judge, Settings};

    cowtrie_model::conformance_tests!(
        conformance_example::TrieCache::small,
        Settings {
            judge: Judge::Cache,
            keys: 64,
            ..Settings::default()
        }
    );
}
