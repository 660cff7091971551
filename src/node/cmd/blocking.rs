//! Blocking pops: BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP,
//! and their non-blocking relatives LMPOP and ZMPOP.
//!
//! A blocking command first tries to pop like its plain form. When every key is empty it
//! registers a waiter with the keyspace ([`crate::node::keyspace::Blocked`]) and returns
//! [`FollowUp::Block`]: the connection then waits for the waiter's reply, its timeout, a
//! CLIENT UNBLOCK, or the key's slot moving away. Inside MULTI/EXEC, scripts, or when a
//! waiter is being served, nothing blocks: the command answers as on timeout.
//!
//! Serving is Redis's: a write to a key with waiters marks the key ready; when the
//! top-level command (an EXEC, a script) is over, [`serve_ready`] re-runs each waiter's
//! command in arrival order while the key has data, under the same lock, so the writer's
//! next command already sees the result. The stream to replicas gets the pop that
//! happened ([`propagate_as`]), never the blocking form.

use std::sync::Arc;

use bytes::Bytes;

use super::{eq_ic, int_arg, lists as l, lookup, run, syntax_error, wrongtype, zsets as z};
use super::{ClientState, Ctx, FollowUp, Outcome};
use crate::model::key_slot;
use crate::node::cluster_seam::RouteCtx;
use crate::node::keyspace::{Keyspace, Value, Waiter};
use crate::node::resp::Frame;
use crate::node::shared::Shared;

/// The timeout argument in seconds (a float since Redis 6), as milliseconds; 0 waits
/// forever.
fn timeout_ms(arg: &[u8]) -> Result<u64, Frame> {
    let t = super::parse_float(arg)
        .filter(|t| t.is_finite())
        .ok_or_else(|| Frame::static_error("ERR timeout is not a float or out of range"))?;
    if t < 0.0 {
        return Err(Frame::static_error("ERR timeout is negative"));
    }
    let ms = t * 1000.0;
    if ms >= i64::MAX as f64 {
        return Err(Frame::static_error("ERR timeout is out of range"));
    }
    // A positive timeout under a millisecond still times out, soon.
    Ok(if ms > 0.0 { (ms as u64).max(1) } else { 0 })
}

/// Nothing to pop: answer `null` where blocking is not allowed, else block. Every timeout
/// is a null array (Redis 7.0 answers so even for BLMOVE, whose immediate empty answer is
/// a null bulk).
pub(super) fn block(
    ctx: &mut Ctx,
    args: &[Bytes],
    keys: Vec<Bytes>,
    timeout: u64,
    null: Frame,
) -> Outcome {
    if ctx.client.no_block {
        return null.into();
    }
    let (mut waiter, rx) = Waiter::new(
        args.to_vec(),
        ctx.ks.selected(),
        keys,
        ctx.client.resp3,
        Frame::NullArray,
    );
    waiter.readonly =
        ctx.client.readonly && lookup(&args[0]).is_some_and(|spec| !spec.writes(args));
    waiter.on_master = !ctx.shared.repl.is_replica();
    ctx.ks.blocked.add(ctx.client.id, waiter);
    Outcome::deferred(FollowUp::Block {
        reply: rx,
        timeout_ms: timeout,
    })
}

enum Kind {
    List,
    ZSet,
    Stream,
}

/// Whether `key` holds a non-empty value of `kind`; WRONGTYPE for another type.
fn has_data(ctx: &mut Ctx, key: &[u8], kind: &Kind) -> Result<bool, Frame> {
    match (ctx.ks.get(key, ctx.now), kind) {
        (None, _) => Ok(false),
        (Some(Value::List(l)), Kind::List) => Ok(!l.is_empty()),
        (Some(Value::ZSet(z)), Kind::ZSet) => Ok(!z.is_empty()),
        (Some(Value::Stream(s)), Kind::Stream) => Ok(!s.is_empty()),
        _ => Err(wrongtype()),
    }
}

