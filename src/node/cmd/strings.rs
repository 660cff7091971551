//! String commands: GET/SET and their variants, counters, ranges.

use bytes::Bytes;

use super::{bulk, eq_ic, float_arg, int, int_arg, not_integer, syntax_error, wrongtype, Ctx};
use crate::node::keyspace::{Ttl, Value};
use crate::node::resp::{parse_i64_pub, Frame};

const MAX_STRING: usize = 512 * 1024 * 1024;

/// Reads a string value: Ok(None) when missing, Err(WRONGTYPE) for other types.
pub(super) fn get_string<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a [u8]>, Frame> {
    match ctx.ks.get(key, ctx.now) {
        None => Ok(None),
        Some(v) => v.as_bytes().map(Some).ok_or_else(wrongtype),
    }
}

pub fn get(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    match get_string(ctx, &args[1]) {
        Ok(Some(v)) => bulk(v),
        Ok(None) => Frame::Null,
        Err(e) => e,
    }
}

/// Parses an expiry option's argument into an absolute unix-ms time.
fn expire_time(ctx: &Ctx, unit: &[u8], arg: &[u8], cmd: &str) -> Result<u64, Frame> {
    let n = int_arg(arg)?;
    let invalid = || Frame::error(format!("ERR invalid expire time in '{cmd}' command"));
    if n <= 0 {
        return Err(invalid());
    }
    let now = ctx.now as i64;
    let at = if eq_ic(unit, "ex") {
        n.checked_mul(1000).and_then(|ms| ms.checked_add(now))
    } else if eq_ic(unit, "px") {
        n.checked_add(now)
    } else if eq_ic(unit, "exat") {
        n.checked_mul(1000)
    } else {
        Some(n)
    };
    at.map(|a| a as u64).ok_or_else(invalid)
}

fn is_expire_unit(arg: &[u8]) -> bool {
    ["ex", "px", "exat", "pxat"].iter().any(|u| eq_ic(arg, u))
}

pub fn set(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let (mut nx, mut xx, mut want_get, mut keep) = (false, false, false, false);
    let mut expire: Option<u64> = None;
    let mut i = 3;
    while i < args.len() {
        let a = &args[i];
        if eq_ic(a, "nx") && !xx {
            nx = true;
        } else if eq_ic(a, "xx") && !nx {
            xx = true;
        } else if eq_ic(a, "get") {
            want_get = true;
        } else if eq_ic(a, "keepttl") && expire.is_none() {
            keep = true;
        } else if is_expire_unit(a) && expire.is_none() && !keep && i + 1 < args.len() {
            match expire_time(ctx, a, &args[i + 1], "set") {
                Ok(at) => expire = Some(at),
                Err(e) => return e,
            }
            i += 1;
        } else {
            return syntax_error();
        }
        i += 1;
    }
    let key = &args[1];
    let old = if want_get {
        match get_string(ctx, key) {
            Ok(v) => v.map(Bytes::copy_from_slice),
            Err(e) => return e,
        }
    } else {
        None
    };
    let exists = if want_get {
        old.is_some()
    } else if nx || xx {
        ctx.ks.contains(key, ctx.now)
    } else {
        false
    };
    let skip = (nx && exists) || (xx && !exists);
    if !skip {
        let ttl = match expire {
            Some(at) => Ttl::At(at),
            None if keep => Ttl::Keep,
            None => Ttl::Clear,
        };
        ctx.ks.put(key, Value::string(&args[2]), ttl);
        if expire.is_some_and(|at| at <= ctx.now) {
            ctx.ks.expire_if_needed(key, ctx.now);
        }
    }
    match (want_get, skip) {
        (true, _) => old.map_or(Frame::Null, Frame::Bulk),
        (false, true) => Frame::Null,
        (false, false) => Frame::ok(),
    }
}

pub fn setnx(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    if ctx.ks.contains(&args[1], ctx.now) {
        return Frame::Integer(0);
    }
    ctx.ks.put(&args[1], Value::string(&args[2]), Ttl::Clear);
    Frame::Integer(1)
}

fn set_with_expire(ctx: &mut Ctx, args: &[Bytes], unit: &str, name: &str) -> Frame {
    match expire_time(ctx, unit.as_bytes(), &args[2], name) {
        Ok(at) => {
            ctx.ks.put(&args[1], Value::string(&args[3]), Ttl::At(at));
            Frame::ok()
        }
        Err(e) => e,
    }
}

pub fn setex(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    set_with_expire(ctx, args, "ex", "setex")
}

pub fn psetex(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    set_with_expire(ctx, args, "px", "psetex")
}

pub fn getset(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let old = match get_string(ctx, &args[1]) {
        Ok(v) => v.map_or(Frame::Null, bulk),
        Err(e) => return e,
    };
    ctx.ks.put(&args[1], Value::string(&args[2]), Ttl::Clear);
    old
}

