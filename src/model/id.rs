//! A node's id (its "name" on the bus): 40 lowercase hex characters, as Redis and Valkey
//! generate them. Checked once where it is read, so that code using one can print its
//! short form or compare it without checking again (and without slicing text that came
//! from the network).

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::sync::Arc;

/// The length of a node id.
pub const ID_LEN: usize = 40;

/// How many characters of an id tables and messages show.
const SHORT_LEN: usize = 8;

/// Shared text: the ids of one cluster's views are interned when parsed
/// ([`crate::model::ViewInterner`]), so the many copies of an id (one per view that lists
/// it) are one allocation and compare equal by pointer before any byte is read.
#[derive(Clone)]
pub struct NodeId(Arc<str>);

impl PartialEq for NodeId {
    fn eq(&self, other: &NodeId) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl Eq for NodeId {}

impl Ord for NodeId {
    fn cmp(&self, other: &NodeId) -> std::cmp::Ordering {
        if Arc::ptr_eq(&self.0, &other.0) {
            return std::cmp::Ordering::Equal;
        }
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for NodeId {
    fn partial_cmp(&self, other: &NodeId) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// As `str` hashes, so that maps keyed by ids can be searched with `&str` (`Borrow`).
impl Hash for NodeId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl NodeId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A random id; `digit` returns values below 16.
    pub fn random(mut digit: impl FnMut() -> u8) -> NodeId {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let text: String = (0..ID_LEN)
            .map(|_| HEX[usize::from(digit() & 15)] as char)
            .collect();
        NodeId(text.into())
    }

    /// The first 8 characters, as tables and messages show an id.
    pub fn short(&self) -> &str {
        &self.0[..SHORT_LEN]
    }
}

/// The short form of `text` when it is an id, else `text` itself: for naming a node whose
/// id came from somewhere that was not checked.
pub fn short(text: &str) -> &str {
    if is_node_id(text) {
        &text[..SHORT_LEN]
    } else {
        text
    }
}

/// Whether `text` is 40 lowercase hex characters.
pub fn is_node_id(text: &str) -> bool {
    text.len() == ID_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl FromStr for NodeId {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if is_node_id(text) {
            Ok(NodeId(text.into()))
        } else {
            Err(format!(
                "invalid node id '{}': expected {ID_LEN} hex characters",
                text.escape_debug()
            ))
        }
    }
}

impl TryFrom<&[u8]> for NodeId {
    type Error = String;

    fn try_from(bytes: &[u8]) -> Result<Self, String> {
        match std::str::from_utf8(bytes) {
            Ok(text) => text.parse(),
            Err(_) => Err(format!(
                "invalid node id '{}': expected {ID_LEN} hex characters",
                String::from_utf8_lossy(bytes).escape_debug()
            )),
        }
    }
}

impl std::ops::Deref for NodeId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for NodeId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for NodeId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for NodeId {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for NodeId {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for NodeId {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<NodeId> for String {
    fn eq(&self, other: &NodeId) -> bool {
        **self == *other.0
    }
}

impl PartialEq<NodeId> for str {
    fn eq(&self, other: &NodeId) -> bool {
        *self == *other.0
    }
}

impl PartialEq<NodeId> for &str {
    fn eq(&self, other: &NodeId) -> bool {
        **self == *other.0
    }
}

impl From<NodeId> for String {
    fn from(id: NodeId) -> String {
        id.0.as_ref().to_owned()
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl serde::Serialize for NodeId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca";

    #[test]
    fn parses_forty_hex_characters_only() {
        let id: NodeId = ID.parse().unwrap();
        assert_eq!(id.short(), "e7d1eecc");
        assert_eq!(id, ID);
        assert_eq!(id.to_string(), ID);
        let wide = "é".repeat(20);
        for bad in [
            "",
            "e7d1eecc",
            &ID[..39],
            &format!("{ID}0"),
            &ID.to_uppercase(),
            "g7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca",
            // 40 bytes, not ASCII: slicing it at 9 would split a character.
            &wide,
        ] {
            assert!(bad.parse::<NodeId>().is_err(), "{bad:?}");
            assert_eq!(short(bad), bad);
        }
        assert!(NodeId::try_from(&b"\xff"[..]).is_err());
        assert_eq!(short(ID), "e7d1eecc");
    }
}
