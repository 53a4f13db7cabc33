//! The SVG timeline of a violation, read back with roxmltree: well-formed and escaped;
//! one row per thread; bars on an ordinal axis (one equal step per distinct tick);
//! no text overlapping another text or a bar, and nothing outside the viewBox; a legend;
//! the operations before the window that set up its start; the model's states through
//! the window; the operation that cannot be ordered in red.

use cowtrie_model::{
    check, timeline_svg, timeline_svg_in, Budget, Event, History, Op, Ret, Verdict, Violation,
    NEVER,
};
use roxmltree::{Document, Node};

const CULPRIT: &str = "#f4a0a0";
const SETUP: &str = "#dddddd";
const WINDOW: &str = "#b8d4f0";

/// The advance of a monospace character, in ems: DejaVu Sans Mono's 0.602, rounded up
/// to what any common monospace face needs.
const EM_ADVANCE: f64 = 0.61;
/// Rounding of the coordinates (one decimal each).
const TOLERANCE: f64 = 0.11;

mod common;
use common::ev;

// ---- reading the SVG back ----

fn parse(svg: &str) -> Document<'_> {
    let doc = Document::parse(svg).unwrap_or_else(|e| panic!("malformed SVG ({e}):\n{svg}"));
    assert!(doc.root_element().has_tag_name("svg"), "root is not <svg>");
    doc
}

fn text_of(node: Node) -> String {
    node.children()
        .filter(Node::is_text)
        .filter_map(|t| t.text())
        .collect()
}

fn num(node: Node, name: &str) -> f64 {
    let value = node
        .attribute(name)
        .unwrap_or_else(|| panic!("<{}> has no {name}", node.tag_name().name()));
    value
        .parse()
        .unwrap_or_else(|_| panic!("{name}={value:?} is not a number"))
}

/// An axis-aligned box: x0, y0, x1, y1.
#[derive(Clone, Copy, Debug)]
struct Box2(f64, f64, f64, f64);

impl Box2 {
    fn overlaps(&self, other: &Box2) -> bool {
        self.0 < other.2 - TOLERANCE
            && other.0 < self.2 - TOLERANCE
            && self.1 < other.3 - TOLERANCE
            && other.1 < self.3 - TOLERANCE
    }
}

#[derive(Debug)]
struct Text {
    class: String,
    x: f64,
    y: f64,
    text: String,
    /// Where the glyphs can reach: the advance of each character, from the baseline
    /// up by the font's ascent and down by its descent.
    bounds: Box2,
}

#[derive(Debug)]
struct Bar {
    call: u64,
    ret: u64,
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    fill: String,
    dashed: bool,
    title: String,
}

struct Picture {
    width: f64,
    height: f64,
    texts: Vec<Text>,
    bars: Vec<Bar>,
    legend_fills: Vec<String>,
}