fn words(names: &[&'static str]) -> Vec<Bytes> {
    names
        .iter()
        .map(|n| Bytes::from_static(n.as_bytes()))
        .collect()
}

fn pop_one(ctx: &mut Ctx, args: &[Bytes], left: bool) -> Outcome {
    let keys = &args[1..args.len() - 1];
    let timeout = try_frame!(timeout_ms(&args[args.len() - 1]));
    for key in keys {
        if try_frame!(has_data(ctx, key, &Kind::List)) {
            let mut pop = words(&[if left { "lpop" } else { "rpop" }]);
            pop.push(key.clone());
            let v = if left {
                l::lpop(ctx, &pop)
            } else {
                l::rpop(ctx, &pop)
            };
            return Frame::Array(vec![Frame::Bulk(key.clone()), v]).into();
        }
    }
    block(ctx, args, keys.to_vec(), timeout, Frame::NullArray)
}

pub fn blpop(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    pop_one(ctx, args, true)
}

pub fn brpop(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    pop_one(ctx, args, false)
}

fn side(arg: &[u8]) -> Result<&'static str, Frame> {
    if eq_ic(arg, "left") {
        Ok("left")
    } else if eq_ic(arg, "right") {
        Ok("right")
    } else {
        Err(syntax_error())
    }
}

fn move_generic(
    ctx: &mut Ctx,
    args: &[Bytes],
    from: &'static str,
    to: &'static str,
    t: &[u8],
) -> Outcome {
    let timeout = try_frame!(timeout_ms(t));
    let (src, dst) = (&args[1], &args[2]);
    if try_frame!(has_data(ctx, src, &Kind::List)) {
        let mut cmd = words(&["lmove"]);
        cmd.extend([src.clone(), dst.clone()]);
        cmd.extend(words(&[from, to]));
        return l::lmove(ctx, &cmd).into();
    }
    block(ctx, args, vec![src.clone()], timeout, Frame::Null)
}

pub fn blmove(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    let from = try_frame!(side(&args[3]));
    let to = try_frame!(side(&args[4]));
    move_generic(ctx, args, from, to, &args[5])
}

pub fn brpoplpush(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    move_generic(ctx, args, "right", "left", &args[3])
}

fn zpop_one(ctx: &mut Ctx, args: &[Bytes], max: bool) -> Outcome {
    let keys = &args[1..args.len() - 1];
    let timeout = try_frame!(timeout_ms(&args[args.len() - 1]));
    for key in keys {
        if try_frame!(has_data(ctx, key, &Kind::ZSet)) {
            let mut pop = words(&[if max { "zpopmax" } else { "zpopmin" }]);
            pop.push(key.clone());
            let popped = if max {
                z::zpopmax(ctx, &pop)
            } else {
                z::zpopmin(ctx, &pop)
            };
            let mut out = vec![Frame::Bulk(key.clone())];
            if let Frame::Array(items) = popped {
                out.extend(items);
            }
            return Frame::Array(out).into();
        }
    }
    block(ctx, args, keys.to_vec(), timeout, Frame::NullArray)
}

pub fn bzpopmin(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    zpop_one(ctx, args, false)
}

pub fn bzpopmax(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    zpop_one(ctx, args, true)
}

/// The parsed tail of LMPOP/ZMPOP: `numkeys key... WHERE [COUNT n]` from `at`.
struct Mpop {
    keys: Vec<Bytes>,
    /// LEFT or MIN.
    first_end: bool,
    count: usize,
}

