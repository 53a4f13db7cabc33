//! The real-process kill test: a child process writes to a durable store under load and
//! reports every write it attempts and every acknowledgement it gets; the parent kills
//! it with SIGKILL at a random moment, reopens the directory and judges the recovered
//! state with the durable-prefix check ([`cowtrie_model::durable`]).
//!
//! # The child's report (stdout, one line per event)
//!
//! ```text
//! ready <last_seq>                 the store is open (recovery done)
//! w <thread> <n> <item>...         thread is about to commit its n-th write; items are
//!                                  +<key>=<value> (put) or -<key> (remove), one commit
//! a <thread> <n> <seq> <durable>   the commit returned Ok: its sequence number, and 1 if
//!                                  acknowledged as durable, 0 if only applied
//! a <thread> <n> none 0            a remove of an absent key (nothing was logged)
//! ```
//!
//! Keys and values are printable ASCII without spaces. Each thread writes only keys of
//! its own (`t<thread>.<i>`), so the writes of different threads commute and a write
//! whose acknowledgement never came (killed in flight: a `w` line without its `a`) can
//! be judged as pending at the end of the commit order.
//!
//! # A round
//!
//! 1. spawn the child (`cowtrie durable-writer`, a hidden subcommand), read its lines on
//!    a thread of their own so a full pipe never stalls it;
//! 2. kill it: usually a random 5–250 ms after `ready`, one round in five a random
//!    0–20 ms after the spawn, so some kills land inside recovery;
//! 3. reopen the directory in this process; an error is a failure (a kill never
//!    leaves a directory that does not open); the recovered state is judged against the
//!    state the round began from plus the child's commits in sequence order, pending
//!    ones at the end; the recovered state is the next round's starting state.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use crate::exit::Status;
use clap::ValueEnum;
use cowtrie::durable::{Durability, DurableStore, Options};
use cowtrie::WriteBatch;
use cowtrie_model::durable::{
    check_durable_prefix, Ack, Commit, CommitLog, DurableVerdict, State, Write,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// The durability modes, as a command-line value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DurabilityArg {
    /// Every commit synced before it returns.
    Sync,
    /// Writers share syncs; every commit durable when it returns.
    Group,
    /// Commits return at once, synced on a timer.
    Buffered,
}

impl From<DurabilityArg> for Durability {
    fn from(arg: DurabilityArg) -> Self {
        match arg {
            DurabilityArg::Sync => Durability::Sync,
            DurabilityArg::Group => Durability::Group,
            DurabilityArg::Buffered => Durability::Buffered,
        }
    }
}

/// The child's arguments (`cowtrie durable-writer`).
#[derive(clap::Args, Debug)]
pub struct WriterArgs {
    /// The store's directory.
    #[arg(long)]
    pub dir: PathBuf,
    /// Writer threads.
    #[arg(long, default_value_t = 3)]
    pub threads: usize,
    /// Keys per thread.
    #[arg(long, default_value_t = 32)]
    pub keys: usize,
    /// The durability mode.
    #[arg(long, value_enum, default_value = "group")]
    pub durability: DurabilityArg,
    /// Checkpoint when the log passes this many bytes (small: checkpoints during the run).
    #[arg(long, default_value_t = 32 << 10)]
    pub checkpoint_bytes: u64,
    /// Seed of the writers' choices; also makes values unique per run.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The seeded bug: report each single put as durable (with the sequence number it
    /// will get) 2 ms before making it. A kill in between loses an acknowledged write,
    /// which the parent must catch. Use with `--threads 1`.
    #[arg(long, hide = true)]
    pub ack_early: bool,
}

/// The child: writes until killed (or until a write fails: [`Status::Violation`], 1).
pub fn run_writer(args: &WriterArgs) -> ExitCode {
    let options = Options {
        durability: args.durability.into(),
        checkpoint_log_bytes: Some(args.checkpoint_bytes),
        ..Options::default()
    };
    let store = match DurableStore::<Vec<u8>>::open(&args.dir, options) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("error: {e}");
            return Status::BadInput.into();
        }
    };
    say(&format!("ready {}", store.last_seq()));
    let failed = std::thread::scope(|s| {
        let handles: Vec<_> = (0..args.threads.max(1))
            .map(|t| {
                let store = &store;
                s.spawn(move || write_forever(store, t, args))
            })
            .collect();
        handles.into_iter().any(|h| h.join().is_err())
    });
    if failed {
        Status::Violation
    } else {
        Status::Ok
    }
    .into()
}

