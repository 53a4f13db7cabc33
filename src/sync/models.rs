//! The facade's loom and shuttle variants, compiled only in model-checking builds (and
//! so kept out of `cargo mutants`, whose test command builds neither: their bugs are the
//! seeded concurrency mutants' business, see `tests/mutants/`).

#[cfg(loom)]
pub(super) mod loom {
    pub(crate) use loom::sync::atomic::{fence, AtomicUsize, Ordering};
    pub(crate) use loom::sync::{Arc, Mutex, MutexGuard};
    // The cache's (`crate::durable` is left out of model-checking builds).
    #[cfg(feature = "cache")]
    pub(crate) use loom::sync::atomic::{AtomicU64, AtomicU8};
    #[cfg(feature = "cache")]
    pub(crate) use loom::sync::Condvar;

    /// Loom's `Arc` has no `into_inner`; in a model `try_unwrap` is the same up to
    /// one level of extra nesting when two threads drop their last handles at once.
    pub(crate) fn arc_into_inner<T>(arc: Arc<T>) -> Option<T> {
        Arc::try_unwrap(arc).ok()
    }

    /// Loom's `Arc` cannot be coerced to a slice; it wraps a unique std one instead.
    pub(crate) fn arc_slice<T>(items: Vec<T>) -> Arc<[T]> {
        Arc::from_std(std::sync::Arc::from(items))
    }

    /// Loom must see every spin so it can schedule the thread being waited for.
    pub(crate) fn backoff(_spins: u32) {
        loom::thread::yield_now();
    }

    pub(crate) fn thread_hint() -> usize {
        super::thread_number(loom::thread::current().id())
    }

    /// Two stripes: enough for a model to see readers on different stripes, few
    /// enough to keep the state space small.
    pub(crate) fn stripe_count() -> usize {
        2
    }

    /// Three slots: the current version and two old ones, so a model with two stalled
    /// readers reaches the point where a writer must wait.
    pub(crate) fn slot_count() -> usize {
        3
    }

    /// A `Reader` keeps every version it reads, so the models reach the kept version's
    /// check (and the slot it may find refilled) within a few operations.
    pub(crate) fn reader_keeps_after() -> u32 {
        1
    }
}

#[cfg(all(feature = "shuttle", not(loom)))]
pub(super) mod shuttle {
    pub(crate) use shuttle::sync::atomic::{fence, AtomicUsize, Ordering};
    pub(crate) use shuttle::sync::{Arc, Mutex, MutexGuard};
    // The cache's (`crate::durable` is left out of model-checking builds).
    #[cfg(feature = "cache")]
    pub(crate) use shuttle::sync::atomic::{AtomicU64, AtomicU8};
    #[cfg(feature = "cache")]
    pub(crate) use shuttle::sync::Condvar;

    pub(crate) fn arc_into_inner<T>(arc: Arc<T>) -> Option<T> {
        Arc::into_inner(arc)
    }

    /// Shuttle's `Arc` is std's.
    pub(crate) fn arc_slice<T>(items: Vec<T>) -> Arc<[T]> {
        Arc::from(items)
    }

    pub(crate) fn backoff(_spins: u32) {
        shuttle::thread::yield_now();
    }

    pub(crate) fn thread_hint() -> usize {
        super::thread_number(shuttle::thread::current().id())
    }

    pub(crate) fn stripe_count() -> usize {
        2
    }

    /// Four slots: shuttle runs longer histories than loom, with few stalls.
    pub(crate) fn slot_count() -> usize {
        4
    }

    /// As under loom: a `Reader` keeps every version it reads.
    pub(crate) fn reader_keeps_after() -> u32 {
        1
    }
}

/// The number in a model thread's id (`ThreadId(3)` gives 3). Models must make the same
/// choices in every execution they replay, so this cannot hash the id: loom's `Hash`
/// includes the execution's number.
fn thread_number(id: impl std::fmt::Debug) -> usize {
    format!("{id:?}")
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0, |n, digit| n * 10 + usize::from(digit - b'0'))
}
