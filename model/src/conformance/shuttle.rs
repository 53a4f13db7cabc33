//! Random schedules with shuttle (the crate's `shuttle` feature): a small workload run
//! under shuttle's random scheduler, every schedule's history checked.
//!
//! This is for a store whose locks and atomics come from one facade that hands it
//! shuttle's primitives in a shuttle build (as cowtrie's `src/sync.rs` does with its own
//! `shuttle` feature): shuttle switches threads only at its own primitives, so a store
//! built on `std::sync` runs each operation without interruption here and shows nothing.
//!
//! Each iteration builds a fresh store, runs [`Schedules::threads`] shuttle threads of
//! [`Schedules::ops`] operations each, fixed per thread (so a schedule replays exactly),
//! then reads every key; the history is checked against the store's model. A failing
//! schedule panics with the report `cowtrie check` prints, and shuttle prints its seed:
//! `SHUTTLE_RANDOM_SEED=<seed>` replays it.
//!
//! Shuttle treats every atomic as `SeqCst`: it explores interleavings, not weak memory.

use std::collections::HashMap;
use std::sync::Arc;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::report::{violation_text, Values};
use crate::workload::{Mix, Workload};
use crate::{check, Budget, Event, History, KvStore, Op, Recorder, StoreSpec, Verdict};

/// The shape of the workload each schedule runs: small, since every iteration runs it
/// whole.
#[derive(Clone, Debug)]
pub struct Schedules {
    /// Threads (besides the one that reads every key at the end).
    pub threads: usize,
    /// Operations per thread.
    pub ops: usize,
    /// Distinct keys.
    pub keys: usize,
    /// The operation mix; a cas expects the value its thread last wrote to the key.
    pub mix: Mix,
    /// Seed of the threads' operations (the same in every iteration).
    pub seed: u64,
}

impl Default for Schedules {
    /// 3 threads of 12 operations on 2 keys, every kind of operation.
    fn default() -> Self {
        Self {
            threads: 3,
            ops: 12,
            keys: 2,
            mix: Mix {
                get: 30,
                put: 25,
                remove: 15,
                cas: 15,
                update: 10,
                get_or_put: 5,
            },
            seed: 1,
        }
    }
}

/// Runs `schedules`' workload on stores made by `new` under `shuttle::check_random` for
/// `iterations` schedules, checking each schedule's history for linearizability.
///
/// Call it from a `#[test]` in a build where the store uses shuttle's primitives.
///
/// # Panics
///
/// On the first schedule whose history is not linearizable, or whose check does not
/// reach a verdict, with the report; shuttle then prints the schedule's seed.
///
/// ```
/// use cowtrie_model::conformance::{random_schedules, Schedules};
/// use cowtrie_model::Model;
///
/// // A store on shuttle's mutex: every schedule of it is linearizable.
/// struct Locked(shuttle::sync::Mutex<Model>);
/// impl cowtrie_model::KvStore for Locked {
///     fn put(&self, key: &[u8], value: u64) {
///         self.0.lock().unwrap().apply(&cowtrie_model::Op::put(key, value));
///     }
///     fn get(&self, key: &[u8]) -> Option<u64> {
///         match self.0.lock().unwrap().apply(&cowtrie_model::Op::get(key)) {
///             cowtrie_model::Ret::Value(v) => v,
///             _ => unreachable!(),
///         }
///     }
///     fn remove(&self, key: &[u8]) -> bool {
///         self.0.lock().unwrap().apply(&cowtrie_model::Op::remove(key))
///             == cowtrie_model::Ret::Removed(true)
///     }
///     fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
///         self.0.lock().unwrap().apply(&cowtrie_model::Op::cas(key, from, to))
///             == cowtrie_model::Ret::Swapped(true)
///     }
///     fn update(&self, key: &[u8], value: u64) -> Option<u64> {
///         match self.0.lock().unwrap().apply(&cowtrie_model::Op::update(key, value)) {
///             cowtrie_model::Ret::Value(v) => v,
///             _ => unreachable!(),
///         }
///     }
/// }
///
/// random_schedules(|| Locked(shuttle::sync::Mutex::new(Model::new())), 50, &Schedules::default());
/// ```
pub fn random_schedules<S, F>(new: F, iterations: usize, schedules: &Schedules)
where
    S: KvStore + 'static,
    F: Fn() -> S + Send + Sync + 'static,
{
    let schedules = schedules.clone();
    ::shuttle::check_random(move || one_schedule(&new, &schedules), iterations);
}

/// One iteration: the threads, the final reads, the check.
fn one_schedule<S: KvStore + 'static>(new: &impl Fn() -> S, schedules: &Schedules) {
    let store = Arc::new(new());
    let recorder = Arc::new(Recorder::new());
    let handles: Vec<_> = (0..schedules.threads)
        .map(|t| {
            let ops = thread_ops(t, schedules);
            let (store, recorder) = (Arc::clone(&store), Arc::clone(&recorder));
            ::shuttle::thread::spawn(move || {
                let mut log = recorder.log(t);
                for op in ops {
                    log.run(&*store, op);
                }
                log.into_events()
            })
        })
        .collect();
    let mut events: Vec<Event> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("a thread of the schedule panicked"))
        .collect();
    let mut log = recorder.log(schedules.threads);
    for k in 0..schedules.keys {
        log.run(&*store, Op::get(Workload::key(k)));
    }
    events.extend(log.into_events());
    let history = History::from_events(events);
    let report = check(&history, Budget::default());
    match report.verdict {
        Verdict::Linearizable => {}
        Verdict::Violation(violation) => panic!(
            "a schedule is not linearizable on key b\"{}\"\n{}",
            violation.key.escape_ascii(),
            violation_text(&StoreSpec, &history, &violation, Values::Workload).trim_end()
        ),
        Verdict::Unknown { key, reason } => panic!(
            "a schedule's check reached no verdict (key b\"{}\": {reason})",
            key.escape_ascii()
        ),
    }
}

/// The operations of thread `t`, fixed by the seed: every write writes a value of its
/// own ([`Workload::value`]); a cas expects what this thread last wrote to the key.
fn thread_ops(t: usize, schedules: &Schedules) -> Vec<Op> {
    let mut rng = SmallRng::seed_from_u64(schedules.seed ^ (t as u64).wrapping_mul(0x9e37));
    let mut last: HashMap<usize, Option<u64>> = HashMap::new();
    let total = schedules.mix.total().max(1);
    (0..schedules.ops)
        .map(|i| {
            let k = rng.random_range(0..schedules.keys.max(1));
            let value = Workload::value(t, i as u64 + 1);
            let pick = rng.random_range(0..total);
            let op = schedules.mix.op(pick, Workload::key(k), value, || {
                last.get(&k).copied().flatten()
            });
            match &op {
                Op::Remove { .. } => {
                    last.insert(k, None);
                }
                Op::Get { .. } => {}
                _ => {
                    last.insert(k, op.written());
                }
            }
            op
        })
        .collect()
}
