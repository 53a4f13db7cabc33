//! Cache traces: reading them, generating them, and replaying them through a cache.
//!
//! # Formats
//!
//! - `arc`: the ARC paper's block traces. Each line is `start_block n_blocks ignored
//!   request_no` (whitespace-separated unsigned integers); it stands for `n_blocks`
//!   requests, of blocks `start_block`, `start_block + 1`, ... in that order.
//! - `lines`: one key per line, any text (an empty line is the empty key).
//!
//! Either may be zstd-compressed: a file starting with zstd's magic number is
//! decompressed as it is read. A trace becomes a list of `u64` keys: ARC blocks are their
//! own numbers, text keys are numbered in order of first appearance.
//!
//! # Replay
//!
//! [`replay`] runs a trace through anything that implements [`Replay`], single-threaded
//! and in order: each request is a get, and a miss is followed by an insert of the key
//! (unit-size entries). The hit ratio is hits over requests.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// How a trace file is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `start_block n_blocks ignored request_no` per line, expanded per block.
    Arc,
    /// One key per line.
    Lines,
}

/// Why a trace could not be read.
#[derive(Debug)]
pub enum TraceError {
    /// The file could not be opened or read (or decompressed).
    Io(std::io::Error),
    /// Line `line` (counting from 1) is not in the format.
    Line {
        /// Which line.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(error) => write!(f, "{error}"),
            Self::Line { line, reason } => write!(f, "line {line}: {reason}"),
        }
    }
}

impl std::error::Error for TraceError {}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// At most this many requests per ARC line: a longer run is surely a corrupt line.
const MAX_RUN: u64 = 1 << 24;

/// Reads a trace from `input` (zstd-compressed or plain) in `format`.
pub fn read(input: impl Read, format: Format) -> Result<Vec<u64>, TraceError> {
    let mut input = BufReader::new(input);
    let compressed = input
        .fill_buf()
        .map_err(TraceError::Io)?
        .starts_with(&ZSTD_MAGIC);
    if compressed {
        let decoder = zstd::stream::read::Decoder::with_buffer(input).map_err(TraceError::Io)?;
        parse(BufReader::new(decoder), format)
    } else {
        parse(input, format)
    }
}

/// Reads the trace in the file at `path`.
pub fn read_file(path: &std::path::Path, format: Format) -> Result<Vec<u64>, TraceError> {
    read(std::fs::File::open(path).map_err(TraceError::Io)?, format)
}

fn parse(input: impl BufRead, format: Format) -> Result<Vec<u64>, TraceError> {
    let mut keys = Vec::new();
    let mut names: HashMap<Vec<u8>, u64> = HashMap::new();
    for (index, line) in input.split(b'\n').enumerate() {
        let mut line = line.map_err(TraceError::Io)?;
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let number = index + 1;
        match format {
            Format::Lines => {
                let next = names.len() as u64;
                keys.push(*names.entry(line).or_insert(next));
            }
            Format::Arc => {
                let bad = |reason: String| TraceError::Line {
                    line: number,
                    reason,
                };
                let text = std::str::from_utf8(&line).map_err(|_| bad("not UTF-8".into()))?;
                let fields: Vec<&str> = text.split_whitespace().collect();
                if fields.is_empty() {
                    continue;
                }
                if fields.len() != 4 {
                    return Err(bad(format!(
                        "expected 4 fields (start_block n_blocks ignored request_no), found {}",
                        fields.len()
                    )));
                }
                let mut numbers = [0u64; 4];
                for (slot, field) in numbers.iter_mut().zip(&fields) {
                    *slot = field
                        .parse()
                        .map_err(|_| bad(format!("{field:?} is not an unsigned integer")))?;
                }
                let [start, count, _, _] = numbers;
                if count > MAX_RUN {
                    return Err(bad(format!("n_blocks {count} exceeds {MAX_RUN}")));
                }
                let end = start
                    .checked_add(count)
                    .ok_or_else(|| bad("start_block + n_blocks overflows".into()))?;
                keys.extend(start..end);
            }
        }
    }
    Ok(keys)
}

