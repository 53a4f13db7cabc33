//! What a violation reports, on hand-written histories: the window (the smallest part of
//! the key's history that cannot be ordered, and the states it may start from), the
//! culprit, and the plain-words explanation with the operations it cites.
//!
//! Real-time order is strict: an operation precedes another iff it returned at a tick
//! *before* the other's call tick. Operations touching at one tick are concurrent, so many
//! tests below put an operation exactly on that boundary and check that the window and the
//! hints treat it as concurrent.

mod common;
use common::{get, put, remove, violation};
use cowtrie_model::read::{read_history, Format};
use cowtrie_model::{check_with, Budget, Register, Verdict};

/// The sentence every explanation ends with; an explanation that is only this gives no
/// specific hint.
const GENERAL: &str = "no order of the ";

// ---- the window ----

#[test]
fn the_window_starts_from_every_state_the_key_could_hold() {
    // Two puts and a remove in flight together leave the key absent, 1 or 2. From absent,
    // the overlapping put(3) and remove can only end absent; from 1 or 2 they can also end
    // at 3. The read of a value never written fails from either.
    let culprit = get(0, 40, 41, Some(99));
    let v = violation(vec![
        put(0, 0, 10, 1),
        put(1, 1, 11, 2),
        remove(2, 2, 12, true),
        put(0, 20, 30, 3),
        remove(1, 21, 31, true),
        culprit.clone(),
    ]);
    assert_eq!(v.culprit, culprit);
    assert_eq!(v.window, vec![culprit]);
    assert_eq!(v.start_states, vec![None, Some(3)]);
    assert!(
        v.explanation
            .contains("starting with the key absent or holding 3"),
        "{}",
        v.explanation
    );
}

#[test]
fn no_window_opens_between_operations_touching_at_a_tick() {
    // The get is called at the tick the put returns: they are concurrent, and the get
    // went first. No quiescent point separates them, so the window opens after both.
    let culprit = get(2, 10, 11, Some(99));
    let v = violation(vec![put(0, 0, 5, 1), get(1, 5, 6, None), culprit.clone()]);
    assert_eq!(v.window, vec![culprit]);
    assert_eq!(v.start_states, vec![Some(1)]);
}

#[test]
fn an_operation_still_in_flight_is_not_blamed_for_a_write_yet_to_come() {
    // The long get returns 2, written by a put called long after the get began but before
    // it returned: fine. Prefixes of the history cut while the get is in flight must leave
    // it pending, not blame the writes before put(2) for it.
    let culprit = get(5, 200, 201, Some(99));
    let v = violation(vec![
        get(0, 0, 100, Some(2)),
        put(1, 1, 2, 1),
        get(2, 3, 4, Some(1)),
        get(3, 5, 6, Some(1)),
        put(4, 50, 51, 2),
        culprit.clone(),
    ]);
    assert_eq!(v.culprit, culprit);
    assert_eq!(v.window, vec![culprit]);
    assert_eq!(v.start_states, vec![Some(2)]);
}

// ---- get returned a value ----

#[test]
fn a_read_of_a_value_before_its_put_began_is_told_so() {
    let v = violation(vec![get(0, 0, 1, Some(1)), put(1, 2, 3, 1)]);
    assert!(
        v.explanation
            .starts_with("get returned 1 (ticks 0..1) before put(1) began (ticks 2..3);"),
        "{}",
        v.explanation
    );
    assert_eq!(v.window, vec![get(0, 0, 1, Some(1))]);
    assert_eq!(v.context, vec![put(1, 2, 3, 1)]);
}

#[test]
fn a_read_after_a_remove_completed_cites_that_remove() {
    // Of the two removes after put(1), only the one that returned true wrote anything.
    let v = violation(vec![
        put(0, 0, 1, 1),
        remove(1, 2, 6, false),
        remove(2, 3, 4, true),
        get(3, 7, 8, Some(1)),
    ]);
    assert!(
        v.explanation.starts_with(
            "get returned 1 (ticks 7..8) although remove -> true completed after put(1) \
             and before the get began (ticks 3..4);"
        ),
        "{}",
        v.explanation
    );
}

