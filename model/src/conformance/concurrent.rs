//! The concurrent part of the battery: recorded workloads, each history checked for
//! linearizability, a failure reported as `cowtrie check` reports it.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use super::{Failure, Settings};
use crate::report::Values;
use crate::workload::{Run, Stop, Workload};
use crate::{Event, History, KvStore, Op, NEVER};

/// One workload per mix of `settings`, each on a fresh store; the first that fails ends
/// the part.
pub fn concurrent<S: KvStore>(new: impl Fn() -> S, settings: &Settings) -> Result<(), Failure> {
    for index in 0..settings.mixes.len() {
        workload(&new, settings, index)?;
    }
    Ok(())
}

/// The workload of `settings.mixes[index]` on a fresh store: [`Settings::threads`]
/// threads over [`Settings::keys`] keys for [`Settings::time`], then a read of every key
/// by one more thread; the history must be linearizable (against [`Settings::judge`]),
/// and the check must reach that verdict within [`Settings::budget`].
///
/// # Panics
///
/// If `index` is out of range, or a thread of the workload panics.
pub fn workload<S: KvStore>(
    new: impl Fn() -> S,
    settings: &Settings,
    index: usize,
) -> Result<(), Failure> {
    let mix = settings.mixes[index];
    let workload = Workload {
        threads: settings.threads.max(1),
        keys: settings.keys.max(1),
        stop: Stop::Time(settings.time),
        mix,
        seed: settings.seed.wrapping_add(index as u64),
    };
    let store = new();
    let run = workload.run(&store, &AtomicU64::new(0));
    let history = with_final_reads(&run, &store, &workload);
    let part = format!(
        "concurrent workload {} of {} (mix {mix})",
        index + 1,
        settings.mixes.len()
    );
    let header = describe(&workload, &run, &history);
    let (verdict, elapsed) = match settings
        .judge
        .check(&history, settings.budget, Values::Workload)
    {
        Ok(()) => return Ok(()),
        Err(failed) => failed,
    };
    Err(Failure {
        part,
        seed: settings.seed,
        report: format!("{header}checked in {:.2} s\n{verdict}", secs(elapsed)),
    })
}

/// The run's history, then one more thread reading every key, after all else returned:
/// a write lost without anyone reading the key in the run shows there.
fn with_final_reads(run: &Run, store: &impl KvStore, workload: &Workload) -> History {
    let events = run.history.events();
    let last = events
        .iter()
        .flat_map(|e| [e.call, e.ret])
        .filter(|&t| t != NEVER)
        .max();
    let mut tick = last.map_or(0, |t| t + 1);
    let finals = (0..workload.keys).map(|k| {
        let op = Op::get(Workload::key(k));
        let result = Some(store.apply(&op));
        let event = Event {
            thread: workload.threads,
            call: tick,
            ret: tick + 1,
            op,
            result,
        };
        tick += 2;
        event
    });
    History::from_events(events.iter().cloned().chain(finals).collect::<Vec<_>>())
}

/// The workload and its run in a few lines, as `cowtrie check` prints them.
fn describe(workload: &Workload, run: &Run, history: &History) -> String {
    format!(
        "{} threads, {} keys, mix {}, workload seed {}\nran {} operations in {:.2} s, then read every key\n",
        workload.threads,
        workload.keys,
        workload.mix,
        workload.seed,
        history.len(),
        secs(run.elapsed)
    )
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}
