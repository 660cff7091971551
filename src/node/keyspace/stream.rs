//! The stream type: entries ordered by ID in a B-tree, plus the bookkeeping Redis keeps
//! beside its radix tree of listpacks (last and first ID, the largest deleted ID, how many
//! entries were ever added). Redis trims approximately by whole listpack nodes, so the
//! node boundaries an append would have made are tracked too (`nodes`): `XADD ... MAXLEN ~`
//! and `XTRIM ... ~` then remove the same entries redis-server would.

use std::collections::BTreeMap;

use bytes::Bytes;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    pub fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The next ID, `None` past the largest.
    pub fn next(self) -> Option<StreamId> {
        if self.seq < u64::MAX {
            Some(StreamId::new(self.ms, self.seq + 1))
        } else if self.ms < u64::MAX {
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            None
        }
    }

    /// The previous ID, `None` before 0-0.
    pub fn prev(self) -> Option<StreamId> {
        if self.seq > 0 {
            Some(StreamId::new(self.ms, self.seq - 1))
        } else if self.ms > 0 {
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            None
        }
    }

    pub fn text(self) -> Bytes {
        Bytes::from(format!("{}-{}", self.ms, self.seq))
    }
}

/// A listpack node as Redis would have filled it: its first ID, entries appended to it
/// (deleted ones included, as the node's master entry counts them), entries still live,
/// and an estimate of its bytes (for `stream-node-max-bytes`).
#[derive(Clone, Debug)]
pub struct Node {
    pub appended: u64,
    pub live: u64,
    pub bytes: u64,
}

#[derive(Clone, Default)]
pub struct Stream {
    /// ID -> field, value, field, value...
    pub entries: BTreeMap<StreamId, Vec<Bytes>>,
    /// Node first ID -> node.
    pub nodes: BTreeMap<StreamId, Node>,
    pub last_id: StreamId,
    pub max_deleted: StreamId,
    pub entries_added: u64,
}

/// How a trim is bounded.
#[derive(Clone, Copy, Debug)]
pub enum Trim {
    MaxLen(u64),
    MinId(StreamId),
}

impl Stream {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn first_id(&self) -> StreamId {
        self.entries.keys().next().copied().unwrap_or(StreamId::MIN)
    }

    /// Appends an entry whose ID the caller checked is above `last_id`.
    pub fn append(&mut self, id: StreamId, fields: Vec<Bytes>, node_max: (u64, u64)) {
        let (max_entries, max_bytes) = node_max;
        let size: u64 = fields.iter().map(|f| f.len() as u64 + 2).sum::<u64>() + 8;
        let fits = self.nodes.iter_mut().next_back().filter(|(_, n)| {
            (max_entries == 0 || n.appended < max_entries)
                && (max_bytes == 0 || n.bytes + size < max_bytes)
        });
        match fits {
            Some((_, n)) => {
                n.appended += 1;
                n.live += 1;
                n.bytes += size;
            }
            None => {
                self.nodes.insert(
                    id,
                    Node {
                        appended: 1,
                        live: 1,
                        bytes: size + 16,
                    },
                );
            }
        }
        self.entries.insert(id, fields);
        self.last_id = id;
        self.entries_added += 1;
    }

    fn node_of(&mut self, id: StreamId) -> Option<(StreamId, &mut Node)> {
        self.nodes
            .range_mut(..=id)
            .next_back()
            .map(|(k, n)| (*k, n))
    }

    /// Removes one entry (XDEL); returns whether it existed.
    pub fn delete(&mut self, id: StreamId) -> bool {
        if self.entries.remove(&id).is_none() {
            return false;
        }
        if let Some((start, node)) = self.node_of(id) {
            node.live -= 1;
            if node.live == 0 {
                self.nodes.remove(&start);
            }
        }
        if id > self.max_deleted {
            self.max_deleted = id;
        }
        true
    }

    /// Trims as Redis's `streamTrim`: whole nodes from the head while they may all go,
    /// then (unless `approx`) single entries. `limit` bounds the entries removed (0: no
    /// bound). Returns how many were removed.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let mut removed = 0u64;
        while let Some((&start, node)) = self.nodes.iter().next() {
            let live = node.live;
            let done = match how {
                Trim::MaxLen(max) => self.entries.len() as u64 <= max,
                Trim::MinId(min) => self.first_id() >= min,
            };
            if done {
                break;
            }
            if limit > 0 && removed + live > limit {
                break;
            }
            let next_start = self.nodes.range(start..).nth(1).map(|(k, _)| *k);
            let whole = match how {
                Trim::MaxLen(max) => self.entries.len() as u64 - live >= max,
                Trim::MinId(min) => {
                    let last = match next_start {
                        Some(n) => self.entries.range(..n).next_back().map(|(k, _)| *k),
                        None => self.entries.keys().next_back().copied(),
                    };
                    last.is_some_and(|l| l < min)
                }
            };
            if whole {
                let ids: Vec<StreamId> = match next_start {
                    Some(n) => self.entries.range(start..n).map(|(k, _)| *k).collect(),
                    None => self.entries.range(start..).map(|(k, _)| *k).collect(),
                };
                for id in ids {
                    self.entries.remove(&id);
                }
                self.nodes.remove(&start);
                removed += live;
                continue;
            }
            if approx {
                break;
            }
            // Entry by entry inside this node.
            let ids: Vec<StreamId> = match next_start {
                Some(n) => self.entries.range(start..n).map(|(k, _)| *k).collect(),
                None => self.entries.range(start..).map(|(k, _)| *k).collect(),
            };
            for id in ids {
                let stop = match how {
                    Trim::MaxLen(max) => self.entries.len() as u64 <= max,
                    Trim::MinId(min) => id >= min,
                };
                if stop {
                    break;
                }
                self.entries.remove(&id);
                removed += 1;
                if let Some(n) = self.nodes.get_mut(&start) {
                    n.live -= 1;
                }
            }
            if self.nodes.get(&start).is_some_and(|n| n.live == 0) {
                self.nodes.remove(&start);
            }
            break;
        }
        removed
    }

    /// Bytes the stream holds, for MEMORY USAGE.
    pub fn usage(&self) -> usize {
        96 + self
            .entries
            .values()
            .map(|f| 48 + f.iter().map(|b| 32 + b.len()).sum::<usize>())
            .sum::<usize>()
            + self.nodes.len() * 64
    }
}
