//! A frequency sketch owned by the cache's writer: how often each key was asked for lately.
//!
//! # Format
//!
//! A count-min sketch (Cormode and Muthukrishnan) of four rows of 4-bit counters, as
//! TinyLFU (Einziger et al., ACM TOS 2017) keeps one. Each row holds `width` counters:
//! the capacity rounded up to a power of two, at least 16 and at most [`MAX_WIDTH`] (a
//! capacity given in bytes through a weigher would otherwise allocate a counter per byte;
//! beyond that width the sketch only collides more). A key's 64-bit fingerprint picks one
//! counter per row, each row mixing it with its own odd multiplier; adding `n` raises the
//! four counters by `n`, saturating at [`MAX`]; the estimate is the least of the four.
//! The sketch ages as TinyLFU's reset does: once the additions since the last halving
//! reach the sample size, ten times the capacity (capped at [`MAX_WIDTH`] as the width
//! is, so that a capacity in bytes still ages), every counter is halved and the count
//! of additions with them, so a key that was hot a few samples ago weighs less than one
//! hot now. One counter is a `u8` holding at most 15.
//!
//! # Invariants
//!
//! 1. Every counter is at most [`MAX`], so is every estimate.
//! 2. An estimate is never below the additions made for that key since the last halving,
//!    capped at [`MAX`] (count-min only overestimates); a halving divides every counter
//!    by two, rounding down.
//! 3. `added` is below the sample size after every call: the halving runs as soon as the
//!    sample size is reached (again, for a tiny sample, until it is below).
//! 4. Only the writer touches the sketch, under the cache's policy lock: readers never
//!    see it, so it is plain memory with no atomics.
#![forbid(unsafe_code)]

/// The most a counter holds: the cap of an entry's access counter, so that the reads one
/// entry can report at a time (at most that cap) can raise an estimate to the top and no
/// further.
pub(crate) const MAX: u8 = super::entry::MAX_HITS;

/// The widest a row gets: 2^20 counters, 4 MiB for the four rows.
pub(crate) const MAX_WIDTH: u64 = 1 << 20;

/// Odd multipliers (from splitmix64 and the golden ratio) spreading a fingerprint over
/// the four rows.
const SEEDS: [u64; 4] = [
    0x9E37_79B9_7F4A_7C15,
    0xBF58_476D_1CE4_E5B9,
    0x94D0_49BB_1331_11EB,
    0xD6E8_FEB8_6659_FD93,
];

/// log2 of a row's width for a cache of `capacity`.
fn width_bits(capacity: u64) -> u32 {
    capacity
        .clamp(16, MAX_WIDTH)
        .next_power_of_two()
        .trailing_zeros()
}

/// Four rows of saturating counters, halved every sample (module doc).
pub(crate) struct Sketch {
    /// Four rows of `1 << bits` counters, one after the other.
    counters: Vec<u8>,
    bits: u32,
    /// Additions since the last halving (halved with the counters).
    added: u64,
    /// The additions that trigger a halving: ten times the capacity, capped as the width.
    sample: u64,
}

impl Sketch {
    /// A sketch for a cache of `capacity`.
    pub(crate) fn new(capacity: u64) -> Self {
        let bits = width_bits(capacity);
        Self {
            counters: vec![0; 4 << bits],
            bits,
            added: 0,
            sample: capacity.clamp(1, MAX_WIDTH) * 10,
        }
    }

    fn index(&self, row: usize, hash: u64) -> usize {
        let column = (hash ^ (hash >> 29)).wrapping_mul(SEEDS[row]) >> (64 - self.bits);
        (row << self.bits) + column as usize
    }

    /// Records `n` accesses of the key with fingerprint `hash`.
    pub(crate) fn add(&mut self, hash: u64, n: u8) {
        if n == 0 {
            return;
        }
        for row in 0..4 {
            let i = self.index(row, hash);
            self.counters[i] = self.counters[i].saturating_add(n).min(MAX);
        }
        self.added += u64::from(n);
        while self.added >= self.sample {
            for counter in &mut self.counters {
                *counter /= 2;
            }
            self.added /= 2;
        }
    }

