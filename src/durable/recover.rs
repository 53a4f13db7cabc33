//! Recovery: the newest snapshot that verifies, then the log records after it.

use std::cell::OnceCell;

use super::frame::{check_header, HEADER_LEN, LOG_MAGIC};
use super::log::{create_log, read_log_file, LogOp, LogTail, PREALLOCATE};
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

/// `name`'s bytes, read into `cell` (which then owns them).
fn read_into<'c>(
    storage: &dyn Storage,
    name: &str,
    cell: &'c OnceCell<Vec<u8>>,
) -> Result<&'c [u8], Error> {
    if cell.get().is_none() {
        let bytes = storage
            .read(name)
            .map_err(|e| Error::io(storage.path(name), "read", e))?;
        // The cell is empty (checked above), so this cannot fail.
        let _ = cell.set(bytes);
    }
    Ok(cell.get().map_or(&[], Vec::as_slice))
}

/// The entries after `writes` (in log order; `None` removes the key) are applied to
/// `entries` (keys strictly ascending), keys strictly ascending again: the writes are
/// sorted by key keeping each key's writes in log order, the last write to a key
/// decides, and one merge pass joins the two lists. O((n + m) log m) for n entries and
/// m writes, with no trie built in between.
pub(crate) fn merge<'k, V>(
    entries: Vec<(&'k [u8], V)>,
    mut writes: Vec<Write<'k, V>>,
) -> Vec<(&'k [u8], V)> {
    // Stable: the writes to one key stay in log order. The keys point all over the
    // log's bytes; comparing their first 8 bytes, kept beside them, first spares most
    // comparisons a cache miss (a key's order agrees with its zero-padded prefix's).
    writes.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let writes = writes.into_iter().map(|(_, key, value)| (key, value));
    let mut merged = Vec::with_capacity(entries.len() + writes.len());
    let mut entries = entries.into_iter().peekable();
    let mut writes = writes.peekable();
    while let Some((key, value)) = writes.next() {
        if writes.peek().is_some_and(|(next, _)| *next == key) {
            continue; // a later write to the same key decides
        }
        while let Some(entry) = entries.next_if(|(k, _)| *k < key) {
            merged.push(entry);
        }
        entries.next_if(|(k, _)| *k == key); // replaced or removed
        if let Some(value) = value {
            merged.push((key, value));
        }
    }
    merged.extend(entries);
    merged
}

/// A write from the log: its key's first 8 bytes (zero-padded, big-endian), the key,
/// and the value put (`None`: a remove).
pub(crate) type Write<'k, V> = (u64, &'k [u8], Option<V>);

/// `key`'s write of `value`.
pub(crate) fn write<V>(key: &[u8], value: Option<V>) -> Write<'_, V> {
    let mut bytes = [0; 8];
    let n = key.len().min(8);
    bytes[..n].copy_from_slice(&key[..n]);
    (u64::from_be_bytes(bytes), key, value)
}

