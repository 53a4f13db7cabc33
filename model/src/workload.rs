//! Concurrent workloads: threads running a random mix of operations on a store, every
//! operation recorded into a [`History`].

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::{History, KvStore, Op, Recorder, Ret};

/// Relative weights of gets, puts, removes, compare-and-swaps, updates and get-or-puts,
/// written `get=50,put=20,remove=5,cas=10,update=10,get_or_put=5` (a name left out
/// weighs 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mix {
    /// Weight of gets.
    pub get: u32,
    /// Weight of puts.
    pub put: u32,
    /// Weight of removes.
    pub remove: u32,
    /// Weight of compare-and-swaps (expecting what the thread last saw of the key).
    pub cas: u32,
    /// Weight of updates (get-and-set).
    pub update: u32,
    /// Weight of get-or-puts (a cache's load on a miss).
    pub get_or_put: u32,
}

impl Default for Mix {
    fn default() -> Self {
        Self {
            get: 60,
            put: 30,
            remove: 10,
            cas: 0,
            update: 0,
            get_or_put: 0,
        }
    }
}

impl FromStr for Mix {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let [get, put, remove, cas, update, get_or_put] = weights(
            text,
            &["get", "put", "remove", "cas", "update", "get_or_put"],
        )?;
        Ok(Mix {
            get,
            put,
            remove,
            cas,
            update,
            get_or_put,
        })
    }
}

/// Reads `name=weight,...` for the operations `names` (a name left out weighs 0): the
/// weights in the order of `names`, or what is wrong with the text.
pub(crate) fn weights<const N: usize>(text: &str, names: &[&str; N]) -> Result<[u32; N], String> {
    let mut weights = [0; N];
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        let (name, weight) = part
            .split_once('=')
            .ok_or_else(|| format!("expected name=weight, found {part:?}"))?;
        let weight: u32 = weight
            .trim()
            .parse()
            .map_err(|_| format!("weight of {name:?} is not a whole number: {weight:?}"))?;
        let i = names
            .iter()
            .position(|n| *n == name.trim())
            .ok_or_else(|| format!("unknown operation {:?} ({})", name.trim(), names.join(", ")))?;
        weights[i] = weight;
    }
    if weights.iter().all(|w| *w == 0) {
        return Err("the weights add up to zero".into());
    }
    Ok(weights)
}

impl Mix {
    /// The sum of the weights, wide enough that it cannot overflow.
    pub fn total(&self) -> u64 {
        [
            self.get,
            self.put,
            self.remove,
            self.cas,
            self.update,
            self.get_or_put,
        ]
        .into_iter()
        .map(u64::from)
        .sum()
    }

    /// The operation that `pick` (drawn from `0..total()`) chooses by the weights, on
    /// `key`, writing `value`; a cas expects `last_seen()`, what the thread last saw of
    /// or wrote to the key.
    pub fn op(
        &self,
        pick: u64,
        key: Vec<u8>,
        value: u64,
        last_seen: impl FnOnce() -> Option<u64>,
    ) -> Op {
        let [get, put, remove, cas, update] =
            [self.get, self.put, self.remove, self.cas, self.update].map(u64::from);
        if pick < get {
            Op::Get { key }
        } else if pick < get + put {
            Op::Put { key, value }
        } else if pick < get + put + remove {
            Op::Remove { key }
        } else if pick < get + put + remove + cas {
            Op::Cas {
                key,
                from: last_seen(),
                to: value,
            }
        } else if pick < get + put + remove + cas + update {
            Op::Update { key, value }
        } else {
            Op::GetOrPut { key, value }
        }
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "get={},put={},remove={}",
            self.get, self.put, self.remove
        )?;
        // Left out at 0, so a mix of the three plain operations prints as it always did.
        let rest = [
            ("cas", self.cas),
            ("update", self.update),
            ("get_or_put", self.get_or_put),
        ];
        for (name, weight) in rest {
            if weight > 0 {
                write!(f, ",{name}={weight}")?;
            }
        }
        Ok(())
    }
}

/// The low bits of a written value that count the writer's operations.
const VALUE_COUNT_MASK: u64 = (1 << 40) - 1;

/// When a workload stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// After this many operations in all (split evenly between threads).
    Ops(u64),
    /// After this much time.
    Time(Duration),
}

