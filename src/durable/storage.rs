//! [`Storage`]: the few file operations a durable store needs, on real files
//! ([`FsStorage`]) or on a simulated disk ([`SimDisk`](super::SimDisk)).

use std::any::Any;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::Error;
use crate::sync::Arc;

/// One flat directory of files, named by plain names (no separators).
///
/// Every method is one I/O operation, the unit at which [`SimDisk`](super::SimDisk)
/// crashes. Nothing is durable until synced: file contents by [`StorageFile::sync`],
/// names (creation, rename, removal) by [`sync_dir`](Storage::sync_dir).
pub trait Storage: Send + Sync {
    /// A new empty file `name` (replacing any file of that name), open for appending.
    fn create(&self, name: &str) -> io::Result<Arc<dyn StorageFile>>;
    /// The existing file `name`, open for appending at its end.
    fn open_append(&self, name: &str) -> io::Result<Arc<dyn StorageFile>>;
    /// The whole contents of `name`.
    fn read(&self, name: &str) -> io::Result<Vec<u8>>;
    /// The names of the files in the directory, in no particular order.
    fn list(&self) -> io::Result<Vec<String>>;
    /// Renames `from` to `to`, replacing `to` atomically.
    fn rename(&self, from: &str, to: &str) -> io::Result<()>;
    /// Removes `name`.
    fn remove(&self, name: &str) -> io::Result<()>;
    /// Makes the directory's names durable.
    fn sync_dir(&self) -> io::Result<()>;
    /// Takes the directory's lock, held until the returned value is dropped;
    /// [`Error::Locked`] if another holder has it.
    fn lock(&self) -> Result<Box<dyn Any + Send + Sync>, Error>;
    /// How to name `name` in error messages.
    fn path(&self, name: &str) -> PathBuf;
}

/// A file open for appending.
pub trait StorageFile: Send + Sync {
    /// Appends `bytes` at the end.
    fn append(&self, bytes: &[u8]) -> io::Result<()>;
    /// Cuts the file to `len` bytes.
    fn truncate(&self, len: u64) -> io::Result<()>;
    /// Makes the contents durable.
    fn sync(&self) -> io::Result<()>;
}

/// [`Storage`] on a real directory.
#[derive(Debug)]
pub struct FsStorage {
    dir: PathBuf,
}

impl FsStorage {
    /// Storage in `dir`, created if missing.
    pub fn new(dir: impl AsRef<Path>) -> io::Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }
}

struct FsFile(File);

impl StorageFile for FsFile {
    fn append(&self, bytes: &[u8]) -> io::Result<()> {
        (&self.0).write_all(bytes)
    }

    fn truncate(&self, len: u64) -> io::Result<()> {
        self.0.set_len(len)
    }

    fn sync(&self) -> io::Result<()> {
        // fdatasync: the data and the size, which is all an appended file needs.
        self.0.sync_data()
    }
}

impl Storage for FsStorage {
    fn create(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        let path = self.dir.join(name);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(path)?;
        Ok(Arc::new(FsFile(file)))
    }

    fn open_append(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        let file = OpenOptions::new().append(true).open(self.dir.join(name))?;
        Ok(Arc::new(FsFile(file)))
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        fs::read(self.dir.join(name))
    }

    fn list(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            if let Ok(name) = entry?.file_name().into_string() {
                names.push(name);
            }
        }
        Ok(names)
    }

    fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        fs::rename(self.dir.join(from), self.dir.join(to))
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        fs::remove_file(self.dir.join(name))
    }

    fn sync_dir(&self) -> io::Result<()> {
        File::open(&self.dir)?.sync_all()
    }

    fn lock(&self) -> Result<Box<dyn Any + Send + Sync>, Error> {
        let path = self.dir.join("LOCK");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, "open", e))?;
        // fs4's flock/LockFileEx, named in full: std's own `File::try_lock` is newer
        // than the crate's minimum Rust version.
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => Ok(Box::new(file)),
            Err(fs4::TryLockError::WouldBlock) => Err(Error::Locked { file: path }),
            Err(fs4::TryLockError::Error(e)) => Err(Error::io(path, "lock", e)),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}