fn parse_mpop(args: &[Bytes], at: usize, ends: [&str; 2]) -> Result<Mpop, Frame> {
    // Redis words a non-number like a number out of range here.
    let numkeys = int_arg(&args[at]).unwrap_or(0);
    if numkeys <= 0 {
        return Err(Frame::static_error("ERR numkeys should be greater than 0"));
    }
    let numkeys = numkeys as usize;
    let keys_end = at + 1 + numkeys;
    // The keys, then at least the direction.
    if numkeys > args.len() || keys_end >= args.len() {
        return Err(syntax_error());
    }
    let keys = args[at + 1..keys_end].to_vec();
    let first_end = if eq_ic(&args[keys_end], ends[0]) {
        true
    } else if eq_ic(&args[keys_end], ends[1]) {
        false
    } else {
        return Err(syntax_error());
    };
    let mut count = None;
    let mut i = keys_end + 1;
    while i < args.len() {
        if eq_ic(&args[i], "count") && i + 1 < args.len() && count.is_none() {
            let n = int_arg(&args[i + 1]).unwrap_or(0);
            if n <= 0 {
                return Err(Frame::static_error("ERR count should be greater than 0"));
            }
            count = Some(n as usize);
            i += 2;
        } else {
            return Err(syntax_error());
        }
    }
    Ok(Mpop {
        keys,
        first_end,
        count: count.unwrap_or(1),
    })
}

/// Pops up to `count` from the first non-empty key: `[key, items]`, or `None`.
fn mpop_list(ctx: &mut Ctx, m: &Mpop) -> Result<Option<Frame>, Frame> {
    for key in &m.keys {
        if has_data(ctx, key, &Kind::List)? {
            let mut pop = words(&[if m.first_end { "lpop" } else { "rpop" }]);
            pop.push(key.clone());
            pop.push(Bytes::from(m.count.to_string()));
            let items = if m.first_end {
                l::lpop(ctx, &pop)
            } else {
                l::rpop(ctx, &pop)
            };
            return Ok(Some(Frame::Array(vec![Frame::Bulk(key.clone()), items])));
        }
    }
    Ok(None)
}

fn mpop_zset(ctx: &mut Ctx, m: &Mpop) -> Result<Option<Frame>, Frame> {
    for key in &m.keys {
        if has_data(ctx, key, &Kind::ZSet)? {
            let Some(Value::ZSet(zs)) = ctx.ks.get(key, ctx.now) else {
                continue;
            };
            let mut items = Vec::new();
            for _ in 0..m.count {
                let Some((member, score)) = (if m.first_end {
                    zs.pop_min()
                } else {
                    zs.pop_max()
                }) else {
                    break;
                };
                items.push(Frame::Array(vec![
                    Frame::Bulk(member),
                    Frame::Double(score),
                ]));
            }
            if zs.is_empty() {
                ctx.ks.remove(key, ctx.now);
            }
            return Ok(Some(Frame::Array(vec![
                Frame::Bulk(key.clone()),
                Frame::Array(items),
            ])));
        }
    }
    Ok(None)
}

pub fn lmpop(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let m = try_frame!(parse_mpop(args, 1, ["left", "right"]));
    try_frame!(mpop_list(ctx, &m)).unwrap_or(Frame::NullArray)
}

pub fn zmpop(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let m = try_frame!(parse_mpop(args, 1, ["min", "max"]));
    try_frame!(mpop_zset(ctx, &m)).unwrap_or(Frame::NullArray)
}

pub fn blmpop(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    let timeout = try_frame!(timeout_ms(&args[1]));
    let m = try_frame!(parse_mpop(args, 2, ["left", "right"]));
    match try_frame!(mpop_list(ctx, &m)) {
        Some(reply) => reply.into(),
        None => block(ctx, args, m.keys, timeout, Frame::NullArray),
    }
}

pub fn bzmpop(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    let timeout = try_frame!(timeout_ms(&args[1]));
    let m = try_frame!(parse_mpop(args, 2, ["min", "max"]));
    match try_frame!(mpop_zset(ctx, &m)) {
        Some(reply) => reply.into(),
        None => block(ctx, args, m.keys, timeout, Frame::NullArray),
    }
}

/// After a write: marks the written keys that clients wait on as ready. A blocking pop
/// only feeds its destination (BLMOVE), and only when it moved something: signalling its
/// own keys would re-run waiters that cannot be served, forever.
pub fn after_write(ks: &mut Keyspace, spec: &super::CommandSpec, args: &[Bytes], reply: &Frame) {
    if ks.blocked.is_empty() {
        return;
    }
    if spec.flags.contains(&"blocking") {
        if matches!(spec.name, "blmove" | "brpoplpush") && matches!(reply, Frame::Bulk(_)) {
            ks.blocked.signal(ks.selected(), &args[2]);
        }
        return;
    }
    if matches!(spec.name, "flushall" | "flushdb") {
        ks.blocked.signal_all();
        return;
    }
    let db = ks.selected();
    for key in spec.keys(args) {
        ks.blocked.signal(db, key);
    }
}

