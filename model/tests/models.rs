//! The register and key-value models, operations that never return, and a model of the
//! user's own behind the same trait.

use std::fmt;

use cowtrie_model::{
    check_with, Budget, Event, History, KeyValue, KvOp, KvRet, Recorder, Register, RegisterOp,
    RegisterRet, Spec, Value, Verdict,
};

fn ev<O, R>(thread: usize, call: u64, ret: u64, op: O, result: Option<R>) -> Event<O, R> {
    Event {
        thread,
        call,
        ret,
        op,
        result,
    }
}

fn int(i: i64) -> Value {
    Value::Int(i)
}

fn register(events: Vec<Event<RegisterOp, RegisterRet>>) -> Verdict<Register> {
    check_with(&Register, &History::from_events(events), Budget::default()).verdict
}

#[test]
fn a_register_starts_nil_and_cas_sets_only_on_a_match() {
    use RegisterOp::*;
    let ok = Some(RegisterRet::Ok);
    let read = |v: Value| Some(RegisterRet::Value(v));
    assert_eq!(
        register(vec![
            ev(0, 0, 1, Read, read(Value::Nil)),
            ev(0, 2, 3, Write(int(1)), ok.clone()),
            ev(1, 4, 5, Cas(int(1), int(2)), ok.clone()),
            ev(1, 6, 7, Cas(int(1), int(3)), Some(RegisterRet::Failed)),
            ev(0, 8, 9, Read, read(int(2))),
        ]),
        Verdict::Linearizable
    );
    let Verdict::Violation(v) = register(vec![
        ev(0, 0, 1, Write(int(1)), ok.clone()),
        ev(1, 2, 3, Cas(int(2), int(3)), ok),
    ]) else {
        panic!("a cas from a value the register never held succeeded")
    };
    assert!(v.explanation.contains("register"), "{}", v.explanation);
    let Verdict::Violation(v) = register(vec![
        ev(0, 0, 1, Read, Some(RegisterRet::Value(int(5)))),
        ev(1, 2, 3, Cas(Value::Nil, int(5)), Some(RegisterRet::Ok)),
    ]) else {
        panic!("a read saw a value before it was written")
    };
    assert!(
        v.explanation
            .starts_with("read returned 5 (ticks 0..1) before any write of 5 began"),
        "{}",
        v.explanation
    );
    let Verdict::Violation(v) = register(vec![ev(0, 0, 1, Read, Some(RegisterRet::Value(int(6))))])
    else {
        panic!("a read saw a value never written")
    };
    assert!(v.explanation.contains("never written"), "{}", v.explanation);
}

#[test]
fn an_operation_that_never_returned_may_take_effect_late_or_never() {
    use RegisterOp::*;
    let read = |v: Value| Some(RegisterRet::Value(v));
    // The write never returned; a read long after sees it, an earlier one did not.
    let events = vec![
        ev(0, 0, 0, Write(int(1)), None),
        ev(1, 1, 2, Read, read(Value::Nil)),
        ev(1, 10, 11, Read, read(int(1))),
    ];
    assert_eq!(register(events), Verdict::Linearizable);
    // It may also never take effect.
    let events = vec![
        ev(0, 0, 0, Write(int(1)), None),
        ev(1, 10, 11, Read, read(Value::Nil)),
    ];
    assert_eq!(register(events), Verdict::Linearizable);
    // But not before its call.
    let events = vec![
        ev(1, 0, 1, Read, read(int(1))),
        ev(0, 5, 0, Write(int(1)), None),
    ];
    let Verdict::Violation(v) = register(events) else {
        panic!("a read saw a write that had not been called")
    };
    assert!(v.window.iter().any(|e| e.is_open()) || v.window.len() == 1);
    // And once it took effect it stays (a later read cannot see nil again).
    let events = vec![
        ev(0, 0, 0, Write(int(1)), None),
        ev(1, 1, 2, Read, read(int(1))),
        ev(1, 3, 4, Read, read(Value::Nil)),
    ];
    assert!(matches!(register(events), Verdict::Violation(_)));
}

#[test]
fn key_value_appends_per_key_and_missing_keys_read_empty() {
    let get = |k: &str| KvOp::Get { key: k.into() };
    let append = |k: &str, v: &str| KvOp::Append {
        key: k.into(),
        value: v.into(),
    };
    let seen = |v: &str| Some(KvRet::Value(v.into()));
    let events = vec![
        ev(0, 0, 1, get("a"), seen("")),
        ev(0, 2, 3, append("a", "x"), Some(KvRet::Ok)),
        ev(1, 2, 5, append("a", "y"), Some(KvRet::Ok)),
        ev(0, 6, 7, get("a"), seen("yx")),
        ev(0, 8, 9, get("b"), seen("")),
    ];
    let report = check_with(&KeyValue, &History::from_events(events), Budget::default());
    assert_eq!(report.verdict, Verdict::Linearizable);
    assert_eq!(report.partitions, 2);
    let events = vec![
        ev(0, 0, 1, append("a", "x"), Some(KvRet::Ok)),
        ev(0, 2, 3, get("b"), seen("x")),
    ];
    let report = check_with(&KeyValue, &History::from_events(events), Budget::default());
    let Verdict::Violation(v) = report.verdict else {
        panic!("a key saw another key's append")
    };
    assert_eq!(v.key, "b");
}

/// A counter: a model of the user's own, one partition.
#[derive(Default)]
struct Counter;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Increment;

impl fmt::Display for Increment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "increment")
    }
}

impl Spec for Counter {
    type Op = Increment;
    type Ret = u64;
    type State = u64;
    type Key = ();

    fn init(&self) -> u64 {
        0
    }

    fn key(&self, _: &Increment) {}

    fn apply(&self, state: &u64, _: &Increment) -> (u64, u64) {
        (state + 1, state + 1)
    }
}

#[test]
fn a_model_of_ones_own_plugs_into_the_checker() {
    let events = vec![
        ev(0, 0, 5, Increment, Some(2)),
        ev(1, 1, 2, Increment, Some(1)),
        ev(1, 6, 7, Increment, Some(3)),
    ];
    let report = check_with(&Counter, &History::from_events(events), Budget::default());
    assert_eq!(report.verdict, Verdict::Linearizable);
    let events = vec![
        ev(0, 0, 1, Increment, Some(2)),
        ev(1, 2, 3, Increment, Some(1)),
    ];
    let report = check_with(&Counter, &History::from_events(events), Budget::default());
    assert!(matches!(report.verdict, Verdict::Violation(_)));
}

#[test]
fn a_thread_that_panics_inside_an_operation_leaves_it_open() {
    let recorder = Recorder::new();
    let mut log = recorder.log_of::<RegisterOp, RegisterRet>(0);
    let state = std::sync::Mutex::new(Value::Nil);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let returned = log.record_catching(RegisterOp::Write(int(7)), |_| {
        *state.lock().unwrap() = int(7);
        panic!("the thread dies after the write took effect");
    });
    std::panic::set_hook(hook);
    assert_eq!(returned, None);
    let mut reader = recorder.log_of::<RegisterOp, RegisterRet>(1);
    reader.record(RegisterOp::Read, |_| {
        RegisterRet::Value(state.lock().unwrap().clone())
    });
    let events: Vec<_> = log
        .into_events()
        .into_iter()
        .chain(reader.into_events())
        .collect();
    assert!(events[0].is_open());
    let history = History::from_events(events);
    let report = check_with(&Register, &history, Budget::default());
    assert_eq!(report.verdict, Verdict::Linearizable);
}
