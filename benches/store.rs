//! cowtrie against its peers, every workload in one process.
//!
//! `cargo bench -p cowtrie-benches --bench store` runs every group; a filter such as
//! `-- get_hit` or `-- 'read_under_writer_1r/random16'` picks some. Each group runs once
//! per key set (`random16`: 100,000 uniformly random 16-byte keys; `words`: 100,000
//! English-like words), on every store of `peers.rs` loaded with those keys, and is named
//! `<workload>/<key set>`:
//! - `get_hit`, `get_miss`: one thread, 1,000 lookups per iteration;
//! - `read_under_writer_1r`, `read_under_writer_2r`: one or two reader threads get
//!   present keys while one more thread puts and removes absent keys without pause. The
//!   time is per read per reader; the writer's rate (ops/s, over every run of the
//!   routine) is printed after each store's run and kept in `writer_rates.tsv` beside
//!   criterion's output (see [`WriterRates`]). The machine these were written for has
//!   two cores: `1r` gives each thread a core, `2r` makes three threads share two;
//! - `put`: one thread, 100 puts of absent keys, each publishing a new version; only the
//!   puts are timed (the removes restoring the store are not);
//! - `put_remove`: one thread, those 100 puts then their 100 removes, all timed;
//! - `iterate`: one consistent pass over every entry (where the store has versions);
//! - `scan_prefix_0.001`, `scan_prefix_0.1` (ordered stores only): the entries under
//!   prefixes matching ~0.1% and ~10% of the keys, time per entry, cowtrie through its
//!   public iterator (`Trie::scan_prefix` on a snapshot), `RwLock<BTreeMap>` by a range
//!   from the prefix taken while keys match, the other ordered maps by their `range` from
//!   the prefix to its successor (`peers::PrefixRange`). On `words` one prefix; on
//!   `random16`, where one byte already matches ~0.39%, a run of consecutive prefixes
//!   scanned in turn (see `KeySet::prefix_matching`). The prefixes and their actual match
//!   count are printed.
//!
//! - `scan_range_0.001`, `scan_range_0.1` (ordered stores only): the entries between two
//!   present keys, a range holding ~0.1% and ~10% of the keys, time per entry; cowtrie
//!   through `Trie::range` on a snapshot, the ordered maps through their range scans.
//!
//! Before `iterate`, `scan_prefix` and `scan_range` time a store, its checksum is
//! checked against cowtrie's, so every store is seen to visit the same entries. No group
//! changes what the stores hold when it ends. `python3 benches/ratios.py` turns criterion's estimates and
//! `writer_rates.tsv` into the table of targets; the measured table is in BENCHMARKS.md.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

mod keys;
mod peers;
mod writer_rates;

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use keys::KeySet;
use peers::Store;
use writer_rates::WriterRates;

const BATCH: usize = 1_000;
const CHURN: usize = 100;

/// The settings of every group: 20 samples, 0.5 s of warm-up and 2 s of measurement per
/// store. Given through `criterion_group!`'s `config`, so command-line flags
/// (`--warm-up-time`, `--measurement-time`, `--sample-size`) still override them; set on
/// a group, they would not.
fn configure() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
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
    for store in &loaded.stores {
        body(&mut group, &**store);
    }
    group.finish();
}

fn lookups(c: &mut Criterion, loaded: &Loaded, name: &str, keys: &[Vec<u8>]) {
    per_store(c, name, loaded, |group, store| {
        group.throughput(Throughput::Elements(BATCH as u64));
        let mut start = 0;
        let mut get = store.reader();
        group.bench_function(store.name(), |b| {
            b.iter(|| {
                let batch = &keys[start..start + BATCH];
                start = (start + BATCH) % (keys.len() - BATCH);
                batch
                    .iter()
                    .fold(0, |sum, key| sum + get(black_box(key)).unwrap_or(1))
            })
        });
    });
}

/// `readers` reader threads get present keys while one more thread puts and removes
/// absent keys without pause. Criterion times the reads (per read, per reader); the
/// writer's rate over every run of the routine is printed and kept in [`WriterRates`].
fn read_under_writer(c: &mut Criterion, loaded: &Loaded, readers: usize) {
    let set = &loaded.set;
    let group_name = format!("read_under_writer_{readers}r");
    per_store(c, &group_name, loaded, |group, store| {
        if !store.sustains_a_writer_beside_readers() {
            println!(
                "{group_name}/{}/{}: skipped (memory grows without bound)",
                set.name,
                store.name()
            );
            return;
        }
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
                    let threads: Vec<_> = (0..readers)
                        .map(|reader| {
                            s.spawn(move || {
                                let keys = &set.present;
                                let mut get = store.reader();
                                let start = Instant::now();
                                let mut sum = 0;
                                for i in 0..iters as usize {
                                    let key = &keys[(i * readers + reader) % keys.len()];
                                    sum += get(key).unwrap_or(1);
                                }
                                black_box(sum);
                                start.elapsed()
                            })
                        })
                        .collect();
                    let times: Vec<Duration> =
                        threads.into_iter().map(|r| r.join().unwrap()).collect();
                    stop.store(true, Ordering::Relaxed);
                    times.iter().sum::<Duration>() / times.len() as u32
                })
            })
        });
        let (ops, nanos) = (writes.into_inner(), writing.into_inner());
        WriterRates::report(&group_name, set.name, store.name(), ops, nanos);
    });
}