fn read_picture(svg: &str) -> Picture {
    let doc = parse(svg);
    let root = doc.root_element();
    let view_box: Vec<f64> = root
        .attribute("viewBox")
        .expect("a viewBox")
        .split(' ')
        .map(|n| n.parse().expect("viewBox numbers"))
        .collect();
    let (width, height) = (num(root, "width"), num(root, "height"));
    assert_eq!(view_box, [0.0, 0.0, width, height], "viewBox is the size");
    let class = |n: Node| n.attribute("class").unwrap_or("").to_string();
    let texts = root
        .children()
        .filter(|n| n.has_tag_name("text"))
        .map(|t| {
            let size = t
                .attribute("font-size")
                .map_or(12.0, |s| s.parse().expect("size"));
            let (x, y, text) = (num(t, "x"), num(t, "y"), text_of(t));
            let advance = text.chars().count() as f64 * size * EM_ADVANCE;
            Text {
                class: class(t),
                bounds: Box2(x, y - 0.8 * size, x + advance, y + 0.25 * size),
                x,
                y,
                text,
            }
        })
        .collect();
    let bars = root
        .children()
        .filter(|n| n.has_tag_name("rect") && class(*n) == "bar")
        .map(|r| {
            let title = r
                .children()
                .find(|c| c.has_tag_name("title"))
                .map(text_of)
                .expect("a bar has a title");
            let ticks = title
                .strip_prefix("ticks ")
                .and_then(|t| t.split(':').next())
                .expect("title starts with its ticks");
            let (call, ret) = ticks.split_once("..").expect("ticks a..b");
            Bar {
                call: call.parse().expect("call tick"),
                ret: if ret == "never" {
                    NEVER
                } else {
                    ret.parse().expect("return tick")
                },
                x: num(r, "x"),
                y: num(r, "y"),
                width: num(r, "width"),
                height: num(r, "height"),
                fill: r.attribute("fill").expect("fill").to_string(),
                dashed: r.attribute("stroke-dasharray").is_some(),
                title,
            }
        })
        .collect();
    let legend_fills = root
        .children()
        .filter(|n| n.has_tag_name("rect") && class(*n) == "legend")
        .map(|r| r.attribute("fill").expect("fill").to_string())
        .collect();
    Picture {
        width,
        height,
        texts,
        bars,
        legend_fills,
    }
}

impl Picture {
    fn class(&self, class: &str) -> Vec<&Text> {
        self.texts.iter().filter(|t| t.class == class).collect()
    }

    fn bar(&self, event: &Event) -> &Bar {
        let found: Vec<&Bar> = self
            .bars
            .iter()
            .filter(|b| (b.call, b.ret) == (event.call, event.ret))
            .collect();
        assert_eq!(found.len(), 1, "one bar for {event:?}: {found:?}");
        found[0]
    }

    fn row(&self, thread: usize) -> &Text {
        let rows: Vec<&Text> = self
            .class("row")
            .into_iter()
            .filter(|t| t.text == format!("thread {thread}"))
            .collect();
        assert_eq!(rows.len(), 1, "one row label for thread {thread}");
        rows[0]
    }
}

// ---- the properties every picture has ----

/// Nothing outside the picture; no text over another text or over a bar.
fn assert_nothing_clips_or_overlaps(pic: &Picture) {
    let inside = |b: &Box2| {
        b.0 >= -TOLERANCE
            && b.1 >= -TOLERANCE
            && b.2 <= pic.width + TOLERANCE
            && b.3 <= pic.height + TOLERANCE
    };
    for t in &pic.texts {
        assert!(inside(&t.bounds), "text outside the picture: {t:?}");
    }
    let bars: Vec<Box2> = pic
        .bars
        .iter()
        .map(|b| Box2(b.x, b.y, b.x + b.width, b.y + b.height))
        .collect();
    for (b, bar) in bars.iter().zip(&pic.bars) {
        assert!(inside(b), "bar outside the picture: {bar:?}");
    }
    for (i, a) in pic.texts.iter().enumerate() {
        for b in &pic.texts[i + 1..] {
            assert!(
                !a.bounds.overlaps(&b.bounds),
                "texts overlap: {a:?} and {b:?}"
            );
        }
        for (bar, boxed) in pic.bars.iter().zip(&bars) {
            assert!(
                !a.bounds.overlaps(boxed),
                "text over a bar: {a:?} on {bar:?}"
            );
        }
    }
}

