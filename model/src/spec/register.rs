//! A compare-and-set register: read, write, cas `[from to]`; it starts nil.

use std::fmt;

use super::{Spec, SpecEvent};
use crate::Value;

/// One register holding a [`Value`], initially `nil`: Knossos' `cas-register` and
/// the register of Jepsen's etcd test. It has no keys, so it is one partition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Register;

/// An operation on a [`Register`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegisterOp {
    /// Read the value; returns [`RegisterRet::Value`].
    Read,
    /// Set the value; returns [`RegisterRet::Ok`].
    Write(Value),
    /// Set the value to `.1` if it is `.0` ([`RegisterRet::Ok`]); otherwise leave it
    /// ([`RegisterRet::Failed`]).
    Cas(Value, Value),
}

/// What a [`RegisterOp`] returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegisterRet {
    /// A write, or a cas that matched.
    Ok,
    /// A cas that did not match.
    Failed,
    /// What a read saw.
    Value(Value),
}

impl Spec for Register {
    type Op = RegisterOp;
    type Ret = RegisterRet;
    type State = Value;
    type Key = ();

    fn init(&self) -> Value {
        Value::Nil
    }

    fn key(&self, _: &RegisterOp) {}

    fn state_heap_bytes(&self, state: &Value) -> usize {
        state.heap_bytes()
    }

    fn apply(&self, state: &Value, op: &RegisterOp) -> (Value, RegisterRet) {
        match op {
            RegisterOp::Read => (state.clone(), RegisterRet::Value(state.clone())),
            RegisterOp::Write(v) => (v.clone(), RegisterRet::Ok),
            RegisterOp::Cas(from, to) if from == state => (to.clone(), RegisterRet::Ok),
            RegisterOp::Cas(..) => (state.clone(), RegisterRet::Failed),
        }
    }

    fn step(&self, state: &Value, op: &RegisterOp, result: Option<&RegisterRet>) -> Option<Value> {
        match (op, result) {
            (RegisterOp::Read, None) => Some(state.clone()),
            (RegisterOp::Read, Some(RegisterRet::Value(seen))) => {
                (seen == state).then(|| state.clone())
            }
            (RegisterOp::Write(v), None | Some(RegisterRet::Ok)) => Some(v.clone()),
            (RegisterOp::Cas(from, to), None) => {
                Some(if from == state { to } else { state }.clone())
            }
            (RegisterOp::Cas(from, to), Some(RegisterRet::Ok)) => {
                (from == state).then(|| to.clone())
            }
            (RegisterOp::Cas(from, _), Some(RegisterRet::Failed)) => {
                (from != state).then(|| state.clone())
            }
            _ => None,
        }
    }

    fn subject(&self) -> &'static str {
        "register"
    }

    fn show_state(&self, state: &Value) -> String {
        match state {
            Value::Nil => "nil".to_string(),
            other => format!("holding {other}"),
        }
    }

    fn show_key(&self, _: &()) -> String {
        String::new()
    }

    fn writes(&self, op: &RegisterOp) -> bool {
        !matches!(op, RegisterOp::Read)
    }

    /// A read of a value no write or cas put there, or not yet.
    fn reason(
        &self,
        culprit: &SpecEvent<Self>,
        all: &[&SpecEvent<Self>],
        span: &dyn Fn(&SpecEvent<Self>) -> String,
    ) -> Option<(String, Vec<usize>)> {
        let (RegisterOp::Read, Some(RegisterRet::Value(v))) = (&culprit.op, &culprit.result) else {
            return None;
        };
        if *v == Value::Nil {
            return None;
        }
        let writers: Vec<usize> = (0..all.len())
            .filter(|&i| match &all[i].op {
                RegisterOp::Write(w) | RegisterOp::Cas(_, w) => w == v,
                RegisterOp::Read => false,
            })
            .collect();
        match writers.first() {
            None => Some((
                format!("read returned {v}, a value never written to the register"),
                vec![],
            )),
            Some(&first) if all[first].call > culprit.ret => Some((
                format!(
                    "read returned {v} ({}) before any write of {v} began ({}: {})",
                    span(culprit),
                    span(all[first]),
                    all[first].op
                ),
                vec![first],
            )),
            Some(_) => None,
        }
    }
}

impl fmt::Display for RegisterOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read => write!(f, "read"),
            Self::Write(v) => write!(f, "write({v})"),
            Self::Cas(from, to) => write!(f, "cas({from} -> {to})"),
        }
    }
}

impl fmt::Display for RegisterRet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok => write!(f, "ok"),
            Self::Failed => write!(f, "failed"),
            Self::Value(v) => write!(f, "{v}"),
        }
    }
}
