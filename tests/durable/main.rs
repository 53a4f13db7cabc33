//! The durable store's files and failures on the simulated disk and on real files:
//! torn and damaged records, interrupted checkpoints, leftover temporary files, failed
//! syncs, a second open, bad magic and versions, hostile lengths; and, in modules, the
//! crash matrix (`crash`) and hand-made lost tails (`lost`), which share the scripted
//! workloads and the judge of a recovery (`common`).
#![cfg(not(any(loom, feature = "shuttle", miri)))]

mod common;
mod crash;
mod lost;

use std::path::Path;

use common::{open, quiet, state_of};
use cowtrie::durable::format::{read_log, read_snapshot, LogTail};
use cowtrie::durable::{Crash, Durability, DurableStore, Error, Options, SimDisk};
use rand::{Rng, SeedableRng};

fn log_names(disk: &SimDisk) -> Vec<String> {
    let names = disk.names();
    names
        .into_iter()
        .filter(|n| n.starts_with("wal-"))
        .collect()
}

/// Offsets of every record in a log file's bytes.
fn record_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    read_log(bytes, |record| {
        offsets.push(record.offset as usize);
        Ok(())
    })
    .unwrap();
    offsets
}

/// Where a log file's records end: before its zero tail (the unused end of a
/// preallocated file), if it has one.
fn data_end(bytes: &[u8]) -> usize {
    match read_log(bytes, |_| Ok(())).unwrap().tail {
        LogTail::Clean => bytes.len(),
        LogTail::Zeros(end) | LogTail::Torn(end) | LogTail::Lost(end) => end as usize,
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// A disk holding three synced puts in one log file; returns it and the log's name.
fn three_puts() -> (SimDisk, String) {
    let disk = SimDisk::new();
    let store = open(&disk, &quiet(Durability::Sync)).unwrap();
    store.put("a", b"1".to_vec()).unwrap();
    store.put("b", b"2".to_vec()).unwrap();
    store.put("c", b"a longer third value".to_vec()).unwrap();
    drop(store);
    disk.restart(Crash::DropUnsynced);
    let name = log_names(&disk).pop().unwrap();
    (disk, name)
}

#[test]
fn a_torn_last_record_is_cut_at_every_byte() {
    let (prepared, name) = three_puts();
    let preallocated = prepared.file(&name).unwrap();
    let bytes = preallocated[..data_end(&preallocated)].to_vec();
    assert!(preallocated.len() > bytes.len(), "the log has a zero tail");
    let last = *record_offsets(&bytes).last().unwrap();
    for cut in last..=bytes.len() {
        // Cut at the end of the file (an appended file), or followed by zeros up to the
        // file's length (a record written in part into a preallocated file).
        let mut padded = bytes[..cut].to_vec();
        padded.resize(preallocated.len(), 0);
        for torn in [bytes[..cut].to_vec(), padded] {
            let disk = prepared.duplicate();
            disk.set_file(&name, torn);
            let store = open(&disk, &quiet(Durability::Sync))
                .unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
            let whole = cut == bytes.len();
            assert_eq!(store.last_seq(), if whole { 3 } else { 2 }, "cut at {cut}");
            assert_eq!(store.get("c").is_some(), whole, "cut at {cut}");
            assert_eq!(store.get("b").as_deref(), Some(&b"2".to_vec()));
            // The torn bytes (and zeros) are gone from the file, so later records
            // follow whole ones.
            let expected_len = if whole { bytes.len() } else { last };
            assert_eq!(
                disk.file(&name).unwrap().len(),
                expected_len,
                "cut at {cut}"
            );
        }
    }
}

#[test]
fn a_zero_tail_ends_the_log_and_data_after_zeros_is_corrupt() {
    let (disk, name) = three_puts();
    let bytes = disk.file(&name).unwrap();
    let end = data_end(&bytes);
    let mut log = bytes[..end].to_vec();
    assert_eq!(read_log(&log, |_| Ok(())).unwrap().tail, LogTail::Clean);
    log.resize(end + 100, 0);
    let info = read_log(&log, |_| Ok(())).unwrap();
    assert_eq!((info.records, info.tail), (3, LogTail::Zeros(end as u64)));
    // One byte in the first 7 of the zeros: a record header torn in its length or
    // the length's checksum, cut off.
    for at in [end, end + 3, end + 6] {
        let mut torn = log.clone();
        torn[at] = 1;
        let info = read_log(&torn, |_| Ok(())).unwrap();
        assert_eq!((info.records, info.tail), (3, LogTail::Torn(end as u64)));
    }
    // One stray byte further on: not a tail a crash leaves, so damage.
    for at in [end + 7, end + 11, end + 12, end + 99] {
        let mut damaged = log.clone();
        damaged[at] = 1;
        match read_log(&damaged, |_| Ok(())) {
            Err(Error::Corrupt { offset, .. }) => assert_eq!(offset as usize, end, "at {at}"),
            other => panic!("a byte at {at} after the zero tail began: {other:?}"),
        }
    }
}

#[test]
fn real_log_files_are_preallocated_and_trimmed_on_close() {
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        durability: Durability::Sync,
        checkpoint_log_bytes: None,
        ..Options::default()
    };
    let wal_len = || {
        let wal = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| file_name(p).starts_with("wal-"))
            .unwrap();
        std::fs::metadata(wal).unwrap().len()
    };
    for round in 0..3u8 {
        let store = DurableStore::<Vec<u8>>::open(dir.path(), options.clone()).unwrap();
        for i in 0..100u8 {
            store.put([round, i], vec![i; 50]).unwrap();
        }
        // Appends went into zeros written ahead of them.
        assert!(wal_len() >= 1 << 20, "round {round}: {} bytes", wal_len());
        let in_use = wal_len();
        drop(store);
        assert!(
            wal_len() < in_use,
            "round {round}: closing trims the zero tail"
        );
        let store = DurableStore::<Vec<u8>>::open(dir.path(), options.clone()).unwrap();
        assert_eq!(store.len(), 100 * (usize::from(round) + 1));
        assert_eq!(store.get([round, 99]).as_deref(), Some(&vec![99; 50]));
        drop(store);
    }
}