/// Serves the waiters of every ready key, first come first, while each key has data.
/// Serving may feed other keys (BLMOVE), which are served in turn.
pub fn serve_ready(ctx: &mut Ctx) {
    let back = ctx.ks.selected();
    while let Some((db, key)) = ctx.ks.blocked.next_ready() {
        ctx.ks.select(db);
        for id in ctx.ks.blocked.queue(db, &key) {
            let Some(w) = ctx.ks.blocked.waiter(id) else {
                continue;
            };
            // XREADGROUP needs its stream and group: a blocked reader learns at once that
            // either went (Redis unblocks it with an error rather than wait for an XADD).
            let command = w.args[0].clone();
            if command.eq_ignore_ascii_case(b"xreadgroup") {
                let group = super::stream_groups::read_group(&w.args).map(|(g, _)| g.clone());
                let gone = match ctx.ks.get(&key, ctx.now) {
                    Some(Value::Stream(s)) => match group {
                        Some(g) if s.groups.contains_key(&g) => None,
                        _ => Some("NOGROUP the consumer group this client was blocked on no longer exists"),
                    },
                    _ => Some("UNBLOCKED the stream key no longer exists"),
                };
                if let Some(error) = gone {
                    ctx.ks.blocked.finish(id, Frame::static_error(error));
                    continue;
                }
            }
            // A key that now holds another type (SET after the push, in one EXEC) serves
            // no one: its waiters keep waiting, as in Redis.
            let kind = if command[..1].eq_ignore_ascii_case(b"x") {
                Kind::Stream
            } else if command[..2].eq_ignore_ascii_case(b"bz") {
                Kind::ZSet
            } else {
                Kind::List
            };
            if has_data(ctx, &key, &kind).is_err() {
                break;
            }
            let Some(w) = ctx.ks.blocked.waiter(id) else {
                continue;
            };
            let args = w.args.clone();
            let Some(spec) = lookup(&args[0]) else {
                continue;
            };
            let mut client = ClientState::new(id, true);
            client.resp3 = w.resp3;
            client.readonly = w.readonly;
            client.no_block = true;
            client.db = db;
            let mut sub = Ctx {
                ks: ctx.ks,
                now: ctx.now,
                shared: ctx.shared,
                client: &mut client,
            };
            let reply = run(&mut sub, spec, &args).reply;
            if matches!(reply, Frame::Null | Frame::NullArray) {
                // A stream reader waits for entries past its own ID or its own group's:
                // the next one may still be served. A list or sorted set ran dry, so
                // later waiters cannot be served either.
                if matches!(kind, Kind::Stream) {
                    continue;
                }
                break;
            }

            ctx.ks.blocked.finish(id, reply);
        }
    }
    ctx.ks.select(back);
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR].
pub fn client_unblock(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let Some(id) = std::str::from_utf8(&args[2])
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    else {
        return Frame::static_error("ERR value is not an integer or out of range");
    };
    let error = match args.get(3) {
        None => false,
        Some(a) if eq_ic(a, "timeout") => false,
        Some(a) if eq_ic(a, "error") => true,
        Some(_) => {
            return Frame::static_error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
        }
    };
    let Some(w) = ctx.ks.blocked.waiter(id) else {
        return Frame::Integer(0);
    };
    let reply = if error {
        Frame::static_error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
    } else {
        w.timeout_reply.clone()
    };
    Frame::Integer(ctx.ks.blocked.finish(id, reply) as i64)
}

