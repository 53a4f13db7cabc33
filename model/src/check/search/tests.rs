//! The step budget at its boundary. Through [`check`](super::check) a key's budget is
//! `steps_per_op` times its operation count but at least 10 000 steps, so no ordinary
//! history lands on it exactly; here the search is run with a budget of its own.

use std::time::{Duration, Instant};

use super::{KeyOp, Kind, Mode, Outcome, Search};

fn op(call: u64, ret: u64, kind: Kind) -> KeyOp {
    KeyOp { call, ret, kind }
}

/// Three overlapping puts, then a read of the first one's value: the search must
/// backtrack until put(1) is ordered last.
fn backtracking() -> Vec<KeyOp> {
    vec![
        op(0, 10, Kind::Put(1)),
        op(1, 11, Kind::Put(2)),
        op(2, 12, Kind::Put(3)),
        op(13, 14, Kind::Get(Some(1))),
    ]
}

fn run(ops: &[KeyOp], max_steps: u64) -> (bool, u64) {
    let far = Instant::now() + Duration::from_secs(3600);
    let mut search = Search::new(ops, max_steps, far);
    let outcome = search.run(&[None], Mode::FirstLinearization);
    let exhausted = match outcome {
        Outcome::Linearizable(_) => false,
        Outcome::Exhausted => true,
        Outcome::NotLinearizable => panic!("the history is linearizable"),
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
