//! `cowtrie check --history PATH... --model register|kv`: histories recorded by another
//! tool (Jepsen, Knossos, Porcupine), read and judged against one of the model crate's
//! specs.
//!
//! Each PATH is a file or a directory. A directory stands for the files under it,
//! subdirectories included, in name order; links to directories inside it are not
//! followed (a loop of links cannot trap the walk), links to files are. A directory with
//! no files is reported as unreadable.
//!
//! One file (named as a file, not through a directory) gets the full report: the
//! explanation of a violation, and `--svg`/`--html` if asked. Anything else gets one line
//! per file, then a summary line; a file that cannot be read or parsed gets its line and
//! the others are still checked. The exit status is the worst over the files, in the
//! order of [`Status::worst`]: bad input, not linearizable, unknown, linearizable.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use cowtrie_cli::exit::Status;
use cowtrie_model::read::{read_history, Format, FromRecord, ReadError};
use cowtrie_model::report::{html_report, violation_text, Values};
use cowtrie_model::{
    check_with, timeline_svg_in, Budget, CheckReport, History, KeyValue, Register, Verdict,
};

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

/// What `cowtrie check --history` hands over.
pub(crate) struct Settings<'a> {
    pub model: ModelKind,
    pub format: FormatArg,
    /// The budget for each file.
    pub budget: Budget,
    /// With one file: where to draw a violation's timeline.
    pub svg: Option<&'a Path>,
    /// With one file: where to write the HTML report.
    pub html: Option<&'a Path>,
}

/// Whether `paths` get the full report of one file (rather than a line per file).
pub(crate) fn is_one_file(paths: &[PathBuf]) -> bool {
    matches!(paths, [path] if !path.is_dir())
}

/// Checks the histories in `paths` (files and directories).
pub(crate) fn run(paths: &[PathBuf], settings: &Settings<'_>) -> ExitCode {
    let budget = Budget {
        // Other tools' histories can be long and contended: no step limit, only time and
        // memory.
        steps_per_op: u64::MAX,
        ..settings.budget
    };
    let format = match settings.format {
        FormatArg::Auto => Format::Auto,
        FormatArg::Edn => Format::Edn,
        FormatArg::JepsenLog => Format::JepsenLog,
    };
    if let [file] = paths {
        if is_one_file(paths) {
            let out = (settings.svg, settings.html);
            return match settings.model {
                ModelKind::Register => judge(&Register, file, format, budget, out),
                ModelKind::Kv => judge(&KeyValue, file, format, budget, out),
            };
        }
    }
    let start = Instant::now();
    let mut tally = Tally::default();
    for entry in files(paths) {
        let (file, line) = match entry {
            Entry::File(file) => {
                let line = match settings.model {
                    ModelKind::Register => verdict_line(&Register, &file, format, budget),
                    ModelKind::Kv => verdict_line(&KeyValue, &file, format, budget),
                };
                (file, line)
            }
            Entry::Unreadable(path, why) => {
                (path, (Status::BadInput, format!("unreadable ({why})")))
            }
        };
        tally.add(line.0);
        say!("{}: {}", file.display(), line.1);
    }
    say!(
        "summary: {} file{}, {} linearizable, {} not linearizable, {} unknown, {} unreadable, \
         in {:.2} ms",
        tally.files(),
        if tally.files() == 1 { "" } else { "s" },
        tally.linearizable,
        tally.not,
        tally.unknown,
        tally.unreadable,
        start.elapsed().as_secs_f64() * 1e3
    );
    tally.worst.into()
}

/// How many files ended how, and the worst of them.
#[derive(Default)]
struct Tally {
    linearizable: usize,
    not: usize,
    unknown: usize,
    unreadable: usize,
    worst: Status,
}

impl Tally {
    fn add(&mut self, status: Status) {
        *match status {
            Status::Ok => &mut self.linearizable,
            Status::Violation => &mut self.not,
            Status::Unknown => &mut self.unknown,
            Status::BadInput => &mut self.unreadable,
        } += 1;
        self.worst = self.worst.worst(status);
    }

    fn files(&self) -> usize {
        self.linearizable + self.not + self.unknown + self.unreadable
    }
}

/// A file to check, or a path that yields none, and why.
enum Entry {
    File(PathBuf),
    Unreadable(PathBuf, String),
}

/// The files `paths` stand for, in the order given (a directory's in name order).
fn files(paths: &[PathBuf]) -> Vec<Entry> {
    let mut entries = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = entries.len();
            walk(path, &mut entries);
            if entries.len() == before {
                entries.push(Entry::Unreadable(path.clone(), "holds no files".into()));
            }
        } else {
            entries.push(Entry::File(path.clone()));
        }
    }
    entries
}

