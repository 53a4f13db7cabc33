//! The plan of an injected fault: which operations it forces, when, and what they see
//! (the reasons each fault is certain are in the parent module's docs).

use rand::rngs::SmallRng;
use rand::Rng;

use super::sim::{GenOp, Seen};
use super::{Fault, FaultSite, ModelKind, Settings};

/// One operation the plan forces, in the order it forces them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// Register: the only write of the reserved value.
    WriteReserved,
    /// Key-value: the put whose token heads every value the fault reads.
    Head,
    /// A write that replaces the value the faulty read returns.
    Overwrite,
    /// The read (get) that returns the overwritten value.
    ReadStale,
    /// Key-value: the append acknowledged but never applied.
    LostAppend,
    /// Key-value: an append after it, applied.
    LaterAppend,
    /// Key-value: the get that misses the lost append.
    ReadAfterLoss,
}

/// What a forced operation does when it takes effect, beside the model's usual.
pub(super) enum Effect {
    /// What the model says.
    Usual,
    /// Acknowledged, but the model is left unchanged.
    Lost,
    /// Returns this instead of what the model holds.
    Returns(Seen),
}

/// Where the fault stands in a run.
pub(super) struct Plan {
    model: ModelKind,
    fault: Fault,
    steps: &'static [Step],
    /// The next step to invoke.
    next: usize,
    /// Whether the last step invoked has yet to return.
    waiting: bool,
    /// The invoke count at which the fault starts.
    trigger: usize,
    triggered: bool,
    /// Invokes between the overwrite's return and the stale read.
    gap: usize,
    /// The invoke count when the next step became due.
    due_since: usize,
    /// Key-value: the key of the fault.
    key: usize,
    /// Register: the value only the fault writes, of `0..values`.
    reserved: Option<u32>,
    values: u32,
    /// What the stale read returns.
    stale: Option<Seen>,
    /// Each step's operation (index) and lines (invoke, return; 1-based).
    done: Vec<(usize, usize, usize)>,
}

