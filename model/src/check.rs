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

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::{Event, History, Op, Ret};

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

/// The state of one key in the model.
type State = Option<u64>;

/// One operation on a single key, as the search sees it.
#[derive(Clone, Copy, Debug)]
struct KeyOp {
    call: u64,
    /// `u64::MAX` for an operation still pending at the end of a prefix.
    ret: u64,
    kind: Kind,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Put(u64),
    Get(Option<u64>),
    Remove(bool),
    /// A result of the wrong shape (a get that "returned" a removal flag): no state
    /// explains it.
    Malformed,
}

impl KeyOp {
    fn from_event(event: &Event) -> Self {
        let kind = match (&event.op, event.result) {
            (Op::Put { value, .. }, _) => Kind::Put(*value),
            (Op::Get { .. }, Ret::Value(v)) => Kind::Get(v),
            (Op::Remove { .. }, Ret::Removed(r)) => Kind::Remove(r),
            (Op::Get { .. } | Op::Remove { .. }, _) => Kind::Malformed,
        };
        Self {
            call: event.call,
            ret: event.ret,
            kind,
        }
    }

    /// The model's step: the next state, or `None` if the recorded result is not what
    /// the model returns from `state`.
    fn step(&self, state: State) -> Option<State> {
        match self.kind {
            Kind::Put(value) => Some(Some(value)),
            Kind::Get(seen) => (seen == state).then_some(state),
            Kind::Remove(removed) => (removed == state.is_some()).then_some(None),
            Kind::Malformed => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Stop at the first linearization.
    FirstLinearization,
    /// Enumerate the final states of all linearizations.
    AllFinalStates,
}

enum Outcome {
    /// The final states reached (one in `FirstLinearization` mode).
    Linearizable(Vec<State>),
    NotLinearizable,
    Exhausted,
}

/// Wing–Gong–Lowe search over one key's operations.
struct Search<'a> {
    ops: &'a [KeyOp],
    /// Events as a doubly linked list: node `2i` is op i's call, `2i + 1` its return;
    /// node `head` is the sentinel. Pending ops' returns are never linked.
    next: Vec<usize>,
    prev: Vec<usize>,
    head: usize,
    steps: u64,
    max_steps: u64,
    deadline: Instant,
}

impl<'a> Search<'a> {
    fn new(ops: &'a [KeyOp], max_steps: u64, deadline: Instant) -> Self {
        let head = 2 * ops.len();
        Self {
            ops,
            next: vec![head; head + 1],
            prev: vec![head; head + 1],
            head,
            steps: 0,
            max_steps,
            deadline,
        }
    }

    /// Links every event in time order (calls before returns at equal ticks, so
    /// operations touching at one tick count as concurrent).
    fn link(&mut self) {
        let mut nodes: Vec<(u64, bool, usize)> = Vec::with_capacity(2 * self.ops.len());
        for (i, op) in self.ops.iter().enumerate() {
            nodes.push((op.call, false, 2 * i));
            if op.ret != u64::MAX {
                nodes.push((op.ret, true, 2 * i + 1));
            }
        }
        nodes.sort_unstable();
        let mut last = self.head;
        for &(_, _, node) in &nodes {
            self.next[last] = node;
            self.prev[node] = last;
            last = node;
        }
        self.next[last] = self.head;
        self.prev[self.head] = last;
    }

    fn unlink(&mut self, node: usize) {
        let (p, n) = (self.prev[node], self.next[node]);
        self.next[p] = n;
        self.prev[n] = p;
    }

    fn relink(&mut self, node: usize) {
        let (p, n) = (self.prev[node], self.next[node]);
        self.next[p] = node;
        self.prev[n] = node;
    }

    fn is_pending(&self, op: usize) -> bool {
        self.ops[op].ret == u64::MAX
    }

    fn lift(&mut self, op: usize) {
        self.unlink(2 * op);
        if !self.is_pending(op) {
            self.unlink(2 * op + 1);
        }
    }

    fn unlift(&mut self, op: usize) {
        if !self.is_pending(op) {
            self.relink(2 * op + 1);
        }
        self.relink(2 * op);
    }

