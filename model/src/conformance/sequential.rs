//! The sequential parts of the battery: random operation sequences against [`Model`],
//! and the laws of each operation, as proptest properties with failures shrunk.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};

use super::{Failure, Judge, Settings};
use crate::report::Values;
use crate::{History, KvStore, Model, Op, Recorder, Ret};

/// Longest sequence of the sequential test.
const MAX_OPS: usize = 40;
/// Longest prefix run before a law is tried.
const MAX_PREFIX: usize = 16;

/// Random sequences of operations on a fresh store, each result compared with the
/// model's; at the end every key the sequence touched is read back. A failure shrinks to
/// a minimal sequence.
///
/// With [`Judge::Cache`], the sequence and the reads are recorded and the cache model
/// judges them (here and in each law).
pub fn sequential<S: KvStore>(new: impl Fn() -> S, settings: &Settings) -> Result<(), Failure> {
    let ops = prop::collection::vec(Op::strategy(), 1..=MAX_OPS).prop_map(Op::with_unique_values);
    let test = |ops: Vec<Op>| {
        if settings.judge == Judge::Cache {
            return judged(&new(), &ops, settings);
        }
        replay(&new(), &ops).map(drop)
    };
    let found = match search("sequential", settings, ops, test) {
        Ok(()) => return Ok(()),
        Err(Ok((ops, why))) => Ok(remove_runs(ops, why, test)),
        Err(aborted) => aborted,
    };
    Err(failure("sequential", settings, found))
}

/// After any prefix, `put(key, value)` then `get(key)` returns `value`, and no other key
/// changes.
pub fn law_get_after_put<S: KvStore>(
    new: impl Fn() -> S,
    settings: &Settings,
) -> Result<(), Failure> {
    property("law get after put", settings, law_case(), |case| {
        if settings.judge == Judge::Cache {
            let law = [Op::put(&case.key, case.value), Op::get(&case.key)];
            return judged(&new(), &case.then(law), settings);
        }
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
        if settings.judge == Judge::Cache {
            let law = [
                Op::remove(&case.key),
                Op::get(&case.key),
                Op::remove(&case.key),
            ];
            return judged(&new(), &case.then(law), settings);
        }
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
        let (key, to) = (&case.key, case.value);
        let held = held(&mut case.model(), key);
        let from = match pick {
            0 => held,
            1 => None,
            2 => Some(1 + other % 4), // one of the prefix's first values
            _ => Some(other),
        };
        if settings.judge == Judge::Cache {
            let law = [Op::cas(key, from, to), Op::get(key)];
            return judged(&new(), &case.then(law), settings);
        }
        let (store, mut model) = case.prepare(&new)?;
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
        if settings.judge == Judge::Cache {
            let law = [Op::update(&case.key, case.value), Op::get(&case.key)];
            return judged(&new(), &case.then(law), settings);
        }
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
    /// The model after the prefix.
    fn model(&self) -> Model {
        let mut model = Model::new();
        for op in &self.prefix {
            model.apply(op);
        }
        model
    }

    /// The prefix, then `law`.
    fn then(&self, law: impl IntoIterator<Item = Op>) -> Vec<Op> {
        self.prefix.iter().cloned().chain(law).collect()
    }

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
            format!(
                "operation {} of {}, {op:?}, returned {got}; the model returns {expected}",
                i + 1,
                ops.len()
            )
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

/// Runs `ops` on `store`, then reads every key they touched, recording each call; the
/// sequence must be linearizable against [`Settings::judge`] (for one thread: each result
/// one the model allows).
fn judged(store: &impl KvStore, ops: &[Op], settings: &Settings) -> Result<(), TestCaseError> {
    let recorder = Recorder::new();
    let mut log = recorder.log(0);
    let keys: BTreeSet<&[u8]> = ops.iter().map(Op::key).collect();
    for op in ops.iter().cloned().chain(keys.into_iter().map(Op::get)) {
        log.run(store, op);
    }
    let history = History::from_logs([log]);
    let verdict = settings
        .judge
        .check(&history, settings.budget, Values::Plain);
    verdict.map_err(|(report, _)| TestCaseError::fail(report))
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
/// failure is shrunk and reported with its minimal case.
fn property<T: Strategy>(
    part: &str,
    settings: &Settings,
    strategy: T,
    test: impl Fn(T::Value) -> Result<(), TestCaseError>,
) -> Result<(), Failure>
where
    T::Value: std::fmt::Debug,
{
    search(part, settings, strategy, test).map_err(|found| failure(part, settings, found))
}

/// What a property's search found: a failing case, shrunk, and why it fails; or why the
/// search gave up.
type Found<T> = Result<(T, String), String>;

/// The search of [`property`], returning the minimal failing case itself.
fn search<T: Strategy>(
    part: &str,
    settings: &Settings,
    strategy: T,
    test: impl Fn(T::Value) -> Result<(), TestCaseError>,
) -> Result<(), Found<T::Value>> {
    let config = Config {
        cases: settings.cases,
        // The user's crate is not ours to write regression files into.
        failure_persistence: None,
        // Enough to shrink a sequence of 40 operations to the few that matter.
        max_shrink_iters: 4096,
        ..Config::default()
    };
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&settings.seed.to_le_bytes());
    let name = &part.as_bytes()[..part.len().min(24)];
    seed[8..8 + name.len()].copy_from_slice(name);
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
    let mut runner = TestRunner::new_with_rng(config, rng);
    match runner.run(&strategy, test) {
        Ok(()) => Ok(()),
        Err(TestError::Fail(reason, case)) => Err(Ok((case, reason.to_string()))),
        Err(TestError::Abort(reason)) => Err(Err(format!("aborted: {reason}"))),
    }
}

/// Removes runs of operations from a failing sequence while it still fails, longest
/// runs first, until no run can go. Proptest removes one operation at a time, which
/// stops early on bugs that need a count of writes (a replica refreshed on every fourth
/// write): dropping any one operation makes such a sequence pass, dropping four may not.
fn remove_runs(
    mut ops: Vec<Op>,
    mut why: String,
    test: impl Fn(Vec<Op>) -> Result<(), TestCaseError>,
) -> (Vec<Op>, String) {
    'smaller: loop {
        for len in (1..ops.len()).rev() {
            for start in 0..=ops.len() - len {
                let mut shorter = ops.clone();
                shorter.drain(start..start + len);
                if let Err(failed) = test(shorter.clone()) {
                    (ops, why) = (shorter, failed.to_string());
                    continue 'smaller;
                }
            }
        }
        return (ops, why);
    }
}

/// The failure of `part`, from what its search found.
fn failure<T: std::fmt::Debug>(part: &str, settings: &Settings, found: Found<T>) -> Failure {
    let report = match found {
        Ok((case, why)) => format!("{why}\nminimal failing case: {case:?}"),
        Err(why) => why,
    };
    Failure {
        part: part.to_string(),
        seed: settings.seed,
        report,
    }
}
