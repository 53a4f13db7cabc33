//! The plain-words reason a window cannot be ordered.

use crate::spec::SpecEvent;
use crate::{History, Spec};

/// A plain-words reason why `culprit` cannot be ordered, and the earlier operations of
/// its partition that the reason cites (outside the window). The model's specific
/// reason ([`Spec::reason`]), if it has one, comes first; else the `obstacle`, if the
/// search found one (an operation that completed before the culprit began, where the
/// window could be ordered had the culprit begun before it completed); the general
/// sentence always holds.
pub(super) fn explain<S: Spec>(
    spec: &S,
    history: &History<S::Op, S::Ret>,
    window: &[SpecEvent<S>],
    culprit: &SpecEvent<S>,
    start: &[S::State],
    all: &[&SpecEvent<S>],
    obstacle: Option<&SpecEvent<S>>,
) -> (String, Vec<SpecEvent<S>>) {
    let starts: Vec<String> = start.iter().map(|s| spec.show_state(s)).collect();
    let span = |e: &SpecEvent<S>| history.span(e);
    let open = window.iter().filter(|e| e.is_open()).count();
    let open = if open == 0 {
        String::new()
    } else {
        format!(" ({open} of which never returned)")
    };
    let actor = if history.is_from_file() {
        "process"
    } else {
        "thread"
    };
    // An operation, when it ran, and who ran it; with what it returned when `returned`.
    let who = |e: &SpecEvent<S>, returned: bool| {
        let result = if returned {
            format!(" -> {}", e.result_text())
        } else {
            String::new()
        };
        format!("{}{result} ({}, {actor} {})", e.op, span(e), e.thread)
    };
    let general = format!(
        "no order of the {} operation(s) in the window{open}, starting with the {} {}, gives \
         {} the result {}",
        window.len(),
        spec.subject(),
        starts.join(" or "),
        who(culprit, false),
        culprit.result_text()
    );
    let reason = spec.reason(culprit, all, &span).or_else(|| {
        obstacle.map(|o| {
            (
                format!(
                    "{} began after {} completed, so it must come after it, and no order \
                     that puts it after gives the result {} (one that puts it before does)",
                    who(culprit, false),
                    who(o, true),
                    culprit.result_text()
                ),
                Vec::new(),
            )
        })
    });
    match reason {
        Some((reason, cited)) => (
            format!("{reason}; {general}"),
            cited
                .into_iter()
                .filter_map(|i| all.get(i))
                .filter(|e| !window.contains(e))
                .map(|e| (*e).clone())
                .collect(),
        ),
        None => (general, Vec::new()),
    }
}
