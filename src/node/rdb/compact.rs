//! Readers for the compact blobs Redis stores inside RDB strings: ziplist (Redis < 7 and
//! quicklist v1 nodes), listpack (Redis 7 small hashes, sorted sets, quicklist v2 nodes)
//! and intset. Each yields its elements as strings (integers in decimal, as Redis
//! returns them). Every read is bounds-checked: a bad payload is an error, never a panic.

use bytes::Bytes;

fn int_text(v: i64) -> Bytes {
    Bytes::from(v.to_string())
}

fn le(data: &[u8], at: usize, n: usize) -> Option<u64> {
    let bytes = data.get(at..at + n)?;
    Some(
        bytes
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | b as u64),
    )
}

/// Sign-extends the low `bits` of `v`.
fn signed(v: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

/// A ziplist's entries.
pub fn ziplist(data: &[u8]) -> Option<Vec<Bytes>> {
    // zlbytes (4), zltail (4), zllen (2), entries, 0xff.
    let mut at = 10;
    let mut out = Vec::new();
    loop {
        let first = *data.get(at)?;
        if first == 0xff {
            return Some(out);
        }
        // The previous entry's length: 1 byte, or 0xfe and 4 more.
        at += if first == 0xfe { 5 } else { 1 };
        let enc = *data.get(at)?;
        match enc >> 6 {
            0 => {
                let len = (enc & 0x3f) as usize;
                out.push(Bytes::copy_from_slice(data.get(at + 1..at + 1 + len)?));
                at += 1 + len;
            }
            1 => {
                let len = (((enc & 0x3f) as usize) << 8) | *data.get(at + 1)? as usize;
                out.push(Bytes::copy_from_slice(data.get(at + 2..at + 2 + len)?));
                at += 2 + len;
            }
            2 => {
                let b = data.get(at + 1..at + 5)?;
                let len = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
                out.push(Bytes::copy_from_slice(data.get(at + 5..at + 5 + len)?));
                at += 5 + len;
            }
            _ => {
                let (value, size) = match enc {
                    0xc0 => (signed(le(data, at + 1, 2)?, 16), 2),
                    0xd0 => (signed(le(data, at + 1, 4)?, 32), 4),
                    0xe0 => (le(data, at + 1, 8)? as i64, 8),
                    0xf0 => (signed(le(data, at + 1, 3)?, 24), 3),
                    0xfe => (signed(le(data, at + 1, 1)?, 8), 1),
                    0xf1..=0xfd => ((enc & 0x0f) as i64 - 1, 0),
                    _ => return None,
                };
                out.push(int_text(value));
                at += 1 + size;
            }
        }
    }
}

/// How many bytes a listpack entry's trailing back-length takes for an entry of `len`.
fn backlen_size(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

/// A listpack's entries.
pub fn listpack(data: &[u8]) -> Option<Vec<Bytes>> {
    // total bytes (4), element count (2), entries, 0xff.
    let mut at = 6;
    let mut out = Vec::new();
    loop {
        let enc = *data.get(at)?;
        if enc == 0xff {
            return Some(out);
        }
        let (item, head, body) = if enc & 0x80 == 0 {
            (int_text((enc & 0x7f) as i64), 1, 0)
        } else if enc & 0xc0 == 0x80 {
            let len = (enc & 0x3f) as usize;
            (
                Bytes::copy_from_slice(data.get(at + 1..at + 1 + len)?),
                1,
                len,
            )
        } else if enc & 0xe0 == 0xc0 {
            let v = (((enc & 0x1f) as u64) << 8) | *data.get(at + 1)? as u64;
            (int_text(signed(v, 13)), 2, 0)
        } else if enc & 0xf0 == 0xe0 {
            let len = (((enc & 0x0f) as usize) << 8) | *data.get(at + 1)? as usize;
            (
                Bytes::copy_from_slice(data.get(at + 2..at + 2 + len)?),
                2,
                len,
            )
        } else {
            match enc {
                0xf0 => {
                    let len = le(data, at + 1, 4)? as usize;
                    (
                        Bytes::copy_from_slice(data.get(at + 5..at + 5 + len)?),
                        5,
                        len,
                    )
                }
                0xf1 => (int_text(signed(le(data, at + 1, 2)?, 16)), 3, 0),
                0xf2 => (int_text(signed(le(data, at + 1, 3)?, 24)), 4, 0),
                0xf3 => (int_text(signed(le(data, at + 1, 4)?, 32)), 5, 0),
                0xf4 => (int_text(le(data, at + 1, 8)? as i64), 9, 0),
                _ => return None,
            }
        };
        let entry = head + body;
        at += entry + backlen_size(entry);
        out.push(item);
    }
}

/// An intset's members.
pub fn intset(data: &[u8]) -> Option<Vec<Bytes>> {
    let width = le(data, 0, 4)? as usize;
    let count = le(data, 4, 4)? as usize;
    if !matches!(width, 2 | 4 | 8) || data.len() < 8 + width * count {
        return None;
    }
    Some(
        (0..count)
            .map(|i| {
                let raw = le(data, 8 + i * width, width).unwrap_or(0);
                int_text(signed(raw, width as u32 * 8))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: Vec<Bytes>) -> Vec<String> {
        v.into_iter()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .collect()
    }

    #[test]
    fn listpack_entries() {
        // "ab" (6-bit string), 5 (7-bit uint), -1 (13-bit int), 1000 (int16).
        let mut lp = vec![0, 0, 0, 0, 4, 0];
        lp.extend_from_slice(&[0x82, b'a', b'b', 3]);
        lp.extend_from_slice(&[5, 1]);
        lp.extend_from_slice(&[0xdf, 0xff, 2]);
        lp.extend_from_slice(&[0xf1, 0xe8, 0x03, 3]);
        lp.push(0xff);
        assert_eq!(texts(listpack(&lp).unwrap()), ["ab", "5", "-1", "1000"]);
        assert!(listpack(&lp[..lp.len() - 1]).is_none());
    }

    #[test]
    fn ziplist_entries() {
        let mut zl = vec![0; 10];
        zl.extend_from_slice(&[0, 0x02, b'h', b'i']);
        zl.extend_from_slice(&[4, 0xf3]); // immediate 2
        zl.extend_from_slice(&[2, 0xc0, 0x18, 0xfc]); // int16 -1000
        zl.push(0xff);
        assert_eq!(texts(ziplist(&zl).unwrap()), ["hi", "2", "-1000"]);
    }

    #[test]
    fn intset_members() {
        let data = [2, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 7, 0];
        assert_eq!(texts(intset(&data).unwrap()), ["-1", "7"]);
        assert!(intset(&data[..10]).is_none());
    }
}
