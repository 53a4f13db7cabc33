//! The write-ahead log: its records ([`record`]: what a record holds and how it is
//! encoded), its reader with the rules for a file's tail ([`read`]), and its appender,
//! which also runs group commit (W2, W3, W5 and C2, C3 of the module protocol;
//! [`append`]).

mod append;
mod read;
mod record;

pub(crate) use append::{create_log, log_name, Log};
pub(crate) use read::read_log_file;
pub use read::LogTail;
#[cfg(feature = "format")]
pub use read::{read_log, LogInfo};
pub use record::LogOp;
#[cfg(feature = "format")]
pub use record::LogRecord;
pub(crate) use record::{encode_put, encode_remove};

/// Log files grow ahead of their records in steps of this many zero bytes.
pub(crate) const PREALLOCATE: u64 = 1 << 20;
/// The unit in which a crash loses unsynced writes: a disk sector. A lost sector reads
/// as it was last synced, which past the synced records is zeros (invariant 5).
pub const SECTOR: usize = 512;
