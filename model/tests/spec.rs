//! The model crate's building blocks on their own: the sequential specification, the
//! operation type's constructors and generators, and the recorder.

use std::sync::Mutex;

#[cfg(feature = "arbitrary")]
use arbitrary::{Arbitrary, Unstructured};
use cowtrie_model::{History, KvStore, Model, Op, Recorder, Ret};

#[test]
fn the_model_counts_and_sorts_its_keys() {
    let mut model = Model::new();
    assert!(model.is_empty());
    assert_eq!(model.len(), 0);
    assert_eq!(model.sorted(), vec![]);

    // Inserted out of order, one key a prefix of another, the empty key, a high byte.
    for (key, value) in [
        (&b"b"[..], 2),
        (b"\xff", 5),
        (b"", 0),
        (b"ab", 4),
        (b"a", 3),
    ] {
        assert_eq!(model.apply(&Op::put(key, value)), Ret::Unit);
    }
    assert!(!model.is_empty());
    assert_eq!(model.len(), 5);
    let expected: Vec<(Vec<u8>, u64)> = vec![
        (b"".to_vec(), 0),
        (b"a".to_vec(), 3),
        (b"ab".to_vec(), 4),
        (b"b".to_vec(), 2),
        (b"\xff".to_vec(), 5),
    ];
    assert_eq!(model.sorted(), expected);

    // Overwriting keeps the count; removing lowers it.
    model.apply(&Op::put(b"a", 30));
    assert_eq!(model.len(), 5);
    assert_eq!(model.apply(&Op::remove(b"ab")), Ret::Removed(true));
    assert_eq!(model.apply(&Op::remove(b"ab")), Ret::Removed(false));
    assert_eq!(model.apply(&Op::get(b"a")), Ret::Value(Some(30)));
    assert_eq!(model.apply(&Op::get(b"ab")), Ret::Value(None));
    assert_eq!(model.len(), 4);
    for key in [&b""[..], b"a", b"b", b"\xff"] {
        model.apply(&Op::remove(key));
    }
    assert!(model.is_empty());
    assert_eq!(model.sorted(), vec![]);
}

#[test]
fn debug_prints_an_operation_as_code() {
    assert_eq!(
        format!("{:?}", Op::put(b"k\x00", 9)),
        r#"Op::put(b"k\x00", 9)"#
    );
    assert_eq!(format!("{:?}", Op::get(b"")), r#"Op::get(b"")"#);
    assert_eq!(format!("{:?}", Op::remove(b"\"q")), r#"Op::remove(b"\"q")"#);
    // Inside a Vec too, which is how a failing case is printed.
    assert_eq!(
        format!("{:?}", vec![Op::get(b"a"), Op::remove(b"b")]),
        r#"[Op::get(b"a"), Op::remove(b"b")]"#
    );
}

#[test]
fn with_unique_values_numbers_the_puts_in_order_and_keeps_the_rest() {
    let ops = vec![
        Op::get(b"a"),
        Op::put(b"a", 7),
        Op::put(b"b", 7),
        Op::remove(b"a"),
        Op::put(b"a", 0),
    ];
    assert_eq!(
        Op::with_unique_values(ops),
        vec![
            Op::get(b"a"),
            Op::put(b"a", 1),
            Op::put(b"b", 2),
            Op::remove(b"a"),
            Op::put(b"a", 3),
        ]
    );
    assert_eq!(Op::with_unique_values(vec![]), vec![]);
}

#[cfg(feature = "arbitrary")]
#[test]
fn arbitrary_ops_cover_every_kind_on_few_short_keys() {
    // Decode many pseudo-random byte strings; a fuzzer's inputs look like these.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut bytes = Vec::new();
    for _ in 0..64 * 1024 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.push(state as u8);
    }
    let mut u = Unstructured::new(&bytes);
    let (mut puts, mut gets, mut removes, mut cas, mut updates, mut loads) = (0, 0, 0, 0, 0, 0);
    let mut keys = std::collections::HashSet::new();
    while let Ok(op) = Op::arbitrary(&mut u) {
        if u.is_empty() {
            break;
        }
        assert!(op.key().len() <= 3, "{op:?}");
        assert!(op.key().iter().all(|b| b"ab\x00\xff".contains(b)), "{op:?}");
        keys.insert(op.key().to_vec());
        match op {
            Op::Put { .. } => puts += 1,
            Op::Get { .. } => gets += 1,
            Op::Remove { .. } => removes += 1,
            Op::Cas { .. } => cas += 1,
            Op::Update { .. } => updates += 1,
            Op::GetOrPut { .. } => loads += 1,
        }
    }
    let total = puts + gets + removes + cas + updates + loads;
    assert!(total > 1_000, "decoded {total} ops");
    // Weights 2:2:1:1:1:1, with a wide margin.
    for (name, count, share) in [
        ("put", puts, 2.0 / 8.0),
        ("get", gets, 2.0 / 8.0),
        ("remove", removes, 1.0 / 8.0),
        ("cas", cas, 1.0 / 8.0),
        ("update", updates, 1.0 / 8.0),
        ("get_or_put", loads, 1.0 / 8.0),
    ] {
        let seen = count as f64 / total as f64;
        assert!(
            (seen - share).abs() < 0.1,
            "{name}: {count} of {total} ops ({seen:.2}, expected about {share})"
        );
    }
    // The empty key, and keys of every length up to 3, all turn up: operations collide.
    assert!(keys.contains(&b""[..]));
    for len in 1..=3 {
        assert!(
            keys.iter().any(|k| k.len() == len),
            "no key of length {len}"
        );
    }
}

#[test]
fn a_thread_log_records_each_operation_with_its_ticks() {
    let store = Mutex::new(Model::new());
    let recorder = Recorder::new();
    let mut first = recorder.log(0);
    let mut second = recorder.log(1);
    assert!(first.is_empty());
    assert_eq!(first.len(), 0);

    assert_eq!(first.run(&store, Op::put(b"k", 1)), Ret::Unit);
    assert_eq!(second.run(&store, Op::get(b"k")), Ret::Value(Some(1)));
    assert_eq!(first.run(&store, Op::remove(b"k")), Ret::Removed(true));
    // A store driven without KvStore: the result is whatever `perform` returns.
    assert_eq!(
        second.record(Op::get(b"k"), |op| store.apply(op)),
        Ret::Value(None)
    );
    assert!(!first.is_empty());
    assert_eq!((first.len(), second.len()), (2, 2));

    let events = first.into_events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].op, Op::put(b"k", 1));
    assert_eq!(events[1].result, Some(Ret::Removed(true)));
    assert!(events.iter().all(|e| e.thread == 0 && e.call < e.ret));
    // One clock for both logs: the put (ticks 0, 1) came before the get (2, 3).
    assert_eq!((events[0].call, events[0].ret), (0, 1));
    assert_eq!((events[1].call, events[1].ret), (4, 5));

    let history = History::from_logs([second]);
    assert_eq!(history.len(), 2);
    assert!(!history.is_empty());
    assert!(history.events().iter().all(|e| e.thread == 1));
    let merged = History::from_events(events.into_iter().chain(history.events().to_vec()));
    assert_eq!(merged.len(), 4);
    let calls: Vec<u64> = merged.events().iter().map(|e| e.call).collect();
    assert_eq!(calls, vec![0, 2, 4, 6], "ordered by call tick");
    assert!(History::default().is_empty());
    assert_eq!(History::<Op, Ret>::from_events([]).len(), 0);
}
