//! Sorted set commands that remove ranges or combine sets: ZREMRANGEBYSCORE/RANK/LEX,
//! ZUNION, ZINTER, ZDIFF (and their STORE forms), ZINTERCARD.

use bytes::Bytes;

use super::zsets::{lex_bound, lex_range, score_bound, score_range, zset};
use super::{clamp_range, eq_ic, float_arg, int, int_arg, syntax_error, wrongtype, Ctx};
use crate::node::keyspace::{Ttl, Value, ZSet};
use crate::node::resp::Frame;

fn remove_members(ctx: &mut Ctx, key: &[u8], members: Vec<Bytes>) -> Frame {
    let Ok(Some(z)) = zset(ctx, key) else {
        return Frame::Integer(0);
    };
    let n = members.iter().filter(|m| z.remove(m)).count();
    if z.is_empty() {
        ctx.ks.remove(key, ctx.now);
    }
    int(n)
}

pub fn zremrangebyscore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let (Some(min), Some(max)) = (score_bound(&args[2]), score_bound(&args[3])) else {
        return Frame::static_error("ERR min or max is not a float");
    };
    let members = match try_frame!(zset(ctx, &args[1])) {
        Some(z) => score_range(z, min, max)
            .into_iter()
            .map(|(m, _)| m)
            .collect(),
        None => return Frame::Integer(0),
    };
    remove_members(ctx, &args[1], members)
}

pub fn zremrangebyrank(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let (s, e) = (try_frame!(int_arg(&args[2])), try_frame!(int_arg(&args[3])));
    let members = match try_frame!(zset(ctx, &args[1])) {
        Some(z) => match clamp_range(s, e, z.len()) {
            Some((s, e)) => z
                .by_score
                .iter()
                .skip(s)
                .take(e - s + 1)
                .map(|(_, m)| m.clone())
                .collect(),
            None => return Frame::Integer(0),
        },
        None => return Frame::Integer(0),
    };
    remove_members(ctx, &args[1], members)
}

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            // inf + -inf is NaN; Redis makes it 0.
            Aggregate::Sum => {
                let s = a + b;
                if s.is_nan() {
                    0.0
                } else {
                    s
                }
            }
            Aggregate::Min => a.min(b),
            Aggregate::Max => a.max(b),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

/// A parsed ZUNION/ZINTER/ZDIFF family call.
struct Combine<'a> {
    keys: &'a [Bytes],
    weights: Vec<f64>,
    aggregate: Aggregate,
    scores: bool,
}

/// Parses `numkeys key... [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]` from
/// `args[at..]`; ZDIFF takes no weights or aggregate, the STORE forms no WITHSCORES.
fn parse_combine<'a>(
    args: &'a [Bytes],
    at: usize,
    op: Op,
    store: bool,
    name: &str,
) -> Result<Combine<'a>, Frame> {
    let n = match int_arg(&args[at])? {
        n if n < 1 => {
            return Err(Frame::error(format!(
                "ERR at least 1 input key is needed for '{name}' command"
            )))
        }
        n => n as usize,
    };
    if args.len() < at + 1 + n {
        return Err(syntax_error());
    }
    let mut c = Combine {
        keys: &args[at + 1..at + 1 + n],
        weights: vec![1.0; n],
        aggregate: Aggregate::Sum,
        scores: false,
    };
    let mut i = at + 1 + n;
    while i < args.len() {
        if op != Op::Diff && eq_ic(&args[i], "weights") && i + n < args.len() {
            for (w, arg) in c.weights.iter_mut().zip(&args[i + 1..=i + n]) {
                *w = float_arg(arg)
                    .map_err(|_| Frame::static_error("ERR weight value is not a float"))?;
            }
            i += n + 1;
        } else if op != Op::Diff && eq_ic(&args[i], "aggregate") && i + 1 < args.len() {
            c.aggregate = match &args[i + 1] {
                a if eq_ic(a, "sum") => Aggregate::Sum,
                a if eq_ic(a, "min") => Aggregate::Min,
                a if eq_ic(a, "max") => Aggregate::Max,
                _ => return Err(syntax_error()),
            };
            i += 2;
        } else if !store && eq_ic(&args[i], "withscores") {
            c.scores = true;
            i += 1;
        } else {
            return Err(syntax_error());
        }
    }
    Ok(c)
}

/// The members of a sorted set or (with score 1) a plain set, as Redis reads inputs.
fn input(ctx: &mut Ctx, key: &[u8]) -> Result<Vec<(Bytes, f64)>, Frame> {
    Ok(match ctx.ks.get(key, ctx.now) {
        None => Vec::new(),
        Some(Value::ZSet(z)) => z.scores.iter().map(|(m, s)| (m.clone(), *s)).collect(),
        Some(Value::Set(s)) => s.iter().map(|m| (m.clone(), 1.0)).collect(),
        Some(_) => return Err(wrongtype()),
    })
}

/// The combination as a sorted set.
fn combine(ctx: &mut Ctx, c: &Combine, op: Op) -> Result<ZSet, Frame> {
    let mut inputs = Vec::with_capacity(c.keys.len());
    for key in c.keys {
        inputs.push(input(ctx, key)?);
    }
    let mut out = ZSet::default();
    if op == Op::Diff {
        let mut rest = inputs.into_iter();
        let first = rest.next().unwrap_or_default();
        let others: hashbrown::HashSet<Bytes> =
            rest.flat_map(|m| m.into_iter().map(|(m, _)| m)).collect();
        for (m, s) in first {
            if !others.contains(&m) {
                out.insert(m, s);
            }
        }
        return Ok(out);
    }
    let weigh = |s: f64, w: f64| {
        let v = s * w;
        if v.is_nan() {
            0.0
        } else {
            v
        }
    };
    let mut acc: hashbrown::HashMap<Bytes, (f64, usize)> = hashbrown::HashMap::new();
    for (members, w) in inputs.into_iter().zip(&c.weights) {
        for (m, s) in members {
            let s = weigh(s, *w);
            acc.entry(m)
                .and_modify(|(cur, seen)| {
                    *cur = c.aggregate.apply(*cur, s);
                    *seen += 1;
                })
                .or_insert((s, 1));
        }
    }
    for (m, (s, seen)) in acc {
        if op == Op::Union || seen == c.keys.len() {
            out.insert(m, s);
        }
    }
    Ok(out)
}

