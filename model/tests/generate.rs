//! Generated histories: the same seed gives the same bytes, fault-free histories check
//! linearizable, every injected fault is caught on every seed, this crate's readers read
//! what the writers write, and the committed set (`histories/generated/`) regenerates
//! byte for byte from the commands in its README and keeps its verdicts.

use std::path::Path;

use cowtrie_model::generate::{generate, Fault, Generated, Mix, ModelKind, Settings};
use cowtrie_model::read::{read_history, Format, FromRecord};
use cowtrie_model::{History, KeyValue, Register, NEVER};

mod common;
use common::verdict_of_file;

const FAULTS: [(ModelKind, Fault); 5] = [
    (ModelKind::Register, Fault::StaleRead),
    (ModelKind::Register, Fault::Resurrected),
    (ModelKind::KeyValue, Fault::StaleRead),
    (ModelKind::KeyValue, Fault::LostAppend),
    (ModelKind::KeyValue, Fault::Resurrected),
];

fn settings(model: ModelKind, clients: usize, ops: usize, fault: Fault, seed: u64) -> Settings {
    let mut s = Settings::new(model);
    s.clients = clients;
    s.ops = ops;
    s.fault = fault;
    s.seed = seed;
    s
}

fn made(settings: &Settings) -> Generated {
    generate(settings).unwrap_or_else(|e| panic!("{settings:?}: {e}"))
}

fn verdict(model: ModelKind, text: &str) -> &'static str {
    match model {
        ModelKind::Register => verdict_of_file(&Register, text.as_bytes()),
        ModelKind::KeyValue => verdict_of_file(&KeyValue, text.as_bytes()),
    }
}

#[test]
fn the_same_settings_give_the_same_bytes_and_another_seed_others() {
    for (model, fault) in FAULTS.into_iter().chain([
        (ModelKind::Register, Fault::None),
        (ModelKind::KeyValue, Fault::None),
    ]) {
        let s = settings(model, 20, 500, fault, 42);
        let first = made(&s);
        assert_eq!(first, made(&s), "{model:?} {fault}");
        let other = made(&Settings { seed: 43, ..s });
        assert_ne!(first.text, other.text, "{model:?} {fault}");
        assert_eq!(first.operations, 500);
    }
}

#[test]
fn fault_free_histories_are_linearizable() {
    for seed in 0..40 {
        for model in [ModelKind::Register, ModelKind::KeyValue] {
            let s = Settings {
                never_return: 0.1,
                ..settings(model, 6, 80, Fault::None, seed)
            };
            assert_eq!(verdict(model, &made(&s).text), "linearizable", "{s:?}");
        }
    }
    // Medium sizes: the register at the concurrency the checker handles in a test's
    // time, the key-value map at 50 clients over 10 keys.
    let register = settings(ModelKind::Register, 8, 1000, Fault::None, 5);
    assert_eq!(
        verdict(register.model, &made(&register).text),
        "linearizable"
    );
    let kv = settings(ModelKind::KeyValue, 50, 1000, Fault::None, 5);
    assert_eq!(verdict(kv.model, &made(&kv).text), "linearizable");
}

#[test]
fn every_fault_is_caught_on_every_seed_and_its_twin_without_it_is_not() {
    for (model, fault) in FAULTS {
        for seed in 0..150 {
            let s = Settings {
                never_return: 0.1,
                ..settings(model, 6, 40, fault, seed)
            };
            let generated = made(&s);
            assert!(generated.fault.is_some(), "{s:?}: no fault site");
            assert_eq!(verdict(model, &generated.text), "not", "{s:?}");
            // The control: the same run without the fault is linearizable, so the fault
            // (not the rest of the history) is what the checker rejects.
            let twin = Settings {
                fault: Fault::None,
                ..s
            };
            assert_eq!(
                verdict(model, &made(&twin).text),
                "linearizable",
                "{twin:?}"
            );
        }
    }
}

