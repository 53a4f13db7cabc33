//! Checking real histories, against Porcupine's times on the same files (the issue's
//! figures: all 102 etcd logs 1.9 s, the slowest, `etcd_002`, 0.79 s; `c10-ok`
//! partitioned by key 2.6 ms). The histories are read once, outside the timing.
//!
//! `cargo bench -p cowtrie-benches --bench histories` (the folder defaults to
//! `../shared/histories` beside the repository; set `COWTRIE_HISTORIES` to another, or
//! the committed copies in `model/tests/histories` are used). It lives in the benches
//! crate so that the model crate's tests do not build criterion.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use cowtrie_model::read::{read_history, Format, FromRecord};
use cowtrie_model::{check_with, Budget, History, KeyValue, Register, Spec, Verdict};
use criterion::{criterion_group, criterion_main, Criterion};

fn folder() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = std::env::var_os("COWTRIE_HISTORIES")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../shared/histories"));
    if shared.join("jepsen-etcd").is_dir() {
        shared
    } else {
        eprintln!(
            "no histories at {}; using the committed copies",
            shared.display()
        );
        manifest.join("../model/tests/histories")
    }
}

fn read<S: FromRecord>(spec: &S, path: &Path) -> History<S::Op, S::Ret> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    read_history(spec, &bytes, Format::Auto).unwrap_or_else(|e| panic!("{}:{e}", path.display()))
}

fn decided<S: Spec>(spec: &S, history: &History<S::Op, S::Ret>) -> bool {
    let budget = Budget {
        steps_per_op: u64::MAX,
        ..Budget::default()
    };
    !matches!(
        check_with(spec, history, budget).verdict,
        Verdict::Unknown { .. }
    )
}

fn bench_histories(c: &mut Criterion) {
    let dir = folder();
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir.join("jepsen-etcd"))
        .expect("the etcd logs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    logs.sort();
    let etcd: Vec<_> = logs.iter().map(|p| read(&Register, p)).collect();
    let c10 = read(&KeyValue, &dir.join("porcupine-kv/c10-ok.txt"));

    let mut group = c.benchmark_group("histories");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function(format!("etcd-all-{}", etcd.len()), |b| {
        b.iter(|| etcd.iter().filter(|h| decided(&Register, h)).count())
    });
    if let Some(slowest) = logs.iter().position(|p| p.ends_with("etcd_002.log")) {
        group.bench_function("etcd_002", |b| {
            b.iter(|| decided(&Register, &etcd[slowest]))
        });
    }
    group.bench_function("c10-ok", |b| b.iter(|| decided(&KeyValue, &c10)));
    group.finish();
}

criterion_group!(benches, bench_histories);
criterion_main!(benches);
