//! The durable stores under comparison, each behind [`DurableKv`]: a put that returns
//! once the write is durable (synced to the disk), at the same setting for every store.
//!
//! - cowtrie's `DurableStore` with `Durability::Sync` (every commit synced before it is
//!   published) or `Durability::Group` (concurrent writers share one sync);
//! - redb: one insert per write transaction, `Durability::Immediate` (its default: the
//!   commit syncs the file with `fdatasync`);
//! - fjall: one insert into a partition, then `Keyspace::persist(PersistMode::SyncData)`
//!   (`fdatasync` of its journal), journal persistence otherwise manual.
//!
//! Every store lives in a fresh temporary directory under the target directory, so all
//! of them write to the same disk.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cowtrie::durable::{Durability, DurableStore, Error, FsStorage, Options, Storage, StorageFile};

/// A store whose `put` returns once the write is durable.
pub trait DurableKv: Send + Sync {
    /// The name in the tables.
    fn name(&self) -> String;
    /// Writes `key` -> `value`; returns once it survives a crash.
    fn put(&self, key: &[u8], value: &[u8]);
}

/// A fresh directory on the same disk as the build (removed when dropped).
pub fn scratch_dir() -> tempfile::TempDir {
    let parent = std::env::var_os("COWTRIE_BENCH_DIR").map_or_else(
        || env!("CARGO_TARGET_TMPDIR").into(),
        std::path::PathBuf::from,
    );
    tempfile::Builder::new()
        .prefix("durable-bench-")
        .tempdir_in(&parent)
        .unwrap_or_else(|e| panic!("a temporary directory under {}: {e}", parent.display()))
}

/// cowtrie's durable store.
pub struct Cowtrie {
    pub store: DurableStore<Vec<u8>>,
    pub durability: Durability,
}

impl Cowtrie {
    pub fn open(dir: &Path, durability: Durability) -> Self {
        let options = Options {
            durability,
            ..Options::default()
        };
        Self {
            store: DurableStore::open(dir, options).expect("open cowtrie's durable store"),
            durability,
        }
    }
}

impl DurableKv for Cowtrie {
    fn name(&self) -> String {
        format!("cowtrie ({:?})", self.durability)
    }

    fn put(&self, key: &[u8], value: &[u8]) {
        let receipt = self.store.put(key, value.to_vec()).expect("cowtrie put");
        assert!(
            receipt.durable,
            "a {:?} commit came back not durable",
            self.durability
        );
    }
}

/// redb, one insert per write transaction.
pub struct Redb(redb::Database);

const REDB_TABLE: redb::TableDefinition<'static, &[u8], &[u8]> =
    redb::TableDefinition::new("bench");

impl Redb {
    pub fn open(dir: &Path) -> Self {
        Self(redb::Database::create(dir.join("redb")).expect("open redb"))
    }
}

impl DurableKv for Redb {
    fn name(&self) -> String {
        "redb".into()
    }

    fn put(&self, key: &[u8], value: &[u8]) {
        let mut tx = self.0.begin_write().expect("redb begin_write");
        tx.set_durability(redb::Durability::Immediate);
        {
            let mut table = tx.open_table(REDB_TABLE).expect("redb open_table");
            table.insert(key, value).expect("redb insert");
        }
        tx.commit().expect("redb commit");
    }
}

/// fjall, each insert followed by a synced journal.
pub struct Fjall {
    keyspace: fjall::Keyspace,
    partition: fjall::PartitionHandle,
}

impl Fjall {
    pub fn open(dir: &Path) -> Self {
        let keyspace = fjall::Config::new(dir.join("fjall"))
            .manual_journal_persist(true)
            .open()
            .expect("open fjall");
        let partition = keyspace
            .open_partition("bench", fjall::PartitionCreateOptions::default())
            .expect("open fjall partition");
        Self {
            keyspace,
            partition,
        }
    }
}

impl DurableKv for Fjall {
    fn name(&self) -> String {
        "fjall".into()
    }

    fn put(&self, key: &[u8], value: &[u8]) {
        self.partition.insert(key, value).expect("fjall insert");
        self.keyspace
            .persist(fjall::PersistMode::SyncData)
            .expect("fjall persist");
    }
}

/// Real files, with every sync counted: file syncs and directory syncs.
pub struct CountingStorage {
    inner: FsStorage,
    pub file_syncs: Arc<AtomicU64>,
    pub dir_syncs: AtomicU64,
}

impl CountingStorage {
    pub fn new(dir: &Path) -> io::Result<Self> {
        Ok(Self {
            inner: FsStorage::new(dir)?,
            file_syncs: Arc::default(),
            dir_syncs: AtomicU64::new(0),
        })
    }

    /// (file syncs, directory syncs) so far.
    pub fn syncs(&self) -> (u64, u64) {
        (
            self.file_syncs.load(Ordering::Relaxed),
            self.dir_syncs.load(Ordering::Relaxed),
        )
    }

    fn counted(&self, file: Arc<dyn StorageFile>) -> Arc<dyn StorageFile> {
        Arc::new(CountingFile {
            inner: file,
            syncs: self.file_syncs.clone(),
        })
    }
}

struct CountingFile {
    inner: Arc<dyn StorageFile>,
    syncs: Arc<AtomicU64>,
}

impl StorageFile for CountingFile {
    fn append(&self, bytes: &[u8]) -> io::Result<()> {
        self.inner.append(bytes)
    }

    fn truncate(&self, len: u64) -> io::Result<()> {
        self.inner.truncate(len)
    }

    fn sync(&self) -> io::Result<()> {
        self.syncs.fetch_add(1, Ordering::Relaxed);
        self.inner.sync()
    }

    fn preallocate(&self, step: u64) -> io::Result<()> {
        self.inner.preallocate(step)
    }
}

impl Storage for CountingStorage {
    fn create(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        Ok(self.counted(self.inner.create(name)?))
    }

    fn open_append(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        Ok(self.counted(self.inner.open_append(name)?))
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        self.inner.read(name)
    }

    fn list(&self) -> io::Result<Vec<String>> {
        self.inner.list()
    }

    fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        self.inner.rename(from, to)
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        self.inner.remove(name)
    }

    fn sync_dir(&self) -> io::Result<()> {
        self.dir_syncs.fetch_add(1, Ordering::Relaxed);
        self.inner.sync_dir()
    }

    fn lock(&self) -> Result<Box<dyn std::any::Any + Send + Sync>, Error> {
        self.inner.lock()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.inner.path(name)
    }
}
