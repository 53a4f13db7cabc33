//! Recovery speed, measured (not asserted): reopening a store that is one snapshot, and
//! one that is a log of single-put records. Prints MiB/s, s per GiB and records/s.
//!
//! `KEYS=1000000 VALUE=16 cargo test --release --test durable_recovery -- --ignored --nocapture`
#![cfg(not(any(loom, feature = "shuttle", miri)))]

use std::path::Path;
use std::time::{Duration, Instant};

use cowtrie::durable::{Durability, DurableStore, Options};
use cowtrie::WriteBatch;

fn options() -> Options {
    Options {
        durability: Durability::Buffered,
        checkpoint_log_bytes: None,
        flush_interval: None,
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).map_or(default, |v| v.parse().expect("a number"))
}

/// 16-byte keys in hashed order (the first 8 bytes spread, the last 8 unique).
fn key16(i: u64) -> [u8; 16] {
    let mut key = [0; 16];
    key[..8].copy_from_slice(&i.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_be_bytes());
    key[8..].copy_from_slice(&i.to_be_bytes());
    key
}

/// The time this thread has run on a CPU (Linux), to tell the work from the waiting
/// on a shared machine.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// The best of three reopenings (wall clock, and CPU time of the opening thread if
/// known), and the number of keys found.
fn timed_open(dir: &Path) -> (Duration, Option<Duration>, usize) {
    let (mut best, mut best_cpu) = (Duration::MAX, None::<Duration>);
    let mut len = 0;
    for _ in 0..3 {
        let (start, cpu_start) = (Instant::now(), cpu_time());
        let store = DurableStore::<Vec<u8>>::open(dir, options()).unwrap();
        best = best.min(start.elapsed());
        if let (Some(end), Some(start)) = (cpu_time(), cpu_start) {
            best_cpu = Some(best_cpu.map_or(end - start, |b| b.min(end - start)));
        }
        len = store.len();
        store.close().unwrap();
    }
    (best, best_cpu, len)
}

#[test]
#[ignore = "a measurement: prints numbers, takes seconds"]
fn snapshot_load_and_log_replay() {
    let keys = env("KEYS", 1_000_000);
    let value = vec![0xa5; env("VALUE", 16) as usize];

    let dir = tempfile::tempdir().unwrap();
    let store = DurableStore::<Vec<u8>>::open(dir.path(), options()).unwrap();
    for chunk in (0..keys).collect::<Vec<_>>().chunks(10_000) {
        let mut batch = WriteBatch::new();
        for &i in chunk {
            batch.put(key16(i), value.clone());
        }
        store.write_batch(batch).unwrap();
    }
    let bytes = store.checkpoint().unwrap().bytes;
    store.close().unwrap();
    let (time, cpu, len) = timed_open(dir.path());
    assert_eq!(len as u64, keys);
    let mib = bytes as f64 / f64::from(1 << 20);
    for (what, time) in [("wall", Some(time)), ("cpu", cpu)] {
        let Some(time) = time else { continue };
        println!(
            "snapshot load ({what}): {keys} keys, {mib:.1} MiB in {time:.2?}: {:.0} MiB/s, {:.2} s per GiB",
            mib / time.as_secs_f64(),
            time.as_secs_f64() * 1024.0 / mib
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let store = DurableStore::<Vec<u8>>::open(dir.path(), options()).unwrap();
    for i in 0..keys {
        store.put(key16(i), value.clone()).unwrap();
    }
    store.close().unwrap();
    let (time, cpu, len) = timed_open(dir.path());
    assert_eq!(len as u64, keys);
    for (what, time) in [("wall", Some(time)), ("cpu", cpu)] {
        let Some(time) = time else { continue };
        println!(
            "log replay ({what}): {keys} single-put records in {time:.2?}: {:.0} records/s",
            keys as f64 / time.as_secs_f64()
        );
    }
}
