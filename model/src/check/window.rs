//! Step 3 of the checker: narrowing a failing key's history to a small window.

use std::time::Instant;

use super::explain::explain;
use super::search::{search, KeyOp, Mode, Outcome, State};
use super::Violation;
use crate::Event;

/// Narrows a failing key's history to a small window and explains it (step 3 of the
/// module docs). `events` and `ops` are the key's operations in call order.
pub(super) fn find_window(
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
