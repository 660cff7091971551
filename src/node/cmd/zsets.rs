//! Sorted set commands.

use std::ops::Bound;

use bytes::Bytes;

use super::generic::{parse_cursor, scan_opts, scan_reply};
use super::{
    clamp_range, eq_ic, float_arg, int, int_arg, parse_float, syntax_error, wrongtype, Ctx,
};
use crate::node::keyspace::{glob_match, Score, Value, ZSet};
use crate::node::resp::Frame;

pub(super) fn zset<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut ZSet>, Frame> {
    match ctx.ks.get(key, ctx.now) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(wrongtype()),
    }
}

/// Members with optional scores: flat in RESP2, [member, score] pairs in RESP3.
pub(super) fn with_scores(ctx: &Ctx, items: Vec<(Bytes, f64)>, scores: bool) -> Frame {
    if !scores {
        return Frame::Array(items.into_iter().map(|(m, _)| Frame::Bulk(m)).collect());
    }
    if ctx.client.resp3 {
        return Frame::Array(
            items
                .into_iter()
                .map(|(m, s)| Frame::Array(vec![Frame::Bulk(m), Frame::Double(s)]))
                .collect(),
        );
    }
    let mut out = Vec::with_capacity(items.len() * 2);
    for (m, s) in items {
        out.push(Frame::Bulk(m));
        out.push(Frame::Double(s));
    }
    Frame::Array(out)
}

pub fn zadd(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let (mut nx, mut xx, mut gt, mut lt, mut ch, mut incr) =
        (false, false, false, false, false, false);
    let mut i = 2;
    while i < args.len() {
        let a = &args[i];
        match () {
            _ if eq_ic(a, "nx") => nx = true,
            _ if eq_ic(a, "xx") => xx = true,
            _ if eq_ic(a, "gt") => gt = true,
            _ if eq_ic(a, "lt") => lt = true,
            _ if eq_ic(a, "ch") => ch = true,
            _ if eq_ic(a, "incr") => incr = true,
            _ => break,
        }
        i += 1;
    }
    let pairs = &args[i..];
    if pairs.is_empty() || !pairs.len().is_multiple_of(2) {
        return syntax_error();
    }
    if nx && xx {
        return Frame::static_error("ERR XX and NX options at the same time are not compatible");
    }
    if (nx && (gt || lt)) || (gt && lt) {
        return Frame::static_error(
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        );
    }
    if incr && pairs.len() > 2 {
        return Frame::static_error("ERR INCR option supports a single increment-element pair");
    }
    let mut parsed = Vec::with_capacity(pairs.len() / 2);
    for p in pairs.chunks(2) {
        parsed.push((try_frame!(float_arg(&p[0])), p[1].clone()));
    }
    let z = match zset(ctx, &args[1]) {
        Err(e) => return e,
        Ok(Some(z)) => z,
        Ok(None) if xx => return if incr { Frame::Null } else { Frame::Integer(0) },
        Ok(None) => match ctx
            .ks
            .get_or_insert_with(&args[1], ctx.now, || Value::ZSet(Box::default()))
        {
            Value::ZSet(z) => z,
            _ => return wrongtype(),
        },
    };
    let (mut added, mut changed) = (0, 0);
    let mut last = None;
    for (score, member) in parsed {
        let old = z.score(&member);
        let new = match (incr, old) {
            (true, Some(o)) => o + score,
            _ => score,
        };
        if new.is_nan() {
            return Frame::static_error("ERR resulting score is not a number (NaN)");
        }
        let allowed = match old {
            None => !xx,
            Some(o) => !nx && (!gt || new > o) && (!lt || new < o),
        };
        if !allowed {
            continue;
        }
        last = Some(new);
        if old.is_none() {
            added += 1;
        } else if old != Some(new) {
            changed += 1;
        }
        z.insert(member, new);
    }
    if z.is_empty() {
        ctx.ks.remove(&args[1], ctx.now);
    }
    if incr {
        return last.map_or(Frame::Null, Frame::Double);
    }
    Frame::Integer(if ch { added + changed } else { added })
}

