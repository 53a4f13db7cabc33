//! The checker beside Porcupine, on the same files in the same run.
//!
//! ```text
//! cargo bench -p cowtrie-benches --bench histories [-- FILE...]
//! ```
//!
//! With no FILE: every Jepsen etcd log and Porcupine kv log under `../shared/histories`
//! (or `COWTRIE_HISTORIES`), else the committed copies in `model/tests/histories`. `.log`
//! files are judged as one compare-and-set register, `.txt` files as Porcupine's
//! key-value model, `.edn` files as a register. Each file is read once; the check runs
//! three times and the best time counts, as Porcupine's timer does (parsing excluded on
//! both sides). Then `../shared/peers/porcupine-time.sh` runs Porcupine on the same
//! files (it needs Go), and a table gives both times, the ratio (cowtrie / Porcupine:
//! below 1 means cowtrie is faster) and whether the verdicts agree. cowtrie's "search"
//! time ends at the verdict; "with explanation" adds narrowing a violation to a window
//! and explaining it, which Porcupine does not do.
#![allow(missing_docs, reason = "a bench binary")]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cowtrie_model::read::{read_history, Format, FromRecord};
use cowtrie_model::{check_with, Budget, KeyValue, Register};

struct Timed {
    file: PathBuf,
    operations: usize,
    verdict: &'static str,
    search: Duration,
    total: Duration,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn default_files() -> Vec<PathBuf> {
    let shared = std::env::var_os("COWTRIE_HISTORIES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/histories"));
    let dir = if shared.join("jepsen-etcd").is_dir() {
        shared
    } else {
        eprintln!(
            "no histories at {}; using the committed copies",
            shared.display()
        );
        repo().join("model/tests/histories")
    };
    let mut files = Vec::new();
    for (sub, ext) in [("jepsen-etcd", "log"), ("porcupine-kv", "txt")] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        files.extend(
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == ext)),
        );
    }
    files.sort();
    files
}

fn time<S: FromRecord>(spec: &S, file: &Path) -> Timed {
    let fail = |e: &dyn std::fmt::Display| -> ! {
        eprintln!("{}:{e}", file.display());
        std::process::exit(2)
    };
    let bytes = std::fs::read(file).unwrap_or_else(|e| fail(&format!(" {e}")));
    let history = read_history(spec, &bytes, Format::Auto).unwrap_or_else(|e| fail(&e));
    let budget = Budget {
        steps_per_op: u64::MAX,
        time: Duration::from_secs(120),
        ..Budget::default()
    };
    let mut best: Option<Timed> = None;
    for _ in 0..3 {
        let report = check_with(spec, &history, budget);
        let verdict = report.verdict.name();
        let timed = Timed {
            file: file.to_path_buf(),
            operations: report.operations,
            verdict,
            search: report.search_time,
            total: report.elapsed,
        };
        if best.as_ref().is_none_or(|b| timed.search < b.search) {
            best = Some(timed);
        }
    }
    best.expect("three runs")
}

/// Porcupine's time (ms) and verdict per file, from the shared script; empty when it
/// cannot run.
fn porcupine(files: &[PathBuf]) -> HashMap<PathBuf, (f64, String)> {
    let script = repo().join("../shared/peers/porcupine-time.sh");
    if !script.exists() {
        eprintln!("no {}: Porcupine not timed", script.display());
        return HashMap::new();
    }
    let output = match Command::new("bash").arg(&script).args(files).output() {
        Ok(output) if output.status.success() => output,
        Ok(output) => {
            eprintln!(
                "porcupine-time.sh failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            return HashMap::new();
        }
        Err(e) => {
            eprintln!("cannot run porcupine-time.sh: {e}");
            return HashMap::new();
        }
    };
    let mut times = HashMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if let ["porcupine", file, ms, verdict] = fields[..] {
            let ms = ms.trim_start_matches("ms=").parse::<f64>();
            if let (Ok(ms), Ok(path)) = (ms, Path::new(file).canonicalize()) {
                times.insert(path, (ms, verdict.trim_start_matches("verdict=").into()));
            }
        }
    }
    times
}

fn main() {
    let args: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let files = if args.is_empty() {
        default_files()
    } else {
        args
    };
    // cargo runs a bench in its package's folder: a relative FILE is taken from the
    // folder the command was typed in (the shell's PWD).
    let typed_in = std::env::var_os("PWD").map(PathBuf::from);
    let files: Vec<PathBuf> = files
        .into_iter()
        .map(|f| {
            let f = match &typed_in {
                Some(dir) if f.is_relative() => dir.join(f),
                _ => f,
            };
            f.canonicalize().unwrap_or_else(|e| {
                eprintln!("{}: {e}", f.display());
                std::process::exit(2)
            })
        })
        .collect();
    let time_file = |f: &PathBuf| match f.extension().and_then(|e| e.to_str()) {
        Some("txt") => time(&KeyValue, f),
        _ => time(&Register, f),
    };
    // Warm the thread pool, as Porcupine's timer runs after its own warm-up.
    if let Some(first) = files.first() {
        let _ = time_file(first);
    }
    let ours: Vec<Timed> = files.iter().map(time_file).collect();
    let theirs = porcupine(&files);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{:<28} {:>6} {:>13} {:>10} {:>10} {:>11} {:>7}  agree",
        "file", "ops", "verdict", "search ms", "+explain", "porcupine", "ratio"
    );
    let (mut sum_ours, mut sum_total, mut sum_theirs, mut worst) = (0.0, 0.0, 0.0, 0.0f64);
    let mut disagreements = 0;
    for t in &ours {
        let name = t.file.file_name().map_or_else(
            || t.file.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        let (p_ms, p_verdict) = theirs
            .get(&t.file)
            .map_or((f64::NAN, "-"), |(ms, v)| (*ms, v.as_str()));
        let ratio = ms(t.search) / p_ms;
        let agree = p_verdict == "-" || p_verdict == t.verdict;
        disagreements += usize::from(!agree);
        if p_ms.is_finite() {
            sum_theirs += p_ms;
            worst = worst.max(ratio);
        }
        sum_ours += ms(t.search);
        sum_total += ms(t.total);
        println!(
            "{name:<28} {:>6} {:>13} {:>10.3} {:>10.3} {:>11.3} {:>7.2}  {}",
            t.operations,
            t.verdict,
            ms(t.search),
            ms(t.total),
            p_ms,
            ratio,
            if agree { "yes" } else { "NO" }
        );
    }
    println!(
        "total: {} files; cowtrie search {sum_ours:.1} ms ({sum_total:.1} ms with \
         explanations), Porcupine {sum_theirs:.1} ms; ratio of totals {:.2}, worst file \
         {worst:.2}; verdicts that disagree: {disagreements}",
        ours.len(),
        sum_ours / sum_theirs
    );
}