/// One line to stdout, whole (stdout is line-buffered and locked per call).
fn say(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn write_forever(store: &DurableStore<Vec<u8>>, t: usize, args: &WriterArgs) {
    let mut rng = SmallRng::seed_from_u64(args.seed ^ (t as u64).wrapping_mul(0x9e37_79b9));
    for n in 0u64.. {
        let keys = args.keys.max(1);
        let key = |rng: &mut SmallRng| format!("t{t}.{}", rng.random_range(0..keys));
        let value = format!("s{}n{n}", args.seed);
        let items: Vec<Write> = match rng.random_range(0..10) {
            0..=4 => vec![Write::put(key(&mut rng), &value)],
            5 | 6 => vec![Write::remove(key(&mut rng))],
            _ => {
                let count = rng.random_range(2..=4);
                (0..count)
                    .map(|i| match i % 3 {
                        2 => Write::remove(key(&mut rng)),
                        _ => Write::put(key(&mut rng), format!("{value}.{i}")),
                    })
                    .collect()
            }
        };
        say(&format!("w {t} {n} {}", items_text(&items)));
        if args.ack_early && items.len() == 1 && matches!(items[0], Write::Put { .. }) {
            say(&format!("a {t} {n} {} 1", store.last_seq() + 1));
            std::thread::sleep(Duration::from_millis(2));
            if let [Write::Put { key, value }] = items.as_slice() {
                if let Err(e) = store.put(key, value.clone()) {
                    panic!("write {n} of thread {t} failed: {e}");
                }
            }
            continue;
        }
        let result = match items.as_slice() {
            [Write::Put { key, value }] => store.put(key, value.clone()).map(Some),
            [Write::Remove { key }] => store.remove(key),
            _ => {
                let mut batch = WriteBatch::new();
                for item in &items {
                    match item {
                        Write::Put { key, value } => batch.put(key, value.clone()),
                        Write::Remove { key } => batch.remove(key),
                    };
                }
                store.write_batch(batch)
            }
        };
        match result {
            Ok(Some(receipt)) => say(&format!(
                "a {t} {n} {} {}",
                receipt.seq,
                u8::from(receipt.durable)
            )),
            Ok(None) => say(&format!("a {t} {n} none 0")),
            Err(e) => panic!("write {n} of thread {t} failed: {e}"),
        }
    }
}

fn items_text(items: &[Write]) -> String {
    let text: Vec<String> = items
        .iter()
        .map(|w| match w {
            Write::Put { key, value } => {
                format!(
                    "+{}={}",
                    String::from_utf8_lossy(key),
                    String::from_utf8_lossy(value)
                )
            }
            Write::Remove { key } => format!("-{}", String::from_utf8_lossy(key)),
        })
        .collect();
    text.join(" ")
}

/// Reads the child's report into the commits it made, in commit order: acknowledged
/// ones by sequence number, then the pending ones (a `w` without its `a`). Removes of
/// absent keys are left out.
pub fn commits_from_report(lines: &[String]) -> Result<Vec<Commit>, String> {
    let mut attempted: HashMap<(usize, u64), Vec<Write>> = HashMap::new();
    let mut acked: BTreeMap<u64, Commit> = BTreeMap::new();
    let bad = |line: &str| format!("unreadable report line {line:?}");
    for line in lines {
        let mut words = line.split(' ');
        let kind = words.next().unwrap_or_default();
        if kind == "ready" {
            continue;
        }
        let t: usize = words
            .next()
            .and_then(|w| w.parse().ok())
            .ok_or_else(|| bad(line))?;
        let n: u64 = words
            .next()
            .and_then(|w| w.parse().ok())
            .ok_or_else(|| bad(line))?;
        match kind {
            "w" => {
                let items = words
                    .map(|item| match item.split_at_checked(1) {
                        Some(("+", kv)) => kv
                            .split_once('=')
                            .map(|(k, v)| Write::put(k, v))
                            .ok_or_else(|| bad(line)),
                        Some(("-", k)) => Ok(Write::remove(k)),
                        _ => Err(bad(line)),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                attempted.insert((t, n), items);
            }
            "a" => {
                let writes = attempted.remove(&(t, n)).ok_or_else(|| bad(line))?;
                let seq = words.next().ok_or_else(|| bad(line))?;
                let durable = words.next().ok_or_else(|| bad(line))? == "1";
                if seq == "none" {
                    continue;
                }
                let seq: u64 = seq.parse().map_err(|_| bad(line))?;
                let ack = if durable { Ack::Durable } else { Ack::Applied };
                if acked.insert(seq, Commit { writes, ack }).is_some() {
                    return Err(format!("sequence number {seq} acknowledged twice"));
                }
            }
            _ => return Err(bad(line)),
        }
    }
    let mut commits: Vec<Commit> = acked.into_values().collect();
    let mut pending: Vec<_> = attempted.into_iter().collect();
    pending.sort_by_key(|(id, _)| *id);
    commits.extend(pending.into_iter().map(|(_, writes)| Commit {
        writes,
        ack: Ack::Pending,
    }));
    Ok(commits)
}

/// What one round saw.
#[derive(Debug)]
pub struct RoundReport {
    /// Milliseconds between the spawn (or `ready`) and the kill.
    pub kill_after_ms: u64,
    /// Whether the kill came before `ready` was read.
    pub during_open: bool,
    /// Commits acknowledged (durable or applied) and pending at the kill.
    pub acked: usize,
    /// Of those, pending.
    pub pending: usize,
    /// Keys in the recovered state.
    pub keys: usize,
    /// The check's verdict.
    pub verdict: DurableVerdict,
}

/// Runs `rounds` kill rounds of the `cowtrie` binary `exe` on `dir` (which may hold a
/// store already), printing one line per round; an error names the first round that
/// failed and why.
pub fn kill_loop(
    exe: &Path,
    dir: &Path,
    rounds: usize,
    seed: u64,
    ack_early: bool,
    mut each: impl FnMut(usize, &RoundReport),
) -> Result<(), String> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut state = recovered_state(dir)?;
    for round in 0..rounds {
        let durability = [
            DurabilityArg::Group,
            DurabilityArg::Sync,
            DurabilityArg::Buffered,
        ][round % 3];
        let (report, recovered) = kill_round(
            exe,
            dir,
            &state,
            durability,
            rng.random(),
            ack_early,
            &mut rng,
        )
        .map_err(|e| format!("round {round} ({durability:?}): {e}"))?;
        each(round, &report);
        if let DurableVerdict::Rejected(r) = &report.verdict {
            return Err(format!("round {round} ({durability:?}): {}", r.explanation));
        }
        if let DurableVerdict::TooManyPending { pending } = report.verdict {
            return Err(format!("round {round}: {pending} pending commits"));
        }
        state = recovered;
    }
    Ok(())
}

/// The state of the store in `dir` (empty if there is none), opened in this process.
pub fn recovered_state(dir: &Path) -> Result<State, String> {
    let options = Options {
        checkpoint_log_bytes: None,
        ..Options::default()
    };
    let store = DurableStore::<Vec<u8>>::open(dir, options)
        .map_err(|e| format!("reopening after the kill: {e}"))?;
    let state = store
        .snapshot()
        .iter()
        .map(|(k, v)| (k.to_vec(), v.clone()))
        .collect();
    store.close().map_err(|e| format!("closing: {e}"))?;
    Ok(state)
}

fn kill_round(
    exe: &Path,
    dir: &Path,
    initial: &State,
    durability: DurabilityArg,
    child_seed: u64,
    ack_early: bool,
    rng: &mut SmallRng,
) -> Result<(RoundReport, State), String> {
    let mut command = Command::new(exe);
    command
        .args(["durable-writer", "--dir"])
        .arg(dir)
        .args(["--durability", &format!("{durability:?}").to_lowercase()])
        .args(["--seed", &child_seed.to_string()]);
    if ack_early {
        command.args(["--threads", "1", "--ack-early"]);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.starts_with("ready") {
                let _ = ready_tx.send(());
            }
            lines.push(line);
        }
        lines
    });
    let during_open = rng.random_ratio(1, 5);
    let kill_after_ms = if during_open {
        rng.random_range(0..20)
    } else {
        // Wait for recovery to finish (a child that exits early ends the wait too).
        let _ = ready_rx.recv_timeout(Duration::from_secs(30));
        rng.random_range(5..250)
    };
    std::thread::sleep(Duration::from_millis(kill_after_ms));
    let exited_early = child.try_wait().map_err(|e| e.to_string())?;
    let _ = child.kill(); // SIGKILL on Unix.
    let status = child.wait().map_err(|e| e.to_string())?;
    let lines = reader.join().map_err(|_| "the report reader panicked")?;
    if let Some(status) = exited_early {
        let mut stderr = String::new();
        if let Some(mut err) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
        }
        return Err(format!("the writer exited by itself ({status}): {stderr}"));
    }
    debug_assert!(!status.success());
    let commits = commits_from_report(&lines)?;
    let recovered = recovered_state(dir)?;
    let log = CommitLog {
        initial: initial.clone(),
        commits,
    };
    let verdict = check_durable_prefix(&log, &recovered);
    let report = RoundReport {
        kill_after_ms,
        during_open,
        acked: log.commits.len(),
        pending: log.commits.iter().filter(|c| c.ack == Ack::Pending).count(),
        keys: recovered.len(),
        verdict,
    };
    Ok((report, recovered))
}