pub fn zincrby(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let by = try_frame!(float_arg(&args[2]));
    let z = match ctx
        .ks
        .get_or_insert_with(&args[1], ctx.now, || Value::ZSet(Box::default()))
    {
        Value::ZSet(z) => z,
        _ => return wrongtype(),
    };
    let new = z.score(&args[3]).unwrap_or(0.0) + by;
    if new.is_nan() {
        return Frame::static_error("ERR resulting score is not a number (NaN)");
    }
    z.insert(args[3].clone(), new);
    Frame::Double(new)
}

pub fn zrem(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let Some(z) = try_frame!(zset(ctx, &args[1])) else {
        return Frame::Integer(0);
    };
    let n = args[2..].iter().filter(|m| z.remove(m)).count();
    if z.is_empty() {
        ctx.ks.remove(&args[1], ctx.now);
    }
    int(n)
}

pub fn zscore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    try_frame!(zset(ctx, &args[1]))
        .and_then(|z| z.score(&args[2]))
        .map_or(Frame::Null, Frame::Double)
}

pub fn zmscore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let z = try_frame!(zset(ctx, &args[1]));
    Frame::Array(
        args[2..]
            .iter()
            .map(|m| {
                z.as_ref()
                    .and_then(|z| z.score(m))
                    .map_or(Frame::Null, Frame::Double)
            })
            .collect(),
    )
}

pub fn zcard(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    int(try_frame!(zset(ctx, &args[1])).map_or(0, |z| z.len()))
}

fn rank_generic(ctx: &mut Ctx, args: &[Bytes], rev: bool) -> Frame {
    let Some(z) = try_frame!(zset(ctx, &args[1])) else {
        return Frame::Null;
    };
    let len = z.len();
    match z.rank(&args[2]) {
        Some(r) if rev => int(len - 1 - r),
        Some(r) => int(r),
        None => Frame::Null,
    }
}

pub fn zrank(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    rank_generic(ctx, args, false)
}

pub fn zrevrank(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    rank_generic(ctx, args, true)
}

/// A score bound: `1.5`, `(1.5` (exclusive), `-inf`, `+inf`.
pub(super) fn score_bound(arg: &[u8]) -> Option<Bound<f64>> {
    match arg.strip_prefix(b"(") {
        Some(rest) => parse_float(rest).map(Bound::Excluded),
        None => parse_float(arg).map(Bound::Included),
    }
}

fn in_bounds(s: f64, min: Bound<f64>, max: Bound<f64>) -> bool {
    let above = match min {
        Bound::Included(m) => s >= m,
        Bound::Excluded(m) => s > m,
        Bound::Unbounded => true,
    };
    let below = match max {
        Bound::Included(m) => s <= m,
        Bound::Excluded(m) => s < m,
        Bound::Unbounded => true,
    };
    above && below
}

/// Members whose score is within the bounds, in ascending order.
pub(super) fn score_range(z: &ZSet, min: Bound<f64>, max: Bound<f64>) -> Vec<(Bytes, f64)> {
    let lo = match min {
        Bound::Included(m) | Bound::Excluded(m) => m,
        Bound::Unbounded => f64::NEG_INFINITY,
    };
    let hi = match max {
        Bound::Included(m) | Bound::Excluded(m) => m,
        Bound::Unbounded => f64::INFINITY,
    };
    if lo > hi {
        return Vec::new();
    }
    z.by_score
        .range((Bound::Included((Score(lo), Bytes::new())), Bound::Unbounded))
        .take_while(|(s, _)| s.0 <= hi)
        .filter(|(s, _)| in_bounds(s.0, min, max))
        .map(|(s, m)| (m.clone(), s.0))
        .collect()
}

pub fn zcount(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let (Some(min), Some(max)) = (score_bound(&args[2]), score_bound(&args[3])) else {
        return Frame::static_error("ERR min or max is not a float");
    };
    let z = try_frame!(zset(ctx, &args[1]));
    int(z.map_or(0, |z| score_range(z, min, max).len()))
}

