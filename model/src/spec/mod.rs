//! Sequential specifications the checker judges histories against, behind one trait.
//!
//! A [`Spec`] says what one partition of the system starts as ([`Spec::init`]), what an
//! operation does to it ([`Spec::apply`]) and which partition an operation belongs to
//! ([`Spec::key`]). The checker relies on three facts a spec must make true:
//!
//! 1. `apply` is a function: the same state and operation give the same next state and
//!    result (nondeterminism, if a model has any, goes into the state).
//! 2. Operations with different keys never affect each other's results, so a history is
//!    linearizable iff each key's sub-history is (P-compositionality). A model without
//!    keys uses `()`: one partition.
//! 3. `init` is the state of every partition before any operation.
//!
//! Four specs ship: [`StoreSpec`] (the store's own put / get / remove, per key),
//! [`CacheSpec`] (the same on a bounded store: a present key may be evicted at any
//! moment, an evicted or overwritten value never comes back), [`Register`] (read, write,
//! compare-and-set on one register that starts nil) and [`KeyValue`] (get, put, append
//! per string key; a missing key reads as `""`). A user
//! adds a model by implementing the trait and calling [`check_with`](crate::check_with).

mod cache;
mod kv;
mod register;
mod store;

use std::fmt::{Debug, Display};
use std::hash::Hash;

pub use cache::{CacheSpec, CacheState};
pub use kv::{KeyValue, KvOp, KvRet};
pub use register::{Register, RegisterOp, RegisterRet};
pub use store::StoreSpec;

use crate::Event;

/// An event of a history checked against `S`.
pub type SpecEvent<S> = Event<<S as Spec>::Op, <S as Spec>::Ret>;

/// A sequential specification, split into independent partitions by key.
pub trait Spec: Sync + Sized {
    /// An operation, as called.
    type Op: Clone + Eq + Debug + Display + Send + Sync;
    /// What an operation returns.
    type Ret: Clone + Eq + Debug + Display + Send + Sync;
    /// The state of one partition.
    type State: Clone + Eq + Hash + Ord + Debug + Send + Sync;
    /// What names a partition (`()` for a model with one).
    type Key: Clone + Eq + Hash + Ord + Debug + Send + Sync;

    /// The state of every partition before any operation.
    fn init(&self) -> Self::State;

    /// The partition `op` acts on.
    fn key(&self, op: &Self::Op) -> Self::Key;

    /// The next state of `op`'s partition and what `op` returns, from `state`.
    fn apply(&self, state: &Self::State, op: &Self::Op) -> (Self::State, Self::Ret);

    /// The next state if `op` may have returned `result` from `state` (`None` for a
    /// result: an operation that never returned, which accepts any). Override for speed.
    fn step(
        &self,
        state: &Self::State,
        op: &Self::Op,
        result: Option<&Self::Ret>,
    ) -> Option<Self::State> {
        let (next, ret) = self.apply(state, op);
        match result {
            Some(want) if *want != ret => None,
            _ => Some(next),
        }
    }

    /// Bytes `state` holds on the heap beyond its own size, for the checker's memory
    /// budget (an estimate: what the allocator really holds is a little more). Zero by
    /// default; a model whose states own strings or vectors overrides it.
    fn state_heap_bytes(&self, state: &Self::State) -> usize {
        let _ = state;
        0
    }

    /// What a partition is called in explanations (`key`, `register`).
    fn subject(&self) -> &'static str {
        "key"
    }

    /// A state in words, after [`subject`](Self::subject): `absent`, `holding 3`.
    fn show_state(&self, state: &Self::State) -> String {
        format!("holding {state:?}")
    }

    /// A key in words.
    fn show_key(&self, key: &Self::Key) -> String {
        format!("{key:?}")
    }

    /// A reason specific to this model why `culprit` cannot be ordered, citing earlier
    /// operations of its partition (indices into `all`, which is in call order); `span`
    /// names when an event ran. The checker always adds its general sentence; `None`
    /// when the model has nothing more specific to say.
    fn reason(
        &self,
        culprit: &SpecEvent<Self>,
        all: &[&SpecEvent<Self>],
        span: &dyn Fn(&SpecEvent<Self>) -> String,
    ) -> Option<(String, Vec<usize>)> {
        let _ = (culprit, all, span);
        None
    }

    /// A write of `culprit`'s partition (index into `all`, in call order) that completed
    /// before the culprit began and whose effect the culprit does not see, with no
    /// operation of the partition undoing it: the write looks *erased*. The checker judges
    /// each partition alone, so an operation on another partition may have erased it (a
    /// store whose writers copy the whole map can do that); reports then list the writes
    /// on other partitions that overlapped it. `None` when the model does not say.
    fn erased(&self, culprit: &SpecEvent<Self>, all: &[&SpecEvent<Self>]) -> Option<usize> {
        let _ = (culprit, all);
        None
    }

    /// Whether `op` may change its partition's state (reports list such operations of
    /// other partitions as suspects of an [`erased`](Self::erased) write).
    fn writes(&self, op: &Self::Op) -> bool {
        let _ = op;
        true
    }

    /// The numbers an event carries (values written, expected or returned), for a
    /// report's legend of where each value came from. Empty when the model has none.
    fn numbers(&self, event: &SpecEvent<Self>) -> Vec<u64> {
        let _ = event;
        Vec::new()
    }

    /// The numbers a state holds, for the same legend (the states a window starts from).
    fn state_numbers(&self, state: &Self::State) -> Vec<u64> {
        let _ = state;
        Vec::new()
    }
}
