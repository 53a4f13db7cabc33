//! [`Reader`]: a read handle for a thread that reads in a loop. While no write comes, it
//! keeps the version it reads and checks with two loads that it is still current,
//! instead of pinning the store's root for every read.
#![forbid(unsafe_code)]

use std::fmt;

use crate::cell::Stamp;
use crate::sync;
use crate::{Trie, TrieStore, ValueGuard};

/// A read handle on a [`TrieStore`] for one thread that reads often.
///
/// A read through [`TrieStore::get_with`] pins the current version in the root cell
/// (two read-modify-writes and a fence: about a fifth of a get on 100,000 keys). A
/// `Reader` skips the pin while the store is quiet: once it has read the same version
/// several times in a row (32), it keeps a clone of that version (one reference count)
/// and, before each later read, checks with two loads that no write has come since. The
/// first write after that ends the keeping: the reader drops its clone and pins for
/// each read again until the store is quiet once more.
///
/// So beside a writer that publishes without pause, a `Reader` costs what `get_with`
/// costs; it does not keep versions only to free them on its own thread a moment later
/// (the last holder of a replaced version frees the nodes it alone holds).
///
/// Every read is as linearizable as the store's own: it answers from the version that is
/// current at the moment of its check or its pin. A kept version is one version, as a
/// [`snapshot`](TrieStore::snapshot) is: the reader pins no slot and never delays a
/// writer, and an idle reader holds at most that version's memory.
///
/// ```
/// use cowtrie::TrieStore;
///
/// let store = TrieStore::new();
/// store.put("k", 1);
/// let mut reader = store.reader();
/// assert_eq!(reader.get_with("k", |v| v.copied()), Some(1));
/// store.put("k", 2); // the next read sees the write
/// assert_eq!(reader.get_with("k", |v| v.copied()), Some(2));
/// assert_eq!(reader.get("k").as_deref(), Some(&2));
/// assert_eq!(reader.current().len(), 1);
/// ```
pub struct Reader<'a, V> {
    store: &'a TrieStore<V>,
    /// The version kept, with the stamp of its publish.
    kept: Option<(Trie<V>, Stamp)>,
    /// The stamp the last pinned read saw, and how many pinned reads in a row saw it.
    seen: Option<Stamp>,
    streak: u32,
}

impl<'a, V> Reader<'a, V> {
    pub(crate) fn new(store: &'a TrieStore<V>) -> Self {
        Self {
            store,
            kept: None,
            seen: None,
            streak: 0,
        }
    }

    /// Runs `f` on the current version: the kept one if no write came since it was
    /// kept, else through a pin, keeping the version if it is the same one the last
    /// `reader_keeps_after() - 1` pinned reads saw.
    fn read<R>(&mut self, f: impl FnOnce(&Trie<V>) -> R) -> R {
        if let Some((version, stamp)) = &self.kept {
            if self.store.root().is_current(*stamp) {
                return f(version);
            }
            // A write came: the kept version goes (this reader frees what only it
            // held), and reads pin again until the store is quiet. `seen` names the
            // kept version, so the next pinned read starts a new streak.
            self.kept = None;
        }
        let (seen, streak) = (self.seen, self.streak);
        let (result, kept, stamp, streak) = self.store.root().read_stamped(|version, stamp| {
            let streak = if seen == Some(stamp) { streak + 1 } else { 1 };
            let keep = streak >= sync::reader_keeps_after();
            (f(version), keep.then(|| version.clone()), stamp, streak)
        });
        (self.seen, self.streak) = (Some(stamp), streak);
        self.kept = kept.map(|version| (version, stamp));
        result
    }

    /// The current version of the store, borrowed from the reader, which keeps it
    /// (whatever the streak): the borrow stays valid whatever later writes do, and the
    /// version is the current one at the moment of the call.
    pub fn current(&mut self) -> &Trie<V> {
        if let Some((_, stamp)) = &self.kept {
            if !self.store.root().is_current(*stamp) {
                self.kept = None;
            }
        }
        let (version, _) = self.kept.get_or_insert_with(|| {
            self.store
                .root()
                .read_stamped(|version, stamp| (version.clone(), stamp))
        });
        version
    }

    /// Runs `f` on the value under `key` in the current version (`None` if absent), as
    /// [`TrieStore::get_with`] does.
    pub fn get_with<R>(&mut self, key: impl AsRef<[u8]>, f: impl FnOnce(Option<&V>) -> R) -> R {
        self.read(|trie| f(trie.get(key)))
    }

    /// The value under `key` in the current version, kept alive by the returned guard,
    /// as [`TrieStore::get`] returns it.
    pub fn get(&mut self, key: impl AsRef<[u8]>) -> Option<ValueGuard<V>> {
        let key = key.as_ref();
        self.read(|trie| trie.get_leaf(key).cloned())
            .map(ValueGuard::new)
    }

    /// Whether the reader keeps a version now (it read the current one often enough in
    /// a row, and no write came since).
    pub fn is_keeping(&self) -> bool {
        self.kept.is_some()
    }

    /// The store this reader reads.
    pub fn store(&self) -> &'a TrieStore<V> {
        self.store
    }
}

impl<V> Clone for Reader<'_, V> {
    /// Another reader of the same store, keeping the same version, if any.
    fn clone(&self) -> Self {
        Self {
            store: self.store,
            kept: self.kept.clone(),
            seen: self.seen,
            streak: self.streak,
        }
    }
}

impl<V> fmt::Debug for Reader<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader")
            .field(
                "kept",
                &self.kept.as_ref().map(|(version, _)| version.len()),
            )
            .field("streak", &self.streak)
            .finish_non_exhaustive()
    }
}
