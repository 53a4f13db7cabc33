//! The model's states through a violation's window, for the timeline to print: the
//! longest order of the window's operations the model accepts, and what the model
//! would have returned to the operation that cannot be ordered.
//!
//! # Invariants
//!
//! 1. The order respects real time: an operation that returned before another was
//!    called comes first. Operations that never returned may be left out (they may
//!    never have taken effect).
//! 2. Each step's `after` is the model's state after the operation from `before`, with
//!    the result the history recorded ([`Spec::step`]): the order is one the model
//!    accepts from the start state, step by step.
//! 3. Among orders, the longest is chosen; ties go to the first found trying the
//!    operations in window order, and start states in the violation's order, so the
//!    result is deterministic. The search is bounded ([`BUDGET`] nodes); past it, the
//!    longest found so far is used.

use crate::spec::SpecEvent;
use crate::{Spec, Violation};

/// Search nodes tried before settling for the longest order found.
const BUDGET: usize = 50_000;

/// One operation placed in the order, with the model state around it.
pub(super) struct Placed<S: Spec> {
    /// Index into the window.
    pub(super) index: usize,
    pub(super) before: S::State,
    pub(super) after: S::State,
}

/// The order found, and its start state.
pub(super) struct Order<S: Spec> {
    pub(super) start: S::State,
    pub(super) steps: Vec<Placed<S>>,
}

impl<S: Spec> Order<S> {
    /// The states the key passes through: the start, then after each step.
    pub(super) fn states(&self) -> impl Iterator<Item = &S::State> {
        std::iter::once(&self.start).chain(self.steps.iter().map(|s| &s.after))
    }
}

/// The longest order of `window` the model accepts from one of `starts` (invariant 3).
pub(super) fn longest<S: Spec>(
    spec: &S,
    window: &[SpecEvent<S>],
    starts: &[S::State],
) -> Option<Order<S>> {
    let mut best: Option<Order<S>> = None;
    let mut budget = BUDGET;
    for start in starts {
        let mut search = Search {
            spec,
            window,
            placed: vec![false; window.len()],
            path: Vec::new(),
            best: Vec::new(),
            budget: &mut budget,
        };
        search.extend(start);
        if best
            .as_ref()
            .is_none_or(|b| search.best.len() > b.steps.len())
        {
            let steps = std::mem::take(&mut search.best);
            best = Some(Order {
                start: start.clone(),
                steps,
            });
        }
    }
    best
}

struct Search<'a, S: Spec> {
    spec: &'a S,
    window: &'a [SpecEvent<S>],
    placed: Vec<bool>,
    path: Vec<Placed<S>>,
    best: Vec<Placed<S>>,
    budget: &'a mut usize,
}

impl<S: Spec> Search<'_, S> {
    /// Tries every operation that may come next from `state`, depth first.
    fn extend(&mut self, state: &S::State) {
        if self.path.len() > self.best.len() {
            self.best = self
                .path
                .iter()
                .map(|p| Placed {
                    index: p.index,
                    before: p.before.clone(),
                    after: p.after.clone(),
                })
                .collect();
        }
        for i in 0..self.window.len() {
            if *self.budget == 0 || self.best.len() == self.window.len() {
                return;
            }
            if self.placed[i] || !self.may_come_next(i) {
                continue;
            }
            *self.budget -= 1;
            let event = &self.window[i];
            let Some(after) = self.spec.step(state, &event.op, event.result.as_ref()) else {
                continue;
            };
            self.placed[i] = true;
            self.path.push(Placed {
                index: i,
                before: state.clone(),
                after: after.clone(),
            });
            self.extend(&after);
            self.path.pop();
            self.placed[i] = false;
        }
    }

    /// Whether every operation that returned before `i` was called is placed already
    /// (invariant 1; an open one may be skipped).
    fn may_come_next(&self, i: usize) -> bool {
        let call = self.window[i].call;
        self.window
            .iter()
            .enumerate()
            .all(|(j, e)| self.placed[j] || e.is_open() || e.ret >= call || j == i)
    }
}

/// What the model would return to `e` at each place real time allows it in `order`.
pub(super) fn left_out<S: Spec>(
    spec: &S,
    violation: &Violation<S>,
    order: &Order<S>,
    e: &SpecEvent<S>,
) -> String {
    let states: Vec<&S::State> = order.states().collect();
    let mut seen: Vec<String> = Vec::new();
    for (p, state) in states.iter().enumerate() {
        let before = &order.steps[..p];
        let after = &order.steps[p..];
        let window = &violation.window;
        // Real time: nothing placed before it was called after it returned, nothing
        // placed after it returned before it was called.
        let fits = before.iter().all(|s| window[s.index].call <= e.ret)
            && after.iter().all(|s| window[s.index].ret >= e.call);
        if fits {
            let (_, ret) = spec.apply(state, &e.op);
            let text = format!("{ret} from {}", spec.show_state(state));
            if !seen.contains(&text) {
                seen.push(text);
            }
        }
    }
    if seen.is_empty() {
        "no place in this order fits its call and return".to_string()
    } else {
        format!(
            "where it may go in this order, the model returns {}",
            seen.join("; ")
        )
    }
}

/// A bar's tooltip: when it ran and, for an operation of the order, the states around
/// it.
pub(super) fn bar_title<S: Spec>(
    spec: &S,
    violation: &Violation<S>,
    order: Option<&Order<S>>,
    event: &SpecEvent<S>,
    span: &str,
) -> String {
    let step = order.and_then(|o| o.steps.iter().find(|s| violation.window[s.index] == *event));
    match step {
        Some(s) => format!(
            "{span}: {} -> {}; {} before, {} after",
            event.op,
            event.result_text(),
            spec.show_state(&s.before),
            spec.show_state(&s.after)
        ),
        None => format!("{span}: {} -> {}", event.op, event.result_text()),
    }
}
