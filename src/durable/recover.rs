//! Recovery: the newest snapshot that verifies, then the log records after it.

use super::format::HEADER_LEN;
use super::log::{create_log, read_log_file, LogOp, LogTail};
use super::snapshot::read_snapshot_file;
use super::{Decode, Error, Storage, StorageFile};
use crate::sync::Arc;
use crate::Trie;

/// The state a directory holds, and where to append next.
pub(crate) struct Recovered<V> {
    pub(crate) trie: Trie<V>,
    /// The sequence number of the last write recovered.
    pub(crate) last_seq: u64,
    /// The snapshot's sequence number (0: none) and file length.
    pub(crate) snapshot_seq: u64,
    pub(crate) snapshot_bytes: u64,
    /// The log file to append to.
    pub(crate) file: Arc<dyn StorageFile>,
    pub(crate) name: String,
    pub(crate) generation: u64,
    pub(crate) log_bytes: u64,
}

/// `name`'s number if it is `prefix<16 hex digits>suffix`.
fn numbered(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    let hex = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

fn decode<V: Decode>(key: &[u8], value: &[u8]) -> Result<V, String> {
    V::decode(value).map_err(|e| {
        format!(
            "the value of key \"{}\" does not decode: {e}",
            key.escape_ascii()
        )
    })
}

/// Reads the directory's state (the recovery paragraph of the module docs).
pub(crate) fn recover<V: Decode>(storage: &dyn Storage) -> Result<Recovered<V>, Error> {
    let dir_error = |op, e| Error::io(storage.path(""), op, e);
    let names = storage.list().map_err(|e| dir_error("list", e))?;
    let mut snapshots = Vec::new();
    let mut logs = Vec::new();
    for name in names {
        if name.ends_with(".tmp") {
            storage
                .remove(&name)
                .map_err(|e| Error::io(storage.path(&name), "remove", e))?;
        } else if let Some(seq) = numbered(&name, "snap-", ".snap") {
            snapshots.push((seq, name));
        } else if let Some(generation) = numbered(&name, "wal-", ".log") {
            logs.push((generation, name));
        }
    }
    snapshots.sort();
    logs.sort();

    // The newest snapshot that verifies; the newer ones' errors, in case the log
    // cannot bridge the gap from an older one.
    let mut trie = Trie::new();
    let (mut snapshot_seq, mut snapshot_bytes) = (0, 0);
    let mut newer_error = None;
    for (seq, name) in snapshots.iter().rev() {
        let path = storage.path(name);
        let bytes = storage
            .read(name)
            .map_err(|e| Error::io(&path, "read", e))?;
        let mut entries = Vec::new();
        let read = read_snapshot_file(&path, &bytes, |key, value| {
            entries.push((key, decode::<V>(key, value)?));
            Ok(())
        });
        match read {
            Ok(info) if info.seq == *seq => {
                // The reader checked that the keys strictly ascend.
                let loaded = Trie::from_sorted(entries);
                (trie, snapshot_seq, snapshot_bytes) = (loaded, *seq, bytes.len() as u64);
                break;
            }
            Ok(info) => {
                let what = format!("header says seq {}, the name {seq}", info.seq);
                newer_error.get_or_insert(Error::corrupt(path, 12, what));
            }
            Err(e @ (Error::Corrupt { .. } | Error::UnsupportedVersion { .. })) => {
                newer_error.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    if snapshot_seq == 0 {
        if let Some(error) = newer_error.take() {
            return Err(error);
        }
    }

    // The log records after it, in order, with no gap.
    let mut last = snapshot_seq;
    let mut applied_any = false;
    let mut torn: Option<(String, u64)> = None;
    let mut last_len = 0;
    for (generation, name) in &logs {
        let path = storage.path(name);
        let bytes = storage
            .read(name)
            .map_err(|e| Error::io(&path, "read", e))?;
        let mut gap = false;
        let info = read_log_file(&path, &bytes, |record| {
            if record.seq <= snapshot_seq {
                if applied_any {
                    return Err(format!("sequence number {} goes back", record.seq));
                }
                return Ok(());
            }
            if record.seq != last + 1 {
                gap = true;
                return Err(format!(
                    "sequence number {} where {} was due (a gap in the log)",
                    record.seq,
                    last + 1
                ));
            }
            for op in record.ops {
                trie = match op {
                    LogOp::Put(key, value) => trie.put(key, decode::<V>(key, value)?),
                    LogOp::Remove(key) => trie.remove(key),
                };
            }
            last = record.seq;
            applied_any = true;
            Ok(())
        });
        let info = match info {
            Err(e) if gap && newer_error.is_some() => return Err(newer_error.unwrap_or(e)),
            other => other?,
        };
        if info.generation != *generation {
            let what = format!("header says generation {}", info.generation);
            return Err(Error::corrupt(path, 12, what));
        }
        if let Some((torn_name, offset)) = &torn {
            if info.records > 0 {
                let what = format!("an incomplete record, yet {name} holds later records");
                return Err(Error::corrupt(storage.path(torn_name), *offset, what));
            }
        }
        if let LogTail::Torn(offset) = info.tail {
            torn = Some((name.clone(), offset));
            last_len = offset;
        } else {
            last_len = bytes.len() as u64;
        }
    }
    if let Some((name, offset)) = &torn {
        let io = |op, e| Error::io(storage.path(name), op, e);
        let file = storage.open_append(name).map_err(|e| io("open", e))?;
        file.truncate(*offset).map_err(|e| io("truncate", e))?;
        file.sync().map_err(|e| io("sync", e))?;
    }

    let (file, name, generation, log_bytes) = match logs.last() {
        Some((generation, name)) => {
            let file = storage
                .open_append(name)
                .map_err(|e| Error::io(storage.path(name), "open", e))?;
            let len = last_len.saturating_sub(HEADER_LEN as u64);
            (file, name.clone(), *generation, len)
        }
        None => {
            let (file, name) = create_log(storage, 1)?;
            (file, name, 1, 0)
        }
    };
    Ok(Recovered {
        trie,
        last_seq: last,
        snapshot_seq,
        snapshot_bytes,
        file,
        name,
        generation,
        log_bytes,
    })
}
