//! `cowtrie check`: a recorded concurrent workload, judged by the linearizability checker.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cowtrie_cli::exit::Status;
use cowtrie_cli::{StoreKind, DEFAULT_CAPACITY};

use crate::history::{FormatArg, ModelKind};
use clap::parser::ValueSource;
use clap::ArgMatches;
use cowtrie_model::report::{html_report, violation_text, Values};
use cowtrie_model::workload::{Mix, Run, Stop, Workload};
use cowtrie_model::{
    check, check_with, timeline_svg_in, Budget, CacheSpec, CheckReport, Op, Ret, Spec, Verdict,
};
use indicatif::{ProgressBar, ProgressStyle};

/// `--max-memory` when not given: the checker's own default,
/// [`cowtrie_model::DEFAULT_MEMORY`] (a unit test holds them equal).
pub(crate) const DEFAULT_MAX_MEMORY: &str = "1GiB";

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Threads running operations.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=512))]
    threads: u16,
    /// Distinct keys the operations pick from [default: 1000; 64 for a bounded store].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    keys: Option<u32>,
    /// Run for this many seconds [default: 4, unless --ops is given].
    #[arg(long, conflicts_with = "ops")]
    seconds: Option<f64>,
    /// Run this many operations in all.
    #[arg(long)]
    ops: Option<u64>,
    /// Weights of the operations.
    #[arg(
        long,
        default_value = "get=72,put=12,remove=5,cas=4,update=4,get_or_put=3"
    )]
    mix: Mix,
    /// The store to check. The bounded ones (cache, evicting-model,
    /// broken-resurrecting-cache) are judged against the cache model: a key may be evicted
    /// at any moment, but an evicted or overwritten value never comes back.
    #[arg(long, value_enum, default_value = "cowtrie")]
    store: StoreKind,
    /// Entries a bounded store keeps [default: 16].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    capacity: Option<u64>,
    /// Seed of the threads' random choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write a timeline of a violation's window to this SVG file.
    #[arg(long)]
    svg: Option<std::path::PathBuf>,
    /// Write the run's report to this HTML file: one self-contained page with the
    /// summary, per-key statistics and, on a violation, an interactive timeline.
    #[arg(long)]
    html: Option<std::path::PathBuf>,
    /// Give up checking after this many seconds (verdict: unknown, exit status 3); with
    /// several --history files, for each file.
    #[arg(long, default_value_t = 120)]
    check_seconds: u64,
    /// The most memory the checker's search may hold at once, over all keys (its memo of
    /// configurations seen, the states it met, its stack); reaching it gives the verdict
    /// unknown (exit status 3). Bytes, or a number with a unit: 512MiB, 2GiB, 1.5GB.
    #[arg(long, value_name = "SIZE", default_value = DEFAULT_MAX_MEMORY,
          value_parser = crate::size::parse_size)]
    max_memory: usize,
    /// Search every key to its verdict even after one is found not linearizable. Off by
    /// default: the first violation found stops the other keys' searches, which ends a
    /// failing check sooner.
    #[arg(long)]
    every_key: bool,
    /// Check histories recorded by another tool (Jepsen log or EDN) instead of running a
    /// workload: files, or directories (the files under them, subdirectories included, in
    /// name order). One file gets the full report; several get one line each and a
    /// summary. Exit status: 0 linearizable, 1 not, 2 bad input, 3 budget ran out; over
    /// several files the worst, in the order 2, 1, 3, 0.
    #[arg(long, value_name = "FILE|DIR", num_args = 1.., requires = "model")]
    history: Vec<std::path::PathBuf>,
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

impl Args {
    /// The checker's budget, as the flags set it (for each history checked).
    fn budget(&self) -> Budget {
        Budget {
            time: Duration::from_secs(self.check_seconds),
            memory: self.max_memory,
            every_key: self.every_key,
            ..Budget::default()
        }
    }
}