#[test]
fn a_crash_tearing_the_last_append_at_every_byte_keeps_a_prefix() {
    let disk = SimDisk::new();
    let options = quiet(Durability::Buffered);
    let store = open(&disk, &options).unwrap();
    store.put("a", b"1".to_vec()).unwrap();
    store.flush().unwrap();
    store.put("b", b"two".to_vec()).unwrap();
    let record_len = 12 + 12 + 1 + 4 + 1 + 4 + 3;
    disk.crash_after(disk.ops());
    drop(store);
    for keep in 0..=record_len {
        let torn = disk.duplicate();
        torn.restart(Crash::TearLastWrite(keep));
        let store = open(&torn, &options).unwrap();
        assert_eq!(store.get("b").is_some(), keep == record_len, "keep {keep}");
        assert_eq!(store.get("a").as_deref(), Some(&b"1".to_vec()));
    }
}

#[test]
fn a_flipped_bit_in_a_whole_record_is_a_typed_error_at_its_offset() {
    let (prepared, name) = three_puts();
    let bytes = prepared.file(&name).unwrap();
    let offsets = record_offsets(&bytes);
    // Every byte of the first and of the last (whole) record, the zero tail after it
    // kept: neither is ever cut.
    for (start, end) in [(offsets[0], offsets[1]), (offsets[2], data_end(&bytes))] {
        for at in start..end {
            let mut damaged = bytes.clone();
            damaged[at] ^= 1 << (at % 8);
            let disk = prepared.duplicate();
            disk.set_file(&name, damaged);
            match open(&disk, &quiet(Durability::Sync)) {
                Err(Error::Corrupt { file, offset, what }) => {
                    assert_eq!(file_name(&file), name);
                    assert_eq!(offset as usize, start, "flip at {at}: {what}");
                }
                other => panic!("flip at byte {at}: {other:?}"),
            }
        }
    }
}