/// A lexicographic bound: `-`, `+`, `[member` (inclusive), `(member` (exclusive).
#[derive(Clone)]
pub(super) enum LexBound {
    Min,
    Max,
    Included(Bytes),
    Excluded(Bytes),
}

pub(super) fn lex_bound(arg: &Bytes) -> Result<LexBound, Frame> {
    match arg.first() {
        Some(b'-') if arg.len() == 1 => Ok(LexBound::Min),
        Some(b'+') if arg.len() == 1 => Ok(LexBound::Max),
        Some(b'[') => Ok(LexBound::Included(arg.slice(1..))),
        Some(b'(') => Ok(LexBound::Excluded(arg.slice(1..))),
        _ => Err(Frame::static_error(
            "ERR min or max not valid string range item",
        )),
    }
}

fn above_lex(m: &[u8], min: &LexBound) -> bool {
    match min {
        LexBound::Min => true,
        LexBound::Max => false,
        LexBound::Included(b) => m >= &b[..],
        LexBound::Excluded(b) => m > &b[..],
    }
}

fn below_lex(m: &[u8], max: &LexBound) -> bool {
    match max {
        LexBound::Min => false,
        LexBound::Max => true,
        LexBound::Included(b) => m <= &b[..],
        LexBound::Excluded(b) => m < &b[..],
    }
}

/// Members within the lexicographic bounds, in set order. As in Redis, the set is assumed
/// to hold one score, so the range is the run of members from the first one above `min`.
pub(super) fn lex_range(z: &ZSet, min: &LexBound, max: &LexBound) -> Vec<(Bytes, f64)> {
    z.by_score
        .iter()
        .skip_while(|(_, m)| !above_lex(m, min))
        .take_while(|(_, m)| below_lex(m, max))
        .map(|(s, m)| (m.clone(), s.0))
        .collect()
}