    /// Searches from each of `initial` states in turn.
    fn run(&mut self, initial: &[State], mode: Mode) -> Outcome {
        let mut finals = Vec::new();
        for &state in initial {
            match self.run_from(state, mode) {
                Outcome::Linearizable(states) => {
                    finals.extend(states);
                    if mode == Mode::FirstLinearization {
                        break;
                    }
                }
                Outcome::NotLinearizable => {}
                Outcome::Exhausted => return Outcome::Exhausted,
            }
        }
        finals.sort_unstable();
        finals.dedup();
        if finals.is_empty() {
            Outcome::NotLinearizable
        } else {
            Outcome::Linearizable(finals)
        }
    }

    fn run_from(&mut self, mut state: State, mode: Mode) -> Outcome {
        self.link();
        let n = self.ops.len();
        let mut completed_left = (0..n).filter(|&i| !self.is_pending(i)).count();
        let mut linearized = Linearized::new();
        let mut cache: HashSet<(usize, Vec<usize>, State)> = HashSet::new();
        let mut stack: Vec<(usize, State)> = Vec::new();
        let mut finals: Vec<State> = Vec::new();
        let mut node = self.next[self.head];
        loop {
            self.steps += 1;
            if self.steps > self.max_steps
                || (self.steps % 4096 == 0 && Instant::now() > self.deadline)
            {
                return Outcome::Exhausted;
            }
            let backtrack = if completed_left == 0 {
                // Every completed operation is ordered; pending ones may be dropped.
                finals.push(state);
                if mode == Mode::FirstLinearization {
                    break;
                }
                true
            } else if node == self.head {
                true
            } else if node % 2 == 0 {
                let op = node / 2;
                let next_state = self.ops[op].step(state);
                let mut advanced = false;
                if let Some(next_state) = next_state {
                    linearized.insert(op);
                    if cache.insert(linearized.key(next_state)) {
                        stack.push((op, state));
                        state = next_state;
                        self.lift(op);
                        completed_left -= usize::from(!self.is_pending(op));
                        node = self.next[self.head];
                        advanced = true;
                    } else {
                        linearized.remove(op);
                    }
                }
                if !advanced {
                    node = self.next[node];
                }
                false
            } else {
                // The return of an operation not yet ordered: undo the last choice.
                true
            };
            if backtrack {
                let Some((op, previous)) = stack.pop() else {
                    break;
                };
                self.unlift(op);
                linearized.remove(op);
                completed_left += usize::from(!self.is_pending(op));
                state = previous;
                node = self.next[2 * op];
            }
        }
        if finals.is_empty() {
            Outcome::NotLinearizable
        } else {
            Outcome::Linearizable(finals)
        }
    }
}

/// The set of linearized operations in a canonical, compact form: `hi` is one past the
/// highest linearized operation (numbered in call order) and `holes` the operations below
/// it not yet linearized. An operation can be a hole only while it is in flight at the
/// search's frontier (had it returned, the search would have had to place it first), so
/// there are about as many holes as threads, and the cache key is a handful of numbers
/// however long the history.
struct Linearized {
    hi: usize,
    holes: BTreeSet<usize>,
    /// `hi` before each insertion still in effect, to undo in stack order.
    previous_hi: Vec<usize>,
}

impl Linearized {
    fn new() -> Self {
        Self {
            hi: 0,
            holes: BTreeSet::new(),
            previous_hi: Vec::new(),
        }
    }

    fn insert(&mut self, op: usize) {
        self.previous_hi.push(self.hi);
        if op >= self.hi {
            self.holes.extend(self.hi..op);
            self.hi = op + 1;
        } else {
            self.holes.remove(&op);
        }
    }

    /// Undoes the latest `insert`, which must have been of `op` (the search backtracks in
    /// stack order).
    fn remove(&mut self, op: usize) {
        let previous = self.previous_hi.pop().unwrap_or(0);
        if previous <= op {
            self.holes.split_off(&previous);
            self.hi = previous;
        } else {
            self.holes.insert(op);
        }
    }

