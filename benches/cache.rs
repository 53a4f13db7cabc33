//! The bounded store: hit ratios against moka, quick_cache and LRU, and read cost.
//!
//! `cargo bench -p cowtrie-benches --bench cache` runs every part; `-- hit_ratios`,
//! `-- read_cost` or `-- loads` picks one.
//!
//! - `read_cost/*` (criterion): see `cache_read.rs`.
//! - `loads/*` (criterion): see `cache_loads.rs`.
//! - `hit_ratios` (not timed): every trace of [`rows`] replayed single-threaded through
//!   each cache of `cache_peers.rs` by one harness (`cowtrie_cli::trace::replay`); the
//!   table is printed and written to `target/criterion/hit_ratios.tsv`. The ARC traces
//!   are read from `../shared/traces/` (or `$COWTRIE_TRACES`); rows whose file is missing
//!   are skipped with a note. `COWTRIE_ROWS=a,b` keeps the rows whose name contains `a`
//!   or `b`; `COWTRIE_PEERS=s` the caches whose name `s` contains. Rows named `x ...`
//!   ([`extra_rows`]) are synthetic traces kept aside to judge policy changes
//!   (`COWTRIE_ROWS="x "` runs only them).
//! - `moka_held` (only when named: `-- moka_held`): how many entries plain moka holds
//!   after each insert, against its capacity (it defers eviction to batches of writes).
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

mod cache_loads;
mod cache_peers;
mod cache_read;

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

use std::time::Duration;

use cowtrie_cli::trace::{self, Format};
use criterion::Criterion;

/// One row of the table: a trace and a capacity.
struct Row {
    name: String,
    trace: std::sync::Arc<Vec<u64>>,
    capacity: u64,
}

const ZIPF_KEYS: u64 = 100_000;
const ZIPF_REQUESTS: usize = 2_000_000;
/// Scan length in the scan-mixed rows: 5% of the key space, one scan per 20,000 requests.
const SCAN: usize = 5_000;

fn traces_dir() -> PathBuf {
    env::var_os("COWTRIE_TRACES").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/traces"),
        PathBuf::from,
    )
}

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for (alpha, seed) in [(0.9, 9), (0.99, 99)] {
        let zipf = std::sync::Arc::new(trace::zipf(ZIPF_KEYS, alpha, ZIPF_REQUESTS, seed));
        let scans = std::sync::Arc::new(trace::with_scans(&zipf, SCAN, ZIPF_KEYS));
        for percent in [1, 10] {
            let capacity = ZIPF_KEYS * percent / 100;
            rows.push(Row {
                name: format!("zipf {alpha} @{percent}%"),
                trace: zipf.clone(),
                capacity,
            });
            rows.push(Row {
                name: format!("zipf {alpha} + scans @{percent}%"),
                trace: scans.clone(),
                capacity,
            });
        }
    }
    rows.extend(extra_rows());
    let dir = traces_dir();
    let load = |file: &str| match trace::read_file(&dir.join(file), Format::Arc) {
        Ok(keys) => Some(std::sync::Arc::new(keys)),
        Err(error) => {
            eprintln!("skipping {file}: {error}");
            None
        }
    };
    if let Some(oltp) = load("OLTP.lis.zst") {
        for capacity in [256, 1_000, 2_000] {
            rows.push(Row {
                name: format!("OLTP @{capacity}"),
                trace: oltp.clone(),
                capacity,
            });
        }
    }
    if let Some(p3) = load("P3.lis.zst") {
        let unique = trace::unique_keys(&p3) as u64;
        at_1_and_10_percent(&mut rows, "P3", &p3, unique);
    }
    if let Some(p2) = load("P2.lis.zst") {
        let unique = trace::unique_keys(&p2) as u64;
        at_1_and_10_percent(&mut rows, "P2", &p2, unique);
    }
    rows
}

/// Synthetic traces kept aside to judge a policy change (not tuned on): Zipf at a flatter
/// and a steeper α, a loop a tenth longer than the capacity, a scan-heavy mix (half the
/// requests are one-pass scans) and a hot set that moves every 200,000 requests.
fn extra_rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for (alpha, seed) in [(0.7, 7), (1.2, 12)] {
        let zipf = std::sync::Arc::new(trace::zipf(ZIPF_KEYS, alpha, ZIPF_REQUESTS, seed));
        at_1_and_10_percent(&mut rows, &format!("x zipf {alpha}"), &zipf, ZIPF_KEYS);
    }
    for capacity in [1_000u64, 10_000] {
        let length = capacity + capacity / 10;
        let looped: Vec<u64> = (0..ZIPF_REQUESTS as u64 / 2).map(|i| i % length).collect();
        rows.push(Row {
            name: format!("x loop {length}"),
            trace: std::sync::Arc::new(looped),
            capacity,
        });
    }
    let zipf = trace::zipf(ZIPF_KEYS, 0.9, ZIPF_REQUESTS / 2, 90);
    let mut heavy = Vec::with_capacity(ZIPF_REQUESTS);
    let mut cold = ZIPF_KEYS;
    for chunk in zipf.chunks(SCAN) {
        heavy.extend_from_slice(chunk);
        heavy.extend(cold..cold + SCAN as u64);
        cold += SCAN as u64;
    }
    let heavy = std::sync::Arc::new(heavy);
    at_1_and_10_percent(&mut rows, "x zipf 0.9 + 50% scans", &heavy, ZIPF_KEYS);
    let zipf = trace::zipf(ZIPF_KEYS, 0.9, ZIPF_REQUESTS, 91);
    let shifting: Vec<u64> = zipf
        .iter()
        .enumerate()
        .map(|(i, &rank)| rank + (i / 200_000) as u64 * 20_000)
        .collect();
    let shifting = std::sync::Arc::new(shifting);
    at_1_and_10_percent(&mut rows, "x zipf 0.9 shifting", &shifting, ZIPF_KEYS);
    rows
}

