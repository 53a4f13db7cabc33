//! The checker's own tests: hand-written histories, agreement with brute force on small
//! random histories, and real-thread runs of a correct store and of each broken one.

use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cowtrie_model::broken::{LostUpdate, NonAtomicRemove, StaleRead};
use cowtrie_model::workload::{Mix, Stop, Workload};
use cowtrie_model::{
    check, linearizable_by_brute_force, Budget, Event, History, KvStore, Model, Op, Ret, Verdict,
    Violation,
};
use proptest::prelude::*;

mod common;
use common::{ev, get, put, remove, verdict, violation};

#[test]
fn an_empty_history_and_a_sequential_one_are_linearizable() {
    assert_eq!(verdict(vec![]), Verdict::Linearizable);
    let sequential = vec![
        get(0, 0, 1, None),
        put(0, 2, 3, 1),
        get(1, 4, 5, Some(1)),
        remove(0, 6, 7, true),
        remove(1, 8, 9, false),
        get(0, 10, 11, None),
    ];
    assert_eq!(verdict(sequential), Verdict::Linearizable);
}

#[test]
fn overlapping_operations_may_go_either_way() {
    // A get overlapping a put may see the old state or the new one.
    assert_eq!(
        verdict(vec![put(0, 0, 10, 1), get(1, 2, 3, None)]),
        Verdict::Linearizable
    );
    assert_eq!(
        verdict(vec![put(0, 0, 10, 1), get(1, 2, 3, Some(1))]),
        Verdict::Linearizable
    );
    // Two overlapping puts may land in either order.
    for last in [1, 2] {
        let h = vec![put(0, 0, 5, 1), put(1, 1, 6, 2), get(0, 7, 8, Some(last))];
        assert_eq!(verdict(h), Verdict::Linearizable, "last write {last}");
    }
    // A remove overlapping a put: true if the put went first.
    assert_eq!(
        verdict(vec![
            put(0, 0, 5, 1),
            remove(1, 1, 6, true),
            get(0, 7, 8, None)
        ]),
        Verdict::Linearizable
    );
}

#[test]
fn but_once_a_reader_saw_the_new_value_no_later_reader_sees_the_old() {
    let v = violation(vec![
        put(0, 0, 10, 1),
        get(1, 2, 3, Some(1)),
        get(2, 4, 5, None),
    ]);
    assert_eq!(v.culprit, get(2, 4, 5, None));
}

#[test]
fn a_stale_read_is_a_violation() {
    let v = violation(vec![
        put(0, 0, 1, 1),
        put(0, 2, 3, 2),
        get(1, 4, 5, Some(1)),
    ]);
    assert_eq!(v.key, b"k");
    assert_eq!(v.culprit, get(1, 4, 5, Some(1)));
    assert!(
        v.explanation
            .contains("put(2) -> () completed after put(1) and before the get began"),
        "{}",
        v.explanation
    );
    assert_eq!(
        v.window,
        vec![get(1, 4, 5, Some(1))],
        "the stale read alone, from state 2"
    );
    assert_eq!(v.context, vec![put(0, 0, 1, 1), put(0, 2, 3, 2)]);
}

#[test]
fn a_lost_update_is_a_violation() {
    let v = violation(vec![put(0, 0, 1, 7), get(1, 2, 3, None)]);
    assert!(
        v.explanation
            .contains("get returned None (ticks 2..3) after put(7) completed (tick 1) and before any remove began"),
        "{}",
        v.explanation
    );
}

#[test]
fn a_read_of_a_value_never_written_is_a_violation() {
    let v = violation(vec![put(0, 0, 1, 1), get(1, 2, 3, Some(99))]);
    assert!(v.explanation.contains("never written"), "{}", v.explanation);
}