    fn key(&self, state: State) -> (usize, Vec<usize>, State) {
        (self.hi, self.holes.iter().copied().collect(), state)
    }
}

/// Runs a search over `ops` from `initial`, in `mode`.
fn search(
    ops: &[KeyOp],
    initial: &[State],
    mode: Mode,
    max_steps: u64,
    deadline: Instant,
) -> Outcome {
    Search::new(ops, max_steps, deadline).run(initial, mode)
}

/// Narrows a failing key's history to a small window and explains it (step 3 of the
/// module docs). `events` and `ops` are the key's operations in call order.
fn find_window(
    key: &[u8],
    events: &[&Event],
    ops: &[KeyOp],
    max_steps: u64,
    deadline: Instant,
) -> Violation {
    let fails = |window: &[KeyOp], initial: &[State]| {
        matches!(
            search(
                window,
                initial,
                Mode::FirstLinearization,
                max_steps,
                deadline
            ),
            Outcome::NotLinearizable
        )
    };
    // The prefix up to tick `t`: operations called by `t`; those returning later pend.
    let prefix = |t: u64| -> Vec<KeyOp> {
        ops.iter()
            .take_while(|op| op.call <= t)
            .map(|op| KeyOp {
                ret: if op.ret <= t { op.ret } else { u64::MAX },
                ..*op
            })
            .collect()
    };
    // Linearizability is prefix-closed, so the failing prefixes are the ones ending at or
    // after some return tick: binary search for the first.
    let mut returns: Vec<u64> = ops.iter().map(|op| op.ret).collect();
    returns.sort_unstable();
    let (mut lo, mut hi) = (0, returns.len() - 1);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if fails(&prefix(returns[mid]), &[None]) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let end = returns[lo];
    let failing = prefix(end);
    // The culprit returns at `end`. When several operations return on that tick (hand-
    // written and fuzzed histories share ticks; recorded ones never do), it is the first
    // whose result, once waived (left pending), lets the prefix through.
    let ties: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].ret == end).collect();
    let culprit = ties
        .iter()
        .copied()
        .find(|&c| {
            let mut waived = failing.clone();
            waived[c].ret = u64::MAX;
            !fails(&waived, &[None])
        })
        .or(ties.first().copied())
        .unwrap_or(0);

    // Quiescent points: call indices before which every earlier operation has returned.
    let mut quiet = vec![0];
    let mut latest_return = 0;
    for (i, op) in failing.iter().enumerate() {
        if i > 0 && latest_return < op.call {
            quiet.push(i);
        }
        latest_return = latest_return.max(op.ret);
    }
    // The states the key can hold at each quiescent point, segment by segment.
    let mut states_at = vec![vec![None]];
    for pair in quiet.windows(2) {
        let segment = &failing[pair[0]..pair[1]];
        let from = states_at.last().cloned().unwrap_or_default();
        let reached = match search(segment, &from, Mode::AllFinalStates, max_steps, deadline) {
            Outcome::Linearizable(states) => states,
            // Cannot happen for a prefix shorter than the minimal failing one; keep the
            // window as wide as it is so far.
            _ => break,
        };
        states_at.push(reached);
    }
    // The latest quiescent point from which the rest fails from every possible state.
    let (start, start_states) = (0..states_at.len())
        .rev()
        .find(|&q| fails(&failing[quiet[q]..], &states_at[q]))
        .map_or((0, vec![None]), |q| (quiet[q], states_at[q].clone()));

    let window: Vec<Event> = events[start..failing.len()]
        .iter()
        .map(|e| (*e).clone())
        .collect();
    let culprit_event = events[culprit].clone();
    let (explanation, context) = explain(&window, &culprit_event, &start_states, events);
    Violation {
        key: key.to_vec(),
        window,
        context,
        culprit: culprit_event,
        start_states,
        explanation,
    }
}

