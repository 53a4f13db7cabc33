//! A picture of a violation: the operations on the key as bars on an ordinal time
//! axis, one row per thread, and the model's states through the window, as an SVG.
//!
//! # Format
//!
//! One self-contained SVG document, `font-family="monospace"`, 12 px, its `width`,
//! `height` and `viewBox` fitted to what is drawn. Each drawn element carries a `class`
//! saying what it is: `header` (the key and the explanation), `legend`, `axis`, `row`
//! (a thread's name), `bar` (an operation, `<title>` giving its span and states),
//! `label` (an operation's text), `window` (where the window opens), `state` (the
//! lines on the model's states).
//!
//! # Invariants
//!
//! 1. *Ordinal time.* The axis has one position per distinct call or return tick of the
//!    drawn operations, in tick order, equally spaced (an operation that never returned
//!    runs to one more position, marked `never`). So a bar's ends keep the history's
//!    order of events, and no operation is too short to see or wide enough to crowd the
//!    others out.
//! 2. *No overlap, no clipping.* Text is measured at [`CHAR_WIDTH`] per character (more
//!    than common monospace faces need at 12 px); within a thread's row each operation
//!    gets the first lane where its bar and label clear the previous ones; the canvas
//!    grows to hold everything drawn, and the explanation is wrapped, never cut.
//! 3. *Roles.* The operation no order can explain is red; the window's others blue;
//!    operations before the window that set up its starting state (those the
//!    explanation cites, and, when the history is given, the last completed ones on the
//!    key) grey; an operation that never returned has a dashed outline.
//! 4. *States.* The lines under the timeline give the longest order of the window that
//!    the model accepts, with the state before and after each operation (see
//!    [`order`]), then, for each operation left out, what the model would return at each
//!    place real time allows it in that order.

mod canvas;
mod order;

use crate::spec::SpecEvent;
use crate::{Event, History, Spec, Violation, NEVER};
use canvas::{width, wrap, Canvas};

/// The width of one character at 12 px, rounded up (DejaVu Sans Mono needs 7.22).
pub(crate) const CHAR_WIDTH: f64 = 7.5;
/// The width of one character of the 14 px bold title.
const TITLE_CHAR_WIDTH: f64 = 8.8;
const LINE: f64 = 16.0;
const MARGIN: f64 = 12.0;
const CULPRIT: &str = "#f4a0a0";
const SETUP: &str = "#dddddd";
const WINDOW: &str = "#b8d4f0";
/// The height of a bar, and the pitch of the lanes within a row: a line for the
/// operation's label, its bar under it.
const BAR: f64 = 14.0;
const LANE: f64 = 36.0;
/// Labels are drawn over a white outline, so the window's line passes behind them.
const HALO: &str = r#"stroke="white" stroke-width="4" paint-order="stroke""#;
/// The most setup operations taken from the history before the window.
const SETUP_FROM_HISTORY: usize = 3;

/// Draws the violation's window as a self-contained SVG (see the module docs): the
/// operations the explanation cites, then the window, one row per thread, on an
/// ordinal time axis, and the model's states through the window.
pub fn timeline_svg<S: Spec + Default>(violation: &Violation<S>) -> String {
    draw(violation, None)
}

/// [`timeline_svg`] for a violation found in `history`: also draws the last operations
/// on the key that completed before the window (they set up its starting state); bars'
/// titles give their spans as the history names them (the file's lines, for a history
/// read from a file), and rows are called processes for such a history.
pub fn timeline_svg_in<S: Spec + Default>(
    violation: &Violation<S>,
    history: &History<S::Op, S::Ret>,
) -> String {
    draw(violation, Some(history))
}

/// An operation's part in the picture (invariant 3).
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Setup,
    Window,
    Culprit,
}

/// An operation to draw, its role and its label.
type Labelled<'v, S> = (&'v SpecEvent<S>, Role, String);

