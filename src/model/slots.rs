//! Sets of hash slots: a 16384-bit bitmap with the range notation operators read
//! (`0-5460,5462`) and the bitmap layout the cluster bus sends (bit i of byte i/8, LSB first).
//! The bitmap is shared copy-on-write: a snapshot of N nodes holds N views of N lines, and
//! every view of one master points at the same 2 KB instead of a copy per line.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

/// Number of hash slots in a Redis Cluster.
pub const SLOT_COUNT: u16 = 16384;

const WORDS: usize = SLOT_COUNT as usize / 64;

/// A set of hash slots. Cloning shares the bitmap; the first change copies it.
#[derive(Clone, Eq)]
pub struct SlotSet {
    bits: Arc<[u64; WORDS]>,
}

impl PartialEq for SlotSet {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.bits, &other.bits) || self.bits == other.bits
    }
}

impl std::hash::Hash for SlotSet {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bits.hash(state)
    }
}

impl Default for SlotSet {
    fn default() -> Self {
        Self::new()
    }
}

impl SlotSet {
    /// The empty set; every empty set shares one bitmap until it is changed.
    pub fn new() -> Self {
        static EMPTY: OnceLock<Arc<[u64; WORDS]>> = OnceLock::new();
        SlotSet {
            bits: EMPTY.get_or_init(|| Arc::new([0; WORDS])).clone(),
        }
    }

    /// Every slot, 0 to 16383.
    pub fn full() -> Self {
        SlotSet {
            bits: Arc::new([u64::MAX; WORDS]),
        }
    }

    /// True when both sets share one bitmap (a cheap equality test before comparing).
    pub fn same_bitmap(&self, other: &SlotSet) -> bool {
        Arc::ptr_eq(&self.bits, &other.bits)
    }

    fn words_mut(&mut self) -> &mut [u64; WORDS] {
        Arc::make_mut(&mut self.bits)
    }

    /// The slots `start..=end`.
    pub fn range(start: u16, end: u16) -> Self {
        let mut set = Self::new();
        set.insert_range(start, end);
        set
    }

    pub fn insert(&mut self, slot: u16) {
        debug_assert!(slot < SLOT_COUNT);
        self.words_mut()[slot as usize / 64] |= 1 << (slot % 64);
    }

    /// Inserts `start..=end`, whole words at a time.
    pub fn insert_range(&mut self, start: u16, end: u16) {
        if start > end {
            return;
        }
        debug_assert!(end < SLOT_COUNT);
        let words = self.words_mut();
        let (first, last) = (start as usize / 64, end as usize / 64);
        for (i, word) in words.iter_mut().enumerate().take(last + 1).skip(first) {
            let lo = if i == first { start % 64 } else { 0 };
            let hi = if i == last { end % 64 } else { 63 };
            let mask = (u64::MAX >> (63 - hi)) & (u64::MAX << lo);
            *word |= mask;
        }
    }

    pub fn remove(&mut self, slot: u16) {
        if self.contains(slot) {
            self.words_mut()[slot as usize / 64] &= !(1 << (slot % 64));
        }
    }

    pub fn contains(&self, slot: u16) -> bool {
        slot < SLOT_COUNT && self.bits[slot as usize / 64] & (1 << (slot % 64)) != 0
    }

