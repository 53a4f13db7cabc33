//! [`DurableStore`]: the store, its options and its background thread.

use std::any::Any;
use std::fmt;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use super::log::{encode_put, encode_remove, Log};
use super::recover::recover;
use super::{Decode, Encode, Error, FsStorage, Storage};
use crate::batch::Write;
use crate::rewrite::Decision;
use crate::sync::{lock, Arc, AtomicU64, Condvar, Mutex};
use crate::{Trie, TrieStore, ValueGuard, WriteBatch};

/// When a write is synced to disk, and so what a crash can lose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Every write is synced before it is published and acknowledged: a crash loses no
    /// acknowledged write, and readers never see a write a crash could lose. Writers
    /// wait for one sync each, one after the other.
    Sync,
    /// A write is published, then its writer waits for a sync shared with every writer
    /// waiting at the time (group commit): a crash loses no acknowledged write, and
    /// concurrent writers pay about one sync between them. Readers may see a write
    /// whose writer is still waiting, and a crash then may lose it.
    Group,
    /// A write is published and acknowledged (with [`Receipt::durable`] `= false`) at
    /// once; the log is synced by the [`Options::flush_interval`] timer, by
    /// [`DurableStore::flush`], by checkpoints and by [`DurableStore::close`]. A crash
    /// loses the writes after the last sync, never some write without the ones after
    /// it (what survives is always a prefix).
    Buffered,
}

/// How a [`DurableStore`] syncs and checkpoints.
#[derive(Debug, Clone)]
pub struct Options {
    /// When writes are synced. Default: [`Durability::Group`].
    pub durability: Durability,
    /// Checkpoint from a background thread once the log since the last snapshot is
    /// longer than this many bytes *and* longer than that snapshot. Recovery then reads
    /// one snapshot and at most about as much log again (plus this many bytes), and
    /// the snapshot cost per logged byte stays bounded. `None`: only
    /// [`DurableStore::checkpoint`]. Default: 64 MiB.
    pub checkpoint_log_bytes: Option<u64>,
    /// In [`Durability::Buffered`] mode, how often the background thread syncs the
    /// log. `None`: only on [`DurableStore::flush`]. Default: 10 ms.
    pub flush_interval: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            durability: Durability::Group,
            checkpoint_log_bytes: Some(64 << 20),
            flush_interval: Some(Duration::from_millis(10)),
        }
    }
}

/// A write's receipt: where the acknowledged write stands in the log, and whether it
/// was synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// Its sequence number: 1, 2, 3, ... in log order, which is the order its version
    /// was published in; numbering goes on across reopenings.
    pub seq: u64,
    /// Whether it was synced before the call returned (always in `Sync` and `Group`
    /// modes).
    pub durable: bool,
}

/// What [`DurableStore::update`] and [`DurableStore::compare_and_swap`] did.
#[derive(Debug)]
pub struct Updated<V> {
    /// The value before.
    pub previous: Option<ValueGuard<V>>,
    /// The logged change's receipt (`None` if the key stayed as it was).
    pub receipt: Option<Receipt>,
}

/// A change a write makes: the next version and its log record's ops.
struct Change<V> {
    next: Trie<V>,
    count: u32,
    body: Vec<u8>,
}

impl<V> Change<V> {
    fn new(next: Trie<V>, count: u32, body: Vec<u8>) -> Self {
        Self { next, count, body }
    }
}

/// What a checkpoint did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointStats {
    /// The sequence number of the last write in the snapshot.
    pub seq: u64,
    /// The snapshot file's length (0: nothing new since the last snapshot).
    pub bytes: u64,
    /// The entries written.
    pub entries: usize,
    /// How long the checkpoint held the writer lock (C2), the longest any writer
    /// could have waited because of it.
    pub writer_block: Duration,
}

/// A [`TrieStore`] kept in a directory: writes go to a write-ahead log before they are
/// published, checkpoints write snapshots in the background, and opening recovers the
/// last state. The module docs ([`crate::durable`]) state the file formats and the
/// protocol.
///
/// ```
/// use cowtrie::durable::{DurableStore, Options};
///
/// let dir = tempfile::tempdir()?;
/// let store = DurableStore::<String>::open(dir.path(), Options::default())?;
/// let receipt = store.put("user/1", "ada".to_string())?;
/// assert!(receipt.durable);
/// store.close()?;
///
/// let store = DurableStore::<String>::open(dir.path(), Options::default())?;
/// assert_eq!(store.get("user/1").as_deref().map(String::as_str), Some("ada"));
/// assert_eq!(store.last_seq(), receipt.seq);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct DurableStore<V> {
    shared: Arc<Shared<V>>,
    background: Option<JoinHandle<()>>,
}

pub(super) struct Shared<V> {
    pub(super) store: TrieStore<V>,
    pub(super) log: Log,
    pub(super) storage: Arc<dyn Storage>,
    pub(super) options: Options,
    /// The last snapshot's sequence number; held while a checkpoint runs.
    pub(super) checkpoint: Mutex<u64>,
    pub(super) snapshot_bytes: AtomicU64,
    pub(super) stop: Mutex<bool>,
    pub(super) wake: Condvar,
    /// Last, so the directory lock is released after everything else is dropped.
    _lock: Box<dyn Any + Send + Sync>,
}

