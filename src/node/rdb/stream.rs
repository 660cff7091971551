//! Streams in RDB (`RDB_TYPE_STREAM_LISTPACKS_2`, as redis-server 7.0 writes them): one
//! listpack per node of the stream, keyed by the node's first ID, each holding a master
//! entry (live count, deleted count, the master field names) and then the entries as
//! deltas from that ID; after the nodes, the length, last ID, first ID, largest deleted
//! ID, entries added, and the consumer groups.

use bytes::Bytes;

use super::{write_len, write_string, BadPayload, Res};
use crate::node::keyspace::{Stream, StreamId};

pub const STREAM_LISTPACKS: u8 = 15;
pub const STREAM_LISTPACKS_2: u8 = 19;
/// Redis 7.2's layout; it differs from _2 only in the consumers (their active time).
pub const STREAM_LISTPACKS_3: u8 = 21;

const FLAG_DELETED: i64 = 1;
const FLAG_SAMEFIELDS: i64 = 2;

/// A listpack being built: its entries, encoded.
#[derive(Default)]
struct Listpack {
    body: Vec<u8>,
    count: usize,
}

impl Listpack {
    fn backlen(out: &mut Vec<u8>, len: usize) {
        // The entry's length, 7 bits a byte, written so it reads right to left.
        let mut groups = vec![(len & 127) as u8];
        let mut rest = len >> 7;
        while rest > 0 {
            groups.push((rest & 127) as u8 | 128);
            rest >>= 7;
        }
        // groups[0] is the low 7 bits; it must come last, the highest-order first.
        groups.reverse();
        for (i, g) in groups.iter().enumerate() {
            // Every byte after the first written carries the continuation bit.
            out.push(if i == 0 { *g & 127 } else { *g | 128 });
        }
    }

    fn push_encoded(&mut self, entry: &[u8]) {
        self.body.extend_from_slice(entry);
        Self::backlen(&mut self.body, entry.len());
        self.count += 1;
    }

    fn int(&mut self, v: i64) {
        let mut e = Vec::with_capacity(9);
        if (0..=127).contains(&v) {
            e.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = (v as u64) & 0x1fff;
            e.push(0xc0 | (u >> 8) as u8);
            e.push(u as u8);
        } else if (-32768..=32767).contains(&v) {
            e.push(0xf1);
            e.extend_from_slice(&(v as i16).to_le_bytes());
        } else if (-(1 << 23)..(1 << 23)).contains(&v) {
            e.push(0xf2);
            e.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
            e.push(0xf3);
            e.extend_from_slice(&(v as i32).to_le_bytes());
        } else {
            e.push(0xf4);
            e.extend_from_slice(&v.to_le_bytes());
        }
        self.push_encoded(&e);
    }

    fn string(&mut self, s: &[u8]) {
        let mut e = Vec::with_capacity(s.len() + 5);
        if s.len() < 64 {
            e.push(0x80 | s.len() as u8);
        } else if s.len() < 4096 {
            e.push(0xe0 | (s.len() >> 8) as u8);
            e.push(s.len() as u8);
        } else {
            e.push(0xf0);
            e.extend_from_slice(&(s.len() as u32).to_le_bytes());
        }
        e.extend_from_slice(s);
        self.push_encoded(&e);
    }

    fn finish(self) -> Vec<u8> {
        let total = 6 + self.body.len() + 1;
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&(total as u32).to_le_bytes());
        out.extend_from_slice(&(self.count.min(65535) as u16).to_le_bytes());
        out.extend_from_slice(&self.body);
        out.push(0xff);
        out
    }
}

fn id_key(id: StreamId) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&id.ms.to_be_bytes());
    k[8..].copy_from_slice(&id.seq.to_be_bytes());
    k
}

