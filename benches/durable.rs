//! Durable stores: commits per second beside redb and fjall, snapshot and recovery
//! throughput, and syncs per commit. Every store writes to a fresh directory under the
//! target directory (one disk for all), in one process.
//!
//! `cargo bench -p cowtrie-benches --bench durable` runs every group; a filter picks some
//! (`-- durable_commit`, `-- snapshot`, `-- recovery`, `-- replay`). The groups:
//! - `durable_commit/sync_1w`: one writer, each put returns once synced: cowtrie
//!   `Durability::Sync`, redb (one insert per write transaction, `Immediate`), fjall
//!   (insert, then `persist(SyncData)`). Time per commit;
//! - `durable_commit/group_4w`: four writers at once, the same puts; cowtrie with
//!   `Durability::Group` (the writers share syncs), redb and fjall as above (their
//!   nearest equivalent of the same durability). Time per commit, all writers together;
//! - `snapshot/write_1M` and `snapshot/load_1M`: a checkpoint of 1,000,000 keys (16-byte
//!   keys, 16-byte values), and reopening a store that is that snapshot alone (bytes/s of
//!   snapshot file);
//! - `recovery/256MiB`: reopening a store whose snapshot is ~256 MiB (1,000,000 keys with
//!   240-byte values), bytes/s of snapshot (the goal: ≤ 5 s per GiB);
//! - `replay/log_1M`: reopening a store that is 1,000,000 log records and no snapshot
//!   (records/s; goal ≥ 1M records/s).
//!
//! `-- paired` runs only the paired comparison instead (not part of the default run): the
//! one-writer sync commits of the three stores in 60 rounds of 500 commits each, the
//! stores' order rotated every round, so a disk whose sync time drifts over minutes
//! slows all three alike. It prints each store's median time per commit and, for each
//! peer, the median and quartiles of the per-round ratio (peer time / cowtrie time; above
//! 1 cowtrie is faster) and in how many rounds cowtrie was at least as fast.
//! `COWTRIE_BENCH_DIR=/dev/shm` puts every store on tmpfs instead, where a sync costs
//! nothing and what remains is each store's own work per commit.
//!
//! Before the groups, the syncs per durable commit are counted through a storage wrapper
//! (`CountingStorage`) and printed: 1,000 sync-mode commits from one writer and 1,000
//! group-mode commits from four.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

mod durable_peers;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cowtrie::durable::{Durability, DurableStore, Options};
use cowtrie::WriteBatch;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use durable_peers::{scratch_dir, CountingStorage, Cowtrie, DurableKv, Fjall, Redb};

/// 20 samples (10 for the big files), short warm-up and measurement: fsync-bound groups
/// are slow per iteration, and the machine is shared.
fn configure() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

const VALUE: [u8; 64] = [0x5a; 64];

/// `iters` puts of fresh keys spread over `writers` threads; the wall time.
fn timed_puts(store: &dyn DurableKv, writers: u64, iters: u64, next: &AtomicU64) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for w in 0..writers {
            let share = iters / writers + u64::from(w < iters % writers);
            s.spawn(move || {
                for _ in 0..share {
                    let key = next.fetch_add(1, Ordering::Relaxed).to_be_bytes();
                    store.put(&key, &VALUE);
                }
            });
        }
    });
    start.elapsed()
}

fn durable_commit(c: &mut Criterion) {
    for (label, writers, durability) in [
        ("sync_1w", 1, Durability::Sync),
        ("group_4w", 4, Durability::Group),
    ] {
        let mut group = c.benchmark_group(format!("durable_commit/{label}"));
        group.throughput(Throughput::Elements(1));
        let dirs: Vec<_> = (0..3).map(|_| scratch_dir()).collect();
        let stores: Vec<Box<dyn DurableKv>> = vec![
            Box::new(Cowtrie::open(dirs[0].path(), durability)),
            Box::new(Redb::open(dirs[1].path())),
            Box::new(Fjall::open(dirs[2].path())),
        ];
        for store in &stores {
            let next = AtomicU64::new(0);
            group.bench_function(store.name(), |b| {
                b.iter_custom(|iters| timed_puts(&**store, writers, iters, &next))
            });
        }
        group.finish();
    }
}

