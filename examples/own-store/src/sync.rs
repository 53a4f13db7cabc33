//! The sync facade: the one file that chooses std, loom or shuttle primitives, so the
//! store's code runs unchanged under each tool.

#[cfg(loom)]
pub(crate) use loom::{cell::UnsafeCell, sync::atomic::AtomicPtr, sync::Mutex};
#[cfg(all(feature = "shuttle", not(loom)))]
pub(crate) use shuttle::sync::{atomic::AtomicPtr, Mutex};
#[cfg(not(any(loom, feature = "shuttle")))]
pub(crate) use std::sync::{atomic::AtomicPtr, Mutex};
// The same in every build: loom's and shuttle's atomics take std's `Ordering`, and the
// versions' `Arc` is shared by no thread (the writer lock's list alone holds them).
pub(crate) use std::sync::{atomic::Ordering, Arc};

/// Outside loom, a plain cell behind loom's `UnsafeCell` API (loom's tracks every access).
#[cfg(not(loom))]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) fn new(value: T) -> Self {
        Self(std::cell::UnsafeCell::new(value))
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }
}