    pub fn len(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|w| *w == 0)
    }

    /// The slots in increasing order; empty words are skipped whole.
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.bits.iter().enumerate().flat_map(|(i, &w)| {
            let mut word = w;
            std::iter::from_fn(move || {
                if word == 0 {
                    return None;
                }
                let bit = word.trailing_zeros() as u16;
                word &= word - 1;
                Some(i as u16 * 64 + bit)
            })
        })
    }

    /// The lowest `n` slots of the set (all of them when it holds fewer).
    pub fn lowest(&self, n: usize) -> SlotSet {
        let mut out = SlotSet::new();
        for slot in self.iter().take(n) {
            out.insert(slot);
        }
        out
    }

    pub fn union_with(&mut self, other: &SlotSet) {
        if other.is_empty() || self.same_bitmap(other) {
            return;
        }
        if self.is_empty() {
            *self = other.clone();
            return;
        }
        for (a, b) in self.words_mut().iter_mut().zip(other.bits.iter()) {
            *a |= b;
        }
    }

    pub fn difference_with(&mut self, other: &SlotSet) {
        if self.is_empty() || other.is_empty() {
            return;
        }
        for (a, b) in self.words_mut().iter_mut().zip(other.bits.iter()) {
            *a &= !b;
        }
    }

    /// True when the sets share no slot (no set is built).
    pub fn is_disjoint(&self, other: &SlotSet) -> bool {
        self.bits
            .iter()
            .zip(other.bits.iter())
            .all(|(a, b)| a & b == 0)
    }

    pub fn intersection(&self, other: &SlotSet) -> SlotSet {
        if self.is_disjoint(other) {
            return SlotSet::new();
        }
        let mut out = self.clone();
        for (a, b) in out.words_mut().iter_mut().zip(other.bits.iter()) {
            *a &= b;
        }
        out
    }

    /// The complement: every slot not in the set.
    pub fn complement(&self) -> SlotSet {
        let mut out = self.clone();
        for w in out.words_mut().iter_mut() {
            *w = !*w;
        }
        out
    }

    /// Contiguous runs of slots, lowest first, as inclusive `(start, end)` pairs.
    pub fn ranges(&self) -> Vec<(u16, u16)> {
        let mut out = Vec::new();
        let mut start: Option<u16> = None;
        for (i, &word) in self.bits.iter().enumerate() {
            let base = i as u16 * 64;
            // Whole words inside or outside a run need no bit-by-bit look.
            match (word, start) {
                (0, None) | (u64::MAX, Some(_)) => continue,
                (0, Some(s)) => {
                    out.push((s, base - 1));
                    start = None;
                    continue;
                }
                _ => {}
            }
            for bit in 0..64u16 {
                let set = word >> bit & 1 == 1;
                match (set, start) {
                    (true, None) => start = Some(base + bit),
                    (false, Some(s)) => {
                        out.push((s, base + bit - 1));
                        start = None;
                    }
                    _ => {}
                }
            }
        }
        out.extend(start.map(|s| (s, SLOT_COUNT - 1)));
        out
    }

    /// The bus bitmap: 2048 bytes, bit i of byte i/8, least significant bit first.
    pub fn to_bitmap(&self) -> [u8; 2048] {
        let mut out = [0u8; 2048];
        for (i, word) in self.bits.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&word.to_le_bytes());
        }
        out
    }

    pub fn from_bitmap(bytes: &[u8; 2048]) -> SlotSet {
        let mut set = SlotSet::new();
        for (i, word) in set.words_mut().iter_mut().enumerate() {
            let mut chunk = [0u8; 8];
            chunk.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
            *word = u64::from_le_bytes(chunk);
        }
        set
    }
}

impl FromIterator<u16> for SlotSet {
    fn from_iter<T: IntoIterator<Item = u16>>(iter: T) -> Self {
        let mut set = SlotSet::new();
        for slot in iter {
            set.insert(slot);
        }
        set
    }
}

/// `0-5460,5462`; the empty set shows as `-`.
impl fmt::Display for SlotSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ranges = self.ranges();
        if ranges.is_empty() {
            return f.write_str("-");
        }
        for (i, (start, end)) in ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if start == end {
                write!(f, "{start}")?;
            } else {
                write!(f, "{start}-{end}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for SlotSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SlotSet({self})")
    }
}

/// Parses one slot number, rejecting anything outside 0..16384.
pub fn parse_slot(text: &str) -> Result<u16, String> {
    match text.trim().parse::<u16>() {
        Ok(slot) if slot < SLOT_COUNT => Ok(slot),
        _ => Err(format!("invalid slot '{text}' (expected 0 to 16383)")),
    }
}

impl FromStr for SlotSet {
    type Err = String;

    /// Accepts the Display form: comma-separated slots and `A-B` ranges, or `-` for none.
    fn from_str(text: &str) -> Result<Self, String> {
        let mut set = SlotSet::new();
        let text = text.trim();
        if text.is_empty() || text == "-" {
            return Ok(set);
        }
        for part in text.split(',') {
            match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (parse_slot(a)?, parse_slot(b)?);
                    if a > b {
                        return Err(format!("invalid slot range '{part}'"));
                    }
                    set.insert_range(a, b);
                }
                None => set.insert(parse_slot(part)?),
            }
        }
        Ok(set)
    }
}

