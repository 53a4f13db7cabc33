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
            Op::GetOrPut { value, .. } => {
                let held = state.unwrap_or(*value);
                (Some(held), Ret::Value(Some(held)))
            }
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
            // Found what the key holds, or put its value into an absent key.
            (Op::GetOrPut { value, .. }, None) => Some(state.or(Some(*value))),
            (Op::GetOrPut { value, .. }, Some(Ret::Value(Some(seen)))) => {
                (*state == Some(*seen) || (state.is_none() && seen == value)).then_some(Some(*seen))
            }
            // A result of the wrong shape: no state explains it.
            (
                Op::Get { .. }
                | Op::Remove { .. }
                | Op::Cas { .. }
                | Op::Update { .. }
                | Op::GetOrPut { .. },
                Some(_),
            ) => None,
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
        let found = reason(culprit, all, span)?;
        let index = |e: &Event| all.iter().position(|a| std::ptr::eq(*a, e));
        Some((
            found.text,
            found.cited.into_iter().filter_map(index).collect(),
        ))
    }

    fn erased(&self, culprit: &Event, all: &[&Event]) -> Option<usize> {
        // The spans do not matter for which write it is.
        let erased = reason(culprit, all, &|_| String::new())?.erased?;
        all.iter().position(|a| std::ptr::eq(*a, erased))
    }

    fn writes(&self, op: &Op) -> bool {
        !matches!(op, Op::Get { .. })
    }

    fn state_numbers(&self, state: &Option<u64>) -> Vec<u64> {
        state.iter().copied().collect()
    }

    fn numbers(&self, event: &Event) -> Vec<u64> {
        let mut numbers = match &event.op {
            Op::Put { value, .. } | Op::Update { value, .. } | Op::GetOrPut { value, .. } => {
                vec![*value]
            }
            Op::Cas { from, to, .. } => from.iter().copied().chain([*to]).collect(),
            Op::Get { .. } | Op::Remove { .. } => Vec::new(),
        };
        if let Some(Ret::Value(Some(v))) = event.result {
            numbers.push(v);
        }
        numbers
    }
}

/// A specific reason: its sentence, the events it cites, and the write it finds erased
/// (see [`Spec::erased`]), if any.
struct Found<'e> {
    text: String,
    cited: Vec<&'e Event>,
    erased: Option<&'e Event>,
}

impl<'e> Found<'e> {
    fn new(text: String, cited: Vec<&'e Event>) -> Self {
        Self {
            text,
            cited,
            erased: None,
        }
    }

    /// This reason, with `write` erased: the culprit does not see it, and nothing on this
    /// key undid it. Either the culprit read an old version, or the write was lost, and the
    /// write that erased it may be on another key, which a per-key check cannot see.
    fn erasing(mut self, write: &'e Event, span: &dyn Fn(&Event) -> String) -> Self {
        self.text = format!(
            "{}; no operation on this key undid {} ({}): either the read saw an old version, \
             or it was lost, and the checker judges each key alone, so the write that erased \
             it may have gone to another key",
            self.text,
            write.op,
            span(write)
        );
        self.erased = Some(write);
        self
    }
}

