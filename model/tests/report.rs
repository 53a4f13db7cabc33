//! What the reports of a violation say (`cowtrie_model::report`): labelled sections that
//! keep the context apart from the window, values decoded to the write that made them,
//! the writes on other keys that may have erased a lost value, and the HTML page's data.

mod common;
use common::{ev, get, put, remove, violation};

use cowtrie_model::report::{erased_elsewhere, html_report, violation_text, Values};
use cowtrie_model::workload::Workload;
use cowtrie_model::{check, Budget, Event, History, Op, Ret, StoreSpec, Verdict, Violation};

/// A put to another key than the common `k`.
fn put_on(key: &str, thread: usize, call: u64, ret: u64, value: u64) -> Event {
    ev(thread, call, ret, Op::put(key, value), Ret::Unit)
}

fn found(events: &[Event]) -> (History, Violation) {
    let history = History::from_events(events.to_vec());
    match check(&history, Budget::default()).verdict {
        Verdict::Violation(v) => (history, *v),
        other => panic!("expected a violation, got {other:?}"),
    }
}

/// The lines of the section of `text` that starts with `label`: its heading (however it
/// wraps) and the operation lines after it, up to the next section.
fn section<'t>(text: &'t str, label: &str) -> Vec<&'t str> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with(label));
    let mut out: Vec<&str> = lines.next().into_iter().collect();
    out.extend(lines.take_while(|l| l.starts_with("  ")));
    out
}

#[test]
fn workload_values_decode_to_the_thread_and_operation_that_wrote_them() {
    let v = Workload::value(3, 421);
    assert_eq!(v, 3_298_534_883_749, "the value the issue quotes");
    assert_eq!(Workload::value_origin(v), Some((3, 421)));
    assert_eq!(Workload::value_origin(Workload::value(0, 1)), Some((0, 1)));
    assert_eq!(
        Workload::value_origin(3 << 40),
        None,
        "count 0 is never written"
    );
}

#[test]
fn the_context_and_the_window_are_separate_labelled_sections() {
    // A lost update: put(v) returned, a later get saw nothing, no remove ran.
    let v = Workload::value(3, 421);
    let (history, violation) = found(&[put(3, 0, 10, v), get(1, 20, 21, None)]);
    let text = violation_text(&StoreSpec, &history, &violation, Values::Workload);
    // No other key, so nothing elsewhere could have erased it.
    assert!(
        text.contains("elsewhere: no write to another key overlapped put(3298534883749)"),
        "{text}"
    );

    let context = section(&text, "context:");
    assert!(
        context[0].contains("that the explanation cites; they are not in the"),
        "{text}"
    );
    let ops: Vec<&&str> = context.iter().filter(|l| l.contains("ticks")).collect();
    assert_eq!(ops.len(), 1, "the put alone: {text}");
    assert!(ops[0].contains(&format!("put({v}) -> ()")), "{text}");
    assert!(!ops[0].contains("<--"), "{text}");

    let window = section(&text, "window:");
    assert!(window[0].contains("1 operation(s) on key b\"k\""), "{text}");
    let ops: Vec<&&str> = window.iter().filter(|l| l.contains("ticks")).collect();
    assert_eq!(ops.len(), 1, "{text}");
    assert!(
        ops[0].contains("get -> None") && ops[0].ends_with("<-- cannot be ordered"),
        "{text}"
    );
    assert_eq!(text.matches("<-- cannot be ordered").count(), 1, "{text}");

    let values = section(&text, "values:");
    assert!(
        values
            .iter()
            .any(|l| l.trim() == format!("{v} = thread 3, op #421")),
        "{text}"
    );
}

#[test]
fn the_value_a_window_starts_from_is_decoded_too() {
    // A double remove: the window holds only removes, so the value they took is named
    // only by the state the window starts from.
    let v = Workload::value(2, 9);
    let (history, violation) = found(&[
        put(0, 0, 1, v),
        remove(1, 2, 5, true),
        remove(2, 3, 6, true),
    ]);
    assert_eq!(violation.start_states, vec![Some(v)]);
    assert!(violation.window.iter().all(|e| e.op == Op::remove("k")));
    let text = violation_text(&StoreSpec, &history, &violation, Values::Workload);
    assert!(
        text.lines()
            .any(|l| l.trim() == format!("{v} = thread 2, op #9")),
        "{text}"
    );
}

