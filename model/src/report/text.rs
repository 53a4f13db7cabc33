//! The plain-text account of a violation, in the sections of the module docs.

use std::fmt::Write;

use super::{erased_elsewhere, legend, naming, Values};
use crate::spec::SpecEvent;
use crate::{History, Spec, Violation};

/// Lines are wrapped at this many characters.
const WIDTH: usize = 96;

/// The account of `violation`, found in `history`, from its "why" on: the explanation,
/// then labelled sections for the context, the window, the writes elsewhere that may
/// have erased a value, and the values' origins. Each line ends in a newline.
pub fn violation_text<S: Spec>(
    spec: &S,
    history: &History<S::Op, S::Ret>,
    violation: &Violation<S>,
    values: Values,
) -> String {
    let mut out = String::new();
    let subject = naming(spec, &violation.key);
    let clauses: Vec<&str> = violation.explanation.split("; ").collect();
    for (i, clause) in clauses.iter().enumerate() {
        let end = if i + 1 < clauses.len() { ";" } else { "" };
        let first = if i == 0 { "why: " } else { "     " };
        wrap(&mut out, first, "     ", &format!("{clause}{end}"));
    }
    let who = if history.is_from_file() {
        "process"
    } else {
        "thread"
    };
    let line = |out: &mut String, e: &SpecEvent<S>, other_key: bool| {
        let mark = if *e == violation.culprit {
            "   <-- cannot be ordered"
        } else {
            ""
        };
        let on = if other_key {
            format!("{} ", spec.show_key(&spec.key(&e.op)))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {who} {:>3}  {:<26} {on}{} -> {}{mark}",
            e.thread,
            history.span(e),
            e.op,
            e.result_text()
        );
    };
    if !violation.context.is_empty() {
        wrap(
            &mut out,
            "",
            "  ",
            &format!(
                "context: {} earlier operation(s) on {subject} that the explanation cites; \
                 they are not in the window:",
                violation.context.len()
            ),
        );
        let mut context: Vec<&SpecEvent<S>> = violation.context.iter().collect();
        context.sort_by_key(|e| (e.call, e.ret));
        for e in context {
            line(&mut out, e, false);
        }
    }
    let starts: Vec<String> = violation
        .start_states
        .iter()
        .map(|s| spec.show_state(s))
        .collect();
    wrap(
        &mut out,
        "",
        "  ",
        &format!(
            "window: {} operation(s) on {subject}, by call, that no order explains when the \
             {} starts {}:",
            violation.window.len(),
            spec.subject(),
            starts.join(" or ")
        ),
    );
    for e in &violation.window {
        line(&mut out, e, false);
    }
    let elsewhere = erased_elsewhere(spec, history, violation);
    if let Some((erased, _, 0)) = &elsewhere {
        wrap(
            &mut out,
            "",
            "  ",
            &format!(
                "elsewhere: no write to another key overlapped {} ({})",
                erased.op,
                history.span(erased)
            ),
        );
    } else if let Some((erased, others, count)) = &elsewhere {
        let shown = if others.len() < *count {
            format!(" (the first {} of {count})", others.len())
        } else {
            String::new()
        };
        wrap(
            &mut out,
            "",
            "  ",
            &format!(
                "elsewhere: {count} write(s) to other keys overlapped {} ({}){shown}; the \
                 check judges each key alone, so if {} was lost, the write that erased it is \
                 one of these:",
                erased.op,
                history.span(erased),
                erased.op
            ),
        );
        for e in others {
            line(&mut out, e, true);
        }
    }
    let shown = violation.context.iter().chain(&violation.window).chain(
        elsewhere
            .iter()
            .flat_map(|(_, others, _)| others.iter().copied()),
    );
    let origins = legend(spec, values, violation, shown);
    if !origins.is_empty() {
        wrap(
            &mut out,
            "",
            "  ",
            "values: each write of a workload writes (thread << 40) | n, n counting its \
             thread's operations from 1:",
        );
        for (value, origin) in origins {
            let _ = writeln!(out, "  {value:>15} = {origin}");
        }
    }
    out
}

/// Appends `text` wrapped at [`WIDTH`]: the first line after `first`, the rest after
/// `rest`.
fn wrap(out: &mut String, first: &str, rest: &str, text: &str) {
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split(' ') {
        if !empty && line.len() + 1 + word.len() > WIDTH {
            let _ = writeln!(out, "{line}");
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    let _ = writeln!(out, "{line}");
}
