//! [`Encode`] and [`Decode`]: how values become log and snapshot bytes.

use std::fmt;

/// Writes a value as bytes. The bytes are framed by the file format, so an encoding
/// need not record its own length.
pub trait Encode {
    /// Appends the value's bytes to `out`.
    fn encode(&self, out: &mut Vec<u8>);
}

/// Reads a value back from exactly the bytes [`Encode`] wrote.
pub trait Decode: Sized {
    /// The value `bytes` encode, or why they do not encode one.
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError>;
}

/// Bytes that do not encode a value of the expected type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

impl Encode for Vec<u8> {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
}

impl Decode for Vec<u8> {
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Ok(bytes.to_vec())
    }
}

impl Encode for Box<[u8]> {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
}

impl Decode for Box<[u8]> {
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Ok(bytes.into())
    }
}

impl Encode for String {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
}

impl Decode for String {
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        String::from_utf8(bytes.to_vec()).map_err(|e| DecodeError(e.to_string()))
    }
}

impl Encode for u64 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl Decode for u64 {
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let bytes: [u8; 8] = bytes
            .try_into()
            .map_err(|_| DecodeError(format!("a u64 takes 8 bytes, not {}", bytes.len())))?;
        Ok(u64::from_le_bytes(bytes))
    }
}

/// Any serde value, stored as its [postcard](https://docs.rs/postcard) encoding.
///
/// ```
/// use cowtrie::durable::{Decode, Encode, Postcard};
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct User { name: String, age: u32 }
///
/// let mut bytes = Vec::new();
/// Postcard(User { name: "ada".into(), age: 36 }).encode(&mut bytes);
/// let back = Postcard::<User>::decode(&bytes).unwrap();
/// assert_eq!(back.0, User { name: "ada".into(), age: 36 });
/// ```
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Postcard<T>(pub T);

#[cfg(feature = "serde")]
impl<T: serde::Serialize> Encode for Postcard<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        // Serialising into a growable vector fails only for types serde cannot express
        // (a map with non-serialisable keys and the like): a programming error.
        let bytes = postcard::to_allocvec(&self.0).expect("postcard serialises the value");
        out.extend_from_slice(&bytes);
    }
}

#[cfg(feature = "serde")]
impl<T: serde::de::DeserializeOwned> Decode for Postcard<T> {
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        postcard::from_bytes(bytes)
            .map(Postcard)
            .map_err(|e| DecodeError(e.to_string()))
    }
}
