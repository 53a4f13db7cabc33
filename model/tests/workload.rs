//! The load generator: parsing and printing mixes, splitting an operation count between
//! threads, the keys and operations it draws, its seeding, its stop conditions and its
//! progress counter.

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

use cowtrie_model::workload::{Mix, Run, Stop, Workload};
use cowtrie_model::{KvStore, Model, Op};

/// How long a run may take before the test gives up on it: far beyond what any run here
/// needs (each takes milliseconds), so it only turns a hang into a failure, before a
/// runaway run's history eats the memory.
const WATCHDOG: Duration = Duration::from_secs(10);

/// The model behind a mutex, counting the operations applied and refusing more than
/// `cap`, so a workload that overruns its quota fails at once instead of running on.
struct Counted {
    model: Mutex<Model>,
    applied: AtomicU64,
    cap: u64,
}

impl Counted {
    fn count(&self) {
        let n = self.applied.fetch_add(1, Ordering::Relaxed) + 1;
        assert!(n <= self.cap, "more than {} operations applied", self.cap);
    }
}

impl KvStore for Counted {
    fn put(&self, key: &[u8], value: u64) {
        self.count();
        self.model.put(key, value);
    }

    fn get(&self, key: &[u8]) -> Option<u64> {
        self.count();
        self.model.get(key)
    }

    fn remove(&self, key: &[u8]) -> bool {
        self.count();
        self.model.remove(key)
    }

    fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
        self.count();
        self.model.cas(key, from, to)
    }

    fn update(&self, key: &[u8], value: u64) -> Option<u64> {
        self.count();
        self.model.update(key, value)
    }
}

/// What a run produced, with the operations the store saw and the final progress count.
struct Outcome {
    run: Run,
    progress: u64,
    applied: u64,
}

/// Where the progress counter starts, to show the run adds to it.
const PROGRESS_START: u64 = 1_000_000;

/// Runs `workload` on a fresh [`Counted`] store that accepts at most `cap` operations.
fn run_capped(workload: &Workload, cap: u64) -> Outcome {
    let workload = workload.clone();
    let (done, outcome) = mpsc::channel();
    std::thread::spawn(move || {
        let store = Counted {
            model: Mutex::new(Model::new()),
            applied: AtomicU64::new(0),
            cap,
        };
        let progress = AtomicU64::new(PROGRESS_START);
        let run = workload.run(&store, &progress);
        let _ = done.send(Outcome {
            run,
            progress: progress.into_inner() - PROGRESS_START,
            applied: store.applied.into_inner(),
        });
    });
    outcome
        .recv_timeout(WATCHDOG)
        .expect("the workload finished (without panicking)")
}

/// Runs a workload that stops after `Stop::Ops(n)`, on a store that refuses more than `n`.
fn run(workload: &Workload) -> Outcome {
    let Stop::Ops(n) = workload.stop else {
        panic!("use run_capped for timed runs");
    };
    run_capped(workload, n)
}

fn workload(threads: usize, ops: u64, mix: &str, seed: u64) -> Workload {
    Workload {
        threads,
        keys: 8,
        stop: Stop::Ops(ops),
        mix: mix.parse().expect("a valid mix"),
        seed,
    }
}

/// Each thread's operations, in the order it ran them.
fn streams(run: &Run, threads: usize) -> Vec<Vec<Op>> {
    let mut streams = vec![Vec::new(); threads];
    for event in run.history.events() {
        streams[event.thread].push(event.op.clone());
    }
    streams
}

/// An operation's kind and key: the thread's random choices, without the put's value.
fn choice(op: &Op) -> (&'static str, &[u8]) {
    let kind = match op {
        Op::Get { .. } => "get",
        Op::Put { .. } => "put",
        Op::Remove { .. } => "remove",
        Op::Cas { .. } => "cas",
        Op::Update { .. } => "update",
        Op::GetOrPut { .. } => "get_or_put",
    };
    (kind, op.key())
}

fn choices(stream: &[Op]) -> Vec<(&'static str, &[u8])> {
    stream.iter().map(choice).collect()
}

// ---- Mix ----

#[test]
fn a_mix_parses_names_and_weights_in_any_order() {
    let mix = |text: &str| {
        text.parse::<Mix>()
            .unwrap_or_else(|e| panic!("{text:?}: {e}"))
    };
    let expected = Mix {
        get: 80,
        put: 15,
        remove: 5,
        cas: 0,
        update: 0,
        get_or_put: 0,
    };
    assert_eq!(mix("get=80,put=15,remove=5"), expected);
    assert_eq!(mix(" remove = 5 , get=80,put= 15,"), expected);
    // A missing operation has weight 0; any one positive weight will do.
    let only = |get, put, remove| Mix {
        get,
        put,
        remove,
        cas: 0,
        update: 0,
        get_or_put: 0,
    };
    assert_eq!(mix("get=1"), only(1, 0, 0));
    assert_eq!(mix("put=2"), only(0, 2, 0));
    assert_eq!(mix("remove=3"), only(0, 0, 3));
    assert_eq!(mix("get=1,remove=1"), only(1, 0, 1));
    assert_eq!(mix("get=0,put=7"), only(0, 7, 0));
    assert_eq!(
        mix("update=2,cas=1"),
        Mix {
            cas: 1,
            update: 2,
            ..only(0, 0, 0)
        }
    );
}

