//! Real histories recorded by other tools (`histories/`, with their sources and
//! licenses in `histories/README.md`), read and checked against their known verdicts.

use std::path::Path;

use cowtrie_model::read::{read_history, Format, FromRecord};
use cowtrie_model::{check_with, Budget, KeyValue, Register, Verdict};

fn verdict<S: FromRecord>(spec: &S, bytes: &[u8]) -> &'static str {
    let history = read_history(spec, bytes, Format::Auto).expect("a readable history");
    let budget = Budget {
        steps_per_op: u64::MAX,
        ..Budget::default()
    };
    match check_with(spec, &history, budget).verdict {
        Verdict::Linearizable => "linearizable",
        Verdict::Violation(_) => "not",
        Verdict::Unknown { .. } => "unknown",
    }
}

#[test]
fn every_committed_history_gets_its_known_verdict() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/histories");
    let table = std::fs::read_to_string(dir.join("VERDICTS.tsv")).expect("VERDICTS.tsv");
    let mut checked = 0;
    for line in table.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let (file, expected) = line.split_once('\t').expect("file<TAB>expected");
        let bytes = std::fs::read(dir.join(file)).expect(file);
        let got = if file.starts_with("porcupine-kv/") {
            verdict(&KeyValue, &bytes)
        } else {
            verdict(&Register, &bytes)
        };
        assert_eq!(got, expected.trim(), "{file}");
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} histories");
}
