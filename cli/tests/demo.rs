//! `cowtrie demo`: the guided tour's figures are the store's own, it points into the
//! guide and ends with the next exercise's commands; `demo --tree` marks exactly the
//! nodes each version shares with the one before.

use std::collections::HashMap;
use std::path::Path;

use cowtrie::Trie;

mod common;

fn demo(args: &[&str]) -> String {
    common::cowtrie_ok(&[&["demo"], args].concat())
}

#[test]
fn the_tour_shows_real_figures_and_points_into_the_guide() {
    let out = demo(&["--keys", "3"]);
    // The figures are those of the same tries built here.
    let v1: Trie<u32> = (0..3u32).map(|i| (format!("user/{i:08}"), i)).collect();
    let v2 = v1.put("user/00000001", u32::MAX);
    let v3 = v2.remove("user/00000000");
    for (name, version, parent) in [("v2 = v1.put", &v2, &v1), ("v3 = v2.remove", &v3, &v2)] {
        let shared = version.shared_nodes(parent);
        let line = format!(
            "{name:<15} {} nodes: {shared} shared with its parent, {} new",
            version.node_count(),
            version.node_count() - shared
        );
        assert!(out.contains(&line), "{line:?} in:\n{out}");
    }
    assert!(out.contains("the guard still reads 4294967295"), "{out}");
    assert!(
        out.contains("1 old version kept for it (retired_versions() = 1)"),
        "{out}"
    );
    assert!(
        out.contains("after it left and one more put: retired_versions() = 0"),
        "{out}"
    );
    // Each part names its chapter; the tour ends with the next exercise's commands.
    let chapters: Vec<&str> = out
        .split_whitespace()
        .filter_map(|w| w.trim_end_matches(['.', ',']).strip_prefix("book/src/"))
        .filter(|w| w.ends_with(".md") && !w.contains('*'))
        .collect();
    for chapter in ["02-sharing.md", "03-guards.md", "05-reclamation.md"] {
        assert!(chapters.contains(&chapter), "{chapter} named in:\n{out}");
    }
    let exercise = out
        .split("== Next exercise")
        .nth(1)
        .expect("a next exercise");
    for command in [
        "cargo run --release -q -- demo --keys 3",
        ".ci/with-mutant.sh in-place-update cargo test -q -p cowtrie --test properties",
    ] {
        assert!(exercise.contains(command), "{command:?} in:\n{exercise}");
    }
    // Every chapter named is one the guide's table of contents lists.
    let summary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src/SUMMARY.md");
    let summary = std::fs::read_to_string(&summary).expect("the guide's SUMMARY.md");
    for chapter in chapters {
        assert!(
            summary.contains(&format!("({chapter})")),
            "{chapter} in SUMMARY.md"
        );
    }
}

#[test]
fn the_tree_marks_exactly_the_shared_nodes() {
    let out = demo(&["--tree"]);
    let blocks: Vec<&str> = out
        .split("\n\n")
        .filter(|b| b.starts_with('v') && b.contains(" = "))
        .collect();
    assert_eq!(blocks.len(), 3, "three versions in:\n{out}");
    // The script's versions, rebuilt here: the counts and marks must be theirs.
    let v1: Trie<u32> = [("in", 1), ("tea", 2), ("ten", 3), ("to", 4)]
        .into_iter()
        .collect();
    let v2 = v1.put("tea", 5);
    let v3 = v2.remove("to");
    let versions = [&v1, &v2, &v3];
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, block) in blocks.iter().enumerate() {
        let nodes: Vec<&str> = block.lines().skip(1).collect();
        assert_eq!(nodes.len(), versions[i].node_count(), "{block}");
        let number = |line: &str| line[2..].split_whitespace().next().unwrap().to_string();
        if i > 0 {
            let shared = versions[i].shared_nodes(versions[i - 1]);
            let marked: Vec<&&str> = nodes.iter().filter(|l| l.starts_with('=')).collect();
            assert_eq!(marked.len(), shared, "{block}");
            assert_eq!(
                nodes.iter().filter(|l| l.starts_with('+')).count(),
                nodes.len() - shared
            );
            for line in marked {
                assert_eq!(
                    seen.get(&number(line)),
                    Some(&(i - 1)),
                    "{line} was in the version before"
                );
            }
        }
        for line in &nodes {
            seen.insert(number(line), i);
        }
    }
    // Path compression: after the remove, "t" and "e" are one branch.
    assert!(blocks[2].contains("branch \"te\""), "{}", blocks[2]);
    let pinned: Vec<&str> = out.lines().filter(|l| l.contains("ValueGuard")).collect();
    assert_eq!(pinned.len(), 1);
    assert!(pinned[0].contains("tea = 2"), "the guard keeps the old tea");
}
