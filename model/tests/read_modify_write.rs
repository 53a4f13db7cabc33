//! Compare-and-swap and update (get-and-set): the model's semantics, the checker on
//! hand-written histories (a read-modify-write that is not atomic is a violation, told in
//! plain words), and real-thread runs of the workload's cas and update operations.

use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cowtrie_model::broken::{LostUpdate, NonAtomicRemove, StaleRead};
use cowtrie_model::workload::{Mix, Stop, Workload};
use cowtrie_model::{check, Budget, KvStore, Model, Op, Ret, Verdict, Violation};

mod common;
use common::{cas, get, put, update, verdict, violation};

/// The mix of `cowtrie check --mix get=50,put=20,cas=15,update=15`.
fn rmw_mix() -> Mix {
    "get=50,put=20,cas=15,update=15".parse().unwrap()
}

#[test]
fn the_model_swaps_only_on_a_match_and_update_returns_the_previous_value() {
    let mut model = Model::new();
    assert_eq!(model.apply(&Op::cas("k", Some(1), 2)), Ret::Swapped(false));
    assert_eq!(
        model.apply(&Op::get("k")),
        Ret::Value(None),
        "a failed cas writes nothing"
    );
    assert_eq!(model.apply(&Op::cas("k", None, 1)), Ret::Swapped(true));
    assert_eq!(model.apply(&Op::cas("k", None, 5)), Ret::Swapped(false));
    assert_eq!(model.apply(&Op::cas("k", Some(1), 2)), Ret::Swapped(true));
    assert_eq!(model.apply(&Op::get("k")), Ret::Value(Some(2)));
    assert_eq!(model.apply(&Op::update("k", 3)), Ret::Value(Some(2)));
    assert_eq!(model.apply(&Op::update("j", 4)), Ret::Value(None));
    assert_eq!(model.sorted(), vec![(b"j".to_vec(), 4), (b"k".to_vec(), 3)]);
}

#[test]
fn the_mutex_model_store_runs_cas_and_update_as_the_model_does() {
    let store = Mutex::new(Model::new());
    assert!(store.cas(b"k", None, 1));
    assert!(!store.cas(b"k", None, 2));
    assert_eq!(store.update(b"k", 3), Some(1));
    assert_eq!(store.apply(&Op::cas("k", Some(3), 4)), Ret::Swapped(true));
    assert_eq!(store.apply(&Op::update("k", 5)), Ret::Value(Some(4)));
    assert_eq!(store.get(b"k"), Some(5));
}

#[test]
fn ops_print_as_code_and_in_short() {
    assert_eq!(
        format!("{:?}", Op::cas(b"k", Some(1), 2)),
        r#"Op::cas(b"k", Some(1), 2)"#
    );
    assert_eq!(
        format!("{:?}", Op::cas(b"", None, 2)),
        r#"Op::cas(b"", None, 2)"#
    );
    assert_eq!(
        format!("{:?}", Op::update(b"k\xff", 7)),
        r#"Op::update(b"k\xff", 7)"#
    );
    assert_eq!(Op::cas("k", Some(1), 2).to_string(), "cas(1, 2)");
    assert_eq!(Op::cas("k", None, 2).to_string(), "cas(None, 2)");
    assert_eq!(Op::update("k", 7).to_string(), "update(7)");
    assert_eq!(Ret::Swapped(true).to_string(), "true");
    assert_eq!(Op::cas("k", None, 2).key(), b"k");
    assert_eq!(Op::update("j", 2).key(), b"j");
}

#[test]
fn with_unique_values_numbers_every_write_and_keeps_what_a_cas_expects() {
    let ops = vec![
        Op::put("a", 9),
        Op::cas("a", Some(1), 9),
        Op::update("a", 9),
        Op::get("a"),
    ];
    assert_eq!(
        Op::with_unique_values(ops),
        vec![
            Op::put("a", 1),
            Op::cas("a", Some(1), 2),
            Op::update("a", 3),
            Op::get("a"),
        ]
    );
}

#[test]
fn overlapping_cas_from_one_value_may_go_either_way_but_only_one_succeeds() {
    let one_wins = vec![
        put(0, 0, 1, 1),
        cas(1, 2, 10, Some(1), 2, true),
        cas(2, 3, 11, Some(1), 3, false),
        get(0, 12, 13, Some(2)),
    ];
    assert_eq!(verdict(one_wins), Verdict::Linearizable);
    let other_wins = vec![
        put(0, 0, 1, 1),
        cas(1, 2, 10, Some(1), 2, false),
        cas(2, 3, 11, Some(1), 3, true),
        get(0, 12, 13, Some(3)),
    ];
    assert_eq!(verdict(other_wins), Verdict::Linearizable);
}