/// Every specific reason is a fact about real time that on its own rules the result out.
fn reason<'e>(
    culprit: &Event,
    all: &[&'e Event],
    span: &dyn Fn(&Event) -> String,
) -> Option<Found<'e>> {
    let before_culprit = |e: &&&Event| e.ret < culprit.call;
    let is_remove = |e: &Event, removed: bool| {
        matches!(e.op, Op::Remove { .. }) && e.result == Some(Ret::Removed(removed))
    };
    // Writes a value: a put, an update, a cas that succeeded (or never returned).
    let may_write = |e: &Event| e.op.written_with(e.result).is_some();
    let did_write = |e: &Event| may_write(e) && !e.is_open();
    let reader = match culprit.op {
        Op::Get { .. } => "get".to_string(),
        _ => culprit.op.to_string(),
    };
    let seen = (&culprit.op, culprit.result?);
    let read = culprit.op.read_with(culprit.result);
    let specific = match (read, seen) {
        (Some(Some(v)), _) => {
            match all
                .iter()
                .find(|e| !std::ptr::eq(**e, culprit) && e.op.written_with(e.result) == Some(v))
            {
                None => Some(Found::new(
                    format!("{reader} returned {v}, a value never written to this key"),
                    vec![],
                )),
                Some(put) if put.call > culprit.ret => Some(Found::new(
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
                        Found::new(
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
                        .erasing(later, span)
                    })
                    .or_else(|| {
                        // A read that began after put(v) and saw another value: v was
                        // already overwritten.
                        all.iter()
                            .filter(before_culprit)
                            .filter(|e| e.call > put.ret && matches!(e.op, Op::Get { .. }))
                            .find(|e| e.result != Some(Ret::Value(Some(v))))
                            .map(|earlier| {
                                Found::new(
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
        (_, (Op::Get { .. } | Op::Update { .. }, Ret::Value(None)))
        | (_, (Op::Remove { .. }, Ret::Removed(false))) => {
            let what = match culprit.op {
                Op::Remove { .. } => "remove returned false".to_string(),
                _ => format!("{reader} returned None"),
            };
            // The removes that ran between a write's call and the culprit's return.
            let removes_since = |put: &Event| -> Vec<&'e Event> {
                all.iter()
                    .filter(|r| {
                        **r != culprit
                            && matches!(r.op, Op::Remove { .. })
                            && r.ret >= put.call
                            && r.call <= culprit.ret
                    })
                    .copied()
                    .collect()
            };
            let writes = || all.iter().filter(before_culprit).filter(|e| did_write(e));
            writes()
                .rfind(|put| removes_since(put).is_empty())
                .map(|put| {
                    Found::new(
                        format!(
                            "{what} ({}) after {} completed (tick {}) and before any remove began",
                            span(culprit),
                            put.op,
                            put.ret
                        ),
                        vec![*put],
                    )
                    .erasing(put, span)
                })
                .or_else(|| {
                    // Removes ran, but each returned false: each claims it found the key
                    // absent, so none can have emptied it after the write.
                    writes()
                        .rfind(|put| removes_since(put).iter().all(|r| is_remove(r, false)))
                        .map(|put| {
                            let removes = removes_since(put);
                            let list: Vec<String> = removes
                                .iter()
                                .map(|r| format!("thread {}, {}", r.thread, span(r)))
                                .collect();
                            let mut cited = vec![*put];
                            cited.extend(removes);
                            Found::new(
                                format!(
                                    "{what} ({}) after {} completed (tick {}), and every remove \
                                     running since it began returned false ({}): a remove that \
                                     returns false found the key absent, so none of them can \
                                     have emptied it after {}; one of them deleted the value \
                                     anyway (as a remove that looks and deletes in two separate \
                                     steps can), or the {reader} saw an old version",
                                    span(culprit),
                                    put.op,
                                    put.ret,
                                    list.join(", "),
                                    put.op
                                ),
                                cited,
                            )
                        })
                })
        }
        (_, (Op::Remove { .. }, Ret::Removed(true))) => {
            // Another remove that took the same value: no write ran between them.
            all.iter()
                .filter(|e| **e != culprit && is_remove(e, true))
                .rfind(|other| {
                    let (from, to) = (other.call.min(culprit.call), other.ret.max(culprit.ret));
                    !all.iter()
                        .any(|p| may_write(p) && p.ret >= from && p.call <= to)
                })
                .map(|other| {
                    Found::new(
                        format!(
                            "two removes returned true with no write between them: thread {}'s \
                             ({}) and thread {}'s ({}); only one of them can have found the key \
                             present, and thread {}'s is the one no order can explain",
                            other.thread,
                            span(other),
                            culprit.thread,
                            span(culprit),
                            culprit.thread
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
) -> Option<Found<'e>> {
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
            Found::new(
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
