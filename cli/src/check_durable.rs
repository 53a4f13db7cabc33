//! `cowtrie check --store durable`: the usual workload on a durable store over a
//! simulated disk, cut into epochs by crashes. Each epoch opens the store (recovering
//! what the last crash left), runs the workload until the disk dies under it at a random
//! I/O operation, and then the crash drops what was not synced, keeps it, or tears the
//! last write. Two judges:
//!
//! - every epoch's history is checked for linearizability, starting from the state the
//!   epoch recovered (given to the checker as puts that precede every operation); a write
//!   that failed because the disk died never returned: it may or may not have happened;
//! - every recovery is checked by the durable-prefix check against the previous epoch's
//!   commits: acknowledged ones in sequence order (durable in the `group` and `sync`
//!   modes, applied in `buffered`), failed ones pending at the end.
//!
//! The durability mode turns group, sync, buffered from one epoch to the next; one
//! recovery in four is itself crashed (at a random I/O operation of the open) and retried.
//! `--store broken-durable-lying-sync` runs the same on a disk whose file syncs do
//! nothing: recoveries lose acknowledged writes, and the check must say so.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cowtrie::durable::{
    Crash, Durability, DurableStore, Error, Options, Receipt, SimDisk, Storage, StorageFile,
};
use cowtrie_cli::exit::Status;
use cowtrie_model::durable::{
    check_durable_prefix, Ack, Commit, CommitLog, DurableVerdict, State, Write,
};
use cowtrie_model::workload::{Mix, Stop, Workload};
use cowtrie_model::{check, Budget, Event, History, Op, Ret, Verdict};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// What `cowtrie check` hands over.
pub(crate) struct Settings {
    pub threads: usize,
    pub keys: usize,
    pub stop: Stop,
    pub mix: Mix,
    pub seed: u64,
    pub crashes: u32,
    /// The checker's budget for each epoch's history.
    pub budget: Budget,
    /// Run on a disk whose syncs lie (the seeded bug).
    pub lying_sync: bool,
}

