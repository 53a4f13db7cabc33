//! Snapshot files: the writer (C4 of the module protocol) and [`read_snapshot`].

use std::path::Path;

use super::frame::{self, check_header, crc, u32_at, u64_at, Cursor, HEADER_LEN, SNAPSHOT_MAGIC};
use super::{Encode, Error, Storage};
use crate::Trie;

/// Entries are written in blocks of about this many bytes, one append each.
const BLOCK_BYTES: usize = 64 * 1024;
const BLOCK_HEADER: usize = 12;
/// The `count` of the end block.
const END: u32 = u32::MAX;

/// What [`read_snapshot`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// The sequence number of the last write the snapshot includes.
    pub seq: u64,
    /// The number of entries.
    pub entries: u64,
}

/// The name of the snapshot of everything through `seq`.
pub(crate) fn snapshot_name(seq: u64) -> String {
    format!("snap-{seq:016x}.snap")
}

/// Writes `trie` (the state after `seq`) as `snap-<seq>.snap`: to a temporary name,
/// synced, renamed, directory synced. Returns the file's length.
pub(crate) fn write_snapshot<V: Encode>(
    storage: &dyn Storage,
    trie: &Trie<V>,
    seq: u64,
) -> Result<u64, Error> {
    let name = snapshot_name(seq);
    let tmp = format!("{name}.tmp");
    let io = |op, e| Error::io(storage.path(&tmp), op, e);
    let file = storage.create(&tmp).map_err(|e| io("create", e))?;
    let mut out = Vec::with_capacity(BLOCK_BYTES + 1024);
    out.extend_from_slice(&frame::header(SNAPSHOT_MAGIC, seq));
    let mut written = 0u64;
    let mut block = Vec::with_capacity(BLOCK_BYTES + 1024);
    let mut count = 0u32;
    let mut entries = 0u64;
    let mut value = Vec::new();
    let mut flush = |out: &mut Vec<u8>, block: &mut Vec<u8>, count: &mut u32| {
        let len = frame::len32(block.len())?;
        let mut head = [0; 8];
        head[..4].copy_from_slice(&len.to_le_bytes());
        head[4..].copy_from_slice(&count.to_le_bytes());
        let sum = crc32c::crc32c_append(crc(&head), block);
        out.extend_from_slice(&head);
        out.extend_from_slice(&sum.to_le_bytes());
        out.extend_from_slice(block);
        file.append(out).map_err(|e| io("append", e))?;
        written += out.len() as u64;
        out.clear();
        block.clear();
        *count = 0;
        Ok::<(), Error>(())
    };
    for (key, v) in trie.iter() {
        value.clear();
        v.encode(&mut value);
        frame::put_bytes(&mut block, key)?;
        frame::put_bytes(&mut block, &value)?;
        count += 1;
        entries += 1;
        if block.len() >= BLOCK_BYTES {
            flush(&mut out, &mut block, &mut count)?;
        }
    }
    if count > 0 {
        flush(&mut out, &mut block, &mut count)?;
    }
    block.extend_from_slice(&entries.to_le_bytes());
    let mut end = END;
    flush(&mut out, &mut block, &mut end)?;
    file.sync().map_err(|e| io("sync", e))?;
    storage.rename(&tmp, &name).map_err(|e| io("rename", e))?;
    storage
        .sync_dir()
        .map_err(|e| Error::io(storage.path(""), "directory sync", e))?;
    Ok(written)
}

/// Reads a snapshot file's bytes, calling `f` on each entry (key, encoded value) in
/// order.
///
/// Checks the header, every block's checksum, that keys strictly ascend, and that the
/// end block is present, counts the entries and is the last thing in the file. Any
/// damage is an [`Error::Corrupt`] with the offset of the block at fault (a snapshot is
/// never torn: it gets its name only once complete). Never panics, and allocates
/// nothing in proportion to a length field.
#[cfg(feature = "format")]
#[cfg_attr(docsrs, doc(cfg(feature = "format")))]
pub fn read_snapshot<'a>(
    bytes: &'a [u8],
    f: impl FnMut(&'a [u8], &'a [u8]) -> Result<(), String>,
) -> Result<SnapshotInfo, Error> {
    read_snapshot_file(Path::new("<bytes>"), bytes, f)
}

pub(crate) fn read_snapshot_file<'a>(
    file: &Path,
    bytes: &'a [u8],
    mut f: impl FnMut(&'a [u8], &'a [u8]) -> Result<(), String>,
) -> Result<SnapshotInfo, Error> {
    let file = file.to_path_buf();
    let seq = check_header(&file, bytes, SNAPSHOT_MAGIC, "snapshot")?;
    let mut at = HEADER_LEN;
    let mut entries = 0u64;
    let mut last_key: Option<&[u8]> = None;
    loop {
        let corrupt = |what: String| Error::corrupt(&file, at as u64, what);
        let rest = bytes.len() - at;
        if rest < BLOCK_HEADER {
            return Err(corrupt("the file ends before the end block".into()));
        }
        let len = u32_at(bytes, at) as usize;
        let count = u32_at(bytes, at + 4);
        if len > rest - BLOCK_HEADER {
            return Err(corrupt(format!(
                "block of {len} bytes runs past the end of the file"
            )));
        }
        let payload = &bytes[at + BLOCK_HEADER..at + BLOCK_HEADER + len];
        let sum = crc32c::crc32c_append(crc(&bytes[at..at + 8]), payload);
        if sum != u32_at(bytes, at + 8) {
            return Err(corrupt("block checksum".into()));
        }
        if count == END {
            if len != 8 || u64_at(payload, 0) != entries {
                return Err(corrupt(format!(
                    "end block does not count the {entries} entries read"
                )));
            }
            if at + BLOCK_HEADER + len != bytes.len() {
                return Err(corrupt("bytes after the end block".into()));
            }
            return Ok(SnapshotInfo { seq, entries });
        }
        let mut cursor = Cursor::new(payload);
        for _ in 0..count {
            let key = cursor.bytes("key").map_err(&corrupt)?;
            let value = cursor.bytes("value").map_err(&corrupt)?;
            if last_key.is_some_and(|last| last >= key) {
                return Err(corrupt("keys out of order".into()));
            }
            last_key = Some(key);
            f(key, value).map_err(&corrupt)?;
            entries += 1;
        }
        if !cursor.is_empty() {
            return Err(corrupt("bytes after the block's last entry".into()));
        }
        at += BLOCK_HEADER + len;
    }
}
