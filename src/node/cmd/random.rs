//! SRANDMEMBER, HRANDFIELD and ZRANDMEMBER: random picks from a collection.
//!
//! A positive count picks distinct elements, so its reply is bounded by the collection. A
//! negative count repeats picks and is bounded only by the 64-bit range, so a large one is
//! streamed ([`RandomReply`]): the command takes a snapshot of the collection (references,
//! as atomic as Redis's single pass), and the connection writes the picks slice by slice,
//! waiting for the client to read each one. The node holds one slice whatever the count,
//! and stops when the client leaves. Counts outside Redis's range get Redis's errors.

use bytes::{Bytes, BytesMut};
use rand::Rng;

use super::{int_arg, syntax_error, wrongtype, ClientState, Ctx, FollowUp, Outcome};
use crate::node::keyspace::Value;
use crate::node::resp::Frame;

/// Repeating picks up to this many are built as one frame; more are streamed.
const STREAM_ABOVE: u64 = 1 << 16;

/// Inside MULTI/EXEC, where replies are collected, at most this many repeating picks.
const COLLECT_MAX: u64 = 1 << 20;

/// One element and, WITHVALUES / WITHSCORES, its value.
type Element = (Bytes, Option<Frame>);

/// The count as Redis 7.0 takes it: an integer within ±(2^63-1), and within half of that
/// when each pick carries a value (the RESP2 reply length doubles).
fn parse_count(arg: &[u8]) -> Result<i64, Frame> {
    let n = int_arg(arg)?;
    if n == i64::MIN {
        return Err(Frame::error(format!(
            "ERR value is out of range, value must between {} and {}",
            -i64::MAX,
            i64::MAX
        )));
    }
    Ok(n)
}

/// `[count [WITHVALUES]]` after the key: the count, and whether values were asked for.
fn parse_tail(args: &[Bytes], word: &str) -> Result<Option<(i64, bool)>, Frame> {
    let Some(count) = args.get(2) else {
        return Ok(None);
    };
    let count = parse_count(count)?;
    let with_values = match &args[3..] {
        [] => false,
        [w] if super::eq_ic(w, word) => true,
        _ => return Err(syntax_error()),
    };
    if with_values && !(-i64::MAX / 2..=i64::MAX / 2).contains(&count) {
        return Err(Frame::static_error("ERR value is out of range"));
    }
    Ok(Some((count, with_values)))
}

pub fn srandmember(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    if args.len() > 3 {
        return syntax_error().into();
    }
    let count = try_frame!(parse_tail(args, "")).map(|(n, _)| n);
    let s = match ctx.ks.get(&args[1], ctx.now) {
        None => None,
        Some(Value::Set(s)) => Some(&**s),
        Some(_) => return wrongtype().into(),
    };
    let Some(s) = s.filter(|s| !s.is_empty()) else {
        return empty(count.is_some()).into();
    };
    let at = |i: usize| (s.get_index(i).cloned().unwrap_or_default(), None);
    match count {
        None => Frame::Bulk(at(rand::thread_rng().gen_range(0..s.len())).0).into(),
        Some(n) => picks(ctx.client, s.len(), n, at),
    }
}

pub fn hrandfield(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    let tail = try_frame!(parse_tail(args, "withvalues"));
    let h = match ctx.ks.get(&args[1], ctx.now) {
        None => None,
        Some(Value::Hash(h)) => Some(&**h),
        Some(_) => return wrongtype().into(),
    };
    let Some(h) = h.filter(|h| !h.is_empty()) else {
        return empty(tail.is_some()).into();
    };
    let Some((count, with_values)) = tail else {
        let i = rand::thread_rng().gen_range(0..h.len());
        return h
            .get_index(i)
            .map_or(Frame::Null, |(k, _)| Frame::Bulk(k.clone()))
            .into();
    };
    let at = |i: usize| {
        let (k, v) = h.get_index(i).expect("index in range");
        (k.clone(), with_values.then(|| Frame::Bulk(v.clone())))
    };
    picks(ctx.client, h.len(), count, at)
}

