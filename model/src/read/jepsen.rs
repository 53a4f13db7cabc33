//! Jepsen log lines: `INFO  jepsen.util - 3 :ok :read 2`.
//!
//! A line that names the `jepsen.util` logger is an operation event: after the logger
//! name (and an optional `-` or `:`), fields separated by tabs or spaces: the process
//! (an integer; anything else, such as `:nemesis`, is not a client and is skipped), the type (`:invoke`, `:ok`, `:fail`, `:info`), the
//! function (`:read`) and the rest of the line, one EDN value (`nil`, `2`, `[3 0]`,
//! `:timed-out`; empty reads as `nil`). Blank lines and lines of other loggers
//! (`INFO  jepsen.core - ...`) are skipped; any other line is an error.

use super::edn::value_of;
use super::{Entry, Pos, ReadError};
use crate::Value;

const LOGGER: &str = "jepsen.util";
const LEVELS: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

/// The entries of a Jepsen log, in file order.
pub(super) fn entries(text: &str) -> Result<Vec<Entry>, ReadError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let error = |byte: usize, expected: String| ReadError {
            line: number,
            column: line.get(..byte).map_or(1, |s| s.chars().count() + 1),
            expected,
        };
        let Some(at) = line.find(LOGGER) else {
            let mut words = line.split_whitespace();
            let first = words.next();
            let is_log_line =
                first.is_none() || line.split_whitespace().take(3).any(|w| LEVELS.contains(&w));
            if is_log_line {
                continue;
            }
            return Err(error(
                0,
                format!("a Jepsen log line `INFO  {LOGGER} - PROCESS TYPE F VALUE`"),
            ));
        };
        let mut rest_at = at + LOGGER.len();
        let mut fields = Vec::new();
        // The separator after the logger name, then three fields and the value.
        let after = line.get(rest_at..).unwrap_or("");
        let trimmed = after.trim_start();
        rest_at += after.len() - trimmed.len();
        if let Some(stripped) = trimmed.strip_prefix(['-', ':']) {
            rest_at += trimmed.len() - stripped.len();
        }
        for name in [
            "a process",
            "a type (:invoke, :ok, :fail, :info)",
            "a function",
        ] {
            let rest = line.get(rest_at..).unwrap_or("");
            let skipped = rest.len() - rest.trim_start().len();
            let start = rest_at + skipped;
            let word_len = rest
                .trim_start()
                .find(char::is_whitespace)
                .unwrap_or(rest.trim_start().len());
            if word_len == 0 {
                return Err(error(start, name.to_string()));
            }
            fields.push((start, line.get(start..start + word_len).unwrap_or("")));
            rest_at = start + word_len;
        }
        let value_text = line.get(rest_at..).unwrap_or("");
        let value_start = rest_at + (value_text.len() - value_text.trim_start().len());
        let value = value_of(value_text.trim()).map_err(|e| {
            let prefix = line.get(..value_start).map_or(0, |s| s.chars().count());
            ReadError {
                line: number,
                column: e.column + prefix,
                expected: e.expected,
            }
        })?;
        // A process that is not a number (`:nemesis`) is not a client.
        let process = fields[0].1.parse::<i64>().ok();
        let (type_at, kind) = fields[1];
        let (f_at, f) = fields[2];
        let pos = Pos {
            line: number,
            column: 1,
        };
        let keyword = |at: usize, word: &str, what: &str| -> Result<String, ReadError> {
            word.strip_prefix(':')
                .map(str::to_string)
                .ok_or_else(|| error(at, format!("{what} as a keyword, found `{word}`")))
        };
        out.push(Entry {
            pos,
            process,
            kind: Value::Keyword(keyword(type_at, kind, "a type")?),
            kind_pos: error(type_at, String::new()).pos(),
            f: Value::Keyword(keyword(f_at, f, "a function")?),
            key: None,
            value,
        });
    }
    Ok(out)
}
