//! From recorded operations to a model's operations and results.

use super::Record;
use crate::{KeyValue, KvOp, KvRet, Register, RegisterOp, RegisterRet, Spec, Value};

/// A [`Spec`] whose operations can be read from other tools' histories.
pub trait FromRecord: Spec {
    /// The operation `record` describes, and its result (`None` if it never returned);
    /// on failure, what was expected (the reader adds the position).
    #[allow(
        clippy::wrong_self_convention,
        reason = "reads a record with the spec's help, not a conversion of the spec"
    )]
    fn from_record(&self, record: &Record<'_>) -> Result<(Self::Op, Option<Self::Ret>), String>;
}

impl FromRecord for Register {
    /// `read` (result: the `:ok`'s value), `write v`, `cas [from to]`.
    fn from_record(&self, r: &Record<'_>) -> Result<(RegisterOp, Option<RegisterRet>), String> {
        match r.f {
            "read" => Ok((
                RegisterOp::Read,
                r.ok.map(|v| RegisterRet::Value(v.clone())),
            )),
            "write" => Ok((
                RegisterOp::Write(r.invoke.clone()),
                r.ok.map(|_| RegisterRet::Ok),
            )),
            "cas" => match r.invoke {
                Value::List(pair) if pair.len() == 2 => Ok((
                    RegisterOp::Cas(pair[0].clone(), pair[1].clone()),
                    r.ok.map(|_| RegisterRet::Ok),
                )),
                other => Err(format!(":value [from to] for a :cas, found {other}")),
            },
            other => Err(format!(
                ":f :read, :write or :cas for a register, found :{other}"
            )),
        }
    }
}

impl FromRecord for KeyValue {
    /// `get` (result: the `:ok`'s value, `nil` read as `""`), `put`, `append`; each with
    /// a `:key`.
    fn from_record(&self, r: &Record<'_>) -> Result<(KvOp, Option<KvRet>), String> {
        let key = match r.key {
            Some(key) => text(key),
            None => return Err(format!("a :key for a key-value :{}", r.f)),
        };
        match r.f {
            "get" => Ok((KvOp::Get { key }, r.ok.map(|v| KvRet::Value(text(v))))),
            "put" => Ok((
                KvOp::Put {
                    key,
                    value: text(r.invoke),
                },
                r.ok.map(|_| KvRet::Ok),
            )),
            "append" => Ok((
                KvOp::Append {
                    key,
                    value: text(r.invoke),
                },
                r.ok.map(|_| KvRet::Ok),
            )),
            other => Err(format!(
                ":f :get, :put or :append for a key-value map, found :{other}"
            )),
        }
    }
}

/// A string's contents, `""` for nil, anything else as written.
fn text(value: &Value) -> String {
    match value {
        Value::Str(s) => s.clone(),
        Value::Nil => String::new(),
        other => other.to_string(),
    }
}