/// 100 puts of absent keys, each publishing a new version; only the puts are timed, the
/// removes that restore the store are not.
fn put(c: &mut Criterion, loaded: &Loaded) {
    let set = &loaded.set;
    per_store(c, "put", loaded, |group, store| {
        group.throughput(Throughput::Elements(CHURN as u64));
        let mut start = 0;
        group.bench_function(store.name(), |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let batch = &set.absent[start..start + CHURN];
                    start = (start + CHURN) % (set.absent.len() - CHURN);
                    let clock = Instant::now();
                    for key in batch {
                        store.put(black_box(key), 1);
                    }
                    timed += clock.elapsed();
                    for key in batch {
                        black_box(store.remove(key));
                    }
                }
                timed
            })
        });
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
    let expected = loaded.stores[0].visit_all();
    per_store(c, "iterate", loaded, |group, store| {
        assert_eq!(
            store.visit_all(),
            expected,
            "{} visits other entries",
            store.name()
        );
        group.throughput(Throughput::Elements(set.present.len() as u64));
        group.bench_function(store.name(), |b| b.iter(|| store.visit_all()));
    });
}

fn scan_prefix(c: &mut Criterion, loaded: &Loaded) {
    let set = &loaded.set;
    for fraction in [0.001, 0.1] {
        let scan = set.prefix_matching(fraction);
        println!(
            "scan_prefix_{fraction}/{}: {} match {} keys ({:.3}%)",
            set.name,
            scan.describe(),
            scan.matches,
            100.0 * scan.matches as f64 / set.present.len() as f64
        );
        let expected = loaded.stores[0].visit_prefixes(&scan.prefixes);
        per_store(
            c,
            &format!("scan_prefix_{fraction}"),
            loaded,
            |group, store| {
                let Some(sum) = store.visit_prefixes(&scan.prefixes) else {
                    return;
                };
                assert_eq!(Some(sum), expected, "{} scans other entries", store.name());
                group.throughput(Throughput::Elements(scan.matches as u64));
                group.bench_function(store.name(), |b| {
                    b.iter(|| store.visit_prefixes(black_box(&scan.prefixes)))
                });
            },
        );
    }
}

/// `scan_range_{fraction}`: the entries from one present key (included) to another
/// (excluded), the range holding `fraction` of the keys, starting a third of the way
/// into the sorted set; time per entry. cowtrie through [`cowtrie::Trie::range`] on a
/// snapshot, the ordered maps through their own range scans.
fn scan_range(c: &mut Criterion, loaded: &Loaded) {
    let set = &loaded.set;
    let mut sorted = set.present.clone();
    sorted.sort_unstable();
    for fraction in [0.001, 0.1] {
        let count = ((sorted.len() as f64 * fraction) as usize).max(1);
        let start = sorted.len() / 3;
        let (low, high) = (&sorted[start], &sorted[start + count]);
        println!(
            "scan_range_{fraction}/{}: {count} keys ({:.3}%)",
            set.name,
            100.0 * count as f64 / sorted.len() as f64
        );
        let expected = loaded.stores[0].visit_range(low, high);
        per_store(
            c,
            &format!("scan_range_{fraction}"),
            loaded,
            |group, store| {
                let Some(sum) = store.visit_range(low, high) else {
                    return;
                };
                assert_eq!(Some(sum), expected, "{} scans other entries", store.name());
                group.throughput(Throughput::Elements(count as u64));
                group.bench_function(store.name(), |b| {
                    b.iter(|| store.visit_range(black_box(low), black_box(high)))
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
        read_under_writer(c, &loaded, 1);
        read_under_writer(c, &loaded, 2);
        put(c, &loaded);
        put_remove(c, &loaded);
        iterate(c, &loaded);
        scan_prefix(c, &loaded);
        scan_range(c, &loaded);
    }
}

criterion_group! {
    name = store;
    config = configure();
    targets = benches
}
criterion_main!(store);