    /// How often the key with fingerprint `hash` was asked for lately.
    pub(crate) fn estimate(&self, hash: u64) -> u8 {
        (0..4)
            .map(|row| self.counters[self.index(row, hash)])
            .min()
            .unwrap_or(0)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{width_bits, Sketch, MAX};
    use crate::cache::policy::fingerprint;

    fn hash(i: u32) -> u64 {
        fingerprint(&i.to_be_bytes())
    }

    #[test]
    fn an_estimate_covers_the_additions_up_to_the_cap() {
        // Sample 10 × 1,000: no halving during the 20 × 4 additions below.
        let mut sketch = Sketch::new(1_000);
        for i in 0..20u32 {
            for n in 1..=4u8 {
                sketch.add(hash(i), 1);
                assert!(sketch.estimate(hash(i)) >= n, "key {i} after {n}");
                assert!(sketch.estimate(hash(i)) <= MAX);
            }
        }
        sketch.add(hash(99), 14);
        sketch.add(hash(99), 14);
        assert_eq!(sketch.estimate(hash(99)), MAX, "saturates at the cap");
    }

    #[test]
    fn the_sample_halves_every_counter() {
        // Capacity 16: sample 160 additions, rows of 16 counters.
        let mut sketch = Sketch::new(16);
        sketch.add(hash(1), 12);
        sketch.add(hash(2), 7);
        let (one, two) = (sketch.estimate(hash(1)), sketch.estimate(hash(2)));
        assert!(one >= 12 && two >= 7);
        // 141 additions so far reach 160 only with the last of these.
        for _ in 0..140 / 14 {
            sketch.add(hash(3), 14);
        }
        assert_eq!(sketch.added, 159);
        assert_eq!(
            sketch.estimate(hash(1)),
            one,
            "no halving before the sample"
        );
        sketch.add(hash(4), 1);
        assert_eq!(sketch.estimate(hash(1)), one / 2);
        assert_eq!(sketch.estimate(hash(2)), two / 2);
        assert_eq!(sketch.added, 80);
        assert!(sketch.counters.iter().all(|&c| c <= MAX / 2));
    }

    #[test]
    fn distinct_keys_are_mostly_counted_apart() {
        // 64 keys once each in rows of 1,024 counters, then one key 15 times: the others
        // should mostly still read 1 (a collision in all four rows is rare).
        let mut sketch = Sketch::new(1_000);
        for i in 0..64u32 {
            sketch.add(hash(i), 1);
        }
        sketch.add(hash(0), 14);
        assert_eq!(sketch.estimate(hash(0)), MAX);
        let inflated = (1..64u32).filter(|&i| sketch.estimate(hash(i)) > 1).count();
        assert!(
            inflated <= 2,
            "{inflated} of 63 keys share all four counters"
        );
        let unseen = (1_000..1_064u32)
            .filter(|&i| sketch.estimate(hash(i)) > 0)
            .count();
        assert!(unseen <= 2, "{unseen} of 64 unseen keys read as seen");
    }

    #[test]
    fn widths_stay_within_their_bounds() {
        assert_eq!(Sketch::new(0).counters.len(), 4 * 16);
        assert_eq!(Sketch::new(1_000).counters.len(), 4 * 1_024);
        assert_eq!(width_bits(1 << 20), 20);
        assert_eq!(width_bits((1 << 20) + 1), 20);
        assert_eq!(width_bits(u64::MAX), 20);
        // A capacity in bytes still ages: the sample is capped as the width is.
        assert_eq!(Sketch::new(u64::MAX).sample, 10 << 20);
        // A tiny sample still ends every call below it (invariant 3).
        let mut sketch = Sketch::new(1);
        sketch.add(hash(7), MAX);
        sketch.add(hash(7), MAX);
        assert!(sketch.added < sketch.sample);
    }
}
