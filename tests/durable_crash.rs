//! The durable store's crash matrix on the simulated disk: a crash after every I/O
//! operation of scripted workloads, losing or keeping what was not synced or tearing the
//! last write, each recovery judged by the durable-prefix check.
#![cfg(not(any(loom, feature = "shuttle", miri)))]

mod durable_common;

use cowtrie::durable::{Crash, Durability, SimDisk};
use durable_common::{judge, open, quiet, run, script, state_of, Journal, Step};

const CRASHES: [Crash; 4] = [
    Crash::DropUnsynced,
    Crash::KeepUnsynced,
    Crash::TearLastWrite(5),
    Crash::TearLastWrite(21),
];

/// Runs `steps` on a copy of `prepared`, crashing after `crash_after` operations (the
/// open's recovery included), then reopens and judges. Returns the operations done.
fn crash_run(
    prepared: &SimDisk,
    durability: Durability,
    steps: &[Step],
    crash_after: Option<u64>,
    crash: Crash,
) -> Result<u64, String> {
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
    let store = open(&disk, &options).map_err(|e| format!("reopen: {e}"))?;
    judge(&journal, &store)?;
    // The recovered store goes on: one more write survives a clean reopen.
    let mut after = state_of(&store);
    let ack = store
        .put("after", b"crash".to_vec())
        .map_err(|e| format!("write after recovery: {e}"))?;
    after.insert(b"after".to_vec(), b"crash".to_vec());
    drop(store);
    disk.restart(Crash::DropUnsynced);
    let store = open(&disk, &options).map_err(|e| format!("second reopen: {e}"))?;
    if state_of(&store) != after || store.last_seq() != ack.seq {
        return Err(format!(
            "after a write and a clean reopen: {:?}, last_seq {} (wanted {after:?}, {})",
            state_of(&store),
            store.last_seq(),
            ack.seq
        ));
    }
    Ok(ops)
}

/// Crashes `steps` after every operation, in every crash mode; returns the number of
/// crash points run.
fn matrix(prepared: &SimDisk, durability: Durability, steps: &[Step]) -> usize {
    let total = crash_run(prepared, durability, steps, None, Crash::KeepUnsynced)
        .unwrap_or_else(|e| panic!("{durability:?}, no crash: {e}"));
    let mut points = 0;
    for after in 0..=total {
        for crash in CRASHES {
            if let Err(e) = crash_run(prepared, durability, steps, Some(after), crash) {
                panic!("{durability:?}, crash after {after} of {total} ops, {crash:?}: {e}");
            }
            points += 1;
        }
    }
    eprintln!("{durability:?}: {total} operations, {points} crash points");
    points
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
    use durable_common::Step::*;
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
    }
}
