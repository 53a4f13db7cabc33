//! The durable-prefix check: is the state a store recovered after a crash one it was
//! allowed to recover?
//!
//! A durable store appends every commit to a log in one order (its *commit order*) and
//! acknowledges it to the writer, either as durable (synced: it must survive any crash) or
//! only as applied (a buffered mode: it may be lost, but only together with every commit
//! after it). A crash may also catch commits whose acknowledgement never came: they may be
//! in the recovered state or not.
//!
//! # The rule
//!
//! Given the commits in commit order, each marked [`Ack::Durable`], [`Ack::Applied`] or
//! [`Ack::Pending`], and the state before the first of them, a recovered state is
//! accepted when it equals the state after
//!
//! 1. the first `p` commits, for some `p` at least one past the last durable commit (no
//!    durable commit is lost, and nothing is lost out of order: a prefix, never a set with
//!    holes);
//! 2. where each pending commit among those `p` may be left out (it may never have reached
//!    the log), and each commit is applied whole or not at all (a batch is atomic);
//! 3. and nothing else: a key no commit wrote holds what it held before.
//!
//! A pending commit whose place in the order is unknown (its writer never learned it)
//! goes after every acknowledged commit its writer could have been ordered after; placing
//! it at the end is always safe when writers touch disjoint keys.
//!
//! # The search
//!
//! The state after each prefix is built incrementally, one commit at a time, keeping the
//! count of keys that differ from the recovered state, so the search is linear in the
//! writes plus, for prefixes that match on every key no pending commit touches, a search
//! over the subsets of pending commits (at most [`MAX_PENDING`] of them in a prefix).
//!
//! On failure, [`Rejected`] names the prefix that comes closest, the keys that differ
//! there and the commit that wrote each expected value, and, if the recovered state is the
//! state after a shorter prefix, which durable commits were lost.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[cfg(test)]
mod tests;

/// Pending commits a single prefix may hold; beyond it the check answers
/// [`DurableVerdict::TooManyPending`] rather than search `2^n` subsets.
pub const MAX_PENDING: usize = 12;

/// One write of a commit: byte keys, byte values.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Write {
    /// Map `key` to `value`.
    Put {
        /// The key.
        key: Vec<u8>,
        /// The value.
        value: Vec<u8>,
    },
    /// Remove `key` (a no-op if absent).
    Remove {
        /// The key.
        key: Vec<u8>,
    },
}

impl Write {
    /// `Put { key, value }`.
    pub fn put(key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Self {
        Self::Put {
            key: key.as_ref().to_vec(),
            value: value.as_ref().to_vec(),
        }
    }

    /// `Remove { key }`.
    pub fn remove(key: impl AsRef<[u8]>) -> Self {
        Self::Remove {
            key: key.as_ref().to_vec(),
        }
    }

    /// The key written.
    pub fn key(&self) -> &[u8] {
        match self {
            Self::Put { key, .. } | Self::Remove { key } => key,
        }
    }

    /// What the key holds after the write.
    fn effect(&self) -> Option<&[u8]> {
        match self {
            Self::Put { value, .. } => Some(value),
            Self::Remove { .. } => None,
        }
    }
}

impl fmt::Debug for Write {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Put { key, value } => write!(
                f,
                "Write::put(b\"{}\", b\"{}\")",
                key.escape_ascii(),
                value.escape_ascii()
            ),
            Self::Remove { key } => write!(f, "Write::remove(b\"{}\")", key.escape_ascii()),
        }
    }
}

/// What the writer of a commit heard back before the crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ack {
    /// Acknowledged as durable: it must be in every recovered state.
    Durable,
    /// Acknowledged as applied, not promised durable: it may be lost with all after it.
    Applied,
    /// No acknowledgement came: it may be in or out.
    Pending,
}

/// One commit: writes applied atomically, and its acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    /// The writes, applied in order.
    pub writes: Vec<Write>,
    /// What its writer heard back.
    pub ack: Ack,
}

impl Commit {
    /// A commit of one write.
    pub fn single(write: Write, ack: Ack) -> Self {
        Self {
            writes: vec![write],
            ack,
        }
    }
}

/// The recovered state, or the state before a run: key to value.
pub type State = BTreeMap<Vec<u8>, Vec<u8>>;

/// What a run did before the crash: the state it began from and its commits in commit
/// order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommitLog {
    /// The state before the first commit.
    pub initial: State,
    /// The commits, in commit order.
    pub commits: Vec<Commit>,
}

/// The check's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DurableVerdict {
    /// The recovered state is allowed.
    Accepted(Accepted),
    /// It is not.
    Rejected(Rejected),
    /// Some prefix holds more than [`MAX_PENDING`] pending commits.
    TooManyPending {
        /// How many.
        pending: usize,
    },
}

impl DurableVerdict {
    /// Whether the state was accepted.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Self::Accepted(_))
    }
}

