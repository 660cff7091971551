//! Stream consumer groups (XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM), XINFO
//! and XSETID, with the argument rules, replies and error texts of redis-server 7.0's
//! `t_stream.c`.
//!
//! What replicas and the append-only file get is Redis's: a read through a group reaches
//! them as one idempotent `XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID
//! LASTID id` per entry delivered (and `XGROUP SETID ... ENTRIESREAD n` for NOACK reads,
//! `XGROUP CREATECONSUMER` for a consumer a NOACK read made), so a replica's groups match
//! its master's. Those commands are part of each handler's result (`Outcome::propagate`).

use bytes::Bytes;

use super::streams::{entry_frame, parse_bound, parse_id, range};
use super::{bad_subcommand, eq_ic, int, int_arg, syntax_error, wrongtype};
use super::{Ctx, Outcome};
use crate::node::keyspace::stream::{Consumer, Group, ENTRIES_READ_UNKNOWN};
use crate::node::keyspace::{Stream, StreamId, Value};
use crate::node::notify::STREAM;
use crate::node::resp::Frame;

type Cmd = Vec<Bytes>;

fn b(s: &'static str) -> Bytes {
    Bytes::from_static(s.as_bytes())
}

fn num(n: impl ToString) -> Bytes {
    Bytes::from(n.to_string())
}

fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// Delivery and seen times. A replica applies its master's stream with `now` 0 (it never
/// expires keys itself); group times still need the clock there, as XCLAIM ... TIME
/// checks the time it is given against it.
fn clock(ctx: &Ctx) -> u64 {
    if ctx.now == 0 {
        crate::node::clock::now_ms()
    } else {
        ctx.now
    }
}

fn stream<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut Stream>, Frame> {
    match ctx.ks.get(key, ctx.now) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => Err(wrongtype()),
    }
}

fn subcommand_syntax(cmd: &str, sub: &[u8]) -> Frame {
    Frame::error(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {cmd} HELP.",
        lossy(&sub[..sub.len().min(128)])
    ))
}

fn no_key() -> Frame {
    Frame::static_error("ERR no such key")
}

