//! SORT and SORT_RO: the elements of a list, set or sorted set, ordered numerically or
//! (ALPHA) bytewise, optionally by weights read from other keys (BY pattern), limited,
//! mapped to other keys' values (GET pattern), and stored as a list (STORE), with Redis's
//! rules: ties compare the elements themselves, a constant BY pattern means no sorting,
//! and in cluster mode BY and GET patterns are refused.

use bytes::Bytes;

use super::{eq_ic, int_arg, parse_float, syntax_error, wrongtype, Ctx};
use crate::model::key_slot;
use crate::node::keyspace::{ListValue, Ttl, Value};
use crate::node::resp::Frame;

struct SortOpts {
    desc: bool,
    alpha: bool,
    limit: Option<(i64, i64)>,
    by: Option<Bytes>,
    /// BY with a pattern that has no `*`: keep the natural order.
    dont_sort: bool,
    gets: Vec<Bytes>,
    store: Option<Bytes>,
}

fn parse(ctx: &Ctx, args: &[Bytes], read_only: bool) -> Result<SortOpts, Frame> {
    let mut o = SortOpts {
        desc: false,
        alpha: false,
        limit: None,
        by: None,
        dont_sort: false,
        gets: Vec::new(),
        store: None,
    };
    let cluster = ctx.shared.cluster_enabled;
    let mut j = 2;
    while j < args.len() {
        let left = args.len() - j - 1;
        let a = &args[j];
        if eq_ic(a, "asc") {
            o.desc = false;
        } else if eq_ic(a, "desc") {
            o.desc = true;
        } else if eq_ic(a, "alpha") {
            o.alpha = true;
        } else if eq_ic(a, "limit") && left >= 2 {
            o.limit = Some((int_arg(&args[j + 1])?, int_arg(&args[j + 2])?));
            j += 2;
        } else if !read_only && eq_ic(a, "store") && left >= 1 {
            o.store = Some(args[j + 1].clone());
            j += 1;
        } else if eq_ic(a, "by") && left >= 1 {
            let pattern = args[j + 1].clone();
            if !pattern.contains(&b'*') {
                o.dont_sort = true;
            } else if cluster {
                return Err(Frame::static_error(
                    "ERR BY option of SORT denied in Cluster mode.",
                ));
            }
            o.by = Some(pattern);
            j += 1;
        } else if eq_ic(a, "get") && left >= 1 {
            if cluster {
                return Err(Frame::static_error(
                    "ERR GET option of SORT denied in Cluster mode.",
                ));
            }
            o.gets.push(args[j + 1].clone());
            j += 1;
        } else {
            return Err(syntax_error());
        }
        j += 1;
    }
    if let Some(dest) = &o.store {
        if cluster && key_slot(dest) != key_slot(&args[1]) {
            return Err(Frame::static_error(
                "CROSSSLOT Keys in request don't hash to the same slot",
            ));
        }
    }
    Ok(o)
}

