//! Values as the keyspace stores them. Every value is 16 bytes, so a table entry (key and
//! value) is 32: strings up to 14 bytes live inside the value itself (no allocation), and
//! everything else sits behind a thin pointer. Longer strings pay a second small
//! allocation (the boxed slice's header) to keep the common small entry compact, which is
//! what memory per key is measured on.

use std::collections::{BTreeSet, VecDeque};

use bytes::Bytes;
use indexmap::{IndexMap, IndexSet};

pub use super::stream::Stream;

pub type Hasher = hashbrown::DefaultHashBuilder;
/// Hash fields and set members keep insertion-indexed storage so that a random member
/// (SPOP, SRANDMEMBER, HRANDFIELD) is O(1).
pub type HashValue = IndexMap<Bytes, Bytes, Hasher>;
pub type SetValue = IndexSet<Bytes, Hasher>;
pub type ListValue = VecDeque<Bytes>;

const INLINE: usize = 14;

pub enum Value {
    /// A string of at most `INLINE` (14) bytes, stored in place.
    Inline(u8, [u8; INLINE]),
    /// Boxed twice so that the variant is one pointer wide.
    Str(Box<Box<[u8]>>),
    Hash(Box<HashValue>),
    List(Box<ListValue>),
    Set(Box<SetValue>),
    ZSet(Box<ZSet>),
    Stream(Box<Stream>),
}

impl Value {
    pub fn string(data: &[u8]) -> Value {
        if data.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..data.len()].copy_from_slice(data);
            Value::Inline(data.len() as u8, buf)
        } else {
            Value::Str(Box::new(data.into()))
        }
    }

    /// The bytes of a string value; `None` for other types.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Inline(len, buf) => Some(&buf[..*len as usize]),
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// What TYPE answers.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Inline(..) | Value::Str(_) => "string",
            Value::Hash(_) => "hash",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// A deep copy (COPY, DEBUG DIGEST-VALUE need none; RENAME moves). Kept for MULTI
    /// snapshots and tests.
    pub fn duplicate(&self) -> Value {
        match self {
            Value::Inline(l, b) => Value::Inline(*l, *b),
            Value::Str(s) => Value::Str(s.clone()),
            Value::Hash(h) => Value::Hash(h.clone()),
            Value::List(l) => Value::List(l.clone()),
            Value::Set(s) => Value::Set(s.clone()),
            Value::ZSet(z) => Value::ZSet(z.clone()),
            Value::Stream(s) => Value::Stream(s.clone()),
        }
    }

    /// Feeds a canonical serialisation to `out`: DEBUG DIGEST-VALUE hashes it, so equal
    /// values give equal digests whatever their insertion order.
    pub fn digest_input(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.type_name().as_bytes());
        let push = |b: &[u8], out: &mut Vec<u8>| {
            out.extend_from_slice(&(b.len() as u64).to_be_bytes());
            out.extend_from_slice(b);
        };
        match self {
            Value::Inline(..) | Value::Str(_) => push(self.as_bytes().unwrap_or(b""), out),
            Value::List(l) => l.iter().for_each(|e| push(e, out)),
            Value::Hash(h) => {
                let mut pairs: Vec<_> = h.iter().collect();
                pairs.sort();
                for (k, v) in pairs {
                    push(k, out);
                    push(v, out);
                }
            }
            Value::Set(s) => {
                let mut members: Vec<_> = s.iter().collect();
                members.sort();
                members.into_iter().for_each(|m| push(m, out));
            }
            Value::ZSet(z) => {
                for (score, member) in &z.by_score {
                    push(member, out);
                    push(&score.0.to_be_bytes(), out);
                }
            }
            Value::Stream(s) => {
                for (id, fields) in &s.entries {
                    push(&id.text(), out);
                    fields.iter().for_each(|f| push(f, out));
                }
                push(&s.last_id.text(), out);
            }
        }
    }
}

/// A float with a total order, for the sorted set's index. Scores are never NaN.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score(pub f64);

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// A sorted set: member -> score, and (score, member) in order like Redis's skiplist.
#[derive(Clone, Default)]
pub struct ZSet {
    pub scores: hashbrown::HashMap<Bytes, f64, Hasher>,
    pub by_score: BTreeSet<(Score, Bytes)>,
}

impl ZSet {
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// Sets a member's score; returns whether the member is new.
    pub fn insert(&mut self, member: Bytes, score: f64) -> bool {
        // -0.0 and 0.0 are one score in Redis; normalise so the index agrees.
        let score = if score == 0.0 { 0.0 } else { score };
        match self.scores.insert(member.clone(), score) {
            Some(old) => {
                if old != score {
                    self.by_score.remove(&(Score(old), member.clone()));
                    self.by_score.insert((Score(score), member));
                }
                false
            }
            None => {
                self.by_score.insert((Score(score), member));
                true
            }
        }
    }

    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self.scores.remove_entry(member) {
            Some((m, score)) => {
                self.by_score.remove(&(Score(score), m));
                true
            }
            None => false,
        }
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.get(member).copied()
    }

    /// The 0-based rank in ascending order.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let score = self.score(member)?;
        Some(
            self.by_score
                .range(..(Score(score), Bytes::copy_from_slice(member)))
                .count(),
        )
    }

    pub fn pop_min(&mut self) -> Option<(Bytes, f64)> {
        let (score, member) = self.by_score.pop_first()?;
        self.scores.remove(&member);
        Some((member, score.0))
    }

    pub fn pop_max(&mut self) -> Option<(Bytes, f64)> {
        let (score, member) = self.by_score.pop_last()?;
        self.scores.remove(&member);
        Some((member, score.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_compact() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
    }

    #[test]
    fn zset_orders_by_score_then_member() {
        let mut z = ZSet::default();
        assert!(z.insert(Bytes::from_static(b"b"), 1.0));
        assert!(z.insert(Bytes::from_static(b"a"), 1.0));
        assert!(z.insert(Bytes::from_static(b"c"), 0.5));
        assert!(!z.insert(Bytes::from_static(b"c"), 2.0));
        assert_eq!(z.rank(b"a"), Some(0));
        assert_eq!(z.rank(b"c"), Some(2));
        assert_eq!(z.pop_min().unwrap().0, &b"a"[..]);
        assert_eq!(z.pop_max().unwrap(), (Bytes::from_static(b"c"), 2.0));
        assert!(z.remove(b"b"));
        assert!(z.is_empty());
    }
}