#[test]
fn bad_magic_and_versions_are_typed_errors() {
    let (prepared, log) = three_puts();
    let store = open(&prepared, &quiet(Durability::Sync)).unwrap();
    store.checkpoint().unwrap();
    drop(store);
    let snapshot = prepared
        .names()
        .into_iter()
        .find(|n| n.ends_with(".snap"))
        .unwrap();
    let log = log_names(&prepared)
        .into_iter()
        .find(|n| *n != log)
        .unwrap();
    for name in [&log, &snapshot] {
        let bytes = prepared.file(name).unwrap();
        let mut magic = bytes.clone();
        magic[0] = b'X';
        let disk = prepared.duplicate();
        disk.set_file(name, magic);
        match open(&disk, &quiet(Durability::Sync)) {
            Err(Error::Corrupt {
                file,
                offset: 0,
                what,
            }) => {
                assert_eq!(file_name(&file), *name);
                assert!(what.contains("magic"), "{what}");
            }
            other => panic!("{name} with bad magic: {other:?}"),
        }
        // The log format is at version 2 (zero tails, lost tails cut), the snapshot
        // format still at 1: a log file of version 1, or a snapshot of version 2, is
        // refused by name.
        let (found, supported): (u32, u32) = if name == &log { (1, 2) } else { (2, 1) };
        let mut version = bytes.clone();
        version[8..12].copy_from_slice(&found.to_le_bytes());
        let sum = crc32c::crc32c(&version[..20]);
        version[20..24].copy_from_slice(&sum.to_le_bytes());
        let disk = prepared.duplicate();
        disk.set_file(name, version);
        match open(&disk, &quiet(Durability::Sync)) {
            Err(error @ Error::UnsupportedVersion { .. }) => {
                let text = error.to_string();
                let Error::UnsupportedVersion {
                    file,
                    found: f,
                    supported: s,
                } = error
                else {
                    unreachable!()
                };
                assert_eq!((f, s), (found, supported), "{name}");
                assert_eq!(file_name(&file), *name);
                assert!(text.contains(name.as_str()), "{text}");
            }
            other => panic!("{name} with version {found}: {other:?}"),
        }
    }
}

#[test]
fn a_checkpoint_crashed_between_rename_and_directory_sync_leaves_old_or_new() {
    let prepared = SimDisk::new();
    let options = quiet(Durability::Sync);
    let store = open(&prepared, &options).unwrap();
    for i in 0..20u64 {
        store
            .put(i.to_be_bytes(), i.to_le_bytes().to_vec())
            .unwrap();
    }
    let expected = state_of(&store);
    drop(store);
    prepared.restart(Crash::DropUnsynced);

    let run = |crash_after: Option<u64>| {
        let disk = prepared.duplicate();
        let store = open(&disk, &options).unwrap();
        let start = disk.ops();
        if let Some(after) = crash_after {
            disk.crash_after(start + after);
        }
        let done = store.checkpoint().is_ok();
        let ops = disk.ops() - start;
        disk.crash_after(0);
        drop(store);
        (disk, done, ops)
    };
    let (_, done, total) = run(None);
    assert!(done);
    let mut old_then_new = 0;
    for after in 0..total {
        let mut has_new = Vec::new();
        for crash in [Crash::DropUnsynced, Crash::KeepUnsynced] {
            let (disk, _, _) = run(Some(after));
            disk.restart(crash);
            let names = disk.names();
            has_new.push(names.iter().any(|n| n.ends_with(".snap")));
            let store = open(&disk, &options)
                .unwrap_or_else(|e| panic!("crash after {after}, {crash:?}: {e}"));
            assert_eq!(state_of(&store), expected, "crash after {after}, {crash:?}");
            assert!(disk.names().iter().all(|n| !n.ends_with(".tmp")));
        }
        // Renamed, not yet made durable: dropping unsynced names loses the new
        // snapshot, keeping them keeps it, and either way the state is whole.
        if has_new == [false, true] {
            old_then_new += 1;
        }
    }
    assert!(
        old_then_new > 0,
        "no crash point fell between rename and sync"
    );
}