/// The flags that shape the workload `cowtrie check` runs, by clap's id (the long flag
/// without its dashes): `--history` replaces that workload, so none of them may go with it.
const WORKLOAD_FLAGS: [&str; 9] = [
    "threads", "keys", "store", "seed", "mix", "ops", "seconds", "capacity", "crashes",
];

/// Why the flags given cannot go together, if they cannot. `given(id)` says whether the
/// flag with clap id `id` was on the command line (not merely at its default), so that a
/// flag whose default is all that is set never conflicts.
fn conflict(args: &Args, given: &dyn Fn(&str) -> bool) -> Option<String> {
    let listed = |ids: &[&str]| {
        let flags: Vec<String> = ids.iter().map(|id| format!("--{id}")).collect();
        flags.join(", ")
    };
    if !args.history.is_empty() {
        let workload: Vec<&str> = WORKLOAD_FLAGS.into_iter().filter(|id| given(id)).collect();
        if !workload.is_empty() {
            let (verb, pronoun) = if workload.len() == 1 {
                ("shapes", "it")
            } else {
                ("shape", "they")
            };
            return Some(format!(
                "{} cannot be used with --history: {pronoun} {verb} the workload `cowtrie \
                 check` runs, and --history checks recorded histories instead of running one",
                listed(&workload)
            ));
        }
    }
    let pictures: Vec<&str> = [("svg", args.svg.is_some()), ("html", args.html.is_some())]
        .into_iter()
        .filter_map(|(id, set)| set.then_some(id))
        .collect();
    if !pictures.is_empty()
        && !args.history.is_empty()
        && !crate::history::is_one_file(&args.history)
    {
        return Some(format!(
            "{} cannot be used with several --history files or a directory: the timeline and \
             the report are drawn for one history (check the file alone)",
            listed(&pictures)
        ));
    }
    if !pictures.is_empty() && args.store.is_durable() {
        return Some(format!(
            "{} cannot be used with --store {}: the durable check judges each epoch and each \
             recovery on its own, and draws no timeline and writes no report",
            listed(&pictures),
            store_name(args.store)
        ));
    }
    if given("crashes") && !args.store.is_durable() {
        return Some(format!(
            "--crashes needs a durable store (--store durable or broken-durable-lying-sync): \
             only those are crashed and recovered, and --store {} is not",
            store_name(args.store)
        ));
    }
    if args.capacity.is_some() && !args.store.is_cache() {
        return Some(format!(
            "--capacity applies to a bounded store (--store cache, evicting-model or \
             broken-resurrecting-cache), and --store {} keeps every entry",
            store_name(args.store)
        ));
    }
    None
}

