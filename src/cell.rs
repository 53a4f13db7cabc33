//! [`RootCell`]: an atomically replaceable value whose readers take no lock.
//!
//! This is the only module in the crate with `unsafe` code. The store keeps its current
//! trie version here; readers look at it without blocking, a writer replaces it and then
//! frees the old version once no reader can still be looking at it.
//!
//! # Why not just an atomic pointer to an `Arc`?
//!
//! A reader that loads the pointer and *then* increments the reference count can lose a
//! race: between the two steps a writer swaps the pointer and drops the last count, and
//! the increment touches freed memory. This cell closes that window with a *grace
//! period*: a reader announces itself in a counter before it loads the pointer, and a
//! writer that has swapped the pointer waits until every reader that could have loaded
//! the old one has left before it frees it. Readers never wait for anything.
//!
//! # Protocol
//!
//! State: `current` (a pointer from [`Box::into_raw`] to the value, wrapped in a `Slot`
//! that lets loom track accesses to it), `readers` (per stripe, two
//! counters of readers inside a read section, indexed by *parity*), `epoch` (the parity new
//! readers should use), and `writer` (a mutex that serialises writers).
//!
//! A read ([`RootCell::read`]):
//! - **R1** pick a stripe from the thread, and the parity `p = epoch` (`Relaxed`);
//! - **R2** `readers[stripe][p] += 1` (`Relaxed`);
//! - **R3** `fence(SeqCst)`;
//! - **R4** `ptr = current` (`Acquire`), then run the caller's closure on `&*ptr`;
//! - **R5** `readers[stripe][p] -= 1` (`Release`), also when the closure unwinds.
//!
//! A write ([`RootCell::write`], then [`RootWriter::publish`]), under the writer lock:
//! - **W1** `old = current.swap(new)` (`Release`);
//! - **W2** `fence(SeqCst)`;
//! - **W3** for `q = 0`, then `q = 1`: set `epoch = 1 - q`, then for every stripe spin
//!   until `readers[stripe][q] == 0` (`Acquire`). Only W3 stores the epoch, and it
//!   leaves it at 0, where it started: between writes, readers arrive on parity 0;
//! - **W4** `old` now belongs to the writer alone; it is returned to the caller, who drops
//!   it after releasing the lock.
//!
//! # Invariants
//!
//! 1. `current` always points to a live `Box<T>` allocation owned by the cell.
//! 2. Only the holder of the writer lock changes `current` or frees a pointer that was
//!    ever stored in it. So one grace period runs at a time, and the lock holder may read
//!    `*current` without announcing itself (the mutex orders it after the last writer).
//! 3. A reader dereferences only a pointer it loaded at R4, and only between its R2 and
//!    its R5.
//! 4. *Grace.* Let a reader's fence R3 precede the writer's fence W2 in the single total
//!    order of `SeqCst` fences. Then every W3 load of that reader's counter sees its R2
//!    increment or a later value, so W3 cannot see the counter at zero before that reader's
//!    R5. R5 is `Release` and the W3 load `Acquire` (each decrement heads a release
//!    sequence), so everything the reader did with the pointer happens-before W4.
//! 5. *Freshness.* A reader whose R3 follows W2 loads the new pointer or a later one at
//!    R4, never the old one. With (4), no reader can touch `old` after W3 ends.
//! 6. *Publication.* The new value is fully built before W1 (`Release`), and R4 is
//!    `Acquire`: a reader sees a whole version, never a half-built one.
//! 7. *Liveness, not safety.* The epoch only steers arriving readers to the other counter
//!    so that W3 waits for the readers in flight, never for readers arriving later; a
//!    reader that reads a stale epoch is still covered by (4) because W3 drains both
//!    parities.
//! 8. *Readers never wait.* R1–R5 contain no loop and no lock. A writer waits (W3) only
//!    for read sections already in flight.
//!
//! Each `unsafe` block below names the invariants it relies on; the loom models in
//! `tests/loom.rs` exercise them.

use std::fmt;
use std::marker::PhantomData;

