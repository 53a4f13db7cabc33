//! Facts the guide states about the repository, checked against the repository: a count
//! or a name in prose goes stale silently when the thing it counts changes.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn chapter(name: &str) -> String {
    fs::read_to_string(root().join("book/src").join(name)).expect("the chapter exists")
}

/// The seeded bugs: every `tests/mutants/*.patch`, by name.
fn mutants() -> BTreeSet<String> {
    fs::read_dir(root().join("tests/mutants"))
        .expect("tests/mutants exists")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            Some(name.strip_suffix(".patch")?.to_string())
        })
        .collect()
}

#[test]
fn the_introduction_counts_the_seeded_bugs() {
    let intro = chapter("introduction.md");
    let stated = intro
        .split("*seeded bugs*")
        .next()
        .and_then(|before| before.split_whitespace().last())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("the introduction says how many seeded bugs there are, in digits");
    assert_eq!(
        stated,
        mutants().len(),
        "introduction.md counts the patches in tests/mutants/"
    );
}

/// Chapter 5's table of the root cell's seeded bugs names only patches that exist, and
/// the guide names every patch somewhere, with what it breaks and what catches it.
#[test]
fn the_guide_names_every_seeded_bug_and_no_other() {
    let text = chapter("05-reclamation.md");
    let section = text
        .split("## The seeded bugs of this protocol")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("chapter 5 has its table of seeded bugs");
    let listed: Vec<&str> = section
        .lines()
        .filter_map(|line| line.strip_prefix("| `")?.split('`').next())
        .collect();
    assert!(listed.len() >= 5, "chapter 5's table has its rows");
    let all = mutants();
    for name in listed {
        assert!(
            all.contains(name),
            "chapter 5 lists {name}, which has no patch"
        );
    }
    let guide: String = fs::read_dir(root().join("book/src"))
        .expect("book/src exists")
        .filter_map(|entry| fs::read_to_string(entry.ok()?.path()).ok())
        .collect();
    for name in &all {
        assert!(
            guide.contains(name.as_str()),
            "the guide never names {name}"
        );
    }
}

/// The number of loom models chapter 8 states, in words, against the `#[test]`s of
/// `tests/loom.rs`, which says the same in its own docs.
#[test]
fn the_tools_chapter_counts_the_loom_models() {
    const WORDS: [&str; 31] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "twenty-one",
        "twenty-two",
        "twenty-three",
        "twenty-four",
        "twenty-five",
        "twenty-six",
        "twenty-seven",
        "twenty-eight",
        "twenty-nine",
        "thirty",
    ];
    let stated = |text: &str, before: &str| -> usize {
        let word = text
            .split(before)
            .next()
            .and_then(|head| head.split_whitespace().last())
            .expect("a count before the phrase");
        WORDS
            .iter()
            .position(|w| *w == word)
            .unwrap_or_else(|| panic!("{word:?} is not a count in words"))
    };
    let models = fs::read_to_string(root().join("tests/loom.rs"))
        .expect("tests/loom.rs exists")
        .matches("#[test]")
        .count();
    assert_eq!(
        stated(&chapter("08-tools.md"), " models in"),
        models,
        "08-tools.md counts the loom models"
    );
    let loom = fs::read_to_string(root().join("tests/loom.rs")).unwrap();
    assert_eq!(
        stated(&loom, " models ran in"),
        models,
        "tests/loom.rs counts its own models"
    );
}
