//! Step 2 of the checker: the Wing–Gong–Lowe search over one key's operations, with its
//! cache of (linearized set, state).

use std::collections::{BTreeSet, HashSet};
use std::time::Instant;

use crate::{Event, Op, Ret};

/// The state of one key in the model.
pub(super) type State = Option<u64>;

/// One operation on a single key, as the search sees it.
#[derive(Clone, Copy, Debug)]
pub(super) struct KeyOp {
    pub(super) call: u64,
    /// `u64::MAX` for an operation still pending at the end of a prefix.
    pub(super) ret: u64,
    pub(super) kind: Kind,
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Kind {
    Put(u64),
    Get(Option<u64>),
    Remove(bool),
    /// A result of the wrong shape (a get that "returned" a removal flag): no state
    /// explains it.
    Malformed,
}

impl KeyOp {
    pub(super) fn from_event(event: &Event) -> Self {
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
pub(super) enum Mode {
    /// Stop at the first linearization.
    FirstLinearization,
    /// Enumerate the final states of all linearizations.
    AllFinalStates,
}

pub(super) enum Outcome {
    /// The final states reached (one in `FirstLinearization` mode).
    Linearizable(Vec<State>),
    NotLinearizable,
    Exhausted,
}

/// Wing–Gong–Lowe search over one key's operations.
pub(super) struct Search<'a> {
    ops: &'a [KeyOp],
    /// Events as a doubly linked list: node `2i` is op i's call, `2i + 1` its return;
    /// node `head` is the sentinel. Pending ops' returns are never linked.
    next: Vec<usize>,
    prev: Vec<usize>,
    head: usize,
    pub(super) steps: u64,
    max_steps: u64,
    deadline: Instant,
}

impl<'a> Search<'a> {
    pub(super) fn new(ops: &'a [KeyOp], max_steps: u64, deadline: Instant) -> Self {
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
    pub(super) fn run(&mut self, initial: &[State], mode: Mode) -> Outcome {
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
    pub(super) fn new() -> Self {
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
pub(super) fn search(
    ops: &[KeyOp],
    initial: &[State],
    mode: Mode,
    max_steps: u64,
    deadline: Instant,
) -> Outcome {
    Search::new(ops, max_steps, deadline).run(initial, mode)
}

#[cfg(test)]
mod tests;