/// One row per thread, in thread order; each bar in its thread's row, labelled just above
/// it with its operation and result; coloured by role; one red bar, the culprit's.
fn assert_rows_and_roles(violation: &Violation, pic: &Picture, setup: &[&Event]) {
    let mut threads: Vec<usize> = setup
        .iter()
        .copied()
        .chain(&violation.window)
        .map(|e| e.thread)
        .collect();
    threads.sort_unstable();
    threads.dedup();
    assert_eq!(pic.class("row").len(), threads.len(), "one row per thread");
    assert_eq!(
        pic.bars.len(),
        setup.len() + violation.window.len(),
        "one bar each"
    );
    let span = |t: usize| {
        let mine: Vec<&Bar> = setup
            .iter()
            .copied()
            .chain(&violation.window)
            .filter(|e| e.thread == t)
            .map(|e| pic.bar(e))
            .collect();
        let top = mine.iter().map(|b| b.y).fold(f64::MAX, f64::min);
        let bottom = mine.iter().map(|b| b.y + b.height).fold(0.0, f64::max);
        (top, bottom)
    };
    for pair in threads.windows(2) {
        assert!(
            span(pair[0]).1 < span(pair[1]).0,
            "rows in thread order, apart"
        );
        assert!(pic.row(pair[0]).y < pic.row(pair[1]).y);
    }
    for &t in &threads {
        let (top, bottom) = span(t);
        let row = pic.row(t);
        assert!(
            top <= row.y && row.y <= bottom + 4.0,
            "row label level with its bars"
        );
    }
    for event in setup.iter().copied().chain(&violation.window) {
        let bar = pic.bar(event);
        let text = format!("{} -> {}", event.op, event.result_text());
        assert!(
            pic.class("label").iter().any(|l| l.text.ends_with(&text)
                && (l.x - bar.x).abs() <= TOLERANCE
                && l.y < bar.y
                && bar.y - l.y < 16.0),
            "no label {text:?} over {bar:?}"
        );
        let role = if *event == violation.culprit {
            CULPRIT
        } else if violation.window.contains(event) {
            WINDOW
        } else {
            SETUP
        };
        assert_eq!(bar.fill, role, "colour of {event:?}");
        assert_eq!(bar.dashed, event.is_open(), "dashed iff open: {event:?}");
    }
    assert_eq!(pic.bars.iter().filter(|b| b.fill == CULPRIT).count(), 1);
    for fill in [CULPRIT, WINDOW, SETUP] {
        assert!(
            pic.legend_fills.iter().any(|f| f == fill),
            "{fill} in the legend"
        );
    }
}

/// Bar ends sit on an ordinal axis: one position per distinct tick, equally spaced, in
/// tick order, with an open operation running one position past the last.
fn assert_ordinal_axis(pic: &Picture) {
    let mut ticks: Vec<u64> = pic
        .bars
        .iter()
        .flat_map(|b| [b.call, b.ret])
        .filter(|&t| t != NEVER)
        .collect();
    ticks.sort_unstable();
    ticks.dedup();
    let rank = |t: u64| {
        if t == NEVER {
            ticks.len()
        } else {
            ticks.binary_search(&t).expect("a drawn tick")
        }
    };
    let first = pic.bars.iter().find(|b| b.call == ticks[0]).expect("first");
    let last = pic.bars.iter().max_by_key(|b| rank(b.ret)).expect("a bar");
    let origin = first.x;
    let step = (last.x + last.width - origin) / rank(last.ret) as f64;
    assert!(step > 20.0, "a step is wide enough to see: {step}");
    for bar in &pic.bars {
        let x0 = origin + step * rank(bar.call) as f64;
        let x1 = origin + step * rank(bar.ret) as f64;
        assert!((bar.x - x0).abs() <= TOLERANCE, "{bar:?} starts at {x0}");
        assert!(
            (bar.x + bar.width - x1).abs() <= 2.0 * TOLERANCE,
            "{bar:?} ends at {x1}"
        );
    }
    let axis: Vec<String> = pic.class("axis").iter().map(|t| t.text.clone()).collect();
    for tick in &ticks {
        assert!(axis.contains(&tick.to_string()), "tick {tick} on the axis");
    }
}

