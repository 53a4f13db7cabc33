//! The bodies of the cargo-fuzz targets (`fuzz/`), here so that the committed corpora
//! also replay as ordinary tests on stable (`cli/tests/fuzz_corpus.rs`). Each takes the
//! fuzzer's bytes, decodes operations with the model crate's `Arbitrary` impls, and
//! panics on any divergence.

use arbitrary::{Arbitrary, Unstructured};
use cowtrie::Trie;
use cowtrie_model::{
    check, linearizable_by_brute_force, Budget, Event, History, Model, Op, Recorder, Ret, Verdict,
};

use crate::CowtrieStore;

mod durable;
pub use durable::{durable_log_reader, durable_snapshot_reader};

/// `trie_ops`: a sequence of operations on a `Trie` and on the model, results compared
/// at every step; every version is kept and must still match its model at the end.
pub fn trie_ops(data: &[u8]) {
    let Ok(ops) = Vec::<Op>::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let (mut trie, mut model) = (Trie::new(), Model::new());
    let mut versions = Vec::new();
    for op in &ops {
        let expected = model.apply(op);
        let got = match op {
            Op::Put { key, value } => {
                trie = trie.put(key, *value);
                Ret::Unit
            }
            Op::Get { key } => Ret::Value(trie.get(key).copied()),
            Op::Remove { key } => match trie.take(key) {
                Some((next, removed)) => {
                    assert_eq!(removed.key(), &key[..], "took another key");
                    assert_eq!(next.len() + 1, trie.len(), "length after a removal");
                    trie = next;
                    Ret::Removed(true)
                }
                None => {
                    assert!(trie.remove(key).ptr_eq(&trie), "removing an absent key");
                    Ret::Removed(false)
                }
            },
            // A persistent trie has no atomic read-modify-write: a read, then a put.
            Op::Cas { key, from, to } => {
                let swapped = trie.get(key).copied() == *from;
                if swapped {
                    trie = trie.put(key, *to);
                }
                Ret::Swapped(swapped)
            }
            Op::Update { key, value } => {
                let previous = trie.get(key).copied();
                trie = trie.put(key, *value);
                Ret::Value(previous)
            }
            Op::GetOrPut { key, value } => {
                let held = trie.get(key).copied().unwrap_or(*value);
                trie = trie.put(key, held);
                Ret::Value(Some(held))
            }
        };
        assert_eq!(got, expected, "{op:?} in {ops:?}");
        versions.push((trie.clone(), model.clone()));
    }
    for (version, model) in &versions {
        let entries: Vec<(Vec<u8>, u64)> = version.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
        assert_eq!(entries, model.sorted(), "a version changed after {ops:?}");
    }
}

