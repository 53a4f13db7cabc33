//! The store's own model as a [`Spec`]: put / get / remove on byte keys, per key.

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
            // A result of the wrong shape: no state explains it.
            (Op::Get { .. } | Op::Remove { .. }, Some(_)) => None,
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
    match (&culprit.op, culprit.result?) {
        (Op::Get { .. }, Ret::Value(Some(v))) => {
            match all
                .iter()
                .find(|e| matches!(e.op, Op::Put { value, .. } if value == v))
            {
                None => Some((
                    format!("get returned {v}, a value never written to this key"),
                    vec![],
                )),
                Some(put) if put.call > culprit.ret => Some((
                    format!(
                        "get returned {v} ({}) before put({v}) began ({})",
                        span(culprit),
                        span(put)
                    ),
                    vec![*put],
                )),
                Some(put) => all
                    .iter()
                    .filter(before_culprit)
                    .filter(|e| e.call > put.ret)
                    .find(|e| matches!(e.op, Op::Put { .. }) || is_remove(e, true))
                    .map(|later| {
                        (
                            format!(
                                "get returned {v} ({}) although {} -> {} completed after put({v}) \
                                 and before the get began ({})",
                                span(culprit),
                                later.op,
                                later.result_text(),
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
                                        "get returned {v} ({}) although an earlier get that \
                                         began after put({v}) completed had already seen {} ({})",
                                        span(culprit),
                                        earlier.result_text(),
                                        span(earlier)
                                    ),
                                    vec![*put, *earlier],
                                )
                            })
                    }),
            }
        }
        (Op::Get { .. }, Ret::Value(None)) | (Op::Remove { .. }, Ret::Removed(false)) => {
            let what = match culprit.op {
                Op::Get { .. } => "get returned None",
                _ => "remove returned false",
            };
            all.iter()
                .filter(before_culprit)
                .filter(|e| matches!(e.op, Op::Put { .. }))
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
            // Another remove that took the same value: no put ran between them.
            all.iter()
                .filter(|e| **e != culprit && is_remove(e, true))
                .rfind(|other| {
                    let (from, to) = (other.call.min(culprit.call), other.ret.max(culprit.ret));
                    !all.iter()
                        .any(|p| matches!(p.op, Op::Put { .. }) && p.ret >= from && p.call <= to)
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
    }
}