/// Whether the run is `-- paired`, which runs the paired comparison and nothing else.
fn paired_only() -> bool {
    std::env::args().skip(1).any(|arg| arg == "paired")
}

/// The paired comparison (see the module doc); runs only under `-- paired`.
fn paired(_: &mut Criterion) {
    if !paired_only() {
        return;
    }
    const ROUNDS: usize = 60;
    const COMMITS: u64 = 500;
    let dirs: Vec<_> = (0..3).map(|_| scratch_dir()).collect();
    let stores: Vec<Box<dyn DurableKv>> = vec![
        Box::new(Cowtrie::open(dirs[0].path(), Durability::Sync)),
        Box::new(Redb::open(dirs[1].path())),
        Box::new(Fjall::open(dirs[2].path())),
    ];
    let next: Vec<_> = (0..3).map(|_| AtomicU64::new(0)).collect();
    // Warm-up: each store's first files and caches.
    for (store, next) in stores.iter().zip(&next) {
        timed_puts(&**store, 1, COMMITS, next);
    }
    let mut micros: Vec<Vec<f64>> = (0..3).map(|_| Vec::with_capacity(ROUNDS)).collect();
    for round in 0..ROUNDS {
        for turn in 0..3 {
            let s = (round + turn) % 3;
            let time = timed_puts(&*stores[s], 1, COMMITS, &next[s]);
            micros[s].push(time.as_secs_f64() * 1e6 / COMMITS as f64);
        }
    }
    let quartiles = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        (at(0.25), at(0.5), at(0.75))
    };
    println!("paired sync commits, 1 writer: {ROUNDS} rounds of {COMMITS} commits per store");
    for (store, times) in stores.iter().zip(&micros) {
        let (q1, median, q3) = quartiles(times.clone());
        println!(
            "  {:8} median {median:7.1} µs per commit (quartiles {q1:.1}-{q3:.1})",
            store.name()
        );
    }
    for peer in 1..3 {
        let ratios: Vec<f64> = (0..ROUNDS)
            .map(|r| micros[peer][r] / micros[0][r])
            .collect();
        let at_least = ratios.iter().filter(|&&r| r >= 1.0).count();
        let (q1, median, q3) = quartiles(ratios);
        println!(
            "  cowtrie vs {:6}: median {median:.3}x (quartiles {q1:.3}-{q3:.3}), \
             cowtrie as fast or faster in {at_least} of {ROUNDS} rounds",
            stores[peer].name()
        );
    }
}

fn options(durability: Durability) -> Options {
    Options {
        durability,
        checkpoint_log_bytes: None,
        ..Options::default()
    }
}

/// Fills `dir` with `keys` keys (16-byte keys, values of `value_len` bytes) in batches
/// of 10,000, checkpoints them if `snapshot`, and closes the store.
fn fill(dir: &Path, keys: u64, value_len: usize, snapshot: bool) -> u64 {
    let store = DurableStore::<Vec<u8>>::open(dir, options(Durability::Buffered)).expect("open");
    let value = vec![0xa5; value_len];
    let mut bytes = 0;
    for chunk in (0..keys).collect::<Vec<_>>().chunks(10_000) {
        let mut batch = WriteBatch::new();
        for &i in chunk {
            batch.put(key16(i), value.clone());
        }
        store.write_batch(batch).expect("batch");
    }
    if snapshot {
        bytes = store.checkpoint().expect("checkpoint").bytes;
    }
    store.close().expect("close");
    bytes
}

fn key16(i: u64) -> [u8; 16] {
    let mut key = [0; 16];
    key[..8].copy_from_slice(&i.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_be_bytes());
    key[8..].copy_from_slice(&i.to_be_bytes());
    key
}

/// Reopening `dir`: the time to a usable store.
fn timed_open(dir: &Path, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let store =
            DurableStore::<Vec<u8>>::open(dir, options(Durability::Buffered)).expect("reopen");
        total += start.elapsed();
        std::hint::black_box(store.len());
        drop(store);
    }
    total
}

