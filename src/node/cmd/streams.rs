//! Stream commands (XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XREAD), with the argument
//! rules and error texts of redis-server 7.0's `t_stream.c`.

use bytes::Bytes;

use super::{eq_ic, int, int_arg, syntax_error, wrong_args, wrongtype, Ctx, Outcome};
use crate::node::keyspace::{Stream, StreamId, Trim, Value};
use crate::node::notify::STREAM;
use crate::node::resp::Frame;

fn invalid_id() -> Frame {
    Frame::static_error("ERR Invalid stream ID specified as stream command argument")
}

fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 20 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// An ID argument: `ms-seq`, `ms` (seq `missing_seq`), `-` and `+` unless `strict`, and
/// `ms-*` when `seq_star` (then the second value says the sequence was not given).
pub fn parse_id(
    arg: &[u8],
    missing_seq: u64,
    strict: bool,
    seq_star: bool,
) -> Result<(StreamId, bool), Frame> {
    if arg.len() > 127 {
        return Err(invalid_id());
    }
    match arg {
        b"-" | b"+" if strict => return Err(invalid_id()),
        b"-" => return Ok((StreamId::MIN, true)),
        b"+" => return Ok((StreamId::MAX, true)),
        _ => {}
    }
    let (ms, seq) = match arg.iter().position(|&c| c == b'-') {
        Some(at) => (&arg[..at], Some(&arg[at + 1..])),
        None => (arg, None),
    };
    let ms = parse_u64(ms).ok_or_else(invalid_id)?;
    match seq {
        Some(b"*") if seq_star => Ok((StreamId::new(ms, 0), false)),
        Some(s) => Ok((
            StreamId::new(ms, parse_u64(s).ok_or_else(invalid_id)?),
            true,
        )),
        None => Ok((StreamId::new(ms, missing_seq), true)),
    }
}

/// A range bound: an ID, or `(ID` for an exclusive one.
pub(super) fn parse_bound(arg: &[u8], missing_seq: u64) -> Result<(StreamId, bool), Frame> {
    if arg.len() > 1 && arg[0] == b'(' {
        Ok((parse_id(&arg[1..], missing_seq, true, false)?.0, true))
    } else {
        Ok((parse_id(arg, missing_seq, false, false)?.0, false))
    }
}

fn stream<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut Stream>, Frame> {
    match ctx.ks.get(key, ctx.now) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => Err(wrongtype()),
    }
}

pub fn entry_frame(id: StreamId, fields: &[Bytes]) -> Frame {
    Frame::Array(vec![
        Frame::Bulk(id.text()),
        Frame::Array(fields.iter().map(|f| Frame::Bulk(f.clone())).collect()),
    ])
}

/// Entries from `start` to `end` inclusive (descending when `rev`), at most `count`
/// (0: all).
pub fn range(s: &Stream, start: StreamId, end: StreamId, count: usize, rev: bool) -> Vec<Frame> {
    if start > end {
        return Vec::new();
    }
    let limit = if count == 0 { usize::MAX } else { count };
    let iter = s.entries.range(start..=end);
    if rev {
        iter.rev()
            .take(limit)
            .map(|(id, f)| entry_frame(*id, f))
            .collect()
    } else {
        iter.take(limit)
            .map(|(id, f)| entry_frame(*id, f))
            .collect()
    }
}

/// The trimming options XADD and XTRIM share.
#[derive(Default)]
struct TrimArgs {
    how: Option<Trim>,
    approx: bool,
    limit: u64,
    no_mkstream: bool,
    /// XADD: the ID argument's position, the ID, and whether its sequence was given.
    id_at: usize,
    id: Option<(StreamId, bool)>,
}