#[test]
fn a_write_touching_the_put_is_not_after_it() {
    // put(2) is called at the tick put(1) returns: it may have gone first, so it is no
    // evidence that 1 was overwritten. The get that saw 2 is.
    let v = violation(vec![
        put(0, 0, 2, 1),
        put(1, 2, 3, 2),
        get(2, 4, 5, Some(2)),
        get(3, 6, 7, Some(1)),
    ]);
    assert!(
        v.explanation.starts_with(
            "get returned 1 (ticks 6..7) although an earlier get that began after put(1) \
             completed had already seen 2 (ticks 4..5);"
        ),
        "{}",
        v.explanation
    );
    assert!(!v.explanation.contains("put(2) -> ()"), "{}", v.explanation);
}

#[test]
fn only_a_read_that_began_after_the_put_returned_shows_an_overwrite() {
    // Three gets saw something other than 1: one before put(1) was called, one called at
    // the tick put(1) returned (concurrent, so it may have gone first), and one after.
    // Only the last shows 1 was overwritten. put(2) overlaps put(1), so no write is after.
    let put_1 = put(1, 2, 4, 1);
    let overwritten = get(4, 8, 9, Some(2));
    let v = violation(vec![
        get(0, 0, 1, None),
        put_1.clone(),
        put(2, 3, 7, 2),
        get(3, 4, 6, None),
        overwritten.clone(),
        get(5, 10, 11, Some(1)),
    ]);
    assert!(
        v.explanation.starts_with(
            "get returned 1 (ticks 10..11) although an earlier get that began after put(1) \
             completed had already seen 2 (ticks 8..9);"
        ),
        "{}",
        v.explanation
    );
    assert_eq!(v.window, vec![get(5, 10, 11, Some(1))]);
    assert_eq!(v.start_states, vec![Some(2)]);
    assert_eq!(v.context, vec![put_1, overwritten]);
}

// ---- get returned None, remove returned false ----

#[test]
fn a_put_ending_as_the_culprit_begins_is_not_completed_before_it() {
    // put(1) returns at the tick the remove is called: concurrent, so the hint cites
    // put(2), which did complete before the remove began.
    let v = violation(vec![
        put(0, 1, 2, 2),
        put(1, 3, 7, 1),
        remove(2, 7, 8, false),
    ]);
    assert!(
        v.explanation.starts_with(
            "remove returned false (ticks 7..8) after put(2) completed (tick 2) and before \
             any remove began;"
        ),
        "{}",
        v.explanation
    );
    assert_eq!(v.context, vec![put(0, 1, 2, 2)]);
}

#[test]
fn a_remove_called_after_the_read_returned_does_not_excuse_it() {
    let v = violation(vec![
        put(0, 0, 1, 1),
        get(1, 2, 3, None),
        remove(2, 4, 5, true),
    ]);
    assert!(
        v.explanation.starts_with(
            "get returned None (ticks 2..3) after put(1) completed (tick 1) and before any \
             remove began;"
        ),
        "{}",
        v.explanation
    );
}

#[test]
fn no_lost_update_hint_when_a_remove_could_have_run_after_the_put() {
    // The remove overlaps put(1), so real time alone allows put(1), remove, get -> None.
    // (The read of 1 in between is what rules that out.) No hint claims otherwise.
    let v = violation(vec![
        put(0, 0, 1, 0),
        remove(1, 2, 6, true),
        put(2, 3, 5, 1),
        get(3, 7, 8, Some(1)),
        get(4, 9, 10, None),
    ]);
    assert_eq!(v.culprit, get(4, 9, 10, None));
    assert!(v.explanation.starts_with(GENERAL), "{}", v.explanation);
    assert!(v.context.is_empty(), "{:?}", v.context);
}

// ---- remove returned true ----

#[test]
fn two_removes_of_one_value_cite_the_other_remove_that_returned_true() {
    let first = remove(1, 2, 3, true);
    let v = violation(vec![
        put(0, 0, 1, 1),
        first.clone(),
        remove(2, 4, 5, false),
        remove(3, 6, 7, true),
    ]);
    assert!(
        v.explanation.starts_with(
            "two removes returned true with no write between them: thread 1's (ticks 2..3) and \
             thread 3's (ticks 6..7); only one of them can have found the key present, and \
             thread 3's is the one no order can explain;"
        ),
        "{}",
        v.explanation
    );
    assert_eq!(v.culprit, remove(3, 6, 7, true));
    assert_eq!(v.context, vec![first]);
}

