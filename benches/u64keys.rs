//! cowtrie against congee, on 8-byte keys.
//!
//! congee is an adaptive radix tree with optimistic lock coupling whose keys are fixed
//! 8-byte words (`Congee<usize, usize>`), so it cannot join the byte-string key sets of the
//! store bench. Here both stores hold the same 1,000,000 uniformly random `u64` keys
//! (value: the key's index): congee under the key itself, cowtrie (`TrieStore<u64>`)
//! under the key's big-endian bytes, so both order keys as numbers.
//!
//! `cargo bench -p cowtrie-benches --bench u64keys` runs every group (twelve runs of
//! 2.5 s, after loading both stores); a filter such as `-- get_hit` picks some. The
//! groups, named `<workload>/u64`:
//! - `get_hit`: one thread, 1,000 lookups of present keys per iteration;
//! - `read_under_writer_1r`: one reader thread gets present keys while one more thread
//!   puts and removes absent keys without pause, as in the store bench: the time is per
//!   read, the writer's rate is printed and kept in `writer_rates.tsv`;
//! - `put`: one thread, 100 puts of absent keys; only the puts are timed (the removes
//!   restoring the store are not);
//! - `overwrite`: one thread, 100 puts of present keys (each with the value it had);
//! - `scan_range_0.001`, `scan_range_0.1`: the entries of a key range holding ~0.1% and
//!   ~10% of the keys, time per entry. The range is a run of consecutive prefixes of the
//!   keys' bytes (`KeySet::prefix_matching`, as the store bench's scans): congee fills a
//!   buffer (allocated once, as a user would reuse one) from one `range` call over it,
//!   cowtrie scans each prefix in turn on one snapshot (it has no range scan). Both
//!   checksums are checked equal before timing.
//!
//! congee's calls take an epoch guard; each operation pins its own (`Congee::pin`), as
//! each cowtrie operation claims and releases its own reader slot. No group changes what
//! the stores hold when it ends.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

// The store bench uses the rest of this module.
#[allow(dead_code)]
mod keys;
mod writer_rates;

use std::collections::HashSet;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use congee::Congee;
use cowtrie::TrieStore;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use keys::KeySet;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use writer_rates::WriterRates;

/// How many keys the stores hold.
const KEYS: usize = 1_000_000;
/// How many absent keys the writers cycle through.
const ABSENT: usize = 100_000;
const BATCH: usize = 1_000;
const CHURN: usize = 100;
/// The key set's name in group names and `writer_rates.tsv`.
const KEY_SET: &str = "u64";

// congee's keys and values are `usize`: the keys here are `u64`.
const _: () = assert!(usize::BITS == u64::BITS);

/// The settings of the store bench: 20 samples, 0.5 s of warm-up and 2 s of measurement
/// per store, given through `criterion_group!`'s `config` so command-line flags override
/// them.
fn configure() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// What every group asks of a store with `u64` keys.
trait U64Store: Send + Sync {
    /// The name in the tables.
    fn name(&self) -> &'static str;
    fn get(&self, key: u64) -> Option<u64>;
    fn put(&self, key: u64, value: u64);
    fn remove(&self, key: u64) -> bool;
    /// Visits the entries of `scan` and returns a checksum of their values. `buffer` has
    /// room for every entry, for a store that copies entries out.
    fn scan(&self, scan: &RangeScan, buffer: &mut [(usize, usize)]) -> u64;
    /// A lookup for one thread that reads in a loop: cowtrie's [`cowtrie::Reader`] where
    /// the store is read through one, else [`get`](Self::get).
    fn reader(&self) -> Box<dyn FnMut(u64) -> Option<u64> + '_> {
        Box::new(|key| self.get(key))
    }
}

struct Cowtrie(TrieStore<u64>);

impl U64Store for Cowtrie {
    fn name(&self) -> &'static str {
        "cowtrie"
    }
    fn get(&self, key: u64) -> Option<u64> {
        self.0.get_with(key.to_be_bytes(), |value| value.copied())
    }
    fn put(&self, key: u64, value: u64) {
        self.0.put(key.to_be_bytes(), value);
    }
    fn remove(&self, key: u64) -> bool {
        self.0.remove(key.to_be_bytes())
    }
    fn scan(&self, scan: &RangeScan, _: &mut [(usize, usize)]) -> u64 {
        let snapshot = self.0.snapshot();
        scan.prefixes.iter().fold(0, |sum, prefix| {
            snapshot
                .scan_prefix(prefix)
                .fold(sum, |sum, (_, value)| mix(sum, *value))
        })
    }
}

/// cowtrie, each reading thread through a [`cowtrie::Reader`] of its own.
struct CowtrieReader(Cowtrie);

