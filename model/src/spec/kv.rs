//! A string key-value map: get, put, append per key; a missing key reads as `""`.

use std::fmt;

use super::Spec;

/// The key-value service of Porcupine's tests (MIT 6.824's labs): string keys and
/// values, `append` concatenates, a missing key reads as the empty string. Each key is
/// a partition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyValue;

/// An operation on a [`KeyValue`] map.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KvOp {
    /// Read `key`; returns [`KvRet::Value`].
    Get {
        /// The key.
        key: String,
    },
    /// Set `key` to `value`; returns [`KvRet::Ok`].
    Put {
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// Append `value` to `key`'s value; returns [`KvRet::Ok`].
    Append {
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
}

impl KvOp {
    /// The key the operation acts on.
    pub fn key(&self) -> &str {
        match self {
            Self::Get { key } | Self::Put { key, .. } | Self::Append { key, .. } => key,
        }
    }
}

/// What a [`KvOp`] returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KvRet {
    /// A put or an append.
    Ok,
    /// What a get saw (`""` for a missing key).
    Value(String),
}

impl Spec for KeyValue {
    type Op = KvOp;
    type Ret = KvRet;
    type State = String;
    type Key = String;

    fn init(&self) -> String {
        String::new()
    }

    fn state_heap_bytes(&self, state: &String) -> usize {
        state.capacity()
    }

    fn key(&self, op: &KvOp) -> String {
        op.key().to_string()
    }

    fn apply(&self, state: &String, op: &KvOp) -> (String, KvRet) {
        match op {
            KvOp::Get { .. } => (state.clone(), KvRet::Value(state.clone())),
            KvOp::Put { value, .. } => (value.clone(), KvRet::Ok),
            KvOp::Append { value, .. } => (format!("{state}{value}"), KvRet::Ok),
        }
    }

    fn step(&self, state: &String, op: &KvOp, result: Option<&KvRet>) -> Option<String> {
        match (op, result) {
            (KvOp::Get { .. }, None) => Some(state.clone()),
            (KvOp::Get { .. }, Some(KvRet::Value(seen))) => (seen == state).then(|| seen.clone()),
            (KvOp::Put { value, .. }, None | Some(KvRet::Ok)) => Some(value.clone()),
            (KvOp::Append { value, .. }, None | Some(KvRet::Ok)) => Some(format!("{state}{value}")),
            _ => None,
        }
    }

    fn show_state(&self, state: &String) -> String {
        format!("holding {state:?}")
    }

    fn writes(&self, op: &KvOp) -> bool {
        !matches!(op, KvOp::Get { .. })
    }
}

impl fmt::Display for KvOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Get { .. } => write!(f, "get"),
            Self::Put { value, .. } => write!(f, "put({value:?})"),
            Self::Append { value, .. } => write!(f, "append({value:?})"),
        }
    }
}

impl fmt::Display for KvRet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok => write!(f, "ok"),
            Self::Value(v) => write!(f, "{v:?}"),
        }
    }
}