#[test]
fn two_cas_from_one_value_both_succeeding_is_a_violation() {
    // Both read 1 and both wrote: a cas that read outside the writer lock.
    let first = cas(1, 2, 10, Some(1), 2, true);
    let v = violation(vec![
        put(0, 0, 1, 1),
        first.clone(),
        cas(2, 3, 11, Some(1), 3, true),
    ]);
    assert!(
        v.explanation.contains("cas(1, 2) -> true")
            && v.explanation.contains("cas(1, 3) -> true")
            && v.explanation
                .contains("both replaced 1, with no write of 1 between them"),
        "{}",
        v.explanation
    );
    assert!(v.window.contains(&first) || v.context.contains(&first));
}

#[test]
fn two_cas_from_absent_both_succeeding_is_a_violation_unless_a_remove_may_come_between() {
    let v = violation(vec![
        cas(1, 0, 10, None, 1, true),
        cas(2, 1, 11, None, 2, true),
    ]);
    assert!(
        v.explanation
            .contains("both found the key absent, with no remove between them"),
        "{}",
        v.explanation
    );
    let with_remove = vec![
        cas(1, 0, 10, None, 1, true),
        common::remove(0, 2, 9, true),
        cas(2, 1, 11, None, 2, true),
    ];
    assert_eq!(verdict(with_remove), Verdict::Linearizable);
}

#[test]
fn two_updates_seeing_one_value_is_a_violation() {
    // Both returned 1: a get-and-set that read, let another writer in, then wrote.
    let v = violation(vec![
        put(0, 0, 1, 1),
        update(1, 2, 10, 2, Some(1)),
        update(2, 3, 11, 3, Some(1)),
    ]);
    assert!(
        v.explanation.contains("both replaced 1"),
        "{}",
        v.explanation
    );
    // Overlapping updates that saw 1 and then the other's value are fine.
    let chained = vec![
        put(0, 0, 1, 1),
        update(1, 2, 10, 2, Some(1)),
        update(2, 3, 11, 3, Some(2)),
        get(0, 12, 13, Some(3)),
    ];
    assert_eq!(verdict(chained), Verdict::Linearizable);
}

#[test]
fn an_update_seeing_an_overwritten_value_cites_the_overwrite() {
    let v = violation(vec![
        put(0, 0, 1, 1),
        put(1, 2, 3, 2),
        update(2, 4, 5, 3, Some(1)),
    ]);
    assert!(
        v.explanation.starts_with(
            "update(3) returned 1 (ticks 4..5) although put(2) -> () completed after put(1)"
        ),
        "{}",
        v.explanation
    );
}

#[test]
fn a_failed_cas_writes_nothing_and_a_cas_that_failed_wrongly_is_a_violation() {
    // The failed cas(None, 5) did not write 5: a read of 5 is a value never written.
    let v = violation(vec![
        put(0, 0, 1, 1),
        cas(1, 2, 3, None, 5, false),
        get(0, 4, 5, Some(5)),
    ]);
    assert!(
        v.explanation
            .starts_with("get returned 5, a value never written to this key"),
        "{}",
        v.explanation
    );
    // A cas expecting the value the key holds, alone, must succeed.
    let v = violation(vec![put(0, 0, 1, 1), cas(1, 2, 3, Some(1), 2, false)]);
    assert!(
        v.explanation.contains("the result false"),
        "{}",
        v.explanation
    );
}

#[test]
fn a_get_after_a_cas_and_an_update_sees_their_writes() {
    let events = vec![
        cas(0, 0, 1, None, 1, true),
        get(1, 2, 3, Some(1)),
        update(0, 4, 5, 2, Some(1)),
        get(1, 6, 7, Some(2)),
        cas(0, 8, 9, Some(2), 3, true),
        get(1, 10, 11, Some(3)),
    ];
    assert_eq!(verdict(events), Verdict::Linearizable);
    let v = violation(vec![
        cas(0, 0, 1, None, 1, true),
        update(0, 2, 3, 2, Some(1)),
        get(1, 4, 5, None),
    ]);
    assert!(
        v.explanation
            .starts_with("get returned None (ticks 4..5) after update(2) completed (tick 3) and before any remove began"),
        "{}",
        v.explanation
    );
}