impl<V: Encode + Decode + Send + Sync + 'static> DurableStore<V> {
    /// Opens (creating if needed) the store in directory `dir`, recovering its state.
    pub fn open(dir: impl AsRef<Path>, options: Options) -> Result<Self, Error> {
        let dir = dir.as_ref();
        let storage = FsStorage::new(dir).map_err(|e| Error::io(dir, "create directory", e))?;
        Self::open_with(Arc::new(storage), options)
    }

    /// Opens the store kept in `storage` (`SimDisk` with the feature `sim`, for instance).
    pub fn open_with(storage: Arc<dyn Storage>, options: Options) -> Result<Self, Error> {
        let dir_lock = storage.lock()?;
        let recovered = recover::<V>(&*storage)?;
        let log = Log::new(
            Arc::clone(&storage),
            recovered.file,
            recovered.name,
            recovered.generation,
            recovered.last_seq + 1,
            recovered.log_bytes,
        );
        let shared = Arc::new(Shared {
            store: TrieStore::from(recovered.trie),
            log,
            storage,
            checkpoint: Mutex::new(recovered.snapshot_seq),
            snapshot_bytes: AtomicU64::new(recovered.snapshot_bytes),
            options,
            stop: Mutex::new(false),
            wake: Condvar::new(),
            _lock: dir_lock,
        });
        let timer = shared.options.durability == Durability::Buffered
            && shared.options.flush_interval.is_some();
        let background = (timer || shared.options.checkpoint_log_bytes.is_some()).then(|| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || shared.run_background())
        });
        Ok(Self { shared, background })
    }

    /// Maps `key` to `value`, replacing any previous value.
    pub fn put(&self, key: impl AsRef<[u8]>, value: V) -> Result<Receipt, Error> {
        let key = key.as_ref();
        let mut encoded = Vec::new();
        value.encode(&mut encoded);
        let mut body = Vec::with_capacity(key.len() + encoded.len() + 9);
        encode_put(&mut body, key, &encoded)?;
        let (receipt, ()) = self.commit(|trie| {
            let next = trie.put(key, value);
            Ok((Some(Change::new(next, 1, body)), ()))
        })?;
        Ok(receipt.expect("a put always writes"))
    }

    /// Removes `key`. Returns `None` if it was absent (nothing is logged).
    pub fn remove(&self, key: impl AsRef<[u8]>) -> Result<Option<Receipt>, Error> {
        let key = key.as_ref();
        let mut body = Vec::with_capacity(key.len() + 5);
        encode_remove(&mut body, key)?;
        let (receipt, ()) = self.commit(|trie| {
            let next = trie.remove_entry(key).map(|(next, _removed)| next);
            Ok((next.map(|next| Change::new(next, 1, body)), ()))
        })?;
        Ok(receipt)
    }

    /// Applies `batch` as one version and one log record: after a crash, all of it is
    /// recovered or none. Returns `None` if it changed nothing (nothing is logged).
    pub fn write_batch(&self, batch: WriteBatch<V>) -> Result<Option<Receipt>, Error> {
        let mut body = Vec::new();
        let mut value = Vec::new();
        for write in batch.writes() {
            match write {
                Write::Put(key, v) => {
                    value.clear();
                    v.encode(&mut value);
                    encode_put(&mut body, key, &value)?;
                }
                Write::Remove(key) => encode_remove(&mut body, key)?,
            }
        }
        let count = super::frame::len32(batch.len())?;
        let (receipt, ()) = self.commit(|trie| {
            let next = batch.apply(trie);
            Ok((next.map(|next| Change::new(next, count, body)), ()))
        })?;
        Ok(receipt)
    }

    /// Atomically replaces the value under `key` with `f` of it (`None` removes), as
    /// [`TrieStore::update`], and logs the result. Returns the value `f` saw and the
    /// receipt (`None` if nothing changed: `f` returned `None` for an absent key).
    ///
    /// `f` runs under the writer lock, and so does the encoding of its result.
    pub fn update(
        &self,
        key: impl AsRef<[u8]>,
        f: impl FnOnce(Option<&V>) -> Option<V>,
    ) -> Result<Updated<V>, Error> {
        self.rewrite(key.as_ref(), Decision::update(f))
            .map(|(updated, _)| updated)
    }

    /// Replaces the value under `key` with `new` (`None` removes) if the current one
    /// equals `expected` (`None`: absent), atomically, as
    /// [`TrieStore::compare_and_swap`], and logs the change. `Ok(Ok(updated))` if it
    /// swapped, `Ok(Err(current))` if not (nothing logged).
    #[allow(
        clippy::type_complexity,
        reason = "the store's compare_and_swap result inside the I/O result"
    )]
    pub fn compare_and_swap(
        &self,
        key: impl AsRef<[u8]>,
        expected: Option<&V>,
        new: Option<V>,
    ) -> Result<Result<Updated<V>, Option<ValueGuard<V>>>, Error>
    where
        V: PartialEq,
    {
        match self.rewrite(key.as_ref(), Decision::swap(expected, new))? {
            (updated, true) => Ok(Ok(updated)),
            (updated, false) => Ok(Err(updated.previous)),
        }
    }

    /// The read-modify-write under `update` and `compare_and_swap`: [`Trie::rewrite`]
    /// under the writer lock, with the value decided on encoded as it is decided (before
    /// the trie takes it), and the change, if any, logged as one record. Returns what it
    /// did and whether it decided to write.
    fn rewrite(
        &self,
        key: &[u8],
        decide: impl FnOnce(Option<&V>) -> Decision<V>,
    ) -> Result<(Updated<V>, bool), Error> {
        let (receipt, (previous, wrote)) = self.commit(|trie| {
            let mut encoded = None;
            let rewritten = trie.rewrite(key, |current| {
                let decision = decide(current);
                if let Decision::Put(value) = &decision {
                    let mut bytes = Vec::new();
                    value.encode(&mut bytes);
                    encoded = Some(bytes);
                }
                decision
            });
            let change = match rewritten.next {
                Some(next) => {
                    let mut body = Vec::new();
                    match &encoded {
                        Some(value) => encode_put(&mut body, key, value)?,
                        None => encode_remove(&mut body, key)?,
                    }
                    Some(Change::new(next, 1, body))
                }
                None => None,
            };
            Ok((change, (rewritten.previous, rewritten.wrote)))
        })?;
        let previous = previous.map(ValueGuard::new);
        Ok((Updated { previous, receipt }, wrote))
    }

    /// Syncs everything logged so far; returns [`durable_seq`](Self::durable_seq).
    pub fn flush(&self) -> Result<u64, Error> {
        self.shared.log.check()?;
        self.shared.log.sync_through(self.shared.log.appended())?;
        Ok(self.shared.log.durable())
    }

    /// Writes the current version to a snapshot now and drops the log before it; the
    /// same steps the background thread takes. Writers go on meanwhile.
    pub fn checkpoint(&self) -> Result<CheckpointStats, Error> {
        self.shared.checkpoint()
    }

    /// Flushes, stops the background thread and releases the directory.
    pub fn close(mut self) -> Result<(), Error> {
        self.stop_background();
        self.flush().map(|_| ())
    }
}

