//! Reading a log file: each record's checks, and the rules for how a file may end (a
//! torn record, preallocated zeros, sectors a crash lost; invariant 5 of the module
//! docs).

use std::path::Path;

use super::super::frame::{check_header, crc, u32_at, HEADER_LEN, LOG_MAGIC};
use super::super::Error;
use super::record::{parse_record, LogRecord, RECORD_HEADER};
use super::SECTOR;

/// How a log file ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTail {
    /// With a whole record (or the header).
    Clean,
    /// With a record cut short at this offset: what a crash during an append leaves.
    Torn(u64),
    /// With whole records, then zero bytes from this offset to the end: the unused
    /// part of a preallocated file.
    Zeros(u64),
    /// With a record at this offset damaged the way a crash that lost unsynced sectors
    /// damages it (invariant 5 of the module docs); the bytes after it, records or
    /// not, are not read.
    Lost(u64),
}

/// What [`read_log`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogInfo {
    /// The generation in the header.
    pub generation: u64,
    /// The number of whole records.
    pub records: u64,
    /// The sequence number of the last whole record, if any.
    pub last_seq: Option<u64>,
    /// How the file ends.
    pub tail: LogTail,
}

/// Reads a log file's bytes, calling `f` on each whole record in order.
///
/// Checks the header, each record's checksums and that sequence numbers rise by one.
/// A record cut short at the end, or damaged as a crash losing unsynced sectors
/// damages it, is reported in [`LogInfo::tail`], not as an error;
/// anything else wrong is an [`Error::Corrupt`] (with the offset of the record) or
/// [`Error::UnsupportedVersion`]. An `Err` from `f` becomes `Corrupt` at that record.
/// Never panics and allocates in proportion to the input, whatever its length fields
/// say.
#[cfg(feature = "format")]
#[cfg_attr(docsrs, doc(cfg(feature = "format")))]
pub fn read_log<'a>(
    bytes: &'a [u8],
    f: impl FnMut(LogRecord<'a>) -> Result<(), String>,
) -> Result<LogInfo, Error> {
    read_log_file(Path::new("<bytes>"), bytes, f)
}

pub(crate) fn read_log_file<'a>(
    file: &Path,
    bytes: &'a [u8],
    mut f: impl FnMut(LogRecord<'a>) -> Result<(), String>,
) -> Result<LogInfo, Error> {
    let file = file.to_path_buf();
    let generation = check_header(&file, bytes, LOG_MAGIC, "log")?;
    let mut info = LogInfo {
        generation,
        records: 0,
        last_seq: None,
        tail: LogTail::Clean,
    };
    let mut at = HEADER_LEN;
    while at < bytes.len() {
        let rest = bytes.len() - at;
        // The end of the damage a tail loss can explain, if the record is damaged.
        let lost_end;
        let what;
        if zeros(&bytes[at..at + rest.min(RECORD_HEADER)]) {
            // No record header is all zeros (the checksum of a zero length is not 0).
            if zeros(&bytes[at..]) {
                info.tail = LogTail::Zeros(at as u64);
                break;
            }
            (lost_end, what) = (at + RECORD_HEADER, "data after a zero record header");
        } else if rest < RECORD_HEADER {
            info.tail = LogTail::Torn(at as u64);
            break;
        } else if crc(&bytes[at..at + 4]) != u32_at(bytes, at + 4) {
            if zeros(&bytes[at + 7..]) {
                // Written up to a byte of the length's checksum, zeros after it.
                info.tail = LogTail::Torn(at as u64);
                break;
            }
            (lost_end, what) = (at + RECORD_HEADER, "record length checksum");
        } else {
            let len = u32_at(bytes, at) as usize;
            if len > rest - RECORD_HEADER {
                info.tail = LogTail::Torn(at as u64);
                break;
            }
            let end = at + RECORD_HEADER + len;
            let payload = &bytes[at + RECORD_HEADER..end];
            if crc(payload) == u32_at(bytes, at + 8) {
                let record = parse_record(payload, at as u64)
                    .map_err(|what| Error::corrupt(&file, at as u64, what))?;
                if let Some(last) = info.last_seq {
                    if last.checked_add(1) != Some(record.seq) {
                        let what = format!("sequence number {} follows {last}", record.seq);
                        return Err(Error::corrupt(file, at as u64, what));
                    }
                }
                info.last_seq = Some(record.seq);
                info.records += 1;
                f(record).map_err(|what| Error::corrupt(&file, at as u64, what))?;
                at = end;
                continue;
            }
            // Its last byte and all after it zeros: written in part, into the zero
            // tail of a preallocated file. (A record's payload is never empty.)
            if payload.last() == Some(&0) && zeros(&bytes[end..]) {
                info.tail = LogTail::Torn(at as u64);
                break;
            }
            (lost_end, what) = (end, "record checksum");
        }
        if lost(bytes, at, lost_end) {
            info.tail = LogTail::Lost(at as u64);
            break;
        }
        return Err(Error::corrupt(file, at as u64, what));
    }
    Ok(info)
}

/// Whether the damaged record at `at` bears the mark of sectors a crash lost
/// (invariant 5 of the module docs): zeros from `at`, or from a sector boundary
/// before `end` (where its header says it ends), up to the end of that sector or of
/// the file.
fn lost(bytes: &[u8], at: usize, end: usize) -> bool {
    let end = end.min(bytes.len());
    let mut from = at;
    while from < end {
        let sector_end = (from / SECTOR + 1) * SECTOR;
        if zeros(&bytes[from..sector_end.min(bytes.len())]) {
            return true;
        }
        from = sector_end;
    }
    false
}

/// Whether every byte is 0.
fn zeros(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b == 0)
}
