//! The HTML page of a run: one self-contained file (styles, script and data inline, no
//! external resource), readable without a network.
//!
//! The page embeds the report's data as JSON in `<script type="application/json"
//! id="report-data">`; the script draws the violation's timeline from it, so a test can
//! compare what is drawn with the data. Every timeline bar carries `data-id` (the event's
//! index in the data), `data-thread`, `data-call` and `data-ret`.

use std::fmt::Write;

use super::states::window_states;
use super::{erased_elsewhere, key_stats, legend, naming, verdict_words, Values};
use crate::spec::SpecEvent;
use crate::{CheckReport, History, Spec, Verdict, NEVER};

const STYLE: &str = include_str!("assets/report.css");
const SCRIPT: &str = include_str!("assets/report.js");

/// Per-key rows shown at most (the violating key always comes first).
const MAX_KEY_ROWS: usize = 500;

/// The page for `report`, a check of `history` against `spec`. `title` heads it (say,
/// the command that ran); `facts` are extra summary rows (label, value), such as the
/// workload's parameters.
pub fn html_report<S: Spec>(
    spec: &S,
    history: &History<S::Op, S::Ret>,
    report: &CheckReport<S>,
    values: Values,
    title: &str,
    facts: &[(String, String)],
) -> String {
    let verdict = verdict_words(spec, report);
    let class = match report.verdict {
        Verdict::Linearizable => "ok",
        Verdict::Violation(_) => "bad",
        Verdict::Unknown { .. } => "unknown",
    };
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<header><h1>{}</h1><p class=\"verdict {class}\" id=\"verdict\">verdict: {}</p></header>",
        esc(title),
        esc(&verdict)
    );
    // The summary.
    let threads = {
        let mut t: Vec<usize> = history.events().iter().map(|e| e.thread).collect();
        t.sort_unstable();
        t.dedup();
        t.len()
    };
    let mut rows: Vec<(String, String)> = facts.to_vec();
    rows.extend([
        ("operations".into(), report.operations.to_string()),
        (
            format!("{}s", spec.subject()),
            report.partitions.to_string(),
        ),
        (
            if history.is_from_file() {
                "processes"
            } else {
                "threads"
            }
            .into(),
            threads.to_string(),
        ),
        (
            "never returned".into(),
            history
                .events()
                .iter()
                .filter(|e| e.is_open())
                .count()
                .to_string(),
        ),
        ("search steps".into(), report.steps.to_string()),
        (
            "check time".into(),
            format!("{:.3} s", report.elapsed.as_secs_f64()),
        ),
    ]);
    body.push_str("<section id=\"summary\"><h2>Summary</h2><table>");
    for (label, value) in &rows {
        let _ = write!(
            body,
            "<tr><th>{}</th><td>{}</td></tr>",
            esc(label),
            esc(value)
        );
    }
    body.push_str("</table></section>\n");
    if let Verdict::Violation(v) = &report.verdict {
        body.push_str(&violation_section(spec, history, v, values));
    }
    body.push_str(&stats_section(spec, history, report));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{}</title><style>{STYLE}</style></head>\n<body>\n{body}\
         <script>{SCRIPT}</script>\n</body></html>\n",
        esc(title)
    )
}