use crossbeam_utils::CachePadded;

use crate::sync::{self, fence, AtomicPtr, AtomicUsize, Mutex, MutexGuard, Ordering, Slot};

/// An atomically replaceable `T`: lock-free reads, writers serialised by a lock.
///
/// Readers borrow the current value for the length of a closure
/// ([`read`](RootCell::read)); a writer takes the lock ([`write`](RootCell::write)),
/// looks at the current value, and [`publish`](RootWriter::publish)es a replacement. The
/// replaced value is handed back to the writer once no reader can see it any more, so
/// it is dropped by the writer, outside every reader's critical path.
///
/// The protocol is described, with its invariants, in the module documentation.
///
/// ```
/// use cowtrie::RootCell;
///
/// let cell = RootCell::new(String::from("v1"));
/// assert_eq!(cell.read(|s| s.len()), 2);
///
/// let mut writer = cell.write();
/// let next = format!("{}-next", writer.current());
/// let old = writer.publish(next);
/// drop(writer);
/// assert_eq!(old, "v1");
/// assert_eq!(cell.read(|s| s.clone()), "v1-next");
/// ```
pub struct RootCell<T> {
    current: AtomicPtr<Slot<T>>,
    epoch: AtomicUsize,
    readers: Box<[CachePadded<[AtomicUsize; 2]>]>,
    writer: Mutex<()>,
    /// `AtomicPtr` is `Send + Sync` for every `T`; this marker removes those, and the
    /// impls below add them back with the bounds the protocol needs.
    _owns: PhantomData<*const T>,
}

// SAFETY: moving the cell moves ownership of the boxed `T` it holds (invariant 1), which
// needs `T: Send`.
unsafe impl<T: Send> Send for RootCell<T> {}

// SAFETY: through `&RootCell`, any thread may borrow `&T` (R4, needs `T: Sync`) and may
// publish a `T` that another thread later receives back and drops (W4, needs `T: Send`).
unsafe impl<T: Send + Sync> Sync for RootCell<T> {}

impl<T> RootCell<T> {
    /// Creates a cell holding `value`.
    pub fn new(value: T) -> Self {
        let stripes = (0..sync::stripe_count())
            .map(|_| CachePadded::new([AtomicUsize::new(0), AtomicUsize::new(0)]))
            .collect();
        Self {
            current: AtomicPtr::new(Box::into_raw(Box::new(Slot::new(value)))),
            epoch: AtomicUsize::new(0),
            readers: stripes,
            writer: Mutex::new(()),
            _owns: PhantomData,
        }
    }

    /// Runs `f` on the current value and returns its result.
    ///
    /// Takes no lock and never waits. The borrow ends when `f` returns, so `f` cannot
    /// keep it; clone what must outlive the call (for the store: an `Arc`). A writer
    /// replacing the value waits for `f` to finish before it frees the old value, so keep
    /// `f` short, and never call [`write`](RootCell::write) on the same cell from inside
    /// it (the writer would wait for itself).
    pub fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let _section = ReadSection::enter(self);
        // R4
        let ptr = self.current.load(Ordering::Acquire);
        // SAFETY: `ptr` was loaded after R2/R3 (in `enter`) and the borrow ends before R5
        // (when `_section` drops): invariant 3. It points to a live box (invariant 1)
        // that no writer frees while we are inside (invariants 4 and 5), and it is whole
        // (invariant 6).
        let slot = unsafe { &*ptr };
        slot.with(|value| {
            // SAFETY: `value` points into `slot`, live for this whole closure (above).
            f(unsafe { &*value })
        })
    }

    /// Takes the writer lock, waiting for any other writer to finish.
    ///
    /// Readers are not affected: they keep reading the current value until the returned
    /// writer publishes a new one.
    pub fn write(&self) -> RootWriter<'_, T> {
        RootWriter {
            cell: self,
            _lock: sync::lock(&self.writer),
        }
    }

    /// W3: waits until every reader that announced itself before the caller's fence W2
    /// has left its read section.
    fn wait_for_readers(&self) {
        // The epoch is 0 here (W3 restores it), so parity 0 is the one readers are
        // arriving on: steer them to 1 while it drains, then back.
        for parity in [0, 1] {
            self.epoch.store(parity ^ 1, Ordering::Relaxed);
            for stripe in self.readers.iter() {
                let mut spins = 0;
                while stripe[parity].load(Ordering::Acquire) != 0 {
                    sync::backoff(spins);
                    spins = spins.saturating_add(1);
                }
            }
        }
    }
}