impl<V> DurableStore<V> {
    /// W2–W5: `build` sees the current version under the writer lock and returns the
    /// change to log and publish (the next version, its op count and encoded ops), or
    /// `None` if nothing changes (then nothing is logged), beside a result of its own.
    fn commit<R>(
        &self,
        build: impl FnOnce(&Trie<V>) -> Result<(Option<Change<V>>, R), Error>,
    ) -> Result<(Option<Receipt>, R), Error> {
        let shared = &*self.shared;
        let mode = shared.options.durability;
        let (seq, result) = shared.store.commit_with(|trie| {
            let (change, result) = build(trie)?;
            let Some(change) = change else {
                return Ok((None, (None, result)));
            };
            let seq = shared.log.append(change.count, &change.body)?;
            if mode == Durability::Sync {
                shared.log.sync_through(seq)?;
            }
            Ok::<_, Error>((Some(change.next), (Some(seq), result)))
        })?;
        let Some(seq) = seq else {
            return Ok((None, result));
        };
        if mode == Durability::Group {
            shared.log.sync_through(seq)?;
        }
        let durable = shared.log.durable() >= seq;
        Ok((Some(Receipt { seq, durable }), result))
    }

    /// The value under `key`, as [`TrieStore::get`].
    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<ValueGuard<V>> {
        self.shared.store.get(key)
    }

    /// Runs `f` on the value under `key`, as [`TrieStore::get_with`].
    pub fn get_with<R>(&self, key: impl AsRef<[u8]>, f: impl FnOnce(Option<&V>) -> R) -> R {
        self.shared.store.get_with(key, f)
    }

    /// The whole current version, as [`TrieStore::snapshot`].
    pub fn snapshot(&self) -> Trie<V> {
        self.shared.store.snapshot()
    }

    /// The number of keys in the current version.
    pub fn len(&self) -> usize {
        self.snapshot().len()
    }

    /// Whether the current version holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sequence number of the last write logged; just after opening, of the last
    /// write recovered (the state is then that after every write up to it).
    pub fn last_seq(&self) -> u64 {
        self.shared.log.appended()
    }

    /// The sequence number up to which every write is known synced.
    pub fn durable_seq(&self) -> u64 {
        self.shared.log.durable()
    }

    fn stop_background(&mut self) {
        *lock(&self.shared.stop) = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.background.take() {
            // A panic there has already been reported; the store is closing anyway.
            let _ = thread.join();
        }
    }
}

impl<V> Drop for DurableStore<V> {
    fn drop(&mut self) {
        self.stop_background();
        // Best effort: `close` reports what this cannot.
        let _ = self.shared.log.sync_through(self.shared.log.appended());
    }
}

impl<V: fmt::Debug> fmt::Debug for DurableStore<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DurableStore")
            .field("last_seq", &self.last_seq())
            .field("durable_seq", &self.durable_seq())
            .field("store", &self.shared.store)
            .finish()
    }
}
