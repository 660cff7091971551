//! Keyspace notifications (`notify-keyspace-events`): after a command changed keys, a
//! Pub/Sub message per event on `__keyspace@0__:<key>` (the event name) and
//! `__keyevent@0__:<event>` (the key), for the classes the setting enables, with the event
//! names redis-server 7.0 uses. Events are collected in the keyspace while the command
//! runs (expiry, eviction and new keys record themselves there) and published when the
//! command is over, to subscribers of this node only, as Redis does.

use bytes::Bytes;

use super::cmd::{eq_ic, CommandSpec};
use super::keyspace::Keyspace;
use super::resp::Frame;

pub const KEYSPACE: u32 = 1 << 0;
pub const KEYEVENT: u32 = 1 << 1;
pub const GENERIC: u32 = 1 << 2;
pub const STRING: u32 = 1 << 3;
pub const LIST: u32 = 1 << 4;
pub const SET: u32 = 1 << 5;
pub const HASH: u32 = 1 << 6;
pub const ZSET: u32 = 1 << 7;
pub const EXPIRED: u32 = 1 << 8;
pub const EVICTED: u32 = 1 << 9;
pub const STREAM: u32 = 1 << 10;
pub const KEY_MISS: u32 = 1 << 11;
pub const MODULE: u32 = 1 << 13;
pub const NEW: u32 = 1 << 14;
/// `A`: every class but key misses and new keys.
pub const ALL: u32 =
    GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// The `notify-keyspace-events` flags, as Redis reads them.
pub fn parse(text: &str) -> Option<u32> {
    let mut flags = 0;
    for c in text.chars() {
        flags |= match c {
            'A' => ALL,
            'g' => GENERIC,
            '$' => STRING,
            'l' => LIST,
            's' => SET,
            'h' => HASH,
            'z' => ZSET,
            'x' => EXPIRED,
            'e' => EVICTED,
            'K' => KEYSPACE,
            'E' => KEYEVENT,
            't' => STREAM,
            'm' => KEY_MISS,
            'd' => MODULE,
            'n' => NEW,
            _ => return None,
        };
    }
    Some(flags)
}

/// The flags as CONFIG GET shows them (Redis's canonical order).
pub fn render(flags: u32) -> String {
    let mut out = String::new();
    if flags & ALL == ALL {
        out.push('A');
    } else {
        for (bit, c) in [
            (GENERIC, 'g'),
            (STRING, '$'),
            (LIST, 'l'),
            (SET, 's'),
            (HASH, 'h'),
            (ZSET, 'z'),
            (EXPIRED, 'x'),
            (EVICTED, 'e'),
            (STREAM, 't'),
            (MODULE, 'd'),
            (NEW, 'n'),
        ] {
            if flags & bit != 0 {
                out.push(c);
            }
        }
    }
    for (bit, c) in [(KEYSPACE, 'K'), (KEYEVENT, 'E'), (KEY_MISS, 'm')] {
        if flags & bit != 0 {
            out.push(c);
        }
    }
    out
}

/// One event waiting to be published.
pub struct Event {
    pub class: u32,
    pub name: &'static str,
    pub key: Bytes,
    /// The database the key is in (`__keyspace@<db>__`).
    pub db: usize,
}

/// Whether events of `class` are published at all (a class and a channel kind).
pub fn enabled(flags: u32, class: u32) -> bool {
    flags & class != 0 && flags & (KEYSPACE | KEYEVENT) != 0
}

/// Keys DEL/UNLINK will remove, looked at before they run (their reply only counts them).
pub fn existing_keys(ks: &Keyspace, spec: &CommandSpec, args: &[Bytes], now: u64) -> Vec<Bytes> {
    if ks.notify == 0 || !matches!(spec.name, "del" | "unlink") {
        return Vec::new();
    }
    args[1..]
        .iter()
        .filter(|k| ks.peek(k, now).is_some())
        .cloned()
        .collect()
}

fn pushed_words(args: &[Bytes], at: usize) -> (&'static str, &'static str) {
    let side = |a: Option<&Bytes>, left: &'static str, right: &'static str| {
        if a.is_some_and(|a| eq_ic(a, "left")) {
            left
        } else {
            right
        }
    };
    (
        side(args.get(at), "lpop", "rpop"),
        side(args.get(at + 1), "lpush", "rpush"),
    )
}

