//! [`DurableStore`]: a [`TrieStore`](crate::TrieStore) whose writes survive a crash, kept
//! in a write-ahead log and checkpointed to snapshot files.
//!
//! Reads are the store's ordinary lock-free reads and never touch a file. A write is
//! encoded, appended to the log and published in one critical section (the store's
//! writer lock), so the log's order is the order in which versions appear. A checkpoint
//! takes the current version (an O(1) clone) and writes it to a snapshot file from a
//! background thread while writers go on; then the log before it is dropped. Opening a
//! directory loads the newest snapshot that verifies and replays the log after it.
//!
//! All I/O goes through the [`Storage`] trait: [`FsStorage`] on real files, `SimDisk`
//! (feature `sim`) in memory for crash tests (it can fail any operation, lose what was
//! not synced, keep it, or tear the last write). The feature `format` adds the module
//! `format`: readers of the files below, for tools and fuzzing.
//!
//! # Files
//!
//! One directory holds:
//!
//! ```text
//! LOCK                          held (flock) while a store has the directory open
//! wal-<generation:016x>.log     log files, appended to in generation order
//! snap-<seq:016x>.snap          snapshots: the state after every write up to seq
//! *.tmp                         files being written; ignored and removed on open
//! ```
//!
//! All integers are little-endian; `crc` is CRC-32C (Castagnoli).
//!
//! ```text
//! log header (24 bytes)   "CTRIEWAL" | version u32 = 2 | generation u64 | crc(first 20 bytes)
//! log record              len u32 | crc(len) u32 | crc(payload) u32 | payload (len bytes)
//!   payload               seq u64 | count u32 | count × op
//!   op                    1 u8 | key_len u32 | key | value_len u32 | value     (put)
//!                         2 u8 | key_len u32 | key                             (remove)
//! snapshot header (24)    "CTRIESNP" | version u32 = 1 | seq u64 | crc(first 20 bytes)
//! snapshot block          len u32 | count u32 | crc(len, count, payload) u32 | payload
//!   payload               count × (key_len u32 | key | value_len u32 | value)
//! snapshot end block      len = 8 | count = u32::MAX | crc | total entries u64, then EOF
//! ```
//!
//! The two formats have their own versions. Log version 2 (this one) adds the zero tail
//! and the lost-tail rule of invariant 5; a version 1 log is refused with
//! [`Error::UnsupportedVersion`] naming the file, as is any other version. Snapshots are
//! still at version 1.
//!
//! A log file may end in a *zero tail*: zero bytes after its last record. Log files
//! grow ahead of their records in steps of zeros (1 MiB on real files, see
//! [`StorageFile::preallocate`]), and an append overwrites zeros, so the sync after it
//! writes data and no file size (a sync that must also commit a new size costs about
//! one more disk write on common file systems). No record header is all zeros (the
//! checksum of a zero length is not 0), so a zero header followed by zeros to the end of
//! the file ends the log; zeros that stop earlier are a lost tail or damage (invariant
//! 5). Closing a store trims the tail; recovery cuts it from the file it appends to.
//!
//! A record's length has a checksum of its own, so a damaged length field is reported
//! as damage rather than mistaken for a record cut short by a crash. Values are the
//! bytes of their [`Encode`] implementation. Every length is checked against the bytes
//! actually present before anything is allocated or sliced.
//!
//! # Protocol
//!
//! A write (`put`, `remove`, `write_batch`):
//! - **W1** encode the ops (outside any lock);
//! - **W2** under the writer lock: refuse if the store is poisoned (I6); give the record
//!   the next sequence number and append it to the current log file;
//! - **W3** in [`Durability::Sync`] mode, sync the log (still under the lock);
//! - **W4** publish the new version; release the lock;
//! - **W5** in [`Durability::Group`] mode, wait until a sync covers the record: the first
//!   waiter with no sync in progress becomes the leader, syncs every log file with
//!   unsynced records up to the last record appended, and wakes the others.
//!
//! A checkpoint (background thread or [`DurableStore::checkpoint`]), one at a time:
//! - **C1** create the next log file (temporary name, header, sync, rename, directory
//!   sync), outside the lock;
//! - **C2** under the writer lock: switch appends to the new file, note the last
//!   sequence number `S` and clone the current version. Nothing else: this is all a
//!   writer can be blocked by;
//! - **C3** sync the old log file (so no record before `S` can be lost after records
//!   after it became durable);
//! - **C4** write the version to `snap-S.snap.tmp` in blocks, sync it, rename it to
//!   `snap-S.snap`, sync the directory;
//! - **C5** remove older snapshots and the log files before the new one, oldest first.
//!
//! Recovery ([`DurableStore::open`]): take the lock; remove `*.tmp`; load the newest
//! snapshot that verifies (sequence `S`, or an empty store with `S = 0`); read the log
//! files in generation order and apply every record after `S` up to the first tail a
//! crash left (invariant 5); cut that tail, every later log file to its header, and
//! the zero tail of the file appended to, syncing each cut before anything is
//! appended; append to the newest log file (or create one). No trie is
//! built until the end: the snapshot's entries (already in key order) and the log's
//! writes (sorted by key, each key's last write deciding) are merged into one sorted
//! list, and the trie is built from it in one pass. Meanwhile every decoded write of
//! the log is held at once, overwritten ones too: memory in proportion to the log,
//! which the checkpoint size rule bounds.
//!
//! # Invariants
//!
//! 1. *Log order is publish order.* A record is appended and its version published in
//!    the same writer-lock critical section (W2–W4), and sequence numbers increase by
//!    one per record, across files and across reopenings.
//! 2. *Acknowledged durable means synced.* A write returns [`Receipt::durable`] `= true`
//!    only after a sync of every log file holding records up to it succeeded (W3, W5).
//! 3. *A snapshot is complete or absent.* A snapshot file only gets its final name
//!    after all its blocks are synced (C4), so a crash leaves the old snapshot, the new
//!    one, or a `.tmp` that recovery removes; never neither, because nothing older is
//!    removed before the directory sync that made the new name durable (C4 before C5).
//! 4. *The log covers the snapshot.* Log files are removed only once a snapshot with
//!    every record in them is durable (C5), and an old log file is synced before any
//!    later record can be (C3, W5 syncs older files first), so the records after the
//!    newest snapshot form an unbroken run `S+1, S+2, ...` with no hole.
//! 5. *Only a tail a crash can leave is cut.* After the last synced record a crash
//!    leaves either nothing, or a *torn* record (its bytes end before its length says,
//!    or it fails a checksum and every byte from its last one to the end of the file
//!    is zero: written in part into the zero tail; for a bad length checksum, from
//!    that checksum's last byte on), or a *lost* tail: a disk writes sectors of
//!    `SECTOR` (512) bytes and may lose an unsynced one while keeping a later one,
//!    and a lost sector reads as last synced, which past the synced records is zeros.
//!    So a damaged record is lost if zeros run from its first byte, or from a sector
//!    boundary before the end its header gives, to the end of that sector (or of the
//!    file), whatever follows. And a log file whose first record leaves a gap after
//!    the file of the generation just before it shows that file lost its last records.
//!    Recovery cuts the log at the first such tail: the rest of that file, and every
//!    later log file down to its header; unless the next file begins at or before the
//!    record after the snapshot, so the tail held only records the snapshot covers (a
//!    file a checkpoint had yet to remove, C5): then nothing is cut. This loses nothing acknowledged: a sync
//!    writes the whole file, and older files are synced first (C3, W5), so a lost or
//!    torn sector means no sync completed after it was written, and no record from it
//!    on, in this file or a later one, was acknowledged durable. Each cut is synced
//!    before the first append, so no byte it dropped is ever read as a record after
//!    new ones. Any other damage — bad magic, a bad checksum with no such zeros, data
//!    after a zero record header within its sector, a gap or disorder in sequence
//!    numbers inside a file or across files whose generations do not follow, a value
//!    that does not decode — is an [`Error`] naming the file and byte offset.
//!
//!    What the rule cannot tell apart, and cuts: a synced sector the medium later
//!    zeroed or lost, from one never synced (the records from it on go, acknowledged
//!    or not; likewise a synced log file cut or zeroed at its end, seen as a gap before
//!    the next file); a flipped bit in a record that itself holds zeros from a sector
//!    boundary to that sector's end (a zero-filled value), or from its start to its
//!    sector's end, from a lost sector; a flipped bit in the last record whose payload
//!    ends in a zero byte, from a tear in that byte. What it cannot tell apart, and
//!    refuses as `Corrupt`: stale non-zero bytes where a lost sector should read as
//!    zeros (a file system that shows old blocks after a crash), from damage.
//! 6. *A failed append or sync poisons.* The write that met it gets [`Error::Io`],
//!    writers waiting on the same sync get [`Error::SyncFailed`] (their records are in
//!    the log, maybe durable, maybe not), and every later write gets
//!    [`Error::Poisoned`] and is not logged: the store never acknowledges a write it may
//!    not recover (after a failed fsync, the kernel may have dropped the dirty pages).
//! 7. *Readers never wait for I/O.* Reads go to the [`TrieStore`](crate::TrieStore)
//!    only; in `Group` and `Buffered` modes they may see a write before it is durable,
//!    and that write can be lost in a crash (its writer got no `Ok` yet, or, in
//!    `Buffered` mode, got one with `durable = false`).
//! 8. *One store per directory.* The `LOCK` file is held while the store lives; a
//!    second open returns [`Error::Locked`].
#![forbid(unsafe_code)]

mod checkpoint;
mod encode;
mod error;
#[cfg(feature = "format")]
#[cfg_attr(docsrs, doc(cfg(feature = "format")))]
pub mod format;
mod frame;
mod log;
mod recover;
#[cfg(feature = "sim")]
mod sim;
mod snapshot;
mod storage;
mod store;

#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
pub use encode::Postcard;
pub use encode::{Decode, DecodeError, Encode};
pub use error::Error;
#[cfg(feature = "sim")]
#[cfg_attr(docsrs, doc(cfg(feature = "sim")))]
pub use sim::{Crash, SimDisk};
pub use storage::{FsStorage, Storage, StorageFile};
pub use store::{CheckpointStats, Durability, DurableStore, Options, Receipt, Updated};
