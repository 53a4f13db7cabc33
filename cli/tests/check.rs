//! The store's linearizability under real threads, and the `cowtrie check` command.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use cowtrie::cache::Cache;
use cowtrie_cli::{CowtrieCache, CowtrieStore, StoreKind};
use cowtrie_model::workload::{Mix, Stop, Workload};
use cowtrie_model::{check, check_with, Budget, CacheSpec, Verdict};

mod common;

use common::cowtrie;

#[test]
fn cowtrie_stress_runs_are_linearizable() {
    // Few keys so threads collide on them; several seeds. Each run is a fixed number of
    // operations, not a time: on a fast machine 700 ms put over a million operations on
    // one key, whose search outgrew the checker's default memory budget.
    for (seed, keys, mix) in [
        (1, 4, Mix::default()),
        (2, 16, "get=50,put=25,remove=25".parse().unwrap()),
        (3, 64, "get=90,put=9,remove=1".parse().unwrap()),
        (4, 2, "get=34,put=33,remove=33".parse().unwrap()),
        // Compare-and-swap and update racing the plain writes on few keys.
        (
            5,
            4,
            "get=40,put=15,remove=5,cas=20,update=20".parse().unwrap(),
        ),
    ] {
        let workload = Workload {
            threads: 4,
            keys,
            stop: Stop::Ops(400_000),
            mix,
            seed,
        };
        let run = workload.run(&CowtrieStore::default(), &AtomicU64::new(0));
        assert!(run.history.len() > 1_000, "the run did work");
        let report = check(&run.history, Budget::default());
        assert_eq!(report.verdict, Verdict::Linearizable, "seed {seed}");
    }
}

#[test]
fn check_passes_correct_stores_and_flags_every_broken_one() {
    let svg = std::env::temp_dir().join(format!("cowtrie-check-{}.svg", std::process::id()));
    for kind in [
        StoreKind::Cowtrie,
        StoreKind::MutexModel,
        StoreKind::BrokenLostUpdate,
        StoreKind::BrokenStaleRead,
        StoreKind::BrokenNonAtomicRemove,
    ] {
        let name = clap::ValueEnum::to_possible_value(&kind)
            .unwrap()
            .get_name()
            .to_string();
        let (code, stdout, stderr) = cowtrie(&[
            "check",
            "--store",
            &name,
            "--seconds",
            "1",
            "--keys",
            "8",
            "--svg",
            svg.to_str().unwrap(),
        ]);
        if kind.is_correct() {
            assert_eq!(code, 0, "{name}: {stdout}{stderr}");
            assert!(stdout.contains("verdict: linearizable"), "{stdout}");
        } else {
            assert_eq!(code, 1, "{name} must be flagged: {stdout}{stderr}");
            assert!(stdout.contains("NOT linearizable"), "{stdout}");
            assert!(stdout.contains("<-- cannot be ordered"), "{stdout}");
            let picture = std::fs::read_to_string(&svg).expect("svg written");
            assert!(picture.starts_with("<svg") && picture.contains("#f4a0a0"));
            std::fs::remove_file(&svg).ok();
        }
    }
}

