//! Every schedule of two threads, and every value the memory model lets each load
//! return: `RUSTFLAGS="--cfg loom" cargo test -p own-store --test loom --release` (with
//! `--features relaxed-publish` loom reports a causality violation; with `lost-update`,
//! a put that is lost).
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use own_store::CowMap;

/// Two threads, one or two operations each: every schedule in a fraction of a second.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(f);
}

/// A read racing a put sees the map before the put or after it, whole (invariant 3).
#[test]
fn a_read_racing_a_put_sees_a_whole_version() {
    model(|| {
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

/// Two racing puts both land (invariant 4).
#[test]
fn racing_puts_both_land() {
    model(|| {
        let map = Arc::new(CowMap::new());
        let writer = thread::spawn({
            let map = Arc::clone(&map);
            move || map.put(b"a", 1)
        });
        map.put(b"b", 2);
        writer.join().unwrap();
        let both = (map.get(b"a"), map.get(b"b"));
        assert_eq!(both, (Some(1), Some(2)), "a put was lost");
    });
}
