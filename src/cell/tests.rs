//! Unit tests of the root cell that need its private parts (a [`Pin`] held open across
//! writes, in orders no closure nesting allows). They run under Miri too (`.ci/miri.sh`),
//! with smaller sizes.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Pin, RootCell, PER_LINE};
use crate::tests::{scaled, Tracked};

/// Invariants 1, 4–6 on real threads: readers see whole versions in order, and every
/// value is dropped exactly once (by whichever path frees its version).
#[test]
fn readers_see_whole_versions_and_every_old_value_is_dropped_once() {
    let live = AtomicUsize::new(0);
    // Version `n` holds `n % 8` values with ids `0..n % 8`.
    let cell = RootCell::new((0, Vec::new()));
    let writes = scaled(2_000, 30);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let mut last = 0;
                for _ in 0..writes {
                    let version = cell.read(|(n, values): &(usize, Vec<Tracked>)| {
                        assert_eq!(values.len(), n % 8, "version {n} is whole");
                        assert!(values.iter().enumerate().all(|(i, t)| t.id == i));
                        *n
                    });
                    assert!(version >= last, "versions go forward");
                    last = version;
                }
            });
        }
        s.spawn(|| {
            for n in 1..=writes {
                let mut writer = cell.write();
                assert_eq!(writer.current().0, n - 1);
                let values = (0..n % 8).map(|i| Tracked::new(i, &live)).collect();
                writer.publish((n, values));
            }
        });
    });
    let current = (0..writes % 8).count();
    assert_eq!(cell.retired(), 0, "no reader is left, so no old version is");
    assert_eq!(live.load(Ordering::SeqCst), current, "old values dropped");
    drop(cell);
    assert_eq!(live.load(Ordering::SeqCst), 0, "every value dropped");
}

/// Invariant 8: a reader stalled inside its read holds back its one version, and only
/// that one, across many writes; the writes never wait for it.
#[test]
fn a_stalled_reader_holds_back_one_version() {
    let live = AtomicUsize::new(0);
    let cell = RootCell::new(Tracked::new(0, &live));
    let stalled = Pin::enter(&cell);
    for n in 1..=scaled(10_000, 50) {
        cell.write().publish(Tracked::new(n, &live));
        assert_eq!(cell.retired(), 1, "after write {n}");
        assert_eq!(live.load(Ordering::SeqCst), 2, "the pinned and the current");
    }
    drop(stalled);
    assert_eq!(
        cell.retired(),
        1,
        "readers never free: it waits for a write"
    );
    assert_eq!(live.load(Ordering::SeqCst), 2);
    cell.write().publish(Tracked::new(0, &live));
    assert_eq!(
        cell.retired(),
        0,
        "the first write after the last reader left frees its version"
    );
    assert_eq!(live.load(Ordering::SeqCst), 1);
}

/// A read that starts after a write pins the new version's slot, while an earlier read
/// keeps the old one. (A guess gone stale between R1 and R4 needs a write inside the
/// read's first steps: loom's models reach it.)
#[test]
fn a_read_after_a_write_pins_the_new_version() {
    let cell = RootCell::new(0u32);
    let early = Pin::enter(&cell);
    cell.write().publish(1);
    let late = Pin::enter(&cell);
    assert_ne!(
        early.slot, late.slot,
        "the second read pins the new version"
    );
    assert_eq!(cell.read(|v| *v), 1);
    drop((early, late));
    assert_eq!(cell.retired(), 1, "version 0 waits for the next write");
    cell.write().publish(2);
    assert_eq!(cell.retired(), 0);
}

/// Invariant 8, the one wait: with every old slot pinned, a writer waits for the first
/// reader to leave, and then goes on. The deadline only bounds a test that would
/// otherwise hang; the assertion is on order, not on time.
#[test]
fn a_writer_waits_only_when_every_slot_is_pinned() {
    let cell = RootCell::with_slots(0u32, 3);
    let first = Pin::enter(&cell);
    cell.write().publish(1);
    let second = Pin::enter(&cell);
    cell.write().publish(2);
    assert_eq!(
        cell.retired(),
        2,
        "versions 0 and 1 are pinned, 2 is current"
    );
    let published = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            cell.write().publish(3);
            published.store(true, Ordering::SeqCst);
        });
        // The writer cannot have published: no slot is free.
        let deadline = Instant::now() + Duration::from_millis(scaled(200, 20) as u64);
        while Instant::now() < deadline {
            assert!(
                !published.load(Ordering::SeqCst),
                "published into a pinned slot"
            );
            std::thread::yield_now();
        }
        assert_eq!(cell.read(|v| *v), 2);
        drop(first);
    });
    assert!(published.load(Ordering::SeqCst));
    assert_eq!(cell.read(|v| *v), 3);
    assert_eq!(cell.retired(), 1, "version 1 is still pinned");
    drop(second);
    cell.write().publish(4);
    assert_eq!(
        cell.retired(),
        0,
        "the write after the last reader freed all"
    );
}