/// A concurrent workload.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Threads running operations.
    pub threads: usize,
    /// Distinct keys (`k0`, `k1`, ...).
    pub keys: usize,
    /// When to stop.
    pub stop: Stop,
    /// The operation mix.
    pub mix: Mix,
    /// Seed of the threads' random choices (the scheduler is not reproducible).
    pub seed: u64,
}

/// What a run produced.
#[derive(Debug)]
pub struct Run {
    /// Every operation, with call and return ticks.
    pub history: History,
    /// Operations per thread.
    pub per_thread: Vec<u64>,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
}

impl Workload {
    /// The `i`-th key.
    pub fn key(i: usize) -> Vec<u8> {
        format!("k{i}").into_bytes()
    }

    /// The value thread `thread` writes in its `n`-th operation (counting from 1): the
    /// thread in the high bits, the count in the low 40, so every write of a run writes
    /// a value of its own and a report can say who wrote it ([`Self::value_origin`]).
    pub fn value(thread: usize, n: u64) -> u64 {
        ((thread as u64) << 40) | (n & VALUE_COUNT_MASK)
    }

    /// Who wrote `value` in a workload run: `(thread, n)`, the thread and which of its
    /// operations (from 1). `None` for a value no workload writes (a count of 0).
    pub fn value_origin(value: u64) -> Option<(usize, u64)> {
        let n = value & VALUE_COUNT_MASK;
        let thread = usize::try_from(value >> 40).ok()?;
        (n != 0).then_some((thread, n))
    }

    /// Runs the workload on `store`, adding to `progress` as operations complete (in
    /// batches, to keep the counter off the hot path).
    pub fn run(&self, store: &(impl KvStore + ?Sized), progress: &AtomicU64) -> Run {
        let recorder = Recorder::new();
        let stop = AtomicBool::new(false);
        let start = Instant::now();
        let threads = self.threads.max(1);
        let logs = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (recorder, stop) = (&recorder, &stop);
                    s.spawn(move || {
                        let seed = self.seed ^ (t as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                        let mut rng = SmallRng::seed_from_u64(seed);
                        let mut log = recorder.log(t);
                        let quota = match self.stop {
                            Stop::Ops(total) => {
                                total / threads as u64
                                    + u64::from((t as u64) < total % threads as u64)
                            }
                            Stop::Time(_) => u64::MAX,
                        };
                        // A mix of zero weights (only constructible field by field;
                        // parsing rejects it) has nothing to draw from: it runs nothing.
                        let total_weight = self.mix.total();
                        let quota = if total_weight == 0 { 0 } else { quota };
                        // What this thread last saw of or wrote to each key: a cas expects
                        // it, so that cas succeed unless another thread wrote in between.
                        let mut last: HashMap<usize, Option<u64>> = HashMap::new();
                        let mut done = 0u64;
                        while done < quota {
                            if done.is_multiple_of(256) && stop.load(Ordering::Relaxed) {
                                break;
                            }
                            let k = rng.random_range(0..self.keys.max(1));
                            let key = Self::key(k);
                            let pick = rng.random_range(0..total_weight);
                            // Unique per write: the thread in the high bits, a count below.
                            let value = Self::value(t, done + 1);
                            let op = self
                                .mix
                                .op(pick, key, value, || last.get(&k).copied().flatten());
                            let written = op.written();
                            let removes = matches!(op, Op::Remove { .. });
                            let seen = match log.run(store, op) {
                                Ret::Swapped(false) => None,
                                _ if removes => Some(None),
                                _ if written.is_some() => Some(written),
                                Ret::Value(seen) => Some(seen),
                                _ => None,
                            };
                            if let Some(seen) = seen {
                                last.insert(k, seen);
                            }
                            done += 1;
                            if done.is_multiple_of(1024) {
                                progress.fetch_add(1024, Ordering::Relaxed);
                            }
                        }
                        progress.fetch_add(done % 1024, Ordering::Relaxed);
                        log
                    })
                })
                .collect();
            if let Stop::Time(limit) = self.stop {
                while start.elapsed() < limit && !handles.iter().all(|h| h.is_finished()) {
                    std::thread::sleep(Duration::from_millis(5).min(limit));
                }
                stop.store(true, Ordering::Relaxed);
            }
            handles
                .into_iter()
                .map(|h| h.join().expect("a workload thread panicked"))
                .collect::<Vec<_>>()
        });
        let elapsed = start.elapsed();
        let per_thread = logs.iter().map(|log| log.len() as u64).collect();
        Run {
            history: History::from_logs(logs),
            per_thread,
            elapsed,
        }
    }
}
