//! Set commands.

use bytes::Bytes;
use rand::Rng;

use super::generic::{parse_cursor, scan_opts, scan_reply};
use super::{int, int_arg, wrongtype, Ctx};
use crate::node::keyspace::{glob_match, SetValue, Value};
use crate::node::resp::Frame;

fn set<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut SetValue>, Frame> {
    match ctx.ks.get(key, ctx.now) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => Err(wrongtype()),
    }
}

fn members(s: impl Iterator<Item = Bytes>) -> Frame {
    Frame::Set(s.map(Frame::Bulk).collect())
}

pub fn sadd(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let s = match ctx
        .ks
        .get_or_insert_with(&args[1], ctx.now, || Value::Set(Box::default()))
    {
        Value::Set(s) => s,
        _ => return wrongtype(),
    };
    int(args[2..].iter().filter(|m| s.insert((*m).clone())).count())
}

pub fn srem(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let Some(s) = try_frame!(set(ctx, &args[1])) else {
        return Frame::Integer(0);
    };
    let removed = args[2..].iter().filter(|m| s.swap_remove(&m[..])).count();
    if s.is_empty() {
        ctx.ks.remove(&args[1], ctx.now);
    }
    int(removed)
}

pub fn smembers(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let s = try_frame!(set(ctx, &args[1]));
    members(s.into_iter().flat_map(|s| s.iter().cloned()))
}

pub fn sismember(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let found = try_frame!(set(ctx, &args[1])).is_some_and(|s| s.contains(&args[2][..]));
    Frame::Integer(found as i64)
}

pub fn smismember(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let s = try_frame!(set(ctx, &args[1]));
    Frame::Array(
        args[2..]
            .iter()
            .map(|m| Frame::Integer(s.as_ref().is_some_and(|s| s.contains(&m[..])) as i64))
            .collect(),
    )
}

pub fn scard(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    int(try_frame!(set(ctx, &args[1])).map_or(0, |s| s.len()))
}

pub fn spop(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let count = match args.get(2) {
        Some(c) => match int_arg(c) {
            Ok(n) if n >= 0 => Some(n as usize),
            Ok(_) => return Frame::static_error("ERR value is out of range, must be positive"),
            Err(e) => return e,
        },
        None => None,
    };
    if args.len() > 3 {
        return super::syntax_error();
    }
    let Some(s) = try_frame!(set(ctx, &args[1])) else {
        return if count.is_some() {
            Frame::Set(vec![])
        } else {
            Frame::Null
        };
    };
    let mut rng = rand::thread_rng();
    let mut pop_one = || {
        (!s.is_empty())
            .then(|| s.swap_remove_index(rng.gen_range(0..s.len())))
            .flatten()
    };
    let reply = match count {
        None => pop_one().map_or(Frame::Null, Frame::Bulk),
        Some(n) => members((0..n).map_while(|_| pop_one())),
    };
    if s.is_empty() {
        ctx.ks.remove(&args[1], ctx.now);
    }
    reply
}

pub fn smove(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    try_frame!(set(ctx, &args[2]));
    let Some(src) = try_frame!(set(ctx, &args[1])) else {
        return Frame::Integer(0);
    };
    if !src.swap_remove(&args[3][..]) {
        return Frame::Integer(0);
    }
    if src.is_empty() {
        ctx.ks.remove(&args[1], ctx.now);
    }
    if let Value::Set(dst) = ctx
        .ks
        .get_or_insert_with(&args[2], ctx.now, || Value::Set(Box::default()))
    {
        dst.insert(args[3].clone());
    }
    Frame::Integer(1)
}

#[derive(Clone, Copy)]
enum Op {
    Inter,
    Union,
    Diff,
}

/// The result of combining the sets at `keys`; missing keys are empty sets.
fn combine(ctx: &mut Ctx, keys: &[Bytes], op: Op) -> Result<SetValue, Frame> {
    let mut sets = Vec::with_capacity(keys.len());
    for k in keys {
        sets.push(set(ctx, k)?.map(|s| s.clone()));
    }
    let mut iter = sets.into_iter();
    let mut acc = iter.next().flatten().unwrap_or_default();
    for s in iter {
        match (op, s) {
            (Op::Inter, None) => acc.clear(),
            (Op::Inter, Some(s)) => acc.retain(|m| s.contains(m)),
            (Op::Union, Some(s)) => acc.extend(s),
            (Op::Diff, Some(s)) => acc.retain(|m| !s.contains(m)),
            (_, None) => {}
        }
    }
    Ok(acc)
}

