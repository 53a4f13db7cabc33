//! Helpers shared by the integration tests that record histories (loom, shuttle).

use cowtrie::TrieStore;
use cowtrie_model::{Event, Op, Recorder, Ret};

/// Runs `ops` on `store` in order, recording each call against `recorder`'s clock.
pub fn run_recorded(
    store: &TrieStore<u64>,
    recorder: &Recorder,
    thread: usize,
    ops: Vec<Op>,
) -> Vec<Event> {
    let mut log = recorder.log(thread);
    for op in ops {
        log.record(op, |op| match op {
            Op::Put { key, value } => {
                store.put(key, *value);
                Ret::Unit
            }
            Op::Get { key } => Ret::Value(store.get(key).map(|v| *v)),
            Op::Remove { key } => Ret::Removed(store.remove(key)),
        });
    }
    log.into_events()
}