pub(crate) fn run(s: &Settings) -> ExitCode {
    let mix = s.mix;
    say!(
        "checking durable store on a simulated disk{}: {} threads, {} keys, mix {mix}, \
         seed {}, {} crashes",
        if s.lying_sync { " whose syncs lie" } else { "" },
        s.threads,
        s.keys,
        s.seed,
        s.crashes
    );
    let disk = SimDisk::new();
    let storage: Arc<dyn Storage> = if s.lying_sync {
        Arc::new(LyingSync(disk.storage()))
    } else {
        disk.storage()
    };
    let mut rng = SmallRng::seed_from_u64(s.seed);
    let epochs = s.crashes + 1;
    let mut before_crash: Option<CommitLog> = None;
    let mut totals = (0usize, 0usize); // (operations, commits)
    let mut io_per_epoch = 400u64;
    for epoch in 0..epochs {
        let durability =
            [Durability::Group, Durability::Sync, Durability::Buffered][epoch as usize % 3];
        let options = Options {
            durability,
            checkpoint_log_bytes: Some(16 << 10),
            flush_interval: Some(Duration::from_millis(5)),
        };
        // One recovery in four crashes too, and is retried.
        let mut recovery_crashed = false;
        if epoch > 0 && rng.random_ratio(1, 4) {
            disk.crash_after(disk.ops() + rng.random_range(0..40));
            if let Ok(store) = DurableStore::<u64>::open_with(storage.clone(), options.clone()) {
                disk.crash_after(disk.ops());
                drop(store);
            }
            disk.restart(random_crash(&mut rng));
            recovery_crashed = true;
        }
        let store = match DurableStore::<u64>::open_with(storage.clone(), options) {
            Ok(store) => store,
            Err(e) => {
                say!("verdict: NOT durable: recovery after crash {epoch} failed: {e}");
                return Status::Violation.into();
            }
        };
        let recovered: BTreeMap<Vec<u8>, u64> = store
            .snapshot()
            .iter()
            .map(|(k, v)| (k.to_vec(), *v))
            .collect();
        let state: State = recovered
            .iter()
            .map(|(k, v)| (k.clone(), v.to_le_bytes().to_vec()))
            .collect();
        if let Some(log) = before_crash.take() {
            match check_durable_prefix(&log, &state) {
                DurableVerdict::Accepted(a) => say!(
                    "  recovery {epoch}{}: {} keys = the first {} of {} commits ({} pending, {} of them in)",
                    if recovery_crashed { " (itself crashed once)" } else { "" },
                    state.len(),
                    a.prefix,
                    log.commits.len(),
                    log.commits.iter().filter(|c| c.ack == Ack::Pending).count(),
                    a.pending_in.len()
                ),
                DurableVerdict::Rejected(r) => {
                    say!("verdict: NOT durable: recovery {epoch} lost acknowledged writes");
                    say!("why: {}", r.explanation);
                    return Status::Violation.into();
                }
                DurableVerdict::TooManyPending { pending } => {
                    say!("verdict: unknown ({pending} writes in flight at crash {epoch}: too many to search)");
                    return Status::Unknown.into();
                }
            }
        }
        let last = epoch + 1 == epochs;
        // The crash point: anywhere in the I/O an uncrashed epoch does (the most seen so
        // far, a little beyond), so most crashes land while the workload runs.
        let crash_at = (!last).then(|| rng.random_range(10..=io_per_epoch * 5 / 4));
        if let Some(after) = crash_at {
            disk.crash_after(disk.ops() + after);
        }
        let io_before = disk.ops();
        let run = run_epoch(&store, &recovered, epoch, s, &mix);
        io_per_epoch = io_per_epoch.max(disk.ops() - io_before);
        totals.0 += run.operations;
        totals.1 += run.commits.len();
        say!(
            "epoch {epoch} ({durability:?}): {} operations, {} commits, {}",
            run.operations,
            run.commits.len(),
            match (crash_at, run.failed) {
                (None, _) => "closed cleanly".to_string(),
                (Some(after), 0) =>
                    format!("the run ended before the crash point ({after} I/O operations in)"),
                (Some(after), failed) =>
                    format!("the disk died {after} I/O operations in, under {failed} write(s)"),
            }
        );
        match check(&run.history, s.budget).verdict {
            Verdict::Linearizable => {}
            Verdict::Violation(v) => {
                say!(
                    "verdict: NOT linearizable in epoch {epoch} on key b\"{}\"",
                    v.key.escape_ascii()
                );
                say!("why: {}", v.explanation);
                return Status::Violation.into();
            }
            Verdict::Unknown { key, reason } => {
                say!(
                    "verdict: unknown (epoch {epoch}, key b\"{}\": {reason})",
                    key.escape_ascii()
                );
                return Status::Unknown.into();
            }
        }
        if last {
            if let Err(e) = store.close() {
                say!("verdict: the store failed to close: {e}");
                return Status::Violation.into();
            }
        } else {
            disk.crash_after(disk.ops());
            drop(store);
            let crash = random_crash(&mut rng);
            say!("  crash: {crash:?}");
            disk.restart(crash);
            before_crash = Some(CommitLog {
                initial: state,
                commits: run.commits,
            });
        }
    }
    say!(
        "verdict: linearizable in all {epochs} epochs ({} operations, {} commits), and every \
         recovery a durable prefix",
        totals.0,
        totals.1
    );
    Status::Ok.into()
}

fn random_crash(rng: &mut SmallRng) -> Crash {
    match rng.random_range(0..3) {
        0 => Crash::DropUnsynced,
        1 => Crash::KeepUnsynced,
        _ => Crash::TearLastWrite(rng.random_range(0..48)),
    }
}

struct EpochRun {
    history: History,
    operations: usize,
    /// Writes that failed (the disk died under them).
    failed: usize,
    commits: Vec<Commit>,
}