/// Why a blocked client must stop waiting now, checked periodically while it waits: its
/// keys' slot is served elsewhere (`-MOVED`) or the cluster is down, or this node became
/// a replica.
pub fn forced_reply(shared: &Arc<Shared>, ks: &Keyspace, client: u64) -> Option<Frame> {
    let w = ks.blocked.waiter(client)?;
    // Only the change of role unblocks (Redis's disconnectAllBlockedClients): a read a
    // replica took stays blocked, and is served as its master's writes arrive.
    if w.on_master && shared.repl.is_replica() {
        return Some(Frame::static_error(
            "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)",
        ));
    }
    if !shared.cluster_enabled {
        return None;
    }
    let key = w.keys.first()?;
    let rctx = RouteCtx {
        asking: false,
        readonly: w.readonly,
        is_write: !w.readonly,
        channels: false,
    };
    match shared
        .router()
        .route(key_slot(key), &rctx, std::slice::from_ref(key), ks)
    {
        Err(Frame::Error(e)) if e.starts_with(b"MOVED") || e.starts_with(b"CLUSTERDOWN") => {
            Some(Frame::Error(e))
        }
        _ => None,
    }
}

/// What the replication stream carries for a blocking (or multi-key) pop that ran: the
/// plain pop that happened, or nothing when it popped nothing.
pub fn propagate_as(name: &str, args: &[Bytes], reply: &Frame) -> Option<Vec<Vec<Bytes>>> {
    let b = |s: &'static str| Bytes::from_static(s.as_bytes());
    let Frame::Array(items) = reply else {
        if let (Frame::Bulk(_), "blmove" | "brpoplpush") = (reply, name) {
            let mut cmd = vec![b("LMOVE"), args[1].clone(), args[2].clone()];
            if name == "blmove" {
                cmd.extend([args[3].clone(), args[4].clone()]);
            } else {
                cmd.extend([b("RIGHT"), b("LEFT")]);
            }
            return Some(vec![cmd]);
        }
        return Some(vec![]);
    };
    let key = match items.first() {
        Some(Frame::Bulk(k)) => k.clone(),
        _ => return Some(vec![]),
    };
    let popped = |items: &[Frame]| match items.get(1) {
        Some(Frame::Array(v)) => v.len(),
        _ => 0,
    };
    let cmd = match name {
        "blpop" => vec![b("LPOP"), key],
        "brpop" => vec![b("RPOP"), key],
        "bzpopmin" => vec![b("ZPOPMIN"), key],
        "bzpopmax" => vec![b("ZPOPMAX"), key],
        "blmpop" | "lmpop" | "bzmpop" | "zmpop" => {
            let at = if name.starts_with('b') { 2 } else { 1 };
            let n = int_arg(&args[at]).unwrap_or(0).max(0) as usize;
            let end = args.get(at + 1 + n);
            let first = end.is_some_and(|e| eq_ic(e, "left") || eq_ic(e, "min"));
            let verb = match (name.contains('z'), first) {
                (false, true) => "LPOP",
                (false, false) => "RPOP",
                (true, true) => "ZPOPMIN",
                (true, false) => "ZPOPMAX",
            };
            vec![b(verb), key, Bytes::from(popped(items).to_string())]
        }
        _ => return None,
    };
    Some(vec![cmd])
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn pops_at_once_when_data_is_there() {
        let mut h = Harness::standalone();
        h.check(&[
            ("rpush l a b c", ":3\r\n"),
            ("blpop nope l 0", "*2\r\n$1\r\nl\r\n$1\r\na\r\n"),
            ("brpop l 0.5", "*2\r\n$1\r\nl\r\n$1\r\nc\r\n"),
            ("blmove l m left right 0", "$1\r\nb\r\n"),
            ("exists l", ":0\r\n"),
            (
                "lmpop 2 l m right count 5",
                "*2\r\n$1\r\nm\r\n*1\r\n$1\r\nb\r\n",
            ),
            ("zadd z 1 a 2 b", ":2\r\n"),
            ("bzpopmax z 0", "*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n"),
            (
                "zmpop 1 z min",
                "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
            ),
            ("blpop l -1", "-ERR timeout is negative\r\n"),
            (
                "blpop l abc",
                "-ERR timeout is not a float or out of range\r\n",
            ),
            ("set s x", "+OK\r\n"),
            (
                "blpop s 0",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "lmpop 0 l left",
                "-ERR numkeys should be greater than 0\r\n",
            ),
            ("lmpop 1 l up", "-ERR syntax error\r\n"),
            (
                "lmpop 1 l left count 0",
                "-ERR count should be greater than 0\r\n",
            ),
        ]);
    }

    #[test]
    fn inside_multi_nothing_blocks() {
        let mut h = Harness::standalone();
        h.check(&[
            ("multi", "+OK\r\n"),
            ("blpop l 0", "+QUEUED\r\n"),
            ("bzpopmin z 0", "+QUEUED\r\n"),
            ("blmove l m left left 0", "+QUEUED\r\n"),
            ("exec", "*3\r\n*-1\r\n*-1\r\n$-1\r\n"),
        ]);
    }

    #[test]
    fn a_push_serves_the_first_waiter_and_replicas_see_the_pop() {
        let mut h = Harness::standalone();
        // Client 1 blocks; client 2 pushes twice in one EXEC: the waiter gets what is at
        // the head once EXEC is over, as in Redis.
        let Some(crate::node::cmd::FollowUp::Block { reply: mut rx, .. }) =
            h.outcome("blpop l 0").then
        else {
            panic!("the client blocked");
        };
        h.client = crate::node::cmd::ClientState::new(2, true);
        h.check(&[
            ("multi", "+OK\r\n"),
            ("lpush l a", "+QUEUED\r\n"),
            ("lpush l b", "+QUEUED\r\n"),
            ("exec", "*2\r\n:1\r\n:2\r\n"),
            ("lrange l 0 -1", "*1\r\n$1\r\na\r\n"),
        ]);
        let served = rx.try_recv().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&served.to_bytes(false)),
            "*2\r\n$1\r\nl\r\n$1\r\nb\r\n"
        );
        let args: Vec<bytes::Bytes> = ["blpop", "l", "0"]
            .iter()
            .map(|s| bytes::Bytes::from(*s))
            .collect();
        assert_eq!(
            super::propagate_as("blpop", &args, &served),
            Some(vec![vec![
                bytes::Bytes::from("LPOP"),
                bytes::Bytes::from("l")
            ]])
        );
    }

    #[test]
    fn stream_readers_waiting_past_each_other_are_all_served() {
        use crate::node::cmd::{ClientState, FollowUp};
        let mut h = Harness::standalone();
        h.check(&[
            ("xadd s 1-1 a 1", "$3\r\n1-1\r\n"),
            ("xgroup create s g1 $", "+OK\r\n"),
            ("xgroup create s g2 $", "+OK\r\n"),
        ]);
        let block = |h: &mut Harness, id: u64, line: &str| {
            h.client = ClientState::new(id, true);
            match h.outcome(line).then {
                Some(FollowUp::Block { reply, .. }) => reply,
                _ => panic!("{line} blocked"),
            }
        };
        // Both readers of g1 and the one of g2 wait; the second of g1 finds nothing
        // left, which must not keep g2's reader waiting.
        let mut a = block(&mut h, 1, "xreadgroup group g1 a block 0 streams s >");
        let mut b = block(&mut h, 2, "xreadgroup group g1 b block 0 streams s >");
        let mut c = block(&mut h, 3, "xreadgroup group g2 c block 0 streams s >");
        let mut far = block(&mut h, 4, "xread block 0 streams s 9-0");
        h.client = ClientState::new(5, true);
        h.frame("xadd s 2-1 a 2");
        assert!(a.try_recv().is_ok());
        assert!(b.try_recv().is_err(), "nothing left for g1");
        assert!(c.try_recv().is_ok(), "g2's reader served");
        assert!(far.try_recv().is_err());
        h.frame("xgroup destroy s g1");
        let gone = b.try_recv().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&gone.to_bytes(false)),
            "-NOGROUP the consumer group this client was blocked on no longer exists\r\n"
        );
    }
}
