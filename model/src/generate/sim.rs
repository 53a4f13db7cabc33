//! The simulation: clients invoking, taking effect and returning at random against one
//! sequential model, the fault's plan forcing its operations (parent module's docs).

use std::fmt;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::fault::{other_value, Effect, Plan, Step};
use super::{FaultSite, ModelKind, Settings, SettingsError};

/// An operation as invoked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum GenOp {
    /// Register read.
    Read,
    /// Register write.
    Write(u32),
    /// Register compare-and-set `[from to]`.
    Cas(u32, u32),
    /// Key-value get of a key.
    Get(usize),
    /// Key-value put of a token.
    Put(usize, String),
    /// Key-value append of a token.
    Append(usize, String),
}

/// What a read or get returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Seen {
    /// The register's value (`None`: nil).
    Register(Option<u32>),
    /// The key's value.
    Text(String),
}

impl fmt::Display for Seen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Register(None) => f.write_str("nil"),
            Self::Register(Some(v)) => write!(f, "{v}"),
            Self::Text(t) => write!(f, "{t:?}"),
        }
    }
}

/// The type of an event line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// The call.
    Invoke,
    /// It happened.
    Ok,
    /// A cas that did not match; a register read that timed out (`:timed-out`).
    Fail,
    /// Timed out: may or may not have happened.
    Info,
}

/// One event line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Line {
    /// The process number.
    pub(super) process: u64,
    /// Its type.
    pub(super) kind: Kind,
    /// The operation (index into the run's operations).
    pub(super) op: usize,
    /// What a read or get returned, on its `:ok`.
    pub(super) seen: Option<Seen>,
}

/// A finished run.
pub(super) struct Run {
    /// Operations in invoke order.
    pub(super) ops: Vec<GenOp>,
    /// Event lines in file order.
    pub(super) lines: Vec<Line>,
    /// Operations that timed out.
    pub(super) timed_out: usize,
    /// The injected fault.
    pub(super) fault: Option<FaultSite>,
}

/// How an operation in flight stands.
enum Outcome {
    /// Has not taken effect yet.
    Pending,
    /// Timed out without taking effect.
    Dropped,
    /// Took effect (a write, or a matching cas).
    Done,
    /// A cas that did not match.
    CasFailed,
    /// A read or get that saw this.
    Saw(Seen),
}

struct Flight {
    op: usize,
    times_out: bool,
    outcome: Outcome,
    step: Option<Step>,
}

struct Client {
    process: u64,
    flight: Option<Flight>,
}

struct Sim<'a> {
    settings: &'a Settings,
    rng: SmallRng,
    plan: Plan,
    clients: Vec<Client>,
    ops: Vec<GenOp>,
    lines: Vec<Line>,
    register: Option<u32>,
    kv: Vec<String>,
    tokens: u64,
    timed_out: usize,
}

/// Runs the simulation `settings` describe (already validated).
pub(super) fn run(settings: &Settings) -> Result<Run, SettingsError> {
    let mut rng = SmallRng::seed_from_u64(settings.seed);
    let plan = Plan::new(settings, &mut rng);
    let keys = match settings.model {
        ModelKind::Register => 0,
        ModelKind::KeyValue => settings.keys,
    };
    let mut sim = Sim {
        settings,
        rng,
        plan,
        clients: (0..settings.clients as u64)
            .map(|process| Client {
                process,
                flight: None,
            })
            .collect(),
        ops: Vec::with_capacity(settings.ops),
        lines: Vec::with_capacity(settings.ops * 2),
        register: None,
        kv: vec![String::new(); keys],
        tokens: 0,
        timed_out: 0,
    };
    let mut movers = Vec::with_capacity(settings.clients);
    loop {
        let invoked = sim.ops.len();
        let exhausted = invoked + sim.plan.remaining() >= settings.ops;
        let key = sim.plan.key();
        let clients = &sim.clients;
        let due = sim
            .plan
            .due(invoked, exhausted, || put_pending(clients, &sim.ops, key));
        let may_invoke = due.is_some() || !exhausted;
        movers.clear();
        movers.extend(
            (0..sim.clients.len()).filter(|&c| may_invoke || sim.clients[c].flight.is_some()),
        );
        if movers.is_empty() {
            break;
        }
        let c = movers[sim.rng.random_range(0..movers.len())];
        match sim.clients[c].flight.as_ref().map(|f| &f.outcome) {
            None => sim.invoke(c, due),
            Some(Outcome::Pending) => sim.take_effect(c),
            Some(_) => sim.finish(c),
        }
    }
    if !sim.plan.finished() {
        return Err(SettingsError(
            "the fault could not be placed in this many operations".into(),
        ));
    }
    let fault = sim.plan.site(&sim.ops);
    Ok(Run {
        ops: sim.ops,
        lines: sim.lines,
        timed_out: sim.timed_out,
        fault,
    })
}

/// Whether a put on `key` is in flight and has not taken effect (or been dropped).
fn put_pending(clients: &[Client], ops: &[GenOp], key: usize) -> bool {
    clients.iter().filter_map(|c| c.flight.as_ref()).any(|f| {
        matches!(f.outcome, Outcome::Pending)
            && matches!(ops.get(f.op), Some(GenOp::Put(k, _)) if *k == key)
    })
}

