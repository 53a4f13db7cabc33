//! The write-ahead log: its reader ([`read_log`]) and its appender ([`Log`]), which
//! also runs group commit (W2, W3, W5 and C2, C3 of the module protocol).

use std::path::Path;

use super::frame::{self, check_header, crc, u32_at, Cursor, HEADER_LEN, LOG_MAGIC};
use super::{Error, Storage, StorageFile};
use crate::sync::{lock, Arc, AtomicU64, Condvar, Mutex, Ordering};

const PUT: u8 = 1;
const REMOVE: u8 = 2;
/// A record's header: payload length, its checksum, the payload's checksum.
const RECORD_HEADER: usize = 12;
/// Log files grow ahead of their records in steps of this many zero bytes.
pub(crate) const PREALLOCATE: u64 = 1 << 20;
/// The unit in which a crash loses unsynced writes: a disk sector. A lost sector reads
/// as it was last synced, which past the synced records is zeros (invariant 5).
pub const SECTOR: usize = 512;

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

fn parse_record(payload: &[u8], offset: u64) -> Result<LogRecord<'_>, String> {
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

/// The name of log file `generation`.
pub(crate) fn log_name(generation: u64) -> String {
    format!("wal-{generation:016x}.log")
}

/// Creates log file `generation` durably: temporary name, header, sync, rename,
/// directory sync (C1).
pub(crate) fn create_log(
    storage: &dyn Storage,
    generation: u64,
) -> Result<(Arc<dyn StorageFile>, String), Error> {
    let name = log_name(generation);
    let tmp = format!("{name}.tmp");
    let io = |op, e| Error::io(storage.path(&tmp), op, e);
    let file = storage.create(&tmp).map_err(|e| io("create", e))?;
    file.append(&frame::header(LOG_MAGIC, generation))
        .map_err(|e| io("append", e))?;
    file.sync().map_err(|e| io("sync", e))?;
    storage.rename(&tmp, &name).map_err(|e| io("rename", e))?;
    storage
        .sync_dir()
        .map_err(|e| Error::io(storage.path(""), "directory sync", e))?;
    file.preallocate(PREALLOCATE)
        .map_err(|e| Error::io(storage.path(&name), "preallocate", e))?;
    Ok((file, name))
}

/// The log being appended to, and the group-commit state.
pub(crate) struct Log {
    storage: Arc<dyn Storage>,
    appender: Mutex<Appender>,
    /// Whether a sync leader is at work (W5), and how many wait for it.
    syncing: Mutex<Syncing>,
    synced: Condvar,
    appended: AtomicU64,
    durable: AtomicU64,
    failure: Mutex<Option<String>>,
}

#[derive(Default)]
struct Syncing {
    leader: bool,
    /// Waiters on `synced`: the leader wakes them only if there are some, so a lone
    /// writer's sync (every sync in `Sync` mode) costs no wake-up system call.
    waiters: usize,
}

struct Appender {
    file: Arc<dyn StorageFile>,
    name: String,
    generation: u64,
    next_seq: u64,
    /// Bytes appended since the last rotation (C2).
    bytes: u64,
    /// Files rotated away from whose records are not all synced yet.
    unsynced_old: Vec<(String, Arc<dyn StorageFile>)>,
    record: Vec<u8>,
}

impl Log {
    /// A log appending to `file` (log `generation`, `bytes` long), whose next record is
    /// `next_seq`; everything before it is durable.
    pub(crate) fn new(
        storage: Arc<dyn Storage>,
        file: Arc<dyn StorageFile>,
        name: String,
        generation: u64,
        next_seq: u64,
        bytes: u64,
    ) -> Self {
        let appender = Appender {
            file,
            name,
            generation,
            next_seq,
            bytes,
            unsynced_old: Vec::new(),
            record: Vec::new(),
        };
        Self {
            storage,
            appender: Mutex::new(appender),
            syncing: Mutex::new(Syncing::default()),
            synced: Condvar::new(),
            appended: AtomicU64::new(next_seq - 1),
            durable: AtomicU64::new(next_seq - 1),
            failure: Mutex::new(None),
        }
    }

    /// The sequence number of the last record appended.
    pub(crate) fn appended(&self) -> u64 {
        self.appended.load(Ordering::Acquire)
    }

    /// The sequence number of the last record known synced.
    pub(crate) fn durable(&self) -> u64 {
        self.durable.load(Ordering::Acquire)
    }

