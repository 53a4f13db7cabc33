//! Replays every committed fuzz corpus file (`fuzz/corpus/<target>/`) through the same
//! function the fuzz target runs, on stable, as part of the ordinary test suite.

use std::path::Path;

use cowtrie_cli::fuzz;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the {target} corpus is empty");
    for file in files {
        let data = std::fs::read(&file).expect("read corpus file");
        run(&data);
    }
}

#[test]
fn trie_ops_corpus() {
    replay("trie_ops", fuzz::trie_ops);
}

#[test]
fn store_ops_corpus() {
    replay("store_ops", fuzz::store_ops);
}

#[test]
fn checker_corpus() {
    replay("checker", fuzz::checker);
}

#[test]
fn history_reader_corpus() {
    replay("history_reader", fuzz::history_reader);
}