/// How an accepted state came about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The smallest prefix length that explains the state.
    pub prefix: usize,
    /// The pending commits (indices) among the first `prefix` that are in the state.
    pub pending_in: Vec<usize>,
}

/// Why a state was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The shortest acceptable prefix: one past the last durable commit.
    pub required: usize,
    /// The acceptable prefix (at least `required`) the state comes closest to.
    pub closest: usize,
    /// The keys where the state differs from the state after `closest` commits.
    pub differences: Vec<Difference>,
    /// If the state is the state after a prefix shorter than `required`, its length: the
    /// durable commits from there on were lost.
    pub lost_after: Option<usize>,
    /// All of it in plain words.
    pub explanation: String,
}

/// One key where the recovered state differs from the expected one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The key.
    pub key: Vec<u8>,
    /// What the recovered state holds.
    pub recovered: Option<Vec<u8>>,
    /// What the prefix leaves there.
    pub expected: Option<Vec<u8>>,
    /// The commit (index) whose write left `expected`; `None` if it is the initial state.
    pub written_by: Option<usize>,
}

/// Decides whether `recovered` is a state the store may recover after running `log` and
/// crashing (see the module doc for the rule).
pub fn check_durable_prefix(log: &CommitLog, recovered: &State) -> DurableVerdict {
    let required = log
        .commits
        .iter()
        .rposition(|c| c.ack == Ack::Durable)
        .map_or(0, |i| i + 1);
    let pending: Vec<usize> = (0..log.commits.len())
        .filter(|&i| log.commits[i].ack == Ack::Pending)
        .collect();
    // Keys some pending commit writes: judged per subset; the rest by a running count.
    let floating: BTreeSet<&[u8]> = pending
        .iter()
        .flat_map(|&i| log.commits[i].writes.iter().map(Write::key))
        .collect();
    let writes = floating_writes(log, &floating);
    let mut state = Tracker::new(&log.initial, recovered, &floating);

    let mut best: Option<(usize, usize)> = None; // (prefix, differences outside `floating`)
    let mut lost_after = None;
    for p in 0..=log.commits.len() {
        if p > 0 {
            let commit = &log.commits[p - 1];
            if commit.ack != Ack::Pending {
                for write in &commit.writes {
                    state.apply(write);
                }
            }
        }
        if p >= required && best.is_none_or(|(_, d)| state.differing.len() < d) {
            best = Some((p, state.differing.len()));
        }
        if !state.differing.is_empty() {
            continue;
        }
        let in_prefix: Vec<usize> = pending.iter().copied().filter(|&i| i < p).collect();
        if in_prefix.len() > MAX_PENDING {
            return DurableVerdict::TooManyPending {
                pending: in_prefix.len(),
            };
        }
        if let Some(subset) = floating_match(log, recovered, &writes, p, &in_prefix) {
            if p >= required {
                return DurableVerdict::Accepted(Accepted {
                    prefix: p,
                    pending_in: subset,
                });
            }
            lost_after = Some(p);
        }
    }
    let (closest, _) = best.unwrap_or((required, 0));
    let differences = differences_at(log, recovered, closest);
    let explanation = explain(log, required, closest, &differences, lost_after);
    DurableVerdict::Rejected(Rejected {
        required,
        closest,
        differences,
        lost_after,
        explanation,
    })
}

/// The state after a prefix, kept beside the recovered state with the set of keys
/// (outside the pending commits' keys) where the two differ.
struct Tracker<'a> {
    state: BTreeMap<&'a [u8], &'a [u8]>,
    recovered: &'a State,
    floating: &'a BTreeSet<&'a [u8]>,
    differing: BTreeSet<&'a [u8]>,
}

impl<'a> Tracker<'a> {
    fn new(initial: &'a State, recovered: &'a State, floating: &'a BTreeSet<&'a [u8]>) -> Self {
        let state: BTreeMap<&[u8], &[u8]> = initial
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_slice()))
            .collect();
        let differing = state
            .keys()
            .copied()
            .chain(recovered.keys().map(Vec::as_slice))
            .filter(|k| !floating.contains(k))
            .filter(|k| state.get(k).copied() != recovered.get(*k).map(Vec::as_slice))
            .collect();
        Self {
            state,
            recovered,
            floating,
            differing,
        }
    }

    fn apply(&mut self, write: &'a Write) {
        let key = write.key();
        match write.effect() {
            Some(value) => self.state.insert(key, value),
            None => self.state.remove(key),
        };
        if self.floating.contains(key) {
            return;
        }
        if self.state.get(key).copied() == self.recovered.get(key).map(Vec::as_slice) {
            self.differing.remove(key);
        } else {
            self.differing.insert(key);
        }
    }
}