#[test]
fn the_fault_site_names_the_lines_of_its_operations() {
    let s = settings(ModelKind::Register, 10, 400, Fault::StaleRead, 9);
    let generated = made(&s);
    let site = generated.fault.expect("a fault");
    let lines: Vec<&str> = generated.text.lines().collect();
    assert_eq!(site.lines.len(), 6, "{site:?}");
    let line = |n: usize| lines[n - 1];
    // The write of the reserved value, the overwrite, the stale read, in order, each
    // returning before the next begins.
    assert!(line(site.lines[0]).contains(":invoke\t:write"), "{site:?}");
    assert!(line(site.lines[2]).contains(":invoke\t:write"), "{site:?}");
    assert!(line(site.lines[4]).contains(":invoke\t:read"), "{site:?}");
    assert!(site.lines.windows(2).all(|w| w[0] < w[1]), "{site:?}");
    let written = line(site.lines[1]).rsplit('\t').next().unwrap();
    let read = line(site.lines[5]);
    assert!(read.ends_with(&format!(":ok\t:read\t{written}")), "{read}");
    // No other operation writes that value.
    let writes = generated
        .text
        .lines()
        .filter(|l| {
            l.contains(":invoke")
                && (l.ends_with(&format!(":write\t{written}"))
                    || l.ends_with(&format!(" {written}]")))
        })
        .count();
    assert_eq!(writes, 1, "{written} written elsewhere");
}

/// The events a history's text describes, parsed naively line by line: (process, call
/// line, return line or NEVER), in call order; `:fail` operations left out.
fn events_by_hand(text: &str, register: bool) -> Vec<(usize, u64, u64)> {
    let mut open: std::collections::HashMap<usize, u64> = Default::default();
    let mut events = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let (process, kind) = if register {
            let fields: Vec<&str> = line.split('\t').collect();
            let process = fields[0].rsplit(' ').next().unwrap().parse().unwrap();
            (process, fields[1].trim_start_matches(':'))
        } else {
            let process = line["{:process ".len()..].split(',').next().unwrap();
            let kind = line
                .split(":type :")
                .nth(1)
                .unwrap()
                .split(',')
                .next()
                .unwrap();
            (process.parse().unwrap(), kind)
        };
        match kind {
            "invoke" => {
                assert!(open.insert(process, i as u64).is_none(), "line {}", i + 1);
            }
            "ok" => events.push((process, open.remove(&process).unwrap(), i as u64)),
            "info" => events.push((process, open.remove(&process).unwrap(), NEVER)),
            "fail" => {
                open.remove(&process).unwrap();
            }
            other => panic!("line {}: type {other}", i + 1),
        }
    }
    assert!(open.is_empty(), "invokes never completed: {open:?}");
    events.sort_by_key(|e| e.1);
    events
}

fn read_back<S: FromRecord>(spec: &S, text: &str, format: Format) -> History<S::Op, S::Ret> {
    let auto = read_history(spec, text.as_bytes(), Format::Auto).expect("readable");
    let explicit = read_history(spec, text.as_bytes(), format).expect("readable");
    assert_eq!(auto.events(), explicit.events());
    auto
}

#[test]
fn the_readers_read_what_the_writers_write() {
    for seed in 0..5 {
        for (model, fault) in FAULTS {
            let s = Settings {
                never_return: 0.2,
                ..settings(model, 30, 600, fault, seed)
            };
            let generated = made(&s);
            let register = model == ModelKind::Register;
            let mut by_hand = events_by_hand(&generated.text, register);
            let mut read: Vec<(usize, u64, u64)> = if register {
                let h = read_back(&Register, &generated.text, Format::JepsenLog);
                h.events()
                    .iter()
                    .map(|e| (e.thread, e.call, e.ret))
                    .collect()
            } else {
                let h = read_back(&KeyValue, &generated.text, Format::Edn);
                // Every get returned; every put and append wrote a token of its own.
                let mut tokens = std::collections::HashSet::new();
                for e in h.events() {
                    match &e.op {
                        cowtrie_model::KvOp::Get { .. } => assert!(!e.is_open()),
                        cowtrie_model::KvOp::Put { value, .. }
                        | cowtrie_model::KvOp::Append { value, .. } => {
                            assert!(value.starts_with("x ") && value.ends_with(" y"));
                            assert!(tokens.insert(value.clone()), "{value} twice");
                        }
                    }
                }
                h.events()
                    .iter()
                    .map(|e| (e.thread, e.call, e.ret))
                    .collect()
            };
            read.sort_by_key(|e| e.1);
            by_hand.sort_by_key(|e| e.1);
            assert_eq!(read, by_hand, "{s:?}");
            let open = read.iter().filter(|e| e.2 == NEVER).count();
            assert!(open > 0 && open <= generated.timed_out, "{s:?}");
            assert!(generated.text.lines().all(|l| l.len() < 4096));
        }
    }
}

