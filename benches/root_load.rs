//! The load path alone: cowtrie's [`RootCell`] against `arc_swap::ArcSwap`, each holding
//! one value that the bench reads (no trie, no map).
//!
//! `cargo bench --bench root_load`. `read` borrows the value for a closure (the cell's
//! only read); `load` is ArcSwap's borrowing guard; `load_full`/`read + Arc::clone` take a
//! reference count as well. The `two_readers` group runs the same loop on both cores.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use cowtrie::cell::RootCell;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const BATCH: u64 = 1_000;

fn loads(c: &mut Criterion) {
    let cell = RootCell::new(Arc::new(7u64));
    let swap = ArcSwap::from_pointee(7u64);

    let mut group = c.benchmark_group("root_load");
    group
        .throughput(Throughput::Elements(BATCH))
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group.bench_function("RootCell::read", |b| {
        b.iter(|| (0..BATCH).fold(0, |sum, _| sum + black_box(&cell).read(|v| **v)))
    });
    group.bench_function("ArcSwap::load", |b| {
        b.iter(|| (0..BATCH).fold(0, |sum, _| sum + **black_box(&swap).load()))
    });
    group.bench_function("RootCell::read + Arc::clone", |b| {
        b.iter(|| (0..BATCH).fold(0, |sum, _| sum + *black_box(&cell).read(Arc::clone)))
    });
    group.bench_function("ArcSwap::load_full", |b| {
        b.iter(|| (0..BATCH).fold(0, |sum, _| sum + *black_box(&swap).load_full()))
    });
    group.finish();

    let mut group = c.benchmark_group("root_load_two_readers");
    group
        .throughput(Throughput::Elements(1))
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group.bench_function("RootCell::read", |b| {
        b.iter_custom(|iters| on_both_cores(iters, || cell.read(|v| **v)))
    });
    group.bench_function("ArcSwap::load", |b| {
        b.iter_custom(|iters| on_both_cores(iters, || **swap.load()))
    });
    group.finish();
}

/// Runs `read` `iters` times on each of two threads; the mean time per thread.
fn on_both_cores(iters: u64, read: impl Fn() -> u64 + Sync) -> Duration {
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let start = Instant::now();
                    black_box((0..iters).fold(0, |sum, _| sum + read()));
                    start.elapsed()
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .sum::<Duration>()
            / 2
    })
}

criterion_group!(root_load, loads);
criterion_main!(root_load);
