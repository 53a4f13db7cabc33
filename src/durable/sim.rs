//! [`SimDisk`]: an in-memory [`Storage`] that crashes on command.
//!
//! It keeps, for every file, the bytes written and the bytes synced, and for the
//! directory, the names as they are and as last synced. A crash ([`SimDisk::restart`])
//! keeps what a real disk could: only synced bytes and names ([`Crash::DropUnsynced`]),
//! everything ([`Crash::KeepUnsynced`]), everything but the tail of the last append
//! ([`Crash::TearLastWrite`]), or everything but one unsynced sector, earlier or later
//! than others kept ([`Crash::LoseSector`]). [`SimDisk::crash_after`] makes every operation after a
//! given count fail, as if the process had died there. A file asked to
//! [`preallocate`](StorageFile::preallocate) grows in steps of zeros as a real one
//! does (in steps of at most 64 bytes), and appends overwrite them: a crash then leaves a zero tail after the data
//! (unsynced appends are zeros again, a torn one is a prefix followed by zeros).

use std::any::Any;
use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

use super::log::SECTOR;
use super::{Error, Storage, StorageFile};
use crate::sync::{lock, Arc, Mutex};

/// What survives a simulated crash.
#[cfg_attr(docsrs, doc(cfg(feature = "sim")))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crash {
    /// Only synced file contents and synced directory entries.
    DropUnsynced,
    /// Everything written, synced or not.
    KeepUnsynced,
    /// Everything written, except that the last append (if not yet synced) keeps only
    /// its first `n` bytes (the rest is cut off, or zeros again if it overwrote a
    /// preallocated zero tail).
    TearLastWrite(usize),
    /// Everything written, except one sector ([`SECTOR`] bytes, aligned) whose
    /// contents differ from what was last synced: it reads as last synced (zeros past
    /// the synced length). The sectors that differ are counted over the files in name
    /// order, and the one lost is number `n` modulo their count, so an earlier
    /// unsynced sector can be lost while a later one is kept. With none, the same as
    /// [`KeepUnsynced`](Self::KeepUnsynced).
    LoseSector(usize),
}

/// A simulated disk holding one directory. Cloning gives another handle to the same
/// disk.
///
/// ```
/// use cowtrie::durable::{Crash, DurableStore, Options, SimDisk};
///
/// let disk = SimDisk::new();
/// let store = DurableStore::<Vec<u8>>::open_with(disk.storage(), Options::default())?;
/// store.put("k", b"v".to_vec())?;
/// drop(store);
/// disk.restart(Crash::DropUnsynced);
/// let store = DurableStore::<Vec<u8>>::open_with(disk.storage(), Options::default())?;
/// assert_eq!(store.get("k").as_deref(), Some(&b"v".to_vec()));
/// # Ok::<(), cowtrie::durable::Error>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "sim")))]
#[derive(Clone, Default)]
pub struct SimDisk {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    files: Vec<Inode>,
    names: BTreeMap<String, usize>,
    synced_names: BTreeMap<String, usize>,
    ops: u64,
    crash_after: Option<u64>,
    crashed: bool,
    fail_next_sync: bool,
    fail_op: Option<u64>,
    /// The last append not synced since: its file, offset and length, and whether it
    /// overwrote zeros (`true`) or grew the file.
    last_append: Option<(usize, usize, usize, bool)>,
    /// Which lock holder is current; restarts invalidate old holders.
    lock_epoch: u64,
    locked: bool,
}

#[derive(Default, Clone)]
struct Inode {
    data: Vec<u8>,
    synced: Vec<u8>,
}

/// The largest preallocation step a simulated file takes.
const SIM_STEP: u64 = 64;

fn crash_error() -> io::Error {
    io::Error::other("simulated crash")
}

impl State {
    /// Counts one operation; fails it if the disk has crashed.
    fn tick(&mut self) -> io::Result<()> {
        self.ops += 1;
        if self.crashed || self.crash_after.is_some_and(|after| self.ops > after) {
            self.crashed = true;
            return Err(crash_error());
        }
        if self.fail_op == Some(self.ops) {
            return Err(io::Error::other("simulated I/O error"));
        }
        Ok(())
    }

    fn inode(&self, name: &str) -> io::Result<usize> {
        self.names
            .get(name)
            .copied()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no file {name}")))
    }

