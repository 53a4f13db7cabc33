//! `cowtrie demo`: a guided tour of the guide's first lessons, each shown on real data
//! (versions sharing nodes, a guard outliving a remove, a read holding back one
//! version), each pointing to its chapter, and ending with the commands of the next
//! exercise. `cowtrie demo --tree` prints a small trie's versions node by node.

use std::time::Instant;

use cowtrie::inspect::{NodeId, NodeKind};
use cowtrie::{Trie, TrieStore};

use crate::draw::sharing;

/// The guide's chapters the tour points to (files under `book/src/`).
pub(crate) const SHARING: &str = "book/src/02-sharing.md";
pub(crate) const GUARDS: &str = "book/src/03-guards.md";
pub(crate) const RECLAMATION: &str = "book/src/05-reclamation.md";

pub(crate) fn run(keys: u32, tree: bool) {
    if tree {
        print_tree();
        return;
    }
    say!("cowtrie demo: a guided tour. The guide is in book/ (mdbook build book; or read");
    say!("book/src/*.md); each part below names its chapter and the picture that goes with it.");
    say!();
    let v3 = sharing_part(keys);
    say!();
    guard_part(keys, v3);
    say!();
    reclamation_part();
    say!();
    say!("== Next exercise ({SHARING}, \"Exercise\") ==");
    say!("Predict how many nodes of each new version are shared with its parent, then run:");
    say!("  cargo run --release -q -- demo --keys 3");
    say!("  cargo run --release -q -- demo --tree");
    say!("Then break copy-on-write (a seeded bug that updates a shared leaf in place) and watch");
    say!("the property and law tests catch it:");
    say!("  .ci/with-mutant.sh in-place-update cargo test -q -p cowtrie --test properties --test laws");
}

fn sharing_part(keys: u32) -> Trie<u32> {
    say!("== 1. Versions share every node a change does not touch ==");
    let start = Instant::now();
    let v1: Trie<u32> = (0..keys).map(|i| (format!("user/{i:08}"), i)).collect();
    say!(
        "v1: {} keys in {} nodes (built in {:.0?})",
        v1.len(),
        v1.node_count(),
        start.elapsed()
    );
    let probe = probe(keys);
    let v2 = v1.put(&probe, u32::MAX);
    let v3 = v2.remove(format!("user/{:08}", 0));
    for (name, version, parent) in [("v2 = v1.put", &v2, &v1), ("v3 = v2.remove", &v3, &v2)] {
        let nodes = version.node_count();
        let shared = version.shared_nodes(parent);
        say!(
            "{name:<15} {nodes} nodes: {shared} shared with its parent, {} new",
            nodes - shared
        );
    }
    say!(
        "old versions are unchanged: v1[{probe}] = {:?}, v2[{probe}] = {:?}",
        v1.get(&probe),
        v2.get(&probe)
    );
    say!("Read: {SHARING}. Picture: cowtrie draw sharing --out sharing.svg; in text: cowtrie demo --tree");
    v3
}

fn probe(keys: u32) -> String {
    format!("user/{:08}", keys / 2)
}

fn guard_part(keys: u32, v3: Trie<u32>) {
    say!("== 2. A guard keeps its value after the key is removed ==");
    let probe = probe(keys);
    let store = TrieStore::from(v3);
    let guard = store.get(&probe).expect("the probe key is present");
    let removed = store.remove(&probe);
    say!(
        "removed {probe}: {removed}; store now has it: {}; the guard still reads {}",
        store.get(&probe).is_some(),
        *guard
    );
    let snapshot = store.snapshot();
    store.put("user/new", 1);
    say!(
        "a snapshot taken before a put keeps its version: {} keys, store has {}",
        snapshot.len(),
        store.snapshot().len()
    );
    say!("Read: {GUARDS}.");
}

fn reclamation_part() {
    say!("== 3. A read in progress holds back one version, and never the writer ==");
    let store = TrieStore::new();
    store.put("k", 1);
    let during = store.get_with("k", |v| {
        store.put("k", 2);
        store.put("k", 3);
        (v.copied(), store.retired_versions())
    });
    let (seen, held) = during;
    say!(
        "a get_with read k = {seen:?} while two puts went by: {held} old version kept for it \
         (retired_versions() = {held})"
    );
    store.put("k", 4);
    say!(
        "after it left and one more put: retired_versions() = {}, k = {:?}",
        store.retired_versions(),
        store.get("k").as_deref()
    );
    say!("Read: {RECLAMATION}. Picture: cowtrie draw reclamation --out reclamation.svg");
}

/// `demo --tree`: the sharing picture's versions in text, one node a line; `=` marks a
/// node shared with the version before (the same node in memory), `+` a new one.
fn print_tree() {
    let (versions, guard) = sharing::script();
    let mut numbers: std::collections::HashMap<NodeId, usize> = Default::default();
    for version in &versions {
        for node in version.trie.nodes() {
            let next = numbers.len() + 1;
            numbers.entry(node.id()).or_insert(next);
        }
    }
    say!("Three versions of one store, as the trie lays them out (path-compressed branches,");
    say!("leaves holding whole keys). n<number> names a node in memory: the same number in two");
    say!(
        "versions is the same node. '=' shared with the version above, '+' new (the copied path)."
    );
    let mut previous: Option<std::collections::HashSet<NodeId>> = None;
    for version in &versions {
        let ids: std::collections::HashSet<NodeId> = version.trie.nodes().map(|n| n.id()).collect();
        say!();
        let counts = match &previous {
            None => format!("{} nodes", ids.len()),
            Some(before) => {
                let shared = ids.intersection(before).count();
                format!(
                    "{} nodes: {shared} shared (=), {} new (+)",
                    ids.len(),
                    ids.len() - shared
                )
            }
        };
        say!("{} = {}    {counts}", version.name, version.made);
        for node in version.trie.nodes() {
            let mark = match &previous {
                Some(before) if before.contains(&node.id()) => '=',
                Some(_) => '+',
                None => ' ',
            };
            let edge = node
                .byte()
                .map_or(String::new(), |b| format!("'{}' ", [b].escape_ascii()));
            let what = match node.kind() {
                NodeKind::Branch { segment } if node.parent().is_none() => {
                    format!("root \"{}\"", segment.escape_ascii())
                }
                NodeKind::Branch { segment } => format!("branch \"{}\"", segment.escape_ascii()),
                NodeKind::Leaf { key, value } => format!("{} = {value}", key.escape_ascii()),
            };
            let pinned = if node.id() == guard.node_id() {
                "   <- kept alive by a ValueGuard"
            } else {
                ""
            };
            say!(
                "{mark} {:<4} {}{edge}{what}{pinned}",
                format!("n{}", numbers[&node.id()]),
                "  ".repeat(node.depth())
            );
        }
        previous = Some(ids);
    }
    say!();
    say!("Read: {SHARING}. The same versions as a picture: cowtrie draw sharing --out sharing.svg");
}