pub fn zrandmember(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    let tail = try_frame!(parse_tail(args, "withscores"));
    let z = match ctx.ks.get(&args[1], ctx.now) {
        None => None,
        Some(Value::ZSet(z)) => Some(&**z),
        Some(_) => return wrongtype().into(),
    };
    let Some(z) = z.filter(|z| !z.is_empty()) else {
        return empty(tail.is_some()).into();
    };
    let Some((count, with_scores)) = tail else {
        let i = rand::thread_rng().gen_range(0..z.len());
        return z
            .scores
            .keys()
            .nth(i)
            .map_or(Frame::Null, |m| Frame::Bulk(m.clone()))
            .into();
    };
    // Sorted sets have no positional access: take the (member, score) pairs once.
    let all: Vec<(&Bytes, f64)> = z.scores.iter().map(|(m, s)| (m, *s)).collect();
    let at = |i: usize| {
        let (m, s) = all[i];
        (m.clone(), with_scores.then_some(Frame::Double(s)))
    };
    picks(ctx.client, all.len(), count, at)
}

fn empty(with_count: bool) -> Frame {
    if with_count {
        Frame::Array(vec![])
    } else {
        Frame::Null
    }
}

/// `count` picks from `len` elements (`len > 0`), element `i` given by `at`.
fn picks(
    client: &mut ClientState,
    len: usize,
    count: i64,
    at: impl Fn(usize) -> Element,
) -> Outcome {
    let resp3 = client.resp3;
    let mut rng = rand::thread_rng();
    if count >= 0 {
        let n = (count as u64).min(len as u64) as usize;
        let chosen = rand::seq::index::sample(&mut rng, len, n);
        return flatten(chosen.into_iter().map(at), resp3).into();
    }
    let n = count.unsigned_abs();
    if n <= STREAM_ABOVE {
        return flatten((0..n).map(|_| at(rng.gen_range(0..len))), resp3).into();
    }
    Outcome::deferred(FollowUp::Stream(Box::new(RandomReply {
        pool: (0..len).map(at).collect(),
        remaining: n,
        total: n,
        started: false,
    })))
}

/// Elements as a reply: values follow their element (RESP2) or pair with it (RESP3).
fn flatten(items: impl Iterator<Item = Element>, resp3: bool) -> Frame {
    let mut out = Vec::new();
    for (member, value) in items {
        match value {
            None => out.push(Frame::Bulk(member)),
            Some(v) if resp3 => out.push(Frame::Array(vec![Frame::Bulk(member), v])),
            Some(v) => {
                out.push(Frame::Bulk(member));
                out.push(v);
            }
        }
    }
    Frame::Array(out)
}

/// A reply of many repeating picks, written a slice at a time by the connection.
#[derive(Debug)]
pub struct RandomReply {
    pool: Vec<Element>,
    remaining: u64,
    total: u64,
    started: bool,
}

impl RandomReply {
    /// Appends picks to `out` until it holds `budget` bytes (the caller sends and clears
    /// it between calls) or the reply is complete; returns whether it is complete.
    pub fn write_some(&mut self, out: &mut BytesMut, resp3: bool, budget: usize) -> bool {
        let paired = self.pool.first().is_some_and(|(_, v)| v.is_some());
        if !self.started {
            self.started = true;
            let len = if paired && !resp3 {
                self.total * 2
            } else {
                self.total
            };
            out.extend_from_slice(format!("*{len}\r\n").as_bytes());
        }
        let mut rng = rand::thread_rng();
        while self.remaining > 0 && out.len() < budget {
            self.remaining -= 1;
            let (member, value) = &self.pool[rng.gen_range(0..self.pool.len())];
            if paired && resp3 {
                out.extend_from_slice(b"*2\r\n");
            }
            Frame::Bulk(member.clone()).encode(out, resp3);
            if let Some(v) = value {
                v.encode(out, resp3);
            }
        }
        self.remaining == 0
    }

    /// The whole reply as one frame, where replies are collected (MULTI/EXEC); refused
    /// above [`COLLECT_MAX`] picks, which would have to be held at once.
    pub fn collect(self, resp3: bool) -> Frame {
        if self.total > COLLECT_MAX {
            return Frame::error(format!(
                "ERR count is too large for a reply inside a transaction (at most {COLLECT_MAX} picks)"
            ));
        }
        let mut rng = rand::thread_rng();
        let pool = &self.pool;
        let picks = (0..self.total).map(|_| pool[rng.gen_range(0..pool.len())].clone());
        flatten(picks, resp3)
    }
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;
    use crate::node::cmd::FollowUp;