#[test]
fn settings_that_make_no_sense_are_errors() {
    let lost_register = settings(ModelKind::Register, 5, 100, Fault::LostAppend, 1);
    let error = generate(&lost_register).unwrap_err().to_string();
    assert!(
        error.contains("lost-append needs the key-value model"),
        "{error}"
    );
    for bad in [
        settings(ModelKind::KeyValue, 0, 100, Fault::None, 1),
        settings(ModelKind::KeyValue, 5, 0, Fault::None, 1),
        settings(ModelKind::KeyValue, 5, 7, Fault::StaleRead, 1),
        Settings {
            keys: 0,
            ..settings(ModelKind::KeyValue, 5, 100, Fault::None, 1)
        },
        Settings {
            values: 1,
            ..settings(ModelKind::Register, 5, 100, Fault::StaleRead, 1)
        },
        Settings {
            never_return: 1.5,
            ..settings(ModelKind::Register, 5, 100, Fault::None, 1)
        },
        Settings {
            never_return: f64::NAN,
            ..settings(ModelKind::Register, 5, 100, Fault::None, 1)
        },
        Settings {
            mix: Mix([0, 0, 0]),
            ..settings(ModelKind::Register, 5, 100, Fault::None, 1)
        },
    ] {
        assert!(generate(&bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        Mix::parse(ModelKind::KeyValue, "get=5, append=3"),
        Ok(Mix([5, 0, 3]))
    );
    assert!(Mix::parse(ModelKind::KeyValue, "read=5").is_err());
    assert!(Mix::parse(ModelKind::Register, "read=0").is_err());
    assert!(Mix::parse(ModelKind::Register, "read=x").is_err());
    // Smallest sizes still place the fault.
    for (model, fault) in FAULTS {
        for clients in [1, 2, 50] {
            let s = settings(model, clients, 8, fault, 3);
            assert_eq!(verdict(model, &made(&s).text), "not", "{s:?}");
        }
    }
}

/// The settings of a `cowtrie generate ... --out FILE` command; its FILE.
fn parse_command(command: &str) -> (Settings, String) {
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(&words[..2], ["cowtrie", "generate"], "{command}");
    let flag = |name: &str| {
        words
            .iter()
            .position(|w| *w == name)
            .map(|i| words[i + 1].to_string())
    };
    let model = match flag("--model").as_deref() {
        Some("register") => ModelKind::Register,
        Some("kv") => ModelKind::KeyValue,
        other => panic!("{command}: --model {other:?}"),
    };
    let mut s = Settings::new(model);
    let number = |name: &str, default: usize| flag(name).map_or(default, |v| v.parse().unwrap());
    s.clients = number("--clients", 50);
    s.ops = number("--ops", 2000);
    s.keys = number("--keys", s.keys);
    s.values = number("--values", s.values as usize) as u32;
    s.seed = number("--seed", 1) as u64;
    if let Some(share) = flag("--never-return") {
        s.never_return = share.parse().unwrap();
    }
    if let Some(mix) = flag("--mix") {
        s.mix = Mix::parse(model, &mix).unwrap();
    }
    if let Some(fault) = flag("--fault") {
        s.fault = fault.parse().unwrap();
    }
    (s, flag("--out").expect("--out FILE"))
}

#[test]
fn the_committed_set_regenerates_byte_for_byte_and_keeps_its_verdicts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/histories/generated");
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("README.md");
    let table = std::fs::read_to_string(dir.join("VERDICTS.tsv")).expect("VERDICTS.tsv");
    let rows: Vec<(&str, &str)> = table
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_once('\t').expect("file<TAB>expected"))
        .collect();
    let commands: Vec<&str> = readme
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("cowtrie generate"))
        .collect();
    assert_eq!(
        commands.len(),
        rows.len(),
        "a command per row of VERDICTS.tsv"
    );
    let on_disk = std::fs::read_dir(&dir)
        .expect("the folder")
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.ends_with(".log") || name.ends_with(".txt")
        })
        .count();
    assert_eq!(on_disk, rows.len(), "a row per history file");
    for command in commands {
        let (settings, file) = parse_command(command);
        let committed = std::fs::read_to_string(dir.join(&file)).expect(&file);
        let generated = made(&settings);
        assert!(
            generated.text == committed,
            "{file} differs from `{command}`"
        );
        let expected = rows
            .iter()
            .find(|(f, _)| *f == file)
            .unwrap_or_else(|| panic!("{file} has no row in VERDICTS.tsv"))
            .1;
        assert_eq!(
            expected,
            if settings.fault == Fault::None {
                "linearizable"
            } else {
                "not"
            },
            "{file}"
        );
        assert_eq!(verdict(settings.model, &committed), expected, "{file}");
    }
}