    /// Reverts unsynced sector number `n` (modulo their count) to its synced contents.
    fn lose_sector(&mut self, n: usize) {
        let mut sectors = Vec::new();
        for &inode in self.names.values() {
            let file = &self.files[inode];
            for start in (0..file.data.len()).step_by(SECTOR) {
                let end = (start + SECTOR).min(file.data.len());
                let synced = |at: usize| file.synced.get(at).copied().unwrap_or(0);
                if (start..end).any(|at| file.data[at] != synced(at)) {
                    sectors.push((inode, start, end));
                }
            }
        }
        if sectors.is_empty() {
            return;
        }
        let (inode, start, end) = sectors[n % sectors.len()];
        let file = &mut self.files[inode];
        for at in start..end {
            file.data[at] = file.synced.get(at).copied().unwrap_or(0);
        }
    }

    fn sync_result(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.fail_next_sync) {
            return Err(io::Error::other("simulated sync failure"));
        }
        Ok(())
    }
}

impl SimDisk {
    /// An empty disk.
    pub fn new() -> Self {
        Self::default()
    }

    /// A separate disk with a copy of this one's contents as written (synced or not),
    /// unlocked, with no failure pending: to run many crashes from one prepared state.
    pub fn duplicate(&self) -> Self {
        let state = lock(&self.state);
        let copy = State {
            files: state.files.clone(),
            names: state.names.clone(),
            synced_names: state.synced_names.clone(),
            last_append: state.last_append,
            ..State::default()
        };
        Self {
            state: Arc::new(Mutex::new(copy)),
        }
    }

    /// This disk as the storage a store opens.
    pub fn storage(&self) -> Arc<dyn Storage> {
        Arc::new(self.clone())
    }

    /// The number of I/O operations performed so far.
    pub fn ops(&self) -> u64 {
        lock(&self.state).ops
    }

    /// Makes every operation after the first `ops` (counted from the disk's creation
    /// or last restart) fail, as if the process died there.
    pub fn crash_after(&self, ops: u64) {
        lock(&self.state).crash_after = Some(ops);
    }

    /// Makes operation number `op` (as [`ops`](Self::ops) counts) fail with an error;
    /// the disk goes on.
    pub fn fail_op(&self, op: u64) {
        lock(&self.state).fail_op = Some(op);
    }

    /// Makes the next sync (of a file or of the directory) fail; the disk goes on.
    pub fn fail_next_sync(&self) {
        lock(&self.state).fail_next_sync = true;
    }

    /// Applies a crash to the contents and starts afresh: no pending failure, the lock
    /// released, the operation count at zero.
    pub fn restart(&self, crash: Crash) {
        let mut state = lock(&self.state);
        let state = &mut *state;
        if let (Crash::TearLastWrite(keep), Some((inode, start, len, over))) =
            (crash, state.last_append)
        {
            let file = &mut state.files[inode];
            let cut = (start + keep.min(len)).min(file.data.len());
            if over {
                let end = (start + len).min(file.data.len());
                file.data[cut..end].fill(0);
            } else {
                file.data.truncate(cut);
            }
        }
        if let Crash::LoseSector(n) = crash {
            state.lose_sector(n);
        }
        match crash {
            Crash::DropUnsynced => {
                state.names = state.synced_names.clone();
                for file in &mut state.files {
                    file.data = file.synced.clone();
                }
            }
            Crash::KeepUnsynced | Crash::TearLastWrite(_) | Crash::LoseSector(_) => {
                state.synced_names = state.names.clone();
                for file in &mut state.files {
                    file.synced = file.data.clone();
                }
            }
        }
        state.ops = 0;
        state.crash_after = None;
        state.crashed = false;
        state.fail_next_sync = false;
        state.fail_op = None;
        state.last_append = None;
        state.lock_epoch += 1;
        state.locked = false;
    }

    /// The contents of `name` as written (synced or not).
    pub fn file(&self, name: &str) -> Option<Vec<u8>> {
        let state = lock(&self.state);
        let inode = *state.names.get(name)?;
        Some(state.files[inode].data.clone())
    }

    /// Replaces the contents of `name` (creating it), durably and at once: for tests
    /// that damage files.
    pub fn set_file(&self, name: &str, bytes: Vec<u8>) {
        let mut state = lock(&self.state);
        let inode = state.files.len();
        state.files.push(Inode {
            data: bytes.clone(),
            synced: bytes,
        });
        state.names.insert(name.to_owned(), inode);
        state.synced_names.insert(name.to_owned(), inode);
    }

