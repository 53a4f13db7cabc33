//! The benches' key sets, generated from fixed seeds so every run sees the same keys.

use std::collections::HashSet;

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

    /// The prefix (of one to four bytes) whose share of the present keys is closest to
    /// `fraction`, with the number of keys it matches.
    pub fn prefix_matching(&self, fraction: f64) -> (Vec<u8>, usize) {
        let target = fraction * self.present.len() as f64;
        let mut counts = std::collections::HashMap::<&[u8], usize>::new();
        for key in &self.present {
            for len in 1..=key.len().min(4) {
                *counts.entry(&key[..len]).or_default() += 1;
            }
        }
        let (prefix, count) = counts
            .into_iter()
            .min_by(|a, b| {
                let da = (a.1 as f64 - target).abs();
                let db = (b.1 as f64 - target).abs();
                da.total_cmp(&db).then(a.0.cmp(b.0))
            })
            .expect("the key set is not empty");
        (prefix.to_vec(), count)
    }
}