#[test]
fn plain_values_are_not_decoded() {
    let (history, violation) = found(&[put(3, 0, 10, 7), get(1, 20, 21, None)]);
    let text = violation_text(&StoreSpec, &history, &violation, Values::Plain);
    assert!(!text.contains("values:"), "{text}");
    assert!(!text.contains("op #"), "{text}");
}

#[test]
fn a_vanished_write_lists_the_writes_to_other_keys_that_overlapped_it() {
    // put(1) on k returned and a later get saw nothing: either an old read, or the put was
    // erased, maybe by a write to another key that copied the map before put(1) published.
    // Overlapping put(1) (ticks 10..20): the puts to j and l and the remove of m. Not the
    // get of j (reads erase nothing), nor the put to n that ended before put(1) began.
    let overlapping = [
        put_on("j", 1, 5, 11, 2),
        put_on("l", 2, 19, 25, 3),
        ev(3, 12, 14, Op::remove("m"), Ret::Removed(false)),
    ];
    let mut events = vec![
        put_on("n", 0, 0, 9, 4),
        put(0, 10, 20, 1),
        ev(3, 15, 16, Op::get("j"), Ret::Value(Some(2))),
        get(0, 30, 31, None),
    ];
    events.extend(overlapping.iter().cloned());
    let (history, violation) = found(&events);
    assert!(
        violation
            .explanation
            .contains("no operation on this key undid put(1) (ticks 10..20)"),
        "{}",
        violation.explanation
    );
    assert!(
        violation
            .explanation
            .contains("the write that erased it may have gone to another key"),
        "{}",
        violation.explanation
    );
    let (erased, others, count) =
        erased_elsewhere(&StoreSpec, &history, &violation).expect("an erased write");
    assert_eq!(*erased, put(0, 10, 20, 1));
    assert_eq!(count, 3);
    let mut want: Vec<&Event> = overlapping.iter().collect();
    want.sort_by_key(|e| e.call);
    assert_eq!(others, want);

    let text = violation_text(&StoreSpec, &history, &violation, Values::Plain);
    let elsewhere = section(&text, "elsewhere:");
    assert!(elsewhere[0].starts_with("elsewhere: 3 write(s) to other keys overlapped put(1)"));
    for key in ["b\"j\" put(2)", "b\"l\" put(3)", "b\"m\" remove -> false"] {
        assert!(elsewhere.iter().any(|l| l.contains(key)), "{key}: {text}");
    }
    assert!(!text.contains("b\"n\""), "{text}");
}

#[test]
fn a_violation_that_loses_nothing_lists_no_writes_elsewhere() {
    // A read of a value never written: nothing was erased.
    let (history, violation) = found(&[put_on("j", 0, 0, 5, 1), get(1, 6, 7, Some(9))]);
    assert!(erased_elsewhere(&StoreSpec, &history, &violation).is_none());
    let text = violation_text(&StoreSpec, &history, &violation, Values::Plain);
    assert!(!text.contains("elsewhere:"), "{text}");
}

#[test]
fn a_read_of_nothing_after_removes_that_found_nothing_says_so() {
    // The non-atomic remove: a remove looks (absent), put(1) runs, the remove deletes 1
    // and returns false. The get after them sees nothing. Each remove running since put(1)
    // began says it found the key absent, so none can have emptied it.
    let looked = remove(1, 0, 30, false);
    let v = violation(vec![
        looked.clone(),
        put(0, 10, 20, 1),
        get(2, 40, 41, None),
    ]);
    assert!(
        v.explanation.starts_with(
            "get returned None (ticks 40..41) after put(1) completed (tick 20), and every \
             remove running since it began returned false (thread 1, ticks 0..30)"
        ),
        "{}",
        v.explanation
    );
    assert!(
        v.explanation
            .contains("looks and deletes in two separate steps"),
        "{}",
        v.explanation
    );
    assert!(v.context.contains(&looked), "{:?}", v.context);
    assert!(v.context.contains(&put(0, 10, 20, 1)), "{:?}", v.context);
}

