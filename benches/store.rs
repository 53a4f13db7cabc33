//! cowtrie against its peers, every workload in one process.
//!
//! `cargo bench --bench store` (all groups; a filter such as `-- get_hit` picks some).
//! Groups, each per key set (`random16`, `words`; 100,000 keys loaded):
//! - `get_hit`, `get_miss`: one thread, 1,000 lookups per iteration;
//! - `read_under_writer`: two reader threads (one per core) while a third thread puts
//!   and removes without pause; the time is per read per reader, and the writer's
//!   rate is printed after each store's run;
//! - `put_remove`: one thread, 100 puts of absent keys then their 100 removes, each
//!   publishing a new version;
//! - `iterate`: one consistent pass over every entry (where the store has versions);
//! - `scan_prefix` (ordered stores only; `words`): prefixes matching ~0.1% and ~10%.
//!
//! The table of ratios is in BENCHMARKS.md.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

mod keys;
mod peers;

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use keys::KeySet;
use peers::Store;

const BATCH: usize = 1_000;
const CHURN: usize = 100;

fn configure(group: &mut Group<'_>) {
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
}

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// One key set and every store loaded with its present keys. No bench changes what the
/// stores hold when it ends.
struct Loaded {
    set: KeySet,
    stores: Vec<Box<dyn Store>>,
}

/// Runs `body` once per store, in a group named after the workload and the key set.
fn per_store(
    c: &mut Criterion,
    group: &str,
    loaded: &Loaded,
    mut body: impl FnMut(&mut Group<'_>, &dyn Store),
) {
    let mut group = c.benchmark_group(format!("{group}/{}", loaded.set.name));
    configure(&mut group);
    for store in &loaded.stores {
        body(&mut group, &**store);
    }
    group.finish();
}

fn lookups(c: &mut Criterion, loaded: &Loaded, name: &str, keys: &[Vec<u8>]) {
    per_store(c, name, loaded, |group, store| {
        group.throughput(Throughput::Elements(BATCH as u64));
        let mut start = 0;
        group.bench_function(store.name(), |b| {
            b.iter(|| {
                let batch = &keys[start..start + BATCH];
                start = (start + BATCH) % (keys.len() - BATCH);
                batch
                    .iter()
                    .fold(0, |sum, key| sum + store.get(black_box(key)).unwrap_or(1))
            })
        });
    });
}

fn read_under_writer(c: &mut Criterion, loaded: &Loaded) {
    let set = &loaded.set;
    per_store(c, "read_under_writer", loaded, |group, store| {
        group.throughput(Throughput::Elements(1));
        let (writes, writing) = (AtomicU64::new(0), AtomicU64::new(0));
        group.bench_function(store.name(), |b| {
            b.iter_custom(|iters| {
                let stop = AtomicBool::new(false);
                std::thread::scope(|s| {
                    s.spawn(|| {
                        let start = Instant::now();
                        let mut ops = 0;
                        for key in set.absent.iter().cycle() {
                            if stop.load(Ordering::Relaxed) {
                                break;
                            }
                            store.put(key, 1);
                            store.remove(key);
                            ops += 2;
                        }
                        writes.fetch_add(ops, Ordering::Relaxed);
                        writing.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
                    });
                    let readers: Vec<_> = (0..2)
                        .map(|reader| {
                            s.spawn(move || {
                                let keys = &set.present;
                                let start = Instant::now();
                                let mut sum = 0;
                                for i in 0..iters as usize {
                                    let key = &keys[(i * 2 + reader) % keys.len()];
                                    sum += store.get(key).unwrap_or(1);
                                }
                                black_box(sum);
                                start.elapsed()
                            })
                        })
                        .collect();
                    let times: Vec<Duration> =
                        readers.into_iter().map(|r| r.join().unwrap()).collect();
                    stop.store(true, Ordering::Relaxed);
                    times.iter().sum::<Duration>() / times.len() as u32
                })
            })
        });
        let (ops, nanos) = (writes.into_inner(), writing.into_inner());
        println!(
            "read_under_writer/{}/{}: writer {:.0} ops/s",
            set.name,
            store.name(),
            ops as f64 / (nanos.max(1) as f64 / 1e9)
        );
    });
}

fn put_remove(c: &mut Criterion, loaded: &Loaded) {
    let set = &loaded.set;
    per_store(c, "put_remove", loaded, |group, store| {
        group.throughput(Throughput::Elements(2 * CHURN as u64));
        let mut start = 0;
        group.bench_function(store.name(), |b| {
            b.iter(|| {
                let batch = &set.absent[start..start + CHURN];
                start = (start + CHURN) % (set.absent.len() - CHURN);
                for key in batch {
                    store.put(black_box(key), 1);
                }
                for key in batch {
                    black_box(store.remove(black_box(key)));
                }
            })
        });
    });
}

fn iterate(c: &mut Criterion, loaded: &Loaded) {
    let set = &loaded.set;
    per_store(c, "iterate", loaded, |group, store| {
        group.throughput(Throughput::Elements(set.present.len() as u64));
        group.bench_function(store.name(), |b| b.iter(|| store.visit_all()));
    });
}

fn scan_prefix(c: &mut Criterion, loaded: &Loaded) {
    let set = &loaded.set;
    for fraction in [0.001, 0.1] {
        let (prefix, matches) = set.prefix_matching(fraction);
        println!(
            "scan_prefix/{}/{fraction}: prefix {:?} matches {matches} keys",
            set.name,
            String::from_utf8_lossy(&prefix)
        );
        per_store(
            c,
            &format!("scan_prefix_{fraction}"),
            loaded,
            |group, store| {
                if store.visit_prefix(&prefix).is_none() {
                    return;
                }
                group.throughput(Throughput::Elements(matches as u64));
                group.bench_function(store.name(), |b| {
                    b.iter(|| store.visit_prefix(black_box(&prefix)))
                });
            },
        );
    }
}

fn benches(c: &mut Criterion) {
    for set in KeySet::all() {
        let stores = peers::loaded(peers::all(), &set.present);
        let loaded = Loaded { set, stores };
        lookups(c, &loaded, "get_hit", &loaded.set.present);
        lookups(c, &loaded, "get_miss", &loaded.set.absent);
        read_under_writer(c, &loaded);
        put_remove(c, &loaded);
        iterate(c, &loaded);
        if loaded.set.name == "words" {
            scan_prefix(c, &loaded);
        }
    }
}

criterion_group!(store, benches);
criterion_main!(store);