#[test]
fn the_mix_reads_and_prints_cas_and_update() {
    let mix = rmw_mix();
    assert_eq!((mix.cas, mix.update, mix.remove), (15, 15, 0));
    assert_eq!(mix.to_string(), "get=50,put=20,remove=0,cas=15,update=15");
    assert_eq!(mix.to_string().parse::<Mix>(), Ok(mix));
    assert_eq!(Mix::default().to_string(), "get=60,put=30,remove=10");
    assert!("swap=1".parse::<Mix>().unwrap_err().contains("cas, update"));
}

fn stress(store: &(impl KvStore + ?Sized), seed: u64, ops: u64, keys: usize) -> (Verdict, Vec<Op>) {
    let workload = Workload {
        threads: 4,
        keys,
        stop: Stop::Ops(ops),
        mix: rmw_mix(),
        seed,
    };
    let run = workload.run(store, &AtomicU64::new(0));
    let ops = run.history.events().iter().map(|e| e.op.clone()).collect();
    let verdict = check(&run.history, Budget::default()).verdict;
    (verdict, ops)
}

#[test]
fn the_workload_runs_cas_that_often_succeed_and_updates_on_unique_values() {
    let store = Mutex::new(Model::new());
    let workload = Workload {
        threads: 4,
        keys: 64,
        stop: Stop::Ops(20_000),
        mix: rmw_mix(),
        seed: 3,
    };
    let run = workload.run(&store, &AtomicU64::new(0));
    let events = run.history.events();
    let cas: Vec<_> = events
        .iter()
        .filter(|e| matches!(e.op, Op::Cas { .. }))
        .collect();
    let swapped = cas
        .iter()
        .filter(|e| e.result == Some(Ret::Swapped(true)))
        .count();
    let updates = events
        .iter()
        .filter(|e| matches!(e.op, Op::Update { .. }))
        .count();
    assert!(
        cas.len() > 2_000 && updates > 2_000,
        "{} cas, {updates} updates",
        cas.len()
    );
    assert!(
        swapped * 4 > cas.len(),
        "only {swapped} of {} cas succeeded",
        cas.len()
    );
    let mut written: Vec<u64> = events.iter().filter_map(|e| e.op.written()).collect();
    let n = written.len();
    written.sort_unstable();
    written.dedup();
    assert_eq!(written.len(), n, "every write writes a value of its own");
    assert_eq!(
        check(&run.history, Budget::default()).verdict,
        Verdict::Linearizable
    );
}

#[test]
fn a_mutex_around_the_model_is_linearizable_with_cas_and_update() {
    for seed in 0..4 {
        let (verdict, _) = stress(&Mutex::new(Model::new()), seed, 40_000, 8);
        assert_eq!(verdict, Verdict::Linearizable, "seed {seed}");
    }
}

/// Stress rounds on fresh stores with the cas/update mix until one is flagged.
fn caught_within<S: KvStore + Default>(limit: Duration) -> Violation {
    let start = Instant::now();
    let mut seed = 0;
    while start.elapsed() < limit {
        if let (Verdict::Violation(v), _) = stress(&S::default(), seed, 20_000, 8) {
            return *v;
        }
        seed += 1;
    }
    panic!("{} not caught in {limit:?}", std::any::type_name::<S>());
}

#[test]
fn each_broken_store_is_still_caught_with_cas_and_update_in_the_mix() {
    let limit = Duration::from_secs(20);
    // The lost update is caught on a cas or an update too: theirs share its flaw.
    let lost = caught_within::<LostUpdate>(limit);
    println!("lost update: {}", lost.explanation);
    println!(
        "stale read: {}",
        caught_within::<StaleRead>(limit).explanation
    );
    // This mix has no removes: the non-atomic remove needs some to show.
    let start = Instant::now();
    let mix: Mix = "get=40,put=20,remove=20,cas=10,update=10".parse().unwrap();
    let remove = (0..)
        .take_while(|_| start.elapsed() < limit)
        .find_map(|seed| {
            let workload = Workload {
                threads: 4,
                keys: 8,
                stop: Stop::Ops(20_000),
                mix,
                seed,
            };
            let run = workload.run(&NonAtomicRemove::default(), &AtomicU64::new(0));
            match check(&run.history, Budget::default()).verdict {
                Verdict::Violation(v) => Some(v),
                _ => None,
            }
        })
        .expect("the non-atomic remove is caught");
    println!("non-atomic remove: {}", remove.explanation);
}
