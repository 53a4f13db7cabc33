//! A driver for profiling the read path under callgrind (instruction counts are
//! repeatable on a loaded machine, wall time is not).
//!
//! ```sh
//! cargo build --release --example read_cost
//! valgrind --tool=callgrind target/release/examples/read_cost cache 0
//! valgrind --tool=callgrind target/release/examples/read_cost cache 1000000
//! ```
//!
//! Loads 100,000 keys (8-byte big-endian, the keys `benches/cache_read.rs` uses) into a
//! `Cache` of that capacity or a `TrieStore` (`store`), then does GETS lookups of present
//! keys in a fixed pseudo-random order. The difference between a run with GETS and one
//! with 0, divided by GETS, is the instructions one lookup costs.

use std::hint::black_box;

use cowtrie::cache::Cache;
use cowtrie::TrieStore;

const KEYS: u64 = 100_000;

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "cache".into());
    let gets: u64 = args.next().map_or(1_000_000, |n| n.parse().expect("GETS"));
    // A fixed permutation of 0..KEYS: multiplication by an odd constant modulo a power
    // of two above KEYS, skipping what falls outside.
    let order: Vec<u64> = (0..131_072u64)
        .map(|i| (i.wrapping_mul(0x9E37_79B9) ^ 0x5555) & 131_071)
        .filter(|&k| k < KEYS)
        .collect();
    let mut sum = 0u64;
    match kind.as_str() {
        "cache" | "cache_guard" => {
            let cache = Cache::new(KEYS);
            (0..KEYS).for_each(|k| cache.put(k.to_be_bytes(), k));
            for i in 0..gets as usize {
                let key = black_box(order[i % order.len()]).to_be_bytes();
                sum += if kind == "cache" {
                    cache.get_with(key, |v| v.copied().unwrap_or(0))
                } else {
                    cache.get(key).map_or(0, |v| *v)
                };
            }
        }
        "store" | "store_guard" => {
            let store = TrieStore::new();
            (0..KEYS).for_each(|k| store.put(k.to_be_bytes(), k));
            for i in 0..gets as usize {
                let key = black_box(order[i % order.len()]).to_be_bytes();
                sum += if kind == "store" {
                    store.get_with(key, |v| v.copied().unwrap_or(0))
                } else {
                    store.get(key).map_or(0, |v| *v)
                };
            }
        }
        other => panic!("unknown store {other}: cache, cache_guard, store, store_guard"),
    }
    black_box(sum);
}
