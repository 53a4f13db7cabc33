//! Step 2 of the checker: the Wing–Gong–Lowe search over one key's operations, with its
//! memo of (linearized set, state).
//!
//! The search works on numbers, not on the model's states: each distinct state it meets
//! is stored once and named by its index, and each (state, operation) transition is
//! computed by the model once and remembered. A memo entry is then a few machine words
//! however large the states are (a key-value history's appended strings grow with its
//! length), and a step that was taken before costs one hash lookup.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use indexmap::IndexSet;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};

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

/// Why a search stopped before its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stop {
    /// The step budget ran out.
    Steps,
    /// The clock passed the deadline.
    Time,
    /// The searches together held more than the memory budget.
    Memory,
    /// Another key was shown not linearizable, so this key's verdict no longer matters.
    Cancelled,
}

pub(super) enum Outcome<S: Spec> {
    /// The final states reached (one in `FirstLinearization` mode).
    Linearizable(Vec<S::State>),
    /// No order exists. `stuck` is the latest return tick at which the search had to
    /// backtrack: the shortest prefix of the history that is not linearizable ends there.
    NotLinearizable {
        stuck: u64,
    },
    Exhausted(Stop),
}

/// What every search of one check shares: the clock, the memory budget, and the flag
/// that cancels the rest once one key fails.
pub(super) struct Limits {
    pub(super) deadline: Instant,
    /// Bytes all searches may hold together.
    pub(super) memory: usize,
    /// Bytes the searches now hold (each adds its growth every few thousand steps).
    pub(super) held: AtomicUsize,
    pub(super) cancel: AtomicBool,
}

impl Limits {
    pub(super) fn new(deadline: Instant, memory: usize) -> Self {
        Self {
            deadline,
            memory,
            held: AtomicUsize::new(0),
            cancel: AtomicBool::new(false),
        }
    }

    /// The same budget with another deadline (and a fresh count of memory held).
    pub(super) fn until(&self, deadline: Instant) -> Self {
        Self::new(deadline, self.memory)
    }
}

/// The clock and the cancel flag are read every this many steps (a step is a hash
/// lookup or two, some tens of nanoseconds), and the memory held is reported to the
/// shared count every `REPORT_EVERY` steps.
const CHECK_EVERY: u64 = 256;
const REPORT_EVERY: u64 = 4096;

/// The states one search has met, each stored once, and the transitions between them.
struct States<'s, S: Spec> {
    spec: &'s S,
    /// Each state met, once, numbered by its place in the set.
    ids: IndexSet<S::State, FxBuildHasher>,
    /// (state, operation) → next state, or `NONE` where the operation cannot take effect
    /// with its recorded result.
    steps: FxHashMap<(u32, u32), u32>,
    /// Bytes the states hold beyond their table slots, by the spec's estimate.
    heap: usize,
}

const NONE: u32 = u32::MAX;

impl<'s, S: Spec> States<'s, S> {
    fn new(spec: &'s S) -> Self {
        Self {
            spec,
            ids: IndexSet::default(),
            steps: FxHashMap::default(),
            heap: 0,
        }
    }

    fn intern(&mut self, state: S::State) -> u32 {
        if let Some(id) = self.ids.get_index_of(&state) {
            return u32::try_from(id).unwrap_or(NONE - 1);
        }
        self.heap += self.spec.state_heap_bytes(&state);
        let (id, _) = self.ids.insert_full(state);
        u32::try_from(id).unwrap_or(NONE - 1)
    }

    fn step(&mut self, from: u32, index: usize, op: &KeyOp<'_, S>) -> Option<u32> {
        let key = (from, index as u32);
        if let Some(&to) = self.steps.get(&key) {
            return (to != NONE).then_some(to);
        }
        let to = self
            .spec
            .step(&self.ids[from as usize], op.op, op.result)
            .map_or(NONE, |next| self.intern(next));
        self.steps.insert(key, to);
        (to != NONE).then_some(to)
    }

    fn bytes(&self) -> usize {
        let state = std::mem::size_of::<S::State>();
        // The set's entries (hash and state) and its index table of positions.
        self.ids.capacity() * (8 + state)
            + table_bytes(self.ids.capacity(), 8)
            + table_bytes(self.steps.capacity(), 12)
            + self.heap
    }
}

/// Bytes a hash table of `capacity` entries of `entry` bytes holds: its slots and one
/// control byte each, at the table's load factor of 7/8.
fn table_bytes(capacity: usize, entry: usize) -> usize {
    capacity * 8 / 7 * (entry + 1)
}

/// Wing–Gong–Lowe search over one key's operations.
pub(super) struct Search<'a, S: Spec> {
    ops: &'a [KeyOp<'a, S>],
    states: States<'a, S>,
    /// Events as a doubly linked list: node `2i` is op i's call, `2i + 1` its return;
    /// node `head` is the sentinel. Pending ops' returns are never linked.
    next: Vec<usize>,
    prev: Vec<usize>,
    head: usize,
    pub(super) steps: u64,
    max_steps: u64,
    limits: &'a Limits,
    /// Bytes this search has added to `limits.held` and not yet given back.
    reported: usize,
}

