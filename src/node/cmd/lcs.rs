//! LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest common
//! subsequence of two strings, by the dynamic-programming table Redis uses, so the
//! matched ranges IDX reports are the ones redis-server reports. The table is bounded by
//! `proto-max-bulk-len`, as in Redis.

use bytes::Bytes;

use super::{eq_ic, int_arg, syntax_error, Ctx};
use crate::node::keyspace::Value;
use crate::node::resp::Frame;

/// The string at `key` ("" when missing); `Err` for another type.
fn string_at(ctx: &mut Ctx, key: &[u8]) -> Result<Bytes, ()> {
    match ctx.ks.get(key, ctx.now) {
        None => Ok(Bytes::new()),
        Some(v @ (Value::Str(_) | Value::Inline(..))) => {
            Ok(Bytes::copy_from_slice(v.as_bytes().unwrap_or(b"")))
        }
        Some(_) => Err(()),
    }
}

pub fn lcs(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let (Ok(a), Ok(b)) = (string_at(ctx, &args[1]), string_at(ctx, &args[2])) else {
        return Frame::static_error("ERR The specified keys must contain string values");
    };
    let (mut len_only, mut idx, mut with_len) = (false, false, false);
    let mut min_len = 0u64;
    let mut j = 3;
    while j < args.len() {
        let opt = &args[j];
        if eq_ic(opt, "idx") {
            idx = true;
        } else if eq_ic(opt, "len") {
            len_only = true;
        } else if eq_ic(opt, "withmatchlen") {
            with_len = true;
        } else if eq_ic(opt, "minmatchlen") && j + 1 < args.len() {
            min_len = try_frame!(int_arg(&args[j + 1])).max(0) as u64;
            j += 1;
        } else {
            return syntax_error();
        }
        j += 1;
    }
    if len_only && idx {
        return Frame::static_error(
            "ERR If you want both the length and indexes, please just use IDX.",
        );
    }
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u64 + 1) * (blen as u64 + 1);
    if cells.saturating_mul(4) > ctx.shared.config.read().proto_max_bulk_len as u64 {
        return Frame::static_error(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        );
    }
    let w = blen + 1;
    let mut table = vec![0u32; cells as usize];
    for i in 1..=alen {
        for j in 1..=blen {
            table[i * w + j] = if a[i - 1] == b[j - 1] {
                table[(i - 1) * w + j - 1] + 1
            } else {
                table[(i - 1) * w + j].max(table[i * w + j - 1])
            };
        }
    }
    let total = table[alen * w + blen];
    if len_only {
        return Frame::Integer(total as i64);
    }
    // Walk back from the end, collecting the subsequence and its contiguous ranges.
    let mut result = vec![0u8; total as usize];
    let mut k = total as usize;
    let mut matches = Vec::new();
    let (mut i, mut j) = (alen, blen);
    // (a_start, a_end, b_start, b_end) of the range being extended, if any.
    let mut range: Option<(usize, usize, usize, usize)> = None;
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[k - 1] = a[i - 1];
            match range.as_mut() {
                None => range = Some((i - 1, i - 1, j - 1, j - 1)),
                Some(r) if r.0 == i && r.2 == j => {
                    r.0 -= 1;
                    r.2 -= 1;
                }
                Some(_) => emit = true,
            }
            if range.is_some_and(|r| r.0 == 0 || r.2 == 0) {
                emit = true;
            }
            k -= 1;
            i -= 1;
            j -= 1;
        } else {
            if table[(i - 1) * w + j] > table[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if range.is_some() {
                emit = true;
            }
        }
        if emit {
            if let Some((a0, a1, b0, b1)) = range.take() {
                let len = (a1 - a0 + 1) as u64;
                if min_len == 0 || len >= min_len {
                    let pair = |x: usize, y: usize| {
                        Frame::Array(vec![Frame::Integer(x as i64), Frame::Integer(y as i64)])
                    };
                    let mut m = vec![pair(a0, a1), pair(b0, b1)];
                    if with_len {
                        m.push(Frame::Integer(len as i64));
                    }
                    matches.push(Frame::Array(m));
                }
            }
        }
    }
    if !idx {
        return Frame::Bulk(Bytes::from(result));
    }
    Frame::Map(vec![
        (Frame::bulk_str("matches"), Frame::Array(matches)),
        (Frame::bulk_str("len"), Frame::Integer(total as i64)),
    ])
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn lcs_like_redis() {
        let mut h = Harness::standalone();
        h.check(&[
            ("mset a ohmytext b mynewtext", "+OK\r\n"),
            ("lcs a b", "$6\r\nmytext\r\n"),
            ("lcs a b len", ":6\r\n"),
            (
                "lcs a b idx minmatchlen 4 withmatchlen",
                "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n",
            ),
            (
                "lcs a b len idx",
                "-ERR If you want both the length and indexes, please just use IDX.\r\n",
            ),
            ("rpush l x", ":1\r\n"),
            (
                "lcs a l",
                "-ERR The specified keys must contain string values\r\n",
            ),
        ]);
    }
}