/// The key and direction a multi-key pop reply names: `[key, items]`.
fn popped_key(reply: &Frame) -> Option<Bytes> {
    match reply {
        Frame::Array(items) => match items.first() {
            Some(Frame::Bulk(k)) => Some(k.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Records the events of a write that succeeded and changed something. `existed` is
/// what [`existing_keys`] saw before the command.
pub fn command_events(
    ks: &mut Keyspace,
    spec: &CommandSpec,
    args: &[Bytes],
    reply: &Frame,
    existed: Vec<Bytes>,
    now: u64,
) {
    let flags = ks.notify;
    let mut ev: Vec<(u32, &'static str, Bytes)> = Vec::new();
    let key = || args[1].clone();
    let positive = matches!(reply, Frame::Integer(n) if *n > 0);
    let name = spec.name;
    match name {
        "del" | "unlink" => ev.extend(existed.into_iter().map(|k| (GENERIC, "del", k))),
        "set" | "setex" | "psetex" | "getset" => {
            ev.push((STRING, "set", key()));
            let with_ttl = matches!(name, "setex" | "psetex")
                || args[3..]
                    .iter()
                    .any(|a| ["ex", "px", "exat", "pxat"].iter().any(|w| eq_ic(a, w)));
            if with_ttl {
                ev.push((GENERIC, "expire", key()));
            }
        }
        "setnx" if positive => ev.push((STRING, "set", key())),
        "mset" => ev.extend(
            args[1..]
                .iter()
                .step_by(2)
                .map(|k| (STRING, "set", k.clone())),
        ),
        "msetnx" if positive => ev.extend(
            args[1..]
                .iter()
                .step_by(2)
                .map(|k| (STRING, "set", k.clone())),
        ),
        "setrange" | "append" | "incrbyfloat" => ev.push((STRING, name, key())),
        "incr" | "decr" | "incrby" | "decrby" => ev.push((STRING, "incrby", key())),
        "getdel" => ev.push((GENERIC, "del", key())),
        "getex" => {
            if args.get(2).is_some_and(|a| eq_ic(a, "persist")) {
                ev.push((GENERIC, "persist", key()));
            } else if args.len() > 2 {
                ev.push((GENERIC, "expire", key()));
            }
        }
        "expire" | "pexpire" | "expireat" | "pexpireat" if positive => {
            ev.push((GENERIC, "expire", key()))
        }
        "persist" if positive => ev.push((GENERIC, "persist", key())),
        "rename" | "renamenx" if name == "rename" || positive => {
            ev.push((GENERIC, "rename_from", key()));
            ev.push((GENERIC, "rename_to", args[2].clone()));
        }
        "copy" if positive => ev.push((GENERIC, "copy_to", args[2].clone())),
        "restore" => ev.push((GENERIC, "restore", key())),
        "lpush" | "rpush" | "lpushx" | "rpushx" if positive => ev.push((LIST, &name[..5], key())),
        "lpop" | "rpop" | "lset" | "ltrim" => ev.push((LIST, name, key())),
        "linsert" | "lrem" if positive => ev.push((LIST, name, key())),
        "rpoplpush" | "brpoplpush" => {
            ev.push((LIST, "rpop", key()));
            ev.push((LIST, "lpush", args[2].clone()));
        }
        "lmove" | "blmove" => {
            let (pop, push) = pushed_words(args, 3);
            ev.push((LIST, pop, key()));
            ev.push((LIST, push, args[2].clone()));
        }
        "blpop" | "brpop" => {
            if let Some(k) = popped_key(reply) {
                ev.push((LIST, &name[1..], k));
            }
        }
        "lmpop" | "blmpop" | "zmpop" | "bzmpop" => {
            if let Some(k) = popped_key(reply) {
                let at = if name.starts_with('b') { 2 } else { 1 };
                let n = crate::node::resp::parse_i64_pub(&args[at])
                    .unwrap_or(0)
                    .max(0) as usize;
                let first = args
                    .get(at + 1 + n)
                    .is_some_and(|e| eq_ic(e, "left") || eq_ic(e, "min"));
                let (class, word) = match (name.contains('z'), first) {
                    (false, true) => (LIST, "lpop"),
                    (false, false) => (LIST, "rpop"),
                    (true, true) => (ZSET, "zpopmin"),
                    (true, false) => (ZSET, "zpopmax"),
                };
                ev.push((class, word, k));
            }
        }
        "sadd" | "srem" if positive => ev.push((SET, name, key())),
        "spop" => ev.push((SET, "spop", key())),
        "smove" if positive => {
            ev.push((SET, "srem", key()));
            ev.push((SET, "sadd", args[2].clone()));
        }
        "sinterstore" | "sunionstore" | "sdiffstore" | "zunionstore" | "zinterstore"
        | "zdiffstore" | "zrangestore" => {
            let class = if name.starts_with('s') { SET } else { ZSET };
            if positive {
                ev.push((class, name, key()));
            } else {
                ev.push((GENERIC, "del", key()));
            }
        }
        "sort" => {
            if let Some(i) = args.iter().position(|a| eq_ic(a, "store")) {
                if let Some(dest) = args.get(i + 1) {
                    let word = if positive { "sortstore" } else { "del" };
                    ev.push((if positive { LIST } else { GENERIC }, word, dest.clone()));
                }
            }
        }
        "hset" | "hmset" => ev.push((HASH, "hset", key())),
        "hsetnx" if positive => ev.push((HASH, "hset", key())),
        "hdel" if positive => ev.push((HASH, "hdel", key())),
        "hincrby" | "hincrbyfloat" => ev.push((HASH, name, key())),
        "zadd" => {
            let incr = args[2..].iter().any(|a| eq_ic(a, "incr"));
            if !matches!(reply, Frame::Null) {
                ev.push((ZSET, if incr { "zincr" } else { "zadd" }, key()));
            }
        }
        "zincrby" => ev.push((ZSET, "zincr", key())),
        "zrem" | "zremrangebyscore" | "zremrangebyrank" | "zremrangebylex" if positive => {
            ev.push((ZSET, name, key()))
        }
        "zpopmin" | "zpopmax" => ev.push((ZSET, name, key())),
        "bzpopmin" | "bzpopmax" => {
            if let Some(k) = popped_key(reply) {
                ev.push((ZSET, &name[1..], k));
            }
        }
        _ => {}
    }
    // A collection emptied by the command is deleted, which is an event of its own.
    let sources: Vec<Bytes> = ev
        .iter()
        .filter(|(class, _, _)| matches!(*class, LIST | SET | HASH | ZSET))
        .map(|(_, _, k)| k.clone())
        .collect();
    for (class, name, key) in ev {
        if enabled(flags, class) {
            ks.events.push(Event {
                class,
                name,
                key,
                db: ks.selected(),
            });
        }
    }
    if enabled(flags, GENERIC) {
        for k in sources {
            let gone = ks.peek(&k, now).is_none();
            let already = ks.events.iter().any(|e| e.name == "del" && e.key == k);
            if gone && !already {
                ks.events.push(Event {
                    class: GENERIC,
                    name: "del",
                    key: k,
                    db: ks.selected(),
                });
            }
        }
    }
}

/// Publishes and clears the recorded events.
pub fn publish(shared: &super::shared::Shared, ks: &mut Keyspace) {
    if ks.events.is_empty() {
        return;
    }
    let flags = ks.notify;
    let events = std::mem::take(&mut ks.events);
    let reg = shared.pubsub.lock();
    for e in events {
        if flags & KEYSPACE != 0 {
            let mut channel = format!("__keyspace@{}__:", e.db).into_bytes();
            channel.extend_from_slice(&e.key);
            reg.publish(&channel, e.name.as_bytes(), false);
        }
        if flags & KEYEVENT != 0 {
            let channel = format!("__keyevent@{}__:{}", e.db, e.name);
            reg.publish(channel.as_bytes(), &e.key, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_and_print_like_redis() {
        assert_eq!(render(parse("gKE").unwrap()), "gKE");
        assert_eq!(render(parse("$lshzxeKE").unwrap()), "$lshzxeKE");
        assert_eq!(render(parse("KA").unwrap()), "AK");
        assert_eq!(render(parse("EA").unwrap()), "AE");
        assert_eq!(render(parse("").unwrap()), "");
        assert_eq!(parse("Kq"), None);
    }
}
