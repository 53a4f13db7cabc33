//! A picture of a violation: one row per thread, one bar per operation, as an SVG.
//! An operation that never returned is an open bar: dashed, running to the right edge.

use std::fmt::Write;

use crate::{Event, History, Spec, Violation, NEVER};

/// Draws the violation's window as a self-contained SVG: a row per thread, a bar from
/// each operation's call tick to its return tick labelled with the operation and its
/// result. The operation no order can explain is red; earlier operations the explanation
/// cites are grey; operations that never returned are dashed bars open to the right.
pub fn timeline_svg<S: Spec + Default>(violation: &Violation<S>) -> String {
    draw(violation, None)
}

/// [`timeline_svg`] for a violation found in `history`: bars' titles give their spans as
/// the history names them (the file's lines, for a history read from a file), and rows
/// are called processes for such a history.
pub fn timeline_svg_in<S: Spec + Default>(
    violation: &Violation<S>,
    history: &History<S::Op, S::Ret>,
) -> String {
    draw(violation, Some(history))
}

fn draw<S: Spec + Default>(
    violation: &Violation<S>,
    history: Option<&History<S::Op, S::Ret>>,
) -> String {
    let spec = S::default();
    let window: Vec<&Event<S::Op, S::Ret>> =
        violation.context.iter().chain(&violation.window).collect();
    let mut threads: Vec<usize> = window.iter().map(|e| e.thread).collect();
    threads.sort_unstable();
    threads.dedup();
    let first = window.iter().map(|e| e.call).min().unwrap_or(0);
    let closed_last = window
        .iter()
        .filter(|e| e.ret != NEVER)
        .map(|e| e.ret)
        .max();
    let open_last = window.iter().map(|e| e.call + 1).max().unwrap_or(first + 1);
    // Open bars run past the latest return (or call) by a tenth of the span.
    let last = closed_last.unwrap_or(open_last).max(open_last);
    let open_end = if window.iter().any(|e| e.ret == NEVER) {
        last + (last - first) / 10 + 1
    } else {
        last
    };
    let last = open_end;
    let (left, width, row) = (90.0, 900.0, 44.0);
    let span = (last - first).max(1) as f64;
    let x = |tick: u64| left + (tick - first) as f64 / span * width;
    let height = 70.0 + row * threads.len() as f64;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" font-family="monospace" font-size="12">"#,
        w = left + width + 20.0
    );
    let _ = writeln!(
        svg,
        r#"<text x="10" y="20" font-size="14">{}: {}</text>"#,
        xml(format!("{} {}", spec.subject(), spec.show_key(&violation.key)).trim_end()),
        xml(&violation.explanation.chars().take(140).collect::<String>())
    );
    let who = match history {
        Some(h) if h.is_from_file() => "process",
        _ => "thread",
    };
    for (r, thread) in threads.iter().enumerate() {
        let y = 50.0 + row * r as f64;
        let _ = writeln!(
            svg,
            r#"<text x="10" y="{}">{who} {thread}</text>"#,
            y + 18.0
        );
        for event in window.iter().filter(|e| e.thread == *thread) {
            let event = *event;
            let culprit = *event == violation.culprit;
            let open = event.ret == NEVER;
            let end = if open { open_end } else { event.ret };
            let (x0, x1) = (x(event.call), x(end).max(x(event.call) + 4.0));
            let dash = if open {
                r#" stroke-dasharray="4 3""#
            } else {
                ""
            };
            let title = match history {
                Some(h) => h.span(event),
                None if open => format!("ticks {}..never", event.call),
                None => format!("ticks {}..{}", event.call, event.ret),
            };
            let fill = if culprit {
                "#f4a0a0"
            } else if violation.context.contains(event) {
                "#dddddd"
            } else {
                "#b8d4f0"
            };
            let _ = writeln!(
                svg,
                r#"<rect x="{x0:.1}" y="{y}" width="{:.1}" height="26" rx="4" fill="{fill}" stroke="black"{dash}><title>{}</title></rect>"#,
                x1 - x0,
                xml(&title),
            );
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{}">{} -&gt; {}</text>"#,
                x0 + 3.0,
                y + 17.0,
                xml(&event.op.to_string()),
                xml(&event.result_text())
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