/// A plain-words reason why `culprit` cannot be ordered, and the earlier operations on
/// the key that the reason cites. Every specific reason is a fact about real time that
/// on its own rules the result out; the general sentence always holds.
fn explain(
    window: &[Event],
    culprit: &Event,
    start: &[State],
    all: &[&Event],
) -> (String, Vec<Event>) {
    let show = |state: &State| state.map_or("absent".to_string(), |v| format!("holding {v}"));
    let starts: Vec<String> = start.iter().map(show).collect();
    let before_culprit = |e: &&&Event| e.ret < culprit.call;
    let span = |e: &Event| format!("ticks {}..{}", e.call, e.ret);
    let is_remove = |e: &Event, removed: bool| {
        matches!(e.op, Op::Remove { .. }) && e.result == Ret::Removed(removed)
    };
    let specific: Option<(String, Vec<&Event>)> = match (&culprit.op, culprit.result) {
        (Op::Get { .. }, Ret::Value(Some(v))) => {
            match all
                .iter()
                .find(|e| matches!(e.op, Op::Put { value, .. } if value == v))
            {
                None => Some((
                    format!("get returned {v}, a value never written to this key"),
                    vec![],
                )),
                Some(put) if put.call > culprit.ret => Some((
                    format!(
                        "get returned {v} ({}) before put({v}) began ({})",
                        span(culprit),
                        span(put)
                    ),
                    vec![*put],
                )),
                Some(put) => all
                    .iter()
                    .filter(before_culprit)
                    .filter(|e| e.call > put.ret)
                    .find(|e| matches!(e.op, Op::Put { .. }) || is_remove(e, true))
                    .map(|later| {
                        (
                            format!(
                                "get returned {v} ({}) although {} -> {} completed after put({v}) \
                                 and before the get began ({})",
                                span(culprit),
                                later.op,
                                later.result,
                                span(later)
                            ),
                            vec![*put, *later],
                        )
                    })
                    .or_else(|| {
                        // A read that began after put(v) and saw another value: v was
                        // already overwritten.
                        all.iter()
                            .filter(before_culprit)
                            .filter(|e| e.call > put.ret && matches!(e.op, Op::Get { .. }))
                            .find(|e| e.result != Ret::Value(Some(v)))
                            .map(|earlier| {
                                (
                                    format!(
                                        "get returned {v} ({}) although an earlier get that \
                                         began after put({v}) completed had already seen {} ({})",
                                        span(culprit),
                                        earlier.result,
                                        span(earlier)
                                    ),
                                    vec![*put, *earlier],
                                )
                            })
                    }),
            }
        }
        (Op::Get { .. }, Ret::Value(None)) | (Op::Remove { .. }, Ret::Removed(false)) => {
            let what = match culprit.op {
                Op::Get { .. } => "get returned None",
                _ => "remove returned false",
            };
            all.iter()
                .filter(before_culprit)
                .filter(|e| matches!(e.op, Op::Put { .. }))
                .rfind(|put| {
                    !all.iter().any(|r| {
                        *r != culprit
                            && matches!(r.op, Op::Remove { .. })
                            && r.ret >= put.call
                            && r.call <= culprit.ret
                    })
                })
                .map(|put| {
                    (
                        format!(
                            "{what} ({}) after {} completed (tick {}) and before any remove began",
                            span(culprit),
                            put.op,
                            put.ret
                        ),
                        vec![*put],
                    )
                })
        }
        (Op::Remove { .. }, Ret::Removed(true)) => {
            // Another remove that took the same value: no put ran between them.
            all.iter()
                .filter(|e| **e != culprit && is_remove(e, true))
                .rfind(|other| {
                    let (from, to) = (other.call.min(culprit.call), other.ret.max(culprit.ret));
                    !all.iter()
                        .any(|p| matches!(p.op, Op::Put { .. }) && p.ret >= from && p.call <= to)
                })
                .map(|other| {
                    (
                        format!(
                            "two removes returned true ({} and {}) with no put between them",
                            span(other),
                            span(culprit)
                        ),
                        vec![*other],
                    )
                })
        }
        _ => None,
    };
    let general = format!(
        "no order of the {} operation(s) in the window, starting with the key {}, gives {} \
         ({}, thread {}) the result {}",
        window.len(),
        starts.join(" or "),
        culprit.op,
        span(culprit),
        culprit.thread,
        culprit.result
    );
    match specific {
        Some((reason, cited)) => (
            format!("{reason}; {general}"),
            cited
                .into_iter()
                .filter(|e| !window.contains(e))
                .cloned()
                .collect(),
        ),
        None => (general, Vec::new()),
    }
}

#[cfg(test)]
mod tests;
