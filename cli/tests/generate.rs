//! `cowtrie generate`: stdout or a file, the same bytes for the same flags, histories
//! that `cowtrie check --history` judges as generated, and exit status 2 on flags that
//! make no sense together.

mod common;

use common::{cowtrie, cowtrie_ok, scratch};

#[test]
fn stdout_and_out_file_hold_the_same_history_and_check_gives_its_verdict() {
    for (model, fault, status) in [
        ("kv", "lost-append", 1),
        ("kv", "none", 0),
        ("register", "stale-read", 1),
        ("register", "none", 0),
    ] {
        let flags = [
            "generate",
            "--model",
            model,
            "--clients",
            "8",
            "--ops",
            "300",
            "--fault",
            fault,
            "--seed",
            "4",
        ];
        let printed = cowtrie_ok(&flags);
        let file = scratch(&format!("generated-{model}-{fault}"), "");
        let path = file.display().to_string();
        let mut to_file = flags.to_vec();
        to_file.extend(["--out", &path]);
        let said = cowtrie_ok(&to_file);
        assert!(said.contains("300 operations"), "{said}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), printed);
        let (code, out, err) = cowtrie(&["check", "--history", &path, "--model", model]);
        assert_eq!(code, status, "{model} {fault}: {out}{err}");
        std::fs::remove_file(file).ok();
    }
}

#[test]
fn flags_that_make_no_sense_exit_2_with_a_clear_error() {
    for (flags, says) in [
        (
            &["--model", "register", "--fault", "lost-append"][..],
            "lost-append needs the key-value model",
        ),
        (
            &["--model", "register", "--keys", "3"][..],
            "--keys is for --model kv",
        ),
        (
            &["--model", "kv", "--values", "3"][..],
            "--values is for --model register",
        ),
        (
            &["--model", "kv", "--mix", "read=3"][..],
            "unknown operation \"read\"",
        ),
        (&["--model", "kv", "--never-return", "2"][..], "from 0 to 1"),
        (
            &["--model", "kv", "--clients", "0"][..],
            "at least one client",
        ),
        (
            &["--model", "kv", "--fault", "stale-read", "--ops", "3"][..],
            "at least 8",
        ),
        (
            &["--model", "kv", "--fault", "torn-write"][..],
            "invalid value",
        ),
    ] {
        let mut args = vec!["generate"];
        args.extend(flags);
        let (code, out, err) = cowtrie(&args);
        assert_eq!(code, 2, "{flags:?}: {out}{err}");
        assert!(err.contains(says), "{flags:?}: {err}");
        assert!(out.is_empty(), "{flags:?}: {out}");
    }
}