/// A seeded Zipf trace: `requests` draws from keys `0..keys`, key `k` with probability
/// proportional to `1 / (k + 1)^alpha`.
pub fn zipf(keys: u64, alpha: f64, requests: usize, seed: u64) -> Vec<u64> {
    let mut cumulative = Vec::with_capacity(keys as usize);
    let mut total = 0.0;
    for rank in 1..=keys {
        total += 1.0 / (rank as f64).powf(alpha);
        cumulative.push(total);
    }
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..requests)
        .map(|_| {
            let draw = rng.random::<f64>() * total;
            cumulative.partition_point(|&c| c < draw) as u64
        })
        .collect()
}

/// `trace` with one-pass scans mixed in: after every `4 * scan` requests of `trace`
/// comes a scan of `scan` keys never requested before or after (numbered from
/// `first_cold` up), so a fifth of the result is scans.
pub fn with_scans(trace: &[u64], scan: usize, first_cold: u64) -> Vec<u64> {
    let mut out = Vec::with_capacity(trace.len() + trace.len() / 4 + scan);
    let mut cold = first_cold;
    for chunk in trace.chunks(4 * scan) {
        out.extend_from_slice(chunk);
        out.extend(cold..cold + scan as u64);
        cold += scan as u64;
    }
    out
}

/// The number of distinct keys in `trace`.
pub fn unique_keys(trace: &[u64]) -> usize {
    trace.iter().collect::<std::collections::HashSet<_>>().len()
}

/// Something a trace can be replayed through: a get, and an insert after a miss.
pub trait Replay {
    /// Requests `key`: `true` on a hit; on a miss, inserts it.
    fn access(&mut self, key: u64) -> bool;
}

/// A replay's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Requests replayed.
    pub requests: u64,
    /// Of which hits.
    pub hits: u64,
}

impl Outcome {
    /// Hits over requests, in percent (0 for an empty trace).
    pub fn hit_ratio(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            100.0 * self.hits as f64 / self.requests as f64
        }
    }
}

/// Replays `trace` through `cache` in order.
pub fn replay(trace: &[u64], cache: &mut (impl Replay + ?Sized)) -> Outcome {
    let hits = trace.iter().filter(|&&key| cache.access(key)).count();
    Outcome {
        requests: trace.len() as u64,
        hits: hits as u64,
    }
}

/// cowtrie's [`Cache`](cowtrie::cache::Cache) as a replay target: keys as 8 big-endian bytes.
pub struct CowtrieReplay(pub cowtrie::cache::Cache<()>);

impl CowtrieReplay {
    /// A cache of `capacity` unit-size entries.
    pub fn new(capacity: u64) -> Self {
        Self(cowtrie::cache::Cache::new(capacity))
    }
}

impl Replay for CowtrieReplay {
    fn access(&mut self, key: u64) -> bool {
        let key = key.to_be_bytes();
        let hit = self.0.get_with(key, |value| value.is_some());
        if !hit {
            self.0.put(key, ());
        }
        hit
    }
}

const NIL: usize = usize::MAX;

/// Least recently used, the floor any policy should clear: a hash map into a doubly
/// linked list kept in a slab.
pub struct Lru {
    capacity: usize,
    index: HashMap<u64, usize>,
    // (key, prev, next); head = most recent.
    nodes: Vec<(u64, usize, usize)>,
    head: usize,
    tail: usize,
}

impl Lru {
    /// An empty LRU cache of `capacity` keys.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            index: HashMap::new(),
            nodes: Vec::new(),
            head: NIL,
            tail: NIL,
        }
    }

    fn unlink(&mut self, i: usize) {
        let (_, prev, next) = self.nodes[i];
        if prev == NIL {
            self.head = next;
        } else {
            self.nodes[prev].2 = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.nodes[next].1 = prev;
        }
    }

    fn push_front(&mut self, i: usize) {
        self.nodes[i].1 = NIL;
        self.nodes[i].2 = self.head;
        if self.head != NIL {
            self.nodes[self.head].1 = i;
        }
        self.head = i;
        if self.tail == NIL {
            self.tail = i;
        }
    }
}

impl Replay for Lru {
    fn access(&mut self, key: u64) -> bool {
        if let Some(&i) = self.index.get(&key) {
            self.unlink(i);
            self.push_front(i);
            return true;
        }
        let i = if self.index.len() < self.capacity {
            self.nodes.push((key, NIL, NIL));
            self.nodes.len() - 1
        } else {
            let i = self.tail;
            self.unlink(i);
            self.index.remove(&self.nodes[i].0);
            self.nodes[i].0 = key;
            i
        };
        self.index.insert(key, i);
        self.push_front(i);
        false
    }
}