impl<T> Drop for RootCell<T> {
    fn drop(&mut self) {
        let ptr = self.current.load(Ordering::Relaxed);
        // SAFETY: `&mut self` means no reader or writer borrows the cell any more, and
        // `ptr` is the box the cell owns (invariant 1); nothing else frees it.
        let slot = unsafe { Box::from_raw(ptr) };
        drop(slot.into_inner());
    }
}

impl<T: Default> Default for RootCell<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: fmt::Debug> fmt::Debug for RootCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.read(|value| f.debug_tuple("RootCell").field(value).finish())
    }
}

/// A reader's announcement (R1–R3); dropping it is R5.
///
/// Crate-visible for the unit tests, which hold sections open in an order no closure
/// nesting allows.
pub(crate) struct ReadSection<'a> {
    counter: &'a AtomicUsize,
}

impl<'a> ReadSection<'a> {
    pub(crate) fn enter<T>(cell: &'a RootCell<T>) -> Self {
        // `readers.len()` is a power of two.
        let stripe = &cell.readers[sync::thread_hint() & (cell.readers.len() - 1)];
        let parity = cell.epoch.load(Ordering::Relaxed) & 1; // R1
        let counter = &stripe[parity];
        counter.fetch_add(1, Ordering::Relaxed); // R2
        fence(Ordering::SeqCst); // R3
        Self { counter }
    }
}

impl Drop for ReadSection<'_> {
    fn drop(&mut self) {
        self.counter.fetch_sub(1, Ordering::Release); // R5
    }
}

/// The writer lock of a [`RootCell`], with the right to replace its value.
///
/// Obtained from [`RootCell::write`]; the lock is released when this is dropped.
pub struct RootWriter<'a, T> {
    cell: &'a RootCell<T>,
    _lock: MutexGuard<'a, ()>,
}

impl<T> RootWriter<'_, T> {
    /// The current value. No other writer can replace it while `self` lives.
    pub fn current(&self) -> &T {
        let ptr = self.cell.current.load(Ordering::Relaxed);
        // SAFETY: we hold the writer lock, so nobody else can swap or free `ptr`
        // (invariant 2), and the lock orders us after the writer that stored it. The
        // borrow is tied to `&self`, so it ends before `publish` (which takes `&mut self`)
        // can retire the box.
        let slot = unsafe { &*ptr };
        let value = slot.with(|value| value);
        // SAFETY: `value` points into `slot`, which lives as long as the borrow (above).
        unsafe { &*value }
    }

    /// Makes `new` the current value and returns the value it replaced.
    ///
    /// Readers that start after this call see `new`. The call returns once no reader can
    /// still see the old value (it waits only for read sections already in flight), so
    /// the caller owns it outright; drop it after releasing the lock to keep the old
    /// value's destructors off the writers' critical path.
    pub fn publish(&mut self, new: T) -> T {
        let cell = self.cell;
        let new = Box::into_raw(Box::new(Slot::new(new)));
        let old = cell.current.swap(new, Ordering::Release); // W1
        fence(Ordering::SeqCst); // W2
        cell.wait_for_readers(); // W3

        // SAFETY: `old` came from `Box::into_raw` (invariant 1) and is no longer in
        // `current`; W3 has seen every reader that could hold it leave (invariants 4 and
        // 5), and only the lock holder frees retired pointers (invariant 2). So we own
        // the box outright (W4).
        let old = unsafe { Box::from_raw(old) };
        old.into_inner()
    }
}