    /// The names in the directory (synced or not), sorted.
    pub fn names(&self) -> Vec<String> {
        lock(&self.state).names.keys().cloned().collect()
    }
}

struct SimFile {
    state: Arc<Mutex<State>>,
    inode: usize,
    /// The end of the data (where appends go) and the preallocation step (0: none).
    space: Mutex<(usize, usize)>,
}

impl SimFile {
    fn shared(state: &Arc<Mutex<State>>, inode: usize, len: usize) -> Arc<dyn StorageFile> {
        Arc::new(Self {
            state: Arc::clone(state),
            inode,
            space: Mutex::new((len, 0)),
        })
    }
}

impl StorageFile for SimFile {
    fn append(&self, bytes: &[u8]) -> io::Result<()> {
        let mut state = lock(&self.state);
        state.tick()?;
        let mut space = lock(&self.space);
        let (start, step) = *space;
        let file = &mut state.files[self.inode];
        let end = start + bytes.len();
        let over = end <= file.data.len();
        if !over {
            let grow = (end - file.data.len()).max(step);
            file.data.resize(file.data.len() + grow, 0);
        }
        file.data[start..end].copy_from_slice(bytes);
        space.0 = end;
        state.last_append = Some((self.inode, start, bytes.len(), over));
        Ok(())
    }

    fn truncate(&self, len: u64) -> io::Result<()> {
        let mut state = lock(&self.state);
        state.tick()?;
        let len = usize::try_from(len).map_err(io::Error::other)?;
        state.files[self.inode].data.truncate(len);
        lock(&self.space).0 = len;
        Ok(())
    }

    fn sync(&self) -> io::Result<()> {
        let mut state = lock(&self.state);
        state.tick()?;
        state.sync_result()?;
        let file = &mut state.files[self.inode];
        file.synced = file.data.clone();
        if state
            .last_append
            .is_some_and(|(inode, ..)| inode == self.inode)
        {
            state.last_append = None;
        }
        Ok(())
    }

    fn preallocate(&self, step: u64) -> io::Result<()> {
        // Small steps: tests cross a step boundary every few records, and a disk
        // cloned per crash point stays small.
        lock(&self.space).1 = usize::try_from(step.min(SIM_STEP)).map_err(io::Error::other)?;
        Ok(())
    }
}

struct SimLock {
    state: Arc<Mutex<State>>,
    epoch: u64,
}

impl Drop for SimLock {
    fn drop(&mut self) {
        let mut state = lock(&self.state);
        if state.lock_epoch == self.epoch {
            state.locked = false;
        }
    }
}

impl Storage for SimDisk {
    fn create(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        let mut state = lock(&self.state);
        state.tick()?;
        let inode = state.files.len();
        state.files.push(Inode::default());
        state.names.insert(name.to_owned(), inode);
        Ok(SimFile::shared(&self.state, inode, 0))
    }

    fn open_append(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        let mut state = lock(&self.state);
        state.tick()?;
        let inode = state.inode(name)?;
        Ok(SimFile::shared(
            &self.state,
            inode,
            state.files[inode].data.len(),
        ))
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        let mut state = lock(&self.state);
        state.tick()?;
        let inode = state.inode(name)?;
        Ok(state.files[inode].data.clone())
    }

    fn list(&self) -> io::Result<Vec<String>> {
        let mut state = lock(&self.state);
        state.tick()?;
        Ok(state.names.keys().cloned().collect())
    }

    fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        let mut state = lock(&self.state);
        state.tick()?;
        let inode = state.inode(from)?;
        state.names.remove(from);
        state.names.insert(to.to_owned(), inode);
        Ok(())
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        let mut state = lock(&self.state);
        state.tick()?;
        state.inode(name)?;
        state.names.remove(name);
        Ok(())
    }

    fn sync_dir(&self) -> io::Result<()> {
        let mut state = lock(&self.state);
        state.tick()?;
        state.sync_result()?;
        state.synced_names = state.names.clone();
        Ok(())
    }

    fn lock(&self) -> Result<Box<dyn Any + Send + Sync>, Error> {
        let mut state = lock(&self.state);
        if state.locked {
            return Err(Error::Locked {
                file: self.path("LOCK"),
            });
        }
        state.locked = true;
        Ok(Box::new(SimLock {
            state: Arc::clone(&self.state),
            epoch: state.lock_epoch,
        }))
    }

    fn path(&self, name: &str) -> PathBuf {
        PathBuf::from("sim").join(name)
    }
}
