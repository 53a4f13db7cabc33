//! [`RootCell`]: an atomically replaceable value whose readers take no lock and whose
//! writers never wait for readers.
//!
//! This is the only module in the crate with `unsafe` code. The store keeps its current
//! trie version here; readers look at it without blocking, a writer replaces it and
//! goes on at once, and each replaced version is freed by a writer once the last read
//! that could reach it has left: at once if no read holds it, else at the next write
//! after that read. Readers only read: they never free a version, so a read never pays
//! for a writer's garbage.
//!
//! # Why not just an atomic pointer to an `Arc`?
//!
//! A reader that loads the pointer and *then* increments the reference count can lose a
//! race: between the two steps a writer swaps the pointer and drops the last count, and
//! the increment touches freed memory. Something must tell the writer that a reader is
//! about to use the old version. The classic answers either make the writer wait for
//! every read in flight (a grace period: a reader stalled inside its read stalls every
//! writer), or let the reader say *which* version it uses (hazard pointers, split counts)
//! so that a stalled reader holds back that one version and nothing else. This cell
//! does the second.
//!
//! # Protocol
//!
//! Versions live in a fixed table of *slots* (`slots`, 32 by default). Each slot holds
//! at most one version and a state: `FREE`, `LIVE` (the current version) or `RETIRED`
//! (replaced, maybe still read), tagged with the slot's *generation*, which counts the
//! versions it has held. `current` is the index of
//! the `LIVE` slot. Readers *pin* a slot in a per-stripe counter, `pins[stripe][slot]`;
//! threads are spread over stripes so that readers on different cores rarely share a
//! cache line. `writer` is a mutex that serialises writers (never taken by readers).
//!
//! A read ([`RootCell::read`]):
//! - **R1** `i = current` (`Relaxed`: only a guess);
//! - **R2** `pins[stripe][i] += 1` (`Relaxed`);
//! - **R3** `fence(SeqCst)`;
//! - **R4** `j = current` (`Acquire`). If `j != i`, a write came between R1 and R4:
//!   unpin `i` (R6) and go back to R2 with `i = j`;
//! - **R5** run the caller's closure on the version in slot `i`;
//! - **R6** `pins[stripe][i] -= 1` (`Release`), also when the closure unwinds.
//!
//! A write ([`RootCell::write`], then [`RootWriter::publish`]), under the writer lock
//! (slot states are read and written by lock holders alone, so `Relaxed`: the lock
//! orders them):
//! - **W1** find a `FREE` slot `n`; if there is none, `fence(SeqCst)`, reclaim every
//!   `RETIRED` slot and look again, backing off between rounds (the only wait, see 8);
//! - **W2** move the new version into slot `n`, `state[n] = LIVE` in the next generation;
//! - **W3** `o = current.swap(n)` (`Release`), then `state[o] = RETIRED`;
//! - **W4** `fence(SeqCst)`, then reclaim every `RETIRED` slot: this one, and any whose
//!   readers have left since an earlier write saw them.
//!
//! A *stamped* read (`RootCell::read_stamped`, crate-internal) is a read that also
//! gives its closure a `Stamp`:
//! - **S1** after R4, the slot's state word, which names the generation the reader
//!   pinned (tag set to `LIVE`), kept with the slot index.
//!
//! A reader that keeps its own shared handle on a version (the store's
//! [`Reader`](crate::Reader) keeps a clone of the trie) checks later whether the
//! version is still current (`RootCell::is_current`), with two loads and no write:
//! - **S2** `current == stamp.slot` (`SeqCst`);
//! - **S3** `state[stamp.slot] == stamp.state` (`Relaxed`: S2 read from the W3 that
//!   put the slot's present version there, after its W2).
//!
//! A match means no publish came since S1 (10). The handle owns what it reads: a stamp
//! pins nothing, holds no slot and never delays a writer.
//!
//! *Reclaim* slot `r` (under the writer lock, after a fence W4 or W1): if every
//! stripe's `pins[..][r]` (`Acquire`) reads 0, take the version out of the slot, store
//! `state[r] = FREE` (same generation, `Relaxed`), and drop the version once the lock is
//! released.
//!
//! # Invariants
//!
//! 1. Exactly one slot is `LIVE`, the one `current` names, and it holds a version. Slot
//!    contents are written only by the lock holder into a `FREE` slot (W2) and taken only
//!    by the lock holder from a `RETIRED` slot (reclaim); a slot is `FREE` again only
//!    once it is empty.
//! 2. Only the holder of the writer lock stores a slot's state or `current`. So it may
//!    read the `LIVE` version without pinning it: nobody else can retire it, and the
//!    lock orders it after the writer that published it.
//! 3. A reader reads slot `i`'s contents only between a pin of `i` (R2) and its unpin
//!    (R6), and only after R4 found `current == i` *after* that pin's fence R3.
//! 4. *Pins are seen.* Let a writer free slot `r` after its fence (W4 or W1), having
//!    seen `state[r] == RETIRED` stored by W3 after the swap away from `r` (its own, or
//!    an earlier lock holder's, ordered before it by the lock). Take a reader with a
//!    validated pin on `r` (3). If the reader's fence R3 precedes the writer's fence in
//!    the single total order of `SeqCst` fences, the writer's pin loads see that pin (R2
//!    is before R3; the loads are after the fence), so it does not free `r` until the
//!    reader's R6, and R6 (`Release`, heading a release sequence) makes the reader's
//!    use of the version happen-before the free. Otherwise the writer's fence comes
//!    first; the swap away from `r` happens-before it, so the reader's R4 reads that swap
//!    or a later value, not `r` from before the swap. It can read `r` only from a later
//!    publish, which needs `r` freed and filled again first (1): then it reads the new
//!    version, published by that swap (`Release`) to its R4 (`Acquire`).
//! 5. *Exactly once.* Only the writer lock's holder frees a version, and it frees only
//!    from a `RETIRED` slot, which it leaves `FREE` and empty: no two threads ever race
//!    for one version, and no slot is refilled while its old version is being taken.
//!    Readers never free: a read costs the reader its own steps and nothing of the
//!    writer's garbage (no drop of a version, no `free` of memory another thread
//!    allocated).
//! 6. *Publication.* The new version is whole before W3 (`Release`) and R4 is `Acquire`:
//!    a reader sees a whole version, never a half-built one.
//! 7. *Readers never wait.* R1–R6 take no lock and wait for nobody: R4 sends a reader
//!    round again only when a write published between its R1 and its R4, so each extra
//!    round means a writer made progress (lock-free; a stalled writer cannot cause one).
//! 8. *Writers never wait for readers*, except when every slot is taken. After a write
//!    (W4), a retired version stays unfreed only if the scan saw a pin on it, and the
//!    next write frees it if that pin is gone by then. A reader
//!    stalled inside its closure holds back exactly one version, its own, however many
//!    writes go by: the pin it dropped on a stale guess before (R4) was released before
//!    its last fence R3, and every write that could retire its version fences after
//!    that R3 (else its R4 would have seen the write), so sees the release. A reader
//!    still between R1 and R4 may be seen holding two: the stale guess it is leaving
//!    and the slot it is trying. So at most one unfreed version per reader inside its
//!    closure, two per reader entering. Only when all `slots - 1` old slots are held
//!    does W1 wait, for the first of them to be let go, reclaiming after each fence.
//!    ([`RootCell::retired`] counts them.)
//! 9. *Garbage waits for a write.* A version whose last reader leaves after the write
//!    that retired it is freed by the next write (W4), or with the cell: between writes
//!    at most `slots - 1` old versions wait, whatever the readers do. A store written
//!    often frees each one a write later; a store that stops writing keeps those its
//!    readers held at the last write until it writes again.
//!
//! 10. *Stamps do not repeat.* Every publish stores into `current` and fills its slot
//!     in a new generation (W2), so the pair (slot, state word with the `LIVE` tag)
//!     names one publish: a slot freed and filled again has the same index and a later
//!     generation. If S2 reads a later publish into the stamp's slot, S3 reads that
//!     publish's W2 or later (S2 read from its W3, which `Release` orders after W2) and
//!     the stamp fails; if S2 reads the stamped publish itself, the version is still
//!     the current one at S2, and the reader's clone of it is that version. S2 is
//!     `SeqCst` so that a check after a publish's W4 fence in the `SeqCst` order sees
//!     that publish, as R4 after R3 does: a reader never serves an old version after a
//!     write that completed before its check (promise 1). The generation wraps after
//!     2^62 fills of one slot (2^30 on 32-bit targets).
//!
//! # What each barrier on the read path protects
//!
//! A read costs two read-modify-writes and one fence (on x86: two `lock xadd` and one
//! `mfence`), plus two plain loads of `current` and one of the slot; a grace period cost
//! the same, and this protocol frees the writer for it. A read writes only its stripe's
//! pin counter and loads only `current`, the slot it pins and the version: it neither
//! looks at slot states nor frees anything, so between writes a reader's lines stay in
//! its own cache.
//! - R2 must be an atomic increment: threads share a stripe. It is `Relaxed`, because
//!   R3 orders it.
//! - R3, the `SeqCst` fence, is the one the protocol cannot lose: it pairs with W4 (or
//!   with W1's) so that either the writer sees the pin or the reader sees the
//!   retirement (invariant 4). Folding it into R2 (a `SeqCst` increment and a
//!   `SeqCst` load at R4, valid in C++20 and free on x86, where `lock xadd` is already a
//!   full barrier) would save the `mfence`, but loom models `SeqCst` accesses as
//!   acquire/release and could not check it; an asymmetric fence (`membarrier` on the
//!   writer's side) would take it off the read path entirely at the price of a system
//!   call per write. Both are left for when loom can check them.
//! - R4 is `Acquire` to see the version the swap published whole (invariant 6).
//! - R6 is `Release` so that the reader's use of the version happens-before its free
//!   (invariant 4); it must be atomic for the same reason as R2.
//! - R1 is a `Relaxed` guess: R4 checks it.
//!
//! Each `unsafe` block below names the invariants it relies on; the loom models in
//! `tests/loom.rs` exercise them.