/// Every write to each key some pending commit writes: (commit index, what it leaves).
type FloatingWrites<'a> = BTreeMap<&'a [u8], Vec<(usize, Option<&'a [u8]>)>>;

fn floating_writes<'a>(log: &'a CommitLog, floating: &BTreeSet<&'a [u8]>) -> FloatingWrites<'a> {
    let mut writes: FloatingWrites<'a> = floating.iter().map(|k| (*k, Vec::new())).collect();
    for (i, commit) in log.commits.iter().enumerate() {
        for write in &commit.writes {
            if let Some(list) = writes.get_mut(write.key()) {
                list.push((i, write.effect()));
            }
        }
    }
    writes
}

/// A subset of the pending commits `in_prefix` with which the first `p` commits leave
/// every key a pending commit writes as `recovered` has it; the first found, smallest
/// subsets first.
fn floating_match(
    log: &CommitLog,
    recovered: &State,
    writes: &FloatingWrites<'_>,
    p: usize,
    in_prefix: &[usize],
) -> Option<Vec<usize>> {
    let mut masks: Vec<u32> = (0..1u32 << in_prefix.len()).collect();
    masks.sort_by_key(|m| m.count_ones());
    masks.into_iter().find_map(|mask| {
        let included: Vec<usize> = (0..in_prefix.len())
            .filter(|b| mask & (1 << b) != 0)
            .map(|b| in_prefix[b])
            .collect();
        let matches = writes.iter().all(|(key, list)| {
            let last = list
                .iter()
                .take_while(|(i, _)| *i < p)
                .filter(|(i, _)| log.commits[*i].ack != Ack::Pending || included.contains(i))
                .last();
            let value = match last {
                Some((_, effect)) => *effect,
                None => log.initial.get(*key).map(Vec::as_slice),
            };
            value == recovered.get(*key).map(Vec::as_slice)
        });
        matches.then_some(included)
    })
}

/// What a key holds and the commit that wrote it (`None`: the initial state).
type Written<'a> = (Option<&'a [u8]>, Option<usize>);

/// The keys where `recovered` differs from the state after the first `p` commits with
/// no pending commit in.
fn differences_at(log: &CommitLog, recovered: &State, p: usize) -> Vec<Difference> {
    let mut expected: BTreeMap<&[u8], Written<'_>> = log
        .initial
        .iter()
        .map(|(k, v)| (k.as_slice(), (Some(v.as_slice()), None)))
        .collect();
    for (i, commit) in log.commits[..p].iter().enumerate() {
        if commit.ack == Ack::Pending {
            continue;
        }
        for write in &commit.writes {
            expected.insert(write.key(), (write.effect(), Some(i)));
        }
    }
    let keys: BTreeSet<&[u8]> = expected
        .keys()
        .copied()
        .chain(recovered.keys().map(Vec::as_slice))
        .collect();
    keys.into_iter()
        .filter_map(|key| {
            let (want, by) = expected.get(key).copied().unwrap_or((None, None));
            let got = recovered.get(key).map(Vec::as_slice);
            (want != got).then(|| Difference {
                key: key.to_vec(),
                recovered: got.map(<[u8]>::to_vec),
                expected: want.map(<[u8]>::to_vec),
                written_by: by,
            })
        })
        .collect()
}

fn explain(
    log: &CommitLog,
    required: usize,
    closest: usize,
    differences: &[Difference],
    lost_after: Option<usize>,
) -> String {
    let shown = |v: &Option<Vec<u8>>| match v {
        Some(v) => format!("b\"{}\"", v.escape_ascii()),
        None => "nothing".to_string(),
    };
    let mut text = format!(
        "the recovered state is not the state after any prefix of at least {required} of the \
         {} commits (commit {} is the last acknowledged as durable)",
        log.commits.len(),
        required.saturating_sub(1)
    );
    if required == 0 {
        text = format!(
            "the recovered state is not the state after any prefix of the {} commits (none \
             was acknowledged as durable)",
            log.commits.len()
        );
    }
    if let Some(p) = lost_after {
        let lost: Vec<String> = (p..required)
            .filter(|&i| log.commits[i].ack == Ack::Durable)
            .map(|i| i.to_string())
            .collect();
        text += &format!(
            "; it is the state after only the first {p} commits: durable commits {} were lost",
            lost.join(", ")
        );
    }
    text += &format!(
        "; the closest acceptable prefix, {closest} commits, differs on {} key(s)",
        differences.len()
    );
    for d in differences.iter().take(5) {
        let by = match d.written_by {
            Some(i) => format!("commit {i} ({:?})", log.commits[i].ack),
            None => "the initial state".to_string(),
        };
        text += &format!(
            "; key b\"{}\" holds {} but {by} left {}",
            d.key.escape_ascii(),
            shown(&d.recovered),
            shown(&d.expected)
        );
        if d.written_by.is_none() && d.recovered.is_some() && !written_ever(log, &d.key) {
            text += " (no commit ever wrote that key)";
        }
    }
    if differences.len() > 5 {
        text += &format!("; and {} more", differences.len() - 5);
    }
    text
}

fn written_ever(log: &CommitLog, key: &[u8]) -> bool {
    log.commits
        .iter()
        .any(|c| c.writes.iter().any(|w| w.key() == key))
}