/// The value `pattern` names for `element`: `#` is the element itself, `*` is replaced
/// by it, and `key->field` reads a hash field. `None` when there is no such string value.
fn lookup_pattern(ctx: &mut Ctx, pattern: &[u8], element: &Bytes) -> Option<Bytes> {
    if pattern == b"#" {
        return Some(element.clone());
    }
    let star = pattern.iter().position(|&c| c == b'*')?;
    let after = &pattern[star + 1..];
    let arrow = after
        .windows(2)
        .position(|w| w == b"->")
        .filter(|&at| at + 2 < after.len());
    let (postfix, field) = match arrow {
        Some(at) => (&after[..at], Some(&after[at + 2..])),
        None => (after, None),
    };
    let mut key = Vec::with_capacity(pattern.len() + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(postfix);
    match (ctx.ks.get(&key, ctx.now)?, field) {
        (Value::Hash(h), Some(f)) => h.get(f).cloned(),
        (v @ (Value::Str(_) | Value::Inline(..)), None) => v.as_bytes().map(Bytes::copy_from_slice),
        _ => None,
    }
}

/// The elements of the value at `key` in its natural order (sets in no defined order).
fn elements(ctx: &mut Ctx, key: &[u8]) -> Result<(Vec<Bytes>, bool), Frame> {
    Ok(match ctx.ks.get(key, ctx.now) {
        None => (Vec::new(), false),
        Some(Value::List(l)) => (l.iter().cloned().collect(), false),
        Some(Value::Set(s)) => (s.iter().cloned().collect(), true),
        Some(Value::ZSet(z)) => (z.by_score.iter().map(|(_, m)| m.clone()).collect(), false),
        Some(_) => return Err(wrongtype()),
    })
}

/// Sorting key of one element.
enum Weight {
    Number(f64),
    Text(Option<Bytes>),
}

fn sort_generic(ctx: &mut Ctx, args: &[Bytes], read_only: bool) -> Frame {
    let mut o = try_frame!(parse(ctx, args, read_only));
    let (mut items, is_set) = try_frame!(elements(ctx, &args[1]));
    // A set has no order of its own: stored results are sorted so they are the same on
    // every replica.
    if o.dont_sort && is_set && o.store.is_some() {
        o.dont_sort = false;
        o.alpha = true;
        o.by = None;
    }
    if o.dont_sort {
        if o.desc {
            items.reverse();
        }
    } else {
        let mut weighted = Vec::with_capacity(items.len());
        for item in items {
            let by = match &o.by {
                Some(p) => lookup_pattern(ctx, p, &item),
                None => Some(item.clone()),
            };
            let w = if o.alpha {
                Weight::Text(if o.by.is_some() { by } else { None })
            } else {
                match by {
                    None => Weight::Number(0.0),
                    Some(b) => match parse_float(&b).filter(|f| !f.is_nan()) {
                        Some(f) => Weight::Number(f),
                        None => {
                            return Frame::static_error(
                                "ERR One or more scores can't be converted into double",
                            )
                        }
                    },
                }
            };
            weighted.push((w, item));
        }
        let by_pattern = o.by.is_some();
        weighted.sort_by(|(wa, a), (wb, b)| {
            let cmp = match (wa, wb) {
                (Weight::Number(x), Weight::Number(y)) => x.total_cmp(y).then_with(|| a.cmp(b)),
                (Weight::Text(x), Weight::Text(y)) if by_pattern => x.cmp(y),
                _ => a.cmp(b),
            };
            if o.desc {
                cmp.reverse()
            } else {
                cmp
            }
        });
        items = weighted.into_iter().map(|(_, item)| item).collect();
    }
    let (start, count) = o.limit.unwrap_or((0, -1));
    let start = start.max(0) as usize;
    let count = if count < 0 {
        usize::MAX
    } else {
        count as usize
    };
    let picked: Vec<Bytes> = items.into_iter().skip(start).take(count).collect();
    let mut out: Vec<Option<Bytes>> = Vec::new();
    for item in &picked {
        if o.gets.is_empty() {
            out.push(Some(item.clone()));
        }
        for g in &o.gets {
            out.push(lookup_pattern(ctx, g, item));
        }
    }
    let Some(dest) = o.store else {
        return Frame::Array(
            out.into_iter()
                .map(|v| v.map_or(Frame::Null, Frame::Bulk))
                .collect(),
        );
    };
    let n = out.len();
    // The destination is not among the table's keys for SORT: WATCH and waiters on it
    // are told here.
    ctx.ks.watched.changed(ctx.ks.selected(), &dest);
    if n > 0 {
        ctx.ks.blocked.signal(ctx.ks.selected(), &dest);
    }
    if n == 0 {
        ctx.ks.remove(&dest, ctx.now);
    } else {
        let mut list = ListValue::default();
        for v in out {
            list.push_back(v.unwrap_or_default());
        }
        ctx.ks.put(&dest, Value::List(Box::new(list)), Ttl::Clear);
    }
    Frame::Integer(n as i64)
}

pub fn sort(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    sort_generic(ctx, args, false)
}

pub fn sort_ro(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    sort_generic(ctx, args, true)
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn sorts_like_redis() {
        let mut h = Harness::standalone();
        h.check(&[
            ("rpush l 3 1 2 10", ":4\r\n"),
            ("sort l", "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"),
            ("sort l alpha desc limit 0 2", "*2\r\n$1\r\n3\r\n$1\r\n2\r\n"),
            ("mset w_1 30 w_2 20 w_3 10 v_1 a", "+OK\r\n"),
            (
                "sort l by w_* get # get v_*",
                "*8\r\n$2\r\n10\r\n$-1\r\n$1\r\n3\r\n$-1\r\n$1\r\n2\r\n$-1\r\n$1\r\n1\r\n$1\r\na\r\n",
            ),
            ("sort l by nosort desc", "*4\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n"),
            ("sort l store dst", ":4\r\n"),
            ("lrange dst 0 0", "*1\r\n$1\r\n1\r\n"),
            ("sort nothing store dst", ":0\r\n"),
            ("exists dst", ":0\r\n"),
            ("rpush bad x", ":1\r\n"),
            (
                "sort bad",
                "-ERR One or more scores can't be converted into double\r\n",
            ),
            ("sort_ro l store dst", "-ERR syntax error\r\n"),
            ("set s x", "+OK\r\n"),
            (
                "sort s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
        ]);
    }
}