use std::fmt;
use std::marker::PhantomData;

use crossbeam_utils::CachePadded;
use smallvec::SmallVec;

use crate::sync::{self, fence, AtomicUsize, Mutex, MutexGuard, Ordering, UnsafeCell};

#[cfg(all(test, not(loom)))]
mod tests;

// A slot's state word: its generation (how many versions it has held) above a two-bit
// tag. The generation tells a stamp's version from a later one in the same slot
// (invariant 10).
const FREE: usize = 0;
const LIVE: usize = 1;
const RETIRED: usize = 2;
const TAG: usize = 0b11;
const GENERATION: usize = 0b100;

/// Pin counters per cache-padded chunk.
const PER_LINE: usize = 8;

/// One slot of the version table.
struct Slot<T> {
    state: AtomicUsize,
    version: UnsafeCell<Option<T>>,
}

/// An atomically replaceable `T`: lock-free reads; writers serialised by a lock and never
/// waiting for readers.
///
/// Readers borrow the current value for the length of a closure
/// ([`read`](RootCell::read)); a writer takes the lock ([`write`](RootCell::write)),
/// looks at the current value, and [`publish`](RootWriter::publish)es a replacement. The
/// replaced value is dropped once no reader can see it any more, by a writer after it
/// releases the lock: the one that replaced it, or the first after its last reader
/// left. Readers never drop a value.
///
/// The protocol is described, with its invariants, in the module documentation.
///
/// ```
/// use cowtrie::cell::RootCell;
///
/// let cell = RootCell::new(String::from("v1"));
/// assert_eq!(cell.read(|s| s.len()), 2);
///
/// let mut writer = cell.write();
/// let next = format!("{}-next", writer.current());
/// writer.publish(next);
/// drop(writer);
/// assert_eq!(cell.read(|s| s.clone()), "v1-next");
/// assert_eq!(cell.retired(), 0, "no reader held v1, so it is gone");
/// ```
pub struct RootCell<T> {
    current: AtomicUsize,
    slots: Box<[CachePadded<Slot<T>>]>,
    /// The pin counters, `chunks` cache lines per stripe: `pins[stripe][slot]` is
    /// `pins[stripe * chunks + slot / PER_LINE][slot % PER_LINE]`, the readers of that
    /// stripe inside a read of that slot.
    pins: Box<[CachePadded<[AtomicUsize; PER_LINE]>]>,
    chunks: usize,
    /// The number of stripes minus one (the count is a power of two): a thread's stripe
    /// is its hint masked with this, so a read computes it without a division.
    stripe_mask: usize,
    writer: Mutex<()>,
    /// The slots hold `T`s; this marker removes the auto traits the atomics would give,
    /// and the impls below add them back with the bounds the protocol needs.
    _owns: PhantomData<*const T>,
}

