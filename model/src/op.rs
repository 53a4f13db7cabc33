//! Operations and results, one definition for proptest, quickcheck, cargo-fuzz and the CLI.

use std::fmt;

use arbitrary::{Arbitrary, Unstructured};
use proptest::prelude::*;

/// One operation on a key-value store with byte-string keys and `u64` values.
///
/// `Debug` prints the operation as Rust code, so a failing case can be pasted into a
/// test. Fuzz targets draw operations with [`arbitrary`], property tests with
/// [`Op::strategy`]; both favour a few short keys so that operations collide.
///
/// ```
/// use arbitrary::{Arbitrary, Unstructured};
/// use cowtrie_model::Op;
///
/// assert_eq!(format!("{:?}", Op::put(b"a\xff", 7)), r#"Op::put(b"a\xff", 7)"#);
/// let ops: Vec<Op> = Vec::arbitrary(&mut Unstructured::new(&[3, 1, 4, 1, 5, 9, 2, 6])).unwrap();
/// assert!(ops.iter().all(|op| op.key().len() <= 3));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Op {
    /// Map `key` to `value`; returns [`Ret::Unit`].
    Put {
        /// The key.
        key: Vec<u8>,
        /// The value.
        value: u64,
    },
    /// Read `key`; returns [`Ret::Value`].
    Get {
        /// The key.
        key: Vec<u8>,
    },
    /// Remove `key`; returns [`Ret::Removed`] (whether it was present).
    Remove {
        /// The key.
        key: Vec<u8>,
    },
}

/// The result of an [`Op`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Ret {
    /// The result of a put.
    Unit,
    /// The result of a get: the value, if any.
    Value(Option<u64>),
    /// The result of a remove: whether the key was present.
    Removed(bool),
}

impl Op {
    /// `Put { key, value }`.
    pub fn put(key: impl AsRef<[u8]>, value: u64) -> Self {
        Self::Put {
            key: key.as_ref().to_vec(),
            value,
        }
    }

    /// `Get { key }`.
    pub fn get(key: impl AsRef<[u8]>) -> Self {
        Self::Get {
            key: key.as_ref().to_vec(),
        }
    }

    /// `Remove { key }`.
    pub fn remove(key: impl AsRef<[u8]>) -> Self {
        Self::Remove {
            key: key.as_ref().to_vec(),
        }
    }

    /// The key the operation acts on.
    pub fn key(&self) -> &[u8] {
        match self {
            Self::Put { key, .. } | Self::Get { key } | Self::Remove { key } => key,
        }
    }

    /// A proptest strategy: keys of 0–3 bytes over a 3-letter alphabet (so keys collide,
    /// nest and include the empty key), any value, puts and gets twice as likely as removes.
    pub fn strategy() -> impl Strategy<Value = Op> {
        let key = proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(0xff)], 0..4);
        prop_oneof![
            2 => (key.clone(), any::<u64>()).prop_map(|(key, value)| Op::Put { key, value }),
            2 => key.clone().prop_map(|key| Op::Get { key }),
            1 => key.prop_map(|key| Op::Remove { key }),
        ]
    }

    /// Renumbers put values `1, 2, 3, ...` in order, so each put writes a value no other
    /// put writes (the checker is fastest, and its explanations clearest, that way).
    pub fn with_unique_values(ops: impl IntoIterator<Item = Op>) -> Vec<Op> {
        let mut next = 0;
        ops.into_iter()
            .map(|op| match op {
                Op::Put { key, .. } => {
                    next += 1;
                    Op::Put { key, value: next }
                }
                other => other,
            })
            .collect()
    }
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = |key: &[u8]| format!("b\"{}\"", key.escape_ascii());
        match self {
            Self::Put { key: k, value } => write!(f, "Op::put({}, {value})", key(k)),
            Self::Get { key: k } => write!(f, "Op::get({})", key(k)),
            Self::Remove { key: k } => write!(f, "Op::remove({})", key(k)),
        }
    }
}

impl fmt::Display for Op {
    /// Short form for timelines and explanations: `put(7)`, `get`, `remove`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Put { value, .. } => write!(f, "put({value})"),
            Self::Get { .. } => write!(f, "get"),
            Self::Remove { .. } => write!(f, "remove"),
        }
    }
}

impl fmt::Display for Ret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unit => write!(f, "()"),
            Self::Value(Some(v)) => write!(f, "{v}"),
            Self::Value(None) => write!(f, "None"),
            Self::Removed(present) => write!(f, "{present}"),
        }
    }
}

impl<'a> Arbitrary<'a> for Op {
    /// Keys of 0–3 bytes over a 4-letter alphabet, so fuzzed sequences hit the same keys.
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let len = u.int_in_range(0..=3)?;
        let key = (0..len)
            .map(|_| Ok(*u.choose(b"ab\x00\xff")?))
            .collect::<arbitrary::Result<Vec<u8>>>()?;
        Ok(match u.int_in_range(0..=4)? {
            0 | 1 => Op::Put {
                key,
                value: u.arbitrary()?,
            },
            2 | 3 => Op::Get { key },
            _ => Op::Remove { key },
        })
    }
}