impl U64Store for CowtrieReader {
    fn name(&self) -> &'static str {
        "cowtrie (reader)"
    }
    fn get(&self, key: u64) -> Option<u64> {
        self.0.get(key)
    }
    fn put(&self, key: u64, value: u64) {
        self.0.put(key, value);
    }
    fn remove(&self, key: u64) -> bool {
        self.0.remove(key)
    }
    fn scan(&self, scan: &RangeScan, buffer: &mut [(usize, usize)]) -> u64 {
        self.0.scan(scan, buffer)
    }
    fn reader(&self) -> Box<dyn FnMut(u64) -> Option<u64> + '_> {
        let mut reader = self.0 .0.reader();
        Box::new(move |key| reader.get_with(key.to_be_bytes(), |value| value.copied()))
    }
}

struct Art(Congee<usize, usize>);

impl U64Store for Art {
    fn name(&self) -> &'static str {
        "congee"
    }
    fn get(&self, key: u64) -> Option<u64> {
        let guard = self.0.pin();
        self.0
            .get(&(key as usize), &guard)
            .map(|value| value as u64)
    }
    fn put(&self, key: u64, value: u64) {
        let guard = self.0.pin();
        self.0
            .insert(key as usize, value as usize, &guard)
            .expect("the allocator has room");
    }
    fn remove(&self, key: u64) -> bool {
        let guard = self.0.pin();
        self.0.remove(&(key as usize), &guard).is_some()
    }
    /// One `range` call over `[start, end)`.
    fn scan(&self, scan: &RangeScan, buffer: &mut [(usize, usize)]) -> u64 {
        let guard = self.0.pin();
        let (start, end) = (scan.start as usize, scan.end as usize);
        let found = self.0.range(&start, &end, buffer, &guard);
        buffer[..found]
            .iter()
            .fold(0, |sum, &(_, value)| mix(sum, value as u64))
    }
}

fn mix(sum: u64, value: u64) -> u64 {
    sum.wrapping_add(value).wrapping_add(1)
}

/// The stores, loaded with `keys` (value: the key's index).
fn stores(keys: &[u64]) -> Vec<Box<dyn U64Store>> {
    let stores: Vec<Box<dyn U64Store>> = vec![
        Box::new(Cowtrie(TrieStore::new())),
        Box::new(CowtrieReader(Cowtrie(TrieStore::new()))),
        Box::new(Art(Congee::default())),
    ];
    for store in &stores {
        for (i, &key) in keys.iter().enumerate() {
            store.put(key, i as u64);
        }
    }
    stores
}

/// `KEYS` distinct random keys present, `ABSENT` more absent, from a fixed seed.
struct Keys {
    present: Vec<u64>,
    absent: Vec<u64>,
}

impl Keys {
    fn new() -> Self {
        let mut rng = SmallRng::seed_from_u64(64);
        let mut seen = HashSet::with_capacity(KEYS + ABSENT);
        let mut keys = Vec::with_capacity(KEYS + ABSENT);
        while keys.len() < KEYS + ABSENT {
            let key: u64 = rng.random();
            if seen.insert(key) {
                keys.push(key);
            }
        }
        let absent = keys.split_off(KEYS);
        Keys {
            present: keys,
            absent,
        }
    }
}

/// A key range `[start, end)` and the consecutive prefixes of one length (of the keys'
/// big-endian bytes) that cover exactly its keys.
struct RangeScan {
    prefixes: Vec<Vec<u8>>,
    start: u64,
    /// `u64::MAX` where the last prefix is all `0xff` bytes (the key `u64::MAX` itself is
    /// then left out of congee's half-open range; the checksums would differ).
    end: u64,
    matches: usize,
}

impl RangeScan {
    /// The run of prefixes matching the share of `keys` closest to `fraction`.
    fn new(keys: &[u64], fraction: f64) -> Self {
        let bytes = KeySet {
            name: KEY_SET,
            present: keys.iter().map(|key| key.to_be_bytes().to_vec()).collect(),
            absent: Vec::new(),
        };
        let scan = bytes.prefix_matching(fraction);
        let first = scan.prefixes.first().expect("at least one prefix");
        let last = scan.prefixes.last().expect("at least one prefix");
        let start = padded(first);
        let span = 1u64 << (64 - 8 * last.len());
        let end = padded(last).saturating_add(span);
        RangeScan {
            prefixes: scan.prefixes,
            start,
            end,
            matches: scan.matches,
        }
    }
}

/// The smallest key starting with `prefix` (at most 8 bytes).
fn padded(prefix: &[u8]) -> u64 {
    let mut bytes = [0; 8];
    bytes[..prefix.len()].copy_from_slice(prefix);
    u64::from_be_bytes(bytes)
}