// SAFETY: moving the cell moves ownership of the `T`s in its slots (invariant 1), which
// needs `T: Send`.
unsafe impl<T: Send> Send for RootCell<T> {}

// SAFETY: through `&RootCell`, any thread may borrow `&T` (R5, needs `T: Sync`) and may
// drop a `T` another thread published (reclaim, needs `T: Send`).
unsafe impl<T: Send + Sync> Sync for RootCell<T> {}

impl<T> RootCell<T> {
    /// Creates a cell holding `value`, with the default number of version slots.
    pub fn new(value: T) -> Self {
        Self::with_slots(value, sync::slot_count())
    }

    /// Creates a cell holding `value` with room for `slots` versions (at least 2): the
    /// current one, and `slots - 1` old ones still pinned by readers. A writer waits
    /// only when every old slot is pinned by a reader still inside [`read`](Self::read).
    ///
    /// # Panics
    ///
    /// If `slots < 2`.
    pub fn with_slots(value: T, slots: usize) -> Self {
        assert!(
            slots >= 2,
            "a root cell needs at least 2 slots, got {slots}"
        );
        let slots: Box<[_]> = (0..slots)
            .map(|i| {
                CachePadded::new(Slot {
                    state: AtomicUsize::new(if i == 0 { LIVE } else { FREE }),
                    version: UnsafeCell::new(None),
                })
            })
            .collect();
        // Slot 0 is not shared yet: `with_mut` is a plain write.
        slots[0].version.with_mut(|version| {
            // SAFETY: the cell is being built; nothing else can reach this slot.
            unsafe { *version = Some(value) }
        });
        let chunks = slots.len().div_ceil(PER_LINE);
        let stripes = sync::stripe_count();
        debug_assert!(stripes.is_power_of_two());
        let pins = (0..stripes * chunks)
            .map(|_| CachePadded::new(std::array::from_fn(|_| AtomicUsize::new(0))))
            .collect();
        Self {
            current: AtomicUsize::new(0),
            slots,
            pins,
            chunks,
            stripe_mask: stripes - 1,
            writer: Mutex::new(()),
            _owns: PhantomData,
        }
    }

