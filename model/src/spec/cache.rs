//! A bounded store's model as a [`Spec`]: the store's operations on byte keys, where a
//! key that is present may vanish at any moment (eviction), per key.
//!
//! # The model
//!
//! Sequentially, a cache is the store of [`StoreSpec`](super::StoreSpec) with one more,
//! internal, step that any key may take between any two operations: *evict*, which makes
//! a present key absent. Whatever the cache keeps, it keeps faithfully:
//!
//! 1. **Misses are always allowed.** A `get` may return `None`, a `remove` `false`, an
//!    `update` `None` and a `cas` from a value may fail, on a key put a moment ago: the
//!    key was evicted in between.
//! 2. **No resurrection.** A `get` (or an `update`, or a `cas` that matches) never sees a
//!    value that the key no longer holds: not one evicted (once a read has seen the key
//!    absent, or a `remove` has returned, the old value is gone until written again) and
//!    not one overwritten.
//! 3. **Hits are exact.** A value a read sees is the last one written, as in the store's
//!    model; a `remove` that returns `true` took a value the key still held.
//! 4. **No memory of capacity.** The model allows evicting any key at any time, even an
//!    empty cache's; how many keys the current version holds is checked apart, by the
//!    store's own tests. So keys stay independent (P-compositionality).
//!
//! # The state per key
//!
//! The checker's search needs one state per key, so the model is made deterministic the
//! usual way: the state is the set of what the key may hold when the next operation runs.
//! Since an eviction may always have happened just before, *absent* is in every such set,
//! and the state only lists the values: [`CacheState::Holding`]`(v)` is "`v`, or evicted".
//! A bit "may already be evicted" would be set in every state, so it is left out, and a
//! state is as cheap to hash and copy as the store model's `Option<u64>`. Only an
//! operation that never returned can leave a key with a choice of values
//! ([`CacheState::OneOf`]): a `cas(None, 7)` that may or may not have happened on a key
//! holding 3 leaves "3, 7 or evicted".

use super::Spec;
use crate::{Event, Op, Ret, StoreSpec};

/// The cache model: the store's model where a present key may be evicted between any
/// two operations. A miss is always allowed; a hit sees the last value written; an
/// evicted or overwritten value never comes back. The state per key is what the key may
/// hold ([`CacheState`]); absent is always possible. Capacity is not the model's
/// business: keys stay independent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheSpec;

/// What a key of a cache may hold when the next operation runs; it may always be absent.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CacheState {
    /// Absent: evicted, removed, or never written.
    Absent,
    /// `v`, or evicted.
    Holding(u64),
    /// One of these values (sorted, two or more), or evicted: only after an operation
    /// that never returned.
    OneOf(Box<[u64]>),
}

impl CacheState {
    /// The state that may hold any of `values` (or be absent).
    fn of(mut values: Vec<u64>) -> Self {
        values.sort_unstable();
        values.dedup();
        match values[..] {
            [] => Self::Absent,
            [v] => Self::Holding(v),
            _ => Self::OneOf(values.into()),
        }
    }

    /// The values the key may hold.
    fn values(&self) -> &[u64] {
        match self {
            Self::Absent => &[],
            Self::Holding(v) => std::slice::from_ref(v),
            Self::OneOf(values) => values,
        }
    }

    fn may_hold(&self, v: u64) -> bool {
        self.values().contains(&v)
    }

    /// This state and `other` together (the outcomes of an operation that may or may not
    /// have happened).
    fn or(&self, other: &Self) -> Self {
        Self::of([self.values(), other.values()].concat())
    }
}

impl Spec for CacheSpec {
    type Op = Op;
    type Ret = Ret;
    type State = CacheState;
    type Key = Vec<u8>;

    fn init(&self) -> CacheState {
        CacheState::Absent
    }

    fn state_heap_bytes(&self, state: &CacheState) -> usize {
        match state {
            CacheState::OneOf(values) => std::mem::size_of_val(&**values),
            CacheState::Absent | CacheState::Holding(_) => 0,
        }
    }

