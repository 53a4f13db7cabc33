//! The SVG timeline of a violation: well-formed and escaped, one row per thread, bars
//! placed and sized in proportion to their ticks, coloured by their part in the violation.

use cowtrie_model::{check, timeline_svg, Budget, Event, History, Op, Ret, Verdict, Violation};
use roxmltree::{Document, Node};

const CULPRIT: &str = "#f4a0a0";
const CONTEXT: &str = "#dddddd";
const WINDOW: &str = "#b8d4f0";

/// Rounding of the coordinates (one decimal each) plus slack for derived values.
const TOLERANCE: f64 = 0.25;

mod common;
use common::ev;

// ---- reading the SVG back with roxmltree ----

/// Parses `svg`, failing the test unless it is well-formed XML with an `<svg>` root.
/// roxmltree rejects unbalanced tags, unknown entities and raw `<` in text or attributes.
fn parse(svg: &str) -> Document<'_> {
    let doc = Document::parse(svg).unwrap_or_else(|e| panic!("malformed SVG ({e}):\n{svg}"));
    assert!(doc.root_element().has_tag_name("svg"), "root is not <svg>");
    doc
}

/// The element children of `node` named `name`.
fn elements<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| c.has_tag_name(name))
}

/// The element's own character data, entities decoded.
fn text(node: Node) -> String {
    node.children()
        .filter(Node::is_text)
        .filter_map(|t| t.text())
        .collect()
}

fn attr<'a>(node: Node<'a, '_>, name: &str) -> &'a str {
    node.attribute(name)
        .unwrap_or_else(|| panic!("<{}> has no {name} attribute", node.tag_name().name()))
}

fn num(node: Node, name: &str) -> f64 {
    let value = attr(node, name);
    let n: f64 = value
        .parse()
        .unwrap_or_else(|_| panic!("{name}={value:?} is not a number"));
    assert!(n.is_finite(), "{name}={value:?}");
    n
}

// ---- the picture, read back ----

#[derive(Debug)]
struct Bar {
    call: u64,
    ret: u64,
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    fill: String,
}

#[derive(Debug)]
struct Label {
    x: f64,
    y: f64,
    text: String,
}

#[derive(Debug)]
struct Picture {
    width: f64,
    height: f64,
    /// The first text: the key and the explanation.
    header: Label,
    /// Every other text: row labels and bar labels.
    labels: Vec<Label>,
    bars: Vec<Bar>,
}

fn picture(violation: &Violation) -> Picture {
    let svg = timeline_svg(violation);
    let doc = parse(&svg);
    let root = doc.root_element();
    let mut labels: Vec<Label> = elements(root, "text")
        .map(|t| Label {
            x: num(t, "x"),
            y: num(t, "y"),
            text: text(t),
        })
        .collect();
    assert!(!labels.is_empty(), "no header in {svg}");
    let header = labels.remove(0);
    let bars = elements(root, "rect")
        .map(|r| {
            let title = elements(r, "title").next().expect("a bar has a title");
            let title = text(title);
            let ticks = title.strip_prefix("ticks ").expect("title: ticks");
            let (call, ret) = ticks.split_once("..").expect("ticks a..b");
            Bar {
                call: call.parse().expect("call tick"),
                ret: ret.parse().expect("return tick"),
                x: num(r, "x"),
                y: num(r, "y"),
                width: num(r, "width"),
                height: num(r, "height"),
                fill: attr(r, "fill").to_string(),
            }
        })
        .collect();
    Picture {
        width: num(root, "width"),
        height: num(root, "height"),
        header,
        labels,
        bars,
    }
}

impl Picture {
    fn bar(&self, event: &Event) -> &Bar {
        let mut found = self
            .bars
            .iter()
            .filter(|b| (b.call, b.ret) == (event.call, event.ret));
        let bar = found
            .next()
            .unwrap_or_else(|| panic!("no bar for {event:?}"));
        assert!(found.next().is_none(), "two bars for {event:?}");
        bar
    }