    /// Runs `f` on the current value and returns its result.
    ///
    /// Takes no lock and never waits. The borrow ends when `f` returns, so `f` cannot
    /// keep it; clone what must outlive the call (for the store: an `Arc`). While `f`
    /// runs, writers go on publishing; the version `f` sees stays alive until it returns.
    pub fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.read_pinned(&Pin::enter(self), f)
    }

    /// R5: runs `f` on the version in the slot `pin` holds.
    fn read_pinned<R>(&self, pin: &Pin<'_, T>, f: impl FnOnce(&T) -> R) -> R {
        let slot = &self.slots[pin.slot];
        slot.version.with(|version| {
            // SAFETY: `pin` is a validated pin of `pin.slot` (invariant 3), so the slot
            // holds a whole version (invariants 1 and 6) that no thread takes or
            // overwrites before the pin is dropped (invariant 4), and the pin is borrowed
            // for longer than this closure runs.
            let version = unsafe { &*version };
            f(version
                .as_ref()
                .expect("a pinned LIVE slot holds a version"))
        })
    }

    /// [`read`](Self::read), also giving `f` the [`Stamp`] of the version it reads, which
    /// [`is_current`](Self::is_current) later compares against the current one.
    pub(crate) fn read_stamped<R>(&self, f: impl FnOnce(&T, Stamp) -> R) -> R {
        let pin = Pin::enter(self);
        // S1: R4 saw `current == pin.slot` (`Acquire`), reading from the swap that
        // published the version (W3), so this load comes after that fill's W2 and sees
        // its generation; the pin keeps the slot from being freed and filled again
        // (invariant 4), so the state is that generation, `LIVE` or already `RETIRED`.
        let state = self.slots[pin.slot].state.load(Ordering::Relaxed);
        let stamp = Stamp {
            slot: pin.slot,
            state: state & !TAG | LIVE,
        };
        self.read_pinned(&pin, |version| f(version, stamp))
    }

    /// Whether the version `stamp` names is still the current one. Two loads, no
    /// write: a reader that keeps its own handle on a version (a [`Trie`](crate::Trie)
    /// clone) asks this before each read instead of pinning again.
    ///
    /// A stamp names a slot and the slot's state word, which holds its generation, so a
    /// slot filled again since the stamp was taken (the same index, a new version) does
    /// not match: without the generation, a reader would take a recycled slot for its
    /// old version (ABA).
    pub(crate) fn is_current(&self, stamp: Stamp) -> bool {
        // S2: `SeqCst`, a plain load on x86 and `ldar` on Arm like `Acquire`, so that it
        // follows every publish whose W4 fence comes before it in the fences' total
        // order, as R4 after R3 does.
        self.current.load(Ordering::SeqCst) == stamp.slot
            // S3: if `current` names the stamp's slot because a later publish filled it
            // again, the load above read from that publish's W3 (`Release`), which
            // follows its W2, so this load sees the new generation and the stamps
            // differ. Otherwise the slot still holds the stamped version.
            && self.slots[stamp.slot].state.load(Ordering::Relaxed) == stamp.state
    }

    /// Takes the writer lock, waiting for any other writer to finish.
    ///
    /// Readers are not affected: they keep reading the current value until the returned
    /// writer publishes a new one.
    pub fn write(&self) -> RootWriter<'_, T> {
        RootWriter {
            _lock: sync::lock(&self.writer),
            cell: self,
            freed: SmallVec::new(),
        }
    }

    /// The number of replaced versions not yet freed: at most one per reader inside
    /// [`read`](Self::read) (module invariant 8), plus those whose readers left after the
    /// last write (invariant 9, freed by the next write), never more than `slots - 1`.
    /// For tests and monitoring; the count is a snapshot of a moving state.
    pub fn retired(&self) -> usize {
        let retired =
            |slot: &&CachePadded<Slot<T>>| slot.state.load(Ordering::Relaxed) & TAG == RETIRED;
        self.slots.iter().filter(retired).count()
    }

    /// The calling thread's stripe: its first chunk of pin counters.
    fn stripe(&self) -> usize {
        (sync::thread_hint() & self.stripe_mask) * self.chunks
    }

    /// `pins[stripe][slot]`, `stripe` as [`stripe`](Self::stripe) returns it.
    fn pin_counter(&self, stripe: usize, slot: usize) -> &AtomicUsize {
        &self.pins[stripe + slot / PER_LINE][slot % PER_LINE]
    }
}

