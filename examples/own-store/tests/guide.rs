//! The guide's chapter 12 shows this crate's code: every line of its Rust blocks is a
//! line of this crate's sources, except hidden lines (`# `), comments, blank lines, and
//! a block's own `fn main` and what follows it.
#![cfg(not(any(loom, feature = "shuttle")))]

use std::collections::HashSet;
use std::fs;
use std::path::Path;

#[test]
fn the_chapter_shows_this_crates_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chapter = root.join("../../book/src/12-verify-your-own-store.md");
    let chapter = fs::read_to_string(chapter).expect("the guide's chapter 12");
    let files = ["src/lib.rs", "src/store.rs", "src/sync.rs"];
    let tests = ["tests/conformance.rs", "tests/loom.rs", "tests/shuttle.rs"];
    let sources: Vec<String> = files
        .iter()
        .chain(&tests)
        .map(|file| fs::read_to_string(root.join(file)).expect("a source file"))
        .collect();
    let known: HashSet<&str> = sources
        .iter()
        .flat_map(|s| s.lines())
        .map(str::trim)
        .collect();
    let mut checked = 0;
    for block in chapter.split("\n```rust").skip(1) {
        let (_, code) = block.split_once('\n').expect("a code block");
        let code = code.split("\n```").next().expect("a closed code block");
        for line in code.lines().map(str::trim) {
            if line.starts_with("fn main") {
                break;
            }
            if line.is_empty() || line == "#" || line.starts_with("# ") || line.starts_with("//") {
                continue;
            }
            assert!(
                known.contains(line),
                "the chapter shows a line the crate lacks: {line}"
            );
            checked += 1;
        }
    }
    assert!(
        checked > 100,
        "only {checked} lines checked: did the chapter's blocks move?"
    );
}