/// Appends the files under `dir` (see the module doc), sorted by name at each level.
fn walk(dir: &Path, entries: &mut Vec<Entry>) {
    let listed = std::fs::read_dir(dir).and_then(|list| {
        list.map(|e| e.and_then(|e| Ok((e.path(), e.file_type()?))))
            .collect::<std::io::Result<Vec<_>>>()
    });
    let mut listed = match listed {
        Ok(listed) => listed,
        Err(e) => {
            let why = format!("cannot read the directory: {e}");
            entries.push(Entry::Unreadable(dir.to_path_buf(), why));
            return;
        }
    };
    listed.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in listed {
        if kind.is_dir() {
            walk(&path, entries);
        } else if kind.is_symlink() && path.is_dir() {
            // Not followed.
        } else {
            entries.push(Entry::File(path));
        }
    }
}

/// Why a file was not checked.
enum BadFile {
    /// It could not be read.
    Io(std::io::Error),
    /// It is not a history in the format asked for.
    Parse(ReadError),
}

impl BadFile {
    /// The error with the file's name: `FILE: cannot read: ...`, `FILE:LINE:COLUMN: ...`.
    fn at(&self, file: &Path) -> String {
        match self {
            Self::Io(e) => format!("{}: cannot read: {e}", file.display()),
            Self::Parse(e) => format!("{}:{e}", file.display()),
        }
    }

    /// The error after the file's name and `unreadable`, in a line per file.
    fn words(&self) -> String {
        match self {
            Self::Io(e) => format!("cannot read: {e}"),
            Self::Parse(e) => format!(
                "line {}, column {}: expected {}",
                e.line, e.column, e.expected
            ),
        }
    }
}

/// A history read from `file` and its check (and how long the reading took).
#[allow(clippy::type_complexity, reason = "a private helper's one result")]
fn read_and_check<S: FromRecord>(
    spec: &S,
    file: &Path,
    format: Format,
    budget: Budget,
) -> Result<(History<S::Op, S::Ret>, CheckReport<S>, Duration), BadFile> {
    let start = Instant::now();
    let bytes = std::fs::read(file).map_err(BadFile::Io)?;
    let history = read_history(spec, &bytes, format).map_err(BadFile::Parse)?;
    let read = start.elapsed();
    let report = check_with(spec, &history, budget);
    Ok((history, report, read))
}

/// One file's line among several: its status, and the words after `FILE: `.
fn verdict_line<S: FromRecord>(
    spec: &S,
    file: &Path,
    format: Format,
    budget: Budget,
) -> (Status, String) {
    let start = Instant::now();
    let (_, report, _) = match read_and_check(spec, file, format, budget) {
        Ok(checked) => checked,
        Err(bad) => return (Status::BadInput, format!("unreadable ({})", bad.words())),
    };
    let (status, verdict) = match &report.verdict {
        Verdict::Linearizable => (Status::Ok, "linearizable".to_string()),
        Verdict::Violation(violation) => {
            let key = format!("{} {}", spec.subject(), spec.show_key(&violation.key));
            let verdict = format!("NOT linearizable ({})", key.trim_end());
            (Status::Violation, verdict)
        }
        Verdict::Unknown { reason, .. } => (Status::Unknown, format!("unknown ({reason})")),
    };
    let line = format!(
        "{verdict}; {} operations, {} partition(s); search {:.2} ms, total {:.2} ms",
        report.operations,
        report.partitions,
        report.search_time.as_secs_f64() * 1e3,
        start.elapsed().as_secs_f64() * 1e3
    );
    (status, line)
}

/// The full report on one file: the verdict, a violation's explanation, and the timeline
/// and HTML page if asked.
fn judge<S: FromRecord + Default>(
    spec: &S,
    file: &Path,
    format: Format,
    budget: Budget,
    (svg, html): (Option<&Path>, Option<&Path>),
) -> ExitCode {
    let (history, report, read) = match read_and_check(spec, file, format, budget) {
        Ok(checked) => checked,
        Err(bad) => {
            eprintln!("{}", bad.at(file));
            return Status::BadInput.into();
        }
    };
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
        crate::write_out(path, &page, "report");
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
                crate::write_out(path, &timeline_svg_in(&violation, &history), "timeline");
            }
            Status::Violation.into()
        }
        Verdict::Unknown { reason, .. } => {
            say!("verdict: unknown ({reason})");
            Status::Unknown.into()
        }
    }
}
