//! The sequential parts of the battery: random operation sequences against [`Model`],
//! and the laws of each operation, as proptest properties with failures shrunk.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};

use super::{Failure, Settings};
use crate::{KvStore, Model, Op, Ret};

/// Longest sequence of the sequential test.
const MAX_OPS: usize = 40;
/// Longest prefix run before a law is tried.
const MAX_PREFIX: usize = 16;

/// Random sequences of operations on a fresh store, each result compared with the
/// model's; at the end every key the sequence touched is read back. A failure shrinks to
/// a minimal sequence.
pub fn sequential<S: KvStore>(new: impl Fn() -> S, settings: &Settings) -> Result<(), Failure> {
    let ops = prop::collection::vec(Op::strategy(), 1..=MAX_OPS).prop_map(Op::with_unique_values);
    property("sequential", settings, ops, |ops| {
        let store = new();
        replay(&store, &ops)?;
        Ok(())
    })
}

/// After any prefix, `put(key, value)` then `get(key)` returns `value`, and no other key
/// changes.
pub fn law_get_after_put<S: KvStore>(
    new: impl Fn() -> S,
    settings: &Settings,
) -> Result<(), Failure> {
    property("law get after put", settings, law_case(), |case| {
        let (store, mut model) = case.prepare(&new)?;
        let (key, value) = (&case.key, case.value);
        store.put(key, value);
        model.apply(&Op::put(key, value));
        expect(store.get(key) == Some(value), || {
            format!(
                "put({}, {value}) then get returned {:?}",
                show(key),
                store.get(key)
            )
        })?;
        unchanged(&store, &model, &case)
    })
}

/// After any prefix, `remove(key)` returns whether the key was present; then the key is
/// absent, a second remove returns false, and no other key changes.
pub fn law_remove<S: KvStore>(new: impl Fn() -> S, settings: &Settings) -> Result<(), Failure> {
    property("law remove", settings, law_case(), |case| {
        let (store, mut model) = case.prepare(&new)?;
        let key = &case.key;
        let held = held(&mut model, key);
        let removed = store.remove(key);
        model.apply(&Op::remove(key));
        expect(removed == held.is_some(), || {
            format!(
                "remove({}) returned {removed}, but the key held {held:?}",
                show(key)
            )
        })?;
        let after = store.get(key);
        expect(after.is_none(), || {
            format!("after remove({}), get returned {after:?}", show(key))
        })?;
        let again = store.remove(key);
        expect(!again, || {
            format!("a second remove({}) returned true", show(key))
        })?;
        unchanged(&store, &model, &case)
    })
}

/// After any prefix, `cas(key, from, to)` succeeds iff the key holds `from` (is absent,
/// for `None`): then it holds `to`; otherwise nothing changes. `from` is the value held,
/// absence, a value the key may have held earlier, or any value.
pub fn law_cas<S: KvStore>(new: impl Fn() -> S, settings: &Settings) -> Result<(), Failure> {
    let case = (law_case(), 0..4u8, any::<u64>());
    property("law cas", settings, case, |(case, pick, other)| {
        let (store, mut model) = case.prepare(&new)?;
        let (key, to) = (&case.key, case.value);
        let held = held(&mut model, key);
        let from = match pick {
            0 => held,
            1 => None,
            2 => Some(1 + other % 4), // one of the prefix's first values
            _ => Some(other),
        };
        let swapped = store.cas(key, from, to);
        model.apply(&Op::cas(key, from, to));
        let cas = format!("cas({}, {from:?}, {to})", show(key));
        expect(swapped == (held == from), || {
            format!("{cas} returned {swapped}, but the key held {held:?}")
        })?;
        let after = store.get(key);
        let want = if swapped { Some(to) } else { held };
        expect(after == want, || {
            format!(
                "after {cas} returned {swapped} (the key held {held:?}), get returned {after:?}"
            )
        })?;
        unchanged(&store, &model, &case)
    })
}

/// After any prefix, `update(key, value)` returns the value the key held, and then the
/// key holds `value`; no other key changes.
pub fn law_update<S: KvStore>(new: impl Fn() -> S, settings: &Settings) -> Result<(), Failure> {
    property("law update", settings, law_case(), |case| {
        let (store, mut model) = case.prepare(&new)?;
        let (key, value) = (&case.key, case.value);
        let held = held(&mut model, key);
        let previous = store.update(key, value);
        model.apply(&Op::update(key, value));
        let update = format!("update({}, {value})", show(key));
        expect(previous == held, || {
            format!("{update} returned {previous:?}, but the key held {held:?}")
        })?;
        let after = store.get(key);
        expect(after == Some(value), || {
            format!("after {update}, get returned {after:?}")
        })?;
        unchanged(&store, &model, &case)
    })
}