fn parse_trim(ctx: &Ctx, args: &[Bytes], xadd: bool) -> Result<TrimArgs, Frame> {
    let mut t = TrimArgs::default();
    let mut limit_given = false;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - 1 - i;
        let opt = &args[i];
        if xadd && &opt[..] == b"*" {
            break;
        } else if (eq_ic(opt, "maxlen") || eq_ic(opt, "minid")) && more > 0 {
            if t.how.is_some() {
                return Err(Frame::static_error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible"));
            }
            t.approx = false;
            let next = &args[i + 1][..];
            if more >= 2 && next == b"~" {
                t.approx = true;
                i += 1;
            } else if more >= 2 && next == b"=" {
                i += 1;
            }
            if eq_ic(opt, "maxlen") {
                let n = int_arg(&args[i + 1])?;
                if n < 0 {
                    return Err(Frame::static_error("ERR The MAXLEN argument must be >= 0."));
                }
                t.how = Some(Trim::MaxLen(n as u64));
            } else {
                t.how = Some(Trim::MinId(parse_id(&args[i + 1], 0, true, false)?.0));
            }
            i += 2;
            continue;
        } else if eq_ic(opt, "limit") && more > 0 {
            let n = int_arg(&args[i + 1])?;
            if n < 0 {
                return Err(Frame::static_error("ERR The LIMIT argument must be >= 0."));
            }
            t.limit = n as u64;
            limit_given = true;
            i += 2;
            continue;
        } else if xadd && eq_ic(opt, "nomkstream") {
            t.no_mkstream = true;
        } else if xadd {
            t.id = Some(parse_id(opt, 0, true, true)?);
            break;
        } else {
            return Err(syntax_error());
        }
        i += 1;
    }
    t.id_at = i;
    if t.limit > 0 && t.how.is_none() {
        return Err(Frame::static_error(
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && t.how.is_none() {
        return Err(Frame::static_error(
            "ERR syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    if limit_given {
        if !t.approx {
            return Err(Frame::static_error(
                "ERR syntax error, LIMIT cannot be used without the special ~ option",
            ));
        }
    } else if t.approx {
        t.limit = 100 * ctx.shared.config.read().stream_node_max_entries;
    } else {
        t.limit = 0;
    }
    Ok(t)
}

fn node_limits(ctx: &Ctx) -> (u64, u64) {
    let cfg = ctx.shared.config.read();
    (cfg.stream_node_max_entries, cfg.stream_node_max_bytes)
}

pub fn xadd(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let t = try_frame!(parse_trim(ctx, args, true));
    let fields_at = t.id_at + 1;
    if args.len() < fields_at + 2 || !(args.len() - fields_at).is_multiple_of(2) {
        return wrong_args("xadd");
    }
    if let Some((id, true)) = t.id {
        if id == StreamId::MIN {
            return Frame::static_error("ERR The ID specified in XADD must be greater than 0-0");
        }
    }
    let limits = node_limits(ctx);
    let now = ctx.now;
    let key = &args[1];
    if t.no_mkstream && !ctx.ks.contains(key, now) {
        return Frame::Null;
    }
    let s = match ctx
        .ks
        .get_or_insert_with(key, now, || Value::Stream(Box::default()))
    {
        Value::Stream(s) => s,
        _ => return wrongtype(),
    };
    if s.last_id == StreamId::MAX {
        return Frame::static_error(
            "ERR The stream has exhausted the last possible ID, unable to add more items",
        );
    }
    let last = s.last_id;
    let too_small = || {
        Frame::static_error(
            "ERR The ID specified in XADD is equal or smaller than the target stream top item",
        )
    };
    let id = match t.id {
        None => {
            if now > last.ms {
                StreamId::new(now, 0)
            } else {
                match last.next() {
                    Some(id) => id,
                    None => return too_small(),
                }
            }
        }
        Some((id, true)) => id,
        Some((id, false)) => {
            if id.ms == last.ms {
                if last.seq == u64::MAX {
                    return too_small();
                }
                StreamId::new(id.ms, last.seq + 1)
            } else {
                id
            }
        }
    };
    if id <= last {
        // A stream the command made just now stays, empty, as Redis leaves it.
        return too_small();
    }
    s.append(id, args[fields_at..].to_vec(), limits);
    let trimmed = t.how.is_some_and(|how| s.trim(how, t.approx, t.limit) > 0);
    ctx.ks.record(STREAM, "xadd", key);
    if trimmed {
        ctx.ks.record(STREAM, "xtrim", key);
    }
    Frame::Bulk(id.text())
}

pub fn xlen(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    int(try_frame!(stream(ctx, &args[1])).map_or(0, |s| s.len()))
}

fn xrange_generic(ctx: &mut Ctx, args: &[Bytes], rev: bool) -> Frame {
    let (start_arg, end_arg) = if rev {
        (&args[3], &args[2])
    } else {
        (&args[2], &args[3])
    };
    let (mut start, start_ex) = try_frame!(parse_bound(start_arg, 0));
    if start_ex {
        match start.next() {
            Some(n) => start = n,
            None => return Frame::static_error("ERR invalid start ID for the interval"),
        }
    }
    let (mut end, end_ex) = try_frame!(parse_bound(end_arg, u64::MAX));
    if end_ex {
        match end.prev() {
            Some(p) => end = p,
            None => return Frame::static_error("ERR invalid end ID for the interval"),
        }
    }
    let mut count: i64 = -1;
    let mut j = 4;
    while j < args.len() {
        if eq_ic(&args[j], "count") && j + 1 < args.len() {
            count = try_frame!(int_arg(&args[j + 1])).max(0);
            j += 2;
        } else {
            return syntax_error();
        }
    }
    let Some(s) = try_frame!(stream(ctx, &args[1])) else {
        return Frame::Array(vec![]);
    };
    if count == 0 {
        return Frame::NullArray;
    }
    Frame::Array(range(s, start, end, count.max(0) as usize, rev))
}

pub fn xrange(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    xrange_generic(ctx, args, false)
}

pub fn xrevrange(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    xrange_generic(ctx, args, true)
}

pub fn xdel(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let mut ids = Vec::with_capacity(args.len() - 2);
    for a in &args[2..] {
        ids.push(try_frame!(parse_id(a, 0, true, false)).0);
    }
    let Some(s) = try_frame!(stream(ctx, &args[1])) else {
        return Frame::Integer(0);
    };
    let deleted = ids.into_iter().filter(|id| s.delete(*id)).count();
    if deleted > 0 {
        ctx.ks.record(STREAM, "xdel", &args[1]);
    }
    int(deleted)
}

pub fn xtrim(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    // Redis looks the key up before it parses the options.
    if try_frame!(stream(ctx, &args[1])).is_none() {
        return Frame::Integer(0);
    }
    let t = try_frame!(parse_trim(ctx, args, false));
    if t.id_at != args.len() {
        return syntax_error();
    }
    let Some(s) = try_frame!(stream(ctx, &args[1])) else {
        return Frame::Integer(0);
    };
    let removed = t.how.map_or(0, |how| s.trim(how, t.approx, t.limit));
    if removed > 0 {
        ctx.ks.record(STREAM, "xtrim", &args[1]);
    }
    Frame::Integer(removed as i64)
}

/// What the replication stream and the append-only file carry for an XADD: the command
/// with the ID it generated in place of `*` or `ms-*`, so a replay adds the same entry.
pub fn xadd_propagated(args: &[Bytes], reply: &Frame) -> Option<Vec<Vec<Bytes>>> {
    let Frame::Bulk(id) = reply else {
        return Some(vec![]);
    };
    let mut i = 2;
    while i < args.len() {
        let a = &args[i];
        if eq_ic(a, "maxlen") || eq_ic(a, "minid") {
            let next = args.get(i + 1).map(|n| &n[..]);
            i += if matches!(next, Some(b"~" | b"=")) {
                3
            } else {
                2
            };
        } else if eq_ic(a, "limit") {
            i += 2;
        } else if eq_ic(a, "nomkstream") {
            i += 1;
        } else {
            break;
        }
    }
    let mut out = args.to_vec();
    *out.get_mut(i)? = id.clone();
    Some(vec![out])
}

/// The parsed options of XREAD and XREADGROUP: where the keys start and how many streams
/// there are, and XREADGROUP's group, consumer and NOACK.
pub(super) struct ReadArgs {
    pub block: Option<u64>,
    pub count: usize,
    pub keys_at: usize,
    pub n: usize,
    pub group: Option<(Bytes, Bytes)>,
    pub noack: bool,
}

pub(super) fn parse_read(args: &[Bytes], xreadgroup: bool) -> Result<ReadArgs, Frame> {
    let mut r = ReadArgs {
        block: None,
        count: 0,
        keys_at: 0,
        n: 0,
        group: None,
        noack: false,
    };
    let mut i = 1;
    while i < args.len() {
        let more = args.len() - 1 - i;
        let a = &args[i];
        if eq_ic(a, "block") && more > 0 {
            let t = super::int_arg_or(
                &args[i + 1],
                "ERR timeout is not an integer or out of range",
            )?;
            if t < 0 {
                return Err(Frame::static_error("ERR timeout is negative"));
            }
            r.block = Some(t as u64);
            i += 2;
        } else if eq_ic(a, "count") && more > 0 {
            r.count = int_arg(&args[i + 1])?.max(0) as usize;
            i += 2;
        } else if eq_ic(a, "streams") && more > 0 {
            r.keys_at = i + 1;
            let rest = args.len() - r.keys_at;
            if rest % 2 == 1 {
                return Err(Frame::static_error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."));
            }
            r.n = rest / 2;
            break;
        } else if eq_ic(a, "group") && more > 1 {
            if !xreadgroup {
                return Err(Frame::static_error(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            r.group = Some((args[i + 1].clone(), args[i + 2].clone()));
            i += 3;
        } else if eq_ic(a, "noack") {
            if !xreadgroup {
                return Err(Frame::static_error(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            r.noack = true;
            i += 1;
        } else {
            return Err(syntax_error());
        }
    }
    if r.keys_at == 0 {
        return Err(syntax_error());
    }
    Ok(r)
}

/// The keys of an XREAD or XREADGROUP call: the first half of what follows STREAMS.
pub fn read_keys(args: &[Bytes]) -> Vec<&Bytes> {
    let Some(at) = args.iter().skip(1).position(|a| eq_ic(a, "streams")) else {
        return Vec::new();
    };
    let at = at + 2;
    let n = args.len().saturating_sub(at) / 2;
    args[at..at + n].iter().collect()
}

/// XREAD's and XREADGROUP's reply: each stream's entries under its name, a map in RESP3
/// and an array of [name, entries] pairs in RESP2.
pub(super) fn per_stream_reply(resp3: bool, out: Vec<(Frame, Frame)>) -> Frame {
    if resp3 {
        Frame::Map(out)
    } else {
        Frame::Array(
            out.into_iter()
                .map(|(k, v)| Frame::Array(vec![k, v]))
                .collect(),
        )
    }
}

pub fn xread(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    let r = try_frame!(parse_read(args, false));
    let keys = &args[r.keys_at..r.keys_at + r.n];
    let mut ids = Vec::with_capacity(r.n);
    let mut resolved = args.to_vec();
    for (i, (key, arg)) in keys.iter().zip(&args[r.keys_at + r.n..]).enumerate() {
        let s = try_frame!(stream(ctx, key));
        let id = if &arg[..] == b"$" {
            let last = s.map_or(StreamId::MIN, |s| s.last_id);
            resolved[r.keys_at + r.n + i] = last.text();
            last
        } else if &arg[..] == b">" {
            return Frame::static_error("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.").into();
        } else {
            try_frame!(parse_id(arg, 0, true, false)).0
        };
        ids.push(id);
    }
    let mut out = Vec::new();
    for (key, id) in keys.iter().zip(ids) {
        let Some(s) = try_frame!(stream(ctx, key)) else {
            continue;
        };
        let Some(from) = id.next() else {
            continue;
        };
        let entries = range(s, from, StreamId::MAX, r.count, false);
        if !entries.is_empty() {
            out.push((Frame::Bulk(key.clone()), Frame::Array(entries)));
        }
    }
    if !out.is_empty() {
        let reply = per_stream_reply(ctx.client.resp3, out);
        return reply.into();
    }
    match r.block {
        Some(ms) => super::blocking::block(ctx, &resolved, keys.to_vec(), ms, Frame::NullArray),
        None => Frame::NullArray.into(),
    }
}
