//! Operations and results, one definition for proptest, quickcheck, cargo-fuzz and the CLI.

use std::fmt;

#[cfg(feature = "arbitrary")]
use arbitrary::{Arbitrary, Unstructured};
#[cfg(feature = "proptest")]
use proptest::prelude::*;

/// One operation on a key-value store with byte-string keys and `u64` values: the plain
/// put / get / remove, and two atomic read-modify-writes, compare-and-swap and update.
///
/// `Debug` prints the operation as Rust code, so a failing case can be pasted into a
/// test. Fuzz targets draw operations with `arbitrary` (feature `arbitrary`), property
/// tests with `Op::strategy` (feature `proptest`); both favour a few short keys so that
/// operations collide.
///
/// ```
/// use cowtrie_model::Op;
///
/// assert_eq!(format!("{:?}", Op::put(b"a\xff", 7)), r#"Op::put(b"a\xff", 7)"#);
/// # #[cfg(feature = "arbitrary")]
/// # {
/// use arbitrary::{Arbitrary, Unstructured};
/// let ops: Vec<Op> = Vec::arbitrary(&mut Unstructured::new(&[3, 1, 4, 1, 5, 9, 2, 6])).unwrap();
/// assert!(ops.iter().all(|op| op.key().len() <= 3));
/// # }
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
    /// Set `key` to `to` if it holds `from` (`None`: if it is absent), atomically;
    /// returns [`Ret::Swapped`] (whether it did).
    Cas {
        /// The key.
        key: Vec<u8>,
        /// The value expected, or `None` for an absent key.
        from: Option<u64>,
        /// The value written on a match.
        to: u64,
    },
    /// Set `key` to `value` and return what it held before, atomically (get-and-set);
    /// returns [`Ret::Value`] (the previous value, if any).
    Update {
        /// The key.
        key: Vec<u8>,
        /// The value written.
        value: u64,
    },
    /// Return the value under `key` if there is one; else map `key` to `value` and
    /// return it, atomically (a cache's load on a miss); returns [`Ret::Value`] (always
    /// `Some`).
    GetOrPut {
        /// The key.
        key: Vec<u8>,
        /// The value written if the key is absent.
        value: u64,
    },
}

