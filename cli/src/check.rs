//! `cowtrie check`: a recorded concurrent workload, judged by the linearizability checker.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cowtrie_cli::StoreKind;

use crate::history::{FormatArg, ModelKind};
use cowtrie_model::workload::{Mix, Run, Stop, Workload};
use cowtrie_model::{check, timeline_svg, Budget, Verdict};
use indicatif::{ProgressBar, ProgressStyle};

/// Exit status when the checker ran out of budget.
pub(crate) const EXIT_UNKNOWN: u8 = 3;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Threads running operations.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=512))]
    threads: u16,
    /// Distinct keys the operations pick from.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..))]
    keys: u32,
    /// Run for this many seconds [default: 4, unless --ops is given].
    #[arg(long, conflicts_with = "ops")]
    seconds: Option<f64>,
    /// Run this many operations in all.
    #[arg(long)]
    ops: Option<u64>,
    /// Weights of the operations.
    #[arg(long, default_value = "get=75,put=12,remove=5,cas=4,update=4")]
    mix: Mix,
    /// The store to check.
    #[arg(long, value_enum, default_value = "cowtrie")]
    store: StoreKind,
    /// Seed of the threads' random choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write a timeline of a violation's window to this SVG file.
    #[arg(long)]
    svg: Option<std::path::PathBuf>,
    /// Give up checking after this many seconds (verdict: unknown).
    #[arg(long, default_value_t = 120)]
    check_seconds: u64,
    /// Check a history recorded by another tool (Jepsen log or EDN) instead of running
    /// a workload. Exit status: 0 linearizable, 1 not, 2 bad input, 3 budget ran out.
    #[arg(long, requires = "model")]
    history: Option<std::path::PathBuf>,
    /// The model to check `--history` against.
    #[arg(long, value_enum, requires = "history")]
    model: Option<ModelKind>,
    /// The format of `--history`.
    #[arg(long, value_enum, default_value = "auto", requires = "history")]
    format: FormatArg,
    /// With `--store durable`: crashes of the simulated disk, each followed by a recovery
    /// that is checked to be a durable prefix.
    #[arg(long, default_value_t = 8)]
    crashes: u32,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    if let (Some(file), Some(model)) = (&args.history, args.model) {
        return crate::history::run(
            file,
            model,
            args.format,
            args.check_seconds,
            args.svg.as_deref(),
        );
    }
    let stop = match (args.ops, args.seconds) {
        (Some(ops), _) => Stop::Ops(ops),
        (None, seconds) => {
            let seconds = seconds.unwrap_or(4.0);
            if !(seconds.is_finite() && seconds > 0.0) {
                eprintln!("error: --seconds must be a positive number, got {seconds}");
                return ExitCode::from(2);
            }
            Stop::Time(Duration::from_secs_f64(seconds))
        }
    };
    if args.store.is_durable() {
        return crate::check_durable::run(&crate::check_durable::Settings {
            threads: usize::from(args.threads),
            keys: args.keys as usize,
            stop,
            mix: args.mix,
            seed: args.seed,
            crashes: args.crashes,
            check_seconds: args.check_seconds,
            lying_sync: args.store == StoreKind::BrokenDurableLyingSync,
        });
    }
    let workload = Workload {
        threads: usize::from(args.threads),
        keys: args.keys as usize,
        stop,
        mix: args.mix,
        seed: args.seed,
    };
    say!(
        "checking {:?}: {} threads, {} keys, mix {}, seed {}",
        args.store,
        workload.threads,
        workload.keys,
        workload.mix,
        workload.seed
    );
    let run = run_with_progress(args.store, &workload);
    let ops = run.history.len();
    let secs = run.elapsed.as_secs_f64().max(1e-9);
    say!(
        "ran {ops} operations in {:.2} s: {:.0} ops/s in all; per thread {}",
        secs,
        ops as f64 / secs,
        run.per_thread
            .iter()
            .map(|n| format!("{:.0}", *n as f64 / secs))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let spinner = ProgressBar::new_spinner().with_message("checking linearizability");
    spinner.enable_steady_tick(Duration::from_millis(100));
    let budget = Budget {
        time: Duration::from_secs(args.check_seconds),
        ..Budget::default()
    };
    let report = check(&run.history, budget);
    spinner.finish_and_clear();
    say!(
        "checked {} operations over {} keys in {:.2} s ({} search steps)",
        report.operations,
        report.partitions,
        report.elapsed.as_secs_f64(),
        report.steps
    );
    match report.verdict {
        Verdict::Linearizable => {
            say!("verdict: linearizable");
            ExitCode::SUCCESS
        }
        Verdict::Violation(violation) => {
            say!(
                "verdict: NOT linearizable on key b\"{}\"",
                violation.key.escape_ascii()
            );
            say!("why: {}", violation.explanation);
            say!(
                "window ({} operations, by call tick):",
                violation.window.len()
            );
            for event in violation.context.iter().chain(&violation.window) {
                let mark = if *event == violation.culprit {
                    "  <-- cannot be ordered"
                } else {
                    ""
                };
                say!(
                    "  thread {:>3}  ticks {:>10}..{:<10} {:?} -> {}{mark}",
                    event.thread,
                    event.call,
                    event.ret,
                    event.op,
                    event.result_text()
                );
            }
            if let Some(path) = &args.svg {
                match std::fs::write(path, timeline_svg(&violation)) {
                    Ok(()) => say!("timeline written to {}", path.display()),
                    Err(e) => eprintln!("error: cannot write {}: {e}", path.display()),
                }
            }
            ExitCode::FAILURE
        }
        Verdict::Unknown { key, reason } => {
            say!(
                "verdict: unknown (key b\"{}\": {reason})",
                key.escape_ascii()
            );
            ExitCode::from(EXIT_UNKNOWN)
        }
    }
}

/// Runs the workload while a progress bar follows it.
fn run_with_progress(kind: StoreKind, workload: &Workload) -> Run {
    let store = kind.build();
    let done = AtomicU64::new(0);
    let bar = match workload.stop {
        Stop::Ops(total) => ProgressBar::new(total),
        Stop::Time(limit) => ProgressBar::new(limit.as_millis() as u64),
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} running [{bar:40}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let start = std::time::Instant::now();
    std::thread::scope(|s| {
        let runner = s.spawn(|| workload.run(&*store, &done));
        while !runner.is_finished() {
            let ops = done.load(Ordering::Relaxed);
            bar.set_position(match workload.stop {
                Stop::Ops(_) => ops,
                Stop::Time(_) => start.elapsed().as_millis() as u64,
            });
            bar.set_message(format!("{ops} ops"));
            std::thread::sleep(Duration::from_millis(100));
        }
        bar.finish_and_clear();
        runner.join().expect("the workload panicked")
    })
}