#[test]
fn no_double_remove_hint_when_a_put_overlaps_both_removes() {
    // put(2) overlaps both removes, so real time alone allows it between them. (The read
    // of 2 before the first remove is what rules that out.)
    let v = violation(vec![
        put(0, 0, 1, 1),
        put(1, 2, 10, 2),
        get(2, 3, 4, Some(2)),
        remove(3, 5, 6, true),
        remove(4, 7, 8, true),
    ]);
    assert_eq!(v.culprit, remove(4, 7, 8, true));
    assert!(
        !v.explanation.contains("with no write between them"),
        "{}",
        v.explanation
    );
    // What the search does show: the read of 2, which completed before the second remove
    // began, is what rules it out.
    assert!(
        v.explanation.starts_with(
            "remove (ticks 7..8, thread 4) began after get -> 2 (ticks 3..4, thread 2) \
             completed, so it must come after it, and no order that puts it after gives the \
             result true (one that puts it before does);"
        ),
        "{}",
        v.explanation
    );
}

#[test]
fn a_read_that_cannot_be_placed_names_the_write_in_its_way() {
    // Knossos's cas-failure history: process 70 reads 0 after write(2) completed, and no
    // write of 0 can come between. The register model has no specific reason for it; the
    // search names the write.
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/histories/knossos-cas-register/bad/cas-failure.edn"
    );
    let bytes = std::fs::read(file).expect("the committed history");
    let history = read_history(&Register, &bytes, Format::Auto).expect("a history");
    let Verdict::Violation(v) = check_with(&Register, &history, Budget::default()).verdict else {
        panic!("cas-failure.edn is not linearizable");
    };
    assert!(
        v.explanation.starts_with(
            "read (lines 499..503, process 70) began after write(2) -> ok (lines 468..481, \
             process 76) completed, so it must come after it, and no order that puts it after \
             gives the result 0 (one that puts it before does);"
        ),
        "{}",
        v.explanation
    );
}

// ---- operations touching a hint's span ----
//
// Each specific hint is a fact about real time that on its own rules the result out. An
// operation touching the span at a tick is concurrent with it, so real time lets it run
// between, and a hint that "nothing ran between" would be false. (These once failed:
// the hints compared ticks strictly.)

#[test]
fn no_lost_update_hint_when_a_remove_touching_the_put_could_follow_it() {
    // The remove returns at the tick put(1) is called: concurrent, so real time allows
    // put(1), remove, get -> None. No hint may say that no remove could intervene.
    let v = violation(vec![
        put(0, 0, 1, 0),
        remove(1, 3, 5, true),
        put(2, 5, 6, 1),
        get(3, 7, 8, Some(1)),
        get(4, 9, 10, None),
    ]);
    assert!(v.explanation.starts_with(GENERAL), "{}", v.explanation);
}

#[test]
fn no_double_remove_hint_when_a_put_touching_the_first_remove_could_follow_it() {
    // put(2) returns at the tick the first remove is called: real time allows remove,
    // put(2), remove. No hint may say that no put ran between them.
    let v = violation(vec![
        put(0, 0, 1, 1),
        put(1, 2, 10, 2),
        remove(2, 10, 11, true),
        get(3, 12, 13, None),
        remove(4, 14, 15, true),
    ]);
    assert!(v.explanation.starts_with(GENERAL), "{}", v.explanation);
}

#[test]
fn a_double_remove_hint_does_not_cite_a_remove_a_put_could_precede() {
    // The removes at 2..3 and 4..5 took the one value put(1) wrote. The remove at 6..10
    // may have taken put(2), called at the tick it returned, so the hint must not cite it.
    let v = violation(vec![
        put(0, 0, 1, 1),
        remove(1, 2, 3, true),
        remove(2, 4, 5, true),
        remove(3, 6, 10, true),
        put(4, 10, 11, 2),
    ]);
    assert!(
        v.explanation.starts_with(
            "two removes returned true with no write between them: thread 1's \
                          (ticks 2..3) and thread 2's (ticks 4..5)"
        ),
        "{}",
        v.explanation
    );
}

#[test]
fn the_culprit_is_the_operation_that_cannot_be_ordered_among_equal_returns() {
    // Both gets return at tick 2. get -> 2 is fine (put(2), called at tick 2, may precede
    // it); get -> 3 reads a value never written. The culprit is get -> 3.
    let v = violation(vec![
        get(0, 0, 2, Some(2)),
        get(1, 1, 2, Some(3)),
        put(2, 2, 6, 2),
    ]);
    assert_eq!(v.culprit, get(1, 1, 2, Some(3)));
    assert!(v.explanation.contains("never written"), "{}", v.explanation);
}