#[test]
fn a_bad_mix_is_rejected_with_an_error_naming_the_problem() {
    for (text, mentions) in [
        ("get", "get"),
        ("get=80;put=20", "80;put=20"),
        ("get=x", "x"),
        ("put=-1", "-1"),
        ("get=1.5", "1.5"),
        ("fetch=1", "fetch"),
        ("get=0,put=0,remove=0", "zero"),
        ("", "zero"),
    ] {
        match text.parse::<Mix>() {
            Ok(mix) => panic!("{text:?} parsed as {mix:?}"),
            Err(e) => assert!(e.contains(mentions), "{text:?}: {e:?}"),
        }
    }
}

#[test]
fn a_mix_prints_as_it_is_written_and_parses_back() {
    assert_eq!(
        Mix {
            get: 80,
            put: 15,
            remove: 5,
            cas: 0,
            update: 0,
            get_or_put: 0,
        }
        .to_string(),
        "get=80,put=15,remove=5"
    );
    for mix in [
        Mix::default(),
        Mix {
            get: 0,
            put: 1,
            remove: 0,
            cas: 0,
            update: 0,
            get_or_put: 0,
        },
        Mix {
            get: 3,
            put: 0,
            remove: 1_000_000,
            cas: 0,
            update: 0,
            get_or_put: 0,
        },
        "get=1,put=2,remove=0,cas=3,update=4".parse().unwrap(),
        "get=1,put=2,get_or_put=5".parse().unwrap(),
    ] {
        assert_eq!(mix.to_string().parse::<Mix>(), Ok(mix));
    }
}

// ---- Workload::run ----

#[test]
fn keys_are_k0_to_k_n_minus_1_and_all_are_used() {
    assert_eq!(Workload::key(0), b"k0");
    assert_eq!(Workload::key(17), b"k17");
    let mut w = workload(2, 2_000, "get=1,put=1,remove=1", 1);
    w.keys = 12;
    let out = run(&w);
    let used: BTreeSet<&[u8]> = out
        .run
        .history
        .events()
        .iter()
        .map(|e| e.op.key())
        .collect();
    let expected: BTreeSet<Vec<u8>> = (0..12).map(|i| format!("k{i}").into_bytes()).collect();
    assert_eq!(used, expected.iter().map(Vec::as_slice).collect());
}

#[test]
fn an_op_count_is_split_evenly_with_earlier_threads_taking_the_remainder() {
    for (ops, threads) in [
        (0, 3),
        (2, 4),
        (7, 3),
        (10, 4),
        (12, 3),
        (3_000, 1),
        (4_099, 2),
    ] {
        let out = run(&workload(threads, ops, "get=1,put=1,remove=1", 5));
        let per_thread = &out.run.per_thread;
        let case = format!("{ops} ops on {threads} threads: {per_thread:?}");
        assert_eq!(per_thread.len(), threads, "{case}");
        assert_eq!(per_thread.iter().sum::<u64>(), ops, "{case}");
        let (min, max) = (per_thread.iter().min(), per_thread.iter().max());
        assert!(max.zip(min).is_some_and(|(a, b)| a - b <= 1), "{case}");
        assert!(per_thread.windows(2).all(|p| p[0] >= p[1]), "{case}");
        // The history, the store and the progress counter agree.
        assert_eq!(out.run.history.len() as u64, ops, "{case}");
        assert_eq!(out.applied, ops, "{case}");
        assert_eq!(out.progress, ops, "progress of {case}");
        let recorded = streams(&out.run, threads);
        for (t, stream) in recorded.iter().enumerate() {
            assert_eq!(stream.len() as u64, per_thread[t], "thread {t} of {case}");
        }
    }
}

#[test]
fn a_mix_of_one_operation_runs_only_that_operation() {
    for (mix, kind) in [
        ("get=1", "get"),
        ("put=5", "put"),
        ("remove=2", "remove"),
        ("get=0,put=0,remove=9", "remove"),
        ("cas=3", "cas"),
        ("update=1", "update"),
    ] {
        let out = run(&workload(3, 900, mix, 2));
        assert_eq!(out.run.history.len(), 900);
        for event in out.run.history.events() {
            assert_eq!(choice(&event.op).0, kind, "{mix}: {event:?}");
        }
    }
}

#[test]
fn every_put_writes_a_value_no_other_put_writes() {
    let out = run(&workload(3, 3_000, "put=1", 4));
    let values: Vec<u64> = out
        .run
        .history
        .events()
        .iter()
        .map(|e| match e.op {
            Op::Put { value, .. } => value,
            ref other => panic!("{other:?} in a put-only run"),
        })
        .collect();
    let distinct: HashSet<u64> = values.iter().copied().collect();
    assert_eq!(distinct.len(), values.len(), "repeated put values");
}

