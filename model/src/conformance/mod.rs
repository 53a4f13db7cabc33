//! The conformance kit: the whole test battery of this crate, run against any
//! [`KvStore`] made by a constructor.
//!
//! One line in a test file of your own runs it:
//!
//! ```
//! # type MyStore = std::sync::Mutex<cowtrie_model::Model>;
//! cowtrie_model::conformance_tests!(MyStore::default);
//! # fn main() {}
//! ```
//!
//! [`conformance_tests!`](crate::conformance_tests) writes one `#[test]` per part of the
//! battery, each named after what it checks, so a failing test says which law or
//! workload broke:
//!
//! | test | what it runs |
//! |---|---|
//! | `sequential_matches_model` | random sequences of all five operations on a fresh store, each result compared with [`Model`]'s, then every key read back; a failure shrinks to a minimal sequence, printed as code |
//! | `law_get_after_put` | after any prefix: a put's value is read back, other keys unchanged |
//! | `law_remove` | a remove returns whether the key was present; then it is absent, and a second remove returns false |
//! | `law_cas` | a cas succeeds iff the key holds the expected value (or is absent, expecting `None`), and changes nothing when it fails |
//! | `law_update` | an update returns the previous value and leaves the new one |
//! | `concurrent_workloads_are_linearizable` | for each [`Settings::mixes`]: [`Settings::threads`] threads over [`Settings::keys`] keys for [`Settings::time`], then a read of every key; the history is [`check`](crate::check)ed |
//!
//! A bounded store, whose keys may be evicted, is judged against the cache model instead
//! ([`Settings::judge`], [`Judge::Cache`]): the same operations, but each case's recorded
//! sequence judged by [`CacheSpec`] rather than by exact expectations.
//!
//! A failure panics with the report `cowtrie check` prints (for a workload: the
//! violation's explanation, its window and who wrote each value, from
//! [`violation_text`](crate::report::violation_text)) and the seed to rerun it with
//! (`COWTRIE_CONFORMANCE_SEED=<seed> cargo test`; the threads' choices repeat, the
//! scheduler's interleaving does not). A check that runs out of budget
//! ([`Verdict::Unknown`](crate::Verdict::Unknown)) fails with its reason: it never
//! passes.
//!
//! Without the macro, [`run`] runs the whole battery and returns the first [`Failure`];
//! [`sequential`], [`law_get_after_put`], [`law_remove`], [`law_cas`], [`law_update`]
//! and [`concurrent`] run one part each.
//!
//! With the crate's `shuttle` feature (off by default), `random_schedules` runs a small
//! workload under shuttle's random scheduler, for stores whose synchronisation comes
//! from a facade that hands them shuttle's primitives in such a build.
//!
//! # Invariants
//!
//! 1. Every part builds a fresh store from the constructor for each case and each
//!    workload; no state passes between them.
//! 2. Every result the store gives is judged: sequentially against [`Model`], concurrently
//!    by the linearizability checker against the same model.
//! 3. A part passes only on a definite yes: a check cut short by its budget fails.
//! 4. A failure names its part and its seed; the same seed gives the same operations.
//!
//! [`Model`]: crate::Model

mod concurrent;
mod sequential;
#[cfg(feature = "shuttle")]
mod shuttle;
mod tests_macro;

use std::fmt;
use std::time::Duration;

use crate::report::{violation_text, Values};
use crate::workload::Mix;
use crate::{check_with, Budget, CacheSpec, History, KvStore, Op, Ret, Spec, StoreSpec, Verdict};

pub use concurrent::{concurrent, workload};
pub use sequential::{law_cas, law_get_after_put, law_remove, law_update, sequential};
#[cfg(feature = "shuttle")]
pub use shuttle::{random_schedules, Schedules};

/// The environment variable that fixes [`Settings::default`]'s seed, to rerun a failure.
pub const SEED_VARIABLE: &str = "COWTRIE_CONFORMANCE_SEED";

/// The knobs of the battery. [`Default`] keeps a run of the whole battery to a few
/// seconds in a debug build.
///
/// ```
/// use std::time::Duration;
/// use cowtrie_model::conformance::Settings;
///
/// let settings = Settings { threads: 8, time: Duration::from_secs(1), ..Settings::default() };
/// assert_eq!(settings.keys, 8);
/// ```
#[derive(Clone, Debug)]
pub struct Settings {
    /// Wall-clock time of each concurrent workload.
    pub time: Duration,
    /// Threads of each concurrent workload.
    pub threads: usize,
    /// Distinct keys of each concurrent workload (few keys, so threads collide).
    pub keys: usize,
    /// The operation mixes: one concurrent workload each.
    pub mixes: Vec<Mix>,
    /// Cases of each property (the sequential test and each law).
    pub cases: u32,
    /// The linearizability checker's budget for each workload's history. Running out
    /// of it is a failure.
    pub budget: Budget,
    /// Seed of the properties' cases and the workloads' choices. The default is
    /// [`SEED_VARIABLE`] if set, a fresh one otherwise.
    pub seed: u64,
    /// The model the store is judged against: the store's own, or, for a bounded store,
    /// the cache's.
    pub judge: Judge,
}

