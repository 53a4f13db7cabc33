//! `cowtrie draw sharing`: three versions of one small store side by side, as the trie
//! really lays them out (path-compressed branches, leaves holding whole keys), nodes
//! numbered by identity ([`cowtrie::inspect::NodeId`]) so that a node shared between versions
//! carries the same number in each, and a [`cowtrie::ValueGuard`] pinning an old leaf.

use std::collections::{HashMap, HashSet};

use cowtrie::inspect::{NodeId, NodeKind};
use cowtrie::{Trie, TrieStore, ValueGuard};

use super::{text_width, Canvas, LINE};

const NEW: &str = "#f6c28b";
const SHARED: &str = "#b8d4f0";
const FIRST: &str = "#ffffff";
const GUARD: &str = "#c03030";

/// A version to draw: its name, how it was made, and the trie.
pub(crate) struct Version {
    pub(crate) name: &'static str,
    pub(crate) made: &'static str,
    pub(crate) trie: Trie<u32>,
}

/// One node of a version, ready to place.
struct Drawn {
    id: NodeId,
    parent: Option<NodeId>,
    byte: Option<u8>,
    depth: usize,
    text: String,
    leaf: bool,
}

/// The scripted store: three versions of it, and a guard read before the second.
pub(crate) fn script() -> ([Version; 3], ValueGuard<u32>) {
    let store = TrieStore::new();
    for (key, value) in [("in", 1), ("tea", 2), ("ten", 3), ("to", 4)] {
        store.put(key, value);
    }
    let v1 = store.snapshot();
    let guard = store.get("tea").expect("tea was put");
    store.put("tea", 5);
    let v2 = store.snapshot();
    store.remove("to");
    let v3 = store.snapshot();
    let versions = [
        Version {
            name: "v1",
            made: "puts of in, tea, ten, to",
            trie: v1,
        },
        Version {
            name: "v2",
            made: "v1.put(\"tea\", 5)",
            trie: v2,
        },
        Version {
            name: "v3",
            made: "v2.remove(\"to\")",
            trie: v3,
        },
    ];
    (versions, guard)
}