/// The workload's threads on `store` until their share is done, the time is up, or
/// every thread has had a write fail (the disk died). Each thread stops at its first
/// failed write, which is recorded as never returned.
fn run_epoch(
    store: &DurableStore<u64>,
    recovered: &BTreeMap<Vec<u8>, u64>,
    epoch: u32,
    s: &Settings,
    mix: &Mix,
) -> EpochRun {
    let clock = AtomicU64::new(0);
    let tick = || clock.fetch_add(1, Ordering::SeqCst);
    // The recovered state, as puts before everything else.
    let mut events: Vec<Event> = recovered
        .iter()
        .map(|(k, v)| {
            let call = tick();
            Event {
                thread: s.threads,
                call,
                ret: tick(),
                op: Op::put(k, *v),
                result: Some(Ret::Unit),
            }
        })
        .collect();
    let commits: Mutex<Vec<(u64, Commit)>> = Mutex::new(Vec::new());
    let pending: Mutex<Vec<Commit>> = Mutex::new(Vec::new());
    let stop = AtomicBool::new(false);
    let epochs = u64::from(s.crashes) + 1;
    let (quota, limit) = match s.stop {
        Stop::Ops(total) => ((total / epochs / s.threads as u64).max(1), None),
        Stop::Time(t) => (u64::MAX, Some(t / epochs as u32)),
    };
    let total_weight = mix.total().max(1);
    let start = Instant::now();
    let logs: Vec<Vec<Event>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..s.threads)
            .map(|t| {
                let (tick, commits, pending, stop) = (&tick, &commits, &pending, &stop);
                scope.spawn(move || {
                    let mut rng = SmallRng::seed_from_u64(
                        s.seed ^ (u64::from(epoch) << 32) ^ (t as u64).wrapping_mul(0x9e37_79b9),
                    );
                    let mut log = Vec::new();
                    // What this thread last saw of or wrote to each key: a cas expects it.
                    let mut last: HashMap<Vec<u8>, Option<u64>> = HashMap::new();
                    for n in 0..quota {
                        if stop.load(Ordering::Relaxed)
                            || limit.is_some_and(|l| start.elapsed() > l)
                        {
                            break;
                        }
                        let key = Workload::key(rng.random_range(0..s.keys.max(1)));
                        let pick = rng.random_range(0..total_weight);
                        // Unique per write across epochs: epoch, thread, count.
                        let value = (u64::from(epoch + 1) << 48) | ((t as u64) << 40) | (n + 1);
                        let from = last.get(&key).copied().flatten();
                        let op = mix.op(pick, key, value, || from);
                        let call = tick();
                        let (write, outcome) = perform(store, &op);
                        let ret = tick();
                        let result = match outcome {
                            Ok((result, Some(receipt))) => {
                                let ack = if receipt.durable {
                                    Ack::Durable
                                } else {
                                    Ack::Applied
                                };
                                let write = write.expect("a commit comes from a write");
                                lock(commits).push((receipt.seq, Commit::single(write, ack)));
                                Some(result)
                            }
                            Ok((result, None)) => Some(result),
                            Err(_) => {
                                if let Some(write) = write {
                                    lock(pending).push(Commit::single(write, Ack::Pending));
                                }
                                None
                            }
                        };
                        let seen = match (&op, result) {
                            (Op::Remove { .. }, Some(_)) => Some(None),
                            (Op::Cas { to, .. }, Some(Ret::Swapped(true))) => Some(Some(*to)),
                            (Op::Put { value, .. } | Op::Update { value, .. }, Some(_)) => {
                                Some(Some(*value))
                            }
                            (Op::Get { .. }, Some(Ret::Value(v))) => Some(v),
                            _ => None,
                        };
                        if let Some(seen) = seen {
                            last.insert(op.key().to_vec(), seen);
                        }
                        let failed = result.is_none();
                        log.push(Event {
                            thread: t,
                            call,
                            ret: if failed { cowtrie_model::NEVER } else { ret },
                            op,
                            result,
                        });
                        if failed {
                            break;
                        }
                    }
                    log
                })
            })
            .collect();
        let logs = handles
            .into_iter()
            .map(|h| h.join().expect("a workload thread panicked"))
            .collect();
        stop.store(true, Ordering::Relaxed);
        logs
    });
    let operations = logs.iter().map(Vec::len).sum();
    let failed = logs.iter().flatten().filter(|e| e.result.is_none()).count();
    events.extend(logs.into_iter().flatten());
    let mut acked = commits.into_inner().unwrap_or_else(|p| p.into_inner());
    acked.sort_by_key(|(seq, _)| *seq);
    let mut commits: Vec<Commit> = acked.into_iter().map(|(_, c)| c).collect();
    commits.extend(pending.into_inner().unwrap_or_else(|p| p.into_inner()));
    EpochRun {
        history: History::from_events(events),
        operations,
        failed,
        commits,
    }
}

