//! `cowtrie cache --trace FILE --capacity N`: the hit ratio of a replay, both formats,
//! compressed or not, through cowtrie's policy or LRU, and bad input naming its line with
//! exit status 2.

mod common;

use common::{cowtrie, scratch};

fn replay(path: &std::path::Path, capacity: &str, format: &str) -> (i32, String, String) {
    let path = path.to_str().expect("utf-8 temp path");
    cowtrie(&[
        "cache",
        "--trace",
        path,
        "--capacity",
        capacity,
        "--format",
        format,
    ])
}

#[test]
fn arc_lines_expand_per_block_and_count_hits() {
    // Blocks 10, 11, 12, then 11, 12 again, then 10: with room for 3, the last 3 hit.
    let text = "10 3 0 0\n11 2 0 1\n10 1 0 2\n";
    let (status, out, err) = replay(&scratch("arc.lis", text.as_bytes()), "3", "arc");
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("requests: 6"), "{out}");
    assert!(out.contains("hits: 3"), "{out}");
    assert!(out.contains("hit ratio: 50.00%"), "{out}");
}

#[test]
fn compressed_and_plain_traces_replay_alike() {
    let text = "a\nb\na\nc\na\nb\n";
    let plain = scratch("keys.txt", text.as_bytes());
    let packed = zstd::encode_all(text.as_bytes(), 3).expect("compress");
    let packed = scratch("keys.txt.zst", &packed);
    let (status, out, err) = replay(&plain, "10", "lines");
    assert_eq!(status, 0, "{err}");
    // a, b, c are misses the first time, hits after: 3 hits of 6.
    assert!(out.contains("hit ratio: 50.00%"), "{out}");
    assert_eq!(replay(&packed, "10", "lines").1, out);
}

#[test]
fn a_small_capacity_evicts() {
    // Room for one key: alternating keys never hit.
    let text = "a\nb\na\nb\n";
    let (status, out, _) = replay(&scratch("alternate.txt", text.as_bytes()), "1", "lines");
    assert_eq!(status, 0);
    assert!(out.contains("hit ratio: 0.00%"), "{out}");
}

#[test]
fn bad_input_exits_2_naming_the_line() {
    for (name, text, needle) in [
        ("fields.lis", "1 1 0 0\n2 1 0\n", "line 2"),
        ("number.lis", "1 1 0 0\n2 1 0 0\nx 1 0 0\n", "line 3"),
        ("overflow.lis", "18446744073709551615 2 0 0\n", "line 1"),
    ] {
        let (status, out, err) = replay(&scratch(name, text.as_bytes()), "10", "arc");
        assert_eq!(status, 2, "{name}: {out}{err}");
        assert!(err.contains(needle), "{name}: {err}");
        assert!(out.is_empty(), "{name}: {out}");
    }
    let (status, _, err) = cowtrie(&["cache", "--trace", "/nonexistent/trace", "--capacity", "1"]);
    assert_eq!(status, 2);
    assert!(err.contains("/nonexistent/trace"), "{err}");
    let (status, _, err) = replay(&scratch("zero.txt", b"a\n"), "0", "lines");
    assert_eq!(status, 2, "{err}");
}

#[test]
fn lru_is_the_floor_a_loop_defeats() {
    // A loop over 110 keys with room for 100: LRU always evicts the key needed next, so
    // it never hits; cowtrie's policy keeps part of the loop.
    let text: String = (0..30)
        .flat_map(|_| (0..110).map(|k| format!("{k}\n")))
        .collect();
    let path = scratch("loop.txt", text.as_bytes());
    let path = path.to_str().expect("utf-8 temp path");
    let run = |policy: &str| {
        cowtrie(&[
            "cache",
            "--trace",
            path,
            "--capacity",
            "100",
            "--format",
            "lines",
            "--policy",
            policy,
        ])
    };
    let (status, lru, err) = run("lru");
    assert_eq!(status, 0, "{err}");
    assert!(
        lru.contains("policy: lru") && lru.contains("hit ratio: 0.00%"),
        "{lru}"
    );
    let (status, ours, err) = run("cowtrie");
    assert_eq!(status, 0, "{err}");
    let hits = |out: &str| -> u64 {
        let line = out
            .lines()
            .find_map(|l| l.strip_prefix("hits: "))
            .expect("hits line");
        line.parse().expect("a count")
    };
    assert!(hits(&ours) > 0, "{ours}");
    let (status, _, err) = run("fifo");
    assert_eq!(status, 2, "an unknown policy is bad input");
    assert!(err.contains("possible values: cowtrie, lru"), "{err}");
}
