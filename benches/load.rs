//! Loading a store from nothing, one thread: 100,000 keys of each key set into a new
//! store per iteration, time per key.
//!
//! `cargo bench -p cowtrie-benches --bench load`. Every store of `peers.rs` loads the keys
//! one write at a time (cowtrie: one `put`, so one published version, per key), and
//! cowtrie loads them twice more as its users would in bulk: `cowtrie (batches of 100)`,
//! one `write_batch` per 100 keys, and `cowtrie (collect)`, a `Trie` collected from the
//! keys and then made a store (`TrieStore::from`). Batches and `collect` change in place
//! the nodes their unpublished version alone holds, so they copy each shared node once
//! rather than once per key.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

// Shared with the store bench, which uses all of them; this one uses a few.
#[allow(dead_code)]
mod keys;
#[allow(dead_code)]
mod peers;

use std::hint::black_box;
use std::time::Duration;

use cowtrie::{Trie, TrieStore, WriteBatch};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use keys::KeySet;

/// Fewer, longer samples than the store bench: one iteration loads 100,000 keys.
fn configure() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

fn benches(c: &mut Criterion) {
    for set in KeySet::all() {
        let keys = &set.present;
        let mut group = c.benchmark_group(format!("load/{}", set.name));
        group.throughput(Throughput::Elements(keys.len() as u64));
        for store in peers::all() {
            let name = store.name();
            group.bench_function(name, |b| {
                b.iter_batched(
                    || peers::all().into_iter().find(|s| s.name() == name).unwrap(),
                    |store| {
                        for (i, key) in keys.iter().enumerate() {
                            store.put(key, i as u64);
                        }
                        store
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        // As for the peers, the loaded store is dropped outside the timing.
        group.bench_function("cowtrie (batches of 100)", |b| {
            b.iter_batched(
                || (),
                |()| {
                    let store = TrieStore::new();
                    for (n, chunk) in keys.chunks(100).enumerate() {
                        let mut batch = WriteBatch::new();
                        for (i, key) in chunk.iter().enumerate() {
                            batch.put(key, (n * 100 + i) as u64);
                        }
                        store.write_batch(batch);
                    }
                    store
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_function("cowtrie (collect)", |b| {
            b.iter_batched(
                || (),
                |()| {
                    let trie: Trie<u64> = keys.iter().zip(0..).collect();
                    TrieStore::from(black_box(trie))
                },
                BatchSize::PerIteration,
            )
        });
        group.finish();
    }
}

criterion_group! {
    name = load;
    config = configure();
    targets = benches
}
criterion_main!(load);