pub fn getdel(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let reply = match get_string(ctx, &args[1]) {
        Ok(Some(v)) => bulk(v),
        Ok(None) => return Frame::Null,
        Err(e) => return e,
    };
    ctx.ks.remove(&args[1], ctx.now);
    reply
}

pub fn getex(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let mut change: Option<Ttl> = None;
    let mut i = 2;
    while i < args.len() {
        if eq_ic(&args[i], "persist") && change.is_none() {
            change = Some(Ttl::Clear);
        } else if is_expire_unit(&args[i]) && change.is_none() && i + 1 < args.len() {
            match expire_time(ctx, &args[i], &args[i + 1], "getex") {
                Ok(at) => change = Some(Ttl::At(at)),
                Err(e) => return e,
            }
            i += 1;
        } else {
            return syntax_error();
        }
        i += 1;
    }
    let reply = match get_string(ctx, &args[1]) {
        Ok(Some(v)) => bulk(v),
        Ok(None) => return Frame::Null,
        Err(e) => return e,
    };
    match change {
        Some(Ttl::At(at)) if at <= ctx.now => {
            ctx.ks.remove(&args[1], ctx.now);
        }
        Some(Ttl::At(at)) => ctx.ks.set_expire(&args[1], at),
        Some(_) => {
            ctx.ks.persist(&args[1]);
        }
        None => {}
    }
    reply
}

pub fn mget(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let items = args[1..]
        .iter()
        .map(
            |k| match ctx.ks.get(k, ctx.now).and_then(|v| v.as_bytes()) {
                Some(v) => bulk(v),
                None => Frame::Null,
            },
        )
        .collect();
    Frame::Array(items)
}

pub fn mset(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    if args.len().is_multiple_of(2) {
        return super::wrong_args("mset");
    }
    for pair in args[1..].chunks(2) {
        ctx.ks.put(&pair[0], Value::string(&pair[1]), Ttl::Clear);
    }
    Frame::ok()
}

pub fn msetnx(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    if args.len().is_multiple_of(2) {
        return super::wrong_args("msetnx");
    }
    if args[1..].chunks(2).any(|p| ctx.ks.contains(&p[0], ctx.now)) {
        return Frame::Integer(0);
    }
    mset(ctx, args);
    Frame::Integer(1)
}

fn incr_by(ctx: &mut Ctx, key: &[u8], by: i64) -> Frame {
    let current = match get_string(ctx, key) {
        Ok(Some(v)) => match parse_i64_pub(v) {
            Some(n) => n,
            None => return not_integer(),
        },
        Ok(None) => 0,
        Err(e) => return e,
    };
    let Some(next) = current.checked_add(by) else {
        return Frame::static_error("ERR increment or decrement would overflow");
    };
    let text = itoa::Buffer::new().format(next).as_bytes().to_vec();
    ctx.ks.put(key, Value::string(&text), Ttl::Keep);
    Frame::Integer(next)
}

pub fn incr(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    incr_by(ctx, &args[1], 1)
}

pub fn decr(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    incr_by(ctx, &args[1], -1)
}

pub fn incrby(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    match int_arg(&args[2]) {
        Ok(by) => incr_by(ctx, &args[1], by),
        Err(e) => e,
    }
}

pub fn decrby(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    match int_arg(&args[2]) {
        Ok(i64::MIN) => Frame::static_error("ERR decrement would overflow"),
        Ok(by) => incr_by(ctx, &args[1], -by),
        Err(e) => e,
    }
}