/// The picture of the scripted store's versions.
pub(crate) fn draw() -> String {
    let (versions, guard) = script();

    // Numbers by first appearance: the same node has the same number in every panel.
    let mut numbers: HashMap<NodeId, usize> = HashMap::new();
    for version in &versions {
        for node in version.trie.nodes() {
            let next = numbers.len() + 1;
            numbers.entry(node.id()).or_insert(next);
        }
    }

    let mut canvas = Canvas::new();
    canvas.text(
        12.0,
        22.0,
        "Versions share nodes: three versions of one TrieStore, drawn from Trie::nodes()",
        r#"font-size="14" font-weight="bold""#,
    );
    canvas.text(
        12.0,
        22.0 + LINE,
        "one number in two panels = one node in memory (the same NodeId); a box shows a branch's segment, or a leaf's key = value",
        "",
    );
    let top = 22.0 + 3.6 * LINE;
    let mut x = 12.0;
    let mut previous: Option<HashSet<NodeId>> = None;
    let mut guard_at = None;
    for (i, version) in versions.iter().enumerate() {
        let nodes: Vec<Drawn> = version
            .trie
            .nodes()
            .map(|node| {
                let (text, leaf) = match node.kind() {
                    NodeKind::Branch { segment } if node.parent().is_none() => {
                        (format!("root \"{}\"", segment.escape_ascii()), false)
                    }
                    NodeKind::Branch { segment } => {
                        (format!("branch \"{}\"", segment.escape_ascii()), false)
                    }
                    NodeKind::Leaf { key, value } => {
                        (format!("{} = {value}", key.escape_ascii()), true)
                    }
                };
                Drawn {
                    id: node.id(),
                    parent: node.parent(),
                    byte: node.byte(),
                    depth: node.depth(),
                    text,
                    leaf,
                }
            })
            .collect();
        let ids: HashSet<NodeId> = nodes.iter().map(|n| n.id).collect();
        let shared = previous
            .as_ref()
            .map_or(0, |before| ids.intersection(before).count());
        let heading = format!("{} = {}", version.name, version.made);
        let counts = match &previous {
            None => format!("{} nodes", version.trie.node_count()),
            Some(_) => format!(
                "{} nodes: {shared} shared with {}, {} new",
                version.trie.node_count(),
                versions[i - 1].name,
                ids.len() - shared
            ),
        };
        let fill = |id: &NodeId| match &previous {
            None => FIRST,
            Some(before) if before.contains(id) => SHARED,
            Some(_) => NEW,
        };
        let box_width = nodes
            .iter()
            .map(|n| text_width(&n.text))
            .fold(text_width("n00"), f64::max)
            + 16.0;
        let slot = box_width + 14.0;
        let places = layout(&nodes, slot);
        let leaves = nodes.iter().filter(|n| n.leaf).count().max(1) as f64;
        let width = (leaves * slot)
            .max(text_width(&heading))
            .max(text_width(&counts));
        canvas.text(x, top, &heading, r#"font-weight="bold""#);
        canvas.text(x, top + LINE, &counts, "");
        let tree_top = top + 2.0 * LINE + 10.0;
        let (height, level) = (36.0, 66.0);
        let centre = |id: &NodeId| {
            let (cx, depth) = places[id];
            (x + cx, tree_top + depth as f64 * level)
        };
        for node in &nodes {
            if let Some(parent) = node.parent {
                let (px, py) = centre(&parent);
                let (cx, cy) = centre(&node.id);
                canvas.line((px, py + height), (cx, cy), r##"stroke="#555""##);
                let label = node
                    .byte
                    .map_or("value".to_string(), |b| format!("'{}'", [b].escape_ascii()));
                let lx = (px + cx) / 2.0 + 4.0;
                canvas.text(
                    lx,
                    (py + height + cy) / 2.0 + 4.0,
                    &label,
                    r##"fill="#555" stroke="white" stroke-width="4" paint-order="stroke""##,
                );
            }
        }
        for node in &nodes {
            let (cx, cy) = centre(&node.id);
            let style = format!(
                r#"fill="{}" stroke="black" rx="{}""#,
                fill(&node.id),
                if node.leaf { 10 } else { 2 }
            );
            canvas.rect(cx - box_width / 2.0, cy, box_width, height, &style);
            canvas.centred(
                cx,
                cy + 14.0,
                &format!("n{}", numbers[&node.id]),
                r##"fill="#444""##,
            );
            canvas.centred(cx, cy + 29.0, &node.text, "");
            if node.id == guard.node_id() && i == 0 {
                guard_at = Some((cx, cy + height));
            }
        }
        let depth = nodes.iter().map(|n| n.depth).max().unwrap_or(0) as f64;
        let bottom = tree_top + depth * level + height;
        if i == 0 {
            if let Some((gx, gy)) = guard_at {
                let holders: Vec<&str> = versions
                    .iter()
                    .filter(|v| v.trie.nodes().any(|n| n.id() == guard.node_id()))
                    .map(|v| v.name)
                    .collect();
                let y = bottom + 40.0;
                let lines = [
                    format!("guard = store.get(\"tea\") before {}", versions[1].name),
                    format!(
                        "keeps n{} ({} = {}) alive; of the three versions only {} holds it",
                        numbers[&guard.node_id()],
                        String::from_utf8_lossy(guard.key()),
                        *guard,
                        holders.join(", ")
                    ),
                ];
                let w = lines.iter().map(|l| text_width(l)).fold(0.0, f64::max) + 16.0;
                let bx = x;
                canvas.line(
                    (gx, y),
                    (gx, gy + 2.0),
                    &format!(r#"stroke="{GUARD}" stroke-width="2" marker-end="url(#pin)""#),
                );
                canvas.rect(bx, y, w, 2.0 * LINE + 10.0, &format!(r##"fill="#fff4f4" stroke="{GUARD}" stroke-width="2" stroke-dasharray="6 3""##));
                for (l, line) in lines.iter().enumerate() {
                    canvas.text(bx + 8.0, y + 18.0 + l as f64 * LINE, line, "");
                }
            }
        }
        x += width + 36.0;
        previous = Some(ids);
    }
    canvas.raw(&format!(
        r#"<defs><marker id="pin" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{GUARD}"/></marker></defs>"#
    ));
    legend(&mut canvas, 12.0, 22.0 + 2.1 * LINE);
    canvas.finish()
}

/// The legend, one swatch per colour, in a row from `(x, y)`.
fn legend(canvas: &mut Canvas, mut x: f64, y: f64) {
    for (fill, stroke, text) in [
        (FIRST, "black", "node of v1"),
        (SHARED, "black", "shared with the version on its left"),
        (NEW, "black", "new: the copied path"),
        ("#fff4f4", GUARD, "a ValueGuard (owns one leaf)"),
    ] {
        canvas.rect(
            x,
            y - 10.0,
            14.0,
            12.0,
            &format!(r#"fill="{fill}" stroke="{stroke}""#),
        );
        x = canvas.text(x + 20.0, y, text, "") + 24.0;
    }
}

/// Each node's centre (x from the panel's left) and depth: leaves one slot apart in
/// order, a branch centred over its first and last child.
fn layout(nodes: &[Drawn], slot: f64) -> HashMap<NodeId, (f64, usize)> {
    let mut places = HashMap::new();
    let mut next_leaf = 0.0;
    for node in nodes {
        if node.leaf {
            places.insert(node.id, (slot * (next_leaf + 0.5), node.depth));
            next_leaf += 1.0;
        }
    }
    // Deepest branches first, so that each branch's children are placed already.
    let mut branches: Vec<&Drawn> = nodes.iter().filter(|n| !n.leaf).collect();
    branches.sort_by_key(|n| std::cmp::Reverse(n.depth));
    for branch in branches {
        let xs: Vec<f64> = nodes
            .iter()
            .filter(|n| n.parent == Some(branch.id))
            .map(|n| places[&n.id].0)
            .collect();
        let x = match (xs.first(), xs.last()) {
            (Some(a), Some(b)) => (a + b) / 2.0,
            _ => slot / 2.0,
        };
        places.insert(branch.id, (x, branch.depth));
    }
    places
}
