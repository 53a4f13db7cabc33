//! The durable store's crash matrix on the simulated disk: a crash after every I/O
//! operation of scripted workloads, losing or keeping what was not synced or tearing the
//! last write, each recovery judged by the durable-prefix check.
use super::common::{judge, open, quiet, run, script, state_of, Journal, Step};
use cowtrie::durable::format::{read_log, LogTail, SECTOR};
use cowtrie::durable::{Crash, Durability, SimDisk};
use cowtrie_model::durable::Write;

/// Whether a log file on `disk` ends in a lost tail with data after its zero run: a
/// crash lost an earlier sector and kept a later one.
fn lost_with_data_after(disk: &SimDisk) -> bool {
    disk.names()
        .iter()
        .filter(|name| name.starts_with("wal-"))
        .filter_map(|name| disk.file(name))
        .any(|bytes| match read_log(&bytes, |_| Ok(())) {
            Ok(info) => match info.tail {
                LogTail::Lost(at) => {
                    let next = (at as usize / SECTOR + 1) * SECTOR;
                    bytes.iter().skip(next).any(|&b| b != 0)
                }
                _ => false,
            },
            Err(_) => false,
        })
}

const CRASHES: [Crash; 7] = [
    Crash::DropUnsynced,
    Crash::KeepUnsynced,
    Crash::TearLastWrite(5),
    Crash::TearLastWrite(21),
    Crash::LoseSector(0),
    Crash::LoseSector(1),
    Crash::LoseSector(2),
];

/// Runs `steps` on a copy of `prepared`, crashing after `crash_after` operations (the
/// open's recovery included), then reopens and judges. Returns the operations done.
fn crash_run(
    prepared: &SimDisk,
    durability: Durability,
    steps: &[Step],
    crash_after: Option<u64>,
    crash: Crash,
) -> Result<(u64, bool), String> {
    let options = quiet(durability);
    // What the run starts from: the prepared disk recovered without a crash.
    let initial = {
        let disk = prepared.duplicate();
        let store = open(&disk, &options).map_err(|e| format!("clean open: {e}"))?;
        Journal::starting_from(&store)
    };
    let disk = prepared.duplicate();
    if let Some(ops) = crash_after {
        disk.crash_after(ops);
    }
    let mut journal = initial.clone();
    if let Ok(store) = open(&disk, &options) {
        run(&store, steps, &mut journal);
    }
    // The store's drop syncs, as a process would before exiting; past the crash
    // point it fails like everything else.
    let ops = disk.ops();
    disk.restart(crash);
    let lost_then_kept = lost_with_data_after(&disk);
    let store = open(&disk, &options).map_err(|e| format!("reopen: {e}"))?;
    judge(&journal, &store)?;
    // The recovered store goes on: one more write survives a clean reopen.
    let mut after = state_of(&store);
    let receipt = store
        .put("after", b"crash".to_vec())
        .map_err(|e| format!("write after recovery: {e}"))?;
    after.insert(b"after".to_vec(), b"crash".to_vec());
    drop(store);
    disk.restart(Crash::DropUnsynced);
    let store = open(&disk, &options).map_err(|e| format!("second reopen: {e}"))?;
    if state_of(&store) != after || store.last_seq() != receipt.seq {
        return Err(format!(
            "after a write and a clean reopen: {:?}, last_seq {} (wanted {after:?}, {})",
            state_of(&store),
            store.last_seq(),
            receipt.seq
        ));
    }
    Ok((ops, lost_then_kept))
}

/// Crashes `steps` after every operation, in every crash mode; returns the number of
/// crash points run.
fn matrix(prepared: &SimDisk, durability: Durability, steps: &[Step]) -> usize {
    matrix_of(prepared, durability, steps, &CRASHES).0
}

/// Crashes `steps` after every operation in each of `crashes`; returns the number of
/// crash points run and how many left a lost sector before data that was kept.
fn matrix_of(
    prepared: &SimDisk,
    durability: Durability,
    steps: &[Step],
    crashes: &[Crash],
) -> (usize, usize) {
    let (total, _) = crash_run(prepared, durability, steps, None, Crash::KeepUnsynced)
        .unwrap_or_else(|e| panic!("{durability:?}, no crash: {e}"));
    let (mut points, mut lost_then_kept) = (0, 0);
    for after in 0..=total {
        for &crash in crashes {
            match crash_run(prepared, durability, steps, Some(after), crash) {
                Ok((_, lost)) => lost_then_kept += usize::from(lost),
                Err(e) => {
                    panic!("{durability:?}, crash after {after} of {total} ops, {crash:?}: {e}")
                }
            }
            points += 1;
        }
    }
    eprintln!(
        "{durability:?}: {total} operations, {points} crash points, \
         {lost_then_kept} lost a sector before one kept"
    );
    (points, lost_then_kept)
}

