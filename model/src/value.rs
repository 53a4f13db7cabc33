//! Values as other tools write them (EDN): what registers hold and histories carry.

use std::fmt;

/// An EDN value. Floats and other exotic scalars keep their text, so equality is
/// textual for them; integers compare by value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// `nil`.
    Nil,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A string, unescaped.
    Str(String),
    /// A keyword, without its colon: `:ok` is `Keyword("ok")`.
    Keyword(String),
    /// A symbol, a float, a big number or a character, as written.
    Other(String),
    /// A vector `[..]` or list `(..)`.
    List(Vec<Value>),
    /// A set `#{..}`, in the order written.
    Set(Vec<Value>),
    /// A map `{..}`, in the order written.
    Map(Vec<(Value, Value)>),
    /// A tagged literal `#tag value`.
    Tagged(String, Box<Value>),
}

impl Value {
    /// Bytes this value holds on the heap (its strings' and vectors' capacities, nested
    /// values included), for the checker's memory budget.
    pub fn heap_bytes(&self) -> usize {
        let size = std::mem::size_of::<Value>();
        match self {
            Value::Nil | Value::Bool(_) | Value::Int(_) => 0,
            Value::Str(s) | Value::Keyword(s) | Value::Other(s) => s.capacity(),
            Value::List(items) | Value::Set(items) => {
                items.capacity() * size + items.iter().map(Value::heap_bytes).sum::<usize>()
            }
            Value::Map(entries) => {
                entries.capacity() * 2 * size
                    + entries
                        .iter()
                        .map(|(k, v)| k.heap_bytes() + v.heap_bytes())
                        .sum::<usize>()
            }
            Value::Tagged(tag, value) => tag.capacity() + size + value.heap_bytes(),
        }
    }

    /// The value under keyword `key`, if this is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(k, Value::Keyword(name) if name == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seq = |f: &mut fmt::Formatter<'_>, items: &[Value]| -> fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, " ")?;
                }
                write!(f, "{item}")?;
            }
            Ok(())
        };
        match self {
            Value::Nil => write!(f, "nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Keyword(k) => write!(f, ":{k}"),
            Value::Other(o) => write!(f, "{o}"),
            Value::List(items) => {
                write!(f, "[")?;
                seq(f, items)?;
                write!(f, "]")
            }
            Value::Set(items) => {
                write!(f, "#{{")?;
                seq(f, items)?;
                write!(f, "}}")
            }
            Value::Map(entries) => {
                write!(f, "{{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k} {v}")?;
                }
                write!(f, "}}")
            }
            Value::Tagged(tag, value) => write!(f, "#{tag} {value}"),
        }
    }
}