/// A value that writes its id into a shared log when dropped.
struct Logged<'a> {
    id: usize,
    log: &'a Mutex<Vec<usize>>,
}

impl<'a> Logged<'a> {
    fn new(id: usize, log: &'a Mutex<Vec<usize>>) -> Self {
        Self { id, log }
    }
}

impl Drop for Logged<'_> {
    fn drop(&mut self) {
        self.log.lock().unwrap().push(self.id);
    }
}

/// Invariant 4 for slots whose pin counters are not in a stripe's first cache line
/// (`PER_LINE` counters a line): a reader inside a read of slot 8, or of the last slot
/// of 16, holds its version across writes while the slots whose counters share its
/// place in the first line are free and unpinned, and leaving frees it. A writer fills
/// the lowest free slot, so the test climbs to the target slot by holding a pin on each
/// version below it while publishing the next, then lets those pins go.
#[test]
fn a_pin_past_the_first_line_of_counters_holds_its_version() {
    let slots = 2 * PER_LINE;
    for target in [PER_LINE, slots - 1] {
        let log = Mutex::new(Vec::new());
        let dropped = || log.lock().unwrap().clone();
        let cell = RootCell::with_slots(Logged::new(0, &log), slots);
        // Version `n` goes into slot `n`: every slot below it is pinned.
        let below: Vec<_> = (1..=target)
            .map(|n| {
                let pin = Pin::enter(&cell);
                cell.write().publish(Logged::new(n, &log));
                pin
            })
            .collect();
        assert_eq!(cell.current.load(Ordering::Relaxed), target);
        cell.read(|version| {
            assert_eq!(version.id, target);
            drop(below);
            assert_eq!(dropped(), [], "readers never free");
            for n in target + 1..=target + 3 {
                cell.write().publish(Logged::new(n, &log));
                assert_eq!(
                    dropped()[..target],
                    Vec::from_iter(0..target),
                    "the first write after the pins below let go frees their versions"
                );
                assert_eq!(version.id, target, "the pinned version is still there");
                assert!(
                    !dropped().contains(&target),
                    "version {target} freed while a reader pins slot {target}"
                );
                assert_eq!(cell.retired(), 1, "only the pinned version is held back");
            }
        });
        assert_eq!(cell.retired(), 1, "the version waits for a write");
        cell.write().publish(Logged::new(slots, &log));
        assert_eq!(cell.retired(), 0);
        let mut last_two = dropped()[dropped().len() - 2..].to_vec();
        last_two.sort_unstable();
        assert_eq!(
            last_two,
            [target, target + 3],
            "the write after the last reader left frees its version and the one before"
        );
    }
}

#[test]
#[should_panic(expected = "at least 2 slots")]
fn one_slot_is_refused() {
    let _ = RootCell::with_slots((), 1);
}

/// Invariant 10: a stamp matches until the next publish, and a slot freed and filled
/// again (the same index, a later generation) does not match it. With two slots every
/// second publish reuses the stamped slot.
#[test]
fn a_stamp_matches_only_its_own_publish() {
    let cell = RootCell::with_slots(0u32, 2);
    let (seen, stamp) = cell.read_stamped(|v, stamp| (*v, stamp));
    assert_eq!(seen, 0);
    assert!(cell.is_current(stamp), "no write came");
    cell.write().publish(1);
    assert!(!cell.is_current(stamp), "a write came");
    cell.write().publish(2);
    let (seen, again) = cell.read_stamped(|v, stamp| (*v, stamp));
    assert_eq!(seen, 2);
    assert_eq!(again.slot, stamp.slot, "version 2 reuses version 0's slot");
    assert!(
        !cell.is_current(stamp),
        "the slot holds a later version now"
    );
    assert!(cell.is_current(again));
}
