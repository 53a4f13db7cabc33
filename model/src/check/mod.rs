//! The linearizability checker.
//!
//! A history is linearizable if its operations can be put in one sequence that (a)
//! respects real time, an operation that returned before another was called comes first,
//! and (b) gives every operation the result the model (a [`Spec`]; for the store,
//! [`StoreSpec`], i.e. [`Model`](crate::Model)) gives it. An operation that never
//! returned ([`Event::is_open`](crate::Event::is_open)) may be placed anywhere after its
//! call, with whatever result the model gives, or left out.
//!
//! 1. **Split per key** ([`Spec::key`]). Operations on different keys do not interact, so
//!    the history is linearizable iff each key's sub-history is (P-compositionality).
//!    Keys are searched in parallel, smallest first; the first key shown not
//!    linearizable cancels the others (unless [`Budget::every_key`] asks for all).
//! 2. **Search each key** with the Wing–Gong algorithm as improved by Lowe: walk the
//!    events in time order; at a call, try to linearize that operation now; at a return
//!    of an operation not yet linearized, backtrack (every order that continues from
//!    here leaves that operation after its return, which real time forbids). A memo of
//!    (set of linearized operations, model state) prunes every configuration seen
//!    before. States are numbered as they are met and each transition is asked of the
//!    model once, so a memo entry is a few words whatever the model's states hold.
//! 3. **On failure, find a small window**: the shortest prefix of the key's history that
//!    is already not linearizable ends at the latest return at which the search had to
//!    backtrack (its last return is the operation that cannot be ordered); cut it at the
//!    latest moment before that at which no operation on the key was in flight, such
//!    that the window fails from every state the key could hold at that moment. Then say
//!    in plain words why, naming the operation in the way when there is one: an
//!    operation that completed before the culprit began and without which the window
//!    could be ordered.
//!
//! The [`Budget`] bounds steps, wall-clock time (nine tenths for the verdict, the rest
//! for the explanation) and the memory the searches hold; whichever runs out first
//! gives [`Verdict::Unknown`] with the reason.

mod explain;
mod search;
mod window;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::spec::SpecEvent;
use crate::{History, Spec, StoreSpec};
use search::{KeyOp, Limits, Mode, Outcome, Search, Stop};
use window::find_window;

/// Limits on the search, so a pathological history yields [`Verdict::Unknown`] instead
/// of hanging.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Search steps allowed per operation of a key (a linearizable history of a correct
    /// store needs 1–5; the rest is room for backtracking).
    pub steps_per_op: u64,
    /// Wall-clock limit for the whole check, explanation included: the search for a
    /// verdict stops at nine tenths of it, and narrowing a violation to a small window
    /// gets the rest (an explanation cut short says so).
    pub time: Duration,
    /// Bytes the search may hold at once, over all keys: its memo of configurations
    /// seen, the states it has met and its stack. Reaching it gives
    /// [`Verdict::Unknown`].
    pub memory: usize,
    /// Search every key to its verdict even after one is shown not linearizable (by
    /// default the first violation found cancels the other keys' searches).
    pub every_key: bool,
}

/// The default [`Budget::memory`]: 1 GiB.
pub const DEFAULT_MEMORY: usize = 1 << 30;

impl Default for Budget {
    fn default() -> Self {
        Self {
            steps_per_op: 200,
            time: Duration::from_secs(60),
            memory: DEFAULT_MEMORY,
            every_key: false,
        }
    }
}

/// The checker's answer.
pub enum Verdict<S: Spec = StoreSpec> {
    /// Some order of the operations respects real time and the model.
    Linearizable,
    /// No such order exists; the violation names the key and a small window.
    Violation(Box<Violation<S>>),
    /// The budget ran out before the search finished (for the key named).
    Unknown {
        /// A key whose search was cut short.
        key: S::Key,
        /// Why.
        reason: String,
    },
}

/// A key whose operations cannot be ordered.
pub struct Violation<S: Spec = StoreSpec> {
    /// The key.
    pub key: S::Key,
    /// The smallest window found: operations on the key, by call tick, that cannot be
    /// ordered from any state the key could hold when the window opens.
    pub window: Vec<SpecEvent<S>>,
    /// Earlier operations on the key that the explanation cites (outside the window).
    pub context: Vec<SpecEvent<S>>,
    /// The operation whose result no order can explain (also in `window`).
    pub culprit: SpecEvent<S>,
    /// The states the key could be in when the window opens (for the store: `None`,
    /// absent, or the value it holds).
    pub start_states: Vec<S::State>,
    /// Why, in plain words.
    pub explanation: String,
}