fn help(cmd: &str, lines: &[&'static str]) -> Frame {
    let mut out = vec![Frame::Simple(Bytes::from(format!(
        "{cmd} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    )))];
    out.extend(lines.iter().map(|l| Frame::simple(l)));
    out.push(Frame::simple("HELP"));
    out.push(Frame::simple("    Prints this help."));
    Frame::Array(out)
}

fn propagated(reply: Frame, cmds: Vec<Cmd>) -> Outcome {
    let mut o = Outcome::from(reply);
    o.propagate = Some(cmds);
    o
}

/// Creates the consumer if it is missing (noting the event); returns whether it did.
/// An existing one is refreshed unless `refresh` is false.
fn ensure_consumer(
    ctx: &mut Ctx,
    key: &[u8],
    group: &[u8],
    name: &Bytes,
    now: u64,
    refresh: bool,
) -> bool {
    let Some(Value::Stream(s)) = ctx.ks.get(key, ctx.now) else {
        return false;
    };
    let Some(g) = s.groups.get_mut(group) else {
        return false;
    };
    match g.consumers.get_mut(name) {
        Some(c) => {
            if refresh {
                c.seen_time = now;
            }
            false
        }
        None => {
            g.consumers.insert(
                name.clone(),
                Consumer {
                    seen_time: now,
                    ..Default::default()
                },
            );
            ctx.ks.record(STREAM, "xgroup-createconsumer", key);
            true
        }
    }
}

/// The idempotent XCLAIM that carries one pending entry's state to replicas.
fn xclaim_effect(key: &Bytes, group: &Bytes, g: &Group, id: StreamId) -> Option<Cmd> {
    let nack = g.pel.get(&id)?;
    Some(claim_cmd(
        key,
        group,
        &nack.consumer,
        id,
        nack.delivery_time,
        nack.delivery_count,
        g.last_id,
    ))
}

fn claim_cmd(
    key: &Bytes,
    group: &Bytes,
    consumer: &Bytes,
    id: StreamId,
    time: u64,
    count: u64,
    last_id: StreamId,
) -> Cmd {
    vec![
        b("XCLAIM"),
        key.clone(),
        group.clone(),
        consumer.clone(),
        b("0"),
        id.text(),
        b("TIME"),
        num(time),
        b("RETRYCOUNT"),
        num(count),
        b("FORCE"),
        b("JUSTID"),
        b("LASTID"),
        last_id.text(),
    ]
}

fn setid_effect(key: &Bytes, group: &Bytes, g: &Group) -> Cmd {
    vec![
        b("XGROUP"),
        b("SETID"),
        key.clone(),
        group.clone(),
        g.last_id.text(),
        b("ENTRIESREAD"),
        num(g.entries_read),
    ]
}

const XGROUP_HELP: &[&str] = &[
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
];

/// Redis 7.0's subcommand arities (name included, negative: at least).
fn sub_arity_ok(arity: i32, argc: usize) -> bool {
    if arity >= 0 {
        argc == arity as usize
    } else {
        argc >= (-arity) as usize
    }
}

/// XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER|HELP.
pub fn xgroup(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    const SUBS: &[(&str, i32)] = &[
        ("create", -5),
        ("setid", -5),
        ("destroy", 4),
        ("createconsumer", 5),
        ("delconsumer", 5),
        ("help", 2),
    ];
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    let known: Vec<&str> = SUBS.iter().map(|s| s.0).collect();
    match SUBS.iter().find(|s| s.0 == sub) {
        Some(&(_, arity)) if sub_arity_ok(arity, args.len()) => {}
        _ => return bad_subcommand("xgroup", &args[1], &known).into(),
    }
    if sub == "help" {
        return help("XGROUP", XGROUP_HELP).into();
    }
    let argc = args.len();
    let (key, group) = (&args[2], &args[3]);
    let mut mkstream = false;
    let mut entries_read = ENTRIES_READ_UNKNOWN;
    let mut i = 5;
    while i < argc {
        if sub == "create" && eq_ic(&args[i], "mkstream") {
            mkstream = true;
            i += 1;
        } else if (sub == "create" || sub == "setid")
            && eq_ic(&args[i], "entriesread")
            && i + 1 < argc
        {
            entries_read = try_frame!(int_arg(&args[i + 1]));
            if entries_read < 0 && entries_read != ENTRIES_READ_UNKNOWN {
                return Frame::static_error("ERR value for ENTRIESREAD must be positive or -1")
                    .into();
            }
            i += 2;
        } else {
            return subcommand_syntax("XGROUP", &args[1]).into();
        }
    }
    let now = ctx.now;
    let exists = match ctx.ks.get(key, now) {
        None => false,
        Some(Value::Stream(_)) => true,
        Some(_) => return wrongtype().into(),
    };
    if !mkstream {
        if !exists {
            return Frame::static_error("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.").into();
        }
        let has_group =
            matches!(ctx.ks.get(key, now), Some(Value::Stream(s)) if s.groups.contains_key(group));
        if !has_group && matches!(sub.as_str(), "setid" | "createconsumer" | "delconsumer") {
            return Frame::error(format!(
                "NOGROUP No such consumer group '{}' for key name '{}'",
                lossy(group),
                lossy(key)
            ))
            .into();
        }
    }
    let verbatim = || propagated(Frame::simple("OK"), vec![args.to_vec()]);
    match sub.as_str() {
        "create" if argc <= 8 => {
            let id = if &args[4][..] == b"$" {
                match ctx.ks.get(key, now) {
                    Some(Value::Stream(s)) => s.last_id,
                    _ => StreamId::MIN,
                }
            } else {
                try_frame!(parse_id(&args[4], 0, true, false)).0
            };
            let Value::Stream(s) = ctx
                .ks
                .get_or_insert_with(key, now, || Value::Stream(Box::default()))
            else {
                return wrongtype().into();
            };
            if s.groups.contains_key(group) {
                return Frame::static_error("BUSYGROUP Consumer Group name already exists").into();
            }
            s.groups.insert(group.clone(), Group::new(id, entries_read));
            ctx.ks.record(STREAM, "xgroup-create", key);
            verbatim()
        }
        "setid" if argc == 5 || argc == 7 => {
            let Some(s) = try_frame!(stream(ctx, key)) else {
                return no_key().into();
            };
            let id = if &args[4][..] == b"$" {
                s.last_id
            } else {
                try_frame!(parse_id(&args[4], 0, false, false)).0
            };
            let Some(g) = s.groups.get_mut(group) else {
                return no_key().into();
            };
            g.last_id = id;
            g.entries_read = entries_read;
            ctx.ks.record(STREAM, "xgroup-setid", key);
            verbatim()
        }
        "destroy" => {
            let Some(s) = try_frame!(stream(ctx, key)) else {
                return Frame::Integer(0).into();
            };
            if s.groups.remove(group).is_none() {
                return propagated(Frame::Integer(0), vec![]);
            }
            ctx.ks.record(STREAM, "xgroup-destroy", key);
            propagated(Frame::Integer(1), vec![args.to_vec()])
        }
        "createconsumer" => {
            let created = ensure_consumer(ctx, key, group, &args[4], clock(ctx), false);
            let cmds = if created { vec![args.to_vec()] } else { vec![] };
            propagated(Frame::Integer(created as i64), cmds)
        }
        "delconsumer" => {
            let Some(s) = try_frame!(stream(ctx, key)) else {
                return Frame::Integer(0).into();
            };
            let pending = s
                .groups
                .get_mut(group)
                .and_then(|g| g.delete_consumer(&args[4]));
            match pending {
                Some(n) => {
                    ctx.ks.record(STREAM, "xgroup-delconsumer", key);
                    propagated(int(n), vec![args.to_vec()])
                }
                None => propagated(Frame::Integer(0), vec![]),
            }
        }
        _ => subcommand_syntax("XGROUP", &args[1]).into(),
    }
}

/// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id].
pub fn xsetid(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let id = try_frame!(parse_id(&args[2], 0, true, false)).0;
    let mut entries_added: i64 = -1;
    let mut max_deleted = StreamId::MIN;
    let mut i = 3;
    while i < args.len() {
        let more = args.len() - 1 - i;
        if eq_ic(&args[i], "entriesadded") && more > 0 {
            entries_added = try_frame!(int_arg(&args[i + 1]));
            if entries_added < 0 {
                return Frame::static_error("ERR entries_added must be positive");
            }
            i += 2;
        } else if eq_ic(&args[i], "maxdeletedid") && more > 0 {
            max_deleted = try_frame!(parse_id(&args[i + 1], 0, true, false)).0;
            if id < max_deleted {
                return Frame::static_error(
                    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                );
            }
            i += 2;
        } else {
            return syntax_error();
        }
    }
    let Some(s) = try_frame!(stream(ctx, &args[1])) else {
        return no_key();
    };
    if !s.is_empty() {
        if id < s.last_valid_id() {
            return Frame::static_error(
                "ERR The ID specified in XSETID is smaller than the target stream top item",
            );
        }
        if entries_added != -1 && s.len() as i64 > entries_added {
            return Frame::static_error(
                "ERR The entries_added specified in XSETID is smaller than the target stream length",
            );
        }
    }
    s.last_id = id;
    if entries_added != -1 {
        s.entries_added = entries_added as u64;
    }
    if max_deleted != StreamId::MIN {
        s.max_deleted = max_deleted;
    }
    ctx.ks.record(STREAM, "xsetid", &args[1]);
    Frame::simple("OK")
}

/// XACK key group id...
pub fn xack(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let Some(s) = try_frame!(stream(ctx, &args[1])) else {
        return Frame::Integer(0);
    };
    let Some(g) = s.groups.get_mut(&args[2]) else {
        return Frame::Integer(0);
    };
    let mut ids = Vec::with_capacity(args.len() - 3);
    for a in &args[3..] {
        ids.push(try_frame!(parse_id(a, 0, true, false)).0);
    }
    int(ids.into_iter().filter(|id| g.ack(*id)).count())
}

/// XPENDING key group [[IDLE ms] start end count [consumer]].
pub fn xpending(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let argc = args.len();
    if argc != 3 && !(6..=9).contains(&argc) {
        return syntax_error();
    }
    let mut range_args = None;
    if argc >= 6 {
        let mut at = 3;
        let mut min_idle = 0i64;
        if eq_ic(&args[3], "idle") {
            min_idle = try_frame!(int_arg(&args[4]));
            if argc < 8 {
                return syntax_error();
            }
            at += 2;
        }
        let count = try_frame!(int_arg(&args[at + 2])).max(0);
        let (mut start, start_ex) = try_frame!(parse_bound(&args[at], 0));
        if start_ex {
            match start.next() {
                Some(n) => start = n,
                None => return Frame::static_error("ERR invalid start ID for the interval"),
            }
        }
        let (mut end, end_ex) = try_frame!(parse_bound(&args[at + 1], u64::MAX));
        if end_ex {
            match end.prev() {
                Some(p) => end = p,
                None => return Frame::static_error("ERR invalid end ID for the interval"),
            }
        }
        range_args = Some((min_idle, start, end, count as u64, args.get(at + 3)));
    }
    let now = clock(ctx);
    let nogroup = || {
        Frame::error(format!(
            "NOGROUP No such key '{}' or consumer group '{}'",
            lossy(&args[1]),
            lossy(&args[2])
        ))
    };
    let Some(s) = try_frame!(stream(ctx, &args[1])) else {
        return nogroup();
    };
    let Some(g) = s.groups.get(&args[2]) else {
        return nogroup();
    };
    let Some((min_idle, start, end, mut count, consumer)) = range_args else {
        let (Some((first, _)), Some((last, _))) = (g.pel.iter().next(), g.pel.iter().next_back())
        else {
            return Frame::Array(vec![
                Frame::Integer(0),
                Frame::Null,
                Frame::Null,
                Frame::NullArray,
            ]);
        };
        let owners = g
            .consumers
            .iter()
            .filter(|(_, c)| !c.pel.is_empty())
            .map(|(name, c)| {
                Frame::Array(vec![
                    Frame::Bulk(name.clone()),
                    Frame::Bulk(num(c.pel.len())),
                ])
            })
            .collect();
        return Frame::Array(vec![
            int(g.pel.len()),
            Frame::Bulk(first.text()),
            Frame::Bulk(last.text()),
            Frame::Array(owners),
        ]);
    };
    if start > end {
        return Frame::Array(vec![]);
    }
    let ids: Box<dyn Iterator<Item = StreamId>> = match consumer {
        Some(name) => match g.consumers.get(name) {
            Some(c) => Box::new(c.pel.range(start..=end).copied()),
            None => return Frame::Array(vec![]),
        },
        None => Box::new(g.pel.range(start..=end).map(|(id, _)| *id)),
    };
    let mut out = Vec::new();
    for id in ids {
        if count == 0 {
            break;
        }
        let Some(nack) = g.pel.get(&id) else {
            continue;
        };
        let idle = (now as i64).wrapping_sub(nack.delivery_time as i64);
        if min_idle != 0 && idle < min_idle {
            continue;
        }
        count -= 1;
        out.push(Frame::Array(vec![
            Frame::Bulk(id.text()),
            Frame::Bulk(nack.consumer.clone()),
            Frame::Integer(idle.max(0)),
            Frame::Integer(nack.delivery_count as i64),
        ]));
    }
    Frame::Array(out)
}

/// How a claim sets an entry's delivery count.
enum DeliveryCount {
    /// One more delivery, unless the claim is JUSTID (which delivers nothing).
    Bump,
    /// XCLAIM's RETRYCOUNT.
    Set(u64),
}

/// The step XCLAIM and XAUTOCLAIM share: a pending entry (checked by the caller: it
/// exists, it is idle enough) passes to the claiming consumer, created on the first claim.
struct Claimer<'a> {
    key: &'a Bytes,
    group: &'a Bytes,
    consumer: &'a Bytes,
    justid: bool,
    now: u64,
    consumer_ready: bool,
}

impl<'a> Claimer<'a> {
    fn new(key: &'a Bytes, group: &'a Bytes, consumer: &'a Bytes, justid: bool, now: u64) -> Self {
        Claimer {
            key,
            group,
            consumer,
            justid,
            now,
            consumer_ready: false,
        }
    }

    /// Claims `id` as delivered at `delivery`; its effect goes to `cmds` and its reply
    /// (the ID with JUSTID, else the entry) to `out`. False when the stream or group is
    /// gone, which ends the caller's loop.
    fn claim(
        &mut self,
        ctx: &mut Ctx,
        id: StreamId,
        delivery: u64,
        count: DeliveryCount,
        cmds: &mut Vec<Cmd>,
        out: &mut Vec<Frame>,
    ) -> bool {
        if !self.consumer_ready {
            ensure_consumer(ctx, self.key, self.group, self.consumer, self.now, true);
            self.consumer_ready = true;
        }
        let Some(Value::Stream(s)) = ctx.ks.get(self.key, ctx.now) else {
            return false;
        };
        let Some(g) = s.groups.get_mut(self.group) else {
            return false;
        };
        let nack = g.assign(id, self.consumer, delivery);
        nack.delivery_time = delivery;
        match count {
            DeliveryCount::Set(n) => nack.delivery_count = n,
            DeliveryCount::Bump if !self.justid => {
                nack.delivery_count = nack.delivery_count.wrapping_add(1)
            }
            DeliveryCount::Bump => {}
        }
        cmds.extend(xclaim_effect(self.key, self.group, g, id));
        if self.justid {
            out.push(Frame::Bulk(id.text()));
        } else if let Some(fields) = s.entries.get(&id) {
            out.push(entry_frame(id, fields));
        }
        true
    }
}

/// XCLAIM key group consumer min-idle-time id... [IDLE ms] [TIME ms] [RETRYCOUNT n]
/// [FORCE] [JUSTID] [LASTID id].
pub fn xclaim(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    let (key, group, name) = (&args[1], &args[2], &args[3]);
    let nogroup = || {
        Frame::error(format!(
            "NOGROUP No such key '{}' or consumer group '{}'",
            lossy(key),
            lossy(group)
        ))
    };
    match try_frame!(stream(ctx, key)) {
        Some(s) if s.groups.contains_key(group) => {}
        _ => return nogroup().into(),
    }
    let min_idle = try_frame!(super::int_arg_or(
        &args[4],
        "ERR Invalid min-idle-time argument for XCLAIM"
    ))
    .max(0);
    let mut ids = Vec::new();
    let mut j = 5;
    while j < args.len() {
        match parse_id(&args[j], 0, true, false) {
            Ok((id, _)) => ids.push(id),
            Err(_) => break,
        }
        j += 1;
    }
    let now = clock(ctx);
    let (mut force, mut justid) = (false, false);
    let mut retry: i64 = -1;
    let mut delivery: Option<i64> = None;
    let mut last_id = StreamId::MIN;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let opt = &args[j];
        if eq_ic(opt, "force") {
            force = true;
        } else if eq_ic(opt, "justid") {
            justid = true;
        } else if eq_ic(opt, "idle") && more > 0 {
            j += 1;
            let idle = try_frame!(super::int_arg_or(
                &args[j],
                "ERR Invalid IDLE option argument for XCLAIM"
            ));
            delivery = Some((now as i64).wrapping_sub(idle));
        } else if eq_ic(opt, "time") && more > 0 {
            j += 1;
            delivery = Some(try_frame!(super::int_arg_or(
                &args[j],
                "ERR Invalid TIME option argument for XCLAIM"
            )));
        } else if eq_ic(opt, "retrycount") && more > 0 {
            j += 1;
            retry = try_frame!(super::int_arg_or(
                &args[j],
                "ERR Invalid RETRYCOUNT option argument for XCLAIM"
            ));
        } else if eq_ic(opt, "lastid") && more > 0 {
            j += 1;
            last_id = try_frame!(parse_id(&args[j], 0, true, false)).0;
        } else {
            return Frame::error(format!("ERR Unrecognized XCLAIM option '{}'", lossy(opt))).into();
        }
        j += 1;
    }
    // A bogus time (negative, in the future) means now, as in Redis: clients may compute
    // it from a clock a little ahead of ours.
    let delivery = match delivery {
        Some(t) if t >= 0 && t as u64 <= now => t as u64,
        _ => now,
    };
    let mut cmds = Vec::new();
    let mut propagate_last_id = false;
    {
        let Some(Value::Stream(s)) = ctx.ks.get(key, ctx.now) else {
            return nogroup().into();
        };
        let g = s.groups.get_mut(group).expect("checked above");
        if last_id > g.last_id {
            g.last_id = last_id;
            propagate_last_id = true;
        }
    }
    let mut out = Vec::new();
    let mut claimer = Claimer::new(key, group, name, justid, now);
    for id in ids {
        let Some(Value::Stream(s)) = ctx.ks.get(key, ctx.now) else {
            break;
        };
        let exists = s.entries.contains_key(&id);
        let g = s.groups.get_mut(group).expect("checked above");
        let known = g.pel.get(&id).cloned();
        if !exists {
            // The entry is gone: so goes its pending entry, on replicas too.
            if known.is_some() {
                cmds.extend(xclaim_effect(key, group, g, id));
                propagate_last_id = false;
                g.ack(id);
            }
            continue;
        }
        if known.is_none() && !force {
            continue;
        }
        if let Some(n) = &known {
            if min_idle > 0 && (now as i64).wrapping_sub(n.delivery_time as i64) < min_idle {
                continue;
            }
        }
        let count = if retry >= 0 {
            DeliveryCount::Set(retry as u64)
        } else {
            DeliveryCount::Bump
        };
        if !claimer.claim(ctx, id, delivery, count, &mut cmds, &mut out) {
            break;
        }
        propagate_last_id = false;
    }
    if propagate_last_id {
        if let Some(Value::Stream(s)) = ctx.ks.get(key, ctx.now) {
            if let Some(g) = s.groups.get(group) {
                cmds.push(setid_effect(key, group, g));
            }
        }
    }
    propagated(Frame::Array(out), cmds)
}

/// XAUTOCLAIM key group consumer min-idle-time start [COUNT n] [JUSTID].
pub fn xautoclaim(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    let (key, group, name) = (&args[1], &args[2], &args[3]);
    let min_idle = try_frame!(super::int_arg_or(
        &args[4],
        "ERR Invalid min-idle-time argument for XAUTOCLAIM"
    ))
    .max(0);
    let (mut start, start_ex) = try_frame!(parse_bound(&args[5], 0));
    if start_ex {
        match start.next() {
            Some(n) => start = n,
            None => return Frame::static_error("ERR invalid start ID for the interval").into(),
        }
    }
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if eq_ic(&args[j], "count") && more > 0 {
            let max = i64::MAX / 16;
            count = match crate::node::resp::parse_i64_pub(&args[j + 1]) {
                Some(n) if (1..=max).contains(&n) => n,
                _ => return Frame::static_error("ERR COUNT must be > 0").into(),
            };
            j += 1;
        } else if eq_ic(&args[j], "justid") {
            justid = true;
        } else {
            return syntax_error().into();
        }
        j += 1;
    }
    let nogroup = || {
        Frame::error(format!(
            "NOGROUP No such key '{}' or consumer group '{}'",
            lossy(key),
            lossy(group)
        ))
    };
    let now = clock(ctx);
    let candidates: Vec<StreamId> = match try_frame!(stream(ctx, key)) {
        Some(s) => match s.groups.get(group) {
            // At most `attempts` entries are looked at, plus one for the cursor.
            Some(g) => g
                .pel
                .range(start..)
                .map(|(id, _)| *id)
                .take((count as usize).saturating_mul(10).saturating_add(1))
                .collect(),
            None => return nogroup().into(),
        },
        None => return nogroup().into(),
    };
    let mut attempts = count.saturating_mul(10);
    let mut cmds = Vec::new();
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let mut claimer = Claimer::new(key, group, name, justid, now);
    let mut at = 0;
    while attempts > 0 && count > 0 && at < candidates.len() {
        attempts -= 1;
        let id = candidates[at];
        at += 1;
        let Some(Value::Stream(s)) = ctx.ks.get(key, ctx.now) else {
            break;
        };
        let exists = s.entries.contains_key(&id);
        let g = s.groups.get_mut(group).expect("checked above");
        let Some(nack) = g.pel.get(&id) else {
            continue;
        };
        if !exists {
            cmds.extend(xclaim_effect(key, group, g, id));
            g.ack(id);
            deleted.push(Frame::Bulk(id.text()));
            count -= 1;
            continue;
        }
        if min_idle > 0 && (now as i64).wrapping_sub(nack.delivery_time as i64) < min_idle {
            continue;
        }
        if !claimer.claim(ctx, id, now, DeliveryCount::Bump, &mut cmds, &mut claimed) {
            break;
        }
        count -= 1;
    }
    let cursor = candidates.get(at).copied().unwrap_or(StreamId::MIN);
    propagated(
        Frame::Array(vec![
            Frame::Bulk(cursor.text()),
            Frame::Array(claimed),
            Frame::Array(deleted),
        ]),
        cmds,
    )
}

/// What XREADGROUP delivers from one stream: its new entries past the group's last ID
/// (creating pending entries unless NOACK), or with an explicit ID the consumer's own
/// pending entries after it.
struct GroupRead<'a> {
    key: &'a Bytes,
    group: &'a Bytes,
    consumer: &'a Bytes,
    noack: bool,
    count: usize,
}

impl GroupRead<'_> {
    /// The reading consumer exists from now on. A NOACK read leaves no pending entry to
    /// carry the consumer to replicas, so its creation is propagated itself.
    fn ensure_consumer(&self, ctx: &mut Ctx, now: u64, cmds: &mut Vec<Cmd>) {
        if ensure_consumer(ctx, self.key, self.group, self.consumer, now, true) && self.noack {
            cmds.push(vec![
                b("XGROUP"),
                b("CREATECONSUMER"),
                self.key.clone(),
                self.group.clone(),
                self.consumer.clone(),
            ]);
        }
    }

    /// New entries; `None` when there is nothing new (the caller may block).
    fn new_entries(&self, ctx: &mut Ctx, cmds: &mut Vec<Cmd>) -> Option<Frame> {
        let now = clock(ctx);
        {
            let Some(Value::Stream(s)) = ctx.ks.get(self.key, ctx.now) else {
                return None;
            };
            let g = s.groups.get(self.group)?;
            if s.is_empty() || s.last_valid_id() <= g.last_id {
                return None;
            }
        }
        self.ensure_consumer(ctx, now, cmds);
        let Some(Value::Stream(s)) = ctx.ks.get(self.key, ctx.now) else {
            return None;
        };
        let from = s.groups.get(self.group)?.last_id.next()?;
        let limit = if self.count == 0 {
            usize::MAX
        } else {
            self.count
        };
        let picked: Vec<(StreamId, Vec<Bytes>)> = s
            .entries
            .range(from..)
            .take(limit)
            .map(|(id, f)| (*id, f.clone()))
            .collect();
        let mut out = Vec::with_capacity(picked.len());
        for (id, fields) in picked {
            s.advance_group(self.group, id);
            out.push(entry_frame(id, &fields));
            if !self.noack {
                let g = s.groups.get_mut(self.group)?;
                let nack = g.assign(id, self.consumer, now);
                nack.delivery_time = now;
                nack.delivery_count = 1;
                cmds.extend(xclaim_effect(self.key, self.group, g, id));
            }
        }
        if self.noack && !out.is_empty() {
            cmds.push(setid_effect(
                self.key,
                self.group,
                s.groups.get(self.group)?,
            ));
        }
        Some(Frame::Array(out))
    }

    /// The consumer's pending entries after `after`: a deleted entry shows as its ID and
    /// a null. Always answers (an empty list when there are none).
    fn history(&self, ctx: &mut Ctx, after: StreamId, cmds: &mut Vec<Cmd>) -> Frame {
        let now = clock(ctx);
        self.ensure_consumer(ctx, now, cmds);
        let Some(Value::Stream(s)) = ctx.ks.get(self.key, ctx.now) else {
            return Frame::Array(vec![]);
        };
        let Some(from) = after.next() else {
            return Frame::Array(vec![]);
        };
        let Some(g) = s.groups.get_mut(self.group) else {
            return Frame::Array(vec![]);
        };
        let limit = if self.count == 0 {
            usize::MAX
        } else {
            self.count
        };
        let owned: Vec<StreamId> = match g.consumers.get(self.consumer) {
            Some(c) => c.pel.range(from..).take(limit).copied().collect(),
            None => Vec::new(),
        };
        let mut out = Vec::with_capacity(owned.len());
        for id in owned {
            match s.entries.get(&id) {
                Some(fields) => {
                    out.push(entry_frame(id, fields));
                    if let Some(n) = g.pel.get_mut(&id) {
                        n.delivery_time = now;
                        n.delivery_count = n.delivery_count.wrapping_add(1);
                    }
                }
                None => out.push(Frame::Array(vec![Frame::Bulk(id.text()), Frame::NullArray])),
            }
        }
        Frame::Array(out)
    }
}

/// XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key... id...
pub fn xreadgroup(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    let r = try_frame!(super::streams::parse_read(args, true));
    let Some((group, consumer)) = r.group.clone() else {
        return Frame::static_error("ERR Missing GROUP option for XREADGROUP").into();
    };
    let keys = &args[r.keys_at..r.keys_at + r.n];
    // None: `>`.
    let mut ids: Vec<Option<StreamId>> = Vec::with_capacity(r.n);
    for (key, arg) in keys.iter().zip(&args[r.keys_at + r.n..]) {
        let has_group = match try_frame!(stream(ctx, key)) {
            Some(s) => s.groups.contains_key(&group),
            None => false,
        };
        if !has_group {
            return Frame::error(format!(
                "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                lossy(key),
                lossy(&group)
            ))
            .into();
        }
        if &arg[..] == b"$" {
            return Frame::static_error("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.").into();
        } else if &arg[..] == b">" {
            ids.push(None);
        } else {
            ids.push(Some(try_frame!(parse_id(arg, 0, true, false)).0));
        }
    }
    let mut cmds = Vec::new();
    let mut out = Vec::new();
    for (key, id) in keys.iter().zip(ids) {
        let read = GroupRead {
            key,
            group: &group,
            consumer: &consumer,
            noack: r.noack,
            count: r.count,
        };
        let served = match id {
            Some(after) => Some(read.history(ctx, after, &mut cmds)),
            None => read.new_entries(ctx, &mut cmds),
        };
        if let Some(entries) = served {
            out.push((Frame::Bulk(key.clone()), entries));
        }
    }
    if !out.is_empty() {
        let reply = super::streams::per_stream_reply(ctx.client.resp3, out);
        return propagated(reply, cmds);
    }
    let mut outcome = match r.block {
        Some(ms) => super::blocking::block(ctx, args, keys.to_vec(), ms, Frame::NullArray),
        None => Frame::NullArray.into(),
    };
    outcome.propagate = Some(cmds);
    outcome
}

