//! A concurrent copy-on-write trie key-value store with lock-free reads.
//!
//! # What copy-on-write buys
//!
//! A [`Trie`] is immutable. A change does not edit nodes; it copies the few nodes on the
//! path from the root to the changed key and shares every other node with the old
//! version:
//!
//! ```text
//!   v1 = {tea, ten, to}                 v2 = v1.put("tea", new)
//!
//!      root ─── t ─┬─ e ─┬─ a:old           root' ─── t' ─┬─ e' ─┬─ a':new
//!                  │     └─ n ◄─────────────────────────────────────┘ (shared)
//!                  └─ o ◄───────────────────────────────── (shared)
//! ```
//!
//! So a version, once built, never changes: anyone holding it can read it without
//! locks, and keeping many versions costs only the nodes in which they differ
//! ([`Trie::shared_nodes`] counts them). Iterating a version ([`Trie::iter`],
//! [`Trie::scan_prefix`]) lends each key and value straight out of the trie, in byte
//! order, allocating nothing per entry.
//!
//! # How a read proceeds
//!
//! [`TrieStore`] keeps the current version in a [`RootCell`]. [`TrieStore::get`]
//! announces itself in a per-thread-stripe counter, loads the root pointer, walks the
//! key, takes a reference count on the entry's leaf, and leaves. It takes no lock,
//! contains no loop, and never waits for a writer. [`TrieStore::get_with`] skips the
//! reference count and runs a closure on the value instead.
//!
//! # How a write proceeds
//!
//! [`TrieStore::put`] and [`TrieStore::remove`] take the writer lock, build the next
//! version by path copying, publish it with one atomic swap, wait for the reads already
//! in flight to leave the old version (a grace period of a few instructions per reader),
//! release the lock, and then drop the old version. Readers that started before the swap
//! finish on the old version; readers that start after it see the new one.
//!
//! # What a guard keeps alive
//!
//! A [`ValueGuard`] owns a reference count on one entry (its leaf: key and value, never
//! copied between versions). It stays valid and unchanged
//! after the key is overwritten or removed, and after the store is gone; a
//! [`TrieStore::snapshot`] likewise owns its whole version. Neither ever delays a writer.
//!
//! # Trade-offs and alternatives
//!
//! - Every write allocates a path of nodes and the writers are serialised: this store
//!   is for read-mostly workloads. A sharded hash map is better for write-heavy ones.
//! - Entries are reference counted (one `Arc` per leaf, holding key and value), so `V`
//!   need not be `Clone`, at the cost of one allocation per entry and a count increment
//!   per `get` (none per [`TrieStore::get_with`]).
//! - The root cell uses grace periods; arc-swap's debt slots, hazard pointers and epoch
//!   reclamation are known alternatives. A grace period here only ever waits for reads
//!   already in flight, which keeps the protocol small enough for loom to check
//!   exhaustively (see the [`RootCell`] module docs for the invariants).
//!
//! # Example
//!
//! ```
//! use cowtrie::TrieStore;
//!
//! let store = TrieStore::new();
//! store.put("user/1", "ada");
//! let guard = store.get("user/1").unwrap();
//! let before = store.snapshot();
//! store.remove("user/1");
//! assert_eq!(*guard, "ada");                 // the guard keeps its value
//! assert_eq!(before.get("user/1"), Some(&"ada")); // the snapshot keeps its version
//! assert!(store.get("user/1").is_none());
//! ```

mod cell;
mod guard;
mod iter;
mod node;
mod store;
mod sync;
mod trie;

pub use cell::{RootCell, RootWriter};
pub use guard::ValueGuard;
pub use iter::Iter;
pub use store::TrieStore;
pub use trie::Trie;

#[cfg(doctest)]
mod compile_fail_tests;
/// The README's example runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
#[cfg(all(test, not(loom)))]
mod tests;
