//! `cowtrie demo`: structural sharing and guards, shown on real data.

use std::time::Instant;

use cowtrie::{Trie, TrieStore};

pub(crate) fn run(keys: u32) {
    say!("== Versions share every node a change does not touch ==");
    let start = Instant::now();
    let v1: Trie<u32> = (0..keys).map(|i| (format!("user/{i:08}"), i)).collect();
    say!(
        "v1: {} keys in {} nodes (built in {:.0?})",
        v1.len(),
        v1.node_count(),
        start.elapsed()
    );
    let probe = format!("user/{:08}", keys / 2);
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

    say!();
    say!("== A guard keeps its value after the key is removed ==");
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
}
