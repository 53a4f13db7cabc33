//! Reports of a check for people: a plain-text account of a violation, and a
//! self-contained HTML page of a whole run.
//!
//! Both say the same things, in the same order, from a [`CheckReport`] and the
//! [`History`] it judged:
//!
//! 1. **Why**: the checker's explanation, one clause per line.
//! 2. **Context**: earlier operations on the key that the explanation cites. They are
//!    outside the window and always labelled as such, never mixed into it.
//! 3. **Window**: the operations on the key, by call, that no order can explain from any
//!    state the key could hold when the window opens; the culprit is marked.
//! 4. **Elsewhere**: when the model finds a write of the key *erased* ([`Spec::erased`]),
//!    the writes to other keys that overlapped it: the check judges each key alone, so
//!    the write that erased it, if it was lost, is among these.
//! 5. **Values**: for a recorded workload, where each value in the report came from
//!    (`thread << 40 | n` decoded as "thread 3, op #421", see
//!    [`Workload::value`](crate::workload::Workload::value)).
//!
//! Invariants: every operation shown is an event of the history, shown once; context and
//! window never share an operation; nothing in a report depends on anything but the
//! history and the verdict (the same run gives the same report).

mod html;
mod states;
mod text;

pub use html::html_report;
pub use text::violation_text;

use crate::spec::SpecEvent;
use crate::workload::Workload;
use crate::{CheckReport, History, Spec, Violation};

/// An SVG document `width` by `height` pixels around `body` (SVG elements), on a white
/// background, in the 12-pixel monospace type the timeline is drawn in: the frame of
/// the timeline and of the pictures `cowtrie draw` makes, so that they look alike.
///
/// ```
/// let svg = cowtrie_model::report::svg_document(40.0, 20.0, "<circle r=\"5\"/>\n");
/// assert!(svg.starts_with("<svg "));
/// assert!(svg.contains("width=\"40\" height=\"20\""));
/// assert!(svg.trim_end().ends_with("<circle r=\"5\"/>\n</svg>"));
/// ```
pub fn svg_document(width: f64, height: f64, body: &str) -> String {
    let (w, h) = (width, height);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" \
         viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"monospace\" font-size=\"12\">\n\
         <rect x=\"0\" y=\"0\" width=\"{w:.0}\" height=\"{h:.0}\" fill=\"white\"/>\n{body}</svg>\n"
    )
}

/// At most this many writes on other keys are listed.
const MAX_ELSEWHERE: usize = 12;

/// How a report names the values it shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Values {
    /// As they are (a hand-written history, a file).
    Plain,
    /// As a recorded [`Workload`] writes them: each decoded to the thread and operation
    /// that wrote it.
    Workload,
}

/// An erased write, the writes on other keys that overlapped it (the first few), and how
/// many of those there were.
pub type Elsewhere<'h, S> = (&'h SpecEvent<S>, Vec<&'h SpecEvent<S>>, usize);

/// The write of the violation's key that its model finds erased ([`Spec::erased`]), and
/// the writes on other keys that overlapped it (at most 12, by call), with how many
/// there were in all.
pub fn erased_elsewhere<'h, S: Spec>(
    spec: &S,
    history: &'h History<S::Op, S::Ret>,
    violation: &Violation<S>,
) -> Option<Elsewhere<'h, S>> {
    let all: Vec<&SpecEvent<S>> = history
        .events()
        .iter()
        .filter(|e| spec.key(&e.op) == violation.key)
        .collect();
    let culprit = all.iter().copied().find(|e| **e == violation.culprit)?;
    let erased = *all.get(spec.erased(culprit, &all)?)?;
    let overlapping: Vec<&SpecEvent<S>> = history
        .events()
        .iter()
        .filter(|e| {
            spec.key(&e.op) != violation.key
                && spec.writes(&e.op)
                && e.call <= erased.ret
                && e.ret >= erased.call
        })
        .collect();
    let count = overlapping.len();
    Some((
        erased,
        overlapping.into_iter().take(MAX_ELSEWHERE).collect(),
        count,
    ))
}

/// Where `value` came from, in words, if `values` says how: `thread 3, op #421`.
pub fn value_origin(values: Values, value: u64) -> Option<String> {
    match values {
        Values::Plain => None,
        Values::Workload => {
            Workload::value_origin(value).map(|(thread, n)| format!("thread {thread}, op #{n}"))
        }
    }
}

/// The distinct values the violation's start states and the events carry, in order of
/// first appearance, with where each came from (only those `values` can name).
fn legend<'a, S: Spec + 'a>(
    spec: &S,
    values: Values,
    violation: &Violation<S>,
    events: impl IntoIterator<Item = &'a SpecEvent<S>>,
) -> Vec<(u64, String)> {
    let mut seen = Vec::new();
    let starts = violation
        .start_states
        .iter()
        .flat_map(|s| spec.state_numbers(s));
    for n in starts.chain(events.into_iter().flat_map(|e| spec.numbers(e))) {
        if !seen.iter().any(|(v, _)| *v == n) {
            if let Some(origin) = value_origin(values, n) {
                seen.push((n, origin));
            }
        }
    }
    seen
}

/// The per-key figures of a run, for the HTML page: key, operations, reads, writes,
/// operations that never returned; sorted by key.
fn key_stats<S: Spec>(spec: &S, history: &History<S::Op, S::Ret>) -> Vec<KeyStats<S>> {
    let mut stats: std::collections::BTreeMap<S::Key, KeyStats<S>> = Default::default();
    for e in history.events() {
        let key = spec.key(&e.op);
        let entry = stats.entry(key.clone()).or_insert_with(|| KeyStats {
            key,
            operations: 0,
            writes: 0,
            open: 0,
        });
        entry.operations += 1;
        entry.writes += usize::from(spec.writes(&e.op));
        entry.open += usize::from(e.is_open());
    }
    stats.into_values().collect()
}

/// One key's figures.
struct KeyStats<S: Spec> {
    key: S::Key,
    operations: usize,
    writes: usize,
    open: usize,
}

/// The report's verdict in a few words.
fn verdict_words<S: Spec>(spec: &S, report: &CheckReport<S>) -> String {
    match &report.verdict {
        crate::Verdict::Linearizable => "linearizable".to_string(),
        crate::Verdict::Violation(v) => format!("NOT linearizable ({})", naming(spec, &v.key)),
        crate::Verdict::Unknown { key, reason } => {
            format!("unknown ({}: {reason})", naming(spec, key))
        }
    }
}

/// A partition in words: `key b"k0"`, `register`.
fn naming<S: Spec>(spec: &S, key: &S::Key) -> String {
    format!("{} {}", spec.subject(), spec.show_key(key))
        .trim_end()
        .to_string()
}
