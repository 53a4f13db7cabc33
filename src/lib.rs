//! A concurrent copy-on-write trie key-value store with lock-free reads.
//!
//! # What copy-on-write buys
//!
//! A [`Trie`] is immutable. A change does not edit nodes; it copies the few nodes on the
//! path from the root to the changed key and shares every other node with the old
//! version. The trie is path-compressed: a branch stands for a whole run of key bytes
//! (its *segment*, in quotes below) and branches on the byte that follows; every key
//! ends in a leaf that holds the whole key and its value:
//!
//! ```text
//!   v1 = {user/ada, user/bea, user/bob}
//!
//!   root ─u─ "user/" ─┬─a─ leaf user/ada ◄─────────────────────┐
//!                     └─b─ "b" ─┬─e─ leaf user/bea ◄───────┐   │  shared by v1 and v2
//!                               └─o─ leaf user/bob: old    │   │
//!                                                          │   │
//!   root'─u─ "user/"'─┬─a──────────────────────────────────┼───┘
//!                     └─b─ "b"' ─┬─e───────────────────────┘
//!                                └─o─ leaf user/bob: new
//!
//!   v2 = v1.put("user/bob", new): the three branches on the path copied, one new leaf
//! ```
//!
//! ```
//! use cowtrie::Trie;
//!
//! let v1: Trie<&str> = [("user/ada", "a"), ("user/bea", "b"), ("user/bob", "old")]
//!     .into_iter()
//!     .collect();
//! let v2 = v1.put("user/bob", "new");
//! assert_eq!(v1.node_count(), 6); // root, "user/", "b" and three leaves
//! assert_eq!(v2.shared_nodes(&v1), 2); // the leaves of ada and bea
//! assert_eq!(v1.get("user/bob"), Some(&"old"));
//! ```
//!
//! (`cowtrie draw sharing` draws such versions from the real code, through
//! [`Trie::nodes`].)
//!
//! So a version, once built, never changes: anyone holding it can read it without
//! locks, and keeping many versions costs only the nodes in which they differ
//! ([`Trie::shared_nodes`] counts them). Iterating a version ([`Trie::iter`],
//! [`Trie::scan_prefix`]) lends each key and value straight out of the trie, in byte
//! order, allocating nothing per entry.
//!
//! # How a read proceeds
//!
//! [`TrieStore`] keeps its versions in a [`RootCell`](cell::RootCell): a small table of
//! slots, one of which holds the current version. [`TrieStore::get`] loads the current slot's index,
//! *pins* that slot in a counter of its own thread's stripe, checks that the slot is
//! still current (if a write came in between, it pins the new one instead), walks the
//! key, takes a reference count on the entry's leaf, and unpins. It takes no lock and
//! never waits for anyone. [`TrieStore::get_with`] skips the reference count and runs a
//! closure on the value instead. A thread that reads in a loop can skip the pin too: a
//! [`Reader`] ([`TrieStore::reader`]) keeps a clone of the version it last read and,
//! before each read, checks with two loads (the current slot and its generation) that
//! no write came since; only after a write does it pin and clone the new version.
//!
//! # How a write proceeds
//!
//! [`TrieStore::put`] and [`TrieStore::remove`] take the writer lock, build the next
//! version by path copying, move it into a free slot, publish it with one atomic swap,
//! and free every replaced version that no reader pins. Then they release the lock and
//! drop what they freed. A writer never waits for a reader: a version a reader still
//! pins is freed by the first write after that reader leaves. Readers never free
//! anything, so a read never pays for a writer's garbage. Readers that
//! started before the swap finish on the old version; readers that start after it see
//! the new one. The one wait is when every slot but the current one is pinned by a
//! stalled reader (31 of them, by default); the [`cell`] module docs state the
//! protocol and its invariants.
//!
//! # What a guard keeps alive
//!
//! A [`ValueGuard`] owns a reference count on one entry (its leaf: key and value, never
//! copied between versions). It stays valid and unchanged
//! after the key is overwritten or removed, and after the store is gone; a
//! [`TrieStore::snapshot`] likewise owns its whole version. Neither ever delays a writer
//! or pins a slot.
//!
//! # Trade-offs and alternatives
//!
//! - Every write allocates a path of nodes and the writers are serialised: this store
//!   is for read-mostly workloads. A sharded hash map is better for write-heavy ones.
//!   Writes that come together go faster as one [`WriteBatch`]: after its first write,
//!   the batch changes in place the nodes that only its unpublished version holds, so
//!   it copies each shared node once ([`Trie`]'s `extend` and `collect` do the same).
//! - Entries are reference counted (one `Arc` per leaf, holding key and value), so `V`
//!   need not be `Clone`, at the cost of one allocation per entry and a count increment
//!   per `get` (none per [`TrieStore::get_with`]).
//! - Only writers free replaced versions: a read never runs a destructor or returns
//!   another thread's memory to the allocator, so a read beside a busy writer costs
//!   little more than a read alone. The price is that a version a reader held when it
//!   was replaced waits for the next write (at most `slots - 1` of them in a store
//!   that stops writing). Handles readers own do free what they alone hold: a dropped
//!   [`ValueGuard`] or snapshot, a [`Reader`] whose kept version a write replaced.
//! - The root cell pins versions by slot, in the manner of hazard pointers, so a
//!   stalled reader holds back one version and never a writer. A grace period (what
//!   this crate used first) is simpler but makes writers wait for every read in
//!   flight; epoch reclamation lets a stalled reader hold back every later version;
//!   arc-swap's debt slots and split reference counts are the other known answers.
//!
//! # Promises
//!
//! What the crate promises, and the tests cite by number:
//!
//! 1. **Linearizable**: every `put`, `get`, `remove`, `compare_and_swap`, `update` and
//!    `write_batch` on a [`TrieStore`], and every read through a [`Reader`], takes effect
//!    at one instant between its call and its return, and a [`TrieStore::snapshot`] is
//!    one whole published version.
//! 2. **Reads take no lock and never wait**, not even for a stalled writer.
//! 3. **Writers never wait for guards, snapshots or readers' kept versions** (they own
//!    their entries or version), and wait for reads in flight only when every spare slot
//!    of the [`RootCell`](cell::RootCell) is pinned by a stalled reader (31 of them by
//!    default). A stalled reader holds back one version, so memory stays bounded.
//! 4. **Every value is dropped exactly once**, when the last version or guard that
//!    reaches it goes.
//! 5. **Nothing recurses per key byte or per level** (put, get, remove, iteration, drop):
//!    keys of 1 MiB work on a small thread stack.
//! 6. **No `unsafe` outside the root cell** (`src/cell.rs`): the crate denies it, and the
//!    cell's module alone allows it.
//!
//! # Modules and features
//!
//! The crate root holds the trie and the store: [`Trie`], [`TrieStore`], [`ValueGuard`],
//! [`WriteBatch`], [`Reader`] and the trie's iterators. The modules are the layers built
//! on them or under them, each at one path:
//!
//! - [`cell`]: [`RootCell`](cell::RootCell), the versioned cell every store publishes
//!   through, and its reclamation protocol (the crate's only `unsafe`).
//! - `cache` (feature `cache`, on by default): `Cache`, a bounded store that evicts.
//! - `durable` (feature `durable`, on by default): `DurableStore`, a store kept in a
//!   write-ahead log and snapshot files. Its feature `serde` adds `Postcard` values;
//!   `sim` adds `SimDisk`, an in-memory disk that crashes on command, for tests; and
//!   `format` adds `durable::format`, readers of the files, for tools and fuzzing.
//! - [`inspect`]: read-only views of a version's nodes ([`Trie::nodes`]), for drawing
//!   and testing the layout.
//!
//! Without default features the crate is the trie, the store and the cell alone, and
//! depends on neither `fs4` nor `crc32c`.
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

#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod batch;
#[cfg(feature = "cache")]
#[cfg_attr(docsrs, doc(cfg(feature = "cache")))]
pub mod cache;
#[allow(
    unsafe_code,
    reason = "the root cell's protocol: numbered invariants in its docs"
)]
pub mod cell;
#[cfg(all(feature = "durable", not(any(loom, feature = "shuttle"))))]
#[cfg_attr(docsrs, doc(cfg(feature = "durable")))]
pub mod durable;
mod guard;
pub mod inspect;
mod iter;
mod node;
mod range;
mod reader;
mod rewrite;
mod store;
mod sync;
mod trie;

pub use batch::WriteBatch;
pub use guard::ValueGuard;
pub use iter::Iter;
pub use range::Range;
pub use reader::Reader;
pub use store::TrieStore;
pub use trie::Trie;

#[cfg(doctest)]
mod book;
#[cfg(doctest)]
mod compile_fail_tests;
/// The README's example runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
#[cfg(all(test, not(loom)))]
mod tests;
