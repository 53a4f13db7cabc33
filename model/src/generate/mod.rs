//! Generated concurrent histories, linearizable or with one fault injected for certain,
//! written in the formats the [`read`](crate::read) module reads: Jepsen log lines for
//! the compare-and-set [`Register`](crate::Register) (the etcd logs' format) and EDN
//! operation maps for the string [`KeyValue`](crate::KeyValue) map (Porcupine's key-value
//! logs' format). They test the checker at sizes no recorded file reaches, and compare
//! it with other checkers on the same files.
//!
//! # How a history is made
//! A seeded [`SmallRng`](rand::rngs::SmallRng) drives `clients` simulated clients
//! against one sequential model. At each step one client that can act is picked at
//! random and does its next thing: an idle client *invokes* an operation (an `:invoke`
//! line); a client in flight makes its operation *take effect* on the model (no line);
//! a client whose operation took effect *returns* it (an `:ok` line, or `:fail` for a
//! compare-and-set that did not match). A share of operations never returns: they take
//! effect or not (even odds) and end with an `:info` line (value `:timed-out`), after
//! which the client goes on under a new process number (`process + clients`), as
//! Jepsen's clients do. A register read that times out is written `:fail :read
//! :timed-out` instead, as in the etcd logs: a read changes nothing. Key-value gets
//! always return (Porcupine's key-value parser reads a get that never returns as one
//! that returned `""`).
//!
//! Values: register writes and compare-and-sets use the small integers `0..values`, as
//! the etcd logs do (`0..5`); key-value puts and appends write a token unique in the
//! history, `"x PROCESS N y"`, as Porcupine's logs do, so a value read names the writes
//! that made it.
//!
//! # Invariants
//! 1. File order is the only clock, and every operation takes effect after its invoke
//!    line and before its `:ok`/`:fail` line; so with [`Fault::None`] the history is
//!    linearizable: the order of effects is a linearization.
//! 2. An operation that never returns took effect before its `:info` line, or never.
//!    Readers treat it as open (it may take effect at any point after its invoke), which
//!    admits more orders, never fewer: invariant 1 still holds.
//! 3. Every injected fault makes the history non-linearizable under every order, for
//!    the reasons below; the operations it involves never time out, and the generator
//!    reserves their share of the operation count so it always completes.
//! 4. The same [`Settings`] (seed included) give the same bytes, on every 64-bit
//!    platform (`SmallRng` is a different generator on 32-bit targets).
//!
//! # Faults
//! - [`Fault::StaleRead`], register: one value `v` is reserved, written by no operation
//!   but one write `W1`. After `W1` returns, a write `W2` of another value is invoked;
//!   after `W2` returns, the next read invoked returns `v`. Every order puts `W1` before
//!   `W2` before the read (each returned before the next began), and nothing between
//!   `W2` and the read can write `v`: not linearizable.
//! - [`Fault::StaleRead`], key-value: on a key `k`, new puts stop until the fault's own
//!   put `P` of a fresh token has returned and the next write `W2` (put or append of a
//!   fresh token) is invoked; the value `s` of `k` when `W2` is invoked starts with `P`'s
//!   token. After `W2` returns, the next get of `k` returns `s`. In every order `W2`
//!   comes after `P` and before the get; after `W2` the value holds `W2`'s token until
//!   a put, and a value starting with `P`'s token can only follow `P` itself: not
//!   linearizable.
//! - [`Fault::Resurrected`]: the same, but the read (get) is invoked only after a long
//!   gap (a quarter of the operations) following `W2`'s return: a value overwritten
//!   long before comes back.
//! - [`Fault::LostAppend`], key-value only: on a key `k`, no puts are invoked from the
//!   fault's own put `P` until the fault ends. After `P` returns, an append `A` is
//!   acknowledged but never takes effect; after `A` returns, an append `B` takes effect
//!   as usual; after `B` returns, a get of `k` returns the value: `P`'s token and `B`'s,
//!   without `A`'s. In every order `P` precedes `A` precedes the get, and only a put
//!   between `A` and the get could drop `A`'s token, but the value read starts with
//!   the token of `P`, which returned before `A` began: not linearizable. Later gets of
//!   `k` miss `A`'s token too, until a put replaces the value.

mod fault;
mod sim;
mod write;

use std::fmt;
use std::str::FromStr;

/// The model a history is generated for, which fixes its format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    /// One compare-and-set register, initially nil: read, write, cas; Jepsen log lines.
    Register,
    /// String keys: get, put, append; a missing key reads as `""`; EDN maps.
    KeyValue,
}

/// The fault injected into a history, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Fault {
    /// None: the history is linearizable.
    #[default]
    None,
    /// A read returns a value that a write which completed before the read began had
    /// already overwritten.
    StaleRead,
    /// Key-value only: an acknowledged append that later gets never show, while later
    /// appends do.
    LostAppend,
    /// A read, long after, returns a value overwritten long before.
    Resurrected,
}

impl FromStr for Fault {
    type Err = String;

    /// `none`, `stale-read`, `lost-append`, `resurrected`.
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "none" => Ok(Self::None),
            "stale-read" => Ok(Self::StaleRead),
            "lost-append" => Ok(Self::LostAppend),
            "resurrected" => Ok(Self::Resurrected),
            other => Err(format!(
                "unknown fault {other:?} (none, stale-read, lost-append, resurrected)"
            )),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "none",
            Self::StaleRead => "stale-read",
            Self::LostAppend => "lost-append",
            Self::Resurrected => "resurrected",
        })
    }
}