/// A float as INCRBYFLOAT stores it: no exponent, no trailing zeros.
pub fn human_float(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e17 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

pub fn incrbyfloat(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let by = match float_arg(&args[2]) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let current = match get_string(ctx, &args[1]) {
        Ok(Some(v)) => match super::parse_float(v) {
            Some(f) => f,
            None => return super::not_float(),
        },
        Ok(None) => 0.0,
        Err(e) => return e,
    };
    let next = current + by;
    if !next.is_finite() {
        return Frame::static_error("ERR increment would produce NaN or Infinity");
    }
    let text = human_float(next);
    ctx.ks
        .put(&args[1], Value::string(text.as_bytes()), Ttl::Keep);
    Frame::Bulk(Bytes::from(text))
}

pub fn append(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let mut data = match get_string(ctx, &args[1]) {
        Ok(v) => v.map(<[u8]>::to_vec).unwrap_or_default(),
        Err(e) => return e,
    };
    if data.len() + args[2].len() > MAX_STRING {
        return Frame::static_error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    }
    data.extend_from_slice(&args[2]);
    let len = data.len();
    ctx.ks.put(&args[1], Value::string(&data), Ttl::Keep);
    int(len)
}

pub fn strlen(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    match get_string(ctx, &args[1]) {
        Ok(v) => int(v.map_or(0, <[u8]>::len)),
        Err(e) => e,
    }
}

pub fn getrange(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let (start, end) = match (int_arg(&args[2]), int_arg(&args[3])) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let value = match get_string(ctx, &args[1]) {
        Ok(v) => v.unwrap_or(b""),
        Err(e) => return e,
    };
    if start < 0 && end < 0 && start > end {
        return bulk(b"");
    }
    match super::clamp_range(start, end, value.len()) {
        Some((s, e)) => bulk(&value[s..=e]),
        None => bulk(b""),
    }
}

pub fn setrange(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let offset = match int_arg(&args[2]) {
        Ok(o) if o >= 0 => o as usize,
        Ok(_) => return Frame::static_error("ERR offset is out of range"),
        Err(e) => return e,
    };
    let mut data = match get_string(ctx, &args[1]) {
        Ok(v) => v.map(<[u8]>::to_vec).unwrap_or_default(),
        Err(e) => return e,
    };
    let patch = &args[3];
    if patch.is_empty() {
        return int(data.len());
    }
    if offset + patch.len() > MAX_STRING {
        return Frame::static_error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    }
    if data.len() < offset + patch.len() {
        data.resize(offset + patch.len(), 0);
    }
    data[offset..offset + patch.len()].copy_from_slice(patch);
    let len = data.len();
    ctx.ks.put(&args[1], Value::string(&data), Ttl::Keep);
    int(len)
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn set_and_get() {
        let mut h = Harness::new();
        h.check(&[
            ("get k", "$-1\r\n"),
            ("set k hello", "+OK\r\n"),
            ("get k", "$5\r\nhello\r\n"),
            ("set k v nx", "$-1\r\n"),
            ("set k v2 xx get", "$5\r\nhello\r\n"),
            ("set n v xx", "$-1\r\n"),
            (
                "set k v ex 0",
                "-ERR invalid expire time in 'set' command\r\n",
            ),
            ("set k v ex 10 px 10", "-ERR syntax error\r\n"),
            (
                "set k v ex abc",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("set k v px 500", "+OK\r\n"),
            ("pttl k", ":500\r\n"),
            ("set k v2 keepttl", "+OK\r\n"),
            ("pttl k", ":500\r\n"),
            ("setnx k x", ":0\r\n"),
            ("getset k new", "$2\r\nv2\r\n"),
            ("ttl k", ":-1\r\n"),
            ("getdel k", "$3\r\nnew\r\n"),
            ("getdel k", "$-1\r\n"),
            ("mset {m}a 1 {m}b 2", "+OK\r\n"),
            ("mget {m}a {m}b {m}c", "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"),
            ("msetnx {m}a 1 {m}z 2", ":0\r\n"),
            (
                "mset a",
                "-ERR wrong number of arguments for 'mset' command\r\n",
            ),
            ("lpush l x", ":1\r\n"),
            (
                "get l",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("set k v ex 100 get", "$-1\r\n"),
            ("getex k persist", "$1\r\nv\r\n"),
            ("ttl k", ":-1\r\n"),
            ("getex k ex 5", "$1\r\nv\r\n"),
            ("ttl k", ":5\r\n"),
        ]);
        h.now += 5000;
        h.check(&[("get k", "$-1\r\n"), ("exists k", ":0\r\n")]);
    }

    #[test]
    fn counters_and_ranges() {
        let mut h = Harness::new();
        h.check(&[
            ("incr c", ":1\r\n"),
            ("incrby c 10", ":11\r\n"),
            ("decr c", ":10\r\n"),
            ("decrby c 20", ":-10\r\n"),
            ("set c 9223372036854775807", "+OK\r\n"),
            ("incr c", "-ERR increment or decrement would overflow\r\n"),
            ("set c x", "+OK\r\n"),
            ("incr c", "-ERR value is not an integer or out of range\r\n"),
            ("incrbyfloat f 10.5", "$4\r\n10.5\r\n"),
            ("incrbyfloat f 0.1", "$4\r\n10.6\r\n"),
            ("incrbyfloat f -10.6", "$1\r\n0\r\n"),
            ("incrbyfloat f abc", "-ERR value is not a valid float\r\n"),
            ("set s Hello", "+OK\r\n"),
            ("append s \" World\"", ":11\r\n"),
            ("strlen s", ":11\r\n"),
            ("getrange s 0 4", "$5\r\nHello\r\n"),
            ("getrange s -5 -1", "$5\r\nWorld\r\n"),
            ("getrange s 5 2", "$0\r\n\r\n"),
            ("setrange s 6 Redis", ":11\r\n"),
            ("get s", "$11\r\nHello Redis\r\n"),
            ("setrange z 2 ab", ":4\r\n"),
            ("get z", "$4\r\n\0\0ab\r\n"),
            ("setrange z -1 ab", "-ERR offset is out of range\r\n"),
        ]);
    }
}