/// An operation placed on the canvas.
struct Placed<'v, S: Spec> {
    event: &'v Event<S::Op, S::Ret>,
    role: Role,
    label: String,
    x0: f64,
    x1: f64,
    lane: usize,
}

fn draw<S: Spec + Default>(
    violation: &Violation<S>,
    history: Option<&History<S::Op, S::Ret>>,
) -> String {
    let spec = S::default();
    let who = match history {
        Some(h) if h.is_from_file() => "process",
        _ => "thread",
    };
    let span = |e: &Event<S::Op, S::Ret>| match history {
        Some(h) => h.span(e),
        None if e.ret == NEVER => format!("ticks {}..never", e.call),
        None => format!("ticks {}..{}", e.call, e.ret),
    };
    let order = order::longest(&spec, &violation.window, &violation.start_states);
    let position = |i: usize| {
        order
            .as_ref()
            .and_then(|o| o.steps.iter().position(|s| s.index == i))
    };

    // The operations, with their roles: setup first (by call), then the window.
    let mut setup: Vec<&Event<S::Op, S::Ret>> = violation.context.iter().collect();
    if let Some(history) = history {
        let opens = violation.window.iter().map(|e| e.call).min().unwrap_or(0);
        let mut before: Vec<&Event<S::Op, S::Ret>> = history
            .events()
            .iter()
            .filter(|e| spec.key(&e.op) == violation.key && e.ret != NEVER && e.ret < opens)
            .filter(|e| !violation.window.contains(e))
            .collect();
        before.sort_by_key(|e| e.ret);
        for e in before.into_iter().rev().take(SETUP_FROM_HISTORY) {
            if !setup.contains(&e) {
                setup.push(e);
            }
        }
    }
    setup.sort_by_key(|e| (e.call, e.ret));
    let mut events: Vec<Labelled<'_, S>> = setup
        .into_iter()
        .map(|e| (e, Role::Setup, format!("{} -> {}", e.op, e.result_text())))
        .collect();
    for (i, e) in violation.window.iter().enumerate() {
        let text = format!("{} -> {}", e.op, e.result_text());
        let (role, label) = if *e == violation.culprit {
            (Role::Culprit, format!("✗ {text}"))
        } else {
            match position(i) {
                Some(p) => (Role::Window, format!("{}. {text}", p + 1)),
                None => (Role::Window, format!("✗ {text}")),
            }
        };
        events.push((e, role, label));
    }

    // Invariant 1: the ordinal axis.
    let mut ticks: Vec<u64> = events
        .iter()
        .flat_map(|(e, _, _)| [e.call, e.ret])
        .filter(|&t| t != NEVER)
        .collect();
    ticks.sort_unstable();
    ticks.dedup();
    let never = ticks.len();
    let rank = |tick: u64| {
        if tick == NEVER {
            never
        } else {
            ticks.partition_point(|&t| t < tick)
        }
    };
    let tick_text = |tick: u64| match history.and_then(|h| h.line(tick)) {
        Some(line) => line.to_string(),
        None => tick.to_string(),
    };
    let mut threads: Vec<usize> = events.iter().map(|(e, _, _)| e.thread).collect();
    threads.sort_unstable();
    threads.dedup();
    let left = MARGIN
        + threads
            .iter()
            .map(|t| width(&format!("{who} {t}")))
            .fold(width("never"), f64::max)
        + 16.0;
    let unit = ticks
        .iter()
        .map(|&t| width(&tick_text(t)))
        .fold(width("never"), f64::max)
        .max(26.0)
        + 8.0;
    let x = |rank: usize| left + unit * (rank as f64 + 0.5);

    // Invariant 2: lanes within each row.
    let mut placed: Vec<Placed<'_, S>> = Vec::new();
    let mut lanes_of: Vec<usize> = Vec::new();
    for &thread in &threads {
        let mut lane_ends: Vec<f64> = Vec::new();
        let mut mine: Vec<&Labelled<'_, S>> = events
            .iter()
            .filter(|(e, _, _)| e.thread == thread)
            .collect();
        mine.sort_by_key(|(e, _, _)| (e.call, e.ret));
        for (event, role, label) in mine {
            let (x0, x1) = (x(rank(event.call)), x(rank(event.ret)));
            let extent = x1.max(x0 + width(label));
            let lane = match lane_ends.iter().position(|&end| end + 6.0 <= x0) {
                Some(lane) => lane,
                None => {
                    lane_ends.push(0.0);
                    lane_ends.len() - 1
                }
            };
            lane_ends[lane] = extent;
            placed.push(Placed {
                event,
                role: *role,
                label: label.clone(),
                x0,
                x1,
                lane,
            });
        }
        lanes_of.push(lane_ends.len().max(1));
    }
    let content_right = placed
        .iter()
        .map(|p| p.x1.max(p.x0 + width(&p.label)))
        .fold(x(never), f64::max);

    // The header, wrapped to the picture's width (never narrower than 100 characters).
    let columns = (((content_right - MARGIN) / CHAR_WIDTH) as usize).max(100);
    let mut svg = Canvas::default();
    let title = format!(
        "Not linearizable: {} {}",
        spec.subject(),
        spec.show_key(&violation.key)
    );
    let mut y = MARGIN + 14.0;
    svg.text_sized(
        MARGIN,
        y,
        &title,
        "header",
        r#"font-size="14" font-weight="bold""#,
        TITLE_CHAR_WIDTH,
    );
    for line in wrap(&violation.explanation, columns) {
        y += LINE;
        svg.text(MARGIN, y, &line, "header", "");
    }

    // The legend.
    y += LINE + 8.0;
    let mut lx = MARGIN;
    for (fill, dash, text) in [
        (CULPRIT, "", "cannot be ordered"),
        (
            WINDOW,
            "",
            "in the window (n. = its place in the order below)",
        ),
        (SETUP, "", "before the window: sets up its start"),
        ("white", r#" stroke-dasharray="4 3""#, "never returned"),
    ] {
        svg.rect(
            lx,
            y - 10.0,
            16.0,
            12.0,
            "legend",
            &format!(r#"fill="{fill}" stroke="black"{dash}"#),
        );
        lx = svg.text(lx + 22.0, y, text, "legend", "") + 18.0;
    }

    // Invariant 1 said where the reader looks first: the axis is ordinal.
    y += LINE + 4.0;
    let axis_name = if history.is_some_and(History::is_from_file) {
        "line"
    } else {
        "tick"
    };
    svg.text(
        MARGIN,
        y,
        &format!(
            "time runs left to right, one column per call or return in their order (not to \
             scale); each column is labelled with its {axis_name}"
        ),
        "legend",
        r##"fill="#666""##,
    );

    // The axis: every position, its tick (or line) number.
    y += LINE + 6.0;
    svg.text(MARGIN, y, axis_name, "axis", r##"fill="#666""##);
    let has_open = events.iter().any(|(e, _, _)| e.ret == NEVER);
    for (r, &tick) in ticks.iter().enumerate() {
        svg.centred(x(r), y, &tick_text(tick), "axis", r##"fill="#666""##);
    }
    if has_open {
        svg.centred(x(never), y, "never", "axis", r##"fill="#666""##);
    }
    let rows_top = y + 10.0;

    // The rows.
    let mut row_top = rows_top;
    let mut bar_of = Vec::new();
    for (t, &thread) in threads.iter().enumerate() {
        let pitch = LANE * lanes_of[t] as f64 + 4.0;
        svg.line(
            (MARGIN, row_top),
            (content_right, row_top),
            "row",
            r##"stroke="#ddd""##,
        );
        svg.text(
            MARGIN,
            row_top + 6.0 + 26.0,
            &format!("{who} {thread}"),
            "row",
            r#"font-weight="bold""#,
        );
        for p in placed.iter().filter(|p| p.event.thread == thread) {
            let by = row_top + 6.0 + LANE * p.lane as f64 + LINE + 4.0;
            bar_of.push((p, by));
        }
        row_top += pitch;
    }
    svg.line(
        (MARGIN, row_top),
        (content_right, row_top),
        "row",
        r##"stroke="#ddd""##,
    );
    // Where the window opens, and the states it may open in.
    if let Some(first) = violation.window.iter().map(|e| rank(e.call)).min() {
        let wx = x(first) - unit / 2.0;
        svg.line(
            (wx, rows_top - 4.0),
            (wx, row_top + 4.0),
            "window",
            r##"stroke="#1f5fa8" stroke-dasharray="5 4""##,
        );
        let starts: Vec<String> = violation
            .start_states
            .iter()
            .map(|s| spec.show_state(s))
            .collect();
        svg.text(
            wx + 4.0,
            row_top + 4.0 + LINE,
            &format!(
                "window opens: the {} {}",
                spec.subject(),
                starts.join(" or ")
            ),
            "window",
            r##"fill="#1f5fa8""##,
        );
        row_top += LINE;
    }
    for (p, by) in &bar_of {
        let fill = match p.role {
            Role::Culprit => CULPRIT,
            Role::Window => WINDOW,
            Role::Setup => SETUP,
        };
        let dash = if p.event.ret == NEVER {
            r#" stroke-dasharray="4 3""#
        } else {
            ""
        };
        let stroke = if p.role == Role::Culprit {
            r##"stroke="#c03030" stroke-width="2""##
        } else {
            r#"stroke="black""#
        };
        let title = order::bar_title(&spec, violation, order.as_ref(), p.event, &span(p.event));
        svg.bar(
            p.x0,
            *by,
            p.x1 - p.x0,
            &format!(r#"fill="{fill}" {stroke}{dash}"#),
            &title,
        );
        svg.text(p.x0, by - 6.0, &p.label, "label", HALO);
    }

    // Invariant 4: the model's states.
    let mut y = row_top + LINE + 12.0;
    if let Some(order) = &order {
        svg.text(
            MARGIN,
            y,
            &format!(
                "The model through the window: the longest order it accepts, from the {} {}",
                spec.subject(),
                spec.show_state(&order.start)
            ),
            "state",
            r#"font-weight="bold""#,
        );
        let rows: Vec<(String, String)> = order
            .steps
            .iter()
            .enumerate()
            .map(|(n, s)| {
                let e = &violation.window[s.index];
                (
                    format!(
                        "{}. {who} {}: {} -> {}",
                        n + 1,
                        e.thread,
                        e.op,
                        e.result_text()
                    ),
                    format!(
                        "{}  →  {}",
                        spec.show_state(&s.before),
                        spec.show_state(&s.after)
                    ),
                )
            })
            .collect();
        let column = rows.iter().map(|(a, _)| width(a)).fold(0.0, f64::max) + 24.0;
        for (a, b) in &rows {
            y += LINE;
            svg.text(MARGIN + 12.0, y, a, "state", "");
            svg.text(MARGIN + 12.0 + column, y, b, "state", "");
        }
        for (i, e) in violation.window.iter().enumerate() {
            if position(i).is_some() {
                continue;
            }
            let text = format!(
                "✗ {who} {}: {} -> {}: {}",
                e.thread,
                e.op,
                e.result_text(),
                order::left_out(&spec, violation, order, e)
            );
            let fill = if *e == violation.culprit {
                r##"fill="#a01010""##
            } else {
                ""
            };
            for (l, line) in wrap(&text, columns).iter().enumerate() {
                y += LINE;
                svg.text(
                    MARGIN + 12.0 + if l > 0 { 24.0 } else { 0.0 },
                    y,
                    line,
                    "state",
                    fill,
                );
            }
        }
    }
    svg.finish()
}
