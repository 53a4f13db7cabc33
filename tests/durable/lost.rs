//! Invariant 5's lost tails on hand-made log files: sectors a crash lost (zeros) before
//! records it kept are cut, in one file and across files; a flipped bit or zeros that
//! no lost sector explains stay a typed error at the damaged record's offset.
use super::common::{open, quiet};
use cowtrie::durable::format::{read_log, SECTOR};
use cowtrie::durable::{Crash, Durability, Error, SimDisk};

/// A disk whose one log file holds six synced puts of 300-byte values (each record
/// spans a sector boundary or comes close); returns it, the log's name, its bytes up
/// to the last record, and each record's offset and end.
fn six_long_puts() -> (SimDisk, String, Vec<u8>, Vec<(usize, usize)>) {
    let disk = SimDisk::new();
    let store = open(&disk, &quiet(Durability::Sync)).unwrap();
    for i in 1..=6u8 {
        store.put([b'k', i], vec![0xA0 | i; 300]).unwrap();
    }
    drop(store);
    disk.restart(Crash::DropUnsynced);
    let name = disk
        .names()
        .into_iter()
        .find(|n| n.starts_with("wal-"))
        .unwrap();
    let bytes = disk.file(&name).unwrap();
    let mut records = Vec::new();
    read_log(&bytes, |record| {
        records.push(record.offset as usize);
        Ok(())
    })
    .unwrap();
    let len = records[1] - records[0];
    let records: Vec<(usize, usize)> = records.iter().map(|&at| (at, at + len)).collect();
    let end = records[5].1;
    (disk, name, bytes[..end].to_vec(), records)
}

/// The keys of puts 1..=n.
fn keys_through(n: u8) -> Vec<Vec<u8>> {
    (1..=n).map(|i| vec![b'k', i]).collect()
}

fn keys(store: &cowtrie::durable::DurableStore<Vec<u8>>) -> Vec<Vec<u8>> {
    store.snapshot().iter().map(|(k, _)| k.to_vec()).collect()
}