impl Sim<'_> {
    fn token(&mut self, process: u64) -> String {
        self.tokens += 1;
        format!("x {process} {} y", self.tokens - 1)
    }

    /// Client `c` invokes the plan's `due` step, or an operation of the mix.
    fn invoke(&mut self, c: usize, due: Option<Step>) {
        let process = self.clients[c].process;
        let (op, times_out) = match due {
            Some(step) => {
                let token = self.token(process);
                (self.plan.op(step, &mut self.rng, token), false)
            }
            None => self.random_op(process),
        };
        let index = self.ops.len();
        let current = match &op {
            GenOp::Get(k) | GenOp::Put(k, _) | GenOp::Append(k, _) => {
                Seen::Text(self.kv.get(*k).cloned().unwrap_or_default())
            }
            _ => Seen::Register(self.register),
        };
        self.ops.push(op);
        self.lines.push(Line {
            process,
            kind: Kind::Invoke,
            op: index,
            seen: None,
        });
        if let Some(step) = due {
            self.plan.invoked(step, index, self.lines.len(), current);
        }
        self.clients[c].flight = Some(Flight {
            op: index,
            times_out,
            outcome: Outcome::Pending,
            step: due,
        });
    }

    /// An operation of the mix, and whether it will time out.
    fn random_op(&mut self, process: u64) -> (GenOp, bool) {
        let s = self.settings;
        let [a, b, c] = s.mix.0.map(u64::from);
        let pick = self.rng.random_range(0..a + b + c);
        let times_out = self.rng.random_bool(s.never_return);
        match s.model {
            ModelKind::Register => {
                let reserved = self.plan.reserved();
                let value = |rng: &mut SmallRng| match reserved {
                    Some(v) => other_value(rng, v, s.values),
                    None => rng.random_range(0..s.values),
                };
                let op = if pick < a {
                    GenOp::Read
                } else if pick < a + b {
                    GenOp::Write(value(&mut self.rng))
                } else {
                    let from = self.rng.random_range(0..s.values);
                    GenOp::Cas(from, value(&mut self.rng))
                };
                (op, times_out)
            }
            ModelKind::KeyValue => {
                let key = self.rng.random_range(0..s.keys);
                if pick < a {
                    // A get that never returned would read as `""` to Porcupine.
                    return (GenOp::Get(key), false);
                }
                let token = self.token(process);
                if pick < a + b && !self.plan.blocks_put(key) {
                    (GenOp::Put(key, token), times_out)
                } else {
                    (GenOp::Append(key, token), times_out)
                }
            }
        }
    }

    /// Client `c`'s operation takes effect (or, if it will time out, may be dropped).
    fn take_effect(&mut self, c: usize) {
        let Some(flight) = self.clients[c].flight.as_mut() else {
            return;
        };
        if flight.times_out && self.rng.random_bool(0.5) {
            flight.outcome = Outcome::Dropped;
            return;
        }
        let effect = flight.step.map_or(Effect::Usual, |s| self.plan.effect(s));
        let Some(op) = self.ops.get(flight.op) else {
            return;
        };
        flight.outcome = match (op, effect) {
            (GenOp::Read | GenOp::Get(_), Effect::Returns(seen)) => Outcome::Saw(seen),
            (GenOp::Read, _) => Outcome::Saw(Seen::Register(self.register)),
            (GenOp::Write(v), _) => {
                self.register = Some(*v);
                Outcome::Done
            }
            (GenOp::Cas(from, to), _) => {
                if self.register == Some(*from) {
                    self.register = Some(*to);
                    Outcome::Done
                } else {
                    Outcome::CasFailed
                }
            }
            (GenOp::Get(k), _) => {
                Outcome::Saw(Seen::Text(self.kv.get(*k).cloned().unwrap_or_default()))
            }
            (GenOp::Append(_, _), Effect::Lost) => Outcome::Done,
            (GenOp::Put(k, token), _) => {
                if let Some(value) = self.kv.get_mut(*k) {
                    value.clone_from(token);
                }
                Outcome::Done
            }
            (GenOp::Append(k, token), _) => {
                if let Some(value) = self.kv.get_mut(*k) {
                    value.push_str(token);
                }
                Outcome::Done
            }
        };
    }

    /// Client `c`'s operation returns (or times out).
    fn finish(&mut self, c: usize) {
        let clients = self.clients.len() as u64;
        let client = &mut self.clients[c];
        let Some(flight) = client.flight.take() else {
            return;
        };
        let read = matches!(self.ops.get(flight.op), Some(GenOp::Read));
        let (kind, seen) = match flight.outcome {
            _ if flight.times_out => {
                self.timed_out += 1;
                (if read { Kind::Fail } else { Kind::Info }, None)
            }
            Outcome::CasFailed => (Kind::Fail, None),
            Outcome::Saw(seen) => (Kind::Ok, Some(seen)),
            Outcome::Done | Outcome::Pending | Outcome::Dropped => (Kind::Ok, None),
        };
        self.lines.push(Line {
            process: client.process,
            kind,
            op: flight.op,
            seen,
        });
        if kind == Kind::Info {
            // Its fate is unknown: the client goes on as a new process, as in Jepsen.
            client.process += clients;
        }
        if flight.step.is_some() {
            self.plan.returned(self.lines.len(), self.ops.len());
        }
    }
}
