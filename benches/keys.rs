//! The benches' key sets, generated from fixed seeds so every run sees the same keys.

use std::collections::{BTreeMap, HashSet};

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// How many keys each set holds.
pub const KEYS: usize = 100_000;

/// A named set of distinct keys, in random order, and as many keys absent from it.
pub struct KeySet {
    pub name: &'static str,
    pub present: Vec<Vec<u8>>,
    pub absent: Vec<Vec<u8>>,
}

impl KeySet {
    /// Both sets the issue names: random 16-byte keys, and English-like words.
    pub fn all() -> [KeySet; 2] {
        [Self::random(KEYS), Self::words(KEYS)]
    }

    /// `n` uniformly random 16-byte keys (few shared prefixes beyond two bytes).
    pub fn random(n: usize) -> KeySet {
        let mut rng = SmallRng::seed_from_u64(16);
        Self::distinct("random16", n, || rng.random::<[u8; 16]>().to_vec())
    }

    /// `n` English-like words: syllables drawn with a skew toward common ones, then an
    /// optional suffix, so many keys share long prefixes ("con", "cons", "constra...").
    pub fn words(n: usize) -> KeySet {
        const ONSETS: &[&str] = &[
            "", "b", "bl", "br", "c", "ch", "cl", "cr", "d", "dr", "f", "fl", "fr", "g", "gr", "h",
            "j", "k", "l", "m", "n", "p", "pl", "pr", "qu", "r", "s", "sh", "sl", "sp", "st",
            "str", "t", "th", "tr", "v", "w", "wh", "y", "z",
        ];
        const NUCLEI: &[&str] = &[
            "a", "e", "i", "o", "u", "ai", "ea", "ee", "ie", "oo", "ou", "y",
        ];
        const CODAS: &[&str] = &[
            "", "", "n", "r", "s", "t", "l", "m", "nd", "ng", "nt", "rt", "st", "ck", "ll",
        ];
        const SUFFIXES: &[&str] = &[
            "", "", "", "s", "ed", "ing", "er", "ly", "tion", "ness", "able", "ment",
        ];
        let mut rng = SmallRng::seed_from_u64(26);
        // Skewed pick: the square of a uniform number favours the front of each table.
        fn pick<'a>(rng: &mut SmallRng, table: &[&'a str]) -> &'a str {
            let x: f64 = rng.random();
            table[((x * x) * table.len() as f64) as usize]
        }
        Self::distinct("words", n, move || {
            let mut word = String::new();
            for _ in 0..rng.random_range(1..=4) {
                word.push_str(pick(&mut rng, ONSETS));
                word.push_str(pick(&mut rng, NUCLEI));
                word.push_str(pick(&mut rng, CODAS));
            }
            word.push_str(pick(&mut rng, SUFFIXES));
            word.into_bytes()
        })
    }

    /// Draws keys until `n` distinct present and `n` distinct absent ones exist.
    fn distinct(name: &'static str, n: usize, mut draw: impl FnMut() -> Vec<u8>) -> KeySet {
        let mut seen = HashSet::new();
        let mut keys = Vec::with_capacity(2 * n);
        while keys.len() < 2 * n {
            let key = draw();
            if seen.insert(key.clone()) {
                keys.push(key);
            }
        }
        keys.shuffle(&mut SmallRng::seed_from_u64(7));
        let absent = keys.split_off(n);
        KeySet {
            name,
            present: keys,
            absent,
        }
    }

    /// The prefix scan whose share of the present keys is closest to `fraction`.
    ///
    /// A single prefix (of one to four bytes) if one matches within [`TOLERANCE`] of the
    /// wanted count (on `words`, where prefixes are shared, one always does). Otherwise
    /// a run of consecutive prefixes of one length, the shortest length for which such a
    /// run comes within the tolerance: on `random16` a single byte matches ~0.39% of the
    /// keys, so ~0.1% takes ~66 two-byte prefixes and ~10% takes ~26 one-byte ones.
    /// Failing both, the closest candidate seen.
    pub fn prefix_matching(&self, fraction: f64) -> PrefixScan {
        let target = fraction * self.present.len() as f64;
        let off = |matches: usize| (matches as f64 - target).abs();
        let within = |matches: usize| off(matches) <= TOLERANCE * target;
        // Matches per prefix, for each prefix length, in ascending byte order.
        let counts: Vec<BTreeMap<&[u8], usize>> = (1..=4)
            .map(|len| {
                let mut counts = BTreeMap::new();
                for key in self.present.iter().filter(|key| key.len() >= len) {
                    *counts.entry(&key[..len]).or_default() += 1;
                }
                counts
            })
            .collect();
        let single = counts
            .iter()
            .flatten()
            .min_by(|a, b| off(*a.1).total_cmp(&off(*b.1)).then(a.0.cmp(b.0)))
            .map(|(prefix, &matches)| PrefixScan {
                prefixes: vec![prefix.to_vec()],
                matches,
            })
            .expect("the key set is not empty");
        if within(single.matches) {
            return single;
        }
        let mut best = single;
        for counts in &counts {
            let run = closest_run(counts, target);
            if off(run.matches) < off(best.matches) {
                best = run;
            }
            if within(best.matches) {
                break;
            }
        }
        best
    }
}

/// How far (as a share of the wanted count) a scan's matches may be from it.
pub const TOLERANCE: f64 = 0.25;

/// Prefixes of one length, consecutive among the present keys' prefixes, so the keys
/// they match are one contiguous range; each is scanned in turn.
pub struct PrefixScan {
    pub prefixes: Vec<Vec<u8>>,
    /// How many present keys the prefixes match, together.
    pub matches: usize,
}

impl PrefixScan {
    /// The prefixes for a log line: the first, and the last if there are several.
    pub fn describe(&self) -> String {
        let show = |prefix: &[u8]| {
            if prefix.iter().all(u8::is_ascii_alphanumeric) {
                format!("{:?}", String::from_utf8_lossy(prefix))
            } else {
                format!("{prefix:02x?}")
            }
        };
        match self.prefixes.as_slice() {
            [one] => format!("prefix {}", show(one)),
            [first, .., last] => format!(
                "{} prefixes {}..={}",
                self.prefixes.len(),
                show(first),
                show(last)
            ),
            [] => String::from("no prefix"),
        }
    }
}

/// The run of consecutive prefixes in `counts` whose matches together are closest to
/// `target` (the earliest such run, and the shortest at that start).
fn closest_run(counts: &BTreeMap<&[u8], usize>, target: f64) -> PrefixScan {
    let entries: Vec<(&[u8], usize)> = counts.iter().map(|(p, &n)| (*p, n)).collect();
    // sums[i]: the matches of the first i prefixes.
    let sums: Vec<usize> = std::iter::once(0)
        .chain(entries.iter().scan(0, |sum, entry| {
            *sum += entry.1;
            Some(*sum)
        }))
        .collect();
    let off = |start: usize, end: usize| ((sums[end] - sums[start]) as f64 - target).abs();
    let mut best = (0, 1);
    for start in 0..entries.len() {
        // The first end at which the run reaches the target, and the one before it.
        let reach = sums[start + 1..].partition_point(|&sum| ((sum - sums[start]) as f64) < target);
        let end = (start + 1 + reach).min(entries.len());
        for end in [end - 1, end] {
            if end > start && off(start, end) < off(best.0, best.1) {
                best = (start, end);
            }
        }
    }
    let (start, end) = best;
    PrefixScan {
        prefixes: entries[start..end].iter().map(|e| e.0.to_vec()).collect(),
        matches: sums[end] - sums[start],
    }
}
