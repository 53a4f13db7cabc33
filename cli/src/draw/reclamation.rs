//! `cowtrie draw reclamation`: readers and a writer on a real [`TrieStore`], step by
//! step, with the protocol's step names (R1–R6, W1–W4, from `src/cell.rs`).
//!
//! The run is scripted on one thread so that it is the same every time: reader A's
//! `get_with` closure calls the writer and the other readers, as a stalled reader on
//! another core would see them. Every version holds key `k` = `v<n>`, a value whose
//! `Drop` writes to the run's ledger, so the moment each version is freed, and by whom,
//! is observed, not assumed. `TrieStore::retired_versions` is read after each write.

use std::cell::RefCell;
use std::rc::Rc;

use cowtrie::{Trie, TrieStore};

use super::{text_width, Canvas, LINE};

/// What happened, in the order it happened.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mark {
    /// A reader's closure started: R1–R4 are done, R5 runs.
    Entered(char),
    /// A reader read `k` (R5) and saw this version's value.
    Read(char, u32),
    /// A reader's closure is returning: R6 comes next.
    Leaving(char),
    /// The reader's `get_with` returned.
    Left(char),
    /// The writer starts a put of version `n`.
    Writing(u32),
    /// The put returned; `retired_versions()` then.
    Written(u32, usize),
    /// The value of version `n` was dropped, so version `n` was freed.
    Dropped(u32),
}

type Ledger = Rc<RefCell<Vec<Mark>>>;

/// A value that writes to the ledger when it is dropped.
struct Tracked {
    version: u32,
    ledger: Ledger,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.ledger.borrow_mut().push(Mark::Dropped(self.version));
    }
}

fn note(ledger: &Ledger, mark: Mark) {
    ledger.borrow_mut().push(mark);
}

/// Runs the script and returns its ledger.
fn run() -> Vec<Mark> {
    let ledger: Ledger = Rc::default();
    let value = |version| Tracked {
        version,
        ledger: Rc::clone(&ledger),
    };
    let store = TrieStore::from(Trie::new().put("k", value(1)));
    let put = |version| {
        note(&ledger, Mark::Writing(version));
        store.put("k", value(version));
        note(&ledger, Mark::Written(version, store.retired_versions()));
    };
    let read = |reader, during: Option<&dyn Fn()>| {
        store.get_with("k", |v| {
            note(&ledger, Mark::Entered(reader));
            let v = v.expect("k is always present");
            note(&ledger, Mark::Read(reader, v.version));
            if let Some(during) = during {
                during();
                // The version read is still whole after whatever ran meanwhile.
                note(&ledger, Mark::Read(reader, v.version));
            }
            note(&ledger, Mark::Leaving(reader));
        });
        note(&ledger, Mark::Left(reader));
    };
    read(
        'A',
        Some(&|| {
            put(2);
            read('B', Some(&|| put(3)));
            read('C', None);
        }),
    );
    put(4);
    // Version 4 is still live: it goes with the store, after the run's ledger is read.
    let marks = ledger.borrow().clone();
    drop(store);
    marks
}

/// One column of the picture.
struct Step {
    row: Row,
    short: String,
    long: String,
    /// The version this step reads, publishes or frees.
    version: u32,
}

#[derive(Clone, Copy, PartialEq)]
enum Row {
    Writer,
    Reader(char),
}

/// The ledger as the picture's steps; each free is put to whoever was leaving or
/// writing when the value dropped.
fn steps(marks: &[Mark]) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut live = 1;
    let mut doing = Row::Writer;
    let mut reading = std::collections::HashMap::new();
    // Frees during a put happen after its W4 (the writer drops them after the lock).
    let mut after_write = Vec::new();
    for mark in marks {
        let step = |row, short: &str, long: String, version| Step {
            row,
            short: short.to_string(),
            long,
            version,
        };
        match *mark {
            Mark::Entered(r) => {
                reading.insert(r, live);
                steps.push(step(
                    Row::Reader(r),
                    "pin R1-R4",
                    format!("reader {r} pins the current slot, fences, checks it: version {live} (R1-R4)"),
                    live,
                ));
            }
            Mark::Read(r, v) => steps.push(step(
                Row::Reader(r),
                "read R5",
                format!("reader {r} reads k = v{v} from version {v} (R5)"),
                v,
            )),
            Mark::Leaving(r) => {
                doing = Row::Reader(r);
                let v = reading[&r];
                let retired = v != live;
                steps.push(step(
                    Row::Reader(r),
                    "leave R6",
                    format!(
                        "reader {r} unpins version {v} (R6); {}",
                        if retired {
                            "it is retired, and waits for the next write: readers never free"
                        } else {
                            "it is still live"
                        }
                    ),
                    v,
                ));
            }
            Mark::Left(_) => doing = Row::Writer,
            Mark::Writing(v) => {
                doing = Row::Writer;
                steps.push(step(
                    Row::Writer,
                    "swap W1-W3",
                    format!(
                        "writer fills a free slot with version {v} (W1, W2), swaps it in and retires version {live} (W3)"
                    ),
                    v,
                ));
                live = v;
            }
            Mark::Written(v, retired) => {
                steps.push(step(
                    Row::Writer,
                    "reclaim W4",
                    format!(
                        "writer fences and reclaims every retired version no reader pins (W4); then retired_versions() = {retired}"
                    ),
                    v,
                ));
                steps.append(&mut after_write);
            }
            Mark::Dropped(v) => {
                let by = match doing {
                    Row::Writer => "the writer, after it released the lock".to_string(),
                    Row::Reader(r) => format!("reader {r}, as it left"),
                };
                let free = step(
                    doing,
                    &format!("free v{v}"),
                    format!("version {v} freed by {by}: its value v{v} is dropped"),
                    v,
                );
                match doing {
                    Row::Writer => after_write.push(free),
                    Row::Reader(_) => steps.push(free),
                }
            }
        }
    }
    steps
}

