//! `cowtrie check --history FILE --model register|kv`: a history recorded by another
//! tool (Jepsen, Knossos, Porcupine), read and judged against one of the model crate's
//! specs.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use cowtrie_model::read::{read_history, Format, FromRecord};
use cowtrie_model::report::{html_report, violation_text, Values};
use cowtrie_model::{check_with, timeline_svg_in, Budget, History, KeyValue, Register, Verdict};

use cowtrie_cli::exit::Status;

/// The models a history can be checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ModelKind {
    /// One compare-and-set register (read, write, cas [from to]), initially nil.
    Register,
    /// String keys: get, put, append; a missing key reads as "".
    Kv,
}

/// The formats of a history file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FormatArg {
    /// EDN if the file starts with a map, vector or list; a Jepsen log otherwise.
    Auto,
    /// EDN operation maps.
    Edn,
    /// Jepsen log lines (`INFO  jepsen.util - 3 :ok :read 2`).
    JepsenLog,
}

/// Checks the history in `file`.
pub(crate) fn run(
    file: &Path,
    model: ModelKind,
    format: FormatArg,
    budget: Budget,
    svg: Option<&Path>,
    html: Option<&Path>,
) -> ExitCode {
    let format = match format {
        FormatArg::Auto => Format::Auto,
        FormatArg::Edn => Format::Edn,
        FormatArg::JepsenLog => Format::JepsenLog,
    };
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("{}: cannot read: {e}", file.display());
            return Status::BadInput.into();
        }
    };
    // Other tools' histories can be long and contended: no step limit, only time and
    // memory.
    let budget = Budget {
        steps_per_op: u64::MAX,
        ..budget
    };
    match model {
        ModelKind::Register => judge(&Register, file, &bytes, format, budget, (svg, html)),
        ModelKind::Kv => judge(&KeyValue, file, &bytes, format, budget, (svg, html)),
    }
}

fn judge<S: FromRecord + Default>(
    spec: &S,
    file: &Path,
    bytes: &[u8],
    format: Format,
    budget: Budget,
    (svg, html): (Option<&Path>, Option<&Path>),
) -> ExitCode {
    let start = Instant::now();
    let history: History<S::Op, S::Ret> = match read_history(spec, bytes, format) {
        Ok(history) => history,
        Err(e) => {
            eprintln!("{}:{e}", file.display());
            return Status::BadInput.into();
        }
    };
    let read = start.elapsed();
    let report = check_with(spec, &history, budget);
    let open = history.events().iter().filter(|e| e.is_open()).count();
    say!(
        "{}: {} operations ({open} never returned) over {} partition(s); read in {:.2} ms, \
         checked in {:.2} ms ({} search steps)",
        file.display(),
        report.operations,
        report.partitions,
        read.as_secs_f64() * 1e3,
        report.elapsed.as_secs_f64() * 1e3,
        report.steps
    );
    if let Some(path) = html {
        let title = format!("cowtrie check --history {}", file.display());
        let page = html_report(spec, &history, &report, Values::Plain, &title, &[]);
        match std::fs::write(path, page) {
            Ok(()) => say!("report written to {}", path.display()),
            Err(e) => eprintln!("error: cannot write {}: {e}", path.display()),
        }
    }
    match report.verdict {
        Verdict::Linearizable => {
            say!("verdict: linearizable");
            Status::Ok.into()
        }
        Verdict::Violation(violation) => {
            say!(
                "verdict: NOT linearizable ({})",
                format!("{} {}", spec.subject(), spec.show_key(&violation.key)).trim_end()
            );
            say!(
                "{}",
                violation_text(spec, &history, &violation, Values::Plain).trim_end()
            );
            if let Some(path) = svg {
                match std::fs::write(path, timeline_svg_in(&violation, &history)) {
                    Ok(()) => say!("timeline written to {}", path.display()),
                    Err(e) => eprintln!("error: cannot write {}: {e}", path.display()),
                }
            }
            Status::Violation.into()
        }
        Verdict::Unknown { reason, .. } => {
            say!("verdict: unknown ({reason})");
            Status::Unknown.into()
        }
    }
}
