//! The store's own model as a [`Spec`]: put / get / remove / cas / update on byte keys,
//! per key.

use super::Spec;
use crate::{Event, Op, Ret};

/// The store's sequential specification ([`Model`](crate::Model)) seen one key at a
/// time: a key is absent (`None`) or holds a value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreSpec;

impl Spec for StoreSpec {
    type Op = Op;
    type Ret = Ret;
    type State = Option<u64>;
    type Key = Vec<u8>;

    fn init(&self) -> Option<u64> {
        None
    }

    fn key(&self, op: &Op) -> Vec<u8> {
        op.key().to_vec()
    }

    fn apply(&self, state: &Option<u64>, op: &Op) -> (Option<u64>, Ret) {
        match op {
            Op::Put { value, .. } => (Some(*value), Ret::Unit),
            Op::Get { .. } => (*state, Ret::Value(*state)),
            Op::Remove { .. } => (None, Ret::Removed(state.is_some())),
            Op::Cas { from, to, .. } if from == state => (Some(*to), Ret::Swapped(true)),
            Op::Cas { .. } => (*state, Ret::Swapped(false)),
            Op::Update { value, .. } => (Some(*value), Ret::Value(*state)),
        }
    }

    fn step(&self, state: &Option<u64>, op: &Op, result: Option<&Ret>) -> Option<Option<u64>> {
        match (op, result) {
            (Op::Put { value, .. }, _) => Some(Some(*value)),
            (Op::Get { .. }, None) => Some(*state),
            (Op::Get { .. }, Some(Ret::Value(seen))) => (seen == state).then_some(*state),
            (Op::Remove { .. }, None) => Some(None),
            (Op::Remove { .. }, Some(Ret::Removed(removed))) => {
                (*removed == state.is_some()).then_some(None)
            }
            (Op::Cas { from, to, .. }, None) => {
                Some(if from == state { Some(*to) } else { *state })
            }
            (Op::Cas { from, to, .. }, Some(Ret::Swapped(swapped))) => {
                match (from == state, swapped) {
                    (true, true) => Some(Some(*to)),
                    (false, false) => Some(*state),
                    _ => None,
                }
            }
            (Op::Update { value, .. }, None) => Some(Some(*value)),
            (Op::Update { value, .. }, Some(Ret::Value(seen))) => {
                (seen == state).then_some(Some(*value))
            }
            // A result of the wrong shape: no state explains it.
            (Op::Get { .. } | Op::Remove { .. } | Op::Cas { .. } | Op::Update { .. }, Some(_)) => {
                None
            }
        }
    }

    fn show_state(&self, state: &Option<u64>) -> String {
        state.map_or("absent".to_string(), |v| format!("holding {v}"))
    }

    fn show_key(&self, key: &Vec<u8>) -> String {
        format!("b\"{}\"", key.escape_ascii())
    }

    fn reason(
        &self,
        culprit: &Event,
        all: &[&Event],
        span: &dyn Fn(&Event) -> String,
    ) -> Option<(String, Vec<usize>)> {
        let (reason, cited) = reason(culprit, all, span)?;
        let index = |e: &Event| all.iter().position(|a| std::ptr::eq(*a, e));
        Some((reason, cited.into_iter().filter_map(index).collect()))
    }
}