    /// The row label of `thread`; panics unless there is exactly one.
    fn row_label(&self, thread: usize) -> &Label {
        let name = format!("thread {thread}");
        let mut found = self.labels.iter().filter(|l| l.text == name);
        let label = found.next().unwrap_or_else(|| panic!("no row {name:?}"));
        assert!(found.next().is_none(), "two rows {name:?}");
        label
    }

    fn row_labels(&self) -> Vec<&Label> {
        self.labels
            .iter()
            .filter(|l| l.text.starts_with("thread "))
            .collect()
    }
}

fn events(violation: &Violation) -> Vec<&Event> {
    violation.context.iter().chain(&violation.window).collect()
}

/// Checks what holds for every picture: each event has one bar, in its thread's row, inside
/// the picture, labelled with the operation and its result, coloured by its role.
fn assert_layout(violation: &Violation, pic: &Picture) {
    let events = events(violation);
    assert_eq!(pic.bars.len(), events.len(), "one bar per event");
    let mut threads: Vec<usize> = events.iter().map(|e| e.thread).collect();
    threads.sort_unstable();
    threads.dedup();
    assert_eq!(pic.row_labels().len(), threads.len(), "one row per thread");

    let rows: Vec<&Label> = threads.iter().map(|&t| pic.row_label(t)).collect();
    for pair in rows.windows(2) {
        assert!(pair[0].y < pair[1].y, "rows go down in thread order");
    }
    for event in &events {
        let bar = pic.bar(event);
        assert!(bar.height > 0.0 && bar.width > 0.0, "{bar:?}");
        assert!(
            bar.x >= 0.0 && bar.x + bar.width <= pic.width + TOLERANCE,
            "bar inside the picture horizontally: {bar:?} in width {}",
            pic.width
        );
        assert!(
            bar.y > pic.header.y && bar.y + bar.height <= pic.height,
            "bar below the header and inside the picture: {bar:?} in height {}",
            pic.height
        );
        // The bar lies in its thread's row: level with the row label, and with no other
        // row label level with it.
        let level = |l: &Label| bar.y <= l.y && l.y <= bar.y + bar.height;
        assert!(level(pic.row_label(event.thread)), "{event:?} in its row");
        assert_eq!(
            rows.iter().filter(|l| level(l)).count(),
            1,
            "rows overlap at {bar:?}"
        );
        assert!(
            pic.row_label(event.thread).x < bar.x,
            "row label left of the bars"
        );
        // Labelled with the operation and its result, starting on the bar.
        let text = format!("{} -> {}", event.op, event.result_text());
        assert!(
            pic.labels.iter().any(|l| l.text == text
                && bar.x <= l.x
                && l.x < bar.x + bar.width
                && bar.y <= l.y
                && l.y <= bar.y + bar.height),
            "no label {text:?} on {bar:?}"
        );
        let fill = if **event == violation.culprit {
            CULPRIT
        } else if violation.context.contains(event) {
            CONTEXT
        } else {
            WINDOW
        };
        assert_eq!(bar.fill, fill, "colour of {event:?}");
    }
}

/// Checks that bars sit and stretch in proportion to their ticks along one time axis,
/// from the earliest call to the latest return, which spans most of the picture and ends
/// at its right margin.
fn assert_time_axis(violation: &Violation, pic: &Picture) {
    let events = events(violation);
    let first = events.iter().map(|e| e.call).min().expect("events");
    let last = events.iter().map(|e| e.ret).max().expect("events");
    let earliest = events.iter().find(|e| e.call == first).expect("earliest");
    let latest = events.iter().find(|e| e.ret == last).expect("latest");
    let left = pic.bar(earliest).x;
    let right = pic.bar(latest).x + pic.bar(latest).width;
    assert!(
        right - left >= pic.width / 2.0 && pic.width - right <= pic.width / 20.0,
        "the time axis spans the picture to its right margin: {left}..{right} of {}",
        pic.width
    );
    let scale = (right - left) / (last - first) as f64;
    for event in &events {
        let bar = pic.bar(event);
        let x = left + (event.call - first) as f64 * scale;
        assert!(
            (bar.x - x).abs() <= TOLERANCE,
            "{event:?} starts at {} not {x}",
            bar.x
        );
        let width = ((event.ret - event.call) as f64 * scale).max(4.0);
        assert!(
            (bar.width - width).abs() <= TOLERANCE,
            "{event:?} is {} wide, not {width}",
            bar.width
        );
    }
}