/// Writes a stream's body; returns the type byte.
pub fn write(out: &mut Vec<u8>, s: &Stream) -> u8 {
    // Nodes as the stream tracks them; entries before the first node's ID (none in
    // practice) would go in a node of their own.
    let mut starts: Vec<StreamId> = s.nodes.keys().copied().collect();
    if let Some((&first, _)) = s.entries.iter().next() {
        if starts.first().is_none_or(|&n| n > first) {
            starts.insert(0, first);
        }
    }
    let mut blobs: Vec<(StreamId, Vec<u8>)> = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let entries: Vec<_> = match starts.get(i + 1) {
            Some(&next) => s.entries.range(start..next).collect(),
            None => s.entries.range(start..).collect(),
        };
        let Some((_, first_fields)) = entries.first() else {
            continue;
        };
        let master: Vec<&Bytes> = first_fields.iter().step_by(2).collect();
        let mut lp = Listpack::default();
        lp.int(entries.len() as i64);
        lp.int(0);
        lp.int(master.len() as i64);
        master.iter().for_each(|f| lp.string(f));
        lp.int(0);
        for (id, fields) in entries {
            let names: Vec<&Bytes> = fields.iter().step_by(2).collect();
            let same = names == master;
            let n = fields.len() / 2;
            lp.int(if same { FLAG_SAMEFIELDS } else { 0 });
            lp.int(id.ms.wrapping_sub(start.ms) as i64);
            lp.int(id.seq.wrapping_sub(start.seq) as i64);
            if same {
                fields.iter().skip(1).step_by(2).for_each(|v| lp.string(v));
                lp.int(n as i64 + 3);
            } else {
                lp.int(n as i64);
                fields.iter().for_each(|f| lp.string(f));
                lp.int(2 * n as i64 + 4);
            }
        }
        blobs.push((start, lp.finish()));
    }
    write_len(out, blobs.len() as u64);
    for (start, lp) in &blobs {
        write_string(out, &id_key(*start));
        write_string(out, lp);
    }
    write_len(out, s.len() as u64);
    write_len(out, s.last_id.ms);
    write_len(out, s.last_id.seq);
    let first = s.first_id();
    write_len(out, first.ms);
    write_len(out, first.seq);
    write_len(out, s.max_deleted.ms);
    write_len(out, s.max_deleted.seq);
    write_len(out, s.entries_added);
    // Consumer groups: name, last ID, read counter (-1 as a 64-bit length when unknown),
    // the PEL with delivery times and counts, then each consumer with its seen time and
    // the IDs it owns (its owner is not stored with a pending entry: the consumers say it).
    write_len(out, s.groups.len() as u64);
    for (name, g) in &s.groups {
        write_string(out, name);
        write_len(out, g.last_id.ms);
        write_len(out, g.last_id.seq);
        write_len(out, g.entries_read as u64);
        write_len(out, g.pel.len() as u64);
        for (id, nack) in &g.pel {
            out.extend_from_slice(&id_key(*id));
            out.extend_from_slice(&nack.delivery_time.to_le_bytes());
            write_len(out, nack.delivery_count);
        }
        write_len(out, g.consumers.len() as u64);
        for (cname, c) in &g.consumers {
            write_string(out, cname);
            out.extend_from_slice(&c.seen_time.to_le_bytes());
            write_len(out, c.pel.len() as u64);
            for id in &c.pel {
                out.extend_from_slice(&id_key(*id));
            }
        }
    }
    STREAM_LISTPACKS_2
}

fn int_of(b: &Bytes) -> Res<i64> {
    std::str::from_utf8(b)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or(BadPayload("Bad data format"))
}

/// The entries of one node's listpack, given its master ID.
pub fn node_entries(
    master: StreamId,
    items: &[Bytes],
    mut each: impl FnMut(StreamId, Vec<Bytes>),
) -> Res<()> {
    let bad = || BadPayload("Bad data format");
    let mut at = 0;
    let mut next = || {
        at += 1;
        items.get(at - 1).cloned().ok_or_else(bad)
    };
    let _count = int_of(&next()?)?;
    let _deleted = int_of(&next()?)?;
    let nmaster = int_of(&next()?)?;
    if nmaster < 0 {
        return Err(bad());
    }
    let mut master_fields = Vec::new();
    for _ in 0..nmaster {
        master_fields.push(next()?);
    }
    next()?; // the master entry's terminator
    while let Ok(flags) = next() {
        let flags = int_of(&flags)?;
        let ms = master.ms.wrapping_add(int_of(&next()?)? as u64);
        let seq = master.seq.wrapping_add(int_of(&next()?)? as u64);
        let mut fields = Vec::new();
        if flags & FLAG_SAMEFIELDS != 0 {
            for f in &master_fields {
                fields.push(f.clone());
                fields.push(next()?);
            }
        } else {
            let n = int_of(&next()?)?;
            if n < 0 {
                return Err(bad());
            }
            for _ in 0..2 * n {
                fields.push(next()?);
            }
        }
        next()?; // lp-count
        if flags & FLAG_DELETED == 0 {
            each(StreamId::new(ms, seq), fields);
        }
    }
    Ok(())
}

pub fn parse_key(k: &[u8]) -> Res<StreamId> {
    if k.len() != 16 {
        return Err(BadPayload("Bad data format"));
    }
    Ok(StreamId::new(
        u64::from_be_bytes(k[..8].try_into().unwrap_or_default()),
        u64::from_be_bytes(k[8..].try_into().unwrap_or_default()),
    ))
}
