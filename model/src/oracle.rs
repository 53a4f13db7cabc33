//! An exhaustive linearizability oracle, to test the checker against.

use crate::{Event, History, Model};

/// Whether some order of the history's operations that respects real time (an operation
/// that returned before another was called comes first) gives every operation its
/// recorded result. Operations that never returned may be left out, and give any result
/// when ordered. Tries every such order: exponential, for histories of a handful of
/// operations (the checker's tests and the `checker` fuzz target).
pub fn linearizable_by_brute_force(history: &History) -> bool {
    fn go(events: &[Event], used: &mut Vec<bool>, model: &Model) -> bool {
        if (0..events.len()).all(|i| used[i] || events[i].is_open()) {
            return true;
        }
        for i in 0..events.len() {
            // `i` may go next only if no operation still unordered returned before it began.
            let blocked =
                (0..events.len()).any(|j| !used[j] && j != i && events[j].ret < events[i].call);
            if used[i] || blocked {
                continue;
            }
            let mut next = model.clone();
            let result = next.apply(&events[i].op);
            if events[i].result.as_ref().is_none_or(|r| *r == result) {
                used[i] = true;
                if go(events, used, &next) {
                    return true;
                }
                used[i] = false;
            }
        }
        false
    }
    let events = history.events();
    go(events, &mut vec![false; events.len()], &Model::new())
}
