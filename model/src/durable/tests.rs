use super::*;

fn put(key: &str, value: &str, ack: Ack) -> Commit {
    Commit::single(Write::put(key, value), ack)
}

fn remove(key: &str, ack: Ack) -> Commit {
    Commit::single(Write::remove(key), ack)
}

fn state(entries: &[(&str, &str)]) -> State {
    entries
        .iter()
        .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

fn log(commits: Vec<Commit>) -> CommitLog {
    CommitLog {
        initial: State::new(),
        commits,
    }
}

fn rejected(verdict: DurableVerdict) -> Rejected {
    match verdict {
        DurableVerdict::Rejected(r) => r,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn accepted(verdict: DurableVerdict) -> Accepted {
    match verdict {
        DurableVerdict::Accepted(a) => a,
        other => panic!("expected acceptance, got {other:?}"),
    }
}

#[test]
fn every_prefix_past_the_last_durable_commit_is_accepted() {
    use Ack::*;
    let run = log(vec![
        put("a", "1", Durable),
        put("b", "2", Durable),
        put("a", "3", Applied),
        remove("b", Applied),
    ]);
    let states = [
        state(&[("a", "1"), ("b", "2")]),
        state(&[("a", "3"), ("b", "2")]),
        state(&[("a", "3")]),
    ];
    for (i, s) in states.iter().enumerate() {
        assert_eq!(accepted(check_durable_prefix(&run, s)).prefix, i + 2);
    }
}

#[test]
fn a_lost_durable_commit_is_named() {
    use Ack::*;
    let run = log(vec![
        put("a", "1", Durable),
        put("b", "2", Durable),
        put("c", "3", Applied),
    ]);
    let r = rejected(check_durable_prefix(&run, &state(&[("a", "1")])));
    assert_eq!(r.required, 2);
    assert_eq!(r.lost_after, Some(1));
    assert_eq!(r.closest, 2);
    assert_eq!(r.differences.len(), 1);
    assert_eq!(r.differences[0].key, b"b");
    assert_eq!(r.differences[0].expected.as_deref(), Some(&b"2"[..]));
    assert_eq!(r.differences[0].recovered, None);
    assert_eq!(r.differences[0].written_by, Some(1));
    assert!(
        r.explanation.contains("durable commits 1 were lost"),
        "{}",
        r.explanation
    );
    assert!(r.explanation.contains("key b\"b\""), "{}", r.explanation);
}

#[test]
fn a_hole_in_the_prefix_is_rejected() {
    use Ack::*;
    // Commit 1 lost but commit 2 kept: a set with a hole, not a prefix.
    let run = log(vec![
        put("a", "1", Durable),
        put("b", "2", Applied),
        put("c", "3", Applied),
    ]);
    let r = rejected(check_durable_prefix(
        &run,
        &state(&[("a", "1"), ("c", "3")]),
    ));
    assert_eq!(r.lost_after, None);
    assert!(!r.differences.is_empty());
}

#[test]
fn a_value_nobody_wrote_is_rejected() {
    use Ack::*;
    let run = log(vec![put("a", "1", Durable)]);
    let r = rejected(check_durable_prefix(
        &run,
        &state(&[("a", "1"), ("z", "9")]),
    ));
    assert_eq!(r.differences[0].key, b"z");
    assert!(
        r.explanation.contains("no commit ever wrote"),
        "{}",
        r.explanation
    );
    let r = rejected(check_durable_prefix(&run, &state(&[("a", "2")])));
    assert_eq!(r.differences[0].expected.as_deref(), Some(&b"1"[..]));
}

#[test]
fn a_torn_batch_is_rejected() {
    let batch = Commit {
        writes: vec![
            Write::put("a", "1"),
            Write::put("b", "1"),
            Write::remove("c"),
        ],
        ack: Ack::Applied,
    };
    let run = CommitLog {
        initial: state(&[("c", "0")]),
        commits: vec![batch],
    };
    assert!(check_durable_prefix(&run, &state(&[("c", "0")])).is_accepted());
    assert!(check_durable_prefix(&run, &state(&[("a", "1"), ("b", "1")])).is_accepted());
    assert!(!check_durable_prefix(&run, &state(&[("a", "1"), ("c", "0")])).is_accepted());
    assert!(
        !check_durable_prefix(&run, &state(&[("a", "1"), ("b", "1"), ("c", "0")])).is_accepted()
    );
}

#[test]
fn a_pending_commit_may_be_in_or_out() {
    use Ack::*;
    let run = log(vec![
        put("a", "1", Durable),
        put("b", "2", Pending),
        put("a", "3", Durable),
        put("c", "4", Pending),
    ]);
    for (s, pending_in) in [
        (state(&[("a", "3")]), vec![]),
        (state(&[("a", "3"), ("b", "2")]), vec![1]),
        (state(&[("a", "3"), ("c", "4")]), vec![3]),
        (state(&[("a", "3"), ("b", "2"), ("c", "4")]), vec![1, 3]),
    ] {
        assert_eq!(
            accepted(check_durable_prefix(&run, &s)).pending_in,
            pending_in
        );
    }
    // Durable commit 2 still may not be lost, pending or not.
    assert!(!check_durable_prefix(&run, &state(&[("a", "1"), ("b", "2")])).is_accepted());
    // A pending write that was overwritten by a later durable one cannot show through.
    let run = log(vec![put("a", "1", Pending), put("a", "2", Durable)]);
    assert!(!check_durable_prefix(&run, &state(&[("a", "1")])).is_accepted());
    assert!(check_durable_prefix(&run, &state(&[("a", "2")])).is_accepted());
}

#[test]
fn a_pending_batch_is_all_or_nothing() {
    let run = log(vec![Commit {
        writes: vec![Write::put("a", "1"), Write::put("b", "1")],
        ack: Ack::Pending,
    }]);
    assert!(check_durable_prefix(&run, &State::new()).is_accepted());
    assert!(check_durable_prefix(&run, &state(&[("a", "1"), ("b", "1")])).is_accepted());
    assert!(!check_durable_prefix(&run, &state(&[("a", "1")])).is_accepted());
}

#[test]
fn the_initial_state_counts() {
    let run = CommitLog {
        initial: state(&[("a", "0"), ("b", "0")]),
        commits: vec![remove("a", Ack::Applied)],
    };
    assert!(check_durable_prefix(&run, &state(&[("a", "0"), ("b", "0")])).is_accepted());
    assert!(check_durable_prefix(&run, &state(&[("b", "0")])).is_accepted());
    let r = rejected(check_durable_prefix(&run, &state(&[("a", "0")])));
    assert_eq!(r.differences[0].written_by, None);
    assert!(
        r.explanation.contains("the initial state"),
        "{}",
        r.explanation
    );
}

#[test]
fn too_many_pending_commits_are_refused_not_searched() {
    let run = log((0..=MAX_PENDING)
        .map(|i| put(&format!("k{i}"), "1", Ack::Pending))
        .collect());
    // Only the last pending commit in: no prefix short enough to search explains it.
    let last = format!("k{MAX_PENDING}");
    assert_eq!(
        check_durable_prefix(&run, &state(&[(&last, "1")])),
        DurableVerdict::TooManyPending {
            pending: MAX_PENDING + 1
        }
    );
}

#[test]
fn long_logs_are_checked_in_linear_time() {
    // 200k commits over 1000 keys: quadratic work would take minutes.
    let commits: Vec<Commit> = (0..200_000u32)
        .map(|i| put(&format!("k{}", i % 1000), &i.to_string(), Ack::Durable))
        .collect();
    let mut expected = State::new();
    for c in &commits[..150_000] {
        if let Write::Put { key, value } = &c.writes[0] {
            expected.insert(key.clone(), value.clone());
        }
    }
    let run = log(commits);
    let r = rejected(check_durable_prefix(&run, &expected));
    assert_eq!(r.lost_after, Some(150_000));
    assert_eq!(r.differences.len(), 1000);
    assert!(r.explanation.contains("and 995 more"), "{}", r.explanation);
}