#[test]
fn leftover_temporary_files_are_ignored_and_removed() {
    let (disk, _) = three_puts();
    disk.set_file(
        "snap-0000000000000003.snap.tmp",
        b"half a snapshot".to_vec(),
    );
    disk.set_file("wal-0000000000000009.log.tmp", vec![0; 3]);
    disk.set_file("notes.txt", b"not ours".to_vec());
    let store = open(&disk, &quiet(Durability::Sync)).unwrap();
    assert_eq!(store.len(), 3);
    let names = disk.names();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    assert!(names.contains(&"notes.txt".to_string()));
}

#[test]
fn a_failed_sync_poisons_the_store() {
    for durability in [Durability::Sync, Durability::Group, Durability::Buffered] {
        let disk = SimDisk::new();
        let store = open(&disk, &quiet(durability)).unwrap();
        store.put("a", b"1".to_vec()).unwrap();
        store.flush().unwrap();
        disk.fail_next_sync();
        let failed = match durability {
            Durability::Buffered => {
                store.put("b", b"2".to_vec()).unwrap();
                store.flush().unwrap_err()
            }
            _ => store.put("b", b"2".to_vec()).unwrap_err(),
        };
        assert!(
            matches!(failed, Error::Io { op: "sync", .. }),
            "{durability:?}: {failed}"
        );
        let refused = store.put("c", b"3".to_vec()).unwrap_err();
        assert!(matches!(refused, Error::Poisoned { .. }), "{refused}");
        assert!(matches!(store.remove("a"), Err(Error::Poisoned { .. })));
        assert!(matches!(store.flush(), Err(Error::Poisoned { .. })));
        // Reads go on; in Sync mode the failed write was never published.
        assert_eq!(store.get("a").as_deref(), Some(&b"1".to_vec()));
        assert_eq!(store.get("b").is_some(), durability != Durability::Sync);
        assert!(store.get("c").is_none());
        drop(store);
        disk.restart(Crash::DropUnsynced);
        let store = open(&disk, &quiet(durability)).unwrap();
        assert_eq!(store.get("a").as_deref(), Some(&b"1".to_vec()));
        store.put("c", b"3".to_vec()).unwrap();
    }
}

#[test]
fn a_second_open_is_refused() {
    let disk = SimDisk::new();
    let store = open(&disk, &quiet(Durability::Group)).unwrap();
    assert!(matches!(
        open(&disk, &quiet(Durability::Group)),
        Err(Error::Locked { .. })
    ));
    drop(store);
    open(&disk, &quiet(Durability::Group)).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let store = DurableStore::<Vec<u8>>::open(dir.path(), Options::default()).unwrap();
    match DurableStore::<Vec<u8>>::open(dir.path(), Options::default()) {
        Err(Error::Locked { file }) => assert_eq!(file, dir.path().join("LOCK")),
        other => panic!("second open: {other:?}"),
    }
    store.close().unwrap();
    DurableStore::<Vec<u8>>::open(dir.path(), Options::default()).unwrap();
}

#[test]
fn a_damaged_snapshot_is_a_typed_error_not_an_empty_store() {
    let (disk, _) = three_puts();
    let store = open(&disk, &quiet(Durability::Sync)).unwrap();
    store.checkpoint().unwrap();
    drop(store);
    let name = disk
        .names()
        .into_iter()
        .find(|n| n.ends_with(".snap"))
        .unwrap();
    let bytes = disk.file(&name).unwrap();
    for at in 24..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x40;
        let copy = disk.duplicate();
        copy.set_file(&name, damaged);
        match open(&copy, &quiet(Durability::Sync)) {
            Err(Error::Corrupt { file, .. }) => assert_eq!(file_name(&file), name),
            other => panic!("flip at {at}: {other:?}"),
        }
    }
    // Cut short: also damage (a snapshot is never torn, it is renamed only when whole).
    let copy = disk.duplicate();
    copy.set_file(&name, bytes[..bytes.len() - 1].to_vec());
    assert!(matches!(
        open(&copy, &quiet(Durability::Sync)),
        Err(Error::Corrupt { .. })
    ));
}

