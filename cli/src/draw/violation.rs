//! `cowtrie draw violation`: the checker's timeline of a violation, on a small scripted
//! history (a stale read), so that the picture is the same on every run. `cowtrie check
//! --svg` draws the same kind of picture for a violation found in a real run.

use cowtrie_model::{check, timeline_svg_in, Budget, Event, History, Op, Ret, Verdict};

/// The history: thread 0 writes 1, thread 1 overwrites it with 2 while thread 2 reads
/// the 2, then thread 0 reads the overwritten 1 — after a read of 2 had returned.
fn history() -> History {
    let ev = |thread, call, ret, op, result| Event {
        thread,
        call,
        ret,
        op,
        result: Some(result),
    };
    History::from_events([
        ev(0, 0, 1, Op::put("k", 1), Ret::Unit),
        ev(2, 2, 3, Op::get("k"), Ret::Value(Some(1))),
        ev(1, 4, 9, Op::put("k", 2), Ret::Unit),
        ev(2, 5, 6, Op::get("k"), Ret::Value(Some(2))),
        ev(0, 7, 8, Op::get("k"), Ret::Value(Some(1))),
        ev(2, 10, 11, Op::remove("k"), Ret::Removed(true)),
    ])
}

/// The picture; the history is built to be a violation (a test checks it stays one).
pub(crate) fn draw() -> String {
    let history = history();
    match check(&history, Budget::default()).verdict {
        Verdict::Violation(violation) => timeline_svg_in(&violation, &history),
        other => panic!("the scripted history must be a violation, got {other:?}"),
    }
}
