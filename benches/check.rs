//! Checking time against history size: histories recorded from 4 threads over 1,000
//! keys on the mutex-guarded model (linearizable, so the whole search runs).
//!
//! `cargo bench -p cowtrie-benches --bench check` (in the benches crate so that the model
//! crate's tests do not build criterion)
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::Duration;

use cowtrie_model::workload::{Mix, Stop, Workload};
use cowtrie_model::{check, Budget, Model, Verdict};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn history(ops: u64) -> cowtrie_model::History {
    let workload = Workload {
        threads: 4,
        keys: 1_000,
        stop: Stop::Ops(ops),
        mix: Mix::default(),
        seed: 7,
    };
    workload
        .run(&Mutex::new(Model::new()), &AtomicU64::new(0))
        .history
}

fn bench_check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    for ops in [10_000u64, 100_000, 1_000_000] {
        let history = history(ops);
        group.throughput(Throughput::Elements(ops));
        group.bench_with_input(BenchmarkId::from_parameter(ops), &history, |b, h| {
            b.iter(|| {
                let report = check(h, Budget::default());
                assert_eq!(report.verdict, Verdict::Linearizable);
                report.steps
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_check);
criterion_main!(benches);
