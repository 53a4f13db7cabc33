//! Guarantees the compiler enforces, each as a `compile_fail` doctest paired with a twin
//! that compiles, so a failure of the first is known to be for the stated reason. The
//! error codes are checked on nightly (`.ci/compile-fail.sh`); the first case, a lifetime
//! error, has no code.
//!
//! A borrow from [`RootCell::read`](crate::cell::RootCell::read) cannot escape the read section
//! (the writer may free the value as soon as the section ends):
//!
//! ```compile_fail
//! let cell = cowtrie::cell::RootCell::new(String::from("v"));
//! let escaped: &String = cell.read(|v| v);
//! # drop(escaped);
//! ```
//!
//! ```
//! let cell = cowtrie::cell::RootCell::new(String::from("v"));
//! let owned: String = cell.read(|v| v.clone());
//! # drop(owned);
//! ```
//!
//! A reference from [`Trie::get`](crate::Trie::get) lives no longer than its version;
//! a [`ValueGuard`](crate::ValueGuard) owns its value and outlives the store:
//!
//! ```compile_fail,E0597
//! let value = {
//!     let trie = cowtrie::Trie::new().put("k", 1);
//!     trie.get("k")
//! };
//! # drop(value);
//! ```
//!
//! ```
//! let value = {
//!     let store = cowtrie::TrieStore::new();
//!     store.put("k", 1);
//!     store.get("k")
//! };
//! assert_eq!(value.as_deref(), Some(&1));
//! ```
//!
//! A store of values that are not thread-safe cannot be shared between threads:
//!
//! ```compile_fail,E0277
//! let store = cowtrie::TrieStore::<std::rc::Rc<u8>>::new();
//! std::thread::scope(|s| {
//!     s.spawn(|| store.get("k"));
//! });
//! ```
//!
//! ```
//! let store = cowtrie::TrieStore::<std::sync::Arc<u8>>::new();
//! std::thread::scope(|s| {
//!     s.spawn(|| store.get("k").is_none());
//! });
//! ```
//!
//! A guard of a non-`Send` value cannot be sent to another thread:
//!
//! ```compile_fail,E0277
//! let store = cowtrie::TrieStore::<std::cell::Cell<u8>>::new();
//! store.put("k", std::cell::Cell::new(1));
//! let guard = store.get("k").unwrap();
//! std::thread::spawn(move || guard.get());
//! ```
//!
//! ```
//! let store = cowtrie::TrieStore::<u8>::new();
//! store.put("k", 1);
//! let guard = store.get("k").unwrap();
//! std::thread::spawn(move || *guard).join().unwrap();
//! ```
//!
//! A version borrowed from a [`Reader`](crate::Reader) lasts until the reader's next
//! read, which may replace it; clone it (one reference count) to keep it longer:
//!
//! ```compile_fail,E0499
//! let store = cowtrie::TrieStore::new();
//! store.put("k", 1);
//! let mut reader = store.reader();
//! let before = reader.current();
//! store.put("k", 2);
//! let after = reader.current();
//! assert_eq!((before.get("k"), after.get("k")), (Some(&1), Some(&2)));
//! ```
//!
//! ```
//! let store = cowtrie::TrieStore::new();
//! store.put("k", 1);
//! let mut reader = store.reader();
//! let before = reader.current().clone();
//! store.put("k", 2);
//! let after = reader.current();
//! assert_eq!((before.get("k"), after.get("k")), (Some(&1), Some(&2)));
//! ```
//!
//! A reader borrows its store, so it cannot outlive it; a version taken from it can:
//!
//! ```compile_fail,E0597
//! let reader = {
//!     let store = cowtrie::TrieStore::<u8>::new();
//!     store.reader()
//! };
//! # drop(reader);
//! ```
//!
//! ```
//! let version = {
//!     let store = cowtrie::TrieStore::<u8>::new();
//!     let mut reader = store.reader();
//!     reader.current().clone()
//! };
//! assert!(version.is_empty());
//! ```