impl<'a, S: Spec> Search<'a, S> {
    pub(super) fn new(
        spec: &'a S,
        ops: &'a [KeyOp<'a, S>],
        max_steps: u64,
        limits: &'a Limits,
    ) -> Self {
        let head = 2 * ops.len();
        Self {
            ops,
            states: States::new(spec),
            next: vec![head; head + 1],
            prev: vec![head; head + 1],
            head,
            steps: 0,
            max_steps,
            limits,
            reported: 0,
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
        let mut stuck = 0;
        for state in initial {
            match self.run_from(state.clone(), mode) {
                Outcome::Linearizable(states) => {
                    finals.extend(states);
                    if mode == Mode::FirstLinearization {
                        break;
                    }
                }
                Outcome::NotLinearizable { stuck: s } => stuck = stuck.max(s),
                Outcome::Exhausted(why) => {
                    self.give_back();
                    return Outcome::Exhausted(why);
                }
            }
        }
        self.give_back();
        finals.sort_unstable();
        finals.dedup();
        if finals.is_empty() {
            Outcome::NotLinearizable { stuck }
        } else {
            Outcome::Linearizable(finals)
        }
    }

    /// Returns the bytes this search reported to the shared count.
    fn give_back(&mut self) {
        self.limits.held.fetch_sub(self.reported, Ordering::Relaxed);
        self.reported = 0;
    }

    /// Whether to stop now, and why. Called every `CHECK_EVERY` steps.
    fn should_stop(&mut self, memory: &Memory) -> Option<Stop> {
        if self.limits.cancel.load(Ordering::Relaxed) {
            return Some(Stop::Cancelled);
        }
        if Instant::now() > self.limits.deadline {
            return Some(Stop::Time);
        }
        if self.steps.is_multiple_of(REPORT_EVERY) && !self.report(self.held(memory, 0)) {
            return Some(Stop::Memory);
        }
        None
    }

    /// Bytes this search holds, by estimate, plus `growing`: the bytes a table about to
    /// grow holds at its peak, old and new buckets both, beyond what it holds now.
    fn held(&self, memory: &Memory, growing: usize) -> usize {
        self.states.bytes()
            + table_bytes(memory.memo, std::mem::size_of::<(Seen, u32)>())
            + memory.far
            + memory.stack * std::mem::size_of::<(usize, u32)>()
            + 2 * self.next.capacity() * std::mem::size_of::<usize>()
            + growing
    }

    /// Tells the shared count that this search holds `bytes`; whether all searches
    /// together are within the budget.
    fn report(&mut self, bytes: usize) -> bool {
        if bytes > self.reported {
            self.limits
                .held
                .fetch_add(bytes - self.reported, Ordering::Relaxed);
        } else {
            self.limits
                .held
                .fetch_sub(self.reported - bytes, Ordering::Relaxed);
        }
        self.reported = bytes;
        self.limits.held.load(Ordering::Relaxed) <= self.limits.memory
    }

    /// Whether one of the search's hash tables is full, so that the next new entry
    /// makes it grow; if so, whether the budget allows the growth. Checked before each
    /// step, so the budget holds at the tables' peaks (a table doubles while its old
    /// buckets are still allocated), not only between reports.
    fn may_grow(&mut self, memory: &Memory, memo_len: usize) -> bool {
        let full = |len: usize, capacity: usize, entry: usize| {
            if len == capacity {
                table_bytes(2 * capacity.max(3), entry)
            } else {
                0
            }
        };
        let state = std::mem::size_of::<S::State>();
        let growing = full(memo_len, memory.memo, std::mem::size_of::<(Seen, u32)>())
            + full(self.states.steps.len(), self.states.steps.capacity(), 12)
            + full(
                self.states.ids.len(),
                self.states.ids.capacity(),
                8 + state + 8,
            );
        growing == 0 || self.report(self.held(memory, growing))
    }

    fn run_from(&mut self, initial: S::State, mode: Mode) -> Outcome<S> {
        self.link();
        let n = self.ops.len();
        let mut completed_left = (0..n).filter(|&i| !self.is_pending(i)).count();
        let mut linearized = Linearized::new(n);
        let mut memo: FxHashSet<(Seen, u32)> = FxHashSet::default();
        let mut stack: Vec<(usize, u32)> = Vec::new();
        let mut finals: Vec<u32> = Vec::new();
        let mut state = self.states.intern(initial);
        let mut stuck = 0;
        let mut far = 0;
        let mut node = self.next[self.head];
        loop {
            self.steps += 1;
            if self.steps > self.max_steps {
                return Outcome::Exhausted(Stop::Steps);
            }
            let memory = Memory {
                memo: memo.capacity(),
                far,
                stack: stack.capacity(),
            };
            if self.steps.is_multiple_of(CHECK_EVERY) {
                if let Some(why) = self.should_stop(&memory) {
                    return Outcome::Exhausted(why);
                }
            }
            if !self.may_grow(&memory, memo.len()) {
                return Outcome::Exhausted(Stop::Memory);
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
            } else if node.is_multiple_of(2) {
                let op = node / 2;
                let mut advanced = false;
                if let Some(next_state) = self.states.step(state, op, &self.ops[op]) {
                    linearized.insert(op);
                    let key = linearized.key(next_state);
                    let heap = key.0.heap_bytes();
                    if memo.insert(key) {
                        far += heap;
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
                stuck = stuck.max(self.ops[node / 2].ret);
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
            Outcome::NotLinearizable { stuck }
        } else {
            Outcome::Linearizable(
                finals
                    .into_iter()
                    .map(|id| self.states.ids[id as usize].clone())
                    .collect(),
            )
        }
    }
}

/// The set of linearized operations (numbered in call order), kept as a bit set with
/// `hi`, one past the highest member, and `done`, below which every operation is a
/// member. An operation below `hi` can be missing only while it is in flight at the
/// search's frontier (had it returned, the search would have had to place it first), so
/// `hi - done` is about the number of threads (plus operations that never returned and
/// were left out), and the memo key is a handful of numbers however long the history:
/// `hi` and a 128-bit window below it, when `hi - done <= 128`.
struct Linearized {
    bits: Vec<u64>,
    hi: usize,
    done: usize,
    /// `hi` before each insertion still in effect, to undo in stack order.
    previous_hi: Vec<usize>,
}

impl Linearized {
    fn new(n: usize) -> Self {
        Self {
            bits: vec![0; n.div_ceil(64) + 2],
            hi: 0,
            done: 0,
            previous_hi: Vec::new(),
        }
    }

    fn contains(&self, op: usize) -> bool {
        self.bits[op / 64] & (1 << (op % 64)) != 0
    }

    fn insert(&mut self, op: usize) {
        self.bits[op / 64] |= 1 << (op % 64);
        self.previous_hi.push(self.hi);
        self.hi = self.hi.max(op + 1);
        while self.done < self.hi && self.contains(self.done) {
            self.done += 1;
        }
    }

    /// Undoes the latest `insert`, which must have been of `op` (the search backtracks in
    /// stack order).
    fn remove(&mut self, op: usize) {
        self.bits[op / 64] &= !(1 << (op % 64));
        self.hi = self.previous_hi.pop().unwrap_or(0);
        self.done = self.done.min(op);
    }

    /// The 128 operations below `hi` (bit `i`: operation `hi - 128 + i`), or the first
    /// 128 while `hi` is below 128.
    fn window(&self) -> u128 {
        let lo = self.hi.saturating_sub(128);
        let (word, shift) = (lo / 64, lo % 64);
        let at = |w: usize| u128::from(self.bits[w]);
        let joined = at(word) | at(word + 1) << 64;
        let mut window = joined >> shift;
        if shift > 0 {
            window |= at(word + 2) << (128 - shift);
        }
        window
    }

    fn key(&self, state: u32) -> (Seen, u32) {
        let seen = if self.hi - self.done <= 128 {
            Seen::Near(self.hi, self.window())
        } else {
            let words = self.bits[self.done / 64..self.hi.div_ceil(64)].to_vec();
            Seen::Far(self.hi, self.done, words)
        };
        (seen, state)
    }
}

/// A set of linearized operations as the memo keeps it: `hi` and the 128 operations
/// below it when every earlier one is linearized; otherwise `hi`, `done` and the words
/// of the bit set between them.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Seen {
    Near(usize, u128),
    Far(usize, usize, Vec<u64>),
}

impl Seen {
    /// Bytes the key holds on the heap (with the allocator's usual 16 of overhead).
    fn heap_bytes(&self) -> usize {
        match self {
            Seen::Near(..) => 0,
            Seen::Far(_, _, words) => 16 + 8 * words.capacity(),
        }
    }
}

/// The sizes of one search's own tables, for its memory estimate.
struct Memory {
    /// Entries the memo can hold before it grows.
    memo: usize,
    /// Bytes the memo's keys hold on the heap.
    far: usize,
    /// Entries the stack can hold.
    stack: usize,
}

/// Runs a search over `ops` from `initial`, in `mode`, unless the deadline has passed;
/// what it found, and the steps it took. (A search reads the clock only every
/// `CHECK_EVERY` steps, so that a small key gets its verdict however late; narrowing a
/// window runs many small searches, each of which must not start once the time is up.)
pub(super) fn search<'a, S: Spec>(
    spec: &'a S,
    ops: &'a [KeyOp<'a, S>],
    initial: &[S::State],
    mode: Mode,
    max_steps: u64,
    limits: &'a Limits,
) -> (Outcome<S>, u64) {
    if Instant::now() > limits.deadline {
        return (Outcome::Exhausted(Stop::Time), 0);
    }
    let mut search = Search::new(spec, ops, max_steps, limits);
    let outcome = search.run(initial, mode);
    (outcome, search.steps)
}

#[cfg(test)]
mod tests;