pub fn zlexcount(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let min = try_frame!(lex_bound(&args[2]));
    let max = try_frame!(lex_bound(&args[3]));
    let z = try_frame!(zset(ctx, &args[1]));
    int(z.map_or(0, |z| lex_range(z, &min, &max).len()))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum By {
    Rank,
    Score,
    Lex,
}

/// ZRANGE and its older forms, after their arguments are normalised.
struct RangeSpec {
    by: By,
    rev: bool,
    limit: Option<(i64, i64)>,
    scores: bool,
}

/// `offset`/`count` of LIMIT applied to `items` (in the order of the reply).
fn limited(items: Vec<(Bytes, f64)>, rev: bool, limit: Option<(i64, i64)>) -> Vec<(Bytes, f64)> {
    let (offset, count) = limit.unwrap_or((0, -1));
    if offset < 0 {
        return Vec::new();
    }
    let count = if count < 0 {
        usize::MAX
    } else {
        count as usize
    };
    let it = items.into_iter();
    if rev {
        it.rev().skip(offset as usize).take(count).collect()
    } else {
        it.skip(offset as usize).take(count).collect()
    }
}

/// The members a ZRANGE-style request selects, in reply order.
fn range_items(
    ctx: &mut Ctx,
    key: &[u8],
    start: &Bytes,
    stop: &Bytes,
    spec: &RangeSpec,
) -> Result<Vec<(Bytes, f64)>, Frame> {
    // REV takes (max, min).
    let (min_arg, max_arg) = if spec.rev {
        (stop, start)
    } else {
        (start, stop)
    };
    match spec.by {
        By::Score => {
            let (Some(min), Some(max)) = (score_bound(min_arg), score_bound(max_arg)) else {
                return Err(Frame::static_error("ERR min or max is not a float"));
            };
            let Some(z) = zset(ctx, key)? else {
                return Ok(Vec::new());
            };
            Ok(limited(score_range(z, min, max), spec.rev, spec.limit))
        }
        By::Lex => {
            let (min, max) = (lex_bound(min_arg)?, lex_bound(max_arg)?);
            let Some(z) = zset(ctx, key)? else {
                return Ok(Vec::new());
            };
            Ok(limited(lex_range(z, &min, &max), spec.rev, spec.limit))
        }
        By::Rank => {
            if spec.limit.is_some() {
                return Err(Frame::static_error(
                    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
                ));
            }
            let (s, e) = (int_arg(start)?, int_arg(stop)?);
            let Some(z) = zset(ctx, key)? else {
                return Ok(Vec::new());
            };
            let Some((s, e)) = clamp_range(s, e, z.len()) else {
                return Ok(Vec::new());
            };
            let all = z.by_score.iter().map(|(sc, m)| (m.clone(), sc.0));
            Ok(if spec.rev {
                all.rev().skip(s).take(e - s + 1).collect()
            } else {
                all.skip(s).take(e - s + 1).collect()
            })
        }
    }
}

fn zrange_generic(
    ctx: &mut Ctx,
    key: &[u8],
    start: &Bytes,
    stop: &Bytes,
    spec: RangeSpec,
) -> Frame {
    let items = try_frame!(range_items(ctx, key, start, stop, &spec));
    with_scores(ctx, items, spec.scores)
}

/// Parses trailing `[BYSCORE|BYLEX] [REV] [LIMIT o c] [WITHSCORES]` options from
/// `args[from..]` (`allow_by`: ZRANGE's full set; else only LIMIT and WITHSCORES).
fn range_opts(args: &[Bytes], from: usize, allow_by: bool) -> Result<RangeSpec, Frame> {
    let mut spec = RangeSpec {
        by: By::Rank,
        rev: false,
        limit: None,
        scores: false,
    };
    let mut i = from;
    while i < args.len() {
        let a = &args[i];
        if eq_ic(a, "withscores") {
            spec.scores = true;
        } else if allow_by && eq_ic(a, "byscore") && spec.by != By::Lex {
            spec.by = By::Score;
        } else if allow_by && eq_ic(a, "bylex") && spec.by != By::Score {
            spec.by = By::Lex;
        } else if allow_by && eq_ic(a, "rev") {
            spec.rev = true;
        } else if eq_ic(a, "limit") && i + 2 < args.len() {
            spec.limit = Some((int_arg(&args[i + 1])?, int_arg(&args[i + 2])?));
            i += 2;
        } else {
            return Err(syntax_error());
        }
        i += 1;
    }
    if spec.scores && spec.by == By::Lex {
        return Err(Frame::static_error(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    Ok(spec)
}

pub fn zrange(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let spec = try_frame!(range_opts(args, 4, true));
    zrange_generic(ctx, &args[1], &args[2], &args[3], spec)
}

/// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count].
pub fn zrangestore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let spec = try_frame!(range_opts(args, 5, true));
    if spec.scores {
        return syntax_error();
    }
    let items = try_frame!(range_items(ctx, &args[2], &args[3], &args[4], &spec));
    super::zsets_store::store_result(ctx, &args[1], items)
}

pub fn zrevrange(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let mut spec = try_frame!(range_opts(args, 4, false));
    if spec.limit.is_some() {
        return syntax_error();
    }
    spec.rev = true;
    zrange_generic(ctx, &args[1], &args[2], &args[3], spec)
}

fn by_generic(ctx: &mut Ctx, args: &[Bytes], by: By, rev: bool) -> Frame {
    let mut spec = try_frame!(range_opts(args, 4, false));
    if by == By::Lex && spec.scores {
        return syntax_error();
    }
    spec.by = by;
    spec.rev = rev;
    zrange_generic(ctx, &args[1], &args[2], &args[3], spec)
}

pub fn zrangebyscore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    by_generic(ctx, args, By::Score, false)
}

pub fn zrevrangebyscore(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    by_generic(ctx, args, By::Score, true)
}

pub fn zrangebylex(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    by_generic(ctx, args, By::Lex, false)
}

pub fn zrevrangebylex(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    by_generic(ctx, args, By::Lex, true)
}

fn pop_generic(ctx: &mut Ctx, args: &[Bytes], max: bool) -> Frame {
    let count = match args.get(2) {
        Some(c) => match int_arg(c) {
            Ok(n) if n >= 0 => Some(n as usize),
            Ok(_) => return Frame::static_error("ERR value is out of range, must be positive"),
            Err(e) => return e,
        },
        None => None,
    };
    if args.len() > 3 {
        return syntax_error();
    }
    let Some(z) = try_frame!(zset(ctx, &args[1])) else {
        return Frame::Array(vec![]);
    };
    let items: Vec<(Bytes, f64)> = (0..count.unwrap_or(1))
        .map_while(|_| if max { z.pop_max() } else { z.pop_min() })
        .collect();
    if z.is_empty() {
        ctx.ks.remove(&args[1], ctx.now);
    }
    if count.is_none() || !ctx.client.resp3 {
        let mut out = Vec::new();
        for (m, s) in items {
            out.push(Frame::Bulk(m));
            out.push(Frame::Double(s));
        }
        return Frame::Array(out);
    }
    with_scores(ctx, items, true)
}

pub fn zpopmin(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    pop_generic(ctx, args, false)
}

pub fn zpopmax(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    pop_generic(ctx, args, true)
}

pub fn zscan(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    try_frame!(parse_cursor(&args[2]));
    let opts = try_frame!(scan_opts(args, 3, false));
    let z = try_frame!(zset(ctx, &args[1]));
    let mut items = Vec::new();
    for (s, m) in z.into_iter().flat_map(|z| z.by_score.iter()) {
        if opts
            .pattern
            .as_ref()
            .is_none_or(|p| glob_match(p, m, false))
        {
            items.push(Frame::Bulk(m.clone()));
            items.push(Frame::Double(s.0));
        }
    }
    scan_reply(0, items)
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn zset_commands() {
        let mut h = Harness::new();
        h.check(&[
            ("zadd z 1 a 2 b 0.1 c", ":3\r\n"),
            (
                "zadd z nx xx 1 a",
                "-ERR XX and NX options at the same time are not compatible\r\n",
            ),
            ("zadd z 1 a 2", "-ERR syntax error\r\n"),
            ("zadd z x a", "-ERR value is not a valid float\r\n"),
            ("zadd z ch 5 a 2 b", ":1\r\n"),
            ("zadd z incr 1 a", "$1\r\n6\r\n"),
            ("zscore z c", "$19\r\n0.10000000000000001\r\n"),
            ("zscore z nope", "$-1\r\n"),
            ("zcard z", ":3\r\n"),
            ("zrank z a", ":2\r\n"),
            ("zrevrank z a", ":0\r\n"),
            ("zrange z 0 -1", "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"),
            (
                "zrange z 0 0 withscores",
                "*2\r\n$1\r\nc\r\n$19\r\n0.10000000000000001\r\n",
            ),
            ("zrevrange z 0 0", "*1\r\n$1\r\na\r\n"),
            ("zrangebyscore z (0.1 +inf limit 0 1", "*1\r\n$1\r\nb\r\n"),
            (
                "zrange z +inf 2 byscore rev",
                "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
            ),
            ("zcount z -inf 2", ":2\r\n"),
            ("zcount z x 2", "-ERR min or max is not a float\r\n"),
            ("zincrby z 1.5 b", "$3\r\n3.5\r\n"),
            (
                "zpopmin z",
                "*2\r\n$1\r\nc\r\n$19\r\n0.10000000000000001\r\n",
            ),
            (
                "zpopmax z 5",
                "*4\r\n$1\r\na\r\n$1\r\n6\r\n$1\r\nb\r\n$3\r\n3.5\r\n",
            ),
            ("exists z", ":0\r\n"),
            ("zpopmin z", "*0\r\n"),
        ]);
    }
}
