//! Every schedule of a writer and a reader, and every value the memory model lets each
//! load return: `RUSTFLAGS="--cfg loom" cargo test -p own-store --test loom --release`
//! (with `--features relaxed-publish`, loom reports a causality violation).
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use own_store::CowMap;

/// A read racing a put sees the map before the put or after it, whole (invariant 3).
#[test]
fn a_read_racing_a_put_sees_a_whole_version() {
    let mut model = loom::model::Builder::new();
    // Two threads, one operation each: every schedule, in a fraction of a second.
    model.preemption_bound = Some(3);
    model.check(|| {
        let map = Arc::new(CowMap::new());
        let writer = thread::spawn({
            let map = Arc::clone(&map);
            move || map.put(b"k", 1)
        });
        let seen = map.get(b"k");
        assert!(seen.is_none() || seen == Some(1), "read {seen:?}");
        writer.join().unwrap();
    });
}