/// Runs `op`: its write (for the commit log), and its result with the commit it made.
#[allow(clippy::type_complexity, reason = "a private helper's one result")]
fn perform(
    store: &DurableStore<u64>,
    op: &Op,
) -> (Option<Write>, Result<(Ret, Option<Receipt>), Error>) {
    match op {
        Op::Get { key } => (
            None,
            Ok((Ret::Value(store.get_with(key, |v| v.copied())), None)),
        ),
        Op::Put { key, value } => (
            Some(Write::put(key, value.to_le_bytes())),
            store.put(key, *value).map(|c| (Ret::Unit, Some(c))),
        ),
        Op::Remove { key } => (
            Some(Write::remove(key)),
            store.remove(key).map(|c| (Ret::Removed(c.is_some()), c)),
        ),
        Op::Cas { key, from, to } => (
            Some(Write::put(key, to.to_le_bytes())),
            store
                .compare_and_swap(key, from.as_ref(), Some(*to))
                .map(|swapped| match swapped {
                    Ok(updated) => (Ret::Swapped(true), updated.receipt),
                    Err(_) => (Ret::Swapped(false), None),
                }),
        ),
        Op::Update { key, value } => (
            Some(Write::put(key, value.to_le_bytes())),
            store
                .update(key, |_| Some(*value))
                .map(|u| (Ret::Value(u.previous.map(|g| *g)), u.receipt)),
        ),
        // A compare-and-swap from absent: it puts `value`, or fails on the value held.
        Op::GetOrPut { key, value } => (
            Some(Write::put(key, value.to_le_bytes())),
            store
                .compare_and_swap(key, None, Some(*value))
                .map(|swapped| match swapped {
                    Ok(updated) => (Ret::Value(Some(*value)), updated.receipt),
                    Err(held) => (Ret::Value(held.map(|g| *g)), None),
                }),
        ),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// The seeded bug: a disk whose file syncs return at once without syncing (directory
/// syncs are honest), like a drive that acknowledges flushes it never does.
struct LyingSync(Arc<dyn Storage>);

struct LyingFile(Arc<dyn StorageFile>);

impl StorageFile for LyingFile {
    fn append(&self, bytes: &[u8]) -> io::Result<()> {
        self.0.append(bytes)
    }

    fn truncate(&self, len: u64) -> io::Result<()> {
        self.0.truncate(len)
    }

    fn sync(&self) -> io::Result<()> {
        Ok(())
    }
}

impl Storage for LyingSync {
    fn create(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        Ok(Arc::new(LyingFile(self.0.create(name)?)))
    }

    fn open_append(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        Ok(Arc::new(LyingFile(self.0.open_append(name)?)))
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        self.0.read(name)
    }

    fn list(&self) -> io::Result<Vec<String>> {
        self.0.list()
    }

    fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        self.0.rename(from, to)
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        self.0.remove(name)
    }

    fn sync_dir(&self) -> io::Result<()> {
        self.0.sync_dir()
    }

    fn lock(&self) -> Result<Box<dyn std::any::Any + Send + Sync>, Error> {
        self.0.lock()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path(name)
    }
}