impl<T> Drop for RootCell<T> {
    fn drop(&mut self) {
        for slot in self.slots.iter() {
            // SAFETY: `&mut self`: no reader or writer borrows the cell any more, and each
            // slot's contents are owned by the cell (invariant 1).
            slot.version
                .with_mut(|version| drop(unsafe { (*version).take() }));
        }
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

/// One published version of a [`RootCell`]: its slot and the slot's state word when it
/// was `LIVE` with that version (generation included). Taken by
/// [`RootCell::read_stamped`], checked by [`RootCell::is_current`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    slot: usize,
    state: usize,
}

/// A reader's validated pin of one slot (R1–R4); dropping it is R6.
///
/// Crate-visible for the unit tests, which hold reads open across writes.
pub(crate) struct Pin<'a, T> {
    cell: &'a RootCell<T>,
    stripe: usize,
    pub(crate) slot: usize,
}

impl<'a, T> Pin<'a, T> {
    pub(crate) fn enter(cell: &'a RootCell<T>) -> Self {
        let stripe = cell.stripe();
        let mut slot = cell.current.load(Ordering::Relaxed); // R1
        loop {
            cell.pin_counter(stripe, slot)
                .fetch_add(1, Ordering::Relaxed); // R2
            fence(Ordering::SeqCst); // R3
            let now = cell.current.load(Ordering::Acquire); // R4
            let pin = Self { cell, stripe, slot };
            if now == slot {
                return pin;
            }
            drop(pin); // R6 for the stale guess
            slot = now;
        }
    }
}

impl<T> Drop for Pin<'_, T> {
    fn drop(&mut self) {
        self.cell
            .pin_counter(self.stripe, self.slot)
            .fetch_sub(1, Ordering::Release); // R6
    }
}