#[test]
fn a_value_that_does_not_decode_is_corrupt_naming_the_key() {
    let disk = SimDisk::new();
    let store = open(&disk, &quiet(Durability::Sync)).unwrap();
    store.put("bad", vec![0xff, 0xfe]).unwrap();
    drop(store);
    match DurableStore::<String>::open_with(disk.storage(), quiet(Durability::Sync)) {
        Err(Error::Corrupt { what, .. }) => assert!(what.contains("\"bad\""), "{what}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn hostile_lengths_allocate_nothing_and_never_panic() {
    let (disk, name) = three_puts();
    let log = disk.file(&name).unwrap();
    // A record claiming 4 GiB, with a valid length checksum: a torn tail, not a 4 GiB
    // allocation.
    let mut huge = log[..24].to_vec();
    let len = 0xffff_fff0u32.to_le_bytes();
    huge.extend_from_slice(&len);
    huge.extend_from_slice(&crc32c::crc32c(&len).to_le_bytes());
    huge.extend_from_slice(&[0; 40]);
    let info = read_log(&huge, |_| Ok(())).unwrap();
    assert_eq!(info.tail, LogTail::Torn(24));
    // Random damage to real files: an answer every time, never a panic.
    let store = open(&disk, &quiet(Durability::Sync)).unwrap();
    store.checkpoint().unwrap();
    drop(store);
    let snapshot = disk
        .names()
        .into_iter()
        .find(|n| n.ends_with(".snap"))
        .unwrap();
    let snapshot = disk.file(&snapshot).unwrap();
    let mut rng = rand::rngs::SmallRng::seed_from_u64(14);
    for _ in 0..20_000 {
        for original in [&log, &snapshot] {
            let mut bytes = original.clone();
            for _ in 0..rng.random_range(1..4) {
                let at = rng.random_range(0..bytes.len());
                bytes[at] = rng.random();
            }
            bytes.truncate(rng.random_range(0..=bytes.len()));
            let _ = read_log(&bytes, |_| Ok(()));
            let _ = read_snapshot(&bytes, |_, _| Ok(()));
        }
    }
}

#[test]
fn real_files_with_background_checkpoints_and_concurrent_writers() {
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        durability: Durability::Group,
        checkpoint_log_bytes: Some(4 << 10),
        flush_interval: None,
    };
    let store = DurableStore::<Vec<u8>>::open(dir.path(), options.clone()).unwrap();
    std::thread::scope(|s| {
        for t in 0..4u8 {
            let store = &store;
            s.spawn(move || {
                for i in 0..150u32 {
                    let receipt = store.put([t, i as u8], i.to_le_bytes().to_vec()).unwrap();
                    assert!(receipt.durable);
                }
            });
        }
    });
    let expected = state_of(&store);
    let last = store.last_seq();
    assert_eq!(last, 600);
    let stats = store.checkpoint().unwrap();
    assert_eq!(stats.seq, last);
    store.close().unwrap();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let logs = names.iter().filter(|n| n.starts_with("wal-")).count();
    let snapshots = names.iter().filter(|n| n.ends_with(".snap")).count();
    assert_eq!((logs, snapshots), (1, 1), "{names:?}");
    let store = DurableStore::<Vec<u8>>::open(dir.path(), options).unwrap();
    assert_eq!(state_of(&store), expected);
    assert_eq!(store.last_seq(), last);
}

#[cfg(feature = "serde")]
#[test]
fn serde_values_round_trip() {
    use cowtrie::durable::Postcard;
    let disk = SimDisk::new();
    let options = quiet(Durability::Sync);
    let store = DurableStore::open_with(disk.storage(), options.clone()).unwrap();
    store.put("k", Postcard((1u32, "x".to_string()))).unwrap();
    store.checkpoint().unwrap();
    store.put("j", Postcard((2u32, "y".to_string()))).unwrap();
    drop(store);
    let store =
        DurableStore::<Postcard<(u32, String)>>::open_with(disk.storage(), options).unwrap();
    assert_eq!(store.get("k").unwrap().0, (1, "x".to_string()));
    assert_eq!(store.get("j").unwrap().0, (2, "y".to_string()));
}

/// Measures what a checkpoint costs writers: the time it holds the writer lock, and
/// the slowest put while a checkpoint of a large store runs beside a writer, against
/// the slowest put with no checkpoint. A measurement, not an assertion; run with
/// `cargo test --release --test durable -- --ignored --nocapture checkpoint_writer_block`.
#[test]
#[ignore = "a measurement: prints numbers, takes seconds"]
fn checkpoint_writer_block() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let keys: u64 = std::env::var("KEYS").map_or(1_000_000, |k| k.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        durability: Durability::Buffered,
        checkpoint_log_bytes: None,
        flush_interval: None,
    };
    let store = DurableStore::<Vec<u8>>::open(dir.path(), options).unwrap();
    for chunk in (0..keys).collect::<Vec<_>>().chunks(10_000) {
        let mut batch = cowtrie::WriteBatch::new();
        for &i in chunk {
            batch.put(i.to_be_bytes(), [7u8; 16].to_vec());
        }
        store.write_batch(batch).unwrap();
    }
    let slowest_put = |during: &mut dyn FnMut()| {
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            let writer = s.spawn(|| {
                let mut times = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let start = Instant::now();
                    let key = (times.len() as u64 % keys).to_be_bytes();
                    store.put(key, vec![1; 16]).unwrap();
                    times.push(start.elapsed());
                }
                times.sort();
                let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
                let over_1ms = times
                    .iter()
                    .filter(|t| **t > Duration::from_millis(1))
                    .count();
                let summary = format!(
                    "{} puts, p99 {:?}, p99.9 {:?}, max {:?}, {over_1ms} over 1 ms",
                    times.len(),
                    at(0.99),
                    at(0.999),
                    at(1.0)
                );
                (summary, times.len())
            });
            during();
            stop.store(true, Ordering::Relaxed);
            writer.join().unwrap()
        })
    };
    let mut blocks = Vec::new();
    let mut seconds = 0.0;
    let mut bytes = 0;
    let (with, _) = slowest_put(&mut || {
        for _ in 0..3 {
            let start = Instant::now();
            let stats = store.checkpoint().unwrap();
            seconds = start.elapsed().as_secs_f64();
            bytes = stats.bytes;
            blocks.push(stats.writer_block);
        }
    });
    let (without, _) =
        slowest_put(&mut || std::thread::sleep(Duration::from_secs_f64(seconds * 3.0)));
    println!(
        "{keys} keys, snapshot {:.1} MiB in {seconds:.2} s ({:.0} MiB/s); writer lock held by \
         checkpoints: {blocks:?};\n  puts during 3 checkpoints: {with}\n  puts without: {without}",
        bytes as f64 / (1 << 20) as f64,
        bytes as f64 / (1 << 20) as f64 / seconds
    );
    let start = Instant::now();
    drop(store);
    let store = DurableStore::<Vec<u8>>::open(dir.path(), Options::default()).unwrap();
    println!("reopen: {:?} for {} keys", start.elapsed(), store.len());
}

