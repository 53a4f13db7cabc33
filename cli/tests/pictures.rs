//! The guide's pictures: `cowtrie draw <picture>` makes the same SVG every time, the
//! copy committed under `book/src/pictures/` is that SVG (a change to the code that
//! changes a picture fails here, printing the command that regenerates it), no text
//! overlaps another or leaves the picture, and what the pictures state agrees with the
//! store.

use std::path::PathBuf;

use roxmltree::Document;

const PICTURES: [&str; 3] = ["sharing", "reclamation", "violation"];

/// The advance of a monospace character, in ems (DejaVu Sans Mono: 0.602).
const EM_ADVANCE: f64 = 0.61;

mod common;

fn draw(picture: &str) -> String {
    common::cowtrie_ok(&["draw", picture])
}

fn committed(picture: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../book/src/pictures")
        .join(format!("{picture}.svg"))
}

#[test]
fn committed_pictures_are_what_the_code_draws() {
    let mut stale = Vec::new();
    for picture in PICTURES {
        let fresh = draw(picture);
        assert_eq!(
            fresh,
            draw(picture),
            "cowtrie draw {picture} is not deterministic"
        );
        let path = committed(picture);
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old != fresh {
            stale.push(format!(
                "cargo run -p cowtrie-cli -- draw {picture} --out book/src/pictures/{picture}.svg"
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "pictures in book/src/pictures/ differ from what the code draws; regenerate with:\n{}",
        stale.join("\n")
    );
}

/// A text's reach: from its x by the advance of its characters, from the baseline up by
/// the ascent and down by the descent. Centred texts are placed by their start, so the
/// same holds.
fn text_boxes(doc: &Document) -> Vec<(String, [f64; 4])> {
    let num = |n: roxmltree::Node, a: &str| -> f64 {
        n.attribute(a).and_then(|v| v.parse().ok()).unwrap_or(0.0)
    };
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name("text"))
        .map(|t| {
            let size = t
                .attribute("font-size")
                .map_or(12.0, |s| s.parse().unwrap());
            let text: String = t.children().filter_map(|c| c.text()).collect();
            let (x, y) = (num(t, "x"), num(t, "y"));
            let w = text.chars().count() as f64 * size * EM_ADVANCE;
            (text, [x, y - 0.8 * size, x + w, y + 0.25 * size])
        })
        .collect()
}

#[test]
fn no_text_overlaps_or_leaves_a_picture() {
    for picture in PICTURES {
        let svg = draw(picture);
        let doc = Document::parse(&svg).unwrap_or_else(|e| panic!("{picture}: {e}"));
        let root = doc.root_element();
        let size = |a: &str| -> f64 { root.attribute(a).unwrap().parse().unwrap() };
        let (w, h) = (size("width"), size("height"));
        assert_eq!(
            root.attribute("viewBox"),
            Some(format!("0 0 {w} {h}").as_str())
        );
        let boxes = text_boxes(&doc);
        for (text, b) in &boxes {
            assert!(
                b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= w && b[3] <= h,
                "{picture}: {text:?} leaves the {w}x{h} picture: {b:?}"
            );
        }
        for (i, (ta, a)) in boxes.iter().enumerate() {
            for (tb, b) in &boxes[i + 1..] {
                let apart = a[2] <= b[0] + 0.1
                    || b[2] <= a[0] + 0.1
                    || a[3] <= b[1] + 0.1
                    || b[3] <= a[1] + 0.1;
                assert!(apart, "{picture}: {ta:?} overlaps {tb:?}");
            }
        }
    }
}

#[test]
fn the_sharing_picture_agrees_with_the_trie() {
    let svg = draw("sharing");
    // The counts printed are the store's own (node_count, shared_nodes) for the script
    // the picture runs: v1 = {in, tea, ten, to}, v2 puts tea, v3 removes to.
    let v1: cowtrie::Trie<u32> = [("in", 1), ("tea", 2), ("ten", 3), ("to", 4)]
        .into_iter()
        .collect();
    let v2 = v1.put("tea", 5);
    let v3 = v2.remove("to");
    for (version, parent, name, parent_name) in [(&v2, &v1, "v2", "v1"), (&v3, &v2, "v3", "v2")] {
        let shared = version.shared_nodes(parent);
        let line = format!(
            "{} nodes: {shared} shared with {parent_name}, {} new",
            version.node_count(),
            version.node_count() - shared
        );
        assert!(svg.contains(&line), "{name}: {line:?} in the picture");
    }
    // Path compression shows: after the remove, "t" and "e" are one branch "te".
    assert!(svg.contains("branch &quot;te&quot;"));
    assert!(svg.contains("guard = store.get(&quot;tea&quot;)"));
}

#[test]
fn the_reclamation_picture_shows_each_free_and_when() {
    let svg = draw("reclamation");
    for line in [
        "reader B unpins version 2 (R6); it is retired, and waits for the next write",
        "version 1 freed by the writer, after it released the lock: its value v1 is dropped",
        "version 2 freed by the writer, after it released the lock: its value v2 is dropped",
        "version 3 freed by the writer, after it released the lock: its value v3 is dropped",
        "then retired_versions() = 2",
        "then retired_versions() = 0",
    ] {
        assert!(svg.contains(line), "{line:?} in the reclamation picture");
    }
}

#[test]
fn an_unwritable_output_is_a_clear_error() {
    let (code, _, stderr) =
        common::cowtrie(&["draw", "sharing", "--out", "/nonexistent-dir/sharing.svg"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cannot write /nonexistent-dir/sharing.svg"),
        "{stderr}"
    );
}
