//! Byte-level pieces shared by the log and snapshot formats: file headers, checksums
//! and a bounds-checked cursor.

use super::Error;
use std::path::PathBuf;

/// The log format version this build writes and reads. Version 2: log files may hold a
/// zero tail, and recovery cuts a tail lost by a crash (invariant 5 of the module docs);
/// a version 1 reader would refuse such a file.
pub(crate) const LOG_VERSION: u32 = 2;
/// The snapshot format version this build writes and reads (versioned apart from the
/// log: its layout has not changed).
pub(crate) const SNAPSHOT_VERSION: u32 = 1;
/// The length of a log or snapshot header.
pub(crate) const HEADER_LEN: usize = 24;
pub(crate) const LOG_MAGIC: &[u8; 8] = b"CTRIEWAL";
pub(crate) const SNAPSHOT_MAGIC: &[u8; 8] = b"CTRIESNP";

pub(crate) fn crc(bytes: &[u8]) -> u32 {
    crc32c::crc32c(bytes)
}

/// The version a file with `magic` has in this build.
fn version_of(magic: &[u8; 8]) -> u32 {
    if magic == LOG_MAGIC {
        LOG_VERSION
    } else {
        SNAPSHOT_VERSION
    }
}

/// A header: magic, version, a 64-bit number (generation or seq), checksum.
pub(crate) fn header(magic: &[u8; 8], number: u64) -> [u8; HEADER_LEN] {
    let mut out = [0; HEADER_LEN];
    out[..8].copy_from_slice(magic);
    out[8..12].copy_from_slice(&version_of(magic).to_le_bytes());
    out[12..20].copy_from_slice(&number.to_le_bytes());
    let sum = crc(&out[..20]);
    out[20..].copy_from_slice(&sum.to_le_bytes());
    out
}

/// Checks a header and returns its number. A file shorter than a header, with the
/// wrong magic or a bad checksum is corrupt; another version is unsupported.
pub(crate) fn check_header(
    file: &PathBuf,
    bytes: &[u8],
    magic: &[u8; 8],
    kind: &str,
) -> Result<u64, Error> {
    if bytes.len() < HEADER_LEN {
        return Err(Error::corrupt(
            file,
            0,
            format!(
                "{} bytes, shorter than a {kind} header ({HEADER_LEN})",
                bytes.len()
            ),
        ));
    }
    if &bytes[..8] != magic {
        return Err(Error::corrupt(
            file,
            0,
            format!("not a cowtrie {kind} file (bad magic)"),
        ));
    }
    let (version, supported) = (u32_at(bytes, 8), version_of(magic));
    if version != supported {
        return Err(Error::UnsupportedVersion {
            file: file.clone(),
            found: version,
            supported,
        });
    }
    if crc(&bytes[..20]) != u32_at(bytes, 20) {
        return Err(Error::corrupt(file, 0, format!("{kind} header checksum")));
    }
    Ok(u64_at(bytes, 12))
}

/// The u32 at `at`; the caller has checked the length.
pub(crate) fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// The u64 at `at`; the caller has checked the length.
pub(crate) fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// Reads length-prefixed fields from a checked payload; every read is bounds-checked.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    pub(crate) fn at(&self) -> usize {
        self.at
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.at == self.bytes.len()
    }

    pub(crate) fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8], String> {
        let rest = self.bytes.len() - self.at;
        if len > rest {
            return Err(format!(
                "{what} of {len} bytes runs past the end ({rest} left)"
            ));
        }
        let out = &self.bytes[self.at..self.at + len];
        self.at += len;
        Ok(out)
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    pub(crate) fn u32(&mut self, what: &str) -> Result<u32, String> {
        Ok(u32_at(self.take(4, what)?, 0))
    }

    pub(crate) fn u64(&mut self, what: &str) -> Result<u64, String> {
        Ok(u64_at(self.take(8, what)?, 0))
    }

    /// A u32 length, then that many bytes.
    pub(crate) fn bytes(&mut self, what: &str) -> Result<&'a [u8], String> {
        let len = self.u32(what)?;
        self.take(len as usize, what)
    }
}

/// A length as the format's u32, or [`Error::TooLarge`].
pub(crate) fn len32(len: usize) -> Result<u32, Error> {
    u32::try_from(len).map_err(|_| Error::TooLarge { len })
}

/// Appends a u32 length and `bytes`.
pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), Error> {
    out.extend_from_slice(&len32(bytes.len())?.to_le_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}
