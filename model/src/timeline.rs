//! A picture of a violation: one row per thread, one bar per operation, as an SVG.

use std::fmt::Write;

use crate::{Event, Violation};

/// Draws the violation's window as a self-contained SVG: a row per thread, a bar from
/// each operation's call tick to its return tick labelled with the operation and its
/// result. The operation no order can explain is red; earlier operations the explanation
/// cites are grey.
pub fn timeline_svg(violation: &Violation) -> String {
    let window: Vec<&Event> = violation.context.iter().chain(&violation.window).collect();
    let mut threads: Vec<usize> = window.iter().map(|e| e.thread).collect();
    threads.sort_unstable();
    threads.dedup();
    let first = window.iter().map(|e| e.call).min().unwrap_or(0);
    let last = window.iter().map(|e| e.ret).max().unwrap_or(first + 1);
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
        r#"<text x="10" y="20" font-size="14">key b"{}": {}</text>"#,
        xml(&violation.key.escape_ascii().to_string()),
        xml(&violation.explanation.chars().take(140).collect::<String>())
    );
    for (r, thread) in threads.iter().enumerate() {
        let y = 50.0 + row * r as f64;
        let _ = writeln!(
            svg,
            r#"<text x="10" y="{}">thread {thread}</text>"#,
            y + 18.0
        );
        for event in window.iter().filter(|e| e.thread == *thread) {
            let event = *event;
            let culprit = *event == violation.culprit;
            let (x0, x1) = (x(event.call), x(event.ret).max(x(event.call) + 4.0));
            let fill = if culprit {
                "#f4a0a0"
            } else if violation.context.contains(event) {
                "#dddddd"
            } else {
                "#b8d4f0"
            };
            let _ = writeln!(
                svg,
                r#"<rect x="{x0:.1}" y="{y}" width="{:.1}" height="26" rx="4" fill="{fill}" stroke="black"><title>ticks {}..{}</title></rect>"#,
                x1 - x0,
                event.call,
                event.ret
            );
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{}">{} -&gt; {}</text>"#,
                x0 + 3.0,
                y + 17.0,
                xml(&event.op.to_string()),
                xml(&event.result.to_string())
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