/// Polls `done` for up to ten seconds (the background thread runs on its own time).
fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(10) {
        if done() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    false
}

#[test]
fn the_background_thread_flushes_and_checkpoints() {
    let disk = SimDisk::new();
    let options = Options {
        durability: Durability::Buffered,
        checkpoint_log_bytes: Some(2 << 10),
        flush_interval: Some(std::time::Duration::from_millis(1)),
    };
    let store = DurableStore::<Vec<u8>>::open_with(disk.storage(), options).unwrap();
    let receipt = store.put("k", b"v".to_vec()).unwrap();
    assert!(!receipt.durable);
    assert!(
        eventually(|| store.durable_seq() >= receipt.seq),
        "the timer syncs"
    );
    for i in 0..200u32 {
        store.put(i.to_be_bytes(), vec![0; 16]).unwrap();
    }
    let snapshot = || disk.names().iter().any(|n| n.ends_with(".snap"));
    assert!(
        eventually(snapshot),
        "a checkpoint runs once the log outgrows 2 KiB"
    );
    // Whatever the thread has done, a crash now keeps everything synced so far.
    let synced = store.durable_seq();
    disk.crash_after(disk.ops());
    drop(store);
    disk.restart(Crash::DropUnsynced);
    let store = open(&disk, &quiet(Durability::Sync)).unwrap();
    assert!(store.last_seq() >= synced);
}
