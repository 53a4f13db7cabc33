//! Readers for histories recorded by other tools: EDN operation maps (Knossos, Jepsen,
//! Porcupine's key-value logs) and Jepsen log lines.
//!
//! # Formats
//! - **EDN** ([`Format::Edn`]): operation maps `{:process 0, :type :invoke, :f :read,
//!   :value nil}`, one after another (one per line, or several per line), or all inside
//!   one vector `[...]` or list `(...)`; a map may carry a tag (`#jepsen.history.Op{...}`).
//!   Keys in any order; extra keys (`:time`,
//!   `:index`, `:error`) ignored; comments `; ...` allowed.
//! - **Jepsen log** ([`Format::JepsenLog`]): lines `INFO  jepsen.util - 3 :ok :read 2` (tabs or spaces).
//! - [`Format::Auto`] reads EDN when the first thing in the file (after blanks and
//!   comments) opens a map, vector or list, and a Jepsen log otherwise.
//!
//! # Semantics
//! 1. File order is the only clock: the `i`-th event (map or log line) is tick `i`, and
//!    [`History::line`] gives back its line.
//! 2. Events without an integer `:process` (the `:nemesis`) are not client operations:
//!    ignored.
//! 3. `:invoke` starts an operation of its process; the next `:ok`, `:fail` or `:info`
//!    of that process ends it. An `:ok` or `:fail` with none in flight is an error; an
//!    `:info` with none in flight says nothing and is ignored; an invoke while one is in
//!    flight leaves the earlier one open (its end went unrecorded).
//! 4. `:ok`: it happened, with the result on the `:ok` event. `:fail`: it did not
//!    happen; dropped with its invoke. `:info`, or an invoke never completed: it may
//!    have happened at any point after the invoke, or never; it never returns (an open
//!    [`Event`]).
//! 5. What an operation is, and its result, is the model's business ([`FromRecord`]).
//!
//! Errors name `LINE:COLUMN` and what was expected there; the readers never panic, on
//! any bytes.

mod edn;
mod jepsen;
mod records;

use std::collections::HashMap;
use std::fmt;

pub use records::FromRecord;

use crate::{Event, History, Value};

/// The format of a history file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// Decide by the content.
    #[default]
    Auto,
    /// EDN operation maps.
    Edn,
    /// Jepsen log lines.
    JepsenLog,
}

/// Input that is not a history: where, and what was expected there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What was expected there.
    pub expected: String,
}

impl ReadError {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    fn at(pos: Pos, expected: impl Into<String>) -> Self {
        Self {
            line: pos.line,
            column: pos.column,
            expected: expected.into(),
        }
    }
}

impl fmt::Display for ReadError {
    /// `LINE:COLUMN: expected ...` (prefix the file name for `FILE:LINE:COLUMN: ...`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: expected {}",
            self.line, self.column, self.expected
        )
    }
}

impl std::error::Error for ReadError {}

/// A place in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pos {
    line: usize,
    column: usize,
}

/// One event as written, before pairing.
struct Entry {
    pos: Pos,
    /// `None` for a process that is not a client (`:nemesis`).
    process: Option<i64>,
    kind: Value,
    kind_pos: Pos,
    f: Value,
    key: Option<Value>,
    value: Value,
}

/// One client operation as recorded: what a model needs to build its operation and
/// result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// The function: `read`, `write`, `cas`, `get`, `put`, `append` (a keyword's name).
    pub f: &'a str,
    /// The `:key` of the invoke, if any.
    pub key: Option<&'a Value>,
    /// The `:value` of the invoke.
    pub invoke: &'a Value,
    /// The `:value` of the `:ok`; `None` if the operation never returned.
    pub ok: Option<&'a Value>,
}

/// Reads a history for `spec` from `bytes` in `format`.
pub fn read_history<S: FromRecord>(
    spec: &S,
    bytes: &[u8],
    format: Format,
) -> Result<History<S::Op, S::Ret>, ReadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
        let text = std::str::from_utf8(valid).unwrap_or_default();
        let starts = edn::line_starts(text);
        ReadError::at(edn::pos_of(text, &starts, text.len()), "UTF-8 text")
    })?;
    let format = match format {
        Format::Auto => detect(text),
        other => other,
    };
    let entries = match format {
        Format::JepsenLog => jepsen::entries(text)?,
        _ => edn_entries(text)?,
    };
    pair(spec, &entries)
}

/// EDN when the first thing after blanks and comments opens a collection.
fn detect(text: &str) -> Format {
    let first = text
        .lines()
        .map(str::trim_start)
        .find(|l| !l.is_empty() && !l.starts_with(';'));
    match first.and_then(|l| l.chars().next()) {
        Some('{' | '[' | '(' | '#') => Format::Edn,
        _ => Format::JepsenLog,
    }
}

