//! The checker's budget holds: the memory it allocates (measured by a counting
//! allocator, at its peak), the wall-clock time, and the cancelling of the other keys'
//! searches once one key is shown not linearizable.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cowtrie_model::{check, Budget, Event, History, Op, Ret, Verdict};

/// The system allocator, counting the bytes allocated now and at the peak.
struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; the counters are
// only read.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc`, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `dealloc`, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let grown = new_size - layout.size();
            let now = NOW.fetch_add(grown, Ordering::Relaxed) + grown;
            PEAK.fetch_max(now, Ordering::Relaxed);
        } else {
            NOW.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract for `realloc`, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The tests measure one check at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn put(thread: usize, call: u64, ret: u64, key: &str, value: u64) -> Event {
    Event {
        thread,
        call,
        ret,
        op: Op::put(key, value),
        result: Some(Ret::Unit),
    }
}

/// `n` overlapping puts on `key` and then a read of a value none of them wrote: not
/// linearizable, but the search must visit every subset of the puts to know it (each
/// order ends in a different state), so it runs until a budget stops it.
fn hopeless(key: &str, n: usize, from_tick: u64) -> Vec<Event> {
    let mut events: Vec<Event> = (0..n)
        .map(|i| put(i, from_tick + i as u64, from_tick + 1000, key, i as u64))
        .collect();
    events.push(Event {
        thread: n,
        call: from_tick + 1001,
        ret: from_tick + 1002,
        op: Op::get(key),
        result: Some(Ret::Value(Some(999))),
    });
    events
}

fn unbounded_steps(time: Duration, memory: usize) -> Budget {
    Budget {
        steps_per_op: u64::MAX,
        time,
        memory,
        ..Budget::default()
    }
}

#[test]
fn the_memory_budget_bounds_the_search_at_its_peak() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let history = History::from_events(hopeless("k", 40, 0));
    for mib in [16usize, 64] {
        let memory = mib << 20;
        let before = NOW.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let report = check(&history, unbounded_steps(Duration::from_secs(3600), memory));
        let peak = PEAK.load(Ordering::Relaxed) - before;
        match &report.verdict {
            Verdict::Unknown { reason, .. } => {
                assert!(reason.contains("memory budget"), "{reason}");
            }
            other => panic!("{mib} MiB: {other:?}"),
        }
        // The estimate counts the search's tables and states; the rest (the thread
        // pool, the partition lists) is small beside them.
        assert!(
            peak <= memory + memory / 10,
            "a budget of {mib} MiB, a peak of {:.1} MiB",
            peak as f64 / f64::from(1 << 20)
        );
        // Not a bound so loose that it never bites: the search used most of it.
        assert!(
            peak >= memory / 3,
            "a budget of {mib} MiB, a peak of only {:.1} MiB",
            peak as f64 / f64::from(1 << 20)
        );
    }
}

#[test]
fn the_time_budget_holds_within_a_tenth() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let history = History::from_events(hopeless("k", 40, 0));
    let limit = Duration::from_millis(1500);
    let start = Instant::now();
    let report = check(&history, unbounded_steps(limit, usize::MAX / 2));
    let wall = start.elapsed();
    match &report.verdict {
        Verdict::Unknown { reason, .. } => assert!(reason.contains("time budget"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(
        wall <= limit + limit / 10,
        "a budget of {limit:?} took {wall:?}"
    );
    // The search stops at nine tenths of the budget, leaving the rest to explain.
    assert!(wall >= limit * 8 / 10, "stopped early: {wall:?}");
}

#[test]
fn the_first_key_shown_not_linearizable_cancels_the_others() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // Key "b" alone would run until the hour runs out (memory unbounded); key "a" fails
    // at once, on enough operations that the keys are searched in parallel.
    let mut events = hopeless("b", 40, 0);
    for i in 0..600u64 {
        events.push(put(100, 10 * i, 10 * i + 1, "a", i));
    }
    events.push(Event {
        thread: 100,
        call: 6001,
        ret: 6002,
        op: Op::get("a"),
        result: Some(Ret::Value(Some(3))),
    });
    let history = History::from_events(events);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a thread pool");
    let budget = unbounded_steps(Duration::from_secs(20), usize::MAX / 2);
    let start = Instant::now();
    let report = pool.install(|| check(&history, budget));
    let wall = start.elapsed();
    match &report.verdict {
        Verdict::Violation(v) => assert_eq!(v.key, b"a".to_vec()),
        other => panic!("{other:?}"),
    }
    assert!(
        wall < Duration::from_secs(3),
        "the hopeless key ran on for {wall:?}"
    );
    // Asked for every key's verdict, the check searches "b" until the budget ends it
    // (a small one here), and still reports the violation: a definite answer.
    let every = Budget {
        every_key: true,
        time: Duration::from_millis(500),
        ..budget
    };
    let start = Instant::now();
    let report = pool.install(|| check(&history, every));
    assert!(start.elapsed() >= Duration::from_millis(400));
    assert!(matches!(report.verdict, Verdict::Violation(_)));
}
