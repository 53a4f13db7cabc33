//! Recording concurrent runs: per-thread logs against one logical clock.
//!
//! Histories are generic over the operation and result types of a model
//! ([`Spec`](crate::Spec)); the defaults are the store's own [`Op`] and [`Ret`].

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{KvStore, Op, Ret};

/// The `ret` tick of an operation that never returned.
pub const NEVER: u64 = u64::MAX;

/// One operation: who ran it, when it was called and when it returned (ticks of the
/// recorder's clock, or of the file's event order for a history read from a file), and
/// what it returned.
///
/// An operation that never returned (a thread that panicked inside it, a Jepsen `:info`,
/// an invoke never completed) has `result: None` and `ret: NEVER`: it may have taken
/// effect at any point after its call, or not at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event<O = Op, R = Ret> {
    /// The thread (process) that ran it.
    pub thread: usize,
    /// Clock tick taken just before the call.
    pub call: u64,
    /// Clock tick taken just after the return; greater than `call`; [`NEVER`] if open.
    pub ret: u64,
    /// The operation.
    pub op: O,
    /// Its result; `None` if it never returned.
    pub result: Option<R>,
}

impl<O, R> Event<O, R> {
    /// Whether the operation never returned.
    pub fn is_open(&self) -> bool {
        self.result.is_none()
    }
}

impl<O, R: std::fmt::Display> Event<O, R> {
    /// The result as text: the result, or `(never returned)`.
    pub fn result_text(&self) -> String {
        self.result
            .as_ref()
            .map_or_else(|| "(never returned)".to_string(), ToString::to_string)
    }
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

    /// A log for thread `thread`, of the store's own operations.
    pub fn log(&self, thread: usize) -> ThreadLog<'_> {
        self.log_of(thread)
    }

    /// A log for thread `thread`, of any model's operations.
    pub fn log_of<O, R>(&self, thread: usize) -> ThreadLog<'_, O, R> {
        ThreadLog {
            clock: &self.clock,
            thread,
            events: Vec::new(),
        }
    }
}

/// One thread's record of the operations it ran.
#[derive(Debug)]
pub struct ThreadLog<'a, O = Op, R = Ret> {
    clock: &'a AtomicU64,
    thread: usize,
    events: Vec<Event<O, R>>,
}

impl ThreadLog<'_> {
    /// Runs `op` on `store` and records it.
    pub fn run(&mut self, store: &(impl KvStore + ?Sized), op: Op) -> Ret {
        self.record(op, |op| store.apply(op))
    }
}

impl<O, R: Clone> ThreadLog<'_, O, R> {
    /// Records `op`, carried out by `perform`, which must return its result. For stores
    /// driven without a [`KvStore`] impl (model checkers, adapters in tests).
    pub fn record(&mut self, op: O, perform: impl FnOnce(&O) -> R) -> R {
        let call = self.clock.fetch_add(1, Ordering::SeqCst);
        let result = perform(&op);
        let ret = self.clock.fetch_add(1, Ordering::SeqCst);
        self.events.push(Event {
            thread: self.thread,
            call,
            ret,
            op,
            result: Some(result.clone()),
        });
        result
    }

    /// Like [`record`](Self::record), but a panic inside `perform` is caught: the
    /// operation is recorded as one that never returned (it may or may not have taken
    /// effect) and `None` is returned, so the thread can stop and hand its log back.
    pub fn record_catching(&mut self, op: O, perform: impl FnOnce(&O) -> R) -> Option<R> {
        let call = self.clock.fetch_add(1, Ordering::SeqCst);
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| perform(&op)));
        let (ret, result) = match outcome {
            Ok(result) => (self.clock.fetch_add(1, Ordering::SeqCst), Some(result)),
            Err(_) => (NEVER, None),
        };
        self.events.push(Event {
            thread: self.thread,
            call,
            ret,
            op,
            result: result.clone(),
        });
        result
    }
}

impl<O, R> ThreadLog<'_, O, R> {
    /// The recorded events, for merging with [`History::from_events`].
    pub fn into_events(self) -> Vec<Event<O, R>> {
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History<O = Op, R = Ret> {
    events: Vec<Event<O, R>>,
    /// For a history read from a file: the file's line of each tick.
    lines: Option<Vec<usize>>,
}

impl Default for History {
    fn default() -> Self {
        Self::from_events([])
    }
}

impl<O, R> History<O, R> {
    /// Merges thread logs.
    pub fn from_logs<'a>(logs: impl IntoIterator<Item = ThreadLog<'a, O, R>>) -> Self
    where
        O: 'a,
        R: 'a,
    {
        Self::from_events(logs.into_iter().flat_map(|log| log.events))
    }

    /// A history from events given directly (hand-written tests, fuzzing). Events with
    /// `ret < call` are accepted and treated as `ret == call`; events without a result
    /// get `ret == NEVER`.
    pub fn from_events(events: impl IntoIterator<Item = Event<O, R>>) -> Self {
        let mut events: Vec<Event<O, R>> = events
            .into_iter()
            .map(|mut e| {
                e.ret = if e.result.is_none() {
                    NEVER
                } else {
                    e.ret.max(e.call)
                };
                e
            })
            .collect();
        events.sort_by_key(|e| (e.call, e.ret));
        Self {
            events,
            lines: None,
        }
    }

    /// The same history, its ticks named by the file lines they came from
    /// (`lines[tick]`), so explanations cite lines instead of ticks.
    pub fn with_lines(mut self, lines: Vec<usize>) -> Self {
        self.lines = Some(lines);
        self
    }

    /// Whether the history was read from a file (its ticks have lines, its threads are
    /// the file's processes).
    pub fn is_from_file(&self) -> bool {
        self.lines.is_some()
    }

    /// The file line of `tick`, for a history read from a file.
    pub fn line(&self, tick: u64) -> Option<usize> {
        let lines = self.lines.as_ref()?;
        usize::try_from(tick)
            .ok()
            .and_then(|t| lines.get(t))
            .copied()
    }

    /// When `event` ran, in words: `ticks 3..8`, or `lines 12..15` for a history read
    /// from a file; an open operation's span ends in `..(never returned)`.
    pub fn span(&self, event: &Event<O, R>) -> String {
        let end = |tick: u64| {
            if tick == NEVER {
                "(never returned)".to_string()
            } else {
                self.line(tick).map_or(tick, |l| l as u64).to_string()
            }
        };
        let unit = if self.lines.is_some() {
            "lines"
        } else {
            "ticks"
        };
        format!("{unit} {}..{}", end(event.call), end(event.ret))
    }

    /// The events, ordered by call tick.
    pub fn events(&self) -> &[Event<O, R>] {
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