    fn key(&self, op: &Op) -> Vec<u8> {
        op.key().to_vec()
    }

    /// One outcome the model allows: that of a cache that evicts nothing now (and, of
    /// several values the key may hold, holds the smallest). The checker uses
    /// [`step`](Self::step), which knows every outcome.
    fn apply(&self, state: &CacheState, op: &Op) -> (CacheState, Ret) {
        let held = state.values().first().copied();
        let (next, ret) = StoreSpec.apply(&held, op);
        (next.map_or(CacheState::Absent, CacheState::Holding), ret)
    }

    fn step(&self, state: &CacheState, op: &Op, result: Option<&Ret>) -> Option<CacheState> {
        use CacheState::{Absent, Holding};
        match (op, result) {
            (Op::Put { value, .. }, None | Some(Ret::Unit)) => Some(Holding(*value)),
            (Op::Get { .. }, None) => Some(state.clone()),
            (Op::Get { .. }, Some(Ret::Value(None))) => Some(Absent),
            (Op::Get { .. }, Some(Ret::Value(Some(v)))) => {
                state.may_hold(*v).then_some(Holding(*v))
            }
            (Op::Remove { .. }, None | Some(Ret::Removed(false))) => Some(Absent),
            (Op::Remove { .. }, Some(Ret::Removed(true))) => (*state != Absent).then_some(Absent),
            (Op::Update { value, .. }, None | Some(Ret::Value(None))) => Some(Holding(*value)),
            (Op::Update { value, .. }, Some(Ret::Value(Some(v)))) => {
                state.may_hold(*v).then_some(Holding(*value))
            }
            // From absence: the key is always allowed to be absent.
            (Op::Cas { from: None, to, .. }, Some(Ret::Swapped(true))) => Some(Holding(*to)),
            (Op::Cas { from: None, .. }, Some(Ret::Swapped(false))) => {
                (*state != Absent).then(|| state.clone())
            }
            (Op::Cas { from: None, to, .. }, None) => Some(Holding(*to).or(state)),
            // From a value: fails if the key held another one or was evicted.
            (
                Op::Cas {
                    from: Some(a), to, ..
                },
                Some(Ret::Swapped(true)),
            ) => state.may_hold(*a).then_some(Holding(*to)),
            (Op::Cas { from: Some(a), .. }, Some(Ret::Swapped(false))) => Some(without(state, *a)),
            (
                Op::Cas {
                    from: Some(a), to, ..
                },
                None,
            ) => Some(if state.may_hold(*a) {
                Holding(*to).or(&without(state, *a))
            } else {
                state.clone()
            }),
            // Found a value the key may hold, or put its own into a key that was absent
            // (as a key always may be, after an eviction).
            (Op::GetOrPut { value, .. }, Some(Ret::Value(Some(seen)))) => {
                (seen == value || state.may_hold(*seen)).then_some(Holding(*seen))
            }
            (Op::GetOrPut { value, .. }, None) => Some(Holding(*value).or(state)),
            // A result of the wrong shape: no state explains it.
            (_, Some(_)) => None,
        }
    }

    fn show_state(&self, state: &CacheState) -> String {
        match state {
            CacheState::Absent => "absent".to_string(),
            CacheState::Holding(v) => format!("holding {v} (or evicted)"),
            CacheState::OneOf(values) => {
                let values: Vec<String> = values.iter().map(u64::to_string).collect();
                format!("holding one of {} (or evicted)", values.join(", "))
            }
        }
    }

    fn show_key(&self, key: &Vec<u8>) -> String {
        StoreSpec.show_key(key)
    }