fn combine_reply(ctx: &mut Ctx, args: &[Bytes], op: Op) -> Frame {
    let s = try_frame!(combine(ctx, &args[1..], op));
    members(s.into_iter())
}

fn combine_store(ctx: &mut Ctx, args: &[Bytes], op: Op) -> Frame {
    let s = try_frame!(combine(ctx, &args[2..], op));
    let n = s.len();
    if n == 0 {
        ctx.ks.remove(&args[1], ctx.now);
    } else {
        ctx.ks.put(
            &args[1],
            Value::Set(Box::new(s)),
            crate::node::keyspace::Ttl::Clear,
        );
    }
    int(n)
}

pub fn sinter(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    combine_reply(ctx, args, Op::Inter)
}

pub fn sunion(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    combine_reply(ctx, args, Op::Union)
}

pub fn sdiff(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    combine_reply(ctx, args, Op::Diff)
}

pub fn sinterstore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    combine_store(ctx, args, Op::Inter)
}

pub fn sunionstore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    combine_store(ctx, args, Op::Union)
}

pub fn sdiffstore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    combine_store(ctx, args, Op::Diff)
}

pub fn sscan(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    try_frame!(parse_cursor(&args[2]));
    let opts = try_frame!(scan_opts(args, 3, false));
    let s = try_frame!(set(ctx, &args[1]));
    let items = s
        .into_iter()
        .flat_map(|s| s.iter())
        .filter(|m| {
            opts.pattern
                .as_ref()
                .is_none_or(|p| glob_match(p, m, false))
        })
        .map(|m| Frame::Bulk(m.clone()))
        .collect();
    scan_reply(0, items)
}

/// SINTERCARD numkeys key... [LIMIT n]: the size of the intersection, stopping at n.
pub fn sintercard(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    // Redis words a non-number like a number out of range here.
    let n = match int_arg(&args[1]) {
        Ok(n) if n >= 1 => n as usize,
        _ => return Frame::static_error("ERR numkeys should be greater than 0"),
    };
    if args.len() < 2 + n {
        return Frame::static_error("ERR Number of keys can't be greater than number of args");
    }
    let mut limit = 0usize;
    let rest = &args[2 + n..];
    match rest.len() {
        0 => {}
        // Redis gives this one error for a LIMIT that is negative or not a number.
        2 if super::eq_ic(&rest[0], "limit") => match int_arg(&rest[1]) {
            Ok(l) if l >= 0 => limit = l as usize,
            _ => return Frame::static_error("ERR LIMIT can't be negative"),
        },
        _ => return super::syntax_error(),
    }
    let s = try_frame!(combine(ctx, &args[2..2 + n], Op::Inter));
    let card = s.len();
    int(if limit > 0 { card.min(limit) } else { card })
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn set_commands() {
        let mut h = Harness::new();
        h.check(&[
            ("sadd s a b c", ":3\r\n"),
            ("sadd s a", ":0\r\n"),
            ("scard s", ":3\r\n"),
            ("sismember s a", ":1\r\n"),
            ("smismember s a z", "*2\r\n:1\r\n:0\r\n"),
            ("srem s a z", ":1\r\n"),
            ("sadd {s}2 b x", ":2\r\n"),
            ("sinter s {s}2", "*1\r\n$1\r\nb\r\n"),
            ("sdiffstore {s}3 s {s}2", ":1\r\n"),
            ("smembers {s}3", "*1\r\n$1\r\nc\r\n"),
            ("smove {s}3 {s}2 c", ":1\r\n"),
            ("exists {s}3", ":0\r\n"),
            ("spop nope", "$-1\r\n"),
            ("spop nope 2", "*0\r\n"),
            ("srandmember nope", "$-1\r\n"),
            ("sintercard 2 s {s}2", ":2\r\n"),
            ("sintercard 2 s {s}2 limit 1", ":1\r\n"),
            (
                "sintercard 0 s",
                "-ERR numkeys should be greater than 0\r\n",
            ),
            (
                "sintercard 3 s",
                "-ERR Number of keys can't be greater than number of args\r\n",
            ),
            ("srem s b c", ":2\r\n"),
            ("exists s", ":0\r\n"),
        ]);
    }
}
