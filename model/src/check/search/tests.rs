//! The step budget at its boundary. Through [`check`](super::check) a key's budget is
//! `steps_per_op` times its operation count but at least 10 000 steps, so no ordinary
//! history lands on it exactly; here the search is run with a budget of its own.

use std::time::{Duration, Instant};

use super::{KeyOp, Limits, Mode, Outcome, Search, Stop};
use crate::{Event, History, Op, Ret, StoreSpec};

fn ev(thread: usize, call: u64, ret: u64, op: Op, result: Ret) -> Event {
    Event {
        thread,
        call,
        ret,
        op,
        result: Some(result),
    }
}

/// Three overlapping puts, then a read of the first one's value: the search must
/// backtrack until put(1) is ordered last.
fn backtracking() -> History {
    History::from_events([
        ev(0, 0, 10, Op::put("k", 1), Ret::Unit),
        ev(1, 1, 11, Op::put("k", 2), Ret::Unit),
        ev(2, 2, 12, Op::put("k", 3), Ret::Unit),
        ev(3, 13, 14, Op::get("k"), Ret::Value(Some(1))),
    ])
}

fn run(history: &History, max_steps: u64) -> (bool, u64) {
    let limits = Limits::new(Instant::now() + Duration::from_secs(3600), usize::MAX);
    let ops: Vec<KeyOp<'_, StoreSpec>> = history.events().iter().map(KeyOp::from_event).collect();
    let mut search = Search::new(&StoreSpec, &ops, max_steps, &limits);
    let outcome = search.run(&[None], Mode::FirstLinearization);
    let exhausted = match outcome {
        Outcome::Linearizable(_) => false,
        Outcome::Exhausted(why) => {
            assert_eq!(why, Stop::Steps);
            true
        }
        Outcome::NotLinearizable { .. } => panic!("the history is linearizable"),
    };
    (exhausted, search.steps)
}

#[test]
fn a_step_budget_allows_exactly_that_many_steps() {
    let ops = backtracking();
    let (exhausted, needed) = run(&ops, u64::MAX);
    assert!(!exhausted);
    assert!(
        needed > ops.len() as u64 + 1,
        "the search should backtrack: {needed} steps"
    );
    assert_eq!(run(&ops, needed), (false, needed), "a budget of {needed}");
    let (exhausted, _) = run(&ops, needed - 1);
    assert!(exhausted, "a budget of {} steps", needed - 1);
}
