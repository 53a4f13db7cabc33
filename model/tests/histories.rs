//! Real histories recorded by other tools (`histories/`, with their sources and
//! licenses in `histories/README.md`), read and checked against their known verdicts.

use std::path::Path;

use cowtrie_model::{KeyValue, Register};

mod common;
use common::verdict_of_file;

#[test]
fn every_committed_history_gets_its_known_verdict() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/histories");
    let table = std::fs::read_to_string(dir.join("VERDICTS.tsv")).expect("VERDICTS.tsv");
    let mut checked = 0;
    for line in table.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let (file, expected) = line.split_once('\t').expect("file<TAB>expected");
        let bytes = std::fs::read(dir.join(file)).expect(file);
        let got = if file.starts_with("porcupine-kv/") {
            verdict_of_file(&KeyValue, &bytes)
        } else {
            verdict_of_file(&Register, &bytes)
        };
        assert_eq!(got, expected.trim(), "{file}");
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} histories");
}
