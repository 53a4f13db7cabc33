//! The plain-words reason a window cannot be ordered.

use super::search::State;
use crate::{Event, Op, Ret};

/// A plain-words reason why `culprit` cannot be ordered, and the earlier operations on
/// the key that the reason cites. Every specific reason is a fact about real time that
/// on its own rules the result out; the general sentence always holds.
pub(super) fn explain(
    window: &[Event],
    culprit: &Event,
    start: &[State],
    all: &[&Event],
) -> (String, Vec<Event>) {
    let show = |state: &State| state.map_or("absent".to_string(), |v| format!("holding {v}"));
    let starts: Vec<String> = start.iter().map(show).collect();
    let before_culprit = |e: &&&Event| e.ret < culprit.call;
    let span = |e: &Event| format!("ticks {}..{}", e.call, e.ret);
    let is_remove = |e: &Event, removed: bool| {
        matches!(e.op, Op::Remove { .. }) && e.result == Ret::Removed(removed)
    };
    let specific: Option<(String, Vec<&Event>)> = match (&culprit.op, culprit.result) {
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
                                later.result,
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
                            .find(|e| e.result != Ret::Value(Some(v)))
                            .map(|earlier| {
                                (
                                    format!(
                                        "get returned {v} ({}) although an earlier get that \
                                         began after put({v}) completed had already seen {} ({})",
                                        span(culprit),
                                        earlier.result,
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
    };
    let general = format!(
        "no order of the {} operation(s) in the window, starting with the key {}, gives {} \
         ({}, thread {}) the result {}",
        window.len(),
        starts.join(" or "),
        culprit.op,
        span(culprit),
        culprit.thread,
        culprit.result
    );
    match specific {
        Some((reason, cited)) => (
            format!("{reason}; {general}"),
            cited
                .into_iter()
                .filter(|e| !window.contains(e))
                .cloned()
                .collect(),
        ),
        None => (general, Vec::new()),
    }
}