/// The violation: its explanation and the data of the timeline the script draws.
fn violation_section<S: Spec>(
    spec: &S,
    history: &History<S::Op, S::Ret>,
    v: &crate::Violation<S>,
    values: Values,
) -> String {
    let mut out = String::from("<section id=\"violation\"><h2>Why it is not linearizable</h2>");
    out.push_str("<ol id=\"why\">");
    for clause in v.explanation.split("; ") {
        let _ = write!(out, "<li>{}</li>", esc(clause));
    }
    out.push_str("</ol>");
    let _ = write!(
        out,
        "<h2>Timeline</h2><p class=\"hint\">Time runs left to right in event order: each \
         column is one call or return, so short and long operations are equally readable. \
         Hover an operation of the window to see the states the {} may hold before and after \
         it; click to pin it (click again or press Escape to unpin).</p>\
         <div id=\"legend\"></div><div id=\"timeline-wrap\"><svg id=\"timeline\"></svg>\
         </div><div id=\"details\" class=\"empty\">Hover or click an operation.</div>",
        spec.subject()
    );
    let states = window_states(spec, v);
    let show = |set: &std::collections::BTreeSet<S::State>| -> String {
        if set.is_empty() {
            "[]".into()
        } else {
            json_list(set.iter().map(|s| spec.show_state(s)))
        }
    };
    // How the axis names a tick: its number, or the file line it came from.
    let at = |tick: u64| history.line(tick).map_or(tick, |l| l as u64).to_string();
    let mut events = Vec::new();
    let mut push = |e: &SpecEvent<S>, role: &str, around: Option<(String, String)>, other: bool| {
        let (before, after) = around.unwrap_or(("null".into(), "null".into()));
        events.push(format!(
            "{{\"thread\":{},\"call\":{},\"ret\":{},\"span\":{},\"op\":{},\"result\":{},\
             \"role\":\"{role}\",\"key\":{},\"before\":{before},\"after\":{after},\
             \"at\":[{},{}]}}",
            e.thread,
            e.call,
            if e.ret == NEVER {
                "null".to_string()
            } else {
                e.ret.to_string()
            },
            json_str(&history.span(e)),
            json_str(&e.op.to_string()),
            json_str(&e.result_text()),
            if other {
                json_str(&spec.show_key(&spec.key(&e.op)))
            } else {
                "null".into()
            },
            at(e.call),
            at(e.ret)
        ));
    };
    for e in &v.context {
        push(e, "context", None, false);
    }
    for (i, e) in v.window.iter().enumerate() {
        let role = if *e == v.culprit { "culprit" } else { "window" };
        let around = states
            .as_ref()
            .and_then(|s| s.get(i))
            .map(|(b, a)| (show(b), show(a)));
        push(e, role, around, false);
    }
    let elsewhere = erased_elsewhere(spec, history, v);
    let mut note = String::from("null");
    if let Some((erased, _, 0)) = &elsewhere {
        note = json_str(&format!(
            "No write to another key overlapped {} ({}).",
            erased.op,
            history.span(erased)
        ));
    } else if let Some((erased, others, count)) = &elsewhere {
        note = json_str(&format!(
            "{count} write(s) to other keys overlapped {} ({}); the check judges each key \
             alone, so if it was lost, the write that erased it is one of these{}.",
            erased.op,
            history.span(erased),
            if others.len() < *count {
                format!(" (the first {} are drawn)", others.len())
            } else {
                String::new()
            }
        ));
        for e in others {
            push(e, "elsewhere", None, true);
        }
    }
    let shown = v
        .context
        .iter()
        .chain(&v.window)
        .chain(elsewhere.iter().flat_map(|(_, o, _)| o.iter().copied()));
    let origins: Vec<String> = legend(spec, values, v, shown)
        .into_iter()
        .map(|(value, origin)| format!("[{},{}]", json_str(&value.to_string()), json_str(&origin)))
        .collect();
    let data = format!(
        "{{\"key\":{},\"subject\":{},\"who\":\"{}\",\"unit\":\"{}\",\"start\":{},\
         \"events\":[{}],\"elsewhere\":{note},\"values\":[{}]}}",
        json_str(&naming(spec, &v.key)),
        json_str(spec.subject()),
        if history.is_from_file() {
            "process"
        } else {
            "thread"
        },
        if history.is_from_file() {
            "lines of the file"
        } else {
            "ticks"
        },
        json_list(v.start_states.iter().map(|s| spec.show_state(s))),
        events.join(","),
        origins.join(",")
    );
    let _ = writeln!(
        out,
        "<div id=\"values\"></div><script type=\"application/json\" id=\"report-data\">{}\
         </script></section>",
        data.replace('<', "\\u003c")
    );
    out
}

/// The per-key figures, the violating key first.
fn stats_section<S: Spec>(
    spec: &S,
    history: &History<S::Op, S::Ret>,
    report: &CheckReport<S>,
) -> String {
    let bad = match &report.verdict {
        Verdict::Violation(v) => Some(v.key.clone()),
        Verdict::Unknown { key, .. } => Some(key.clone()),
        Verdict::Linearizable => None,
    };
    let mut stats = key_stats(spec, history);
    stats.sort_by_key(|s| {
        (
            Some(&s.key) != bad.as_ref(),
            std::cmp::Reverse(s.operations),
        )
    });
    let most = stats.iter().map(|s| s.operations).max().unwrap_or(1).max(1);
    let mut out = format!(
        "<section id=\"keys\"><h2>Per-{} statistics</h2><p class=\"hint\">{} {}s, busiest \
         first{}.</p><table id=\"key-table\"><thead><tr><th>{}</th><th>operations</th>\
         <th>writes</th><th>reads</th><th>never returned</th><th></th></tr></thead><tbody>",
        spec.subject(),
        stats.len(),
        spec.subject(),
        if stats.len() > MAX_KEY_ROWS {
            format!("; the first {MAX_KEY_ROWS} are shown")
        } else {
            String::new()
        },
        spec.subject()
    );
    for s in stats.iter().take(MAX_KEY_ROWS) {
        let flagged = Some(&s.key) == bad.as_ref();
        let _ = write!(
            out,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td><span class=\"bar\" style=\"width:{:.1}px\"></span></td></tr>",
            if flagged { " class=\"flagged\"" } else { "" },
            esc(&spec.show_key(&s.key)),
            s.operations,
            s.writes,
            s.operations - s.writes,
            s.open,
            120.0 * s.operations as f64 / most as f64
        );
    }
    out.push_str("</tbody></table></section>\n");
    out
}

/// `text` escaped for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `text` as a JSON string.
fn json_str(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Strings as a JSON list.
fn json_list(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| json_str(&s)).collect();
    format!("[{}]", items.join(","))
}
