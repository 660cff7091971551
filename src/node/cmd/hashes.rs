//! Hash commands.

use bytes::Bytes;

use super::generic::{parse_cursor, scan_opts, scan_reply};
use super::strings::human_float;
use super::{bulk, float_arg, int, int_arg, wrong_args, wrongtype, Ctx};
use crate::node::keyspace::{glob_match, HashValue, Value};
use crate::node::resp::{parse_i64_pub, Frame};

fn hash<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut HashValue>, Frame> {
    match ctx.ks.get(key, ctx.now) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => Err(wrongtype()),
    }
}

fn hash_or_new<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<&'a mut HashValue, Frame> {
    match ctx
        .ks
        .get_or_insert_with(key, ctx.now, || Value::Hash(Box::default()))
    {
        Value::Hash(h) => Ok(h),
        _ => Err(wrongtype()),
    }
}

pub fn hset(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    if !args.len().is_multiple_of(2) {
        return wrong_args(&String::from_utf8_lossy(&args[0]).to_ascii_lowercase());
    }
    let h = try_frame!(hash_or_new(ctx, &args[1]));
    let added = args[2..]
        .chunks(2)
        .filter(|p| h.insert(p[0].clone(), p[1].clone()).is_none())
        .count();
    if args[0].eq_ignore_ascii_case(b"hmset") {
        Frame::ok()
    } else {
        int(added)
    }
}

pub fn hsetnx(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let h = try_frame!(hash_or_new(ctx, &args[1]));
    if h.contains_key(&args[2]) {
        return Frame::Integer(0);
    }
    h.insert(args[2].clone(), args[3].clone());
    Frame::Integer(1)
}

pub fn hget(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    match try_frame!(hash(ctx, &args[1])).and_then(|h| h.get(&args[2])) {
        Some(v) => Frame::Bulk(v.clone()),
        None => Frame::Null,
    }
}

pub fn hmget(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let h = try_frame!(hash(ctx, &args[1]));
    Frame::Array(
        args[2..]
            .iter()
            .map(|f| {
                h.as_ref()
                    .and_then(|h| h.get(f))
                    .map_or(Frame::Null, |v| Frame::Bulk(v.clone()))
            })
            .collect(),
    )
}

pub fn hgetall(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let h = try_frame!(hash(ctx, &args[1]));
    Frame::Map(h.map_or_else(Vec::new, |h| {
        h.iter()
            .map(|(k, v)| (Frame::Bulk(k.clone()), Frame::Bulk(v.clone())))
            .collect()
    }))
}

pub fn hkeys(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let h = try_frame!(hash(ctx, &args[1]));
    Frame::Array(h.map_or_else(Vec::new, |h| {
        h.keys().map(|k| Frame::Bulk(k.clone())).collect()
    }))
}

pub fn hvals(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let h = try_frame!(hash(ctx, &args[1]));
    Frame::Array(h.map_or_else(Vec::new, |h| {
        h.values().map(|v| Frame::Bulk(v.clone())).collect()
    }))
}

pub fn hdel(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let Some(h) = try_frame!(hash(ctx, &args[1])) else {
        return Frame::Integer(0);
    };
    let removed = args[2..]
        .iter()
        .filter(|f| h.swap_remove(&f[..]).is_some())
        .count();
    if h.is_empty() {
        ctx.ks.remove(&args[1], ctx.now);
    }
    int(removed)
}

pub fn hlen(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    int(try_frame!(hash(ctx, &args[1])).map_or(0, |h| h.len()))
}

pub fn hexists(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let found = try_frame!(hash(ctx, &args[1])).is_some_and(|h| h.contains_key(&args[2]));
    Frame::Integer(found as i64)
}

pub fn hstrlen(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    int(try_frame!(hash(ctx, &args[1]))
        .and_then(|h| h.get(&args[2]))
        .map_or(0, |v| v.len()))
}

pub fn hincrby(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let by = try_frame!(int_arg(&args[3]));
    let h = try_frame!(hash_or_new(ctx, &args[1]));
    let cur = match h.get(&args[2]) {
        Some(v) => match parse_i64_pub(v) {
            Some(n) => n,
            None => return Frame::static_error("ERR hash value is not an integer"),
        },
        None => 0,
    };
    let Some(next) = cur.checked_add(by) else {
        return Frame::static_error("ERR increment or decrement would overflow");
    };
    h.insert(args[2].clone(), Bytes::from(next.to_string()));
    Frame::Integer(next)
}

pub fn hincrbyfloat(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let by = try_frame!(float_arg(&args[3]));
    if !by.is_finite() {
        return Frame::static_error("ERR value is NaN or Infinity");
    }
    let h = try_frame!(hash_or_new(ctx, &args[1]));
    let cur = match h.get(&args[2]) {
        Some(v) => match super::parse_float(v) {
            Some(n) => n,
            None => return Frame::static_error("ERR hash value is not a float"),
        },
        None => 0.0,
    };
    let next = cur + by;
    if !next.is_finite() {
        return Frame::static_error("ERR increment would produce NaN or Infinity");
    }
    let text = Bytes::from(human_float(next));
    h.insert(args[2].clone(), text.clone());
    Frame::Bulk(text)
}

pub fn hscan(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    try_frame!(parse_cursor(&args[2]));
    let opts = try_frame!(scan_opts(args, 3, false));
    let h = try_frame!(hash(ctx, &args[1]));
    let mut items = Vec::new();
    // Small collections are returned whole with cursor 0, as Redis does for compact ones.
    for (k, v) in h.into_iter().flat_map(|h| h.iter()) {
        if opts
            .pattern
            .as_ref()
            .is_none_or(|p| glob_match(p, k, false))
        {
            items.push(bulk(k));
            items.push(bulk(v));
        }
    }
    scan_reply(0, items)
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn hash_commands() {
        let mut h = Harness::new();
        h.check(&[
            ("hset h a 1 b 2", ":2\r\n"),
            ("hset h a 3", ":0\r\n"),
            (
                "hset h a",
                "-ERR wrong number of arguments for 'hset' command\r\n",
            ),
            ("hmset h c 4", "+OK\r\n"),
            ("hget h a", "$1\r\n3\r\n"),
            ("hget h z", "$-1\r\n"),
            ("hmget h a z", "*2\r\n$1\r\n3\r\n$-1\r\n"),
            (
                "hgetall h",
                "*6\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n4\r\n",
            ),
            ("hlen h", ":3\r\n"),
            ("hexists h a", ":1\r\n"),
            ("hsetnx h a 9", ":0\r\n"),
            ("hincrby h a 10", ":13\r\n"),
            ("hincrbyfloat h a 0.5", "$4\r\n13.5\r\n"),
            ("hincrby h a 1", "-ERR hash value is not an integer\r\n"),
            ("hstrlen h a", ":4\r\n"),
            ("hkeys h", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
            ("hdel h a b c d", ":3\r\n"),
            ("exists h", ":0\r\n"),
            ("hrandfield h", "$-1\r\n"),
            ("set s x", "+OK\r\n"),
            (
                "hget s a",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
        ]);
        h.client.resp3 = true;
        h.check(&[
            ("hset h a 1", ":1\r\n"),
            ("hgetall h", "%1\r\n$1\r\na\r\n$1\r\n1\r\n"),
        ]);
    }
}