/// The writer lock of a [`RootCell`], with the right to replace its value.
///
/// Obtained from [`RootCell::write`]; the lock is released when this is dropped, and
/// then the versions this writer freed are dropped.
pub struct RootWriter<'a, T> {
    // Field order is drop order: the lock goes first, so the freed versions' destructors
    // run outside it.
    _lock: MutexGuard<'a, ()>,
    cell: &'a RootCell<T>,
    freed: SmallVec<[T; 2]>,
}

impl<T> RootWriter<'_, T> {
    /// The current value. No other writer can replace it while `self` lives.
    pub fn current(&self) -> &T {
        let cell = self.cell;
        let slot = &cell.slots[cell.current.load(Ordering::Relaxed)];
        let version = slot.version.with(|version| {
            // SAFETY: we hold the writer lock, so the `LIVE` slot `current` names cannot
            // be retired, taken or overwritten by anyone else (invariants 1 and 2), and
            // the lock orders us after the writer that filled it. The borrow is tied to
            // `&self`, so it ends before `publish` (`&mut self`) can retire it.
            unsafe { &*version }
        });
        version.as_ref().expect("the LIVE slot holds a version")
    }

    /// Makes `new` the current value. Readers that start after this call see `new`.
    ///
    /// Returns without waiting for readers: the replaced value is dropped after this
    /// writer's lock is released if no reader is inside it, else by the first write
    /// after its last reader leaves (module invariant 9). This call waits only if every
    /// slot but the current one holds an old version that a reader still inside
    /// [`RootCell::read`] pins (module invariant 8).
    pub fn publish(&mut self, new: T) {
        let cell = self.cell;
        let next = self.free_slot(); // W1
        let slot = &cell.slots[next];
        slot.version.with_mut(|version| {
            // SAFETY: the slot is `FREE`, so empty, and only the lock holder fills free
            // slots or empties retired ones, the lock ordering us after the last one that
            // did (invariants 1, 2, 5).
            unsafe { *version = Some(new) }
        });
        let free = slot.state.load(Ordering::Relaxed);
        slot.state
            .store(free + GENERATION - FREE + LIVE, Ordering::Relaxed); // W2
        let old = cell.current.swap(next, Ordering::Release); // W3
        let old = &cell.slots[old].state;
        old.store(
            old.load(Ordering::Relaxed) - LIVE + RETIRED,
            Ordering::Relaxed,
        );
        fence(Ordering::SeqCst); // W4
        self.reclaim_all();
    }

    /// W1: a free slot, waiting for one only if every slot is pinned.
    fn free_slot(&mut self) -> usize {
        let mut spins = 0;
        loop {
            let free =
                |slot: &CachePadded<Slot<T>>| slot.state.load(Ordering::Relaxed) & TAG == FREE;
            if let Some(free) = self.cell.slots.iter().position(free) {
                return free;
            }
            // Every old slot is retired and was pinned at the last scan: the bound is
            // reached. Fence and scan again until a reader has left one.
            fence(Ordering::SeqCst);
            self.reclaim_all();
            sync::backoff(spins);
            spins = spins.saturating_add(1);
        }
    }

    /// Reclaims every `RETIRED` slot that no reader pins; the caller has fenced (W4 or
    /// W1). The versions taken are dropped with `self`, after the lock.
    fn reclaim_all(&mut self) {
        let cell = self.cell;
        for (r, slot) in cell.slots.iter().enumerate() {
            let state = slot.state.load(Ordering::Relaxed);
            if state & TAG != RETIRED {
                continue;
            }
            let pinned = (0..cell.pins.len())
                .step_by(cell.chunks)
                .any(|stripe| cell.pin_counter(stripe, r).load(Ordering::Acquire) != 0);
            if pinned {
                continue;
            }
            let version = slot.version.with_mut(|version| {
                // SAFETY: we hold the writer lock, the only right to take a slot's
                // contents or change its state (invariants 1, 2, 5); the slot is
                // `RETIRED`, no reader pins it and none can validate a pin of it again
                // (invariant 4).
                unsafe { (*version).take() }
            });
            slot.state.store(state - RETIRED + FREE, Ordering::Relaxed);
            self.freed.extend(version);
        }
    }
}