/// Stores `items` at `dest` (deleting it when there are none) and answers their count.
pub(super) fn store_result(ctx: &mut Ctx, dest: &[u8], items: Vec<(Bytes, f64)>) -> Frame {
    let mut out = ZSet::default();
    for (m, s) in items {
        out.insert(m, s);
    }
    store_set(ctx, dest, out)
}

fn store_set(ctx: &mut Ctx, dest: &[u8], out: ZSet) -> Frame {
    let len = out.len();
    if len == 0 {
        ctx.ks.remove(dest, ctx.now);
    } else {
        ctx.ks.put(dest, Value::ZSet(Box::new(out)), Ttl::Clear);
    }
    int(len)
}

/// ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE dest numkeys key... [WEIGHTS w...] [AGGREGATE ...].
/// Plain sets count as sorted sets with every score 1, as in Redis.
fn store(ctx: &mut Ctx, args: &[Bytes], op: Op, name: &str) -> Frame {
    let c = try_frame!(parse_combine(args, 2, op, true, name));
    let out = try_frame!(combine(ctx, &c, op));
    store_set(ctx, &args[1], out)
}

/// ZUNION/ZINTER/ZDIFF numkeys key... [...] [WITHSCORES]: the combination, in order.
fn reply(ctx: &mut Ctx, args: &[Bytes], op: Op, name: &str) -> Frame {
    let c = try_frame!(parse_combine(args, 1, op, false, name));
    let out = try_frame!(combine(ctx, &c, op));
    let items = out.by_score.into_iter().map(|(s, m)| (m, s.0)).collect();
    super::zsets::with_scores(ctx, items, c.scores)
}

pub fn zunionstore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    store(ctx, args, Op::Union, "zunionstore")
}

pub fn zinterstore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    store(ctx, args, Op::Inter, "zinterstore")
}

pub fn zdiffstore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    store(ctx, args, Op::Diff, "zdiffstore")
}

pub fn zunion(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    reply(ctx, args, Op::Union, "zunion")
}

pub fn zinter(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    reply(ctx, args, Op::Inter, "zinter")
}

pub fn zdiff(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    reply(ctx, args, Op::Diff, "zdiff")
}

/// ZINTERCARD numkeys key... [LIMIT n]: the size of the intersection, stopping at n.
pub fn zintercard(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let n = match try_frame!(int_arg(&args[1])) {
        n if n < 1 => {
            return Frame::static_error(
                "ERR at least 1 input key is needed for 'zintercard' command",
            )
        }
        n => n as usize,
    };
    if args.len() < 2 + n {
        return syntax_error();
    }
    let rest = &args[2 + n..];
    let limit = match rest {
        [] => 0,
        [l, v] if eq_ic(l, "limit") => match int_arg(v) {
            Ok(v) if v >= 0 => v as usize,
            _ => return Frame::static_error("ERR LIMIT can't be negative"),
        },
        _ => return syntax_error(),
    };
    let c = Combine {
        keys: &args[2..2 + n],
        weights: vec![1.0; n],
        aggregate: Aggregate::Sum,
        scores: false,
    };
    let count = try_frame!(combine(ctx, &c, Op::Inter)).len();
    int(if limit > 0 { count.min(limit) } else { count })
}

/// ZREMRANGEBYLEX key min max.
pub fn zremrangebylex(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let min = try_frame!(lex_bound(&args[2]));
    let max = try_frame!(lex_bound(&args[3]));
    let members = match try_frame!(zset(ctx, &args[1])) {
        Some(z) => lex_range(z, &min, &max)
            .into_iter()
            .map(|(m, _)| m)
            .collect(),
        None => return Frame::Integer(0),
    };
    remove_members(ctx, &args[1], members)
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn ranges_and_stores() {
        let mut h = Harness::new();
        h.check(&[
            ("zadd {z}a 1 x 2 y 3 z", ":3\r\n"),
            ("zadd {z}b 10 y 20 w", ":2\r\n"),
            ("zunionstore {z}u 2 {z}a {z}b weights 1 2", ":4\r\n"),
            ("zscore {z}u y", "$2\r\n22\r\n"),
            ("zinterstore {z}i 2 {z}a {z}b aggregate max", ":1\r\n"),
            ("zscore {z}i y", "$2\r\n10\r\n"),
            (
                "zunionstore {z}u 0 {z}a",
                "-ERR at least 1 input key is needed for 'zunionstore' command\r\n",
            ),
            ("zunionstore {z}u 2 {z}a {z}b x", "-ERR syntax error\r\n"),
            (
                "zunionstore {z}u 2 {z}a {x}b",
                "-CROSSSLOT Keys in request don't hash to the same slot\r\n",
            ),
            ("zremrangebyscore {z}a (1 2", ":1\r\n"),
            ("zremrangebyrank {z}a 0 0", ":1\r\n"),
            ("zrange {z}a 0 -1", "*1\r\n$1\r\nz\r\n"),
            (
                "command getkeys zunionstore d 2 a b weights 1 2",
                "*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n",
            ),
        ]);
    }
}
