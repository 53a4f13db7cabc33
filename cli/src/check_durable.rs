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
    say!(
        "checking durable store on a simulated disk{}: {} threads, {} keys, mix {}, \
         seed {}, {} crashes",
        if s.lying_sync { " whose syncs lie" } else { "" },
        s.threads,
        s.keys,
        s.mix,
        s.seed,
        s.crashes
    );
    let epochs = s.crashes + 1;
    match Campaign::new(s).run(epochs) {
        Ok((operations, commits)) => {
            say!(
                "verdict: linearizable in all {epochs} epochs ({operations} operations, \
                 {commits} commits), and every recovery a durable prefix"
            );
            Status::Ok.into()
        }
        Err(status) => status.into(),
    }
}

/// The simulated disk and the campaign's randomness, carried from one epoch to the next.
/// Its steps say their verdict when they fail and return `Err` with the exit status.
struct Campaign<'a> {
    s: &'a Settings,
    disk: SimDisk,
    /// The disk as the store sees it (through `LyingSync` for the seeded bug).
    storage: Arc<dyn Storage>,
    rng: SmallRng,
    /// The most I/O operations an epoch has done so far.
    io_per_epoch: u64,
}

impl<'a> Campaign<'a> {
    fn new(s: &'a Settings) -> Self {
        let disk = SimDisk::new();
        let storage: Arc<dyn Storage> = if s.lying_sync {
            Arc::new(LyingSync(disk.storage()))
        } else {
            disk.storage()
        };
        Self {
            s,
            disk,
            storage,
            rng: SmallRng::seed_from_u64(s.seed),
            io_per_epoch: 400,
        }
    }

    /// Runs `epochs` epochs, each after the crash that ended the one before; returns
    /// the operations and commits of them all.
    fn run(&mut self, epochs: u32) -> Result<(usize, usize), Status> {
        let mut before_crash: Option<CommitLog> = None;
        let mut totals = (0, 0);
        for epoch in 0..epochs {
            let durability =
                [Durability::Group, Durability::Sync, Durability::Buffered][epoch as usize % 3];
            let options = Options {
                durability,
                checkpoint_log_bytes: Some(16 << 10),
                flush_interval: Some(Duration::from_millis(5)),
            };
            // One recovery in four crashes too, and is retried.
            let recovery_crashed = epoch > 0 && self.rng.random_ratio(1, 4);
            if recovery_crashed {
                self.crash_recovery(options.clone());
            }
            let store = self.open(epoch, options)?;
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
                judge_recovery(&log, &state, epoch, recovery_crashed)?;
            }
            let last = epoch + 1 == epochs;
            let run = self.run_epoch(&store, &recovered, epoch, durability, last);
            totals.0 += run.operations;
            totals.1 += run.commits.len();
            judge_history(&run.history, self.s.budget, epoch)?;
            if last {
                store.close().map_err(|e| {
                    say!("verdict: the store failed to close: {e}");
                    Status::Violation
                })?;
            } else {
                self.crash(store);
                before_crash = Some(CommitLog {
                    initial: state,
                    commits: run.commits,
                });
            }
        }
        Ok(totals)
    }

    /// Opens the store and crashes the disk under the recovery, at a random I/O
    /// operation of it (or just after, if it finished first).
    fn crash_recovery(&mut self, options: Options) {
        let disk = &self.disk;
        disk.crash_after(disk.ops() + self.rng.random_range(0..40));
        if let Ok(store) = DurableStore::<u64>::open_with(self.storage.clone(), options) {
            disk.crash_after(disk.ops());
            drop(store);
        }
        disk.restart(random_crash(&mut self.rng));
    }

    /// Opens the store, recovering what the last crash left.
    fn open(&self, epoch: u32, options: Options) -> Result<DurableStore<u64>, Status> {
        DurableStore::<u64>::open_with(self.storage.clone(), options).map_err(|e| {
            say!("verdict: NOT durable: recovery after crash {epoch} failed: {e}");
            Status::Violation
        })
    }

    /// Runs the workload of `epoch` on `store`, which the disk dies under at a random
    /// I/O operation unless it is the `last` epoch, and says how it went.
    fn run_epoch(
        &mut self,
        store: &DurableStore<u64>,
        recovered: &BTreeMap<Vec<u8>, u64>,
        epoch: u32,
        durability: Durability,
        last: bool,
    ) -> EpochRun {
        let disk = &self.disk;
        // The crash point: anywhere in the I/O an uncrashed epoch does (the most seen so
        // far, a little beyond), so most crashes land while the workload runs.
        let crash_at = (!last).then(|| self.rng.random_range(10..=self.io_per_epoch * 5 / 4));
        if let Some(after) = crash_at {
            disk.crash_after(disk.ops() + after);
        }
        let io_before = disk.ops();
        let run = run_workload(store, recovered, epoch, self.s);
        self.io_per_epoch = self.io_per_epoch.max(disk.ops() - io_before);
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
        run
    }

    /// Kills the disk under `store` and restarts it after a random kind of crash.
    fn crash(&mut self, store: DurableStore<u64>) {
        self.disk.crash_after(self.disk.ops());
        drop(store);
        let crash = random_crash(&mut self.rng);
        say!("  crash: {crash:?}");
        self.disk.restart(crash);
    }
}