    /// Bytes appended since the last rotation.
    pub(crate) fn bytes(&self) -> u64 {
        lock(&self.appender).bytes
    }

    pub(crate) fn generation(&self) -> u64 {
        lock(&self.appender).generation
    }

    fn poison(&self, error: &Error) {
        lock(&self.failure).get_or_insert_with(|| error.to_string());
    }

    /// `Err(Poisoned)` once an append or sync has failed.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match &*lock(&self.failure) {
            Some(cause) => Err(Error::Poisoned {
                cause: cause.clone(),
            }),
            None => Ok(()),
        }
    }

    /// W2: appends a record of `count` ops encoded in `body`; returns its sequence
    /// number. Call under the store's writer lock.
    pub(crate) fn append(&self, count: u32, body: &[u8]) -> Result<u64, Error> {
        self.check()?;
        let mut appender = lock(&self.appender);
        let appender = &mut *appender;
        let seq = appender.next_seq;
        let len = frame::len32(body.len() + 12)?;
        let mut head = [0; 12];
        head[..8].copy_from_slice(&seq.to_le_bytes());
        head[8..].copy_from_slice(&count.to_le_bytes());
        let sum = crc32c::crc32c_append(crc(&head), body);
        let record = &mut appender.record;
        record.clear();
        record.extend_from_slice(&len.to_le_bytes());
        record.extend_from_slice(&crc(&len.to_le_bytes()).to_le_bytes());
        record.extend_from_slice(&sum.to_le_bytes());
        record.extend_from_slice(&head);
        record.extend_from_slice(body);
        if let Err(e) = appender.file.append(record) {
            let error = Error::io(self.storage.path(&appender.name), "append", e);
            self.poison(&error);
            return Err(error);
        }
        appender.next_seq += 1;
        appender.bytes += record.len() as u64;
        if record.capacity() > 1 << 20 {
            *record = Vec::new();
        }
        self.appended.store(seq, Ordering::Release);
        Ok(seq)
    }

    /// W5: returns once every record up to `seq` is synced, syncing as the leader if no
    /// one else is.
    pub(crate) fn sync_through(&self, seq: u64) -> Result<(), Error> {
        let mut syncing = lock(&self.syncing);
        loop {
            if let Some(cause) = &*lock(&self.failure) {
                let cause = cause.clone();
                return Err(Error::SyncFailed { cause });
            }
            if self.durable() >= seq {
                return Ok(());
            }
            if syncing.leader {
                syncing.waiters += 1;
                syncing = self
                    .synced
                    .wait(syncing)
                    .unwrap_or_else(|poison| poison.into_inner());
                syncing.waiters -= 1;
                continue;
            }
            syncing.leader = true;
            drop(syncing);
            let result = self.sync_all();
            syncing = lock(&self.syncing);
            syncing.leader = false;
            if syncing.waiters > 0 {
                self.synced.notify_all();
            }
            result?;
        }
    }

    /// Syncs every file with unsynced records, oldest first (invariant 4).
    fn sync_all(&self) -> Result<(), Error> {
        let (target, mut files) = {
            let appender = lock(&self.appender);
            let mut files = appender.unsynced_old.clone();
            files.push((appender.name.clone(), Arc::clone(&appender.file)));
            (appender.next_seq - 1, files)
        };
        let current = files.pop();
        for (name, file) in files.iter().chain(current.iter()) {
            if let Err(e) = file.sync() {
                let error = Error::io(self.storage.path(name), "sync", e);
                self.poison(&error);
                return Err(error);
            }
        }
        let synced: Vec<&String> = files.iter().map(|(name, _)| name).collect();
        lock(&self.appender)
            .unsynced_old
            .retain(|(name, _)| !synced.contains(&name));
        self.durable.fetch_max(target, Ordering::AcqRel);
        Ok(())
    }

    /// C2: appends go to `file` (log `generation`) from now on. Returns the sequence
    /// number of the last record before the switch. Call under the writer lock.
    pub(crate) fn rotate(&self, file: Arc<dyn StorageFile>, name: String, generation: u64) -> u64 {
        let mut appender = lock(&self.appender);
        let old_file = std::mem::replace(&mut appender.file, file);
        let old_name = std::mem::replace(&mut appender.name, name);
        appender.unsynced_old.push((old_name, old_file));
        appender.generation = generation;
        appender.bytes = 0;
        appender.next_seq - 1
    }
}