/// A verdict with the figures of the check.
pub struct CheckReport<S: Spec = StoreSpec> {
    /// The verdict.
    pub verdict: Verdict<S>,
    /// Operations checked.
    pub operations: usize,
    /// Keys (independent partitions) checked.
    pub partitions: usize,
    /// Search steps taken over all keys.
    pub steps: u64,
    /// Wall-clock time of the check, explanation included.
    pub elapsed: Duration,
    /// Wall-clock time until the verdict was known (before a violation was narrowed and
    /// explained).
    pub search_time: Duration,
}

impl<S: Spec> Verdict<S> {
    /// The verdict in one word, as verdict tables (and Porcupine) write it:
    /// `linearizable`, `not` or `unknown`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Linearizable => "linearizable",
            Self::Violation(_) => "not",
            Self::Unknown { .. } => "unknown",
        }
    }
}

// By hand rather than derived, so that a spec need not be `Clone`, `Debug` or `Eq`
// itself (its associated types are).
impl<S: Spec> Clone for Verdict<S> {
    fn clone(&self) -> Self {
        match self {
            Self::Linearizable => Self::Linearizable,
            Self::Violation(v) => Self::Violation(v.clone()),
            Self::Unknown { key, reason } => Self::Unknown {
                key: key.clone(),
                reason: reason.clone(),
            },
        }
    }
}

impl<S: Spec> fmt::Debug for Verdict<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Linearizable => write!(f, "Linearizable"),
            Self::Violation(v) => f.debug_tuple("Violation").field(v).finish(),
            Self::Unknown { key, reason } => f
                .debug_struct("Unknown")
                .field("key", key)
                .field("reason", reason)
                .finish(),
        }
    }
}

impl<S: Spec> PartialEq for Verdict<S> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Linearizable, Self::Linearizable) => true,
            (Self::Violation(a), Self::Violation(b)) => a == b,
            (
                Self::Unknown { key, reason },
                Self::Unknown {
                    key: k2,
                    reason: r2,
                },
            ) => key == k2 && reason == r2,
            _ => false,
        }
    }
}

impl<S: Spec> Eq for Verdict<S> {}

impl<S: Spec> Clone for Violation<S> {
    fn clone(&self) -> Self {
        Self {
            key: self.key.clone(),
            window: self.window.clone(),
            context: self.context.clone(),
            culprit: self.culprit.clone(),
            start_states: self.start_states.clone(),
            explanation: self.explanation.clone(),
        }
    }
}

impl<S: Spec> fmt::Debug for Violation<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Violation")
            .field("key", &self.key)
            .field("window", &self.window)
            .field("context", &self.context)
            .field("culprit", &self.culprit)
            .field("start_states", &self.start_states)
            .field("explanation", &self.explanation)
            .finish()
    }
}

impl<S: Spec> PartialEq for Violation<S> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
            && self.window == other.window
            && self.context == other.context
            && self.culprit == other.culprit
            && self.start_states == other.start_states
            && self.explanation == other.explanation
    }
}

impl<S: Spec> Eq for Violation<S> {}

impl<S: Spec> Clone for CheckReport<S> {
    fn clone(&self) -> Self {
        Self {
            verdict: self.verdict.clone(),
            ..*self
        }
    }
}

impl<S: Spec> fmt::Debug for CheckReport<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckReport")
            .field("verdict", &self.verdict)
            .field("operations", &self.operations)
            .field("partitions", &self.partitions)
            .field("steps", &self.steps)
            .field("elapsed", &self.elapsed)
            .field("search_time", &self.search_time)
            .finish()
    }
}

/// Checks `history` against the store's model ([`StoreSpec`]) within `budget`.
pub fn check(history: &History, budget: Budget) -> CheckReport {
    check_with(&StoreSpec, history, budget)
}