/// The durable-prefix check of a recovery: `state`, recovered after the crash that
/// ended the epoch whose commits `log` holds.
fn judge_recovery(
    log: &CommitLog,
    state: &State,
    epoch: u32,
    recovery_crashed: bool,
) -> Result<(), Status> {
    match check_durable_prefix(log, state) {
        DurableVerdict::Accepted(a) => {
            say!(
                "  recovery {epoch}{}: {} keys = the first {} of {} commits ({} pending, {} of them in)",
                if recovery_crashed { " (itself crashed once)" } else { "" },
                state.len(),
                a.prefix,
                log.commits.len(),
                log.commits.iter().filter(|c| c.ack == Ack::Pending).count(),
                a.pending_in.len()
            );
            Ok(())
        }
        DurableVerdict::Rejected(r) => {
            say!("verdict: NOT durable: recovery {epoch} lost acknowledged writes");
            say!("why: {}", r.explanation);
            Err(Status::Violation)
        }
        DurableVerdict::TooManyPending { pending } => {
            say!("verdict: unknown ({pending} writes in flight at crash {epoch}: too many to search)");
            Err(Status::Unknown)
        }
    }
}

/// The linearizability check of an epoch's history.
fn judge_history(history: &History, budget: Budget, epoch: u32) -> Result<(), Status> {
    match check(history, budget).verdict {
        Verdict::Linearizable => Ok(()),
        Verdict::Violation(v) => {
            say!(
                "verdict: NOT linearizable in epoch {epoch} on key b\"{}\"",
                v.key.escape_ascii()
            );
            say!("why: {}", v.explanation);
            Err(Status::Violation)
        }
        Verdict::Unknown { key, reason } => {
            say!(
                "verdict: unknown (epoch {epoch}, key b\"{}\": {reason})",
                key.escape_ascii()
            );
            Err(Status::Unknown)
        }
    }
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
fn run_workload(
    store: &DurableStore<u64>,
    recovered: &BTreeMap<Vec<u8>, u64>,
    epoch: u32,
    s: &Settings,
) -> EpochRun {
    let journal = Journal::default();
    // The recovered state, as puts before everything else.
    let mut events: Vec<Event> = recovered
        .iter()
        .map(|(k, v)| {
            let call = journal.tick();
            Event {
                thread: s.threads,
                call,
                ret: journal.tick(),
                op: Op::put(k, *v),
                result: Some(Ret::Unit),
            }
        })
        .collect();
    let worker = Worker::new(store, &journal, s, epoch);
    let logs: Vec<Vec<Event>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..s.threads)
            .map(|t| {
                let worker = &worker;
                scope.spawn(move || worker.run(t))
            })
            .collect();
        let logs = handles
            .into_iter()
            .map(|h| h.join().expect("a workload thread panicked"))
            .collect();
        journal.stop.store(true, Ordering::Relaxed);
        logs
    });
    let operations = logs.iter().map(Vec::len).sum();
    let failed = logs.iter().flatten().filter(|e| e.result.is_none()).count();
    events.extend(logs.into_iter().flatten());
    EpochRun {
        history: History::from_events(events),
        operations,
        failed,
        commits: journal.into_commits(),
    }
}

/// What an epoch's threads share: the logical clock of their history, the commits they
/// made, and the flag that stops them.
#[derive(Default)]
struct Journal {
    clock: AtomicU64,
    /// Acknowledged writes, with their sequence numbers.
    acked: Mutex<Vec<(u64, Commit)>>,
    /// Writes that failed: pending, as far as a recovery knows.
    pending: Mutex<Vec<Commit>>,
    stop: AtomicBool,
}