/// Puts of 150-byte values, flushed now and then: between syncs a buffered run's
/// records span several sectors, so one can be lost and a later one kept.
fn long_script() -> Vec<Step> {
    let mut steps = Vec::new();
    for i in 0..16u8 {
        let key = [b'k', b'a' + i % 5];
        steps.push(Step::Batch(vec![Write::put(key, vec![i + 1; 150])]));
        match i {
            7 => steps.push(Step::Flush),
            10 => steps.push(Step::Checkpoint),
            _ => {}
        }
    }
    steps
}

/// A crash loses one unsynced sector (each in turn) and keeps the rest, earlier and
/// later sectors, after every operation of a workload whose records span sectors:
/// every recovery is a durable prefix, and goes on writing.
#[test]
fn a_crash_losing_an_earlier_sector_and_keeping_later_ones() {
    let crashes: Vec<Crash> = (0..8).map(Crash::LoseSector).collect();
    for durability in [Durability::Buffered, Durability::Group] {
        let (points, lost_then_kept) =
            matrix_of(&SimDisk::new(), durability, &long_script(), &crashes);
        assert!(points > 100, "{points} crash points");
        if durability == Durability::Buffered {
            assert!(lost_then_kept > 20, "{lost_then_kept} of {points}");
        }
    }
}

/// Crash losing a sector with records after it, recover (the lost tail is cut), write
/// records of other lengths over the cut region and sync them, crash again, recover:
/// the second recovery holds every record written after the first, so no byte from
/// before the cut was read as a record.
#[test]
fn records_written_after_a_cut_never_meet_the_bytes_it_dropped() {
    let options = quiet(Durability::Buffered);
    let mut lost_then_kept = 0;
    for lost in 0..6 {
        for second in [
            Crash::DropUnsynced,
            Crash::KeepUnsynced,
            Crash::LoseSector(lost),
        ] {
            let disk = SimDisk::new();
            let store = open(&disk, &options).unwrap();
            let mut journal = Journal::starting_from(&store);
            let mut steps = vec![Step::Put("a", "1"), Step::Flush];
            for i in 0..12u8 {
                steps.push(Step::Batch(vec![Write::put([b'k', i], vec![i; 100])]));
            }
            run(&store, &steps, &mut journal);
            disk.crash_after(disk.ops());
            drop(store);
            disk.restart(Crash::LoseSector(lost));
            lost_then_kept += usize::from(lost_with_data_after(&disk));
            let store = open(&disk, &options).unwrap_or_else(|e| panic!("lost {lost}: {e}"));
            judge(&journal, &store).unwrap_or_else(|e| panic!("lost {lost}: {e}"));

            let mut journal = Journal::starting_from(&store);
            let mut steps = Vec::new();
            for i in 0..12u8 {
                steps.push(Step::Batch(vec![Write::put([b'n', i], vec![i; 37])]));
            }
            steps.push(Step::Flush);
            steps.push(Step::Batch(vec![Write::put("last", vec![7; 300])]));
            run(&store, &steps, &mut journal);
            disk.crash_after(disk.ops());
            drop(store);
            disk.restart(second);
            let store = open(&disk, &options)
                .unwrap_or_else(|e| panic!("lost {lost}, then {second:?}: {e}"));
            judge(&journal, &store).unwrap_or_else(|e| panic!("lost {lost}, then {second:?}: {e}"));
            for i in 0..12u8 {
                assert_eq!(
                    store.get([b'n', i]).as_deref(),
                    Some(&vec![i; 37]),
                    "lost {lost}"
                );
            }
        }
    }
    assert!(
        lost_then_kept >= 9,
        "{lost_then_kept} runs lost a sector before one kept"
    );
}

#[test]
fn crash_after_every_operation_sync() {
    let points = matrix(&SimDisk::new(), Durability::Sync, &script());
    assert!(points > 100, "{points} crash points");
}

#[test]
fn crash_after_every_operation_group() {
    let points = matrix(&SimDisk::new(), Durability::Group, &script());
    assert!(points > 100, "{points} crash points");
}

#[test]
fn crash_after_every_operation_buffered() {
    let points = matrix(&SimDisk::new(), Durability::Buffered, &script());
    assert!(points > 100, "{points} crash points");
}

/// A disk left by a buffered run that crashed with its last record torn: crashing the
/// recovery itself (the truncation of the torn record, the first appends after it)
/// at every operation.
#[test]
fn crash_during_recovery_of_a_torn_log() {
    let prepared = SimDisk::new();
    let options = quiet(Durability::Buffered);
    let store = open(&prepared, &options).unwrap();
    let mut journal = Journal::starting_from(&store);
    run(&store, &script(), &mut journal);
    prepared.crash_after(prepared.ops());
    drop(store);
    prepared.restart(Crash::TearLastWrite(9));
    let steps = [Step::Put("h", "10"), Step::Checkpoint, Step::Put("a", "11")];
    for durability in [Durability::Sync, Durability::Group, Durability::Buffered] {
        matrix(&prepared, durability, &steps);
    }
}