fn assert_picture(violation: &Violation, svg: &str, setup: &[&Event]) -> Picture {
    let pic = read_picture(svg);
    assert_nothing_clips_or_overlaps(&pic);
    assert_rows_and_roles(violation, &pic, setup);
    assert_ordinal_axis(&pic);
    // The explanation, whole, across the header's lines after the title.
    let header: Vec<String> = pic.class("header").iter().map(|t| t.text.clone()).collect();
    assert!(header[0].contains("Not linearizable"), "{header:?}");
    assert_eq!(
        header[1..].join(" "),
        violation.explanation,
        "explanation whole"
    );
    pic
}

// ---- the cases ----

/// A stale read: thread 1 reads 1 after thread 0 overwrote it with 2 and thread 2 read
/// the 2. The first put and the first read come before the window.
fn stale_read() -> History {
    History::from_events([
        ev(0, 0, 1, Op::put("k", 1), Ret::Unit),
        ev(2, 2, 3, Op::get("k"), Ret::Value(Some(1))),
        ev(1, 4, 9, Op::put("k", 2), Ret::Unit),
        ev(2, 5, 6, Op::get("k"), Ret::Value(Some(2))),
        ev(0, 7, 8, Op::get("k"), Ret::Value(Some(1))),
        ev(2, 10, 11, Op::put("other", 3), Ret::Unit),
    ])
}

fn violation_of(history: &History) -> Violation {
    match check(history, Budget::default()).verdict {
        Verdict::Violation(v) => *v,
        other => panic!("expected a violation, got {other:?}"),
    }
}

#[test]
fn a_real_violation_shows_its_setup_window_and_states() {
    let history = stale_read();
    let violation = violation_of(&history);
    let setup: Vec<&Event> = history
        .events()
        .iter()
        .filter(|e| e.op.key() == b"k" && e.ret < 4)
        .collect();
    assert_eq!(
        setup.len(),
        2,
        "the put of 1 and the read of 1 set up the window"
    );
    let pic = assert_picture(&violation, &timeline_svg_in(&violation, &history), &setup);
    // The window opens with the key holding 1, and the model's states are spelled out:
    // the put of 2, then the read of 2; the read of 1 fits nowhere after them.
    let window: Vec<&str> = pic
        .class("window")
        .iter()
        .map(|t| t.text.as_str())
        .collect();
    assert_eq!(window, ["window opens: the key holding 1"]);
    let states: Vec<&str> = pic.class("state").iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        states,
        [
            "The model through the window: the longest order it accepts, from the key holding 1",
            "1. thread 1: put(2) -> ()",
            "holding 1  →  holding 2",
            "2. thread 2: get -> 2",
            "holding 2  →  holding 2",
            "✗ thread 0: get -> 1: where it may go in this order, the model returns 2 from holding 2",
        ]
    );
    // Without the history, only what the explanation cites sets up the window.
    let context: Vec<&Event> = violation.context.iter().collect();
    assert_picture(&violation, &timeline_svg(&violation), &context);
}

#[test]
fn a_long_operation_does_not_crowd_out_a_short_one() {
    // Ticks 100..1100 with a 1-tick get and a 600-tick put: on an ordinal axis each is
    // as wide as the number of tick positions it spans (1 and 5 of the 10 ticks).
    let culprit = ev(7, 600, 900, Op::get("k"), Ret::Value(Some(1)));
    let violation = Violation {
        key: b"k".to_vec(),
        context: vec![ev(3, 100, 300, Op::put("k", 1), Ret::Unit)],
        window: vec![
            ev(7, 400, 401, Op::get("k"), Ret::Value(Some(1))),
            ev(3, 500, 1100, Op::put("k", 2), Ret::Unit),
            ev(3, 550, 560, Op::remove("k"), Ret::Removed(true)),
            culprit.clone(),
        ],
        culprit,
        start_states: vec![Some(1)],
        explanation: "get returned 1 after remove".into(),
    };
    let context: Vec<&Event> = violation.context.iter().collect();
    let pic = assert_picture(&violation, &timeline_svg(&violation), &context);
    let short = pic.bar(&violation.window[0]).width;
    let long = pic.bar(&violation.window[1]).width;
    assert!(
        (long / short - 5.0).abs() < 0.01,
        "{long} is 5 steps of {short}"
    );
    // Overlapping operations of one thread stack in lanes: the put and the remove.
    let (put, remove) = (pic.bar(&violation.window[1]), pic.bar(&violation.window[2]));
    assert!(
        remove.y > put.y,
        "the remove stacks under the put it overlaps"
    );
}