/// The result of an [`Op`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Ret {
    /// The result of a put.
    Unit,
    /// The result of a get, an update or a get-or-put: the value (before the update; the
    /// one found or put), if any.
    Value(Option<u64>),
    /// The result of a remove: whether the key was present.
    Removed(bool),
    /// The result of a compare-and-swap: whether the key held the expected value (and
    /// now holds the new one).
    Swapped(bool),
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

    /// `Cas { key, from, to }`.
    pub fn cas(key: impl AsRef<[u8]>, from: Option<u64>, to: u64) -> Self {
        Self::Cas {
            key: key.as_ref().to_vec(),
            from,
            to,
        }
    }

    /// `Update { key, value }`.
    pub fn update(key: impl AsRef<[u8]>, value: u64) -> Self {
        Self::Update {
            key: key.as_ref().to_vec(),
            value,
        }
    }

    /// `GetOrPut { key, value }`.
    pub fn get_or_put(key: impl AsRef<[u8]>, value: u64) -> Self {
        Self::GetOrPut {
            key: key.as_ref().to_vec(),
            value,
        }
    }

    /// The key the operation acts on.
    pub fn key(&self) -> &[u8] {
        match self {
            Self::Put { key, .. }
            | Self::Get { key }
            | Self::Remove { key }
            | Self::Cas { key, .. }
            | Self::Update { key, .. }
            | Self::GetOrPut { key, .. } => key,
        }
    }

    /// The value the operation writes, if it writes one (a put, an update, a cas that
    /// succeeds, a get-or-put that finds the key absent).
    pub fn written(&self) -> Option<u64> {
        match self {
            Self::Put { value, .. } | Self::Update { value, .. } | Self::GetOrPut { value, .. } => {
                Some(*value)
            }
            Self::Cas { to, .. } => Some(*to),
            Self::Get { .. } | Self::Remove { .. } => None,
        }
    }

    /// The value the operation wrote, given its `result` (`None`: it never returned, so
    /// it may have): a put's or an update's, a cas's unless it failed, a get-or-put's
    /// unless it returned another value (it found one).
    pub fn written_with(&self, result: Option<Ret>) -> Option<u64> {
        match (self, result) {
            (Self::Cas { .. }, Some(Ret::Swapped(false))) => None,
            (Self::GetOrPut { value, .. }, Some(Ret::Value(seen))) if seen != Some(*value) => None,
            _ => self.written(),
        }
    }

    /// The value a read saw, given its `result`: a get's or an update's (the value it
    /// replaced), a get-or-put's when it found one (not its own value, which it wrote).
    pub fn read_with(&self, result: Option<Ret>) -> Option<Option<u64>> {
        match (self, result?) {
            (Self::Get { .. } | Self::Update { .. }, Ret::Value(seen)) => Some(seen),
            (Self::GetOrPut { value, .. }, Ret::Value(Some(seen))) if seen != *value => {
                Some(Some(seen))
            }
            _ => None,
        }
    }

    /// A proptest strategy: keys of 0–3 bytes over a 3-letter alphabet (so keys collide,
    /// nest and include the empty key), any value, puts and gets twice as likely as
    /// removes, cas, updates and get-or-puts. A cas expects absence or one of the values 1–3, the
    /// first values [`with_unique_values`](Self::with_unique_values) hands out, so some
    /// succeed.
    #[cfg(feature = "proptest")]
    pub fn strategy() -> impl Strategy<Value = Op> {
        let key = proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(0xff)], 0..4);
        let from = prop_oneof![Just(None), (1..4u64).prop_map(Some)];
        prop_oneof![
            2 => (key.clone(), any::<u64>()).prop_map(|(key, value)| Op::Put { key, value }),
            2 => key.clone().prop_map(|key| Op::Get { key }),
            1 => key.clone().prop_map(|key| Op::Remove { key }),
            1 => (key.clone(), from, any::<u64>()).prop_map(|(key, from, to)| Op::Cas { key, from, to }),
            1 => (key.clone(), any::<u64>()).prop_map(|(key, value)| Op::Update { key, value }),
            1 => (key, any::<u64>()).prop_map(|(key, value)| Op::GetOrPut { key, value }),
        ]
    }

    /// Renumbers the values written (by puts, updates and cas) `1, 2, 3, ...` in order,
    /// so each write writes a value no other writes (the checker is fastest, and its
    /// explanations clearest, that way). The value a cas expects is kept.
    pub fn with_unique_values(ops: impl IntoIterator<Item = Op>) -> Vec<Op> {
        let mut next = 0;
        let mut fresh = || {
            next += 1;
            next
        };
        ops.into_iter()
            .map(|op| match op {
                Op::Put { key, .. } => Op::Put {
                    key,
                    value: fresh(),
                },
                Op::Update { key, .. } => Op::Update {
                    key,
                    value: fresh(),
                },
                Op::Cas { key, from, .. } => Op::Cas {
                    key,
                    from,
                    to: fresh(),
                },
                Op::GetOrPut { key, .. } => Op::GetOrPut {
                    key,
                    value: fresh(),
                },
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
            Self::Cas { key: k, from, to } => write!(f, "Op::cas({}, {from:?}, {to})", key(k)),
            Self::Update { key: k, value } => write!(f, "Op::update({}, {value})", key(k)),
            Self::GetOrPut { key: k, value } => write!(f, "Op::get_or_put({}, {value})", key(k)),
        }
    }
}

impl fmt::Display for Op {
    /// Short form for timelines and explanations: `put(7)`, `get`, `remove`,
    /// `cas(None, 7)`, `cas(3, 7)`, `update(7)`, `get_or_put(7)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Put { value, .. } => write!(f, "put({value})"),
            Self::Get { .. } => write!(f, "get"),
            Self::Remove { .. } => write!(f, "remove"),
            Self::Cas {
                from: Some(from),
                to,
                ..
            } => write!(f, "cas({from}, {to})"),
            Self::Cas { from: None, to, .. } => write!(f, "cas(None, {to})"),
            Self::Update { value, .. } => write!(f, "update({value})"),
            Self::GetOrPut { value, .. } => write!(f, "get_or_put({value})"),
        }
    }
}

impl fmt::Display for Ret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unit => write!(f, "()"),
            Self::Value(Some(v)) => write!(f, "{v}"),
            Self::Value(None) => write!(f, "None"),
            Self::Removed(present) | Self::Swapped(present) => write!(f, "{present}"),
        }
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> Arbitrary<'a> for Op {
    /// Keys of 0–3 bytes over a 4-letter alphabet, so fuzzed sequences hit the same keys;
    /// a cas expects absence or a value 0–3, the values most likely written (a fuzzer's
    /// bytes run out as zeros, and it learns small numbers fast).
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let len = u.int_in_range(0..=3)?;
        let key = (0..len)
            .map(|_| Ok(*u.choose(b"ab\x00\xff")?))
            .collect::<arbitrary::Result<Vec<u8>>>()?;
        Ok(match u.int_in_range(0..=7)? {
            0 | 1 => Op::Put {
                key,
                value: u.arbitrary()?,
            },
            2 | 3 => Op::Get { key },
            4 => Op::Remove { key },
            5 => Op::Cas {
                key,
                from: match u.int_in_range(0..=4)? {
                    4 => None,
                    v => Some(v),
                },
                to: u.arbitrary()?,
            },
            6 => Op::Update {
                key,
                value: u.arbitrary()?,
            },
            _ => Op::GetOrPut {
                key,
                value: u.arbitrary()?,
            },
        })
    }
}
