//! Checkpoints (C1–C5 of the module protocol) and the background thread that runs
//! them and, in buffered mode, the timer syncs.

use std::time::{Duration, Instant};

use super::log::{create_log, log_name};
use super::snapshot::{snapshot_name, write_snapshot};
use super::store::{CheckpointStats, Durability, Shared};
use super::{Encode, Error};
use crate::sync::{lock, Ordering};

impl<V> Shared<V> {
    pub(super) fn run_background(&self)
    where
        V: Encode,
    {
        let options = &self.options;
        let timer = options
            .flush_interval
            .filter(|_| options.durability == Durability::Buffered);
        let tick = timer.unwrap_or(Duration::from_millis(50));
        let mut stop = lock(&self.stop);
        while !*stop {
            stop = self
                .wake
                .wait_timeout(stop, tick)
                .unwrap_or_else(|poison| poison.into_inner())
                .0;
            if *stop {
                break;
            }
            drop(stop);
            // Failures poison the store (sync) or leave the old snapshot (checkpoint);
            // writers and the next checkpoint report them.
            if timer.is_some() && self.log.appended() > self.log.durable() {
                let _ = self.log.sync_through(self.log.appended());
            }
            if let Some(min) = options.checkpoint_log_bytes {
                let snapshot = self.snapshot_bytes.load(Ordering::Relaxed);
                if self.log.bytes() > min.max(snapshot) {
                    let _ = self.checkpoint();
                }
            }
            stop = lock(&self.stop);
        }
    }

    /// C1–C5 of the module protocol.
    pub(super) fn checkpoint(&self) -> Result<CheckpointStats, Error>
    where
        V: Encode,
    {
        let mut last = lock(&self.checkpoint);
        if self.log.appended() == *last {
            return Ok(CheckpointStats {
                seq: *last,
                bytes: 0,
                entries: 0,
                writer_block: Duration::ZERO,
            });
        }
        let generation = self.log.generation() + 1;
        let (file, name) = create_log(&*self.storage, generation)?; // C1
        let (seq, trie, writer_block) = self.store.commit_with(|trie| {
            let start = Instant::now();
            let seq = self.log.rotate(file, name, generation); // C2
            let trie = trie.clone();
            Ok::<_, Error>((None, (seq, trie, start.elapsed())))
        })?;
        self.log.sync_through(seq)?; // C3
        let bytes = write_snapshot(&*self.storage, &trie, seq)?; // C4
        *last = seq;
        self.snapshot_bytes.store(bytes, Ordering::Relaxed);
        self.remove_old(seq, generation)?; // C5
        Ok(CheckpointStats {
            seq,
            bytes,
            entries: trie.len(),
            writer_block,
        })
    }

    /// C5: removes snapshots before `seq` and logs before `generation`, oldest first.
    fn remove_old(&self, seq: u64, generation: u64) -> Result<(), Error> {
        let storage = &*self.storage;
        let mut names = storage
            .list()
            .map_err(|e| Error::io(storage.path(""), "list", e))?;
        names.sort();
        let old_snapshot = snapshot_name(seq);
        let old_log = log_name(generation);
        let mut removed = false;
        for name in names {
            let old = (name.starts_with("snap-") && name.ends_with(".snap") && name < old_snapshot)
                || (name.starts_with("wal-") && name.ends_with(".log") && name < old_log);
            if old {
                storage
                    .remove(&name)
                    .map_err(|e| Error::io(storage.path(&name), "remove", e))?;
                removed = true;
            }
        }
        if removed {
            storage
                .sync_dir()
                .map_err(|e| Error::io(storage.path(""), "directory sync", e))?;
        }
        Ok(())
    }
}
