//! A reader for the part of EDN that histories use, by hand.
//!
//! Why not a crate: the well-kept EDN crates (`edn-format`, `edn-rs`, `clojure-reader`)
//! return values without positions, so they could say where a syntax error is but not
//! where each operation map starts, and explanations cite the file's lines of every
//! operation in a window; nor where a well-formed map has a wrong field. The subset is
//! small, and a reader of our own is fuzzed with the rest of the suite
//! (`fuzz/fuzz_targets/history_reader.rs`).
//!
//! Read: `nil`, `true`, `false`, integers (others, such as floats, big numbers and
//! ratios, keep their text), strings with escapes, characters, keywords, symbols,
//! vectors, lists, maps, sets, tagged literals `#tag v`, discards `#_ v`, comments
//! `; ...`, and commas as whitespace.
//!
//! Invariants:
//! 1. Never panics, on any input: every index is checked, and nesting deeper than
//!    [`MAX_DEPTH`] is an error rather than a deep recursion.
//! 2. Every error names the line and column (1-based, in characters) where the input
//!    stopped making sense, and what was expected there.

use super::{Pos, ReadError};
use crate::Value;

/// Deepest nesting of collections read (histories nest two or three deep).
pub const MAX_DEPTH: usize = 128;

/// A cursor over EDN text.
pub(super) struct Reader<'a> {
    text: &'a str,
    at: usize,
    line_starts: &'a [usize],
}

impl<'a> Reader<'a> {
    pub(super) fn new(text: &'a str, line_starts: &'a [usize], at: usize) -> Self {
        Self {
            text,
            at,
            line_starts,
        }
    }

    pub(super) fn pos(&self) -> Pos {
        pos_of(self.text, self.line_starts, self.at)
    }