/// A log file header at the current version.
fn header(generation: u64) -> Vec<u8> {
    let mut out = b"CTRIEWAL".to_vec();
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&generation.to_le_bytes());
    let sum = crc32c::crc32c(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

#[test]
fn a_lost_sector_before_kept_records_is_cut_and_cleared() {
    let (prepared, name, bytes, records) = six_long_puts();
    let sectors = bytes.len().div_ceil(SECTOR);
    assert!(sectors >= 4, "{} bytes", bytes.len());
    // Sector 0 holds the header, synced when the file was made.
    for sector in 1..sectors {
        let start = sector * SECTOR;
        let mut lost = bytes.clone();
        let end = (start + SECTOR).min(lost.len());
        lost[start..end].fill(0);
        let disk = prepared.duplicate();
        disk.set_file(&name, lost);
        let store = open(&disk, &quiet(Durability::Sync))
            .unwrap_or_else(|e| panic!("sector {sector} lost: {e}"));
        // The records wholly before the lost sector survive; the first it touches
        // and every one after it are cut.
        let whole = records.iter().filter(|(_, end)| *end <= start).count();
        assert_eq!(keys(&store), keys_through(whole as u8), "sector {sector}");
        assert_eq!(store.last_seq(), whole as u64, "sector {sector}");
        let cut = records.get(whole).map_or(bytes.len(), |r| r.0);
        assert_eq!(disk.file(&name).unwrap().len(), cut, "sector {sector}");
        // Appends go on from the cut; a clean reopen reads them after the whole ones.
        store.put("after", vec![1; 700]).unwrap();
        drop(store);
        disk.restart(Crash::DropUnsynced);
        let store = open(&disk, &quiet(Durability::Sync)).unwrap();
        assert_eq!(store.last_seq(), whole as u64 + 1, "sector {sector}");
        assert_eq!(store.get("after").as_deref(), Some(&vec![1; 700]));
    }
}

#[test]
fn zeros_from_a_record_to_past_a_sector_boundary_are_cut() {
    let (prepared, name, bytes, records) = six_long_puts();
    for (i, &(at, _)) in records.iter().enumerate().skip(1) {
        // Zeros from the record's start to the end of its sector (the sector the
        // crash lost holds the last synced record's end, then zeros), records after.
        let mut lost = bytes.clone();
        let end = (at / SECTOR + 1) * SECTOR;
        lost[at..end.min(bytes.len())].fill(0);
        let disk = prepared.duplicate();
        disk.set_file(&name, lost);
        let store = open(&disk, &quiet(Durability::Sync))
            .unwrap_or_else(|e| panic!("record {i} lost: {e}"));
        assert_eq!(keys(&store), keys_through(i as u8), "record {i}");
    }
}

#[test]
fn a_flipped_bit_or_zeros_no_lost_sector_explains_stay_corrupt() {
    let (prepared, name, bytes, records) = six_long_puts();
    let expect_corrupt = |damaged: Vec<u8>, at: usize, how: &str| {
        let disk = prepared.duplicate();
        disk.set_file(&name, damaged);
        match open(&disk, &quiet(Durability::Sync)) {
            Err(Error::Corrupt { offset, .. }) => assert_eq!(offset as usize, at, "{how}"),
            other => panic!("{how}: {other:?}"),
        }
    };
    // Every byte of the earlier records, each spanning or nearing a sector boundary,
    // with whole records after them.
    for &(start, end) in &records[..5] {
        for at in start..end {
            let mut damaged = bytes.clone();
            damaged[at] ^= 1 << (at % 8);
            expect_corrupt(damaged, start, &format!("flip at {at}"));
        }
    }
    // Zeros inside a value that stop short of a sector's end: a lost sector reads as
    // zeros to its end, so this is damage.
    for &(start, end) in &records[..5] {
        let from = start + 40;
        let to = (from / SECTOR + 1) * SECTOR - 1;
        let mut damaged = bytes.clone();
        damaged[from..to.min(end)].fill(0);
        expect_corrupt(damaged, start, &format!("zeros {from}..{to}"));
    }
}

/// Records 1..=3 in log file 1 and 4..=6 in file 2, as a checkpoint's rotation leaves
/// them before its old file is synced.
fn two_files(bytes: &[u8], records: &[(usize, usize)]) -> (Vec<u8>, Vec<u8>) {
    let first = bytes[..records[3].0].to_vec();
    let mut second = header(2);
    second.extend_from_slice(&bytes[records[3].0..]);
    (first, second)
}

fn wal(generation: u64) -> String {
    format!("wal-{generation:016x}.log")
}

#[test]
fn a_lost_tail_in_an_older_file_drops_the_later_files_records() {
    let (prepared, name, bytes, records) = six_long_puts();
    let (first, second) = two_files(&bytes, &records);
    assert_eq!(name, wal(1));
    // A sector lost inside record 2 of file 1, file 2 kept: file 2's records came after
    // an unsynced loss, so none was acknowledged durable; they are dropped.
    let lost_at = (records[1].0 / SECTOR + 1) * SECTOR;
    assert!(lost_at < records[1].1, "record 2 spans a sector boundary");
    let mut lost = first.clone();
    let end = (lost_at + SECTOR).min(lost.len());
    lost[lost_at..end].fill(0);
    // And records 3 lost whole at the end of file 1 (zeros to its end): file 2's first
    // record leaves a gap, so file 1 lost its tail.
    let mut short = first[..records[2].0].to_vec();
    short.resize(first.len(), 0);
    for (file1, kept) in [(lost, 1u8), (short, 2)] {
        let disk = prepared.duplicate();
        disk.set_file(&wal(1), file1);
        disk.set_file(&wal(2), second.clone());
        let store =
            open(&disk, &quiet(Durability::Sync)).unwrap_or_else(|e| panic!("{kept} kept: {e}"));
        assert_eq!(keys(&store), keys_through(kept));
        // A write after recovery survives a clean reopen: none of file 2's old records
        // stand before it.
        store.put("after", b"x".to_vec()).unwrap();
        drop(store);
        disk.restart(Crash::DropUnsynced);
        let store = open(&disk, &quiet(Durability::Sync)).unwrap();
        assert_eq!(store.last_seq(), u64::from(kept) + 1);
        assert_eq!(store.get("after").as_deref(), Some(&b"x".to_vec()));
        let second = disk.file(&wal(2)).unwrap();
        assert_eq!(second[..24], header(2), "file 2 cut to its header");
    }
}

#[test]
fn a_gap_between_files_that_do_not_follow_each_other_is_corrupt() {
    let (prepared, _, bytes, records) = six_long_puts();
    let (first, _) = two_files(&bytes, &records);
    let short = first[..records[2].0].to_vec();
    // File 3 after file 1: file 2 is missing, not a tail a crash leaves.
    let mut third = header(3);
    third.extend_from_slice(&bytes[records[3].0..]);
    let disk = prepared.duplicate();
    disk.set_file(&wal(1), short);
    disk.set_file(&wal(3), third);
    match open(&disk, &quiet(Durability::Sync)) {
        Err(Error::Corrupt { file, offset, what }) => {
            assert!(file.ends_with(wal(3)), "{file:?}");
            assert_eq!(offset, 24);
            assert!(what.contains("gap"), "{what}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_lost_tail_in_a_log_file_the_snapshot_covers_loses_nothing() {
    let (source, _, bytes, records) = six_long_puts();
    drop(source);
    // Puts 1..=3, a checkpoint (snapshot at 3, log file 2), puts 4..=6 in file 2.
    let disk = SimDisk::new();
    let store = open(&disk, &quiet(Durability::Sync)).unwrap();
    for i in 1..=3u8 {
        store.put([b'k', i], vec![0xA0 | i; 300]).unwrap();
    }
    store.checkpoint().unwrap();
    for i in 4..=6u8 {
        store.put([b'k', i], vec![0xA0 | i; 300]).unwrap();
    }
    drop(store);
    disk.restart(Crash::DropUnsynced);
    assert!(disk.file(&wal(1)).is_none() && disk.file(&wal(2)).is_some());
    // File 1 as a checkpoint that crashed before removing it leaves it, with a sector
    // of record 2 zeroed: its records are all in the snapshot, so nothing is cut.
    let mut old = bytes[..records[3].0].to_vec();
    let lost_at = (records[1].0 / SECTOR + 1) * SECTOR;
    old[lost_at..lost_at + SECTOR].fill(0);
    disk.set_file(&wal(1), old);
    let store = open(&disk, &quiet(Durability::Sync)).unwrap();
    assert_eq!(keys(&store), keys_through(6));
    assert_eq!(store.last_seq(), 6);
}
