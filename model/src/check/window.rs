//! Step 3 of the checker: narrowing a failing key's history to a small window.

use super::explain::explain;
use super::search::{search, KeyOp, Limits, Mode, Outcome};
use super::Violation;
use crate::spec::SpecEvent;
use crate::{History, Spec, NEVER};

/// Narrows a failing key's history to a small window and explains it (step 3 of the
/// module docs). `events` and `ops` are the key's operations in call order; `stuck` is
/// the tick the search reported: the shortest failing prefix ends there.
#[allow(clippy::too_many_arguments, reason = "the search's context, passed on")]
pub(super) fn find_window<S: Spec>(
    spec: &S,
    history: &History<S::Op, S::Ret>,
    key: &S::Key,
    events: &[&SpecEvent<S>],
    ops: &[KeyOp<'_, S>],
    stuck: u64,
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
    ) {
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
        ) {
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
            obstacle(
                spec,
                &failing,
                start,
                culprit,
                &start_states,
                max_steps,
                limits,
            )
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

/// The operation that stands in the culprit's way, if one does alone: an operation of the
/// window (index into `failing`) that completed before the culprit began, so that every
/// order puts it first, and without which the window could be ordered. The latest such
/// operation is named; up to 16 are tried, latest first, each with a search of the window
/// without it.
fn obstacle<S: Spec>(
    spec: &S,
    failing: &[KeyOp<'_, S>],
    start: usize,
    culprit: usize,
    start_states: &[S::State],
    max_steps: u64,
    limits: &Limits,
) -> Option<usize> {
    let called = failing[culprit].call;
    let mut before: Vec<usize> = (start..failing.len())
        .filter(|&i| i != culprit && failing[i].ret < called)
        .collect();
    before.sort_by_key(|&i| std::cmp::Reverse(failing[i].ret));
    before.into_iter().take(16).find(|&i| {
        let mut without = failing[start..].to_vec();
        without.remove(i - start);
        matches!(
            search(
                spec,
                &without,
                start_states,
                Mode::FirstLinearization,
                max_steps,
                limits
            ),
            Outcome::Linearizable(_)
        )
    })
}