fn snapshot(c: &mut Criterion) {
    if paired_only() {
        return;
    }
    let mut group = c.benchmark_group("snapshot");
    let dir = scratch_dir();
    let bytes = fill(dir.path(), 1_000_000, 16, true);
    println!(
        "snapshot of 1M keys: {:.1} MiB",
        bytes as f64 / (1 << 20) as f64
    );
    group.throughput(Throughput::Bytes(bytes));
    {
        let store =
            DurableStore::<Vec<u8>>::open(dir.path(), options(Durability::Buffered)).expect("open");
        let mut n = 0u64;
        group.bench_function("write_1M", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    // A new version, so the checkpoint has something new to write.
                    n += 1;
                    store.put(b"bump", n.to_be_bytes().to_vec()).expect("put");
                    let start = Instant::now();
                    std::hint::black_box(store.checkpoint().expect("checkpoint"));
                    total += start.elapsed();
                }
                total
            })
        });
        store.close().expect("close");
    }
    group.bench_function("load_1M", |b| {
        b.iter_custom(|iters| timed_open(dir.path(), iters))
    });
    group.finish();
}

fn recovery(c: &mut Criterion) {
    if paired_only() {
        return;
    }
    let mut group = c.benchmark_group("recovery");
    let dir = scratch_dir();
    let bytes = fill(dir.path(), 1_000_000, 240, true);
    println!(
        "recovery store: snapshot {:.1} MiB",
        bytes as f64 / (1 << 20) as f64
    );
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("256MiB", |b| {
        b.iter_custom(|iters| timed_open(dir.path(), iters))
    });
    group.finish();
}

fn replay(c: &mut Criterion) {
    if paired_only() {
        return;
    }
    let mut group = c.benchmark_group("replay");
    let dir = scratch_dir();
    // One record per put, so the log holds 1M records.
    {
        let store =
            DurableStore::<Vec<u8>>::open(dir.path(), options(Durability::Buffered)).expect("open");
        for i in 0..1_000_000u64 {
            store.put(key16(i), VALUE[..16].to_vec()).expect("put");
        }
        store.close().expect("close");
    }
    group.throughput(Throughput::Elements(1_000_000));
    group.bench_function("log_1M", |b| {
        b.iter_custom(|iters| timed_open(dir.path(), iters))
    });
    group.finish();
}

/// Syncs per durable commit, counted through the storage trait; printed, not timed.
fn count_syncs() {
    for (label, writers, durability) in [
        ("sync, 1 writer", 1u64, Durability::Sync),
        ("group, 4 writers", 4, Durability::Group),
    ] {
        let dir = scratch_dir();
        let storage = Arc::new(CountingStorage::new(dir.path()).expect("storage"));
        let store =
            DurableStore::<Vec<u8>>::open_with(storage.clone(), options(durability)).expect("open");
        let (files0, dirs0) = storage.syncs();
        let commits = 1_000u64;
        let next = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..writers {
                s.spawn(|| {
                    for _ in 0..commits / writers {
                        let key = next.fetch_add(1, Ordering::Relaxed).to_be_bytes();
                        let receipt = store.put(key, VALUE.to_vec()).expect("put");
                        assert!(receipt.durable);
                    }
                });
            }
        });
        let (files, dirs) = storage.syncs();
        println!(
            "syncs per durable commit ({label}): {:.3} file syncs + {:.3} directory syncs \
             ({} commits, {} file syncs, {} directory syncs after open)",
            (files - files0) as f64 / commits as f64,
            (dirs - dirs0) as f64 / commits as f64,
            commits,
            files - files0,
            dirs - dirs0
        );
        store.close().expect("close");
    }
}

fn syncs(_: &mut Criterion) {
    count_syncs();
}

criterion_group! {
    name = benches;
    config = configure();
    targets = syncs, paired, durable_commit, snapshot, recovery, replay
}
criterion_main!(benches);