/// A hand-made violation over threads 3 and 7, ticks 100..1100, with one event too short
/// to see at scale (1 tick of 1000).
fn two_thread_violation() -> Violation {
    let culprit = ev(7, 600, 900, Op::get("k"), Ret::Value(Some(1)));
    Violation {
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
    }
}

#[test]
fn bars_are_placed_and_sized_in_proportion_to_their_ticks() {
    let violation = two_thread_violation();
    let pic = picture(&violation);
    assert_layout(&violation, &pic);
    assert_time_axis(&violation, &pic);
    // The 1-tick get is still visible.
    assert!(pic.bar(&violation.window[0]).width >= 4.0);
}

#[test]
fn a_real_violation_is_drawn_with_culprit_and_context() {
    // A stale read: the get sees a value overwritten before it was called. The recorded
    // clock starts at tick 0.
    let history = History::from_events([
        ev(0, 0, 1, Op::put("k", 1), Ret::Unit),
        ev(0, 2, 3, Op::put("k", 2), Ret::Unit),
        ev(1, 4, 5, Op::get("k"), Ret::Value(Some(1))),
        ev(1, 6, 7, Op::put("other", 3), Ret::Unit),
    ]);
    let violation = match check(&history, Budget::default()).verdict {
        Verdict::Violation(v) => *v,
        other => panic!("expected a violation, got {other:?}"),
    };
    assert!(
        !violation.context.is_empty(),
        "the explanation cites a write"
    );
    let pic = picture(&violation);
    assert_layout(&violation, &pic);
    assert_time_axis(&violation, &pic);
    let culprits: Vec<&Bar> = pic.bars.iter().filter(|b| b.fill == CULPRIT).collect();
    assert_eq!(culprits.len(), 1, "one red bar");
    assert_eq!(
        (culprits[0].call, culprits[0].ret),
        (violation.culprit.call, violation.culprit.ret)
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
        let pic = picture(&violation);
        assert_layout(&violation, &pic);
        pic
    };
    let pictures: Vec<Picture> = (1..=4).map(with_threads).collect();
    let pitch = pictures[3].bars[1].y - pictures[3].bars[0].y;
    assert!(pitch >= pictures[3].bars[0].height, "rows do not overlap");
    for (n, pic) in pictures.iter().enumerate() {
        let ys: Vec<f64> = pic.bars.iter().map(|b| b.y).collect();
        for pair in ys.windows(2) {
            assert!((pair[1] - pair[0] - pitch).abs() <= TOLERANCE, "even rows");
        }
        assert_eq!(pic.bars[0].y, pictures[0].bars[0].y, "first row in place");
        if n > 0 {
            let grown = pic.height - pictures[n - 1].height;
            assert!(
                (grown - pitch).abs() <= TOLERANCE,
                "{} threads: grew by {grown}, not one row ({pitch})",
                n + 1
            );
        }
    }
}

#[test]
fn text_is_escaped_and_the_explanation_truncated() {
    let key = b"<a&b>\"\xff".to_vec();
    // 140 characters, some multi-byte or special in XML, then more that must be cut.
    let shown: String = "é<&\">".repeat(28);
    assert_eq!(shown.chars().count(), 140);
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
        explanation: format!("{shown}NOT SHOWN"),
    };
    let svg = timeline_svg(&violation);
    for raw in ["<a&b>", "é<&\">é"] {
        assert!(!svg.contains(raw), "{raw:?} unescaped in {svg}");
    }
    let pic = picture(&violation);
    assert_layout(&violation, &pic);
    let header = &pic.header.text;
    assert!(
        header.contains(&key.escape_ascii().to_string()),
        "key in {header:?}"
    );
    assert!(header.ends_with(&shown), "explanation in {header:?}");
    assert!(!header.contains("NOT SHOWN"), "truncated: {header:?}");
}
