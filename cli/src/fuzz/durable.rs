//! The bodies of the durable store's reader targets: any bytes, read as a log file and as
//! a snapshot file through the byte-level readers recovery uses. Reading must never
//! panic; every record and entry handed out must lie inside the input (so nothing is
//! allocated for a length the input does not back); an error must name an offset inside
//! the input; a clean read must count what it handed out.

use cowtrie::durable::format::{read_log, read_snapshot, LogOp, LogTail, SECTOR};
use cowtrie::durable::Error;

/// The offset an error names must lie inside the input (or at its end).
fn error_inside(error: &Error, len: usize) {
    let text = error.to_string();
    assert!(!text.is_empty());
    if let Error::Corrupt { offset, .. } = error {
        assert!(*offset <= len as u64, "{text} in {len} bytes");
    }
}

/// `durable_log_reader`: `data` as a write-ahead log file.
pub fn durable_log_reader(data: &[u8]) {
    let (mut records, mut last_seq, mut payload) = (0u64, None, 0usize);
    let result = read_log(data, |record| {
        assert!(
            record.offset < data.len() as u64,
            "record at {}",
            record.offset
        );
        if let Some(prev) = last_seq {
            assert_eq!(record.seq, prev + 1, "sequence numbers must rise by one");
        }
        last_seq = Some(record.seq);
        records += 1;
        payload += record
            .ops
            .iter()
            .map(|op| match op {
                LogOp::Put(key, value) => key.len() + value.len(),
                LogOp::Remove(key) => key.len(),
            })
            .sum::<usize>();
        // The ops' own vector is bounded too: each op takes at least its tag byte.
        assert!(record.ops.len() <= data.len());
        Ok(())
    });
    assert!(
        payload <= data.len(),
        "{payload} bytes of keys and values from {}",
        data.len()
    );
    match result {
        Ok(info) => {
            assert_eq!(info.records, records);
            assert_eq!(info.last_seq, last_seq);
            if let LogTail::Torn(at) | LogTail::Zeros(at) | LogTail::Lost(at) = info.tail {
                assert!(at <= data.len() as u64, "torn at {at} of {}", data.len());
            }
            // A lost tail is marked by zeros from its record or from a sector boundary
            // after it, up to the end of that sector or of the input.
            if let LogTail::Lost(at) = info.tail {
                let at = at as usize;
                let marked = (at..data.len())
                    .filter(|&from| from == at || from % SECTOR == 0)
                    .any(|from| {
                        let end = ((from / SECTOR + 1) * SECTOR).min(data.len());
                        data[from..end].iter().all(|&b| b == 0)
                    });
                assert!(marked, "a lost tail at {at} with no zero run after it");
            }
            if let LogTail::Zeros(at) = info.tail {
                let tail = &data[at as usize..];
                assert!(tail.iter().all(|&b| b == 0), "a zero tail with data in it");
            }
        }
        Err(e) => error_inside(&e, data.len()),
    }
}

/// `durable_snapshot_reader`: `data` as a snapshot file.
pub fn durable_snapshot_reader(data: &[u8]) {
    let (mut entries, mut payload) = (0u64, 0usize);
    let mut previous: Option<&[u8]> = None;
    let result = read_snapshot(data, |key, value| {
        entries += 1;
        payload += key.len() + value.len();
        // A snapshot lists a version's keys once each, in the trie's order.
        if let Some(previous) = previous {
            assert!(previous < key, "keys out of order in a verified snapshot");
        }
        previous = Some(key);
        Ok(())
    });
    assert!(
        payload <= data.len(),
        "{payload} bytes of entries from {}",
        data.len()
    );
    match result {
        Ok(info) => assert_eq!(info.entries, entries),
        Err(e) => error_inside(&e, data.len()),
    }
}