/// One I/O operation of a checkpoint fails (each in turn), the store goes on with more
/// writes and a flush, then crashes: a failed checkpoint must not cost a record before
/// it once records after it are durable.
#[test]
fn a_failed_checkpoint_operation_then_more_writes() {
    use super::common::Step::*;
    let steps = [
        Put("a", "1"),
        Put("b", "2"),
        TryCheckpoint,
        Put("c", "3"),
        Put("d", "4"),
        Flush,
    ];
    for durability in [Durability::Sync, Durability::Group, Durability::Buffered] {
        let options = quiet(durability);
        // The operations the checkpoint does, counted on a run without failures.
        let (first, last) = {
            let disk = SimDisk::new();
            let store = open(&disk, &options).unwrap();
            run(&store, &steps[..2], &mut Journal::starting_from(&store));
            let first = disk.ops() + 1;
            store.checkpoint().unwrap();
            (first, disk.ops())
        };
        for op in first..=last {
            for crash in [Crash::DropUnsynced, Crash::KeepUnsynced] {
                let disk = SimDisk::new();
                let store = open(&disk, &options).unwrap();
                let mut journal = Journal::starting_from(&store);
                disk.fail_op(op);
                run(&store, &steps, &mut journal);
                disk.crash_after(disk.ops());
                drop(store);
                disk.restart(crash);
                let store = open(&disk, &options)
                    .unwrap_or_else(|e| panic!("{durability:?}, op {op} fails, {crash:?}: {e}"));
                judge(&journal, &store)
                    .unwrap_or_else(|e| panic!("{durability:?}, op {op} fails, {crash:?}: {e}"));
            }
        }
        eprintln!(
            "{durability:?}: a failure at each of {} checkpoint operations",
            last - first + 1
        );
    }
}

/// Four writers on disjoint keys in group-commit mode, the disk crashing at a random
/// operation: the commits ordered by sequence number (the unacknowledged ones last),
/// judged by the durable-prefix check, and `last_seq` covers every durable commit.
#[test]
fn concurrent_group_commit_crashes() {
    use cowtrie::durable::Error;
    use cowtrie_model::durable::{check_durable_prefix, Ack, Commit, CommitLog, Write};
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::SmallRng::seed_from_u64(14);
    let options = quiet(Durability::Group);
    for run in 0..60 {
        let disk = SimDisk::new();
        let store = open(&disk, &options).unwrap();
        disk.crash_after(disk.ops() + rng.random_range(0..120));
        let outcomes: Vec<(Vec<Write>, Result<cowtrie::durable::Receipt, Error>)> =
            std::thread::scope(|s| {
                let threads: Vec<_> = (0..4u8)
                    .map(|t| {
                        let store = &store;
                        s.spawn(move || {
                            let mut done = Vec::new();
                            for i in 0..40u8 {
                                let (key, value) = ([t, i % 5], vec![t, i]);
                                let result = store.put(key, value.clone());
                                let failed = result.is_err();
                                done.push((vec![Write::put(key, value)], result));
                                if failed {
                                    break;
                                }
                            }
                            done
                        })
                    })
                    .collect();
                threads
                    .into_iter()
                    .flat_map(|t| t.join().unwrap())
                    .collect()
            });
        drop(store);
        let crash = if run % 2 == 0 {
            Crash::DropUnsynced
        } else {
            Crash::KeepUnsynced
        };
        disk.restart(crash);
        let mut acked: Vec<_> = outcomes
            .iter()
            .filter_map(|(writes, result)| Some((result.as_ref().ok()?, writes)))
            .collect();
        acked.sort_by_key(|(receipt, _)| receipt.seq);
        let mut commits: Vec<Commit> = acked
            .iter()
            .map(|(receipt, writes)| Commit {
                writes: (*writes).clone(),
                ack: if receipt.durable {
                    Ack::Durable
                } else {
                    Ack::Applied
                },
            })
            .collect();
        commits.extend(outcomes.iter().filter_map(|(writes, result)| match result {
            Err(Error::Poisoned { .. }) | Ok(_) => None,
            Err(_) => Some(Commit {
                writes: writes.clone(),
                ack: Ack::Pending,
            }),
        }));
        let log = CommitLog {
            initial: Default::default(),
            commits,
        };
        let store = open(&disk, &options).unwrap();
        let verdict = check_durable_prefix(&log, &state_of(&store));
        assert!(verdict.is_accepted(), "run {run}, {crash:?}: {verdict:?}");
        let durable = acked
            .iter()
            .filter(|(c, _)| c.durable)
            .map(|(c, _)| c.seq)
            .max();
        assert!(store.last_seq() >= durable.unwrap_or(0), "run {run}");
    }
}
