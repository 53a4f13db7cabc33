//! The synchronisation facade: the one place that chooses between std, loom and shuttle.
//!
//! Every atomic, lock and reference count in the library comes from here, so a loom or
//! shuttle build checks exactly the code that ships. `.ci/facade.sh` fails the build if any
//! other library file names `std::sync`, `loom` or `shuttle`. (Clippy's `disallowed-types`
//! cannot enforce this: a re-exported type is the same type to the lint.)
//!
//! | build                        | primitives                 | used for                     |
//! |------------------------------|----------------------------|------------------------------|
//! | default                      | `std::sync`                | production                   |
//! | `RUSTFLAGS="--cfg loom"`     | `loom::sync`               | exhaustive schedules         |
//! | `--features shuttle`         | `shuttle::sync`            | randomized / PCT schedules   |

#[cfg(any(loom, feature = "shuttle"))]
mod models;
#[cfg(loom)]
use models::loom as imp;
#[cfg(all(feature = "shuttle", not(loom)))]
use models::shuttle as imp;

#[cfg(not(any(loom, feature = "shuttle")))]
mod imp {
    pub(crate) use std::sync::atomic::{fence, AtomicUsize, Ordering};
    pub(crate) use std::sync::{Arc, Mutex, MutexGuard};
    // The cache's access counters.
    #[cfg(feature = "cache")]
    pub(crate) use std::sync::atomic::AtomicU8;
    // The cache's statistics and loads, the durable store's own coordination.
    #[cfg(any(feature = "cache", feature = "durable"))]
    pub(crate) use std::sync::atomic::AtomicU64;
    #[cfg(any(feature = "cache", feature = "durable"))]
    pub(crate) use std::sync::Condvar;

    pub(crate) fn arc_into_inner<T>(arc: Arc<T>) -> Option<T> {
        Arc::into_inner(arc)
    }

    /// A shared slice of `items`, in one allocation.
    pub(crate) fn arc_slice<T>(items: Vec<T>) -> Arc<[T]> {
        Arc::from(items)
    }

    /// Spin briefly, then hand the core to the thread being waited for: on a machine
    /// with fewer cores than threads, that thread may be the one we would spin against.
    pub(crate) fn backoff(spins: u32) {
        if spins < 64 {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }

    /// A small number that differs between threads, fixed for a thread's lifetime.
    pub(crate) fn thread_hint() -> usize {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static HINT: usize = NEXT.fetch_add(1, Ordering::Relaxed);
        }
        HINT.with(|hint| *hint)
    }

    /// Enough stripes that the machine's threads rarely share one; computed once.
    pub(crate) fn stripe_count() -> usize {
        static COUNT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        *COUNT.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(4, |n| n.get());
            (cores * 2).next_power_of_two().clamp(2, 64)
        })
    }

    /// Version slots per root cell: the current version and up to 31 old ones pinned by
    /// readers stalled inside a read; a writer waits only when all 31 are.
    pub(crate) fn slot_count() -> usize {
        32
    }

    /// Reads of one version in a row after which a [`Reader`](crate::Reader) keeps it:
    /// keeping costs a reference count now and, once a write replaces the version, its
    /// free on the reader's thread (some decrements and frees per copied node), which 32
    /// reads without a pin repay.
    pub(crate) fn reader_keeps_after() -> u32 {
        32
    }
}

pub(crate) use imp::*;

/// A cell whose contents the root cell's protocol shares by hand.
///
/// Under loom it is `loom::cell::UnsafeCell`, which tracks every access: a reader still
/// looking at a version while another thread takes it out of its slot is reported as a
/// data race, whatever the version's type. In other builds it is `std`'s `UnsafeCell`
/// behind the same two methods.
#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

#[cfg(not(loom))]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) fn new(value: T) -> Self {
        Self(std::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a pointer for reading the contents.
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with a pointer for writing the contents.
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// Locks `mutex`, ignoring poison: the data the writer lock guards is `()`, so a
/// panicking writer leaves nothing half-updated behind it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}