/// The sequence number of the first record of log file `name`, if it has a whole one.
fn first_seq(
    storage: &dyn Storage,
    name: &str,
    cell: &OnceCell<Vec<u8>>,
) -> Result<Option<u64>, Error> {
    let bytes = read_into(storage, name, cell)?;
    let mut first = None;
    // Stops at the first record; damage past it is for the main pass to judge.
    let _ = read_log_file(&storage.path(name), bytes, |record| {
        first = Some(record.seq);
        Err(String::new())
    });
    Ok(first)
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
    // cannot bridge the gap from an older one. Its entries stay a sorted list until
    // the log's writes are merged into it. Files are read into cells that outlive the
    // lists, which borrow their keys from the bytes.
    let snapshot_files: Vec<OnceCell<Vec<u8>>> =
        snapshots.iter().map(|_| OnceCell::new()).collect();
    let mut entries: Vec<(&[u8], V)> = Vec::new();
    let (mut snapshot_seq, mut snapshot_bytes) = (0, 0);
    let mut newer_error = None;
    for ((seq, name), cell) in snapshots.iter().zip(&snapshot_files).rev() {
        let path = storage.path(name);
        let bytes = read_into(storage, name, cell)?;
        // Room for as many entries as the end block counts, if the file can hold them
        // (8 bytes each at least): the list is allocated once, not regrown as it fills.
        let counted = bytes.len().checked_sub(8).map_or(0, |at| {
            let end: [u8; 8] = bytes[at..].try_into().unwrap_or_default();
            u64::from_le_bytes(end)
        });
        let capacity = usize::try_from(counted).map_or(0, |n| n.min(bytes.len() / 8));
        let mut read_entries = Vec::with_capacity(capacity);
        let read = read_snapshot_file(&path, bytes, |key, value| {
            read_entries.push((key, decode::<V>(key, value)?));
            Ok(())
        });
        match read {
            Ok(info) if info.seq == *seq => {
                // The reader checked that the keys strictly ascend.
                (entries, snapshot_seq, snapshot_bytes) = (read_entries, *seq, bytes.len() as u64);
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

    // The log records after it, in order, with no gap: their writes are collected in
    // log order (`None`: a remove) and merged into the snapshot's entries at the end.
    // The log ends at the first tail a crash left (invariant 5): a torn or lost
    // record, or a file whose first record leaves a gap after the file before it.
    let log_files: Vec<OnceCell<Vec<u8>>> = logs.iter().map(|_| OnceCell::new()).collect();
    let mut writes: Vec<Write<'_, V>> = Vec::new();
    let mut last = snapshot_seq;
    let mut applied_any = false;
    // Where the files are cut, in order: the file holding the tail, then every file
    // after it to its header (their records come after a loss, so none was synced).
    let mut cuts: Vec<(&str, u64)> = Vec::new();
    let mut last_len = 0;
    let may_cut_gap = newer_error.is_none();
    for (i, ((generation, name), cell)) in logs.iter().zip(&log_files).enumerate() {
        let path = storage.path(name);
        let bytes = read_into(storage, name, cell)?;
        if !cuts.is_empty() {
            let found = check_header(&path, bytes, LOG_MAGIC, "log")?;
            if found != *generation {
                let what = format!("header says generation {found}");
                return Err(Error::corrupt(path, 12, what));
            }
            cuts.push((name, HEADER_LEN as u64));
            last_len = HEADER_LEN as u64;
            continue;
        }
        // This file follows the one before it directly, so a gap before its first
        // record is the earlier file's lost tail.
        let follows = i > 0 && logs[i - 1].0.checked_add(1) == Some(*generation);
        let (mut gap, mut lost_before, mut here) = (false, false, 0);
        let info = read_log_file(&path, bytes, |record| {
            here += 1;
            if record.seq <= snapshot_seq {
                if applied_any {
                    return Err(format!("sequence number {} goes back", record.seq));
                }
                return Ok(());
            }
            if record.seq != last + 1 {
                if here == 1 && follows && may_cut_gap && record.seq > last + 1 {
                    lost_before = true;
                    return Err("a lost tail before this file".into());
                }
                gap = true;
                return Err(format!(
                    "sequence number {} where {} was due (a gap in the log)",
                    record.seq,
                    last + 1
                ));
            }
            for op in record.ops {
                writes.push(match op {
                    LogOp::Put(key, value) => write(key, Some(decode::<V>(key, value)?)),
                    LogOp::Remove(key) => write(key, None),
                });
            }
            last = record.seq;
            applied_any = true;
            Ok(())
        });
        if lost_before {
            cuts.push((name, HEADER_LEN as u64));
            last_len = HEADER_LEN as u64;
            continue;
        }
        let info = match info {
            Err(e) if gap && newer_error.is_some() => return Err(newer_error.unwrap_or(e)),
            other => other?,
        };
        if info.generation != *generation {
            let what = format!("header says generation {}", info.generation);
            return Err(Error::corrupt(path, 12, what));
        }
        match info.tail {
            LogTail::Torn(offset) | LogTail::Lost(offset) => {
                // The next file's first record tells which records the tail held.
                let next_first = match logs.get(i + 1).zip(log_files.get(i + 1)) {
                    Some(((_, next), cell)) => first_seq(storage, next, cell)?,
                    None => None,
                };
                match next_first {
                    // Records the snapshot covers (a file the last checkpoint had yet
                    // to remove): nothing after it is lost, the log goes on.
                    Some(first) if first <= snapshot_seq.saturating_add(1) => continue,
                    // A newer snapshot that failed may be why: report it, cut nothing.
                    Some(_) if !may_cut_gap => {
                        if let Some(error) = newer_error {
                            return Err(error);
                        }
                    }
                    _ => {}
                }
                cuts.push((name, offset));
                last_len = offset;
            }
            LogTail::Zeros(offset) => last_len = offset,
            LogTail::Clean => last_len = bytes.len() as u64,
        }
    }
    // The file appended to next ends at its last whole record: a zero tail goes too
    // (appends grow the file again).
    if let Some(((_, name), bytes)) = logs.last().zip(log_files.last().and_then(OnceCell::get)) {
        if cuts.is_empty() && bytes.len() as u64 > last_len {
            cuts.push((name, last_len));
        }
    }
    // Every cut is synced before anything is appended, so no byte after a cut can be
    // read as a record once new records follow it.
    for (name, offset) in cuts {
        let io = |op, e| Error::io(storage.path(name), op, e);
        let file = storage.open_append(name).map_err(|e| io("open", e))?;
        file.truncate(offset).map_err(|e| io("truncate", e))?;
        file.sync().map_err(|e| io("sync", e))?;
    }

    let (file, name, generation, log_bytes) = match logs.last() {
        Some((generation, name)) => {
            let io = |op, e| Error::io(storage.path(name), op, e);
            let file = storage.open_append(name).map_err(|e| io("open", e))?;
            file.preallocate(PREALLOCATE)
                .map_err(|e| io("preallocate", e))?;
            let len = last_len.saturating_sub(HEADER_LEN as u64);
            (file, name.clone(), *generation, len)
        }
        None => {
            let (file, name) = create_log(storage, 1)?;
            (file, name, 1, 0)
        }
    };
    let entries = if writes.is_empty() {
        entries
    } else {
        merge(entries, writes)
    };
    Ok(Recovered {
        trie: Trie::from_sorted(entries),
        last_seq: last,
        snapshot_seq,
        snapshot_bytes,
        file,
        name,
        generation,
        log_bytes,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    use super::{merge, write};

    /// Keys that share prefixes of 0 to 12 bytes, so the 8-byte prefix ties often.
    const KEYS: [&[u8]; 10] = [
        b"",
        b"a",
        b"a\0",
        b"ab",
        b"abcdefgh",
        b"abcdefgh\0",
        b"abcdefghij",
        b"abcdefghik",
        b"abcdefgz",
        b"b",
    ];

    /// `merge` gives what applying the writes one by one to a map gives.
    #[test]
    fn merge_applies_writes_in_log_order() {
        let cases = if cfg!(miri) { 20 } else { 2000 };
        let mut rng = SmallRng::seed_from_u64(14);
        for case in 0..cases {
            let mut model: BTreeMap<&[u8], u32> = BTreeMap::new();
            for key in KEYS {
                if rng.random_bool(0.5) {
                    model.insert(key, rng.random_range(0..100));
                }
            }
            let entries: Vec<(&[u8], u32)> = model.iter().map(|(k, v)| (*k, *v)).collect();
            let mut writes = Vec::new();
            for _ in 0..rng.random_range(0..20) {
                let key = KEYS[rng.random_range(0..KEYS.len())];
                let value = rng.random_bool(0.7).then(|| rng.random_range(100..200));
                match value {
                    Some(value) => model.insert(key, value),
                    None => model.remove(key),
                };
                writes.push(write(key, value));
            }
            let merged = merge(entries.clone(), writes.clone());
            let expected: Vec<(&[u8], u32)> = model.into_iter().collect();
            assert_eq!(merged, expected, "case {case}: {entries:?} + {writes:?}");
        }
    }
}