/// The operation maps of an EDN history, in file order.
fn edn_entries(text: &str) -> Result<Vec<Entry>, ReadError> {
    let starts = edn::line_starts(text);
    let mut reader = edn::Reader::new(text, &starts, 0);
    // One vector or list around all the maps, or none.
    let close = match reader.next_char()? {
        Some('[') => Some(']'),
        Some('(') => Some(')'),
        _ => None,
    };
    if close.is_some() {
        reader.eat('[')?;
        reader.eat('(')?;
    }
    let mut entries = Vec::new();
    loop {
        match (reader.next_char()?, close) {
            (None, None) => break,
            (None, Some(c)) => {
                return Err(reader.error(format!("`{c}`, found the end of the input")))
            }
            (Some(c), Some(close)) if c == close => {
                reader.eat(close)?;
                if !reader.at_end()? {
                    return Err(reader.error("the end of the input after the history"));
                }
                break;
            }
            (Some('{' | '#'), _) => {
                // A map, or a tagged one (`#jepsen.history.Op{...}`).
                let pos = reader.pos();
                match reader.value(1)? {
                    map @ Value::Map(_) => entries.push(entry_of_map(&map, pos)?),
                    Value::Tagged(_, map) if matches!(*map, Value::Map(_)) => {
                        entries.push(entry_of_map(&map, pos)?);
                    }
                    other => {
                        return Err(ReadError::at(
                            pos,
                            format!("an operation map `{{...}}`, found {other}"),
                        ))
                    }
                }
            }
            (Some(c), _) => {
                return Err(reader.error(format!("an operation map `{{...}}`, found `{c}`")))
            }
        }
    }
    Ok(entries)
}

fn entry_of_map(map: &Value, pos: Pos) -> Result<Entry, ReadError> {
    let process = match map.get("process") {
        Some(Value::Int(p)) => Some(*p),
        _ => None,
    };
    Ok(Entry {
        pos,
        process,
        kind: map.get("type").cloned().unwrap_or(Value::Nil),
        kind_pos: pos,
        f: map.get("f").cloned().unwrap_or(Value::Nil),
        key: map.get("key").cloned(),
        value: map.get("value").cloned().unwrap_or(Value::Nil),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Invoke,
    Ok,
    Fail,
    Info,
}

/// Pairs invokes with completions (semantics 1–4 of the module docs) and asks the
/// model for each operation.
fn pair<S: FromRecord>(spec: &S, entries: &[Entry]) -> Result<History<S::Op, S::Ret>, ReadError> {
    let mut lines = Vec::with_capacity(entries.len());
    let mut in_flight: HashMap<i64, (u64, &Entry)> = HashMap::new();
    let mut events = Vec::new();
    let event = |invoke: &Entry,
                 call: u64,
                 ret: Option<(u64, &Entry)>|
     -> Result<Event<S::Op, S::Ret>, ReadError> {
        let f = match &invoke.f {
            Value::Keyword(f) | Value::Str(f) | Value::Other(f) => f.as_str(),
            other => {
                return Err(ReadError::at(
                    invoke.pos,
                    format!(":f naming the operation, found {other}"),
                ))
            }
        };
        let record = Record {
            f,
            key: invoke.key.as_ref(),
            invoke: &invoke.value,
            ok: ret.map(|(_, ok)| &ok.value),
        };
        let (op, result) = spec
            .from_record(&record)
            .map_err(|e| ReadError::at(ret.map_or(invoke.pos, |(_, ok)| ok.pos), e))?;
        let thread = usize::try_from(invoke.process.unwrap_or(0)).unwrap_or(usize::MAX);
        Ok(Event {
            thread,
            call,
            ret: ret.map_or(crate::NEVER, |(t, _)| t),
            op,
            result,
        })
    };
    for (tick, entry) in entries.iter().enumerate() {
        let tick = tick as u64;
        lines.push(entry.pos.line);
        let Some(process) = entry.process else {
            continue;
        };
        if process < 0 {
            return Err(ReadError::at(entry.pos, "a process number of 0 or more"));
        }
        let kind = match &entry.kind {
            Value::Keyword(k) if k == "invoke" => Kind::Invoke,
            Value::Keyword(k) if k == "ok" => Kind::Ok,
            Value::Keyword(k) if k == "fail" => Kind::Fail,
            Value::Keyword(k) if k == "info" => Kind::Info,
            other => {
                return Err(ReadError::at(
                    entry.kind_pos,
                    format!(":type :invoke, :ok, :fail or :info, found {other}"),
                ))
            }
        };
        match (kind, in_flight.remove(&process)) {
            (Kind::Invoke, None) => {
                in_flight.insert(process, (tick, entry));
            }
            (Kind::Invoke, Some((call, earlier))) => {
                // The earlier operation's end went unrecorded: it may or may not have
                // happened, like an `:info`.
                events.push(event(earlier, call, None)?);
                in_flight.insert(process, (tick, entry));
            }
            (Kind::Ok, Some((call, invoke))) => {
                events.push(event(invoke, call, Some((tick, entry)))?);
            }
            (Kind::Info, Some((call, invoke))) => events.push(event(invoke, call, None)?),
            (Kind::Fail, Some(_)) | (Kind::Info, None) => {}
            (Kind::Ok | Kind::Fail, None) => {
                return Err(ReadError::at(
                    entry.pos,
                    format!("an :invoke of process {process} before its completion"),
                ))
            }
        }
    }
    let mut never_completed: Vec<(u64, &Entry)> = in_flight.into_values().collect();
    never_completed.sort_by_key(|(call, _)| *call);
    for (call, invoke) in never_completed {
        events.push(event(invoke, call, None)?);
    }
    Ok(History::from_events(events).with_lines(lines))
}
