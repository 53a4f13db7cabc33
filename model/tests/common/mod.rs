//! Hand-written histories on one key, `k`, shared by the checker's test files.
#![allow(dead_code, reason = "each test file uses its own subset")]

use cowtrie_model::read::{read_history, Format, FromRecord};
use cowtrie_model::{check, check_with, Budget, Event, History, Op, Ret, Verdict, Violation};

/// An event on thread `thread` from tick `call` to tick `ret`.
pub fn ev(thread: usize, call: u64, ret: u64, op: Op, result: Ret) -> Event {
    Event {
        thread,
        call,
        ret,
        op,
        result: Some(result),
    }
}

pub fn put(thread: usize, call: u64, ret: u64, value: u64) -> Event {
    ev(thread, call, ret, Op::put("k", value), Ret::Unit)
}

pub fn get(thread: usize, call: u64, ret: u64, seen: Option<u64>) -> Event {
    ev(thread, call, ret, Op::get("k"), Ret::Value(seen))
}

pub fn remove(thread: usize, call: u64, ret: u64, removed: bool) -> Event {
    ev(thread, call, ret, Op::remove("k"), Ret::Removed(removed))
}

/// The checker's verdict on `events`, with the default budget.
pub fn verdict(events: Vec<Event>) -> Verdict {
    check(&History::from_events(events), Budget::default()).verdict
}

/// The violation the checker finds in `events`; panics if it finds none.
pub fn violation(events: Vec<Event>) -> Violation {
    match verdict(events) {
        Verdict::Violation(v) => *v,
        other => panic!("expected a violation, got {other:?}"),
    }
}

pub fn cas(thread: usize, call: u64, ret: u64, from: Option<u64>, to: u64, swapped: bool) -> Event {
    ev(
        thread,
        call,
        ret,
        Op::cas("k", from, to),
        Ret::Swapped(swapped),
    )
}

pub fn update(thread: usize, call: u64, ret: u64, value: u64, seen: Option<u64>) -> Event {
    ev(thread, call, ret, Op::update("k", value), Ret::Value(seen))
}

/// The verdict's name (`linearizable`, `not`, `unknown`) on a history file's bytes, read
/// for `spec` and checked with no step limit.
pub fn verdict_of_file<S: FromRecord>(spec: &S, bytes: &[u8]) -> &'static str {
    let history = read_history(spec, bytes, Format::Auto).expect("a readable history");
    let budget = Budget {
        steps_per_op: u64::MAX,
        ..Budget::default()
    };
    check_with(spec, &history, budget).verdict.name()
}
