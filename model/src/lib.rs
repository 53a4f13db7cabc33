//! The judge of cowtrie's verification suite: sequential reference models, the history
//! of a concurrent run, and a linearizability checker.
//!
//! - [`Op`] / [`Ret`]: the store's operations (`put`, `get`, `remove` on byte keys and
//!   `u64` values) and their results, shared by property tests, fuzz targets and the CLI.
//! - [`Model`]: the store's sequential specification, a `HashMap`.
//! - [`Spec`]: one trait for every model the checker judges against: the store's own
//!   ([`StoreSpec`]), a cache's, where keys may be evicted ([`CacheSpec`]), a compare-and-set [`Register`] and a string [`KeyValue`] map.
//! - [`KvStore`]: what a store under test implements; [`broken`] holds stores with
//!   deliberate bugs, to show the checks catch them; [`EvictingModel`] is the model with
//!   random evictions, the control group of cache checks.
//! - [`Recorder`] / [`History`]: per-thread logs of operations against one logical clock.
//! - [`check`] / [`check_with`]: decide whether a history is linearizable.
//! - [`durable`]: the durable-prefix check, judging the state a store recovers after a
//!   crash against the commits it acknowledged.
//! - [`read`]: histories recorded by other tools (Jepsen logs, EDN operation maps).
//! - [`generate`]: seeded histories of simulated clients, linearizable or with one fault
//!   injected, written as Jepsen logs (register) or EDN maps (key-value).
//! - [`workload`]: threads running a random operation mix on a store, recorded.
//! - [`report`]: a check's findings for people: a violation as labelled text, a run as
//!   one self-contained HTML page with an interactive timeline.
//! - [`conformance`]: all of the above as a kit for a store of your own.
//!
//! # Check your own store
//!
//! Implement [`KvStore`] for your store (byte keys, `u64` values, five methods), then one
//! line in a test file writes the whole battery as `#[test]` functions, one per part:
//! random sequences against [`Model`], the laws of put, remove, cas and update, and
//! concurrent workloads whose histories must be linearizable. A failure panics with the
//! report `cowtrie check` prints and the seed to rerun it.
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::RwLock;
//!
//! use cowtrie_model::KvStore;
//!
//! #[derive(Default)]
//! struct MyStore(RwLock<HashMap<Vec<u8>, u64>>);
//!
//! impl KvStore for MyStore {
//!     fn put(&self, key: &[u8], value: u64) {
//!         self.0.write().unwrap().insert(key.to_vec(), value);
//!     }
//!     fn get(&self, key: &[u8]) -> Option<u64> {
//!         self.0.read().unwrap().get(key).copied()
//!     }
//!     fn remove(&self, key: &[u8]) -> bool {
//!         self.0.write().unwrap().remove(key).is_some()
//!     }
//!     fn cas(&self, key: &[u8], from: Option<u64>, to: u64) -> bool {
//!         let mut map = self.0.write().unwrap();
//!         let swapped = map.get(key).copied() == from;
//!         if swapped {
//!             map.insert(key.to_vec(), to);
//!         }
//!         swapped
//!     }
//!     fn update(&self, key: &[u8], value: u64) -> Option<u64> {
//!         self.0.write().unwrap().insert(key.to_vec(), value)
//!     }
//! }
//!
//! cowtrie_model::conformance_tests!(MyStore::default);
//! # fn main() {
//! # use cowtrie_model::conformance::{run, Settings};
//! # let quick = Settings { time: std::time::Duration::from_millis(20), cases: 8, ..Settings::default() };
//! # run(MyStore::default, &quick).unwrap();
//! # }
//! ```
//!
//! [`conformance::Settings`] sets the threads, keys, mixes and time of the workloads, the
//! cases of each property and the checker's budget
//! (`conformance_tests!(MyStore::default, Settings { threads: 8, ..Settings::default() })`);
//! [`conformance::run`] runs the battery without the macro and returns the first
//! [`conformance::Failure`]. With the `shuttle` feature, `conformance::random_schedules`
//! runs a small workload under shuttle's random scheduler.
//!
//! # Features
//!
//! - `conformance` (default): the kit, [`conformance`] and `conformance_tests!`; it
//!   runs proptest properties, so it turns on `proptest`.
//! - `proptest`: `Op::strategy`, a proptest strategy of operations.
//! - `arbitrary` (default): `Op` implements `arbitrary::Arbitrary`, for fuzz targets.
//! - `shuttle`: `conformance::random_schedules` (turns on `conformance`).
//!
//! With `default-features = false` the crate is the models, histories, checker, readers
//! and reports alone, and builds neither proptest nor arbitrary.
//!
//! This crate knows nothing of cowtrie; the adapter for its store lives with the CLI.
#![forbid(unsafe_code)]

pub mod broken;
mod check;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod durable;
mod evicting;
pub mod generate;
mod history;
mod model;
mod op;
mod oracle;
pub mod read;
pub mod report;
mod spec;
mod timeline;
mod value;
pub mod workload;

pub use check::{check, check_with, Budget, CheckReport, Verdict, Violation, DEFAULT_MEMORY};
pub use evicting::EvictingModel;
pub use history::{Event, History, Recorder, ThreadLog, NEVER};
pub use model::{KvStore, Model};
pub use op::{Op, Ret};
pub use oracle::linearizable_by_brute_force;
pub use spec::{
    CacheSpec, CacheState, KeyValue, KvOp, KvRet, Register, RegisterOp, RegisterRet, Spec,
    SpecEvent, StoreSpec,
};
pub use timeline::{timeline_svg, timeline_svg_in};
pub use value::Value;
