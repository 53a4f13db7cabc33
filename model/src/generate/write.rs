//! The two formats, one event per line, exactly as the recorded files write them, so
//! that this crate's readers and Porcupine's test parsers (which match whole lines with
//! regular expressions) both read them.
//!
//! - Register, Jepsen log: `INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]`; a read's
//!   invoke has `nil`, its `:ok` the value or `nil`; a write's and a cas's `:ok` or
//!   `:fail` repeat the invoke's value; a timed-out write or cas is `:info ... :timed-out`,
//!   a timed-out read `:fail :read :timed-out`.
//! - Key-value, EDN: `{:process 3, :type :invoke, :f :append, :key "1", :value "x 3 7 y"}`;
//!   a get's invoke has `:value nil`, its `:ok` the string read; a put's or append's `:ok`
//!   repeats the value; a timed-out one is `:type :info` with `:error :timed-out` added.
//!
//! Keys are decimal numbers and values tokens of letters, digits and spaces, so nothing
//! needs escaping.

use std::fmt::Write as _;

use super::sim::{GenOp, Kind, Line, Seen};

fn kind(kind: Kind) -> &'static str {
    match kind {
        Kind::Invoke => "invoke",
        Kind::Ok => "ok",
        Kind::Fail => "fail",
        Kind::Info => "info",
    }
}

/// The register history as Jepsen log lines.
pub(super) fn jepsen_log(ops: &[GenOp], lines: &[Line]) -> String {
    let mut out = String::with_capacity(lines.len() * 40);
    for line in lines {
        let Some(op) = ops.get(line.op) else {
            continue;
        };
        let (f, value) = match (op, line.kind, &line.seen) {
            (GenOp::Read, Kind::Ok, Some(seen)) => ("read", seen.to_string()),
            (GenOp::Read, Kind::Info | Kind::Fail, _) => ("read", ":timed-out".into()),
            (GenOp::Read, ..) => ("read", "nil".into()),
            (GenOp::Write(_), Kind::Info, _) => ("write", ":timed-out".into()),
            (GenOp::Write(v), ..) => ("write", v.to_string()),
            (GenOp::Cas(..), Kind::Info, _) => ("cas", ":timed-out".into()),
            (GenOp::Cas(a, b), ..) => ("cas", format!("[{a} {b}]")),
            // Key-value operations are never in a register history.
            (GenOp::Get(_) | GenOp::Put(..) | GenOp::Append(..), ..) => continue,
        };
        let _ = writeln!(
            out,
            "INFO  jepsen.util - {}\t:{}\t:{f}\t{value}",
            line.process,
            kind(line.kind)
        );
    }
    out
}

/// The key-value history as EDN maps.
pub(super) fn edn(ops: &[GenOp], lines: &[Line]) -> String {
    let mut out = String::with_capacity(lines.len() * 80);
    for line in lines {
        let Some(op) = ops.get(line.op) else {
            continue;
        };
        let (f, key, value) = match (op, &line.seen) {
            (GenOp::Get(k), Some(Seen::Text(seen))) => ("get", k, format!("{seen:?}")),
            (GenOp::Get(k), _) => ("get", k, "nil".into()),
            (GenOp::Put(k, token), _) => ("put", k, format!("{token:?}")),
            (GenOp::Append(k, token), _) => ("append", k, format!("{token:?}")),
            // Register operations are never in a key-value history.
            (GenOp::Read | GenOp::Write(_) | GenOp::Cas(..), _) => continue,
        };
        let error = if line.kind == Kind::Info {
            ", :error :timed-out"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{{:process {}, :type :{}, :f :{f}, :key \"{key}\", :value {value}{error}}}",
            line.process,
            kind(line.kind)
        );
    }
    out
}
