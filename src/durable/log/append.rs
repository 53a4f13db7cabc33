//! Appending to the log: creating a log file durably, and the appender with group
//! commit (W2, W3, W5 and C2, C3 of the module protocol).

use super::super::frame::{self, crc, LOG_MAGIC};
use super::super::{Error, Storage, StorageFile};
use super::PREALLOCATE;
use crate::sync::{lock, Arc, AtomicU64, Condvar, Mutex, Ordering};

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
