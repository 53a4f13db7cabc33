//! Model-based property tests: random operation sequences on `Trie` and on `TrieStore`
//! (used sequentially) against the model crate's `Model`, checked after every step.
//! Failing cases shrink to a minimal sequence and are saved in `proptest-regressions/`.
#![cfg(not(loom))]

use cowtrie::{Trie, TrieStore, ValueGuard};
use cowtrie_model::{Model, Op, Ret};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};

/// Prefixes whose scans are compared with the model: the empty one, each letter of the
/// key alphabet, and two-byte ones.
const PREFIXES: [&[u8]; 7] = [b"", b"a", b"b", b"\xff", b"ab", b"ba", b"a\xff"];

/// The reference: the model, driven by the shared `Op` strategy.
struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Op;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model::new()).boxed()
    }

    fn transitions(_: &Model) -> BoxedStrategy<Op> {
        Op::strategy().boxed()
    }

    fn apply(mut state: Model, op: &Op) -> Model {
        state.apply(op);
        state
    }
}

/// What `trie` returns for `op`, and the version after it.
fn run(trie: &Trie<u64>, op: &Op) -> (Trie<u64>, Ret) {
    match op {
        Op::Put { key, value } => (trie.put(key, *value), Ret::Unit),
        Op::Get { key } => (trie.clone(), Ret::Value(trie.get(key).copied())),
        Op::Remove { key } => {
            let next = trie.remove(key);
            let removed = next.len() < trie.len();
            (next, Ret::Removed(removed))
        }
        // A persistent trie has no atomic read-modify-write of its own: a read, then a put.
        Op::Cas { key, from, to } => {
            let swapped = trie.get(key).copied() == *from;
            let next = if swapped {
                trie.put(key, *to)
            } else {
                trie.clone()
            };
            (next, Ret::Swapped(swapped))
        }
        Op::Update { key, value } => (trie.put(key, *value), Ret::Value(trie.get(key).copied())),
        Op::GetOrPut { key, value } => match trie.get(key) {
            Some(held) => (trie.clone(), Ret::Value(Some(*held))),
            None => (trie.put(key, *value), Ret::Value(Some(*value))),
        },
    }
}

fn assert_same_contents(trie: &Trie<u64>, model: &Model) {
    assert_eq!(trie.len(), model.len());
    let entries: Vec<(Vec<u8>, u64)> = trie.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
    assert_eq!(entries, model.sorted(), "iter is the model, sorted");
    for prefix in PREFIXES {
        let scanned: Vec<(Vec<u8>, u64)> = trie
            .scan_prefix(prefix)
            .map(|(k, v)| (k.to_vec(), *v))
            .collect();
        let expected: Vec<(Vec<u8>, u64)> = model
            .sorted()
            .into_iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .collect();
        assert_eq!(scanned, expected, "scan_prefix({prefix:?})");
    }
}

/// `Trie` against the model, keeping every version to check persistence at the end.
struct TrieTest;

struct TrieState {
    trie: Trie<u64>,
    model: Model,
    /// Every version produced, with the model as it was at that step.
    versions: Vec<(Trie<u64>, Model)>,
}

impl StateMachineTest for TrieTest {
    type SystemUnderTest = TrieState;
    type Reference = Reference;

    fn init_test(_: &Model) -> TrieState {
        TrieState {
            trie: Trie::new(),
            model: Model::new(),
            versions: Vec::new(),
        }
    }

    fn apply(mut state: TrieState, reference: &Model, op: Op) -> TrieState {
        let expected = state.model.apply(&op);
        let (next, got) = run(&state.trie, &op);
        assert_eq!(got, expected, "{op:?}");
        assert_eq!(&state.model, reference);
        state.versions.push((next.clone(), state.model.clone()));
        state.trie = next;
        state
    }

    fn check_invariants(state: &TrieState, _: &Model) {
        assert_eq!(state.trie.len(), state.model.len());
    }

    fn teardown(state: TrieState) {
        assert_same_contents(&state.trie, &state.model);
        for (version, model) in &state.versions {
            assert_same_contents(version, model);
        }
    }
}

/// `TrieStore` used sequentially, with guards taken along the way that must keep their
/// values to the end whatever happens to their keys.
struct StoreTest;

struct StoreState {
    store: TrieStore<u64>,
    model: Model,
    guards: Vec<(ValueGuard<u64>, u64)>,
}

impl StateMachineTest for StoreTest {
    type SystemUnderTest = StoreState;
    type Reference = Reference;

    fn init_test(_: &Model) -> StoreState {
        StoreState {
            store: TrieStore::new(),
            model: Model::new(),
            guards: Vec::new(),
        }
    }

    fn apply(mut state: StoreState, _: &Model, op: Op) -> StoreState {
        let expected = state.model.apply(&op);
        let got = match &op {
            Op::Put { key, value } => {
                state.store.put(key, *value);
                Ret::Unit
            }
            Op::Get { key } => {
                let guard = state.store.get(key);
                let value = guard.as_deref().copied();
                if let (Some(guard), Some(value)) = (guard, value) {
                    state.guards.push((guard, value));
                }
                Ret::Value(value)
            }
            Op::Remove { key } => Ret::Removed(state.store.remove(key)),
            Op::Cas { key, from, to } => Ret::Swapped(
                state
                    .store
                    .compare_and_swap(key, from.as_ref(), Some(*to))
                    .is_ok(),
            ),
            Op::Update { key, value } => {
                Ret::Value(state.store.update(key, |_| Some(*value)).map(|v| *v))
            }
            // The store's own get-or-put: an update that keeps a present value.
            Op::GetOrPut { key, value } => {
                let previous = state
                    .store
                    .update(key, |held| Some(held.copied().unwrap_or(*value)))
                    .map(|v| *v);
                Ret::Value(Some(previous.unwrap_or(*value)))
            }
        };
        assert_eq!(got, expected, "{op:?}");
        state
    }

    fn check_invariants(state: &StoreState, _: &Model) {
        assert_eq!(state.store.snapshot().len(), state.model.len());
    }

    fn teardown(state: StoreState) {
        assert_same_contents(&state.store.snapshot(), &state.model);
        drop(state.store);
        for (guard, value) in &state.guards {
            assert_eq!(**guard, *value, "a guard kept its value");
        }
    }
}

fn config() -> Config {
    let cases = if cfg!(miri) { 4 } else { 256 };
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(cases),
        // Shrunk failures are saved beside the tests, in tests/proptest-regressions/,
        // and replayed first on every run: commit them.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}

prop_state_machine! {
    #![proptest_config(config())]

    #[test]
    fn trie_matches_the_model_and_keeps_every_version(sequential 1..60 => TrieTest);

    #[test]
    fn store_matches_the_model_and_guards_keep_values(sequential 1..60 => StoreTest);
}
