//! [`Storage`]: the few file operations a durable store needs, on real files
//! ([`FsStorage`]) or on a simulated disk (`SimDisk`, feature `sim`).

use std::any::Any;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use super::Error;
use crate::sync::{lock, Arc, Mutex};

/// One flat directory of files, named by plain names (no separators).
///
/// Every method is one I/O operation, the unit at which `SimDisk` (feature `sim`)
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
    /// From now on, grow the file in steps of at least `step` zero bytes ahead of its
    /// data, so that appends overwrite zeros instead of growing it (a log file's format
    /// allows a zero tail: see the module docs). The default does nothing: the file
    /// holds its data and nothing else.
    fn preallocate(&self, step: u64) -> io::Result<()> {
        let _ = step;
        Ok(())
    }
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

struct FsFile {
    file: File,
    space: Mutex<Space>,
}

/// Where an [`FsFile`]'s data ends and how far its zero tail reaches.
struct Space {
    /// The end of the data: where the next append goes.
    data: u64,
    /// The file's length; the bytes from `data` on are zeros.
    len: u64,
    /// The preallocation step (0: none, the file is its data).
    step: u64,
}

impl FsFile {
    fn new(file: File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        let space = Space {
            data: len,
            len,
            step: 0,
        };
        Ok(Self {
            file,
            space: Mutex::new(space),
        })
    }
}

impl StorageFile for FsFile {
    fn append(&self, bytes: &[u8]) -> io::Result<()> {
        let mut space = lock(&self.space);
        let end = space.data + bytes.len() as u64;
        if end > space.len && space.step > 0 {
            // Real zero bytes, not a hole (`set_len`) nor unwritten extents
            // (`fallocate`): overwriting them later changes no file-system metadata,
            // so a sync of the appends after them writes data only.
            let grow = (end - space.len).max(space.step);
            let zeros = vec![0; usize::try_from(grow).unwrap_or(usize::MAX)];
            write_all_at(&self.file, &zeros, space.len)?;
            space.len += grow;
        }
        write_all_at(&self.file, bytes, space.data)?;
        space.data = end;
        space.len = space.len.max(end);
        Ok(())
    }

    fn truncate(&self, len: u64) -> io::Result<()> {
        let mut space = lock(&self.space);
        self.file.set_len(len)?;
        (space.data, space.len) = (len, len);
        Ok(())
    }

    fn sync(&self) -> io::Result<()> {
        // fdatasync: the data and, if it changed, the size. Appends into the zero tail
        // leave the size alone, so most syncs of a preallocated file write data only.
        self.file.sync_data()
    }

    fn preallocate(&self, step: u64) -> io::Result<()> {
        lock(&self.space).step = step;
        Ok(())
    }
}

impl Drop for FsFile {
    fn drop(&mut self) {
        // Best effort: leave the file as long as its data. A crash before this (or
        // instead of it) leaves the zero tail, which readers accept.
        let space = lock(&self.space);
        if space.len > space.data {
            let _ = self.file.set_len(space.data);
        }
    }
}

/// Writes all of `bytes` at `offset`.
#[cfg(unix)]
fn write_all_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

/// Writes all of `bytes` at `offset`.
#[cfg(windows)]
fn write_all_at(file: &File, mut bytes: &[u8], mut offset: u64) -> io::Result<()> {
    while !bytes.is_empty() {
        match std::os::windows::fs::FileExt::seek_write(file, bytes, offset) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                bytes = &bytes[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes all of `bytes` at `offset`, on a platform with no positioned write: a seek,
/// then a write (the caller holds the file's `space` lock, so no other write moves
/// the position in between).
#[cfg(not(any(unix, windows)))]
fn write_all_at(mut file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(bytes)
}

impl Storage for FsStorage {
    fn create(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        let path = self.dir.join(name);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        Ok(Arc::new(FsFile::new(file)?))
    }

    fn open_append(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        let file = OpenOptions::new().write(true).open(self.dir.join(name))?;
        Ok(Arc::new(FsFile::new(file)?))
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