impl Journal {
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::SeqCst)
    }

    /// Records the outcome of an operation: an acknowledged write as a commit at its
    /// sequence number, a failed one as pending. Returns the operation's result, or
    /// `None` if it failed (it never returned).
    fn record(
        &self,
        write: Option<Write>,
        outcome: Result<(Ret, Option<Receipt>), Error>,
    ) -> Option<Ret> {
        match outcome {
            Ok((result, Some(receipt))) => {
                let ack = if receipt.durable {
                    Ack::Durable
                } else {
                    Ack::Applied
                };
                let write = write.expect("a commit comes from a write");
                lock(&self.acked).push((receipt.seq, Commit::single(write, ack)));
                Some(result)
            }
            Ok((result, None)) => Some(result),
            Err(_) => {
                if let Some(write) = write {
                    lock(&self.pending).push(Commit::single(write, Ack::Pending));
                }
                None
            }
        }
    }

    /// The commits in the order a recovery must follow: acknowledged ones by sequence
    /// number, then the pending ones.
    fn into_commits(self) -> Vec<Commit> {
        let mut acked = self.acked.into_inner().unwrap_or_else(|p| p.into_inner());
        acked.sort_by_key(|(seq, _)| *seq);
        let mut commits: Vec<Commit> = acked.into_iter().map(|(_, c)| c).collect();
        commits.extend(self.pending.into_inner().unwrap_or_else(|p| p.into_inner()));
        commits
    }
}

/// What every thread of an epoch's workload runs.
struct Worker<'a> {
    store: &'a DurableStore<u64>,
    journal: &'a Journal,
    s: &'a Settings,
    epoch: u32,
    /// Operations per thread.
    quota: u64,
    /// How long the epoch may run, from `start`.
    limit: Option<Duration>,
    start: Instant,
}

impl<'a> Worker<'a> {
    fn new(
        store: &'a DurableStore<u64>,
        journal: &'a Journal,
        s: &'a Settings,
        epoch: u32,
    ) -> Self {
        let epochs = u64::from(s.crashes) + 1;
        let (quota, limit) = match s.stop {
            Stop::Ops(total) => ((total / epochs / s.threads as u64).max(1), None),
            Stop::Time(t) => (u64::MAX, Some(t / epochs as u32)),
        };
        Self {
            store,
            journal,
            s,
            epoch,
            quota,
            limit,
            start: Instant::now(),
        }
    }

    /// Thread `t`'s operations, until its quota or the time is done, the journal says
    /// stop, or a write fails.
    fn run(&self, t: usize) -> Vec<Event> {
        let (s, epoch) = (self.s, self.epoch);
        let mut rng = SmallRng::seed_from_u64(
            s.seed ^ (u64::from(epoch) << 32) ^ (t as u64).wrapping_mul(0x9e37_79b9),
        );
        let total_weight = s.mix.total().max(1);
        let mut log = Vec::new();
        // What this thread last saw of or wrote to each key: a cas expects it.
        let mut last: HashMap<Vec<u8>, Option<u64>> = HashMap::new();
        for n in 0..self.quota {
            if self.journal.stop.load(Ordering::Relaxed)
                || self.limit.is_some_and(|l| self.start.elapsed() > l)
            {
                break;
            }
            let key = Workload::key(rng.random_range(0..s.keys.max(1)));
            let pick = rng.random_range(0..total_weight);
            // Unique per write across epochs: epoch, thread, count.
            let value = (u64::from(epoch + 1) << 48) | ((t as u64) << 40) | (n + 1);
            let from = last.get(&key).copied().flatten();
            let op = s.mix.op(pick, key, value, || from);
            let call = self.journal.tick();
            let (write, outcome) = perform(self.store, &op);
            let ret = self.journal.tick();
            let result = self.journal.record(write, outcome);
            if let Some(seen) = seen_after(&op, result) {
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
    }
}

/// What the key of `op` holds once it returned `result`, as far as its thread knows
/// (`Some(None)`: absent); `None` if the operation tells nothing or failed.
fn seen_after(op: &Op, result: Option<Ret>) -> Option<Option<u64>> {
    match (op, result) {
        (Op::Remove { .. }, Some(_)) => Some(None),
        (Op::Cas { to, .. }, Some(Ret::Swapped(true))) => Some(Some(*to)),
        (Op::Put { value, .. } | Op::Update { value, .. }, Some(_)) => Some(Some(*value)),
        (Op::Get { .. }, Some(Ret::Value(v))) => Some(v),
        _ => None,
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
