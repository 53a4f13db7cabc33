//! The judge of cowtrie's verification suite: a sequential reference model of a
//! key-value store, the history of a concurrent run, and a linearizability checker.
//!
//! - [`Op`] / [`Ret`]: the operations (`put`, `get`, `remove` on byte keys and `u64`
//!   values) and their results, shared by property tests, fuzz targets and the CLI.
//! - [`Model`]: the sequential specification, a `HashMap`.
//! - [`KvStore`]: what a store under test implements; [`broken`] holds stores with
//!   deliberate bugs, to show the checks catch them.
//! - [`Recorder`] / [`History`]: per-thread logs of operations against one logical clock.
//! - [`check`]: decides whether a history is linearizable with respect to [`Model`].
//! - [`workload`]: threads running a random operation mix on a store, recorded.
//!
//! This crate knows nothing of cowtrie; the adapter for its store lives with the CLI.
#![forbid(unsafe_code)]

pub mod broken;
mod check;
mod history;
mod model;
mod op;
mod oracle;
mod timeline;
pub mod workload;

pub use check::{check, Budget, CheckReport, Verdict, Violation};
pub use history::{Event, History, Recorder, ThreadLog};
pub use model::{KvStore, Model};
pub use op::{Op, Ret};
pub use oracle::linearizable_by_brute_force;
pub use timeline::timeline_svg;
