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
    pub(crate) use std::sync::atomic::{fence, AtomicPtr, AtomicUsize, Ordering};
    pub(crate) use std::sync::{Arc, Mutex, MutexGuard};

    pub(crate) fn arc_into_inner<T>(arc: Arc<T>) -> Option<T> {
        Arc::into_inner(arc)
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
}

pub(crate) use imp::*;

/// The value behind the root cell's pointer.
///
/// Under loom it lives in a `loom::cell::UnsafeCell`: loom then tracks every read of a
/// published value (for the whole read section) and counts its reclamation as a write,
/// so a reader still looking at a value the writer frees is reported as a data race,
/// whatever the value's type. In other builds it is the value itself.
pub(crate) struct Slot<T> {
    #[cfg(loom)]
    value: loom::cell::UnsafeCell<T>,
    #[cfg(not(loom))]
    value: T,
}

impl<T> Slot<T> {
    pub(crate) fn new(value: T) -> Self {
        Self {
            #[cfg(loom)]
            value: loom::cell::UnsafeCell::new(value),
            #[cfg(not(loom))]
            value,
        }
    }

    /// Runs `f` with a pointer to the value; under loom the read is tracked until `f`
    /// returns.
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        #[cfg(loom)]
        return self.value.with(f);
        #[cfg(not(loom))]
        return f(&self.value);
    }

    /// Takes the value out (reclamation: under loom, a tracked write).
    pub(crate) fn into_inner(self) -> T {
        #[cfg(loom)]
        {
            self.value.with_mut(|_| ());
            self.value.into_inner()
        }
        #[cfg(not(loom))]
        self.value
    }
}

/// Locks `mutex`, ignoring poison: the data the writer lock guards is `()`, so a
/// panicking writer leaves nothing half-updated behind it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}