/// A law's case: a prefix that puts the store in some state, then a key and a value for
/// the operation under test.
#[derive(Clone)]
struct LawCase {
    prefix: Vec<Op>,
    key: Vec<u8>,
    value: u64,
}

impl std::fmt::Debug for LawCase {
    /// The prefix as code to paste, then the law's key and value.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "prefix {:?}, then key {} and value {}",
            self.prefix,
            show(&self.key),
            self.value
        )
    }
}

impl LawCase {
    /// A fresh store and the model, both after the prefix (its results checked too).
    fn prepare<S: KvStore>(&self, new: impl Fn() -> S) -> Result<(S, Model), TestCaseError> {
        let store = new();
        let model = replay(&store, &self.prefix)?;
        Ok((store, model))
    }
}

/// Prefixes of unique values `1, 2, ...`, a key of the same alphabet, and a value of the
/// law's own (none of the prefix writes it).
fn law_case() -> impl Strategy<Value = LawCase> {
    let prefix = prop::collection::vec(Op::strategy(), 0..=MAX_PREFIX);
    let key = Op::strategy().prop_map(|op| op.key().to_vec());
    (prefix, key, 1_000..2_000u64).prop_map(|(prefix, key, value)| LawCase {
        prefix: Op::with_unique_values(prefix),
        key,
        value,
    })
}

/// Runs `ops` on `store` and on a fresh model, failing at the first result that differs;
/// then reads back every key the operations touched. Returns the model.
fn replay(store: &impl KvStore, ops: &[Op]) -> Result<Model, TestCaseError> {
    let mut model = Model::new();
    for (i, op) in ops.iter().enumerate() {
        let expected = model.apply(op);
        let got = store.apply(op);
        expect(got == expected, || {
            format!("operation #{i}, {op:?}, returned {got}; the model returns {expected}")
        })?;
    }
    same_contents(
        store,
        &mut model,
        ops.iter().map(Op::key),
        "after the operations",
    )?;
    Ok(model)
}

/// Every key of the case (the prefix's and the law's own) reads as the model says.
fn unchanged(store: &impl KvStore, model: &Model, case: &LawCase) -> Result<(), TestCaseError> {
    let keys = case.prefix.iter().map(Op::key).chain([&case.key[..]]);
    same_contents(store, &mut model.clone(), keys, "after the law's operation")
}

fn same_contents<'k>(
    store: &impl KvStore,
    model: &mut Model,
    keys: impl IntoIterator<Item = &'k [u8]>,
    when: &str,
) -> Result<(), TestCaseError> {
    for key in keys.into_iter().collect::<BTreeSet<_>>() {
        let (got, want) = (store.get(key), held(model, key));
        expect(got == want, || {
            format!(
                "{when}, get({}) returned {got:?}; the model holds {want:?}",
                show(key)
            )
        })?;
    }
    Ok(())
}

/// What the model holds under `key`.
fn held(model: &mut Model, key: &[u8]) -> Option<u64> {
    match model.apply(&Op::get(key)) {
        Ret::Value(value) => value,
        _ => None,
    }
}

fn expect(holds: bool, why: impl FnOnce() -> String) -> Result<(), TestCaseError> {
    if holds {
        Ok(())
    } else {
        Err(TestCaseError::fail(why()))
    }
}

fn show(key: &[u8]) -> String {
    format!("b\"{}\"", key.escape_ascii())
}

/// Runs `test` on `settings.cases` cases of `strategy`, from the settings' seed; a
/// failure is shrunk and reported with its minimal case, printed as code.
fn property<T: Strategy>(
    part: &str,
    settings: &Settings,
    strategy: T,
    test: impl Fn(T::Value) -> Result<(), TestCaseError>,
) -> Result<(), Failure>
where
    T::Value: std::fmt::Debug,
{
    let config = Config {
        cases: settings.cases,
        // The user's crate is not ours to write regression files into.
        failure_persistence: None,
        ..Config::default()
    };
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&settings.seed.to_le_bytes());
    seed[8..8 + part.len().min(24)].copy_from_slice(&part.as_bytes()[..part.len().min(24)]);
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let report = match runner.run(&strategy, test) {
        Ok(()) => return Ok(()),
        Err(TestError::Fail(reason, case)) => {
            format!("{reason}\nminimal failing case: {case:?}")
        }
        Err(TestError::Abort(reason)) => format!("aborted: {reason}"),
    };
    Err(Failure {
        part: part.to_string(),
        seed: settings.seed,
        report,
    })
}
