//! Helpers shared by the integration tests that record histories (loom, shuttle).

use cowtrie::{Cache, TrieStore};
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
            Op::Cas { key, from, to } => Ret::Swapped(
                store
                    .compare_and_swap(key, from.as_ref(), Some(*to))
                    .is_ok(),
            ),
            Op::Update { key, value } => {
                Ret::Value(store.update(key, |_| Some(*value)).map(|v| *v))
            }
        });
    }
    log.into_events()
}

/// Runs `ops` on the bounded `cache` in order, recording each call against `recorder`'s
/// clock (histories to check against the cache model).
pub fn run_recorded_cache(
    cache: &Cache<u64>,
    recorder: &Recorder,
    thread: usize,
    ops: Vec<Op>,
) -> Vec<Event> {
    let mut log = recorder.log(thread);
    for op in ops {
        log.record(op, |op| match op {
            Op::Put { key, value } => {
                cache.put(key, *value);
                Ret::Unit
            }
            Op::Get { key } => Ret::Value(cache.get(key).map(|v| *v)),
            Op::Remove { key } => Ret::Removed(cache.remove(key)),
            Op::Cas { key, from, to } => Ret::Swapped(
                cache
                    .compare_and_swap(key, from.as_ref(), Some(*to))
                    .is_ok(),
            ),
            Op::Update { key, value } => {
                Ret::Value(cache.update(key, |_| Some(*value)).map(|v| *v))
            }
        });
    }
    log.into_events()
}