#[test]
fn the_picture_grows_by_one_row_per_thread() {
    let with_threads = |n: usize| {
        let window: Vec<Event> = (0..n)
            .map(|t| {
                ev(
                    t,
                    10 * t as u64,
                    10 * t as u64 + 5,
                    Op::get("k"),
                    Ret::Value(None),
                )
            })
            .collect();
        let violation = Violation {
            key: b"k".to_vec(),
            culprit: window[n - 1].clone(),
            window,
            context: Vec::new(),
            start_states: vec![None],
            explanation: "stale".into(),
        };
        let pic = assert_picture(&violation, &timeline_svg(&violation), &[]);
        pic.height
    };
    let heights: Vec<f64> = (1..=4).map(with_threads).collect();
    let pitch = heights[1] - heights[0];
    assert!(pitch > 14.0, "a row is at least a bar high");
    for pair in heights.windows(2) {
        assert!(
            (pair[1] - pair[0] - pitch).abs() <= TOLERANCE,
            "even rows: {heights:?}"
        );
    }
}

#[test]
fn an_open_operation_runs_to_never() {
    let culprit = ev(1, 4, 5, Op::get("k"), Ret::Value(Some(9)));
    let open = Event {
        thread: 0,
        call: 2,
        ret: NEVER,
        op: Op::put("k", 3),
        result: None,
    };
    let violation = Violation {
        key: b"k".to_vec(),
        context: Vec::new(),
        window: vec![open.clone(), culprit.clone()],
        culprit,
        start_states: vec![None],
        explanation: "get returned 9, never written".into(),
    };
    let pic = assert_picture(&violation, &timeline_svg(&violation), &[]);
    assert!(pic.class("axis").iter().any(|t| t.text == "never"));
    assert!(pic.bar(&open).dashed);
}

#[test]
fn text_is_escaped_and_the_explanation_wrapped_whole() {
    let key = b"<a&b>\"\xff".to_vec();
    let explanation: String = "é<&\"> ".repeat(60);
    let culprit = ev(1, 20, 30, Op::Get { key: key.clone() }, Ret::Value(Some(7)));
    let violation = Violation {
        key: key.clone(),
        context: vec![ev(
            0,
            0,
            10,
            Op::Put {
                key: key.clone(),
                value: 7,
            },
            Ret::Unit,
        )],
        window: vec![culprit.clone()],
        culprit,
        start_states: vec![None],
        explanation: explanation.trim_end().to_string(),
    };
    let svg = timeline_svg(&violation);
    for raw in ["<a&b>", "é<&\">"] {
        assert!(!svg.contains(raw), "{raw:?} unescaped in {svg}");
    }
    let context: Vec<&Event> = violation.context.iter().collect();
    let pic = assert_picture(&violation, &svg, &context);
    let header = pic.class("header");
    assert!(header.len() > 3, "a long explanation wraps over lines");
    assert!(
        header[0].text.contains(&key.escape_ascii().to_string()),
        "key in the title"
    );
}

#[test]
fn bar_titles_give_spans_and_states() {
    let history = stale_read();
    let violation = violation_of(&history);
    let pic = read_picture(&timeline_svg_in(&violation, &history));
    let put = pic
        .bars
        .iter()
        .find(|b| (b.call, b.ret) == (4, 9))
        .expect("put(2)");
    assert_eq!(
        put.title,
        "ticks 4..9: put(2) -> (); holding 1 before, holding 2 after"
    );
}