    pub(super) fn error(&self, expected: impl Into<String>) -> ReadError {
        let pos = self.pos();
        ReadError {
            line: pos.line,
            column: pos.column,
            expected: expected.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.text
            .get(self.at..)
            .and_then(|rest| rest.chars().next())
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        Some(c)
    }

    /// Skips whitespace, commas, comments and `#_` discards.
    pub(super) fn skip_blank(&mut self, depth: usize) -> Result<(), ReadError> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() || c == ',' => {
                    self.bump();
                }
                Some(';') => {
                    while let Some(c) = self.bump() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                Some('#') if self.text.get(self.at + 1..self.at + 2) == Some("_") => {
                    self.at += 2;
                    self.value(depth + 1)?;
                }
                _ => return Ok(()),
            }
        }
    }

    /// Whether only blanks are left.
    pub(super) fn at_end(&mut self) -> Result<bool, ReadError> {
        self.skip_blank(0)?;
        Ok(self.peek().is_none())
    }

    /// The next character after blanks, not consumed.
    pub(super) fn next_char(&mut self) -> Result<Option<char>, ReadError> {
        self.skip_blank(0)?;
        Ok(self.peek())
    }

    /// Consumes `c` (after blanks) if it is next.
    pub(super) fn eat(&mut self, c: char) -> Result<bool, ReadError> {
        self.skip_blank(0)?;
        if self.peek() == Some(c) {
            self.bump();
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Reads one value, after blanks.
    pub(super) fn value(&mut self, depth: usize) -> Result<Value, ReadError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("collections nested at most {MAX_DEPTH} deep")));
        }
        self.skip_blank(depth)?;
        let Some(c) = self.peek() else {
            return Err(self.error("a value, found the end of the input"));
        };
        match c {
            '{' => {
                self.bump();
                let items = self.items('}', depth)?;
                if items.len() % 2 != 0 {
                    // Point at the closing brace.
                    self.at -= 1;
                    return Err(self.error("a value for every key of the map, before `}`"));
                }
                let mut entries = Vec::with_capacity(items.len() / 2);
                let mut items = items.into_iter();
                while let (Some(k), Some(v)) = (items.next(), items.next()) {
                    entries.push((k, v));
                }
                Ok(Value::Map(entries))
            }
            '[' => {
                self.bump();
                Ok(Value::List(self.items(']', depth)?))
            }
            '(' => {
                self.bump();
                Ok(Value::List(self.items(')', depth)?))
            }
            '"' => {
                self.bump();
                self.string()
            }
            '\\' => {
                self.bump();
                let token = self.token();
                if token.is_empty() {
                    // A delimiter as a character: `\(`, `\ `.
                    let c = self.bump().ok_or_else(|| self.error("a character"))?;
                    return Ok(Value::Other(format!("\\{c}")));
                }
                Ok(Value::Other(format!("\\{token}")))
            }
            '#' => {
                self.bump();
                match self.peek() {
                    Some('{') => {
                        self.bump();
                        Ok(Value::Set(self.items('}', depth)?))
                    }
                    _ => {
                        let tag = self.token();
                        if tag.is_empty() {
                            return Err(self.error("a set `#{` or a tag `#name` after `#`"));
                        }
                        let value = self.value(depth + 1)?;
                        Ok(Value::Tagged(tag.to_string(), Box::new(value)))
                    }
                }
            }
            '}' | ']' | ')' => Err(self.error(format!("a value, found a closing `{c}`"))),
            _ => {
                let token = self.token();
                if token.is_empty() {
                    return Err(self.error(format!("a value, found `{c}`")));
                }
                Ok(atom(token))
            }
        }
    }

    /// Values up to the closing `close`, which is consumed.
    fn items(&mut self, close: char, depth: usize) -> Result<Vec<Value>, ReadError> {
        let mut items = Vec::new();
        loop {
            self.skip_blank(depth + 1)?;
            match self.peek() {
                None => return Err(self.error(format!("`{close}`, found the end of the input"))),
                Some(c) if c == close => {
                    self.bump();
                    return Ok(items);
                }
                Some(c @ ('}' | ']' | ')')) => {
                    return Err(self.error(format!("`{close}`, found `{c}`")));
                }
                Some(_) => items.push(self.value(depth + 1)?),
            }
        }
    }

    /// The rest of a string literal, after its opening quote.
    fn string(&mut self) -> Result<Value, ReadError> {
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error("a closing `\"`, found the end of the input")),
                Some('"') => return Ok(Value::Str(out)),
                Some('\\') => match self.bump() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('"') => out.push('"'),
                    Some('\\') => out.push('\\'),
                    Some('u') => {
                        let hex: String = (0..4).filter_map(|_| self.bump()).collect();
                        let c = u32::from_str_radix(&hex, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .ok_or_else(|| self.error("four hex digits after `\\u`"))?;
                        out.push(c);
                    }
                    _ => return Err(self.error("an escape: \\n \\t \\r \\\" \\\\ or \\uXXXX")),
                },
                Some(c) => out.push(c),
            }
        }
    }

    /// A run of characters up to a delimiter (symbols, keywords, numbers).
    fn token(&mut self) -> &'a str {
        let start = self.at;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, ',' | ';' | '"' | '(' | ')' | '[' | ']' | '{' | '}')
            {
                break;
            }
            self.bump();
        }
        self.text.get(start..self.at).unwrap_or("")
    }
}

/// A scalar token: nil, a boolean, an integer, a keyword, or anything else as written.
fn atom(token: &str) -> Value {
    match token {
        "nil" => Value::Nil,
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => {
            if let Some(name) = token.strip_prefix(':') {
                return Value::Keyword(name.to_string());
            }
            match token.strip_prefix('+').unwrap_or(token).parse::<i64>() {
                Ok(i) => Value::Int(i),
                Err(_) => Value::Other(token.to_string()),
            }
        }
    }
}

/// The offsets at which lines start.
pub(super) fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The line and column of byte offset `at`.
pub(super) fn pos_of(text: &str, line_starts: &[usize], at: usize) -> Pos {
    let line = line_starts.partition_point(|&s| s <= at).max(1);
    let start = line_starts.get(line - 1).copied().unwrap_or(0);
    let column = text.get(start..at).map_or(1, |s| s.chars().count() + 1);
    Pos { line, column }
}

/// Reads one EDN value from `text` (for the value field of a Jepsen log line).
pub(super) fn value_of(text: &str) -> Result<Value, ReadError> {
    let starts = line_starts(text);
    let mut reader = Reader::new(text, &starts, 0);
    if reader.at_end()? {
        return Ok(Value::Nil);
    }
    let value = reader.value(0)?;
    if !reader.at_end()? {
        return Err(reader.error("the end of the value"));
    }
    Ok(value)
}
