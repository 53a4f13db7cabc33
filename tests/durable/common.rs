//! Scripted workloads for the durable store's crash tests, and the judge of a recovery.

use cowtrie::durable::{DurableStore, Error, Options, Receipt, SimDisk};
use cowtrie::WriteBatch;
use cowtrie_model::durable::{check_durable_prefix, Ack, Commit, CommitLog, State, Write};

/// One step of a scripted workload.
#[derive(Debug, Clone)]
pub enum Step {
    Put(&'static str, &'static str),
    Remove(&'static str),
    Batch(Vec<Write>),
    /// `update` appending to the value (or starting it).
    Append(&'static str, &'static str),
    /// `compare_and_swap` removing the key if it holds the value.
    RemoveIf(&'static str, &'static str),
    Flush,
    Checkpoint,
    /// A checkpoint whose failure the run goes on after (the store is not poisoned by
    /// a failed snapshot, only by a failed log append or sync).
    TryCheckpoint,
}

/// What a run did: the model's commit log plus, for each commit, its sequence number
/// (`None` for the one pending commit a failure may leave).
#[derive(Debug, Default, Clone)]
pub struct Journal {
    pub log: CommitLog,
    pub seqs: Vec<Option<u64>>,
    /// `last_seq()` when the run began.
    pub base_seq: u64,
}

impl Journal {
    pub fn starting_from(store: &DurableStore<Vec<u8>>) -> Self {
        Self {
            log: CommitLog {
                initial: state_of(store),
                commits: Vec::new(),
            },
            seqs: Vec::new(),
            base_seq: store.last_seq(),
        }
    }

    fn acked(&mut self, writes: Vec<Write>, receipt: Receipt) {
        let ack = if receipt.durable {
            Ack::Durable
        } else {
            Ack::Applied
        };
        self.log.commits.push(Commit { writes, ack });
        self.seqs.push(Some(receipt.seq));
    }

    /// Every commit up to `seq` is now durable.
    fn durable_through(&mut self, seq: u64) {
        for (commit, commit_seq) in self.log.commits.iter_mut().zip(&self.seqs) {
            if commit_seq.is_some_and(|s| s <= seq) {
                commit.ack = Ack::Durable;
            }
        }
    }