#[test]
fn bad_arguments_get_a_clear_error() {
    let (code, _, stderr) = cowtrie(&["check", "--mix", "get=x"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a whole number"), "{stderr}");
    let (code, _, stderr) = cowtrie(&["check", "--threads", "0"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = cowtrie(&["check", "--seconds", "-1"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn check_judges_cas_and_update_on_the_store_and_flags_a_broken_one_with_them() {
    let mix = "get=50,put=20,cas=15,update=15";
    let (code, stdout, stderr) =
        cowtrie(&["check", "--mix", mix, "--ops", "200000", "--keys", "16"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("mix get=50,put=20,remove=0,cas=15,update=15"),
        "{stdout}"
    );
    assert!(stdout.contains("verdict: linearizable"), "{stdout}");
    let (code, stdout, stderr) = cowtrie(&[
        "check",
        "--mix",
        mix,
        "--seconds",
        "1",
        "--keys",
        "8",
        "--store",
        "broken-lost-update",
    ]);
    assert_eq!(code, 1, "must be flagged: {stdout}{stderr}");
    assert!(stdout.contains("NOT linearizable"), "{stdout}");
    let (code, _, stderr) = cowtrie(&["check", "--mix", "swap=1"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("(get, put, remove, cas, update, get_or_put)"),
        "{stderr}"
    );
}

#[test]
fn html_reports_are_written_for_a_passing_and_a_failing_run() {
    let page = std::env::temp_dir().join(format!("cowtrie-check-{}.html", std::process::id()));
    let path = page.to_str().unwrap();
    let (code, stdout, stderr) =
        cowtrie(&["check", "--ops", "2000", "--keys", "8", "--html", path]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("report written to {path}")),
        "{stdout}"
    );
    let html = std::fs::read_to_string(&page).expect("html written");
    assert!(html.contains("verdict: linearizable") && !html.contains("id=\"report-data\""));

    let args = [
        "check",
        "--store",
        "broken-lost-update",
        "--seconds",
        "1",
        "--keys",
        "8",
    ];
    let (code, stdout, stderr) = cowtrie(&[&args[..], &["--html", path]].concat());
    assert_eq!(code, 1, "{stdout}{stderr}");
    // The text report's sections, and the values decoded.
    for label in ["why: ", "window: ", "values: "] {
        assert!(
            stdout.lines().any(|l| l.starts_with(label)),
            "{label}: {stdout}"
        );
    }
    assert!(stdout.contains(", op #"), "{stdout}");
    let html = std::fs::read_to_string(&page).expect("html written");
    assert!(html.contains("NOT linearizable") && html.contains("id=\"report-data\""));
    std::fs::remove_file(&page).ok();
}

#[test]
fn check_judges_bounded_stores_against_the_cache_model() {
    for (store, correct) in [
        ("cache", true),
        ("cache-expiring", true),
        ("evicting-model", true),
        ("broken-resurrecting-cache", false),
    ] {
        let (code, stdout, stderr) = cowtrie(&["check", "--store", store, "--seconds", "1"]);
        assert!(
            stdout.contains("64 keys")
                && stdout.contains("capacity 16 entries; judged against the cache model"),
            "{stdout}"
        );
        // Evictions happened: some gets missed, some hit.
        let gets = stdout
            .lines()
            .find_map(|l| l.strip_prefix("gets: "))
            .expect("a gets line");
        let numbers: Vec<u64> = gets.split(' ').filter_map(|w| w.parse().ok()).collect();
        assert!(numbers[0] > 0 && numbers[0] < numbers[1], "{gets}");
        if correct {
            assert_eq!(code, 0, "{store}: {stdout}{stderr}");
            assert!(stdout.contains("verdict: linearizable"), "{stdout}");
        } else {
            assert_eq!(code, 1, "{store} must be flagged: {stdout}{stderr}");
            assert!(stdout.contains("came back"), "{stdout}");
        }
    }
    let (code, stdout, _) = cowtrie(&[
        "check",
        "--store",
        "cache",
        "--capacity",
        "4",
        "--keys",
        "200",
        "--ops",
        "100000",
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("capacity 4 entries"), "{stdout}");
    let (code, _, stderr) = cowtrie(&["check", "--capacity", "8"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--capacity applies to a bounded store"),
        "{stderr}"
    );
    let (code, _, _) = cowtrie(&["check", "--store", "cache", "--capacity", "0"]);
    assert_eq!(code, 2);
}

#[test]
fn cowtrie_cache_stress_runs_keep_to_the_cache_model() {
    for (seed, keys, capacity) in [(1, 64, 16), (2, 8, 2), (3, 256, 100)] {
        let workload = Workload {
            threads: 4,
            keys,
            stop: Stop::Time(Duration::from_millis(500)),
            mix: "get=50,put=20,remove=10,cas=10,update=10".parse().unwrap(),
            seed,
        };
        let store = CowtrieCache(Cache::new(capacity));
        let run = workload.run(&store, &AtomicU64::new(0));
        assert!(run.history.len() > 1_000, "the run did work");
        assert!(store.0.len() as u64 <= capacity);
        let report = check_with(&CacheSpec, &run.history, Budget::default());
        assert_eq!(report.verdict, Verdict::Linearizable, "seed {seed}");
    }
}

/// Each flag that `--history` would ignore, `--svg`/`--html` with a store that draws
/// nothing, and `--crashes` without a durable store: exit status 2, and the message
/// names the flags and says why.
#[test]
fn flags_that_would_be_ignored_are_errors() {
    let history = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../model/tests/histories/jepsen-etcd/etcd_005.log"
    );
    let with_history = ["check", "--history", history, "--model", "register"];
    for flag in [
        ["--threads", "2"],
        ["--keys", "10"],
        ["--store", "cowtrie"], // even the default, when given
        ["--seed", "1"],
        ["--mix", "get=1"],
        ["--ops", "10"],
        ["--seconds", "1"],
        ["--capacity", "4"],
        ["--crashes", "8"],
    ] {
        let (code, out, stderr) = cowtrie(&[&with_history[..], &flag].concat());
        assert_eq!(code, 2, "{flag:?}: {out}{stderr}");
        assert!(
            stderr.contains(&format!(
                "{} cannot be used with --history: it shapes the workload",
                flag[0]
            )),
            "{stderr}"
        );
    }
    let (code, _, stderr) =
        cowtrie(&[&with_history[..], &["--seed", "3", "--threads", "2"]].concat());
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--threads, --seed cannot be used with --history: they shape"),
        "{stderr}"
    );
    // The flags that do apply to --history still work.
    let (code, out, stderr) = cowtrie(
        &[
            &with_history[..],
            &[
                "--check-seconds",
                "30",
                "--max-memory",
                "64MiB",
                "--every-key",
            ],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{out}{stderr}");

    let svg = std::env::temp_dir().join(format!("cowtrie-{}-durable.svg", std::process::id()));
    for (args, says) in [
        (
            vec!["--store", "durable", "--svg", svg.to_str().unwrap()],
            "--svg cannot be used with --store durable: the durable check",
        ),
        (
            vec!["--store", "broken-durable-lying-sync", "--html", "x.html"],
            "--html cannot be used with --store broken-durable-lying-sync",
        ),
        (
            vec!["--crashes", "2"],
            "--crashes needs a durable store (--store durable or broken-durable-lying-sync): \
             only those are crashed and recovered, and --store cowtrie is not",
        ),
        (
            vec!["--store", "cache", "--crashes", "2"],
            "and --store cache is not",
        ),
    ] {
        let (code, out, stderr) = cowtrie(&[&["check", "--ops", "100"][..], &args].concat());
        assert_eq!(code, 2, "{args:?}: {out}{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(!out.contains("verdict"), "nothing ran: {out}");
    }
    assert!(!svg.exists());
}

#[test]
fn max_memory_takes_a_size_and_refuses_a_bad_one() {
    for size in ["512MiB", "2GiB", "1000000", "1.5GB"] {
        let (code, out, stderr) = cowtrie(&[
            "check",
            "--ops",
            "2000",
            "--keys",
            "8",
            "--max-memory",
            size,
        ]);
        assert_eq!(code, 0, "{size}: {out}{stderr}");
    }
    for (size, says) in [
        ("2G", "unknown unit 'G'"),
        ("lots", "'lots' is not a size"),
        ("0", "at least one byte"),
        ("99999999999999999999999", "too large"),
    ] {
        let (code, _, stderr) = cowtrie(&["check", "--ops", "10", "--max-memory", size]);
        assert_eq!(code, 2, "{size}: {stderr}");
        assert!(
            stderr.contains(&format!("invalid value '{size}' for '--max-memory <SIZE>'"))
                && stderr.contains(says),
            "{stderr}"
        );
    }
    let (code, out, _) = cowtrie(&["check", "--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("[default: 1GiB]") && out.contains("--every-key"),
        "{out}"
    );
}