/// The model a store is judged against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Judge {
    /// The store's own, [`Model`](crate::Model): a key holds the last value written until
    /// it is removed.
    #[default]
    Store,
    /// A bounded store's, [`CacheSpec`]: a present key may be evicted at any moment,
    /// but a hit sees the last value written and a value once gone never comes back.
    /// The sequential test and the laws then run the same operations, and the cache
    /// model judges each case's recorded sequence instead of exact expectations.
    Cache,
}

impl Judge {
    /// Checks `history` against this model within `budget`: `Ok` if linearizable, else
    /// the verdict and its report as `cowtrie check` prints them (values named as
    /// `values` says), and the check's time.
    fn check(
        self,
        history: &History,
        budget: Budget,
        values: Values,
    ) -> Result<(), (String, Duration)> {
        match self {
            Self::Store => verdict_text(&StoreSpec, history, budget, values),
            Self::Cache => verdict_text(&CacheSpec, history, budget, values),
        }
    }
}

fn verdict_text<S: Spec<Op = Op, Ret = Ret, Key = Vec<u8>>>(
    spec: &S,
    history: &History,
    budget: Budget,
    values: Values,
) -> Result<(), (String, Duration)> {
    let report = check_with(spec, history, budget);
    let text = match report.verdict {
        Verdict::Linearizable => return Ok(()),
        Verdict::Violation(violation) => format!(
            "verdict: NOT linearizable on key b\"{}\"\n{}",
            violation.key.escape_ascii(),
            violation_text(spec, history, &violation, values)
        ),
        Verdict::Unknown { key, reason } => format!(
            "verdict: unknown (key b\"{}\": {reason})\n\
             The check ran out of its budget, so the history is not known to be \
             linearizable: raise `Settings::budget` or shorten `Settings::time`.",
            key.escape_ascii()
        ),
    };
    Err((text, report.elapsed))
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            time: Duration::from_millis(200),
            threads: 4,
            keys: 8,
            mixes: default_mixes(),
            cases: 64,
            budget: Budget {
                time: Duration::from_secs(30),
                memory: 512 << 20,
                ..Budget::default()
            },
            seed: seed_from_env().unwrap_or_else(fresh_seed),
            judge: Judge::Store,
        }
    }
}

/// Reads, then plain writes, then the read-modify-writes.
fn default_mixes() -> Vec<Mix> {
    let mix = |get, put, remove, cas, update, get_or_put| Mix {
        get,
        put,
        remove,
        cas,
        update,
        get_or_put,
    };
    vec![
        mix(70, 20, 10, 0, 0, 0),
        mix(30, 40, 30, 0, 0, 0),
        mix(25, 10, 10, 20, 20, 15),
    ]
}

/// [`SEED_VARIABLE`], if set to a number.
fn seed_from_env() -> Option<u64> {
    std::env::var(SEED_VARIABLE).ok()?.trim().parse().ok()
}

/// A seed of its own for each run.
fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

/// A part of the battery that failed: which, with what seed, and the report.
///
/// `Display` (and `Debug`, so that `unwrap` shows it too) prints the part, the seed and
/// how to rerun with it, then the report.
#[derive(Clone, PartialEq, Eq)]
pub struct Failure {
    /// The part: `sequential`, `law cas`, `concurrent workload 2 of 3`, ...
    pub part: String,
    /// The seed of the settings it ran with.
    pub seed: u64,
    /// What went wrong, for people: for a workload, the report `cowtrie check` prints.
    pub report: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "conformance: {} failed (seed {}; rerun with {}={} cargo test)",
            self.part, self.seed, SEED_VARIABLE, self.seed
        )?;
        write!(f, "{}", self.report.trim_end())
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Failure {}

/// Runs the whole battery on stores made by `new`: the sequential test, the four laws,
/// then the concurrent workloads. The first part to fail ends the run.
///
/// ```
/// use std::sync::Mutex;
/// use std::time::Duration;
/// use cowtrie_model::conformance::{self, Settings};
/// use cowtrie_model::Model;
///
/// let settings = Settings { time: Duration::from_millis(20), cases: 8, ..Settings::default() };
/// conformance::run(|| Mutex::new(Model::new()), &settings).unwrap();
/// ```
pub fn run<S: KvStore>(new: impl Fn() -> S, settings: &Settings) -> Result<(), Failure> {
    sequential(&new, settings)?;
    law_get_after_put(&new, settings)?;
    law_remove(&new, settings)?;
    law_cas(&new, settings)?;
    law_update(&new, settings)?;
    concurrent(&new, settings)
}

/// Panics with `result`'s failure, if any: what the generated tests call.
#[doc(hidden)]
pub fn assert_passes(result: Result<(), Failure>) {
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
