//! Helpers shared by the CLI's integration tests: run the `cowtrie` binary the test
//! was built with, and write scratch input files.
//!
//! Each test file is a crate of its own and uses only some of these.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `cowtrie` binary built for these tests.
pub fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_cowtrie")
}

/// Runs `cowtrie ARGS`: its exit status (-1 when killed by a signal), stdout and stderr.
pub fn cowtrie(args: &[&str]) -> (i32, String, String) {
    let out = run(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `cowtrie ARGS`, which must succeed; its stdout.
pub fn cowtrie_ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "cowtrie {args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn run(args: &[&str]) -> Output {
    Command::new(exe())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run cowtrie {args:?}: {e}"))
}

/// Writes `bytes` to a scratch file named after this process and `name`; its path.
pub fn scratch(name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = std::env::temp_dir().join(format!("cowtrie-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).expect("write scratch file");
    path
}