/// The group and consumer a blocked XREADGROUP reads as (for serving it).
pub fn read_group(args: &[Bytes]) -> Option<(&Bytes, &Bytes)> {
    let at = args.iter().position(|a| eq_ic(a, "group"))?;
    Some((args.get(at + 1)?, args.get(at + 2)?))
}

const XINFO_HELP: &[&str] = &[
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
];

fn pair(name: &'static str, v: Frame) -> (Frame, Frame) {
    (Frame::bulk_str(name), v)
}

fn id_frame(id: StreamId) -> Frame {
    Frame::Bulk(id.text())
}

fn entries_read_frame(g: &Group) -> Frame {
    if g.entries_read == ENTRIES_READ_UNKNOWN {
        Frame::Null
    } else {
        Frame::Integer(g.entries_read)
    }
}

/// The radix tree's node count as Redis reports it: not modelled, so an estimate (one
/// node per key and one for the root).
fn rax_nodes(s: &Stream) -> usize {
    if s.nodes.is_empty() {
        1
    } else {
        s.nodes.len() + 1
    }
}

fn stream_info(s: &Stream, args: &[Bytes], now: u64) -> Frame {
    let opts = &args[3..];
    let mut full = false;
    let mut count: i64 = 10;
    if !opts.is_empty() {
        if (opts.len() != 1 && opts.len() != 3) || !eq_ic(&opts[0], "full") {
            return subcommand_syntax("XINFO", &args[1]);
        }
        full = true;
        if opts.len() == 3 {
            if !eq_ic(&opts[1], "count") {
                return subcommand_syntax("XINFO", &args[1]);
            }
            count = try_frame!(int_arg(&opts[2]));
            if count < 0 {
                count = 10;
            }
        }
    }
    let _ = now;
    let mut m = vec![
        pair("length", int(s.len())),
        pair("radix-tree-keys", int(s.nodes.len())),
        pair("radix-tree-nodes", int(rax_nodes(s))),
        pair("last-generated-id", id_frame(s.last_id)),
        pair("max-deleted-entry-id", id_frame(s.max_deleted)),
        pair("entries-added", Frame::Integer(s.entries_added as i64)),
        pair("recorded-first-entry-id", id_frame(s.first_id())),
    ];
    if !full {
        m.push(pair("groups", int(s.groups.len())));
        let first = s
            .entries
            .iter()
            .next()
            .map_or(Frame::Null, |(id, f)| entry_frame(*id, f));
        let last = s
            .entries
            .iter()
            .next_back()
            .map_or(Frame::Null, |(id, f)| entry_frame(*id, f));
        m.push(pair("first-entry", first));
        m.push(pair("last-entry", last));
        return Frame::Map(m);
    }
    let limit = count as usize;
    let within = |n: usize| limit == 0 || n < limit;
    m.push(pair(
        "entries",
        Frame::Array(range(s, StreamId::MIN, StreamId::MAX, limit, false)),
    ));
    let groups = s
        .groups
        .iter()
        .map(|(name, g)| {
            let pending = g
                .pel
                .iter()
                .enumerate()
                .take_while(|(i, _)| within(*i))
                .map(|(_, (id, n))| {
                    Frame::Array(vec![
                        id_frame(*id),
                        Frame::Bulk(n.consumer.clone()),
                        Frame::Integer(n.delivery_time as i64),
                        Frame::Integer(n.delivery_count as i64),
                    ])
                })
                .collect();
            let consumers = g
                .consumers
                .iter()
                .map(|(cname, c)| {
                    let owned = c
                        .pel
                        .iter()
                        .enumerate()
                        .take_while(|(i, _)| within(*i))
                        .map(|(_, id)| {
                            let n = g.pel.get(id);
                            Frame::Array(vec![
                                id_frame(*id),
                                Frame::Integer(n.map_or(0, |n| n.delivery_time as i64)),
                                Frame::Integer(n.map_or(0, |n| n.delivery_count as i64)),
                            ])
                        })
                        .collect();
                    Frame::Map(vec![
                        pair("name", Frame::Bulk(cname.clone())),
                        pair("seen-time", Frame::Integer(c.seen_time as i64)),
                        pair("pel-count", int(c.pel.len())),
                        pair("pending", Frame::Array(owned)),
                    ])
                })
                .collect();
            Frame::Map(vec![
                pair("name", Frame::Bulk(name.clone())),
                pair("last-delivered-id", id_frame(g.last_id)),
                pair("entries-read", entries_read_frame(g)),
                pair("lag", s.lag(g).map_or(Frame::Null, Frame::Integer)),
                pair("pel-count", int(g.pel.len())),
                pair("pending", Frame::Array(pending)),
                pair("consumers", Frame::Array(consumers)),
            ])
        })
        .collect();
    m.push(pair("groups", Frame::Array(groups)));
    Frame::Map(m)
}