/// Checks `history` against `spec` within `budget`.
///
/// Keys are searched in parallel, smallest first. Unless [`Budget::every_key`] is set,
/// the first key shown not linearizable cancels the others' searches: the verdict is
/// that violation (when several keys fail, which one is reported may vary from run to
/// run). The violation is then narrowed to a small window and explained, within the
/// time left.
pub fn check_with<S: Spec>(
    spec: &S,
    history: &History<S::Op, S::Ret>,
    budget: Budget,
) -> CheckReport<S> {
    let start = Instant::now();
    // The search for a verdict gets nine tenths of the time; the explanation the rest
    // (and whatever the search left).
    let limits = Limits::new(start + budget.time.mul_f64(0.9), budget.memory);
    let mut by_key: HashMap<S::Key, Vec<&SpecEvent<S>>> = HashMap::new();
    for event in history.events() {
        by_key.entry(spec.key(&event.op)).or_default().push(event);
    }
    let mut partitions: Vec<Partition<'_, S>> = by_key.into_iter().collect();
    partitions.sort_by(|(k1, e1), (k2, e2)| e1.len().cmp(&e2.len()).then_with(|| k1.cmp(k2)));
    let judge = |(_, events): &Partition<'_, S>| judge_key(spec, events, budget, &limits);
    // Below a few hundred operations the thread pool's hand-offs cost more than the
    // searches.
    let outcomes: Vec<(u64, KeyVerdict)> = if partitions.len() == 1 || history.len() < SERIAL_BELOW
    {
        partitions.iter().map(judge).collect()
    } else {
        partitions.par_iter().with_max_len(1).map(judge).collect()
    };
    let search_time = start.elapsed();
    let steps = outcomes.iter().map(|(s, _)| s).sum();
    // A violation outranks an unknown: it is a definite answer. Among several, the
    // smallest key (partitions are sorted by size, then key).
    let failed = outcomes
        .iter()
        .zip(&partitions)
        .find_map(|((steps, v), p)| match v {
            KeyVerdict::Fails { stuck } => Some((p, *stuck, *steps)),
            _ => None,
        });
    let verdict = if let Some(((key, events), stuck, searched)) = failed {
        let limits = limits.until(start + budget.time);
        let ops: Vec<KeyOp<'_, S>> = events.iter().map(|e| KeyOp::from_event(e)).collect();
        Verdict::Violation(Box::new(find_window(
            spec,
            history,
            key,
            events,
            &ops,
            stuck,
            searched,
            max_steps(budget, ops.len()),
            &limits,
        )))
    } else {
        let mut unknown = outcomes
            .into_iter()
            .zip(&partitions)
            .filter_map(|((_, v), p)| match v {
                KeyVerdict::Unknown(reason) => Some((p.0.clone(), reason)),
                _ => None,
            });
        match unknown.next() {
            Some((key, reason)) => Verdict::Unknown { key, reason },
            None => Verdict::Linearizable,
        }
    };
    CheckReport {
        verdict,
        operations: history.len(),
        partitions: partitions.len(),
        steps,
        elapsed: start.elapsed(),
        search_time,
    }
}

/// Histories with fewer operations are checked key after key on the calling thread.
const SERIAL_BELOW: usize = 500;

/// One key's events, in call order.
type Partition<'h, S> = (<S as Spec>::Key, Vec<&'h SpecEvent<S>>);

/// What the search said about one key.
enum KeyVerdict {
    Linearizable,
    /// Not linearizable; the shortest failing prefix ends at tick `stuck`.
    Fails {
        stuck: u64,
    },
    Unknown(String),
    /// Cancelled: another key failed first.
    Cancelled,
}

/// A key's step budget: `steps_per_op` per operation, at least 10,000.
fn max_steps(budget: Budget, ops: usize) -> u64 {
    budget.steps_per_op.saturating_mul(ops as u64).max(10_000)
}

/// Searches one key; returns the steps taken and what the search found.
fn judge_key<S: Spec>(
    spec: &S,
    events: &[&SpecEvent<S>],
    budget: Budget,
    limits: &Limits,
) -> (u64, KeyVerdict) {
    if limits.cancel.load(Ordering::Relaxed) {
        return (0, KeyVerdict::Cancelled);
    }
    let ops: Vec<KeyOp<'_, S>> = events.iter().map(|e| KeyOp::from_event(e)).collect();
    let mut search = Search::new(spec, &ops, max_steps(budget, ops.len()), limits);
    let verdict = match search.run(&[spec.init()], Mode::FirstLinearization) {
        Outcome::Linearizable(_) => KeyVerdict::Linearizable,
        Outcome::NotLinearizable { stuck } => {
            if !budget.every_key {
                limits.cancel.store(true, Ordering::Relaxed);
            }
            KeyVerdict::Fails { stuck }
        }
        Outcome::Exhausted(Stop::Cancelled) => KeyVerdict::Cancelled,
        Outcome::Exhausted(why) => {
            KeyVerdict::Unknown(unknown_reason(why, search.steps, ops.len(), budget))
        }
    };
    (search.steps, verdict)
}

/// Why a key's search stopped, and what to try.
fn unknown_reason(why: Stop, steps: u64, ops: usize, budget: Budget) -> String {
    match why {
        Stop::Steps => format!(
            "search budget exhausted after {steps} steps on {ops} operations ({} steps per \
             operation allowed)",
            budget.steps_per_op
        ),
        Stop::Time => format!(
            "the time budget ran out after {steps} search steps on {ops} operations (the \
             search gets nine tenths of {:.1} s); allow more time",
            budget.time.as_secs_f64()
        ),
        Stop::Memory => format!(
            "the memory budget ran out: the search held more than {} MiB (its memo of \
             configurations seen and the states met) after {steps} steps on {ops} \
             operations; allow more memory, or check a shorter history",
            budget.memory >> 20
        ),
        Stop::Cancelled => "cancelled".to_string(),
    }
}
