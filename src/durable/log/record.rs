//! A log record: what it holds ([`LogRecord`], [`LogOp`]), how its body is encoded, and
//! how a payload is parsed back.

use super::super::frame::{self, Cursor};
use super::super::Error;

const PUT: u8 = 1;
const REMOVE: u8 = 2;
/// A record's header: payload length, its checksum, the payload's checksum.
pub(super) const RECORD_HEADER: usize = 12;

/// One logged write: a single put or remove, or a whole batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord<'a> {
    /// Its sequence number.
    pub seq: u64,
    /// The byte offset of the record in its file.
    pub offset: u64,
    /// Its writes, in order.
    pub ops: Vec<LogOp<'a>>,
}

/// One write in a [`LogRecord`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogOp<'a> {
    /// Put the encoded value under the key.
    Put(&'a [u8], &'a [u8]),
    /// Remove the key.
    Remove(&'a [u8]),
}

pub(super) fn parse_record(payload: &[u8], offset: u64) -> Result<LogRecord<'_>, String> {
    let mut cursor = Cursor::new(payload);
    let seq = cursor.u64("sequence number")?;
    let count = cursor.u32("op count")?;
    let mut ops = Vec::new();
    for _ in 0..count {
        let op = match cursor.u8("op tag")? {
            PUT => LogOp::Put(cursor.bytes("key")?, cursor.bytes("value")?),
            REMOVE => LogOp::Remove(cursor.bytes("key")?),
            tag => {
                return Err(format!(
                    "unknown op tag {tag} at payload byte {}",
                    cursor.at() - 1
                ))
            }
        };
        ops.push(op);
    }
    if !cursor.is_empty() {
        return Err("bytes after the record's last op".into());
    }
    Ok(LogRecord { seq, offset, ops })
}

/// Appends a put op to a record body.
pub(crate) fn encode_put(body: &mut Vec<u8>, key: &[u8], value: &[u8]) -> Result<(), Error> {
    body.push(PUT);
    frame::put_bytes(body, key)?;
    frame::put_bytes(body, value)
}

/// Appends a remove op to a record body.
pub(crate) fn encode_remove(body: &mut Vec<u8>, key: &[u8]) -> Result<(), Error> {
    body.push(REMOVE);
    frame::put_bytes(body, key)
}