impl serde::Serialize for SlotSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let ranges = self.ranges();
        let mut seq = s.serialize_seq(Some(ranges.len()))?;
        for r in ranges {
            seq.serialize_element(&[r.0, r.1])?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_display() {
        let mut set = SlotSet::range(0, 5460);
        set.insert(5462);
        set.insert(16383);
        assert_eq!(set.to_string(), "0-5460,5462,16383");
        assert_eq!(set.len(), 5463);
        assert_eq!(set.ranges(), vec![(0, 5460), (5462, 5462), (16383, 16383)]);
        assert_eq!(SlotSet::new().to_string(), "-");
        assert_eq!(SlotSet::full().len(), 16384);
    }

    #[test]
    fn parse_round_trip() {
        let set: SlotSet = "0-10,12,100-101".parse().unwrap();
        assert_eq!(set.to_string(), "0-10,12,100-101");
        assert!("5-3".parse::<SlotSet>().is_err());
        assert!("16384".parse::<SlotSet>().is_err());
        assert!("x".parse::<SlotSet>().is_err());
        assert!("-".parse::<SlotSet>().unwrap().is_empty());
    }

    #[test]
    fn bitmap_layout_is_lsb_first() {
        let mut set = SlotSet::new();
        set.insert(0);
        set.insert(9);
        set.insert(16383);
        let map = set.to_bitmap();
        assert_eq!(map[0], 0b0000_0001);
        assert_eq!(map[1], 0b0000_0010);
        assert_eq!(map[2047], 0b1000_0000);
        assert_eq!(SlotSet::from_bitmap(&map), set);
    }

    #[test]
    fn set_operations() {
        let a = SlotSet::range(0, 99);
        let b = SlotSet::range(50, 149);
        assert_eq!(a.intersection(&b).to_string(), "50-99");
        let mut c = a.clone();
        c.union_with(&b);
        assert_eq!(c.to_string(), "0-149");
        c.difference_with(&a);
        assert_eq!(c.to_string(), "100-149");
        assert_eq!(a.complement().to_string(), "100-16383");
        assert_eq!(b.lowest(3).to_string(), "50-52");
        assert!(a.is_disjoint(&SlotSet::range(100, 200)));
        assert!(!a.is_disjoint(&b));
    }

    #[test]
    fn clones_share_until_changed() {
        let a = SlotSet::range(0, 99);
        let mut b = a.clone();
        assert!(a.same_bitmap(&b));
        b.insert(100);
        assert!(!a.same_bitmap(&b));
        assert_eq!(a.to_string(), "0-99");
        assert_eq!(b.to_string(), "0-100");
        let mut e = SlotSet::new();
        e.insert(5);
        assert!(SlotSet::new().is_empty());
        assert_eq!(e.to_string(), "5");
    }

    #[test]
    fn insert_range_sets_exactly_the_range() {
        for (a, b) in [
            (0, 0),
            (0, 63),
            (1, 64),
            (63, 64),
            (5, 16383),
            (100, 100),
            (64, 127),
        ] {
            let set = SlotSet::range(a, b);
            let naive: Vec<u16> = (0..SLOT_COUNT).filter(|s| set.contains(*s)).collect();
            assert_eq!(naive, (a..=b).collect::<Vec<_>>(), "{a}-{b}");
        }
    }

    #[test]
    fn word_wise_iter_and_ranges_match_a_slot_by_slot_scan() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut sets = vec![SlotSet::new(), SlotSet::full(), SlotSet::range(63, 64)];
        sets.push(SlotSet::range(0, 63));
        sets.push(SlotSet::range(16320, 16383));
        for _ in 0..50 {
            let mut set = SlotSet::new();
            for _ in 0..rng.gen_range(0..40) {
                let a = rng.gen_range(0..SLOT_COUNT);
                let b = (a + rng.gen_range(0..300)).min(SLOT_COUNT - 1);
                set.insert_range(a, b);
            }
            sets.push(set);
        }
        for set in sets {
            let naive: Vec<u16> = (0..SLOT_COUNT).filter(|s| set.contains(*s)).collect();
            assert_eq!(set.iter().collect::<Vec<_>>(), naive);
            let mut runs: Vec<(u16, u16)> = Vec::new();
            for s in naive {
                match runs.last_mut() {
                    Some(r) if r.1 + 1 == s => r.1 = s,
                    _ => runs.push((s, s)),
                }
            }
            assert_eq!(set.ranges(), runs);
        }
    }
}
