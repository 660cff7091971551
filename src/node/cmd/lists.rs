//! List commands.

use bytes::Bytes;

use super::{clamp_range, eq_ic, int, int_arg, syntax_error, wrongtype, Ctx};
use crate::node::keyspace::{ListValue, Value};
use crate::node::resp::Frame;

fn list<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut ListValue>, Frame> {
    match ctx.ks.get(key, ctx.now) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(wrongtype()),
    }
}

fn push(ctx: &mut Ctx, args: &[Bytes], left: bool, only_existing: bool) -> Frame {
    let l = if only_existing {
        match try_frame!(list(ctx, &args[1])) {
            Some(l) => l,
            None => return Frame::Integer(0),
        }
    } else {
        match ctx
            .ks
            .get_or_insert_with(&args[1], ctx.now, || Value::List(Box::default()))
        {
            Value::List(l) => l,
            _ => return wrongtype(),
        }
    };
    for v in &args[2..] {
        if left {
            l.push_front(v.clone());
        } else {
            l.push_back(v.clone());
        }
    }
    int(l.len())
}

pub fn lpush(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    push(ctx, args, true, false)
}

pub fn rpush(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    push(ctx, args, false, false)
}

pub fn lpushx(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    push(ctx, args, true, true)
}

pub fn rpushx(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    push(ctx, args, false, true)
}

fn pop(ctx: &mut Ctx, args: &[Bytes], left: bool) -> Frame {
    let count = match args.get(2) {
        Some(c) => match int_arg(c) {
            Ok(n) if n >= 0 => Some(n as usize),
            Ok(_) => return Frame::static_error("ERR value is out of range, must be positive"),
            Err(e) => return e,
        },
        None => None,
    };
    if args.len() > 3 {
        return super::wrong_args(if left { "lpop" } else { "rpop" });
    }
    let Some(l) = try_frame!(list(ctx, &args[1])) else {
        return if count.is_some() {
            Frame::NullArray
        } else {
            Frame::Null
        };
    };
    let mut take = || if left { l.pop_front() } else { l.pop_back() };
    let reply = match count {
        None => take().map_or(Frame::Null, Frame::Bulk),
        Some(n) => Frame::Array((0..n).map_while(|_| take()).map(Frame::Bulk).collect()),
    };
    if l.is_empty() {
        ctx.ks.remove(&args[1], ctx.now);
    }
    reply
}

pub fn lpop(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    pop(ctx, args, true)
}

pub fn rpop(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    pop(ctx, args, false)
}

pub fn llen(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    int(try_frame!(list(ctx, &args[1])).map_or(0, |l| l.len()))
}

pub fn lrange(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let start = try_frame!(int_arg(&args[2]));
    let end = try_frame!(int_arg(&args[3]));
    let Some(l) = try_frame!(list(ctx, &args[1])) else {
        return Frame::Array(vec![]);
    };
    match clamp_range(start, end, l.len()) {
        Some((s, e)) => Frame::Array(l.range(s..=e).map(|v| Frame::Bulk(v.clone())).collect()),
        None => Frame::Array(vec![]),
    }
}

fn index(i: i64, len: usize) -> Option<usize> {
    let i = if i < 0 { len as i64 + i } else { i };
    (0..len as i64).contains(&i).then_some(i as usize)
}

pub fn lindex(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let i = try_frame!(int_arg(&args[2]));
    let Some(l) = try_frame!(list(ctx, &args[1])) else {
        return Frame::Null;
    };
    index(i, l.len()).map_or(Frame::Null, |i| Frame::Bulk(l[i].clone()))
}

pub fn lset(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let i = try_frame!(int_arg(&args[2]));
    let Some(l) = try_frame!(list(ctx, &args[1])) else {
        return Frame::static_error("ERR no such key");
    };
    match index(i, l.len()) {
        Some(i) => {
            l[i] = args[3].clone();
            Frame::ok()
        }
        None => Frame::static_error("ERR index out of range"),
    }
}

pub fn lrem(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let count = try_frame!(int_arg(&args[2]));
    let Some(l) = try_frame!(list(ctx, &args[1])) else {
        return Frame::Integer(0);
    };
    let limit = if count == 0 {
        usize::MAX
    } else {
        count.unsigned_abs() as usize
    };
    let mut removed = 0;
    let target = &args[3];
    if count >= 0 {
        let mut i = 0;
        while i < l.len() && removed < limit {
            if l[i] == target {
                l.remove(i);
                removed += 1;
            } else {
                i += 1;
            }
        }
    } else {
        let mut i = l.len();
        while i > 0 && removed < limit {
            i -= 1;
            if l[i] == target {
                l.remove(i);
                removed += 1;
            }
        }
    }
    if l.is_empty() {
        ctx.ks.remove(&args[1], ctx.now);
    }
    int(removed)
}

pub fn ltrim(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let start = try_frame!(int_arg(&args[2]));
    let end = try_frame!(int_arg(&args[3]));
    let Some(l) = try_frame!(list(ctx, &args[1])) else {
        return Frame::ok();
    };
    match clamp_range(start, end, l.len()) {
        Some((s, e)) => {
            l.truncate(e + 1);
            l.drain(..s);
        }
        None => l.clear(),
    }
    if l.is_empty() {
        ctx.ks.remove(&args[1], ctx.now);
    }
    Frame::ok()
}

pub fn linsert(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let after = if eq_ic(&args[2], "after") {
        true
    } else if eq_ic(&args[2], "before") {
        false
    } else {
        return syntax_error();
    };
    let Some(l) = try_frame!(list(ctx, &args[1])) else {
        return Frame::Integer(0);
    };
    match l.iter().position(|v| v == &args[3]) {
        Some(i) => {
            l.insert(if after { i + 1 } else { i }, args[4].clone());
            int(l.len())
        }
        None => Frame::Integer(-1),
    }
}

