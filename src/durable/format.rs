//! Readers of the durable store's files, for tools, tests and fuzzing (feature
//! `format`): [`read_log`] walks a log file's records, [`read_snapshot`] a snapshot's
//! entries, each checking every checksum and length the way recovery does.
//!
//! The layout of both files is in the [`durable`](super#files) module docs. A
//! [`DurableStore`](super::DurableStore) needs none of this: it reads its own files
//! when it opens a directory.
//!
//! ```
//! use cowtrie::durable::format::{read_log, LogOp, LogTail};
//! use cowtrie::durable::{DurableStore, Options};
//!
//! let dir = tempfile::tempdir()?;
//! let store = DurableStore::<String>::open(dir.path(), Options::default())?;
//! store.put("k", "v".to_string())?;
//! store.close()?;
//! for file in std::fs::read_dir(dir.path())? {
//!     let path = file?.path();
//!     if path.extension().is_some_and(|e| e == "log") {
//!         let bytes = std::fs::read(&path)?;
//!         let mut keys = Vec::new();
//!         let info = read_log(&bytes, |record| {
//!             for op in record.ops {
//!                 if let LogOp::Put(key, _) = op {
//!                     keys.push(key);
//!                 }
//!             }
//!             Ok(())
//!         })?;
//!         assert_eq!((info.records, info.tail), (1, LogTail::Clean));
//!         assert_eq!(keys, [b"k"]);
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub use super::log::{read_log, LogInfo, LogOp, LogRecord, LogTail, SECTOR};
pub use super::snapshot::{read_snapshot, SnapshotInfo};