/// Runs `body` once per store, in a group named after the workload.
fn per_store(
    c: &mut Criterion,
    group: &str,
    stores: &[Box<dyn U64Store>],
    mut body: impl FnMut(&mut Group<'_>, &dyn U64Store),
) {
    let mut group = c.benchmark_group(format!("{group}/{KEY_SET}"));
    for store in stores {
        body(&mut group, &**store);
    }
    group.finish();
}

fn get_hit(c: &mut Criterion, stores: &[Box<dyn U64Store>], keys: &Keys) {
    per_store(c, "get_hit", stores, |group, store| {
        group.throughput(Throughput::Elements(BATCH as u64));
        let mut start = 0;
        let mut get = store.reader();
        group.bench_function(store.name(), |b| {
            b.iter(|| {
                let batch = &keys.present[start..start + BATCH];
                start = (start + BATCH) % (keys.present.len() - BATCH);
                batch
                    .iter()
                    .fold(0, |sum, &key| sum + get(black_box(key)).unwrap_or(1))
            })
        });
    });
}

/// One reader gets present keys while one more thread puts and removes absent keys
/// without pause; criterion times the reads, the writer's rate goes to [`WriterRates`].
fn read_under_writer(c: &mut Criterion, stores: &[Box<dyn U64Store>], keys: &Keys) {
    let group_name = "read_under_writer_1r";
    per_store(c, group_name, stores, |group, store| {
        group.throughput(Throughput::Elements(1));
        let (writes, writing) = (AtomicU64::new(0), AtomicU64::new(0));
        group.bench_function(store.name(), |b| {
            b.iter_custom(|iters| {
                let stop = AtomicBool::new(false);
                std::thread::scope(|s| {
                    s.spawn(|| {
                        let start = Instant::now();
                        let mut ops = 0;
                        for &key in keys.absent.iter().cycle() {
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
                    let reader = s.spawn(|| {
                        let mut get = store.reader();
                        let start = Instant::now();
                        let mut sum = 0;
                        for i in 0..iters as usize {
                            sum += get(keys.present[i % KEYS]).unwrap_or(1);
                        }
                        black_box(sum);
                        start.elapsed()
                    });
                    let time = reader.join().unwrap();
                    stop.store(true, Ordering::Relaxed);
                    time
                })
            })
        });
        let (ops, nanos) = (writes.into_inner(), writing.into_inner());
        WriterRates::report(group_name, KEY_SET, store.name(), ops, nanos);
    });
}

/// 100 puts of absent keys; only the puts are timed, the removes that restore the store
/// are not.
fn put(c: &mut Criterion, stores: &[Box<dyn U64Store>], keys: &Keys) {
    per_store(c, "put", stores, |group, store| {
        group.throughput(Throughput::Elements(CHURN as u64));
        let mut start = 0;
        group.bench_function(store.name(), |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let batch = &keys.absent[start..start + CHURN];
                    start = (start + CHURN) % (keys.absent.len() - CHURN);
                    let clock = Instant::now();
                    for &key in batch {
                        store.put(black_box(key), 1);
                    }
                    timed += clock.elapsed();
                    for &key in batch {
                        black_box(store.remove(key));
                    }
                }
                timed
            })
        });
    });
}

/// 100 puts of present keys, each with the value it had.
fn overwrite(c: &mut Criterion, stores: &[Box<dyn U64Store>], keys: &Keys) {
    per_store(c, "overwrite", stores, |group, store| {
        group.throughput(Throughput::Elements(CHURN as u64));
        let mut start = 0;
        group.bench_function(store.name(), |b| {
            b.iter(|| {
                for i in start..start + CHURN {
                    store.put(black_box(keys.present[i]), i as u64);
                }
                start = (start + CHURN) % (keys.present.len() - CHURN);
            })
        });
    });
}

fn scan_range(c: &mut Criterion, stores: &[Box<dyn U64Store>], keys: &Keys) {
    for fraction in [0.001, 0.1] {
        let scan = RangeScan::new(&keys.present, fraction);
        println!(
            "scan_range_{fraction}/{KEY_SET}: [{:#018x}, {:#018x}), {} prefixes of {} bytes, \
             match {} keys ({:.3}%)",
            scan.start,
            scan.end,
            scan.prefixes.len(),
            scan.prefixes[0].len(),
            scan.matches,
            100.0 * scan.matches as f64 / KEYS as f64
        );
        let mut buffer = vec![(0, 0); scan.matches];
        let expected = stores[0].scan(&scan, &mut buffer);
        per_store(
            c,
            &format!("scan_range_{fraction}"),
            stores,
            |group, store| {
                let sum = store.scan(&scan, &mut buffer);
                assert_eq!(sum, expected, "{} scans other entries", store.name());
                group.throughput(Throughput::Elements(scan.matches as u64));
                group.bench_function(store.name(), |b| {
                    b.iter(|| store.scan(black_box(&scan), &mut buffer))
                });
            },
        );
    }
}

fn benches(c: &mut Criterion) {
    let keys = Keys::new();
    let stores = stores(&keys.present);
    get_hit(c, &stores, &keys);
    read_under_writer(c, &stores, &keys);
    put(c, &stores, &keys);
    overwrite(c, &stores, &keys);
    scan_range(c, &stores, &keys);
}

criterion_group! {
    name = u64keys;
    config = configure();
    targets = benches
}
criterion_main!(u64keys);