#[test]
fn the_mix_proportions_are_honoured() {
    for (mix, expected) in [
        ("get=60,put=30,remove=10", [0.6, 0.3, 0.1, 0.0, 0.0]),
        ("get=1,put=1,remove=2", [0.25, 0.25, 0.5, 0.0, 0.0]),
        (
            "get=50,put=20,cas=15,update=15",
            [0.5, 0.2, 0.0, 0.15, 0.15],
        ),
        // Weights whose sum overflows u32 are still summed and drawn from exactly.
        (
            "get=4294967295,put=4294967295,remove=0",
            [0.5, 0.5, 0.0, 0.0, 0.0],
        ),
    ] {
        let ops = 20_000;
        let out = run(&workload(2, ops, mix, 9));
        let share = |kind| {
            let n = out
                .run
                .history
                .events()
                .iter()
                .filter(|e| choice(&e.op).0 == kind)
                .count();
            n as f64 / ops as f64
        };
        // Twenty standard deviations and more: a deterministic seed, and no flakiness.
        let kinds = ["get", "put", "remove", "cas", "update"];
        for (kind, expected) in kinds.into_iter().zip(expected) {
            let got = share(kind);
            assert!(
                (got - expected).abs() < 0.06,
                "{mix}: {kind} share {got}, expected {expected}"
            );
        }
    }
}

#[test]
fn a_seed_fixes_each_thread_s_operations() {
    for threads in [1, 3] {
        let w = workload(threads, 1_500, "get=2,put=2,remove=1", 42);
        let first = streams(&run(&w).run, threads);
        let again = streams(&run(&w).run, threads);
        assert_eq!(first, again, "{threads} threads, same seed");
        let other = Workload { seed: 43, ..w };
        let other = streams(&run(&other).run, threads);
        for t in 0..threads {
            assert_ne!(
                choices(&first[t]),
                choices(&other[t]),
                "thread {t} of {threads}: seeds 42 and 43"
            );
        }
    }
}

#[test]
fn threads_draw_different_operations_for_every_seed() {
    // All bits clear, all set, and ordinary seeds.
    for seed in [0, u64::MAX, 1, 0x9e37_79b9_7f4a_7c15, 0xdead_beef] {
        let threads = 4;
        let out = run(&workload(threads, 800, "get=1,put=1,remove=1", seed));
        let streams = streams(&out.run, threads);
        for a in 0..threads {
            for b in a + 1..threads {
                assert_ne!(
                    choices(&streams[a]),
                    choices(&streams[b]),
                    "seed {seed:#x}: threads {a} and {b} drew the same operations"
                );
            }
        }
    }
}

#[test]
fn a_timed_run_runs_for_its_time_then_stops() {
    let limit = Duration::from_millis(40);
    let w = Workload {
        threads: 2,
        keys: 8,
        stop: Stop::Time(limit),
        mix: Mix::default(),
        seed: 3,
    };
    let out = run_capped(&w, u64::MAX);
    assert!(
        out.run.elapsed >= limit,
        "stopped early: {:?}",
        out.run.elapsed
    );
    // (How much work got done depends on the scheduler; only the counts must agree.)
    let total: u64 = out.run.per_thread.iter().sum();
    assert_eq!(out.run.history.len() as u64, total);
    assert_eq!(out.applied, total);
    assert_eq!(out.progress, total, "progress");
}

#[test]
fn weights_too_large_for_u32_are_rejected_and_their_sum_cannot_overflow() {
    let err = "get=4294967296".parse::<Mix>().unwrap_err();
    assert!(err.contains("not a whole number"), "{err}");
    let mix: Mix = "get=4294967295,put=1"
        .parse()
        .expect("the sum is wider than u32");
    assert_eq!(mix.total(), 1 << 32);
    assert_eq!(
        "get=4294967295,put=4294967295,remove=4294967295"
            .parse::<Mix>()
            .map(|m| m.total()),
        Ok(3 * u64::from(u32::MAX))
    );
}

#[test]
fn a_mix_of_zero_weights_built_by_hand_runs_nothing() {
    // Parsing rejects it; the fields are public, so a run must cope too.
    for stop in [Stop::Ops(100), Stop::Time(Duration::from_millis(20))] {
        let workload = Workload {
            threads: 2,
            keys: 4,
            stop,
            mix: Mix {
                get: 0,
                put: 0,
                remove: 0,
                cas: 0,
                update: 0,
                get_or_put: 0,
            },
            seed: 1,
        };
        let out = run_capped(&workload, 0);
        assert!(out.run.history.is_empty());
        assert_eq!(out.run.per_thread, vec![0, 0]);
        assert_eq!((out.applied, out.progress), (0, 0));
    }
}