    #[test]
    fn counts_out_of_range_get_redis_errors() {
        let mut h = Harness::new();
        h.run("sadd s a b");
        h.run("hset h f v");
        h.run("zadd z 1 m");
        let range = "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n";
        h.check(&[
            ("srandmember s -9223372036854775808", range),
            ("hrandfield h -9223372036854775808", range),
            ("zrandmember z -9223372036854775808", range),
            (
                "hrandfield h -9223372036854770000 withvalues",
                "-ERR value is out of range\r\n",
            ),
            (
                "zrandmember z 4611686018427387904 withscores",
                "-ERR value is out of range\r\n",
            ),
            ("hrandfield h 1 withvalue", "-ERR syntax error\r\n"),
            ("srandmember s 1 2", "-ERR syntax error\r\n"),
            (
                "srandmember s x",
                "-ERR value is not an integer or out of range\r\n",
            ),
            // The count is checked before the key, as Redis does.
            ("hrandfield nope -9223372036854775808", range),
            ("zrandmember nope 2", "*0\r\n"),
            ("zrandmember nope", "$-1\r\n"),
            ("zrandmember z 5 withscores", "*2\r\n$1\r\nm\r\n$1\r\n1\r\n"),
            ("zrandmember z -2", "*2\r\n$1\r\nm\r\n$1\r\nm\r\n"),
        ]);
    }

    #[test]
    fn resp3_pairs_values() {
        let mut h = Harness::new();
        h.run("hset h f v");
        h.run("zadd z 1.5 m");
        h.client.resp3 = true;
        h.check(&[
            (
                "hrandfield h 1 withvalues",
                "*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
            ),
            (
                "hrandfield h -2 withvalues",
                "*2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
            ),
            (
                "zrandmember z 1 withscores",
                "*1\r\n*2\r\n$1\r\nm\r\n,1.5\r\n",
            ),
            ("hrandfield h 1", "*1\r\n$1\r\nf\r\n"),
        ]);
    }

    #[test]
    fn huge_repeating_counts_stream_in_slices() {
        let mut h = Harness::new();
        h.run("hset h f v");
        let Some(FollowUp::Stream(mut stream)) =
            h.outcome("hrandfield h -9223372036854775807").then
        else {
            panic!("a stream");
        };
        let mut out = bytes::BytesMut::new();
        assert!(!stream.write_some(&mut out, false, 1 << 16));
        assert!(out.starts_with(b"*9223372036854775807\r\n$1\r\nf\r\n"));
        assert!(out.len() < (1 << 16) + 64, "one slice, not the whole reply");
        // A small streamed reply ends exactly.
        let Some(FollowUp::Stream(mut stream)) = h.outcome("hrandfield h -70000 withvalues").then
        else {
            panic!("a stream");
        };
        let (mut out, mut total) = (bytes::BytesMut::new(), 0);
        loop {
            let done = stream.write_some(&mut out, false, 1 << 16);
            if total == 0 {
                assert!(out.starts_with(b"*140000\r\n"));
            }
            // The connection sends and clears its buffer between slices.
            total += out.len();
            out.clear();
            if done {
                break;
            }
        }
        assert_eq!(total, "*140000\r\n".len() + 70000 * 14);
    }

    #[test]
    fn transactions_collect_bounded_streams() {
        let mut h = Harness::new();
        h.run("sadd s a");
        h.check(&[
            ("multi", "+OK\r\n"),
            ("srandmember s -70000", "+QUEUED\r\n"),
            ("srandmember s -9223372036854775807", "+QUEUED\r\n"),
        ]);
        let outcome = h.outcome("exec");
        assert!(outcome.then.is_none(), "EXEC collects the streams");
        let reply = outcome.reply;
        let crate::node::resp::Frame::Array(items) = reply else {
            panic!("EXEC replies with an array");
        };
        assert!(matches!(&items[0], crate::node::resp::Frame::Array(a) if a.len() == 70000));
        assert!(items[1].is_error());
    }
}
