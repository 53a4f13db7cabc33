//! Recording concurrent runs: per-thread logs against one logical clock.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::{KvStore, Op, Ret};

/// One completed operation: who ran it, when it was called and when it returned (ticks
/// of the recorder's clock), and what it returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The thread that ran it.
    pub thread: usize,
    /// Clock tick taken just before the call.
    pub call: u64,
    /// Clock tick taken just after the return; greater than `call`.
    pub ret: u64,
    /// The operation.
    pub op: Op,
    /// Its result.
    pub result: Ret,
}

/// The shared logical clock of a recorded run.
///
/// Each thread logs into its own [`ThreadLog`] (no lock, no shared buffer); the only
/// shared state is the clock, one atomic counter ticked before and after every call.
/// A tick is a `SeqCst` read-modify-write, so tick order is consistent with real time:
/// if one call returns before another begins, its return tick is smaller.
#[derive(Default, Debug)]
pub struct Recorder {
    clock: AtomicU64,
}

impl Recorder {
    /// A recorder whose clock starts at 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// A log for thread `thread`.
    pub fn log(&self, thread: usize) -> ThreadLog<'_> {
        ThreadLog {
            clock: &self.clock,
            thread,
            events: Vec::new(),
        }
    }
}

/// One thread's record of the operations it ran.
#[derive(Debug)]
pub struct ThreadLog<'a> {
    clock: &'a AtomicU64,
    thread: usize,
    events: Vec<Event>,
}

impl ThreadLog<'_> {
    /// Runs `op` on `store` and records it.
    pub fn run(&mut self, store: &(impl KvStore + ?Sized), op: Op) -> Ret {
        self.record(op, |op| store.apply(op))
    }

    /// Records `op`, carried out by `perform`, which must return its result. For stores
    /// driven without a [`KvStore`] impl (model checkers, adapters in tests).
    pub fn record(&mut self, op: Op, perform: impl FnOnce(&Op) -> Ret) -> Ret {
        let call = self.clock.fetch_add(1, Ordering::SeqCst);
        let result = perform(&op);
        let ret = self.clock.fetch_add(1, Ordering::SeqCst);
        self.events.push(Event {
            thread: self.thread,
            call,
            ret,
            op,
            result,
        });
        result
    }

    /// The recorded events, for merging with [`History::from_events`].
    pub fn into_events(self) -> Vec<Event> {
        self.events
    }

    /// How many operations this log holds.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

/// The merged record of a concurrent run, ordered by call tick.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    events: Vec<Event>,
}

impl History {
    /// Merges thread logs.
    pub fn from_logs<'a>(logs: impl IntoIterator<Item = ThreadLog<'a>>) -> Self {
        Self::from_events(logs.into_iter().flat_map(|log| log.events))
    }

    /// A history from events given directly (hand-written tests, fuzzing). Events with
    /// `ret < call` are accepted and treated as `ret == call`.
    pub fn from_events(events: impl IntoIterator<Item = Event>) -> Self {
        let mut events: Vec<Event> = events
            .into_iter()
            .map(|mut e| {
                e.ret = e.ret.max(e.call);
                e
            })
            .collect();
        events.sort_by_key(|e| (e.call, e.ret));
        Self { events }
    }

    /// The events, ordered by call tick.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the history is empty.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}
