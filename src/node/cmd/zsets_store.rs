//! Sorted set commands that remove ranges or store combinations: ZREMRANGEBYSCORE,
//! ZREMRANGEBYRANK, ZUNIONSTORE, ZINTERSTORE.

use bytes::Bytes;

use super::zsets::{score_bound, score_range, zset};
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

/// ZUNIONSTORE/ZINTERSTORE dest numkeys key... [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX].
/// Plain sets count as sorted sets with every score 1, as in Redis.
fn store(ctx: &mut Ctx, args: &[Bytes], union: bool, name: &str) -> Frame {
    let n = match try_frame!(int_arg(&args[2])) {
        n if n < 1 => {
            return Frame::error(format!(
                "ERR at least 1 input key is needed for '{name}' command"
            ))
        }
        n => n as usize,
    };
    if args.len() < 3 + n {
        return syntax_error();
    }
    let keys = &args[3..3 + n];
    let mut weights = vec![1.0; n];
    let mut aggregate = Aggregate::Sum;
    let mut i = 3 + n;
    while i < args.len() {
        if eq_ic(&args[i], "weights") && i + n < args.len() {
            for (w, arg) in weights.iter_mut().zip(&args[i + 1..=i + n]) {
                *w = match float_arg(arg) {
                    Ok(v) => v,
                    Err(_) => return Frame::static_error("ERR weight value is not a float"),
                };
            }
            i += n + 1;
        } else if eq_ic(&args[i], "aggregate") && i + 1 < args.len() {
            aggregate = match &args[i + 1] {
                a if eq_ic(a, "sum") => Aggregate::Sum,
                a if eq_ic(a, "min") => Aggregate::Min,
                a if eq_ic(a, "max") => Aggregate::Max,
                _ => return syntax_error(),
            };
            i += 2;
        } else {
            return syntax_error();
        }
    }
    let mut inputs: Vec<Vec<(Bytes, f64)>> = Vec::with_capacity(n);
    for key in keys {
        let members = match ctx.ks.get(key, ctx.now) {
            None => Vec::new(),
            Some(Value::ZSet(z)) => z.scores.iter().map(|(m, s)| (m.clone(), *s)).collect(),
            Some(Value::Set(s)) => s.iter().map(|m| (m.clone(), 1.0)).collect(),
            Some(_) => return wrongtype(),
        };
        inputs.push(members);
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
    for (members, w) in inputs.into_iter().zip(&weights) {
        for (m, s) in members {
            let s = weigh(s, *w);
            acc.entry(m)
                .and_modify(|(cur, seen)| {
                    *cur = aggregate.apply(*cur, s);
                    *seen += 1;
                })
                .or_insert((s, 1));
        }
    }
    let mut out = ZSet::default();
    for (m, (s, seen)) in acc {
        if union || seen == n {
            out.insert(m, s);
        }
    }
    let len = out.len();
    if len == 0 {
        ctx.ks.remove(&args[1], ctx.now);
    } else {
        ctx.ks.put(&args[1], Value::ZSet(Box::new(out)), Ttl::Clear);
    }
    int(len)
}

pub fn zunionstore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    store(ctx, args, true, "zunionstore")
}

pub fn zinterstore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    store(ctx, args, false, "zinterstore")
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
