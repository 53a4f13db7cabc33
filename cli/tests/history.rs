//! `cowtrie check --history FILE --model register|kv`: exit statuses, errors naming the
//! place, explanations naming the file's lines, and the timeline.

use std::path::Path;
use std::process::Command;

mod common;

use common::{cowtrie, exe, scratch};

fn committed(file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../model/tests/histories")
        .join(file)
        .display()
        .to_string()
}

#[test]
fn verdicts_are_exit_statuses_for_each_format() {
    for (file, model, format, status) in [
        ("jepsen-etcd/etcd_005.log", "register", "jepsen-log", 0),
        ("jepsen-etcd/etcd_000.log", "register", "auto", 1),
        (
            "knossos-cas-register/good/cas-register-bug.edn",
            "register",
            "edn",
            0,
        ),
        (
            "knossos-cas-register/bad/cas-failure.edn",
            "register",
            "auto",
            1,
        ),
        ("porcupine-kv/c01-ok.txt", "kv", "auto", 0),
        ("porcupine-kv/c01-bad.txt", "kv", "edn", 1),
    ] {
        let path = committed(file);
        let (code, out, err) = cowtrie(&[
            "check",
            "--history",
            &path,
            "--model",
            model,
            "--format",
            format,
        ]);
        assert_eq!(code, status, "{file}: {out}{err}");
    }
}

#[test]
fn a_violation_names_the_lines_of_its_window_and_draws_them() {
    let history = scratch(
        "bad.edn",
        "; a read sees a value never written\n\
         {:process 0, :type :invoke, :f :write, :value 1}\n\
         {:process 0, :type :ok, :f :write, :value 1}\n\
         {:process 1, :type :invoke, :f :write, :value 2}\n\
         {:process 2, :type :invoke, :f :read, :value nil}\n\
         {:process 2, :type :ok, :f :read, :value 3}\n",
    );
    let svg = history.with_extension("svg");
    let (code, out, _) = cowtrie(&[
        "check",
        "--history",
        &history.display().to_string(),
        "--model",
        "register",
        "--svg",
        &svg.display().to_string(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("lines 5..6"), "{out}");
    assert!(out.contains("lines 4..(never returned)"), "{out}");
    let picture = std::fs::read_to_string(&svg).expect("the timeline");
    assert!(
        picture.contains("stroke-dasharray"),
        "an open bar: {picture}"
    );
    let _ = std::fs::remove_file(svg);
    let _ = std::fs::remove_file(history);
}

#[test]
fn bad_input_exits_2_with_file_line_column_and_what_was_expected() {
    let history = scratch(
        "broken.edn",
        "{:process 0, :type :invoke, :f :read}\n{:process 0 :type",
    );
    let path = history.display().to_string();
    let (code, out, err) = cowtrie(&["check", "--history", &path, "--model", "register"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.starts_with(&format!("{path}:2:")) && err.contains("expected"),
        "{err}"
    );
    let (code, _, err) = cowtrie(&["check", "--history", "/nonexistent/file", "--model", "kv"]);
    assert_eq!(code, 2, "{err}");
    let _ = std::fs::remove_file(history);
}

/// A reader that leaves early (`cowtrie check ... | head -1`) closes the pipe: the run
/// neither panics nor loses its verdict's exit status.
#[test]
fn a_closed_output_keeps_the_verdict_and_does_not_panic() {
    use std::process::Stdio;
    let mut child = Command::new(exe())
        .args(["check", "--history", &committed("jepsen-etcd/etcd_000.log")])
        .args(["--model", "register"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cowtrie");
    drop(child.stdout.take()); // the reader leaves before the first line
    let out = child.wait_with_output().expect("wait for cowtrie");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "still 'not linearizable'");
}