    /// A resurrection in plain words (a value seen after it was evicted or overwritten),
    /// else the store model's reasons that still hold with eviction.
    fn reason(
        &self,
        culprit: &Event,
        all: &[&Event],
        span: &dyn Fn(&Event) -> String,
    ) -> Option<(String, Vec<usize>)> {
        if let Some(found) = resurrection(culprit, all, span) {
            return Some(found);
        }
        // The store model's reasons about a miss (a get that returned None after a put,
        // a cas from absence that matched twice) are no reasons here: eviction explains
        // them. Those about what a hit saw, or a remove took, still hold.
        let hit = match (&culprit.op, culprit.result?) {
            (Op::Get { .. } | Op::Update { .. } | Op::GetOrPut { .. }, Ret::Value(_)) => {
                matches!(culprit.op.read_with(culprit.result), Some(Some(_)))
            }
            (Op::Remove { .. }, Ret::Removed(removed)) => removed,
            (Op::Cas { from, .. }, Ret::Swapped(swapped)) => from.is_some() && swapped,
            _ => false,
        };
        if hit {
            StoreSpec.reason(culprit, all, span)
        } else {
            None
        }
    }
}

/// `state` once the key is known not to hold `v`.
fn without(state: &CacheState, v: u64) -> CacheState {
    CacheState::of(state.values().iter().copied().filter(|&x| x != v).collect())
}

/// A read that saw value `v` although, after the only write of `v` completed and before
/// the read began, another operation saw the key absent (evicted) or another write or a
/// remove completed (overwritten).
fn resurrection(
    culprit: &Event,
    all: &[&Event],
    span: &dyn Fn(&Event) -> String,
) -> Option<(String, Vec<usize>)> {
    let Some(Some(v)) = culprit.op.read_with(culprit.result) else {
        return None;
    };
    let reader = match culprit.op {
        Op::Get { .. } => "get",
        Op::GetOrPut { .. } => "get_or_put",
        _ => "update",
    };
    let writes = |e: &Event| e.op.written_with(e.result) == Some(v);
    let mut writers = (0..all.len()).filter(|&i| all[i] != culprit && writes(all[i]));
    let (put, None) = (writers.next()?, writers.next()) else {
        return None; // v written more than once: which write the read saw is unclear
    };
    let between = |e: &Event| e.call > all[put].ret && e.ret < culprit.call;
    // What an operation found that shows `v` gone: the key absent, or not holding `v`.
    let saw_gone = |e: &Event| match (&e.op, e.result) {
        (Op::Get { .. }, Some(Ret::Value(None)))
        | (Op::Remove { .. }, Some(Ret::Removed(false))) => Some("the key absent".to_string()),
        (Op::GetOrPut { value, .. }, Some(Ret::Value(Some(put)))) if put == *value => {
            Some("the key absent".to_string())
        }
        (
            Op::Cas {
                from: Some(from), ..
            },
            Some(Ret::Swapped(false)),
        ) if *from == v => Some(format!("the key not holding {v}")),
        _ => None,
    };
    let overwrote = |e: &Event| {
        (e.op.written_with(e.result).is_some() && !e.is_open())
            || (matches!(e.op, Op::Remove { .. }) && e.result == Some(Ret::Removed(true)))
    };
    let gone =
        (0..all.len()).find_map(|i| Some((i, saw_gone(all[i]).filter(|_| between(all[i]))?)));
    if let Some((gone, found)) = gone {
        return Some((
            format!(
                "{reader} returned {v} ({}), a value already evicted: {} -> {} ({}) began after \
                 {} completed and found {found}, and nothing wrote {v} again (an evicted value \
                 came back)",
                span(culprit),
                all[gone].op,
                all[gone].result_text(),
                span(all[gone]),
                all[put].op
            ),
            vec![put, gone],
        ));
    }
    let later = (0..all.len()).find(|&i| between(all[i]) && overwrote(all[i]))?;
    Some((
        format!(
            "{reader} returned {v} ({}), a value already overwritten: {} -> {} ({}) began after \
             {} completed and ended before the {reader} began (a replaced value came back)",
            span(culprit),
            all[later].op,
            all[later].result_text(),
            span(all[later]),
            all[put].op
        ),
        vec![put, later],
    ))
}
