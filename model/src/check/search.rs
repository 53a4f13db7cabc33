//! Step 2 of the checker: the Wing–Gong–Lowe search over one key's operations, with its
//! cache of (linearized set, state).

use std::collections::{BTreeSet, HashSet};
use std::time::Instant;

use crate::{Event, Spec, NEVER};

/// One operation of a partition, as the search sees it.
pub(super) struct KeyOp<'a, S: Spec> {
    pub(super) call: u64,
    /// `NEVER` for an operation that never returned or is still pending at the end of
    /// a prefix.
    pub(super) ret: u64,
    pub(super) op: &'a S::Op,
    /// `None` for an operation that never returned: any result will do.
    pub(super) result: Option<&'a S::Ret>,
}

impl<S: Spec> Clone for KeyOp<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: Spec> Copy for KeyOp<'_, S> {}

impl<'a, S: Spec> KeyOp<'a, S> {
    pub(super) fn from_event(event: &'a Event<S::Op, S::Ret>) -> Self {
        Self {
            call: event.call,
            ret: event.ret,
            op: &event.op,
            result: event.result.as_ref(),
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

pub(super) enum Outcome<S: Spec> {
    /// The final states reached (one in `FirstLinearization` mode).
    Linearizable(Vec<S::State>),
    NotLinearizable,
    Exhausted,
}

/// Wing–Gong–Lowe search over one key's operations.
pub(super) struct Search<'a, S: Spec> {
    spec: &'a S,
    ops: &'a [KeyOp<'a, S>],
    /// Events as a doubly linked list: node `2i` is op i's call, `2i + 1` its return;
    /// node `head` is the sentinel. Pending ops' returns are never linked.
    next: Vec<usize>,
    prev: Vec<usize>,
    head: usize,
    pub(super) steps: u64,
    max_steps: u64,
    deadline: Instant,
}

impl<'a, S: Spec> Search<'a, S> {
    pub(super) fn new(
        spec: &'a S,
        ops: &'a [KeyOp<'a, S>],
        max_steps: u64,
        deadline: Instant,
    ) -> Self {
        let head = 2 * ops.len();
        Self {
            spec,
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
            if op.ret != NEVER {
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
        self.ops[op].ret == NEVER
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
    pub(super) fn run(&mut self, initial: &[S::State], mode: Mode) -> Outcome<S> {
        let mut finals = Vec::new();
        for state in initial {
            match self.run_from(state.clone(), mode) {
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

    fn run_from(&mut self, mut state: S::State, mode: Mode) -> Outcome<S> {
        self.link();
        let n = self.ops.len();
        let mut completed_left = (0..n).filter(|&i| !self.is_pending(i)).count();
        let mut linearized = Linearized::new();
        let mut cache: HashSet<(Seen, S::State)> = HashSet::new();
        let mut stack: Vec<(usize, S::State)> = Vec::new();
        let mut finals: Vec<S::State> = Vec::new();
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
                finals.push(state.clone());
                if mode == Mode::FirstLinearization {
                    break;
                }
                true
            } else if node == self.head {
                true
            } else if node % 2 == 0 {
                let op = node / 2;
                let KeyOp { op: o, result, .. } = self.ops[op];
                let next_state = self.spec.step(&state, o, result);
                let mut advanced = false;
                if let Some(next_state) = next_state {
                    linearized.insert(op);
                    if cache.insert(linearized.key(&next_state)) {
                        stack.push((op, std::mem::replace(&mut state, next_state)));
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
/// there are about as many holes as threads (plus the operations that never returned and
/// were left out), and the cache key is a handful of numbers however long the history:
/// two, when every hole is within 128 operations of `hi`.
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

    fn key<T: Clone>(&self, state: &T) -> (Seen, T) {
        // Holes within 128 of `hi` (all of them, nearly always) pack into one number.
        let near = self
            .holes
            .first()
            .map_or(true, |&lowest| self.hi - lowest <= 128);
        let seen = if near {
            let mask = self
                .holes
                .iter()
                .fold(0u128, |mask, &h| mask | 1 << (self.hi - 1 - h));
            Seen::Near(self.hi, mask)
        } else {
            Seen::Far(self.hi, self.holes.iter().copied().collect())
        };
        (seen, state.clone())
    }
}

/// A set of linearized operations as the cache keeps it: `hi` and the holes below it,
/// as a bit mask (bit `i`: operation `hi - 1 - i`) when they are near `hi`.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Seen {
    Near(usize, u128),
    Far(usize, Vec<usize>),
}

/// Runs a search over `ops` from `initial`, in `mode`.
pub(super) fn search<'a, S: Spec>(
    spec: &'a S,
    ops: &'a [KeyOp<'a, S>],
    initial: &[S::State],
    mode: Mode,
    max_steps: u64,
    deadline: Instant,
) -> Outcome<S> {
    Search::new(spec, ops, max_steps, deadline).run(initial, mode)
}

#[cfg(test)]
mod tests;
