//! The replication backlog: the last bytes of the replication stream, so that a replica
//! that lost its link for a moment continues from its offset (`+CONTINUE`) instead of
//! loading a whole snapshot again. Offsets count stream bytes from 1, as Redis's do.

use std::collections::VecDeque;

/// Redis's default `repl-backlog-size`.
pub const DEFAULT_SIZE: usize = 1 << 20;

pub struct Backlog {
    buf: VecDeque<u8>,
    size: usize,
}

impl Backlog {
    pub fn new(size: usize) -> Backlog {
        Backlog {
            buf: VecDeque::with_capacity(size.min(64 * 1024)),
            size,
        }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    pub fn histlen(&self) -> usize {
        self.buf.len()
    }

    /// A new size; the oldest bytes beyond it are forgotten.
    pub fn resize(&mut self, size: usize) {
        self.size = size;
        if self.buf.len() > size {
            let excess = self.buf.len() - size;
            self.buf.drain(..excess);
        }
    }

    /// Appends stream bytes, forgetting the oldest beyond the backlog's size.
    pub fn append(&mut self, data: &[u8]) {
        self.buf.extend(data);
        if self.buf.len() > self.size {
            let excess = self.buf.len() - self.size;
            self.buf.drain(..excess);
        }
    }

    /// The offset of the oldest byte held, given the stream's current offset.
    pub fn first_offset(&self, offset: u64) -> u64 {
        offset + 1 - self.buf.len() as u64
    }

    /// Bytes `from..=offset` (1-based stream offsets), or `None` when `from` is no
    /// longer (or not yet) held.
    pub fn since(&self, from: u64, offset: u64) -> Option<Vec<u8>> {
        if from < self.first_offset(offset) || from > offset + 1 {
            return None;
        }
        let skip = (from - self.first_offset(offset)) as usize;
        let (a, b) = self.buf.as_slices();
        let mut out = Vec::with_capacity(self.buf.len() - skip);
        if skip < a.len() {
            out.extend_from_slice(&a[skip..]);
            out.extend_from_slice(b);
        } else {
            out.extend_from_slice(&b[skip - a.len()..]);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_tail_and_serves_ranges() {
        let mut b = Backlog::new(8);
        b.append(b"abcdef"); // offsets 1..=6
        assert_eq!(b.since(1, 6).unwrap(), b"abcdef");
        assert_eq!(b.since(7, 6).unwrap(), b"");
        assert!(b.since(8, 6).is_none());
        b.append(b"ghijk"); // offsets 1..=11, holds 4..=11
        assert_eq!(b.first_offset(11), 4);
        assert_eq!(b.since(4, 11).unwrap(), b"defghijk");
        assert_eq!(b.since(10, 11).unwrap(), b"jk");
        assert!(b.since(3, 11).is_none());
    }
}