#[test]
fn two_removes_returning_true_for_one_put_is_a_violation() {
    let v = violation(vec![
        put(0, 0, 1, 1),
        remove(1, 2, 5, true),
        remove(2, 3, 6, true),
    ]);
    assert!(
        v.explanation.contains("two removes returned true"),
        "{}",
        v.explanation
    );
    // The window opens after the put, with the key holding 1: just the two removes.
    assert_eq!(v.start_states, vec![Some(1)]);
    assert_eq!(v.window, vec![remove(1, 2, 5, true), remove(2, 3, 6, true)]);
}

#[test]
fn a_remove_returning_false_after_a_put_is_a_violation() {
    let v = violation(vec![put(0, 0, 1, 3), remove(1, 2, 3, false)]);
    assert!(
        v.explanation
            .contains("remove returned false (ticks 2..3) after put(3)"),
        "{}",
        v.explanation
    );
}

#[test]
fn keys_are_independent() {
    // Fine on each key separately, whatever the interleaving across keys.
    let h = vec![
        ev(0, 0, 1, Op::put("a", 1), Ret::Unit),
        ev(1, 0, 1, Op::put("b", 2), Ret::Unit),
        ev(0, 2, 3, Op::get("b"), Ret::Value(Some(2))),
        ev(1, 2, 3, Op::get("a"), Ret::Value(Some(1))),
    ];
    assert_eq!(verdict(h), Verdict::Linearizable);
    let report = check(
        &History::from_events(vec![
            ev(0, 0, 1, Op::put("a", 1), Ret::Unit),
            ev(0, 2, 3, Op::get("b"), Ret::Value(Some(1))),
        ]),
        Budget::default(),
    );
    assert_eq!(report.partitions, 2);
    match report.verdict {
        Verdict::Violation(v) => assert_eq!(v.key, b"b"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_window_is_small_in_a_long_history() {
    // 200 correct rounds, then a stale read, then 200 more rounds.
    // Round `value` puts it and reads it back, from tick `10 * value` on.
    let round = |value: u64| {
        let t = 10 * value;
        [put(0, t, t + 3, value), get(1, t + 4, t + 5, Some(value))]
    };
    let mut events: Vec<Event> = (1..=200).flat_map(round).collect();
    events.push(get(2, 2007, 2008, Some(150)));
    events.extend((201..=400).flat_map(round));
    let v = violation(events);
    assert_eq!(v.culprit.op, Op::get("k"));
    assert_eq!(v.culprit.result, Some(Ret::Value(Some(150))));
    assert!(
        v.window.len() <= 3,
        "window of {} ops: {:?}",
        v.window.len(),
        v.window
    );
    assert_eq!(v.start_states, vec![Some(200)]);
}

/// The factorial history under `budget` must end in `Unknown`, not run for ever.
fn assert_unknown_on_factorial_history(budget: Budget) {
    let report = check(&History::from_events(factorial_history()), budget);
    assert!(
        matches!(report.verdict, Verdict::Unknown { .. }),
        "{:?}",
        report.verdict
    );
}

#[test]
fn a_tiny_budget_gives_unknown_not_a_hang() {
    // The clock cannot end this one (an hour): only the step budget can.
    let budget = Budget {
        steps_per_op: 10,
        time: Duration::from_secs(3600),
        ..Budget::default()
    };
    assert_unknown_on_factorial_history(budget);
}

#[test]
fn a_spent_time_budget_gives_unknown_not_a_hang() {
    // Unlimited steps: only the clock can end this search.
    let budget = Budget {
        steps_per_op: u64::MAX,
        time: Duration::ZERO,
        ..Budget::default()
    };
    assert_unknown_on_factorial_history(budget);
}

#[test]
fn the_search_stops_at_the_first_linearization() {
    // 40 overlapping puts can be ordered 40! ways; exploring them all, even through the
    // cache, means visiting 2^40 sets of puts. Any one order will do, found in a step
    // per put, well within the budget.
    let puts: Vec<Event> = (0..40).map(|i| put(i, 0, 100, i as u64)).collect();
    let budget = Budget {
        steps_per_op: 10,
        time: Duration::from_secs(3600),
        ..Budget::default()
    };
    let report = check(&History::from_events(puts), budget);
    assert_eq!(report.verdict, Verdict::Linearizable);
    assert!(
        report.steps >= 40,
        "{} steps reported for 40 operations",
        report.steps
    );
}

#[test]
fn a_spent_time_budget_still_decides_a_small_history() {
    // The clock is read only every 256 search steps, so a small history gets its
    // verdict however little time is left.
    let budget = Budget {
        steps_per_op: 200,
        time: Duration::ZERO,
        ..Budget::default()
    };
    let fine = vec![put(0, 0, 5, 1), get(1, 1, 2, None), get(2, 6, 7, Some(1))];
    assert_eq!(
        check(&History::from_events(fine), budget).verdict,
        Verdict::Linearizable
    );
    let lost = vec![put(0, 0, 1, 7), get(1, 2, 3, None)];
    match check(&History::from_events(lost), budget).verdict {
        Verdict::Violation(v) => {
            assert_eq!(v.culprit, get(1, 2, 3, None));
            // Narrowing the window has no time left, and the explanation says so.
            assert!(v.explanation.contains("cut short"), "{}", v.explanation);
        }
        other => panic!("{other:?}"),
    }
}

/// 40 overlapping puts and a read of a value none wrote: without the cache's help
/// (every order of the puts ends in a different state) the search is factorial.
fn factorial_history() -> Vec<Event> {
    let mut all: Vec<Event> = (0..40).map(|i| put(i, 0, 100, i as u64)).collect();
    all.push(get(99, 101, 102, Some(1000)));
    all
}

// ---- agreement with brute force ----

/// Small histories over 2 keys: intervals at random; results from a random linearization
/// (so linearizable), then, half of the time, one result changed.
fn small_history() -> impl Strategy<Value = Vec<Event>> {
    let op = (0..2u8, 0..5u8, 0..20u64, 1..8u64, 0..100u32);
    (
        proptest::collection::vec(op, 1..=8),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(|(specs, corrupt, pick)| {
            let mut events: Vec<(u64, Event)> = specs
                .iter()
                .enumerate()
                .map(|(i, &(key, kind, start, len, point))| {
                    let key = [b'a' + key];
                    // Write i + 1; a cas expects absence or an earlier write's value.
                    let value = i as u64 + 1;
                    let op = match kind {
                        0 => Op::put(key, value),
                        1 => Op::get(key),
                        2 => Op::remove(key),
                        3 => Op::cas(
                            key,
                            (point % 4 > 0).then(|| u64::from(point) % value + 1),
                            value,
                        ),
                        _ => Op::update(key, value),
                    };
                    // Distinct ticks: scale by the number of ops and offset by index.
                    let n = specs.len() as u64;
                    let call = start * 2 * n + i as u64;
                    let ret = (start + len) * 2 * n + i as u64;
                    let at = call + u64::from(point) * (ret - call) / 100;
                    (at, ev(i % 3, call, ret, op, Ret::Unit))
                })
                .collect();
            events.sort_by_key(|(at, e)| (*at, e.call));
            let mut model = Model::new();
            for (_, e) in &mut events {
                e.result = Some(model.apply(&e.op));
            }
            let mut events: Vec<Event> = events.into_iter().map(|(_, e)| e).collect();
            if corrupt {
                let e = &mut events[(pick % specs.len() as u64) as usize];
                e.result = e.result.map(|r| match r {
                    Ret::Value(Some(_)) => Ret::Value(None),
                    Ret::Value(None) => Ret::Value(Some(pick % 9 + 1)),
                    Ret::Removed(r) => Ret::Removed(!r),
                    Ret::Swapped(r) => Ret::Swapped(!r),
                    Ret::Unit => Ret::Unit,
                });
            }
            events
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2_000)
    ))]

    #[test]
    fn the_checker_agrees_with_brute_force(events in small_history()) {
        let expected = linearizable_by_brute_force(&History::from_events(events.clone()));
        let got = verdict(events.clone());
        prop_assert!(!matches!(got, Verdict::Unknown { .. }), "budget exhausted");
        prop_assert_eq!(got == Verdict::Linearizable, expected, "{:#?}", events);
        if let Verdict::Violation(v) = got {
            // The window is a real witness: it fails on its own from its start states.
            prop_assert!(v.window.contains(&v.culprit));
            prop_assert!(!v.explanation.is_empty());
        }
    }

    /// The same with some operations that never returned: they may take effect at any
    /// point after their call, with whatever result, or not at all.
    #[test]
    fn the_checker_agrees_with_brute_force_on_open_operations(
        events in small_history(),
        open in proptest::collection::vec(any::<bool>(), 8),
    ) {
        let events: Vec<Event> = events
            .into_iter()
            .zip(open.into_iter().chain(std::iter::repeat(false)))
            .map(|(mut e, open)| {
                if open {
                    e.result = None;
                }
                e
            })
            .collect();
        let expected = linearizable_by_brute_force(&History::from_events(events.clone()));
        let got = verdict(events.clone());
        prop_assert!(!matches!(got, Verdict::Unknown { .. }), "budget exhausted");
        prop_assert_eq!(got == Verdict::Linearizable, expected, "{:#?}", events);
        if let Verdict::Violation(v) = got {
            prop_assert!(v.window.contains(&v.culprit));
            prop_assert!(!v.culprit.is_open());
        }
    }
}

#[test]
fn the_oracle_takes_operations_touching_at_a_tick_as_concurrent() {
    // The get is called at the tick the put returns: it may go first and see nothing.
    let touching = vec![put(0, 0, 1, 1), get(1, 1, 2, None)];
    assert!(linearizable_by_brute_force(&History::from_events(
        touching.clone()
    )));
    assert_eq!(verdict(touching), Verdict::Linearizable);
    // One tick later the put has returned before the get began.
    let apart = vec![put(0, 0, 1, 1), get(1, 2, 3, None)];
    assert!(!linearizable_by_brute_force(&History::from_events(
        apart.clone()
    )));
    assert!(matches!(verdict(apart), Verdict::Violation(_)));
}

// ---- real threads ----

fn stress(store: &(impl KvStore + ?Sized), seed: u64, ops: u64) -> Verdict {
    let workload = Workload {
        threads: 4,
        keys: 8,
        stop: Stop::Ops(ops),
        mix: Mix::default(),
        seed,
    };
    let run = workload.run(store, &AtomicU64::new(0));
    check(&run.history, Budget::default()).verdict
}

#[test]
fn a_mutex_around_the_model_is_always_linearizable() {
    for seed in 0..5 {
        let store = Mutex::new(Model::new());
        assert_eq!(
            stress(&store, seed, 40_000),
            Verdict::Linearizable,
            "seed {seed}"
        );
    }
}

/// Runs rounds of stress on fresh stores until the checker flags one; fails if none is
/// flagged within the time limit.
fn caught_within<S: KvStore + Default>(limit: Duration) -> (Duration, Violation) {
    let start = Instant::now();
    let mut seed = 0;
    while start.elapsed() < limit {
        if let Verdict::Violation(v) = stress(&S::default(), seed, 20_000) {
            return (start.elapsed(), *v);
        }
        seed += 1;
    }
    panic!("{} not caught in {limit:?}", std::any::type_name::<S>());
}

#[test]
fn each_broken_store_is_caught_within_seconds() {
    let limit = Duration::from_secs(20);
    let lost = caught_within::<LostUpdate>(limit);
    let stale = caught_within::<StaleRead>(limit);
    let remove = caught_within::<NonAtomicRemove>(limit);
    for (name, (took, v)) in [
        ("lost update", lost),
        ("stale read", stale),
        ("non-atomic remove", remove),
    ] {
        println!("{name}: caught in {took:?}: {}", v.explanation);
        assert!(!v.window.is_empty());
    }
}