/// XINFO STREAM key [FULL [COUNT n]] | GROUPS key | CONSUMERS key group | HELP.
pub fn xinfo(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    const SUBS: &[(&str, i32)] = &[("consumers", 4), ("groups", 3), ("stream", -3), ("help", 2)];
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    let known: Vec<&str> = SUBS.iter().map(|s| s.0).collect();
    match SUBS.iter().find(|s| s.0 == sub) {
        Some(&(_, arity)) if sub_arity_ok(arity, args.len()) => {}
        _ => return bad_subcommand("xinfo", &args[1], &known),
    }
    if sub == "help" {
        return help("XINFO", XINFO_HELP);
    }
    let now = clock(ctx);
    let key = &args[2];
    let Some(s) = try_frame!(stream(ctx, key)) else {
        return no_key();
    };
    match sub.as_str() {
        "consumers" => {
            let Some(g) = s.groups.get(&args[3]) else {
                return Frame::error(format!(
                    "NOGROUP No such consumer group '{}' for key name '{}'",
                    lossy(&args[3]),
                    lossy(key)
                ));
            };
            Frame::Array(
                g.consumers
                    .iter()
                    .map(|(name, c)| {
                        Frame::Map(vec![
                            pair("name", Frame::Bulk(name.clone())),
                            pair("pending", int(c.pel.len())),
                            pair(
                                "idle",
                                Frame::Integer(
                                    (now as i64).wrapping_sub(c.seen_time as i64).max(0),
                                ),
                            ),
                        ])
                    })
                    .collect(),
            )
        }
        "groups" => Frame::Array(
            s.groups
                .iter()
                .map(|(name, g)| {
                    Frame::Map(vec![
                        pair("name", Frame::Bulk(name.clone())),
                        pair("consumers", int(g.consumers.len())),
                        pair("pending", int(g.pel.len())),
                        pair("last-delivered-id", id_frame(g.last_id)),
                        pair("entries-read", entries_read_frame(g)),
                        pair("lag", s.lag(g).map_or(Frame::Null, Frame::Integer)),
                    ])
                })
                .collect(),
        ),
        _ => stream_info(s, args, now),
    }
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn extreme_counters_and_times_do_not_panic() {
        let mut h = Harness::standalone();
        for line in [
            "xadd s 1-1 a 1",
            "xadd s 2-1 a 2",
            "xgroup create s g 0 entriesread 9223372036854775807",
            "xreadgroup group g c streams s >",
            "xinfo groups s",
            "xsetid s 3-0 entriesadded 18446744073709551615",
            "xsetid s 3-0 entriesadded 9223372036854775807",
            "xadd s * a 3",
            "xinfo stream s full",
            "xinfo groups s",
            "xclaim s g d 0 1-1 retrycount 9223372036854775807 time -5",
            "xclaim s g d 0 1-1",
            "xclaim s g d -9223372036854775808 1-1 idle -9223372036854775808",
            "xclaim s g d 9223372036854775807 1-1 idle 9223372036854775807",
            "xpending s g idle -9223372036854775808 - + 9223372036854775807",
            "xpending s g idle 9223372036854775807 - + -1 d",
            "xautoclaim s g e 9223372036854775807 0 count 576460752303423487",
            "xautoclaim s g e 0 (18446744073709551615-18446744073709551615",
            "xreadgroup group g c count 9223372036854775807 streams s 0",
            "xreadgroup group g c streams s 18446744073709551615-18446744073709551615",
            "xinfo stream s full count 9223372036854775807",
            "xgroup setid s g + entriesread -1",
            "xreadgroup group g c streams s >",
            "xinfo consumers s g",
        ] {
            let _ = h.frame(line);
        }
    }

    #[test]
    fn group_reads_say_what_replicas_get() {
        let mut h = Harness::standalone();
        h.frame("xadd s 1-1 a 1");
        h.frame("xgroup create s g 0");
        let o = h.outcome("xreadgroup group g c noack streams s >");
        let cmds: Vec<String> = o
            .propagate
            .unwrap()
            .iter()
            .map(|c| {
                c.iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(
            cmds,
            [
                "XGROUP CREATECONSUMER s g c",
                "XGROUP SETID s g 1-1 ENTRIESREAD 1"
            ]
        );
        h.frame("xadd s 2-1 a 2");
        let o = h.outcome("xreadgroup group g c streams s >");
        let cmd = &o.propagate.unwrap()[0];
        assert_eq!(
            &cmd[..6],
            ["XCLAIM", "s", "g", "c", "0", "2-1"].map(bytes::Bytes::from)
        );
        assert_eq!(
            &cmd[8..],
            ["RETRYCOUNT", "1", "FORCE", "JUSTID", "LASTID", "2-1"].map(bytes::Bytes::from)
        );
    }
}
