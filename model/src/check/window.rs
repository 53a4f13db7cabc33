//! Step 3 of the checker: narrowing a failing key's history to a small window.

use super::explain::explain;
use super::search::{search, KeyOp, Limits, Mode, Outcome};
use super::Violation;
use crate::spec::SpecEvent;
use crate::{History, Spec, NEVER};

/// Narrows a failing key's history to a small window and explains it (step 3 of the
/// module docs). `events` and `ops` are the key's operations in call order; `stuck` is
/// the tick the search reported: the shortest failing prefix ends there; `searched` the
/// steps that search took (the hunt for an obstacle may take as many).
#[allow(clippy::too_many_arguments, reason = "the search's context, passed on")]
pub(super) fn find_window<S: Spec>(
    spec: &S,
    history: &History<S::Op, S::Ret>,
    key: &S::Key,
    events: &[&SpecEvent<S>],
    ops: &[KeyOp<'_, S>],
    stuck: u64,
    searched: u64,
    max_steps: u64,
    limits: &Limits,
) -> Violation<S> {
    let init = [spec.init()];
    // A search cut short by the clock leaves the window as wide as it is so far.
    let cut_short = std::cell::Cell::new(false);
    let fails = |window: &[KeyOp<'_, S>], initial: &[S::State]| match search(
        spec,
        window,
        initial,
        Mode::FirstLinearization,
        max_steps,
        limits,
    )
    .0
    {
        Outcome::NotLinearizable { .. } => true,
        Outcome::Linearizable(_) => false,
        Outcome::Exhausted(_) => {
            cut_short.set(true);
            false
        }
    };
    // The prefix up to tick `t`: operations called by `t`; those returning later pend.
    let prefix = |t: u64| -> Vec<KeyOp<'_, S>> {
        ops.iter()
            .take_while(|op| op.call <= t)
            .map(|op| KeyOp {
                ret: if op.ret <= t { op.ret } else { NEVER },
                ..*op
            })
            .collect()
    };
    // Every branch of the search stopped at a return at or before `stuck`, so the prefix
    // ending there fails; a branch reached `stuck` itself, so every shorter prefix has an
    // order (linearizability is prefix-closed).
    let end = stuck;
    let failing = prefix(end);
    // The culprit returns at `end`. When several operations return on that tick (hand-
    // written and fuzzed histories share ticks; recorded ones never do), it is the first
    // whose result, once waived (left pending), lets the prefix through.
    let ties: Vec<usize> = (0..failing.len()).filter(|&i| ops[i].ret == end).collect();
    let culprit = if ties.len() > 1 {
        ties.iter().copied().find(|&c| {
            let mut waived = failing.clone();
            waived[c].ret = NEVER;
            !fails(&waived, &init)
        })
    } else {
        None
    }
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
    let mut states_at = vec![init.to_vec()];
    for pair in quiet.windows(2) {
        let segment = &failing[pair[0]..pair[1]];
        let from = states_at.last().cloned().unwrap_or_default();
        let reached = match search(
            spec,
            segment,
            &from,
            Mode::AllFinalStates,
            max_steps,
            limits,
        )
        .0
        {
            Outcome::Linearizable(states) => states,
            Outcome::Exhausted(_) => {
                cut_short.set(true);
                break;
            }
            // Cannot happen for a prefix shorter than the minimal failing one; keep the
            // window as wide as it is so far.
            Outcome::NotLinearizable { .. } => break,
        };
        states_at.push(reached);
    }
    // The latest quiescent point from which the rest fails from every possible state.
    let (start, start_states) = (0..states_at.len())
        .rev()
        .find(|&q| fails(&failing[quiet[q]..], &states_at[q]))
        .map_or((0, init.to_vec()), |q| (quiet[q], states_at[q].clone()));

    let window: Vec<SpecEvent<S>> = events[start..failing.len()]
        .iter()
        .map(|e| (*e).clone())
        .collect();
    let culprit_event = events[culprit].clone();
    let obstacle = (culprit >= start)
        .then(|| {
            let steps = searched.max(10_000).min(max_steps);
            obstacle(spec, &failing, start, culprit, &start_states, steps, limits)
        })
        .flatten()
        .map(|i| events[i]);
    let (mut explanation, context) = explain(
        spec,
        history,
        &window,
        &culprit_event,
        &start_states,
        events,
        obstacle,
    );
    if cut_short.get() {
        explanation.push_str(
            " (the explanation was cut short when the time budget ran out: the window may \
             be wider than it needs to be)",
        );
    }
    Violation {
        key: key.clone(),
        window,
        context,
        culprit: culprit_event,
        start_states,
        explanation,
    }
}

/// The operation that stands in the culprit's way, if there is one: an operation of the
/// window (index into `failing`) that completed before the culprit began, so that every
/// order puts the culprit after it, where the window could be ordered had the culprit
/// begun before it completed. Operations that completed before the culprit began are
/// tried latest first (up to 16), each time letting the culprit begin just before one
/// more of them completed; the first that lets the window be ordered is named (the
/// order found puts the culprit before it, the one freedom added at that try). A try
/// that finds no order must search the whole window, so the hunt gets `steps` in all
/// (as many as the key's search for the verdict took, at least 10,000) and stops when
/// they run out: a name given is always right, and one may be missed.
fn obstacle<S: Spec>(
    spec: &S,
    failing: &[KeyOp<'_, S>],
    start: usize,
    culprit: usize,
    start_states: &[S::State],
    steps: u64,
    limits: &Limits,
) -> Option<usize> {
    let called = failing[culprit].call;
    let mut before: Vec<usize> = (start..failing.len())
        .filter(|&i| i != culprit && failing[i].ret < called)
        .collect();
    before.sort_by_key(|&i| std::cmp::Reverse(failing[i].ret));
    let mut left = steps;
    for i in before.into_iter().take(16) {
        let mut moved = failing[start..].to_vec();
        // Touching at a tick is concurrent: the culprit may now come before operation i.
        moved[culprit - start].call = failing[i].ret;
        let (outcome, taken) = search(
            spec,
            &moved,
            start_states,
            Mode::FirstLinearization,
            left,
            limits,
        );
        match outcome {
            Outcome::Linearizable(_) => return Some(i),
            Outcome::NotLinearizable { .. } => left -= taken.min(left),
            Outcome::Exhausted(_) => return None,
        }
    }
    None
}