/// Runs `cowtrie check` with `args`, which clap parsed into `matches` (which tell the
/// flags given from those at their defaults).
pub(crate) fn run(args: &Args, matches: &ArgMatches) -> ExitCode {
    let given = |id: &str| {
        matches
            .value_source(id)
            .is_some_and(|source| source != ValueSource::DefaultValue)
    };
    if let Some(why) = conflict(args, &given) {
        eprintln!("error: {why}");
        return Status::BadInput.into();
    }
    if let Some(model) = args.model {
        let settings = crate::history::Settings {
            model,
            format: args.format,
            budget: args.budget(),
            svg: args.svg.as_deref(),
            html: args.html.as_deref(),
        };
        return crate::history::run(&args.history, &settings);
    }
    let stop = match (args.ops, args.seconds) {
        (Some(ops), _) => Stop::Ops(ops),
        (None, seconds) => {
            let seconds = seconds.unwrap_or(4.0);
            if !(seconds.is_finite() && seconds > 0.0) {
                eprintln!("error: --seconds must be a positive number, got {seconds}");
                return Status::BadInput.into();
            }
            Stop::Time(Duration::from_secs_f64(seconds))
        }
    };
    let bounded = args.store.is_cache();
    if args.store.is_durable() {
        return crate::check_durable::run(&crate::check_durable::Settings {
            threads: usize::from(args.threads),
            keys: args.keys.unwrap_or(1_000) as usize,
            stop,
            mix: args.mix,
            seed: args.seed,
            crashes: args.crashes,
            budget: args.budget(),
            lying_sync: args.store == StoreKind::BrokenDurableLyingSync,
        });
    }
    let capacity = args.capacity.unwrap_or(DEFAULT_CAPACITY);
    let keys = args.keys.unwrap_or(if bounded { 64 } else { 1_000 });
    let workload = Workload {
        threads: usize::from(args.threads),
        keys: keys as usize,
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
    if bounded {
        say!("capacity {capacity} entries; judged against the cache model");
    }
    let store = args.store.build_with_capacity(capacity, args.seed);
    let run = run_with_progress(&*store, &workload);
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
    if bounded {
        let gets = run
            .history
            .events()
            .iter()
            .filter(|e| matches!(e.op, Op::Get { .. }));
        let (hits, all) = gets.fold((0, 0), |(hits, all), e| {
            let hit = matches!(e.result, Some(Ret::Value(Some(_))));
            (hits + usize::from(hit), all + 1)
        });
        say!("gets: {hits} hits of {all}");
    }

    let spinner = ProgressBar::new_spinner().with_message("checking linearizability");
    spinner.enable_steady_tick(Duration::from_millis(100));
    let budget = args.budget();
    if bounded {
        let report = check_with(&CacheSpec, &run.history, budget);
        spinner.finish_and_clear();
        return judge(report, args, &workload, &run, secs);
    }
    let report = check(&run.history, budget);
    spinner.finish_and_clear();
    judge(report, args, &workload, &run, secs)
}

/// Prints the verdict of a check of a run (against the store's or the cache's model).
fn judge<S: Spec<Op = Op, Ret = Ret, Key = Vec<u8>> + Default>(
    report: CheckReport<S>,
    args: &Args,
    workload: &Workload,
    run: &Run,
    secs: f64,
) -> ExitCode {
    let spec = S::default();
    say!(
        "checked {} operations over {} keys in {:.2} s ({} search steps)",
        report.operations,
        report.partitions,
        report.elapsed.as_secs_f64(),
        report.steps
    );
    if let Some(path) = &args.html {
        let facts = [
            ("store".to_string(), store_name(args.store)),
            ("keys drawn from".to_string(), workload.keys.to_string()),
            ("mix".to_string(), workload.mix.to_string()),
            ("seed".to_string(), workload.seed.to_string()),
            ("run time".to_string(), format!("{secs:.2} s")),
        ];
        let title = format!("cowtrie check --store {}", store_name(args.store));
        let page = html_report(
            &spec,
            &run.history,
            &report,
            Values::Workload,
            &title,
            &facts,
        );
        crate::write_out(path, &page, "report");
    }
    match report.verdict {
        Verdict::Linearizable => {
            say!("verdict: linearizable");
            Status::Ok.into()
        }
        Verdict::Violation(violation) => {
            say!(
                "verdict: NOT linearizable on key b\"{}\"",
                violation.key.escape_ascii()
            );
            say!(
                "{}",
                violation_text(&spec, &run.history, &violation, Values::Workload).trim_end()
            );
            if let Some(path) = &args.svg {
                let svg = timeline_svg_in(&violation, &run.history);
                crate::write_out(path, &svg, "timeline");
            }
            Status::Violation.into()
        }
        Verdict::Unknown { key, reason } => {
            say!(
                "verdict: unknown (key b\"{}\": {reason})",
                key.escape_ascii()
            );
            Status::Unknown.into()
        }
    }
}

/// The store's name as `--store` spells it.
fn store_name(store: StoreKind) -> String {
    use clap::ValueEnum as _;
    store
        .to_possible_value()
        .map_or_else(|| format!("{store:?}"), |v| v.get_name().to_string())
}

/// Runs the workload while a progress bar follows it.
fn run_with_progress(store: &dyn cowtrie_model::KvStore, workload: &Workload) -> Run {
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
        let runner = s.spawn(|| workload.run(store, &done));
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
