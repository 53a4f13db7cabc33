//! `Trie::nodes` and `ValueGuard::node_id`: the read-only view the pictures are drawn
//! from shows the trie as it is (path-compressed, leaves holding whole keys), in a
//! deterministic order, with identities that tell shared nodes from copied ones.
#![cfg(not(loom))]

use std::collections::{HashMap, HashSet};

use cowtrie::inspect::{NodeId, NodeKind};
use cowtrie::{Trie, TrieStore};
use proptest::prelude::*;

fn ids(trie: &Trie<u32>) -> HashSet<NodeId> {
    trie.nodes().map(|n| n.id()).collect()
}

/// Every node comes after its parent, one level below it; leaves are the entries in key
/// order; each leaf's byte is its key's byte after the parent's path; a branch's byte
/// starts its segment.
fn assert_shape(trie: &Trie<u32>) {
    let mut paths: HashMap<NodeId, (Vec<u8>, usize)> = HashMap::new();
    let mut leaves = Vec::new();
    for node in trie.nodes() {
        let (parent_path, depth) = match node.parent() {
            None => (Vec::new(), 0),
            Some(parent) => {
                let (path, depth) = paths.get(&parent).expect("parent comes first");
                (path.clone(), depth + 1)
            }
        };
        assert_eq!(node.depth(), depth);
        match node.kind() {
            NodeKind::Branch { segment } => {
                if node.parent().is_some() {
                    assert!(!segment.is_empty(), "only the root has an empty segment");
                    assert_eq!(node.byte(), segment.first().copied());
                }
                let mut path = parent_path;
                path.extend_from_slice(segment);
                paths.insert(node.id(), (path, depth));
            }
            NodeKind::Leaf { key, value } => {
                assert!(key.starts_with(&parent_path));
                assert_eq!(node.byte(), key.get(parent_path.len()).copied());
                leaves.push((key.to_vec(), **value));
            }
        }
    }
    let entries: Vec<(Vec<u8>, u32)> = trie.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
    assert_eq!(
        leaves, entries,
        "leaves in pre-order are the entries in key order"
    );
    assert_eq!(trie.nodes().count(), trie.node_count());
}

#[test]
fn the_walk_shows_path_compression() {
    let trie: Trie<u32> = [("in", 1), ("tea", 2), ("ten", 3), ("to", 4)]
        .into_iter()
        .collect();
    let shape: Vec<String> = trie
        .nodes()
        .map(|n| {
            let indent = "  ".repeat(n.depth());
            match n.kind() {
                NodeKind::Branch { segment } => format!("{indent}{}", segment.escape_ascii()),
                NodeKind::Leaf { key, .. } => format!("{indent}[{}]", key.escape_ascii()),
            }
        })
        .collect();
    assert_eq!(
        shape,
        [
            "",
            "  [in]",
            "  t",
            "    e",
            "      [tea]",
            "      [ten]",
            "    [to]"
        ]
    );
    // Removing "to" leaves "t" with one child: the two branches merge into "te".
    let merged = trie.remove("to");
    let segments: Vec<Vec<u8>> = merged
        .nodes()
        .filter_map(|n| match n.kind() {
            NodeKind::Branch { segment } => Some(segment.to_vec()),
            NodeKind::Leaf { .. } => None,
        })
        .collect();
    assert_eq!(segments, [b"".to_vec(), b"te".to_vec()]);
    assert_shape(&trie);
    assert_shape(&merged);
}

#[test]
fn a_put_copies_the_path_and_shares_the_rest() {
    let v1: Trie<u32> = [("in", 1), ("tea", 2), ("ten", 3), ("to", 4)]
        .into_iter()
        .collect();
    let v2 = v1.put("tea", 5);
    let (old, new) = (ids(&v1), ids(&v2));
    let copied: Vec<String> = v2
        .nodes()
        .filter(|n| !old.contains(&n.id()))
        .map(|n| match n.kind() {
            NodeKind::Branch { segment } => format!("branch {}", segment.escape_ascii()),
            NodeKind::Leaf { key, .. } => format!("leaf {}", key.escape_ascii()),
        })
        .collect();
    assert_eq!(copied, ["branch ", "branch t", "branch e", "leaf tea"]);
    assert_eq!(new.intersection(&old).count(), v2.shared_nodes(&v1));
}

/// A node's identity prints without its address, which differs from run to run.
#[test]
fn a_node_id_debugs_without_its_address() {
    let trie: Trie<u32> = [("a", 1)].into_iter().collect();
    let id = trie.nodes().next().expect("a root").id();
    assert_eq!(format!("{id:?}"), "NodeId(..)");
}

#[test]
fn a_guard_names_the_leaf_it_keeps() {
    let store = TrieStore::new();
    store.put("a", 1);
    store.put("b", 2);
    let guard = store.get("a").expect("a");
    let before = store.snapshot();
    let leaf = before
        .nodes()
        .find(|n| matches!(n.kind(), NodeKind::Leaf { key, .. } if *key == b"a"))
        .expect("leaf a");
    assert_eq!(leaf.id(), guard.node_id());
    store.put("a", 3);
    assert!(!ids(&store.snapshot()).contains(&guard.node_id()));
    assert!(ids(&before).contains(&guard.node_id()));
}

proptest! {
    #[test]
    fn every_trie_walks_in_shape(
        keys in proptest::collection::vec(proptest::collection::vec(0u8..4, 0..5), 0..40),
        gone in proptest::collection::vec(proptest::collection::vec(0u8..4, 0..5), 0..10),
    ) {
        let mut trie = Trie::new();
        for (i, key) in keys.iter().enumerate() {
            trie = trie.put(key, i as u32);
        }
        let before = trie.clone();
        for key in &gone {
            trie = trie.remove(key);
        }
        assert_shape(&before);
        assert_shape(&trie);
        prop_assert_eq!(ids(&trie).intersection(&ids(&before)).count(), trie.shared_nodes(&before));
    }
}
