//! [`Error`]: what can go wrong opening or writing a durable store.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// An error of a [`DurableStore`](super::DurableStore) or of its file readers.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A file's bytes are damaged: not a crash's torn tail but something recovery must
    /// not guess about.
    Corrupt {
        /// The damaged file.
        file: PathBuf,
        /// Where in it the damage starts (the start of the record or block at fault).
        offset: u64,
        /// What was wrong.
        what: String,
    },
    /// A file written by a format version this build does not read.
    UnsupportedVersion {
        /// The file.
        file: PathBuf,
        /// The version in its header.
        found: u32,
        /// The version this build reads and writes.
        supported: u32,
    },
    /// Another store has the directory open.
    Locked {
        /// The lock file.
        file: PathBuf,
    },
    /// An I/O operation failed.
    Io {
        /// The file (or directory) it was on.
        file: PathBuf,
        /// The operation: "append", "sync", "rename", ...
        op: &'static str,
        /// The operating system's error.
        source: io::Error,
    },
    /// A key, value or batch too long for the format (lengths are 32-bit).
    TooLarge {
        /// Its length in bytes.
        len: usize,
    },
    /// The write was appended to the log, but the sync that was to cover it failed (in
    /// another thread: that one got the [`Error::Io`]). After a crash it may or may not
    /// be there; the store is poisoned.
    SyncFailed {
        /// The failed sync.
        cause: String,
    },
    /// An earlier append or sync failed, so the store refused this write (nothing was
    /// logged): what it would acknowledge might not be recovered. Reads still work;
    /// reopen to go on.
    Poisoned {
        /// The failure that poisoned the store.
        cause: String,
    },
}

impl Error {
    pub(crate) fn corrupt(file: impl Into<PathBuf>, offset: u64, what: impl Into<String>) -> Self {
        Self::Corrupt {
            file: file.into(),
            offset,
            what: what.into(),
        }
    }

    pub(crate) fn io(file: impl Into<PathBuf>, op: &'static str, source: io::Error) -> Self {
        Self::Io {
            file: file.into(),
            op,
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Corrupt { file, offset, what } => {
                write!(f, "{} is corrupt at byte {offset}: {what}", file.display())
            }
            Self::UnsupportedVersion {
                file,
                found,
                supported,
            } => write!(
                f,
                "{} has format version {found}; this build reads version {supported}",
                file.display()
            ),
            Self::Locked { file } => write!(
                f,
                "{} is held: another store has this directory open",
                file.display()
            ),
            Self::Io { file, op, source } => {
                write!(f, "{op} of {} failed: {source}", file.display())
            }
            Self::TooLarge { len } => write!(
                f,
                "{len} bytes is too long for one key, value or batch (at most 4 GiB - 1)"
            ),
            Self::SyncFailed { cause } => write!(
                f,
                "the write was logged but the sync covering it failed ({cause})"
            ),
            Self::Poisoned { cause } => write!(
                f,
                "the store refuses writes after an earlier failure ({cause}); reopen it"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