/// Every specific reason is a fact about real time that on its own rules the result out.
fn reason<'e>(
    culprit: &Event,
    all: &[&'e Event],
    span: &dyn Fn(&Event) -> String,
) -> Option<(String, Vec<&'e Event>)> {
    let before_culprit = |e: &&&Event| e.ret < culprit.call;
    let is_remove = |e: &Event, removed: bool| {
        matches!(e.op, Op::Remove { .. }) && e.result == Some(Ret::Removed(removed))
    };
    // Writes a value: a put, an update, a cas that succeeded (or never returned).
    let may_write = |e: &Event| e.op.written().is_some() && e.result != Some(Ret::Swapped(false));
    let did_write = |e: &Event| may_write(e) && !e.is_open();
    let reader = match culprit.op {
        Op::Get { .. } => "get".to_string(),
        _ => culprit.op.to_string(),
    };
    let seen = (&culprit.op, culprit.result?);
    let specific = match seen {
        (Op::Get { .. } | Op::Update { .. }, Ret::Value(Some(v))) => {
            match all
                .iter()
                .find(|e| !std::ptr::eq(**e, culprit) && e.op.written() == Some(v) && may_write(e))
            {
                None => Some((
                    format!("{reader} returned {v}, a value never written to this key"),
                    vec![],
                )),
                Some(put) if put.call > culprit.ret => Some((
                    format!(
                        "{reader} returned {v} ({}) before {} began ({})",
                        span(culprit),
                        put.op,
                        span(put)
                    ),
                    vec![*put],
                )),
                Some(put) => all
                    .iter()
                    .filter(before_culprit)
                    .filter(|e| e.call > put.ret)
                    .find(|e| did_write(e) || is_remove(e, true))
                    .map(|later| {
                        (
                            format!(
                                "{reader} returned {v} ({}) although {} -> {} completed after {} \
                                 and before the {reader} began ({})",
                                span(culprit),
                                later.op,
                                later.result_text(),
                                put.op,
                                span(later)
                            ),
                            vec![*put, *later],
                        )
                    })
                    .or_else(|| {
                        // A read that began after put(v) and saw another value: v was
                        // already overwritten.
                        all.iter()
                            .filter(before_culprit)
                            .filter(|e| e.call > put.ret && matches!(e.op, Op::Get { .. }))
                            .find(|e| e.result != Some(Ret::Value(Some(v))))
                            .map(|earlier| {
                                (
                                    format!(
                                        "{reader} returned {v} ({}) although an earlier get that \
                                         began after {} completed had already seen {} ({})",
                                        span(culprit),
                                        put.op,
                                        earlier.result_text(),
                                        span(earlier)
                                    ),
                                    vec![*put, *earlier],
                                )
                            })
                    }),
            }
        }
        (Op::Get { .. } | Op::Update { .. }, Ret::Value(None))
        | (Op::Remove { .. }, Ret::Removed(false)) => {
            let what = match culprit.op {
                Op::Remove { .. } => "remove returned false".to_string(),
                _ => format!("{reader} returned None"),
            };
            all.iter()
                .filter(before_culprit)
                .filter(|e| did_write(e))
                .rfind(|put| {
                    !all.iter().any(|r| {
                        *r != culprit
                            && matches!(r.op, Op::Remove { .. })
                            && r.ret >= put.call
                            && r.call <= culprit.ret
                    })
                })
                .map(|put| {
                    (
                        format!(
                            "{what} ({}) after {} completed (tick {}) and before any remove began",
                            span(culprit),
                            put.op,
                            put.ret
                        ),
                        vec![*put],
                    )
                })
        }
        (Op::Remove { .. }, Ret::Removed(true)) => {
            // Another remove that took the same value: no write ran between them.
            all.iter()
                .filter(|e| **e != culprit && is_remove(e, true))
                .rfind(|other| {
                    let (from, to) = (other.call.min(culprit.call), other.ret.max(culprit.ret));
                    !all.iter()
                        .any(|p| may_write(p) && p.ret >= from && p.call <= to)
                })
                .map(|other| {
                    (
                        format!(
                            "two removes returned true ({} and {}) with no put between them",
                            span(other),
                            span(culprit)
                        ),
                        vec![*other],
                    )
                })
        }
        _ => None,
    };
    specific.or_else(|| replaced_twice(culprit, all, span, &may_write))
}

/// The state a cas that succeeded or an update replaced (each changes the key: a value
/// it replaced is gone until written again).
fn replaced(e: &Event) -> Option<Option<u64>> {
    match (&e.op, e.result?) {
        (Op::Cas { from, .. }, Ret::Swapped(true)) => Some(*from),
        (Op::Update { .. }, Ret::Value(seen)) => Some(seen),
        _ => None,
    }
}

/// Two read-modify-writes that replaced the same state, with nothing restoring that state
/// between them: one of them saw a state already gone.
fn replaced_twice<'e>(
    culprit: &Event,
    all: &[&'e Event],
    span: &dyn Fn(&Event) -> String,
    may_write: &dyn Fn(&Event) -> bool,
) -> Option<(String, Vec<&'e Event>)> {
    let state = replaced(culprit)?;
    // What could bring `state` back: a write of the value, or a remove for absence.
    let restores = |e: &Event| match state {
        Some(v) => e.op.written() == Some(v) && may_write(e),
        None => matches!(e.op, Op::Remove { .. }) && e.result != Some(Ret::Removed(false)),
    };
    let (what, between) = match state {
        Some(v) => (format!("replaced {v}"), format!("no write of {v}")),
        None => ("found the key absent".to_string(), "no remove".to_string()),
    };
    all.iter()
        .filter(|e| **e != culprit && replaced(e) == Some(state))
        .rfind(|other| {
            let (from, to) = (other.call.min(culprit.call), other.ret.max(culprit.ret));
            !all.iter().any(|p| {
                *p != culprit && *p != **other && restores(p) && p.ret >= from && p.call <= to
            })
        })
        .map(|other| {
            (
                format!(
                    "{} -> {} ({}) and {} -> {} ({}) both {what}, with {between} between them",
                    other.op,
                    other.result_text(),
                    span(other),
                    culprit.op,
                    culprit.result_text(),
                    span(culprit)
                ),
                vec![*other],
            )
        })
}
