//! The stream type: entries ordered by ID in a B-tree, plus the bookkeeping Redis keeps
//! beside its radix tree of listpacks (last and first ID, the largest deleted ID, how many
//! entries were ever added). Redis trims approximately by whole listpack nodes, so the
//! node boundaries an append would have made are tracked too (`nodes`): `XADD ... MAXLEN ~`
//! and `XTRIM ... ~` then remove the same entries redis-server would.
//!
//! Consumer groups (`groups`, by name in byte order as Redis's radix tree keeps them) hold
//! the last delivered ID, the logical read counter, the pending entries list (PEL) and the
//! consumers; each pending entry names its owner and each consumer lists the IDs it owns,
//! the two views Redis keeps of one NACK.

use std::collections::{BTreeMap, BTreeSet};

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

/// A delivered but not yet acknowledged entry (Redis's `streamNACK`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nack {
    pub consumer: Bytes,
    /// Unix ms of the last delivery.
    pub delivery_time: u64,
    pub delivery_count: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Consumer {
    /// Unix ms the consumer was last seen (read or claimed).
    pub seen_time: u64,
    /// The IDs of the group's PEL this consumer owns.
    pub pel: BTreeSet<StreamId>,
}

/// `entries_read` when the group's read counter is unknown (Redis's
/// `SCG_INVALID_ENTRIES_READ`).
pub const ENTRIES_READ_UNKNOWN: i64 = -1;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub last_id: StreamId,
    pub entries_read: i64,
    pub pel: BTreeMap<StreamId, Nack>,
    pub consumers: BTreeMap<Bytes, Consumer>,
}

impl Group {
    pub fn new(last_id: StreamId, entries_read: i64) -> Group {
        Group {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// Removes a pending entry from the group and its owner; returns whether it was there.
    pub fn ack(&mut self, id: StreamId) -> bool {
        let Some(nack) = self.pel.remove(&id) else {
            return false;
        };
        if let Some(c) = self.consumers.get_mut(&nack.consumer) {
            c.pel.remove(&id);
        }
        true
    }

    /// Gives pending entry `id` to `consumer`, which must exist; a new entry starts as
    /// delivered once at `now` (as Redis's `streamCreateNACK`). Returns the entry.
    pub fn assign(&mut self, id: StreamId, consumer: &Bytes, now: u64) -> &mut Nack {
        let previous = self.pel.get(&id).map(|n| n.consumer.clone());
        if let Some(prev) = previous.filter(|p| p != consumer) {
            if let Some(c) = self.consumers.get_mut(&prev) {
                c.pel.remove(&id);
            }
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
        let nack = self.pel.entry(id).or_insert_with(|| Nack {
            consumer: consumer.clone(),
            delivery_time: now,
            delivery_count: 1,
        });
        nack.consumer = consumer.clone();
        nack
    }

    /// Deletes a consumer and its pending entries; returns how many it had.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let c = self.consumers.remove(name)?;
        for id in &c.pel {
            self.pel.remove(id);
        }
        Some(c.pel.len())
    }
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
    pub groups: BTreeMap<Bytes, Group>,
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

    /// The last live entry's ID, 0-0 when empty (Redis's `streamLastValidID`).
    pub fn last_valid_id(&self) -> StreamId {
        self.entries
            .keys()
            .next_back()
            .copied()
            .unwrap_or(StreamId::MIN)
    }

    /// Whether `start..=end` may hold a deleted entry (Redis's `streamRangeHasTombstones`).
    pub fn has_tombstones(&self, start: StreamId, end: StreamId) -> bool {
        if self.is_empty() || self.max_deleted == StreamId::MIN {
            return false;
        }
        if self.first_id() > self.max_deleted {
            return false;
        }
        start <= self.max_deleted && self.max_deleted <= end
    }

    /// The logical read counter of `id`, where it can be told (Redis's
    /// `streamEstimateDistanceFromFirstEverEntry`), else `ENTRIES_READ_UNKNOWN`.
    pub fn estimate_entries_read(&self, id: StreamId) -> i64 {
        let added = self.entries_added as i64;
        if self.entries_added == 0 {
            return 0;
        }
        if self.is_empty() && id <= self.last_id {
            return added;
        }
        if id == self.last_id {
            return added;
        }
        if id > self.last_id {
            return ENTRIES_READ_UNKNOWN;
        }
        let first = self.first_id();
        if self.max_deleted == StreamId::MIN || self.max_deleted < first {
            if id < first {
                return added.wrapping_sub(self.len() as i64);
            } else if id == first {
                return added.wrapping_sub(self.len() as i64).wrapping_add(1);
            }
        }
        ENTRIES_READ_UNKNOWN
    }

    /// How many entries the group has yet to be delivered, where it can be told.
    pub fn lag(&self, g: &Group) -> Option<i64> {
        let added = self.entries_added as i64;
        if self.entries_added == 0 {
            return Some(0);
        }
        if g.entries_read != ENTRIES_READ_UNKNOWN && !self.has_tombstones(g.last_id, StreamId::MAX)
        {
            return Some(added.wrapping_sub(g.entries_read));
        }
        let read = self.estimate_entries_read(g.last_id);
        (read != ENTRIES_READ_UNKNOWN).then(|| added.wrapping_sub(read))
    }

    /// Moves a group's last delivered ID to `id` (an entry being delivered past it),
    /// keeping its read counter as Redis does.
    pub fn advance_group(&mut self, name: &[u8], id: StreamId) {
        let tombstones = self.has_tombstones(id, StreamId::MAX);
        let estimate = self.estimate_entries_read(id);
        let added = self.entries_added;
        let Some(g) = self.groups.get_mut(name) else {
            return;
        };
        if g.entries_read != ENTRIES_READ_UNKNOWN && !tombstones {
            // Counters from a file or XSETID may be anything; Redis's wrap.
            g.entries_read = g.entries_read.wrapping_add(1);
        } else if added > 0 {
            g.entries_read = estimate;
        }
        g.last_id = id;
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
        self.entries_added = self.entries_added.wrapping_add(1);
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
            + self
                .groups
                .iter()
                .map(|(n, g)| {
                    128 + n.len()
                        + g.pel.len() * 64
                        + g.consumers.keys().map(|c| 64 + c.len()).sum::<usize>()
                })
                .sum::<usize>()
    }
}
