//! The states the key may hold around each operation of a violation's window.

use std::collections::{BTreeSet, HashSet, VecDeque};

use crate::{Spec, Violation};

/// Windows longer than this get no states (the walk visits up to 2^n subsets).
const MAX_WINDOW: usize = 14;

/// The states the key may hold before and after one operation.
pub(super) type Around<S> = (BTreeSet<<S as Spec>::State>, BTreeSet<<S as Spec>::State>);

/// For each operation of the window: the states the key may hold when it takes effect,
/// and the states it may leave with its recorded result (empty: no state gives that
/// result). "May" means: in some order of the window's operations that starts from one
/// of the start states, respects real time, and gives every operation ordered before it
/// its recorded result. `None` for a window too long to walk.
pub(super) fn window_states<S: Spec>(spec: &S, violation: &Violation<S>) -> Option<Vec<Around<S>>> {
    let window = &violation.window;
    let n = window.len();
    if n > MAX_WINDOW {
        return None;
    }
    // must_precede[i]: the operations that returned before operation i was called.
    let must_precede: Vec<u32> = window
        .iter()
        .map(|e| {
            (0..n)
                .filter(|&j| window[j].ret < e.call)
                .fold(0, |mask, j| mask | 1 << j)
        })
        .collect();
    let mut around = vec![(BTreeSet::new(), BTreeSet::new()); n];
    let mut seen: HashSet<(u32, S::State)> = HashSet::new();
    let mut queue: VecDeque<(u32, S::State)> = violation
        .start_states
        .iter()
        .map(|s| (0, s.clone()))
        .collect();
    while let Some((done, state)) = queue.pop_front() {
        if !seen.insert((done, state.clone())) {
            continue;
        }
        for (i, e) in window.iter().enumerate() {
            if done & 1 << i != 0 || must_precede[i] & !done != 0 {
                continue;
            }
            around[i].0.insert(state.clone());
            if let Some(next) = spec.step(&state, &e.op, e.result.as_ref()) {
                around[i].1.insert(next.clone());
                queue.push_back((done | 1 << i, next));
            }
        }
    }
    Some(around)
}