/// LMOVE and RPOPLPUSH: pop from one end of `src`, push onto one end of `dst`.
fn move_element(ctx: &mut Ctx, src: &[u8], dst: &[u8], from_left: bool, to_left: bool) -> Frame {
    if let Err(e) = list(ctx, dst) {
        return e;
    }
    let Some(l) = try_frame!(list(ctx, src)) else {
        return Frame::Null;
    };
    let Some(v) = (if from_left {
        l.pop_front()
    } else {
        l.pop_back()
    }) else {
        return Frame::Null;
    };
    if l.is_empty() {
        ctx.ks.remove(src, ctx.now);
    }
    match ctx
        .ks
        .get_or_insert_with(dst, ctx.now, || Value::List(Box::default()))
    {
        Value::List(d) if to_left => d.push_front(v.clone()),
        Value::List(d) => d.push_back(v.clone()),
        _ => return wrongtype(),
    }
    Frame::Bulk(v)
}

pub fn rpoplpush(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    move_element(ctx, &args[1], &args[2], false, true)
}

pub fn lmove(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let side = |a: &[u8]| {
        if eq_ic(a, "left") {
            Some(true)
        } else if eq_ic(a, "right") {
            Some(false)
        } else {
            None
        }
    };
    match (side(&args[3]), side(&args[4])) {
        (Some(f), Some(t)) => move_element(ctx, &args[1], &args[2], f, t),
        _ => syntax_error(),
    }
}

/// LPOS key element [RANK r] [COUNT n] [MAXLEN m].
pub fn lpos(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let (mut rank, mut count, mut maxlen) = (1i64, None::<usize>, 0usize);
    let mut i = 3;
    while i < args.len() {
        if i + 1 >= args.len() {
            return syntax_error();
        }
        let n = try_frame!(int_arg(&args[i + 1]));
        if eq_ic(&args[i], "rank") {
            if n == 0 {
                return Frame::static_error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
            }
            if n == i64::MIN {
                return Frame::static_error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
            }
            rank = n;
        } else if eq_ic(&args[i], "count") {
            if n < 0 {
                return Frame::static_error("ERR COUNT can't be negative");
            }
            count = Some(n as usize);
        } else if eq_ic(&args[i], "maxlen") {
            if n < 0 {
                return Frame::static_error("ERR MAXLEN can't be negative");
            }
            maxlen = n as usize;
        } else {
            return syntax_error();
        }
        i += 2;
    }
    let Some(l) = try_frame!(list(ctx, &args[1])) else {
        return if count.is_some() {
            Frame::Array(vec![])
        } else {
            Frame::Null
        };
    };
    let limit = if maxlen == 0 {
        l.len()
    } else {
        maxlen.min(l.len())
    };
    let target = &args[2];
    let indexes: Box<dyn Iterator<Item = usize>> = if rank > 0 {
        Box::new(0..limit)
    } else {
        Box::new((l.len() - limit..l.len()).rev())
    };
    let wanted = match count {
        Some(0) => usize::MAX,
        Some(n) => n,
        None => 1,
    };
    let found: Vec<Frame> = indexes
        .filter(|&i| l[i] == target)
        .skip(rank.unsigned_abs() as usize - 1)
        .take(wanted)
        .map(int)
        .collect();
    match count {
        Some(_) => Frame::Array(found),
        None => found.into_iter().next().unwrap_or(Frame::Null),
    }
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn list_commands() {
        let mut h = Harness::new();
        h.check(&[
            ("rpush l a b c", ":3\r\n"),
            ("lpush l z", ":4\r\n"),
            (
                "lrange l 0 -1",
                "*4\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
            ),
            ("lrange l 5 10", "*0\r\n"),
            ("lindex l -1", "$1\r\nc\r\n"),
            ("lindex l 9", "$-1\r\n"),
            ("lset l 0 y", "+OK\r\n"),
            ("lset l 9 y", "-ERR index out of range\r\n"),
            ("lset nope 0 y", "-ERR no such key\r\n"),
            ("linsert l before a q", ":5\r\n"),
            ("linsert l after nope q", ":-1\r\n"),
            ("lrem l 0 q", ":1\r\n"),
            ("lpop l", "$1\r\ny\r\n"),
            ("rpop l 2", "*2\r\n$1\r\nc\r\n$1\r\nb\r\n"),
            ("lpop nope 2", "*-1\r\n"),
            (
                "lpop l -1",
                "-ERR value is out of range, must be positive\r\n",
            ),
            ("llen l", ":1\r\n"),
            ("lpushx nope a", ":0\r\n"),
            ("rpoplpush nope {nope}x", "$-1\r\n"),
            ("rpush {l}a 1 2 3", ":3\r\n"),
            ("lmove {l}a {l}b left right", "$1\r\n1\r\n"),
            ("ltrim {l}a 1 -1", "+OK\r\n"),
            ("lrange {l}a 0 -1", "*1\r\n$1\r\n3\r\n"),
            ("rpush p a b c 1 2 3 c c", ":8\r\n"),
            ("lpos p c", ":2\r\n"),
            ("lpos p c rank 2", ":6\r\n"),
            ("lpos p c rank -1", ":7\r\n"),
            ("lpos p c count 0", "*3\r\n:2\r\n:6\r\n:7\r\n"),
            ("lpos p c count 2 rank -1", "*2\r\n:7\r\n:6\r\n"),
            ("lpos p c maxlen 2", "$-1\r\n"),
            ("lpos p c rank 0", "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n"),
            ("lpos nope c count 1", "*0\r\n"),
            ("rpop l", "$1\r\na\r\n"),
            ("exists l", ":0\r\n"),
        ]);
    }
}