#[test]
fn a_remove_that_found_the_key_present_is_no_such_excuse() {
    // The same, but the remove returned true: it may have run after put(1), so the
    // history is linearizable and nothing is blamed.
    let history = History::from_events([
        remove(1, 0, 30, true),
        put(0, 10, 20, 1),
        get(2, 40, 41, None),
        put(3, 0, 1, 5),
    ]);
    assert_eq!(
        check(&history, Budget::default()).verdict,
        Verdict::Linearizable
    );
}

#[test]
fn the_html_page_is_self_contained_and_carries_the_window() {
    let v = Workload::value(2, 7);
    let events = vec![
        put(2, 0, 10, v),
        put_on("j", 1, 5, 12, Workload::value(1, 3)),
        get(0, 20, 21, None),
    ];
    let history = History::from_events(events);
    let report = check(&history, Budget::default());
    let page = html_report(
        &StoreSpec,
        &history,
        &report,
        Values::Workload,
        "a <test>",
        &[("seed".into(), "1".into())],
    );
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<title>a &lt;test&gt;</title>"));
    // Nothing is fetched: no links, sources, imports or remote URLs.
    for banned in ["src=", "href=", "@import", "url(", "https://"] {
        assert!(!page.contains(banned), "{banned}");
    }
    assert!(page.contains("verdict: NOT linearizable (key b&quot;k&quot;)"));
    // The data the script draws: the culprit with its states, the context, the write
    // elsewhere, the decoded values.
    let data = page
        .split("id=\"report-data\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("the data");
    assert!(
        data.contains(
            "\"op\":\"get\",\"result\":\"None\",\"role\":\"culprit\",\"key\":null,\
             \"before\":[\"holding 2199023255559\"],\"after\":[]"
        ),
        "{data}"
    );
    assert!(data.contains("\"role\":\"context\""), "{data}");
    assert!(
        data.contains("\"role\":\"elsewhere\",\"key\":\"b\\\"j\\\"\""),
        "{data}"
    );
    assert!(
        data.contains("[\"2199023255559\",\"thread 2, op #7\"]"),
        "{data}"
    );
    assert!(
        !data.contains('<'),
        "the data cannot close its script early"
    );
    // The violating key leads the per-key table.
    let table = page.split("<tbody>").nth(1).expect("a table");
    assert!(
        table.starts_with("<tr class=\"flagged\"><td>b&quot;k&quot;</td><td>2</td>"),
        "{table}"
    );
}

#[test]
fn the_html_page_of_a_passing_run_has_no_timeline() {
    let history = History::from_events([put(0, 0, 1, 1), get(1, 2, 3, Some(1))]);
    let report = check(&history, Budget::default());
    let page = html_report(&StoreSpec, &history, &report, Values::Plain, "ok", &[]);
    assert!(page.contains("verdict: linearizable"));
    assert!(!page.contains("id=\"report-data\""));
    assert!(page.contains("<td>operations</td>") || page.contains("<th>operations</th>"));
}

#[test]
fn states_around_window_operations_follow_the_orders_that_fit() {
    // From absent, put(1) and put(2) overlap; the get after both saw 9, never written.
    // Before the get the key holds 1 or 2; no state gives it 9.
    let history =
        History::from_events([put(0, 0, 10, 1), put(1, 1, 11, 2), get(2, 20, 21, Some(9))]);
    let report = check(&history, Budget::default());
    let page = html_report(&StoreSpec, &history, &report, Values::Plain, "t", &[]);
    assert!(
        page.contains("\"role\":\"culprit\",\"key\":null,\"before\":[\"holding 1\",\"holding 2\"],\"after\":[]"),
        "{page}"
    );
}
