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
fn checker_budget_corpus() {
    replay("checker_budget", fuzz::checker_budget);
}

#[test]
fn history_reader_corpus() {
    replay("history_reader", fuzz::history_reader);
}

#[test]
fn durable_log_reader_corpus() {
    replay("durable_log_reader", fuzz::durable_log_reader);
}

#[test]
fn durable_snapshot_reader_corpus() {
    replay("durable_snapshot_reader", fuzz::durable_snapshot_reader);
}

/// Writes the seed files of the durable readers' corpora: the log and snapshot files a
/// small store leaves on a simulated disk (puts, removes, a batch, a checkpoint, writes
/// after it, a record torn in half). Run after a format change with
/// `cargo test -p cowtrie-cli --test fuzz_corpus -- --ignored write_durable_seeds`.
#[test]
#[ignore = "rewrites fuzz/corpus/durable_*/seed-*"]
fn write_durable_seeds() {
    use cowtrie::durable::{DurableStore, Options, SimDisk};
    use cowtrie::WriteBatch;

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let mut written = 0;
    for checkpoint in [false, true] {
        let disk = SimDisk::new();
        let options = Options {
            checkpoint_log_bytes: None,
            ..Options::default()
        };
        let store = DurableStore::<Vec<u8>>::open_with(disk.storage(), options).expect("open");
        store.put(b"a", b"1".to_vec()).expect("put");
        store.put(b"ab", vec![0xff; 40]).expect("put");
        store.put(b"", b"empty key".to_vec()).expect("put");
        store.remove(b"a").expect("remove");
        let mut batch = WriteBatch::new();
        batch
            .put(b"b", b"2".to_vec())
            .put(b"c", Vec::new())
            .remove(b"ab");
        store.write_batch(batch).expect("batch");
        if checkpoint {
            store.checkpoint().expect("checkpoint");
        }
        store
            .put(b"d", b"after the checkpoint".to_vec())
            .expect("put");
        store.close().expect("close");

        for name in disk.names() {
            let target = if name.ends_with(".log") {
                "durable_log_reader"
            } else if name.ends_with(".snap") {
                "durable_snapshot_reader"
            } else {
                continue;
            };
            let bytes = disk.file(&name).expect("a listed file");
            let dir = root.join(target);
            std::fs::create_dir_all(&dir).expect("corpus dir");
            let stem = format!("seed-{}", name.replace('.', "-"));
            std::fs::write(dir.join(&stem), &bytes).expect("write seed");
            if target == "durable_log_reader" && bytes.len() > 30 {
                std::fs::write(dir.join(format!("{stem}-torn")), &bytes[..bytes.len() - 5])
                    .expect("write seed");
            }
            written += 1;
        }
    }
    assert!(
        written >= 3,
        "expected two logs and a snapshot, wrote {written}"
    );
}
