//! The linearizability checker.
//!
//! A history is linearizable if its operations can be put in one sequence that (a)
//! respects real time, an operation that returned before another was called comes first,
//! and (b) gives every operation the result [`Model`](crate::Model) gives it.
//!
//! 1. **Split per key.** Operations on different keys do not interact in the model, so
//!    the history is linearizable iff each key's sub-history is (P-compositionality).
//!    Keys are checked in parallel.
//! 2. **Search each key** with the Wing–Gong algorithm as improved by Lowe: walk the
//!    events in time order; at a call, try to linearize that operation now; at a return
//!    of an operation not yet linearized, backtrack. A cache of (set of linearized
//!    operations, model state) prunes every configuration seen before.
//! 3. **On failure, find a small window**: the shortest prefix of the key's history that
//!    is already not linearizable (its last return is the operation that cannot be
//!    ordered), cut at the latest moment before it at which no operation on the key was
//!    in flight, and check that the window fails from every state the key could hold at
//!    that moment. Then say in plain words why.

mod explain;
mod search;
mod window;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::{Event, History};
use search::{KeyOp, Mode, Outcome, Search};
use window::find_window;

/// Limits on the search, so a pathological history yields [`Verdict::Unknown`] instead
/// of hanging.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Search steps allowed per operation of a key (a linearizable history of a correct
    /// store needs 1–5; the rest is room for backtracking).
    pub steps_per_op: u64,
    /// Wall-clock limit for the whole check. The clock is read every 4096 search steps,
    /// so a key whose search takes fewer steps gets its answer however late it is.
    pub time: Duration,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            steps_per_op: 200,
            time: Duration::from_secs(60),
        }
    }
}

/// The checker's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Some order of the operations respects real time and the model.
    Linearizable,
    /// No such order exists; the violation names the key and a small window.
    Violation(Box<Violation>),
    /// The budget ran out before the search finished (for the key named).
    Unknown {
        /// A key whose search was cut short.
        key: Vec<u8>,
        /// Why.
        reason: String,
    },
}

/// A key whose operations cannot be ordered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The key.
    pub key: Vec<u8>,
    /// The smallest window found: operations on the key, by call tick, that cannot be
    /// ordered from any state the key could hold when the window opens.
    pub window: Vec<Event>,
    /// Earlier operations on the key that the explanation cites (outside the window).
    pub context: Vec<Event>,
    /// The operation whose result no order can explain (also in `window`).
    pub culprit: Event,
    /// The values the key could hold when the window opens (`None`: absent).
    pub start_states: Vec<Option<u64>>,
    /// Why, in plain words.
    pub explanation: String,
}

/// A verdict with the figures of the check.
#[derive(Clone, Debug)]
pub struct CheckReport {
    /// The verdict.
    pub verdict: Verdict,
    /// Operations checked.
    pub operations: usize,
    /// Keys (independent partitions) checked.
    pub partitions: usize,
    /// Search steps taken over all keys.
    pub steps: u64,
    /// Wall-clock time of the check.
    pub elapsed: Duration,
}

/// Checks `history` against the model within `budget`.
pub fn check(history: &History, budget: Budget) -> CheckReport {
    let start = Instant::now();
    let deadline = start + budget.time;
    let mut by_key: HashMap<&[u8], Vec<&Event>> = HashMap::new();
    for event in history.events() {
        by_key.entry(event.op.key()).or_default().push(event);
    }
    let partitions: Vec<(&[u8], Vec<&Event>)> = by_key.into_iter().collect();
    let outcomes: Vec<(u64, Option<Verdict>)> = partitions
        .par_iter()
        .map(|(key, events)| {
            let ops: Vec<KeyOp> = events.iter().map(|e| KeyOp::from_event(e)).collect();
            let max_steps = budget
                .steps_per_op
                .saturating_mul(ops.len() as u64)
                .max(10_000);
            let mut search = Search::new(&ops, max_steps, deadline);
            let outcome = search.run(&[None], Mode::FirstLinearization);
            let verdict = match outcome {
                Outcome::Linearizable(_) => None,
                Outcome::Exhausted => Some(Verdict::Unknown {
                    key: key.to_vec(),
                    reason: format!(
                        "search budget exhausted after {} steps on {} operations",
                        search.steps,
                        ops.len()
                    ),
                }),
                Outcome::NotLinearizable => Some(Verdict::Violation(Box::new(find_window(
                    key, events, &ops, max_steps, deadline,
                )))),
            };
            (search.steps, verdict)
        })
        .collect();
    let steps = outcomes.iter().map(|(s, _)| s).sum();
    // A violation outranks an unknown: it is a definite answer.
    let mut verdicts: Vec<Verdict> = outcomes.into_iter().filter_map(|(_, v)| v).collect();
    verdicts.sort_by_key(|v| match v {
        Verdict::Violation(v) => (0, v.key.clone()),
        Verdict::Unknown { key, .. } => (1, key.clone()),
        Verdict::Linearizable => (2, Vec::new()),
    });
    CheckReport {
        verdict: verdicts.into_iter().next().unwrap_or(Verdict::Linearizable),
        operations: history.len(),
        partitions: partitions.len(),
        steps,
        elapsed: start.elapsed(),
    }
}