const LIVE: &str = "#9fd79f";
const RETIRED: &str = "#f6c28b";
const READING: &str = "#b8d4f0";
const FREED: &str = "#c03030";

/// The picture of the scripted run.
pub(crate) fn draw() -> String {
    let marks = run();
    let steps = steps(&marks);
    let mut canvas = Canvas::new();
    canvas.text(
        12.0,
        22.0,
        "Reclamation: who frees a replaced version, and when (a scripted run of TrieStore)",
        r#"font-size="14" font-weight="bold""#,
    );
    canvas.text(
        12.0,
        22.0 + LINE,
        "One thread plays every part, in this order: reader A's get_with closure runs the writer and readers B, C.",
        "",
    );
    canvas.text(
        12.0,
        22.0 + 2.0 * LINE,
        "Each version holds k = v<n>; a free is seen when that value's Drop runs. Step names are those of src/cell.rs.",
        "",
    );

    let readers: Vec<char> = {
        let mut r: Vec<char> = steps
            .iter()
            .filter_map(|s| match s.row {
                Row::Reader(r) => Some(r),
                Row::Writer => None,
            })
            .collect();
        r.sort_unstable();
        r.dedup();
        r
    };
    let versions = steps.iter().map(|s| s.version).max().unwrap_or(1);
    // A step's label stands in two lines, the action over the protocol's step names
    // ("swap" over "W1-W3"), so a column is as wide as the longer word.
    let column = steps
        .iter()
        .flat_map(|s| s.short.split(' '))
        .map(text_width)
        .fold(0.0, f64::max)
        + 14.0;
    let left = 12.0 + text_width("version 4 (k = v4)") + 16.0;
    let top = 22.0 + 4.5 * LINE;
    // Rows start below the step numbers and the writer's labels above its marks.
    let row_height = 40.0;
    let x = |i: usize| left + column * (i as f64 + 0.5);
    let y_of = |row: Row| match row {
        Row::Writer => top + 44.0,
        Row::Reader(r) => {
            top + 44.0 + row_height * (1 + readers.iter().position(|&x| x == r).unwrap_or(0)) as f64
        }
    };
    let versions_top = y_of(Row::Reader(readers[readers.len() - 1])) + row_height + 10.0;
    let y_version = |v: u32| versions_top + 14.0 + 30.0 * f64::from(v - 1);
    let end = x(steps.len() - 1) + column / 2.0;

    // The step numbers, and a faint line down each column.
    for i in 0..steps.len() {
        canvas.centred(x(i), top, &(i + 1).to_string(), r##"fill="#666""##);
        canvas.line(
            (x(i), top + 6.0),
            (x(i), y_version(versions) + 10.0),
            r##"stroke="#eee""##,
        );
    }
    canvas.text(12.0, top, "step", r##"fill="#666""##);
    canvas.text(
        12.0,
        y_of(Row::Writer) + 4.0,
        "writer",
        r#"font-weight="bold""#,
    );
    for &r in &readers {
        canvas.text(
            12.0,
            y_of(Row::Reader(r)) + 4.0,
            &format!("reader {r}"),
            r#"font-weight="bold""#,
        );
    }
    canvas.text(12.0, versions_top, "versions:", r#"font-weight="bold""#);

    // Version lifelines: live from its swap to the next swap, retired until freed.
    for v in 1..=versions {
        let y = y_version(v);
        canvas.text(12.0, y + 4.0, &format!("version {v} (k = v{v})"), "");
        let find = |short: &str, version: u32| {
            steps
                .iter()
                .position(|s| s.short == short && s.version == version)
        };
        let born = if v == 1 { None } else { find("swap W1-W3", v) };
        let from = born.map_or(left, x);
        let retired = find("swap W1-W3", v + 1);
        let freed = find(&format!("free v{v}"), v);
        let until = retired.map_or(end, x);
        canvas.rect(
            from,
            y - 7.0,
            until - from,
            14.0,
            &format!(r#"fill="{LIVE}" stroke="black""#),
        );
        if let Some(r) = retired {
            let stop = freed.map_or(end, x);
            canvas.rect(
                x(r),
                y - 7.0,
                stop - x(r),
                14.0,
                &format!(r#"fill="{RETIRED}" stroke="black""#),
            );
            // Who still sees it: the readers that pinned it and had not left when it
            // was retired.
            let pinning: Vec<String> = readers
                .iter()
                .filter(|&&reader| {
                    let row = Row::Reader(reader);
                    let at = |short: &str| {
                        (0..steps.len()).find(|&i| steps[i].row == row && steps[i].short == short)
                    };
                    match (at("pin R1-R4"), at("leave R6")) {
                        (Some(a), Some(b)) => steps[a].version == v && a < r && r < b,
                        _ => false,
                    }
                })
                .map(|reader| format!("reader {reader}"))
                .collect();
            let note = if pinning.is_empty() {
                "retired: no reader pins it".to_string()
            } else {
                format!("retired: still seen by {}", pinning.join(", "))
            };
            if text_width(&note) + 12.0 <= stop - x(r) {
                let halo = format!(r#"stroke="{RETIRED}" stroke-width="4" paint-order="stroke""#);
                canvas.text(x(r) + 6.0, y + 4.0, &note, &halo);
            }
        }
        if let Some(f) = freed {
            let (fx, fy) = (x(f), y);
            let style = format!(r#"stroke="{FREED}" stroke-width="3""#);
            canvas.line((fx - 6.0, fy - 6.0), (fx + 6.0, fy + 6.0), &style);
            canvas.line((fx - 6.0, fy + 6.0), (fx + 6.0, fy - 6.0), &style);
        }
    }

    // Readers: a bar from pin to leave; each read joined to the version it sees.
    for &r in &readers {
        let row = Row::Reader(r);
        let mine: Vec<usize> = (0..steps.len()).filter(|&i| steps[i].row == row).collect();
        let pin = mine
            .iter()
            .copied()
            .find(|&i| steps[i].short == "pin R1-R4");
        let leave = mine.iter().copied().find(|&i| steps[i].short == "leave R6");
        if let (Some(a), Some(b)) = (pin, leave) {
            let y = y_of(row);
            canvas.rect(
                x(a),
                y - 7.0,
                x(b) - x(a),
                14.0,
                &format!(r#"fill="{READING}" stroke="black""#),
            );
        }
    }
    for (i, step) in steps.iter().enumerate() {
        let y = y_of(step.row);
        if step.short == "read R5" {
            canvas.line(
                (x(i), y + 7.0),
                (x(i), y_version(step.version) - 7.0),
                r##"stroke="#1f5fa8" stroke-dasharray="3 3""##,
            );
        }
        let colour = if step.short.starts_with("free") {
            FREED
        } else {
            "black"
        };
        canvas.raw(&format!(
            r#"<circle cx="{:.1}" cy="{y:.1}" r="4" fill="{colour}"/>"#,
            x(i)
        ));
        let (action, names) = step.short.split_once(' ').unwrap_or((&step.short, ""));
        canvas.centred(x(i), y - 11.0 - LINE * 0.8, action, "");
        canvas.centred(x(i), y - 11.0, names, "");
    }

    // Legend, then every step in words.
    let mut lx = 12.0;
    let ly = y_version(versions) + 36.0;
    for (fill, text) in [
        (LIVE, "live: the current version"),
        (RETIRED, "retired: replaced, not freed yet"),
        (READING, "a read in progress (pinned)"),
    ] {
        canvas.rect(
            lx,
            ly - 10.0,
            14.0,
            12.0,
            &format!(r#"fill="{fill}" stroke="black""#),
        );
        lx = canvas.text(lx + 20.0, ly, text, "") + 24.0;
    }
    let style = format!(r#"stroke="{FREED}" stroke-width="3""#);
    canvas.line((lx, ly - 9.0), (lx + 10.0, ly + 1.0), &style);
    canvas.line((lx, ly + 1.0), (lx + 10.0, ly - 9.0), &style);
    lx = canvas.text(lx + 18.0, ly, "freed", "") + 24.0;
    canvas.line(
        (lx, ly - 4.0),
        (lx + 14.0, ly - 4.0),
        r##"stroke="#1f5fa8" stroke-dasharray="3 3""##,
    );
    canvas.text(lx + 20.0, ly, "which version a read sees", "");
    for (i, step) in steps.iter().enumerate() {
        canvas.text(
            12.0,
            ly + 12.0 + LINE * (i + 1) as f64,
            &format!("{}. {}", i + 1, step.long),
            "",
        );
    }
    canvas.finish()
}