    /// Records a failed write; returns whether the run goes on (never: a failure is
    /// where the simulated process died or the store poisoned itself).
    fn failed(&mut self, writes: Vec<Write>, error: &Error) {
        if !matches!(error, Error::Poisoned { .. }) {
            self.log.commits.push(Commit {
                writes,
                ack: Ack::Pending,
            });
            self.seqs.push(None);
        }
    }
}

pub fn state_of(store: &DurableStore<Vec<u8>>) -> State {
    store
        .snapshot()
        .iter()
        .map(|(k, v)| (k.to_vec(), v.clone()))
        .collect()
}

/// Runs `steps` until the first error; records everything in `journal`.
pub fn run(store: &DurableStore<Vec<u8>>, steps: &[Step], journal: &mut Journal) {
    for step in steps {
        let ok = match step {
            Step::Put(k, v) => {
                let writes = vec![Write::put(k, v)];
                match store.put(k, v.as_bytes().to_vec()) {
                    Ok(receipt) => {
                        journal.acked(writes, receipt);
                        true
                    }
                    Err(e) => {
                        journal.failed(writes, &e);
                        false
                    }
                }
            }
            Step::Remove(k) => {
                let writes = vec![Write::remove(k)];
                match store.remove(k) {
                    Ok(Some(receipt)) => {
                        journal.acked(writes, receipt);
                        true
                    }
                    Ok(None) => true,
                    Err(e) => {
                        journal.failed(writes, &e);
                        false
                    }
                }
            }
            Step::Batch(writes) => {
                let mut batch = WriteBatch::new();
                for write in writes {
                    match write {
                        Write::Put { key, value } => batch.put(key, value.clone()),
                        Write::Remove { key } => batch.remove(key),
                    };
                }
                match store.write_batch(batch) {
                    Ok(Some(receipt)) => {
                        journal.acked(writes.clone(), receipt);
                        true
                    }
                    Ok(None) => true,
                    Err(e) => {
                        journal.failed(writes.clone(), &e);
                        false
                    }
                }
            }
            Step::Append(k, suffix) => {
                let old = store.get(k).map(|v| v.to_vec()).unwrap_or_default();
                let new = [old, suffix.as_bytes().to_vec()].concat();
                let writes = vec![Write::put(k, &new)];
                let result = store.update(k, |v| {
                    let old = v.cloned().unwrap_or_default();
                    Some([old, suffix.as_bytes().to_vec()].concat())
                });
                match result {
                    Ok(updated) => {
                        journal.acked(writes, updated.receipt.expect("update writes"));
                        true
                    }
                    Err(e) => {
                        journal.failed(writes, &e);
                        false
                    }
                }
            }
            Step::RemoveIf(k, v) => {
                let writes = vec![Write::remove(k)];
                let expected = v.as_bytes().to_vec();
                match store.compare_and_swap(k, Some(&expected), None) {
                    Ok(Ok(updated)) => {
                        journal.acked(writes, updated.receipt.expect("a swap writes"));
                        true
                    }
                    Ok(Err(_)) => true,
                    Err(e) => {
                        journal.failed(writes, &e);
                        false
                    }
                }
            }
            Step::Flush => match store.flush() {
                Ok(seq) => {
                    journal.durable_through(seq);
                    true
                }
                Err(_) => false,
            },
            Step::Checkpoint => match store.checkpoint() {
                Ok(stats) => {
                    journal.durable_through(stats.seq);
                    true
                }
                Err(_) => false,
            },
            Step::TryCheckpoint => {
                if let Ok(stats) = store.checkpoint() {
                    journal.durable_through(stats.seq);
                }
                true
            }
        };
        if !ok {
            return;
        }
    }
}

/// Judges the state `store` recovered after a run recorded in `journal`:
/// - the model crate's durable-prefix check accepts it;
/// - more exactly, it is the state after the first `last_seq() - base_seq` commits, a
///   number at least one past the last durable commit.
pub fn judge(journal: &Journal, store: &DurableStore<Vec<u8>>) -> Result<(), String> {
    let recovered = state_of(store);
    let verdict = check_durable_prefix(&journal.log, &recovered);
    if !verdict.is_accepted() {
        return Err(format!("durable-prefix check: {verdict:?}"));
    }
    for (i, seq) in journal.seqs.iter().enumerate() {
        if let Some(seq) = seq {
            if *seq != journal.base_seq + i as u64 + 1 {
                return Err(format!("commit {i} got seq {seq}, not consecutive"));
            }
        }
    }
    let recovered_commits = store
        .last_seq()
        .checked_sub(journal.base_seq)
        .ok_or("last_seq went back")? as usize;
    let required = journal
        .log
        .commits
        .iter()
        .rposition(|c| c.ack == Ack::Durable)
        .map_or(0, |i| i + 1);
    if recovered_commits < required || recovered_commits > journal.log.commits.len() {
        return Err(format!(
            "recovered {recovered_commits} commits; {required} to {} allowed",
            journal.log.commits.len()
        ));
    }
    let mut expected = journal.log.initial.clone();
    for commit in &journal.log.commits[..recovered_commits] {
        for write in &commit.writes {
            match write {
                Write::Put { key, value } => expected.insert(key.clone(), value.clone()),
                Write::Remove { key } => expected.remove(key),
            };
        }
    }
    if expected != recovered {
        return Err(format!(
            "last_seq says {recovered_commits} commits: expected {expected:?}, recovered {recovered:?}"
        ));
    }
    Ok(())
}

/// Options with no background thread, so a run's I/O operations are deterministic.
pub fn quiet(durability: cowtrie::durable::Durability) -> Options {
    Options {
        durability,
        checkpoint_log_bytes: None,
        flush_interval: None,
    }
}

pub fn open(disk: &SimDisk, options: &Options) -> Result<DurableStore<Vec<u8>>, Error> {
    DurableStore::open_with(disk.storage(), options.clone())
}

/// A workload touching every kind of write, with checkpoints and flushes between.
pub fn script() -> Vec<Step> {
    use Step::*;
    vec![
        Put("a", "1"),
        Put("b", "2"),
        Remove("zz"),
        Put("a", "3"),
        Batch(vec![
            Write::put("c", "4"),
            Write::remove("b"),
            Write::put("d", "5"),
        ]),
        Flush,
        Checkpoint,
        Put("e", "6"),
        Remove("a"),
        Put("", "empty key"),
        Flush,
        Put("c", "7"),
        Append("c", "+"),
        RemoveIf("e", "not 6"),
        Checkpoint,
        Append("new", "x"),
        RemoveIf("e", "6"),
        Put("f", "8"),
        Batch(vec![Write::remove("c"), Write::put("g", "9")]),
        Remove("d"),
    ]
}