/// `store_ops`: operations spread over three real threads on one `TrieStore`, the
/// history checked for linearizability. Real threads rather than a fuzz-driven shuttle
/// schedule: this target exercises the shipped std build on hardware, while schedule
/// exploration is loom's and shuttle's (tests/loom.rs, tests/shuttle.rs).
pub fn store_ops(data: &[u8]) {
    let Ok(ops) = Vec::<Op>::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let store = CowtrieStore::default();
    let recorder = Recorder::new();
    let events: Vec<Event> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|t| {
                let (store, recorder, ops) = (&store, &recorder, &ops);
                s.spawn(move || {
                    let mut log = recorder.log(t);
                    for op in ops.iter().skip(t).step_by(3) {
                        log.run(store, op.clone());
                    }
                    log.into_events()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let report = check(&History::from_events(events), Budget::default());
    assert_eq!(report.verdict, Verdict::Linearizable, "{ops:?}");
}

/// `checker`: an arbitrary small history (up to 8 operations on 2 keys, arbitrary
/// intervals and results; puts, gets, removes, cas and updates); the checker must agree
/// with brute force, never panic, and never run out of budget on so few operations.
pub fn checker(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(count) = u.int_in_range(0..=8usize) else {
        return;
    };
    let mut events = Vec::new();
    for _ in 0..count {
        let Ok((thread, call, len, key, kind, value)) =
            <(u8, u8, u8, bool, u8, u8)>::arbitrary(&mut u)
        else {
            return;
        };
        let key = [b'a' + u8::from(key)];
        // Values 0–3, a fifth of the time "absent"; the bits above pick the rest.
        let small = (value % 5 != 4).then_some(u64::from(value % 4));
        let (op, result) = match kind % 5 {
            0 => (Op::put(key, u64::from(value % 4)), Ret::Unit),
            1 => (Op::get(key), Ret::Value(small)),
            2 => (Op::remove(key), Ret::Removed(value % 2 == 0)),
            3 => (
                Op::cas(key, small, u64::from(value / 5 % 4)),
                Ret::Swapped(value / 20 % 2 == 0),
            ),
            _ => (Op::update(key, u64::from(value / 5 % 4)), Ret::Value(small)),
        };
        let call = u64::from(call % 32);
        events.push(Event {
            thread: usize::from(thread % 4),
            call,
            ret: call + u64::from(len % 16),
            op,
            result: Some(result),
        });
    }
    let history = History::from_events(events);
    let verdict = check(&history, Budget::default()).verdict;
    assert!(!matches!(verdict, Verdict::Unknown { .. }), "{history:?}");
    assert_eq!(
        verdict == Verdict::Linearizable,
        linearizable_by_brute_force(&history),
        "{history:?}"
    );
}

/// `checker_budget`: an arbitrary well-formed history (each thread's operations one
/// after another, some never returning; up to 8 threads, 3 keys and 300 operations),
/// checked on a small random budget: steps per operation, 16 KiB to 4 MiB of memory, and
/// 20 ms. The check must end within its time and a tenth (plus 10 ms) in one of three
/// runs (a machine busy with other work stalls a process now and then),
/// and a definite verdict must be right: whenever the history is small enough for brute
/// force (9 operations or fewer), `linearizable` and `not linearizable` must agree with it.
/// The results come from applying the operations to the model in call order, a few then
/// changed, so both verdicts occur at every size.
pub fn checker_budget(data: &[u8]) {
    use cowtrie_model::NEVER;
    use std::time::{Duration, Instant};

    let mut u = Unstructured::new(data);
    let (Ok(count), Ok(steps_per_op), Ok(memory_kib)) = (
        u.int_in_range(0..=300usize),
        u.int_in_range(1..=400u64),
        u.int_in_range(16..=4096usize),
    ) else {
        return;
    };
    // Calls come in the order generated, each thread's after its last return; an open
    // operation ends its thread. Results come from applying the operations to the model in
    // that order (a linearization at the calls), except where the input asks for a wrong
    // one.
    let mut now = 0u64;
    let mut free_at = [0u64; 8];
    let mut model = Model::new();
    let mut events = Vec::new();
    for _ in 0..count {
        let Ok((thread, gap, len, key, kind, value, wrong, open)) =
            <(u8, u8, u8, u8, u8, u8, u8, u8)>::arbitrary(&mut u)
        else {
            break;
        };
        let thread = usize::from(thread % 8);
        if free_at[thread] == NEVER {
            continue;
        }
        let key = [b'a' + key % 3];
        let value = u64::from(value % 4);
        let op = match kind % 4 {
            0 => Op::put(key, value),
            1 => Op::get(key),
            2 => Op::remove(key),
            _ => Op::cas(key, (value % 2 == 0).then_some(value / 2), value),
        };
        let mut result = model.apply(&op);
        if wrong % 48 == 0 {
            result = match result {
                Ret::Value(v) => Ret::Value(v.map_or(Some(value), |_| None)),
                Ret::Removed(r) => Ret::Removed(!r),
                Ret::Swapped(s) => Ret::Swapped(!s),
                Ret::Unit => Ret::Unit,
            };
        }
        let call = now.max(free_at[thread]) + u64::from(gap % 8);
        now = call;
        let open = open % 12 == 0;
        let ret = if open {
            NEVER
        } else {
            call + 1 + u64::from(len % 64)
        };
        free_at[thread] = if open { NEVER } else { ret + 1 };
        events.push(Event {
            thread,
            call,
            ret,
            op,
            result: (!open).then_some(result),
        });
    }
    let history = History::from_events(events);
    let budget = Budget {
        steps_per_op,
        time: Duration::from_millis(20),
        memory: memory_kib << 10,
        every_key: false,
    };
    // A machine busy with other work can stall the process for longer than the budget,
    // once; a check that overruns its clock does so every time. So a run over the limit
    // is retried, and the limit must hold in one of three.
    let limit = budget.time + budget.time / 10 + Duration::from_millis(10);
    let mut runs = Vec::new();
    let verdict = loop {
        let start = Instant::now();
        let verdict = check(&history, budget).verdict;
        runs.push(start.elapsed());
        if runs[runs.len() - 1] <= limit {
            break verdict;
        }
        assert!(
            runs.len() < 3,
            "a budget of {:?} took {runs:?}",
            budget.time
        );
    };
    if history.len() <= 9 && !matches!(verdict, Verdict::Unknown { .. }) {
        assert_eq!(
            verdict == Verdict::Linearizable,
            linearizable_by_brute_force(&history),
            "{history:?}"
        );
    }
}

/// `history_reader`: any bytes, read as a history in every format for both the register
/// and the key-value model. Reading must never panic; an error must name a line and
/// column inside the input; a history that reads must check without panicking (on a
/// small budget, so a hard one ends as unknown).
pub fn history_reader(data: &[u8]) {
    use cowtrie_model::read::{read_history, Format, FromRecord, ReadError};
    use cowtrie_model::{check_with, KeyValue, Register};

    let lines = data.split(|&b| b == b'\n').count();
    let error_in_input = |e: &ReadError| {
        assert!(e.line >= 1 && e.line <= lines, "{e} in {lines} lines");
        assert!(e.column >= 1, "{e}");
    };
    fn read_and_check<S: FromRecord>(spec: &S, data: &[u8], format: Format) -> Option<ReadError> {
        match read_history(spec, data, format) {
            Ok(history) => {
                let budget = Budget {
                    steps_per_op: 50,
                    time: std::time::Duration::from_millis(200),
                    ..Budget::default()
                };
                let _ = check_with(spec, &history, budget);
                None
            }
            Err(e) => Some(e),
        }
    }
    for format in [Format::Auto, Format::Edn, Format::JepsenLog] {
        if let Some(e) = read_and_check(&Register, data, format) {
            error_in_input(&e);
        }
        if let Some(e) = read_and_check(&KeyValue, data, format) {
            error_in_input(&e);
        }
    }
}