impl Plan {
    /// The plan for `settings`; draws its choices from `rng` (nothing for no fault).
    pub(super) fn new(settings: &Settings, rng: &mut SmallRng) -> Self {
        let steps: &'static [Step] = match (settings.fault, settings.model) {
            (Fault::None, _) => &[],
            (Fault::StaleRead | Fault::Resurrected, ModelKind::Register) => {
                &[Step::WriteReserved, Step::Overwrite, Step::ReadStale]
            }
            (Fault::StaleRead | Fault::Resurrected, ModelKind::KeyValue) => {
                &[Step::Head, Step::Overwrite, Step::ReadStale]
            }
            (Fault::LostAppend, _) => &[
                Step::Head,
                Step::LostAppend,
                Step::LaterAppend,
                Step::ReadAfterLoss,
            ],
        };
        let ops = settings.ops;
        let (trigger, gap) = match settings.fault {
            Fault::None => (usize::MAX, 0),
            Fault::Resurrected => (rng.random_range(ops / 8..=ops / 4), ops / 4),
            Fault::StaleRead | Fault::LostAppend => (rng.random_range(ops / 4..=ops / 2), 0),
        };
        let faulty = !steps.is_empty();
        let key = if faulty && settings.model == ModelKind::KeyValue {
            rng.random_range(0..settings.keys)
        } else {
            0
        };
        let reserved = (faulty && settings.model == ModelKind::Register)
            .then(|| rng.random_range(0..settings.values));
        Self {
            model: settings.model,
            fault: settings.fault,
            steps,
            next: 0,
            waiting: false,
            trigger,
            triggered: false,
            gap,
            due_since: 0,
            key,
            reserved,
            values: settings.values,
            stale: None,
            done: Vec::new(),
        }
    }

    /// Forced operations not yet invoked (the run keeps this many invokes for them).
    pub(super) fn remaining(&self) -> usize {
        self.steps.len() - self.next
    }

    /// Register: the value no other operation may write.
    pub(super) fn reserved(&self) -> Option<u32> {
        self.reserved
    }

    /// Whether puts on `key` must wait (from the fault's start until its head is no
    /// longer needed).
    pub(super) fn blocks_put(&self, key: usize) -> bool {
        if !self.triggered || key != self.key || self.model != ModelKind::KeyValue {
            return false;
        }
        match self.fault {
            // Until the overwrite is invoked: then the value read is fixed.
            Fault::StaleRead | Fault::Resurrected => self.next < 2,
            _ => !self.finished(),
        }
    }

    /// Key-value: the key of the fault.
    pub(super) fn key(&self) -> usize {
        self.key
    }

    /// The step to invoke now, if one is due: `invoked` operations so far, `exhausted`
    /// when only the plan's reserved invokes are left, `put_pending` when a put on the
    /// fault's key has yet to take effect (or be dropped).
    pub(super) fn due(
        &mut self,
        invoked: usize,
        exhausted: bool,
        put_pending: impl FnOnce() -> bool,
    ) -> Option<Step> {
        let step = *self.steps.get(self.next)?;
        if self.waiting {
            return None;
        }
        if !self.triggered {
            if invoked < self.trigger && !exhausted {
                return None;
            }
            self.triggered = true;
        }
        match step {
            Step::Head if put_pending() => None,
            Step::ReadStale if invoked < self.due_since + self.gap && !exhausted => None,
            _ => Some(step),
        }
    }

    /// The operation of `step`, for a client whose next token is `token`.
    pub(super) fn op(&self, step: Step, rng: &mut SmallRng, token: String) -> GenOp {
        let key = self.key;
        match (step, self.reserved) {
            (Step::WriteReserved, Some(v)) => GenOp::Write(v),
            (Step::Overwrite, Some(v)) => GenOp::Write(other_value(rng, v, self.values)),
            (Step::ReadStale, Some(_)) => GenOp::Read,
            (Step::Overwrite, None) if rng.random_bool(0.5) => GenOp::Put(key, token),
            (Step::Head, _) => GenOp::Put(key, token),
            (Step::Overwrite | Step::LostAppend | Step::LaterAppend, _) => {
                GenOp::Append(key, token)
            }
            (Step::ReadStale | Step::ReadAfterLoss | Step::WriteReserved, _) => GenOp::Get(key),
        }
    }

    /// Notes that `step` was invoked as operation `op` on line `line`; `current` is the
    /// value of the fault's key (or the register) at that moment.
    pub(super) fn invoked(&mut self, step: Step, op: usize, line: usize, current: Seen) {
        if step == Step::Overwrite && self.model == ModelKind::KeyValue {
            self.stale = Some(current);
        }
        if let (Step::WriteReserved, Some(v)) = (step, self.reserved) {
            self.stale = Some(Seen::Register(Some(v)));
        }
        self.done.push((op, line, 0));
        self.next += 1;
        self.waiting = true;
    }

    /// Notes that the step last invoked returned on line `line`, `invoked` operations
    /// into the run.
    pub(super) fn returned(&mut self, line: usize, invoked: usize) {
        if let Some(last) = self.done.last_mut() {
            last.2 = line;
        }
        self.waiting = false;
        self.due_since = invoked;
    }

    /// What `step` does when it takes effect.
    pub(super) fn effect(&self, step: Step) -> Effect {
        match (step, &self.stale) {
            (Step::ReadStale, Some(seen)) => Effect::Returns(seen.clone()),
            (Step::LostAppend, _) => Effect::Lost,
            _ => Effect::Usual,
        }
    }

    /// Whether every step has run.
    pub(super) fn finished(&self) -> bool {
        self.remaining() == 0 && !self.waiting
    }

    /// The fault's operations and lines, in words; `None` without a fault.
    pub(super) fn site(&self, ops: &[GenOp]) -> Option<FaultSite> {
        if self.steps.is_empty() {
            return None;
        }
        let at = |i: usize| {
            self.done
                .get(i)
                .map(|&(op, call, ret)| (ops.get(op), call, ret))
        };
        let span = |i: usize| at(i).map_or(String::new(), |(_, c, r)| format!("lines {c}-{r}"));
        let what = |i: usize| {
            at(i)
                .and_then(|(op, ..)| op)
                .map_or(String::new(), describe)
        };
        let description = match self.fault {
            Fault::LostAppend => format!(
                "{} ({}) is acknowledged but never applied: the get of key {:?} ({}) returns \
                 the value headed by {} ({}) with {} ({}) and without it",
                what(1),
                span(1),
                self.key.to_string(),
                span(3),
                what(0),
                span(0),
                what(2),
                span(2)
            ),
            _ => format!(
                "the {} ({}) returns {}, the value before {} ({}) replaced it; {} ({}) \
                 made it, and {} ({}) returned before the read began",
                if self.model == ModelKind::Register {
                    "read"
                } else {
                    "get"
                },
                span(2),
                self.stale.as_ref().map_or(String::new(), Seen::to_string),
                what(1),
                span(1),
                what(0),
                span(0),
                what(1),
                span(1)
            ),
        };
        let lines = self.done.iter().flat_map(|&(_, c, r)| [c, r]).collect();
        Some(FaultSite { description, lines })
    }
}

/// A value of `0..values` other than `v` (`values >= 2`, checked by the settings).
pub(super) fn other_value(rng: &mut SmallRng, v: u32, values: u32) -> u32 {
    let x = rng.random_range(0..values - 1);
    if x >= v {
        x + 1
    } else {
        x
    }
}

fn describe(op: &GenOp) -> String {
    match op {
        GenOp::Read => "read".into(),
        GenOp::Write(v) => format!("the write of {v}"),
        GenOp::Cas(a, b) => format!("the cas [{a} {b}]"),
        GenOp::Get(k) => format!("the get of key \"{k}\""),
        GenOp::Put(_, t) => format!("the put of \"{t}\""),
        GenOp::Append(_, t) => format!("the append of \"{t}\""),
    }
}