/// Two rows of `trace`, named `NAME @1%` and `NAME @10%`, at those shares of `keys`.
fn at_1_and_10_percent(
    rows: &mut Vec<Row>,
    name: &str,
    trace: &std::sync::Arc<Vec<u64>>,
    keys: u64,
) {
    for percent in [1, 10] {
        rows.push(Row {
            name: format!("{name} @{percent}%"),
            trace: trace.clone(),
            capacity: keys * percent / 100,
        });
    }
}

fn hit_ratios() {
    let only = env::var("COWTRIE_ROWS").ok();
    let mut table = String::from("trace\tcapacity\tcache\trequests\thits\thit_ratio\n");
    let mut header = format!("{:<26} {:>8}", "trace", "capacity");
    for peer in cache_peers::all(1) {
        let width = peer.name.len().max(8);
        let _ = write!(header, " {:>width$}", peer.name);
    }
    println!("{header}");
    for row in rows() {
        if only
            .as_ref()
            .is_some_and(|only| !only.split(',').any(|o| row.name.contains(o)))
        {
            continue;
        }
        let mut line = format!("{:<26} {:>8}", row.name, row.capacity);
        let peers_only = env::var("COWTRIE_PEERS").ok();
        for mut peer in cache_peers::all(row.capacity) {
            if peers_only.as_ref().is_some_and(|p| !p.contains(peer.name)) {
                continue;
            }
            let outcome = trace::replay(&row.trace, &mut *peer.cache);
            let ratio = outcome.hit_ratio();
            let width = peer.name.len().max(8);
            let _ = write!(line, " {ratio:>width$.2}");
            let _ = writeln!(
                table,
                "{}\t{}\t{}\t{}\t{}\t{ratio:.2}",
                row.name, row.capacity, peer.name, outcome.requests, outcome.hits
            );
        }
        println!("{line}");
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/criterion");
    let _ = fs::create_dir_all(&dir);
    if let Err(error) = fs::write(dir.join("hit_ratios.tsv"), table) {
        eprintln!("could not write hit_ratios.tsv: {error}");
    }
}

/// How many entries plain moka really holds (it defers eviction to batches of writes):
/// after every insert, the entries its map holds (`iter().count()`, what a get can hit),
/// averaged over the inserts, and the most seen. Rows as `COWTRIE_ROWS` picks them (set
/// it: counting the map after each insert is slow at large capacities).
fn moka_held() {
    let only = env::var("COWTRIE_ROWS").ok();
    println!(
        "{:<26} {:>8} {:>10} {:>8} {:>8}",
        "trace", "capacity", "mean held", "max", "hit %"
    );
    for row in rows() {
        if only
            .as_ref()
            .is_some_and(|only| !only.split(',').any(|o| row.name.contains(o)))
        {
            continue;
        }
        let cache = moka::sync::Cache::<u64, ()>::new(row.capacity);
        let (mut inserts, mut total, mut max, mut hits) = (0u64, 0u64, 0u64, 0u64);
        for &key in row.trace.iter() {
            if cache.get(&key).is_some() {
                hits += 1;
            } else {
                cache.insert(key, ());
                let held = cache.iter().count() as u64;
                inserts += 1;
                total += held;
                max = max.max(held);
            }
        }
        println!(
            "{:<26} {:>8} {:>10.1} {:>8} {:>8.2}",
            row.name,
            row.capacity,
            total as f64 / inserts.max(1) as f64,
            max,
            100.0 * hits as f64 / row.trace.len().max(1) as f64
        );
    }
}

fn main() {
    let filter: Option<String> = env::args().skip(1).find(|arg| !arg.starts_with('-'));
    let wants = |group: &str| filter.as_ref().is_none_or(|f| group.contains(f.as_str()));
    if wants("hit_ratios") {
        hit_ratios();
    }
    if filter.as_deref() == Some("moka_held") {
        moka_held();
        return;
    }
    if wants("read_cost") {
        let mut criterion = Criterion::default()
            .sample_size(20)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .configure_from_args();
        cache_read::read_cost(&mut criterion);
        criterion.final_summary();
    }
    if wants("loads") {
        let mut criterion = Criterion::default().configure_from_args();
        cache_loads::loads(&mut criterion);
        criterion.final_summary();
    }
}