/// Relative weights of the model's three operations, in its order: register read,
/// write, cas; key-value get, put, append.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mix(pub [u32; 3]);

impl Mix {
    /// The operations' names for `model`, in the order of the weights.
    pub fn names(model: ModelKind) -> [&'static str; 3] {
        match model {
            ModelKind::Register => ["read", "write", "cas"],
            ModelKind::KeyValue => ["get", "put", "append"],
        }
    }

    /// The mix used when none is given: register `read=40,write=30,cas=30`; key-value
    /// `get=45,put=10,append=45` (close to Porcupine's key-value logs).
    pub fn default_for(model: ModelKind) -> Self {
        match model {
            ModelKind::Register => Self([40, 30, 30]),
            ModelKind::KeyValue => Self([45, 10, 45]),
        }
    }

    /// Reads `name=weight,...` with the names of `model` (a name left out weighs 0).
    pub fn parse(model: ModelKind, text: &str) -> Result<Self, String> {
        crate::workload::weights(text, &Self::names(model)).map(Self)
    }
}

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The model, and so the format.
    pub model: ModelKind,
    /// Clients running at once (distinct processes in flight).
    pub clients: usize,
    /// Operations invoked in all.
    pub ops: usize,
    /// Key-value keys, named `"0"`, `"1"`, ...; ignored for the register.
    pub keys: usize,
    /// Register values written, `0..values`; ignored for key-value maps.
    pub values: u32,
    /// Weights of the operations.
    pub mix: Mix,
    /// The share of operations that never return, from 0 to 1 (register reads, and
    /// key-value writes; key-value gets always return).
    pub never_return: f64,
    /// The fault to inject.
    pub fault: Fault,
    /// The seed of every random choice.
    pub seed: u64,
}

impl Settings {
    /// 50 clients, 2000 operations, 10 keys, 5 register values, the model's default mix,
    /// 2% of operations never returning, no fault, seed 1.
    pub fn new(model: ModelKind) -> Self {
        Self {
            model,
            clients: 50,
            ops: 2000,
            keys: 10,
            values: 5,
            mix: Mix::default_for(model),
            never_return: 0.02,
            fault: Fault::None,
            seed: 1,
        }
    }

    /// Checks the settings make sense together; the error says what is wrong.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let bad = |s: String| Err(SettingsError(s));
        if self.clients == 0 {
            return bad("at least one client is needed".into());
        }
        if self.ops == 0 {
            return bad("at least one operation is needed".into());
        }
        if self.fault != Fault::None && self.ops < MIN_OPS_WITH_FAULT {
            return bad(format!(
                "a fault needs at least {MIN_OPS_WITH_FAULT} operations, not {}",
                self.ops
            ));
        }
        if self.mix.0.iter().all(|w| *w == 0) {
            return bad("the operation weights add up to zero".into());
        }
        if !(0.0..=1.0).contains(&self.never_return) {
            return bad(format!(
                "the share of operations that never return must be from 0 to 1, not {}",
                self.never_return
            ));
        }
        match self.model {
            ModelKind::Register => {
                if self.fault == Fault::LostAppend {
                    return bad("lost-append needs the key-value model (appends)".into());
                }
                let least = if self.fault == Fault::None { 1 } else { 2 };
                if self.values < least {
                    return bad(format!(
                        "the register needs at least {least} value(s) with fault {}, not {}",
                        self.fault, self.values
                    ));
                }
            }
            ModelKind::KeyValue => {
                if self.keys == 0 {
                    return bad("at least one key is needed".into());
                }
            }
        }
        Ok(())
    }
}

/// Fewest operations a history with a fault may have.
pub const MIN_OPS_WITH_FAULT: usize = 8;

/// Settings that do not make sense together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsError(pub String);

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SettingsError {}

/// A generated history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// The file's text: Jepsen log lines (register) or EDN maps (key-value), one event
    /// per line.
    pub text: String,
    /// Operations invoked.
    pub operations: usize,
    /// Operations that timed out (`:info`, or a register read's `:fail ... :timed-out`).
    pub timed_out: usize,
    /// Where the fault is, if one was injected.
    pub fault: Option<FaultSite>,
}

/// The operations of an injected fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSite {
    /// What happened, in words.
    pub description: String,
    /// The 1-based lines of the fault's operations: invoke and return of each.
    pub lines: Vec<usize>,
}

/// Generates the history `settings` describe.
///
/// ```
/// use cowtrie_model::generate::{generate, Fault, ModelKind, Settings};
/// use cowtrie_model::read::{read_history, Format};
/// use cowtrie_model::{check_with, Budget, KeyValue, Verdict};
///
/// let mut settings = Settings::new(ModelKind::KeyValue);
/// settings.ops = 200;
/// settings.fault = Fault::LostAppend;
/// let generated = generate(&settings).unwrap();
/// let history = read_history(&KeyValue, generated.text.as_bytes(), Format::Auto).unwrap();
/// let verdict = check_with(&KeyValue, &history, Budget::default()).verdict;
/// assert!(matches!(verdict, Verdict::Violation(_)));
/// ```
pub fn generate(settings: &Settings) -> Result<Generated, SettingsError> {
    settings.validate()?;
    let run = sim::run(settings)?;
    let text = match settings.model {
        ModelKind::Register => write::jepsen_log(&run.ops, &run.lines),
        ModelKind::KeyValue => write::edn(&run.ops, &run.lines),
    };
    Ok(Generated {
        text,
        operations: run.ops.len(),
        timed_out: run.timed_out,
        fault: run.fault,
    })
}
