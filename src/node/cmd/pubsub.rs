//! Pub/Sub commands: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH,
//! SPUBLISH and PUBSUB. Subscribing gives the connection an outbox
//! ([`crate::node::pubsub::Outbox`]) that the connection drains between commands and while
//! idle; a RESP2 client with subscriptions may only run the commands Redis allows in that
//! context. In cluster mode PUBLISH also goes to every other node over the bus and SPUBLISH
//! to the nodes of this shard; a message from the bus is delivered like a local one.

use std::sync::Arc;

use bytes::Bytes;
use indexmap::IndexSet;

use super::{int, Ctx};
use crate::node::pubsub::{Kind, Outbox};
use crate::node::resp::Frame;
use crate::node::shared::Shared;

/// A connection's subscriptions.
pub struct Subscriptions {
    pub channels: IndexSet<Bytes>,
    pub patterns: IndexSet<Bytes>,
    pub shard: IndexSet<Bytes>,
    pub outbox: Arc<Outbox>,
}

impl Subscriptions {
    fn set(&mut self, kind: Kind) -> &mut IndexSet<Bytes> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    /// The count a (un)subscribe confirmation carries: channels and patterns together,
    /// shard channels on their own (as Redis 7.0 counts them).
    fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Shard => self.shard.len(),
            _ => self.channels.len() + self.patterns.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.channels.is_empty() && self.patterns.is_empty() && self.shard.is_empty()
    }
}

/// Whether this client is in RESP2 subscribe mode, where only some commands may run.
pub fn in_subscribe_mode(ctx: &Ctx) -> bool {
    !ctx.client.resp3 && ctx.client.subs.as_ref().is_some_and(|s| !s.is_empty())
}

/// The refusal (or PING's special reply) for a command sent in RESP2 subscribe mode;
/// `None` lets it run.
pub fn gate(ctx: &Ctx, name: &str, args: &[Bytes]) -> Option<Frame> {
    if !in_subscribe_mode(ctx) {
        return None;
    }
    match name {
        "subscribe" | "psubscribe" | "ssubscribe" | "unsubscribe" | "punsubscribe"
        | "sunsubscribe" | "quit" | "reset" => None,
        "ping" if args.len() <= 2 => Some(Frame::Array(vec![
            Frame::bulk_str("pong"),
            Frame::Bulk(args.get(1).cloned().unwrap_or_default()),
        ])),
        _ => Some(Frame::error(format!(
            "ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
        ))),
    }
}

fn subs<'a>(ctx: &'a mut Ctx) -> &'a mut Subscriptions {
    let socket = ctx
        .shared
        .clients
        .lock()
        .get(&ctx.client.id)
        .map(|c| Arc::clone(&c.socket));
    let resp3 = ctx.client.resp3;
    ctx.client.subs.get_or_insert_with(|| {
        Box::new(Subscriptions {
            channels: IndexSet::new(),
            patterns: IndexSet::new(),
            shard: IndexSet::new(),
            outbox: Outbox::new(socket, resp3),
        })
    })
}

fn confirm(word: &'static str, name: Option<Bytes>, count: usize) -> Frame {
    Frame::Push(vec![
        Frame::bulk_str(word),
        name.map_or(Frame::Null, Frame::Bulk),
        int(count),
    ])
}

fn subscribe_generic(ctx: &mut Ctx, args: &[Bytes], kind: Kind, word: &'static str) -> Frame {
    let id = ctx.client.id;
    let resp3 = ctx.client.resp3;
    let shared = ctx.shared;
    let s = subs(ctx);
    s.outbox
        .resp3
        .store(resp3, std::sync::atomic::Ordering::Relaxed);
    let mut replies = Vec::with_capacity(args.len() - 1);
    let mut reg = shared.pubsub.lock();
    for name in &args[1..] {
        if s.set(kind).insert(name.clone()) {
            reg.subscribe(kind, name, id, &s.outbox);
        }
        replies.push(confirm(word, Some(name.clone()), s.count(kind)));
    }
    Frame::Replies(replies)
}

fn unsubscribe_generic(ctx: &mut Ctx, args: &[Bytes], kind: Kind, word: &'static str) -> Frame {
    let id = ctx.client.id;
    let shared = ctx.shared;
    let s = subs(ctx);
    let names: Vec<Bytes> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        s.set(kind).iter().cloned().collect()
    };
    if names.is_empty() {
        return confirm(word, None, s.count(kind));
    }
    let mut reg = shared.pubsub.lock();
    let mut replies = Vec::with_capacity(names.len());
    for name in names {
        if s.set(kind).shift_remove(&name) {
            reg.unsubscribe(kind, &name, id);
        }
        replies.push(confirm(word, Some(name), s.count(kind)));
    }
    Frame::Replies(replies)
}

pub fn subscribe(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    subscribe_generic(ctx, args, Kind::Channel, "subscribe")
}

pub fn psubscribe(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    subscribe_generic(ctx, args, Kind::Pattern, "psubscribe")
}

pub fn ssubscribe(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    subscribe_generic(ctx, args, Kind::Shard, "ssubscribe")
}

pub fn unsubscribe(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    unsubscribe_generic(ctx, args, Kind::Channel, "unsubscribe")
}

pub fn punsubscribe(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    unsubscribe_generic(ctx, args, Kind::Pattern, "punsubscribe")
}

pub fn sunsubscribe(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    unsubscribe_generic(ctx, args, Kind::Shard, "sunsubscribe")
}

pub fn publish(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let n = ctx.shared.pubsub.lock().publish(&args[1], &args[2], false);
    if ctx.shared.cluster_enabled {
        ctx.shared.router().publish(&args[1], &args[2], false);
    } else if ctx.shared.repl.feeding() {
        // Outside a cluster, replicas hear PUBLISH through the replication stream.
        ctx.shared.repl.feed_command(ctx.ks, &args[..3]);
    }
    int(n)
}

pub fn spublish(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let n = ctx.shared.pubsub.lock().publish(&args[1], &args[2], true);
    if ctx.shared.cluster_enabled {
        ctx.shared.router().publish(&args[1], &args[2], true);
    }
    int(n)
}

/// PUBSUB CHANNELS [pattern] | NUMSUB [channel...] | NUMPAT | SHARDCHANNELS [pattern] |
/// SHARDNUMSUB [channel...] | HELP.
pub fn pubsub(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    let reg = ctx.shared.pubsub.lock();
    let bulks = |v: Vec<Bytes>| Frame::Array(v.into_iter().map(Frame::Bulk).collect());
    let numsub = |kind: Kind| {
        Frame::Map(
            args[2..]
                .iter()
                .map(|c| (Frame::Bulk(c.clone()), int(reg.listeners(kind, c))))
                .collect(),
        )
    };
    match (sub.as_str(), args.len()) {
        ("channels", 2 | 3) => bulks(reg.active(Kind::Channel, args.get(2).map(|p| &p[..]))),
        ("shardchannels", 2 | 3) => bulks(reg.active(Kind::Shard, args.get(2).map(|p| &p[..]))),
        ("numsub", _) => numsub(Kind::Channel),
        ("shardnumsub", _) => numsub(Kind::Shard),
        ("numpat", 2) => int(reg.pattern_count()),
        ("help", 2) => Frame::Array(
            [
                "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "CHANNELS [<pattern>]",
                "    Return the currently active channels matching a <pattern> (default: '*').",
                "NUMPAT",
                "    Return number of subscriptions to patterns.",
                "NUMSUB [<channel> ...]",
                "    Return the number of subscribers for the specified channels, excluding",
                "    pattern subscriptions(default: no channels).",
                "SHARDCHANNELS [<pattern>]",
                "    Return the currently active shard level channels matching a <pattern> (default: '*').",
                "SHARDNUMSUB [<shardchannel> ...]",
                "    Return the number of subscribers for the specified shard level channel(s)",
                "HELP",
                "    Prints this help.",
            ]
            .iter()
            .map(|l| Frame::Simple(Bytes::from_static(l.as_bytes())))
            .collect(),
        ),
        _ => super::bad_subcommand(
            "pubsub",
            &args[1],
            &["channels", "shardchannels", "numsub", "shardnumsub", "numpat", "help"],
        ),
    }
}

/// Drops a leaving connection's subscriptions from the registry.
pub fn forget(shared: &Shared, id: u64, subs: Option<Box<Subscriptions>>) {
    let Some(s) = subs else {
        return;
    };
    let mut reg = shared.pubsub.lock();
    for (kind, set) in [
        (Kind::Channel, &s.channels),
        (Kind::Pattern, &s.patterns),
        (Kind::Shard, &s.shard),
    ] {
        for name in set {
            reg.unsubscribe(kind, name, id);
        }
    }
}

/// The bus gave these slots away: their shard channels' listeners are told with an
/// `sunsubscribe` push and dropped, as Redis does.
pub fn slots_left(shared: &Shared, slots: &crate::model::SlotSet) {
    let mut reg = shared.pubsub.lock();
    for channel in reg.shard_channels_in(slots) {
        reg.evict_shard_channel(&channel);
    }
}

/// RESET: the connection leaves every subscription.
pub fn reset(ctx: &mut Ctx) {
    forget(ctx.shared, ctx.client.id, ctx.client.subs.take());
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;
    use crate::node::cmd::ClientState;

    #[test]
    fn subscribe_mode_replies_like_redis() {
        let mut h = Harness::standalone();
        h.check(&[
            (
                "subscribe a b",
                "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n",
            ),
            (
                "get x",
                "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
            ),
            ("ping", "*2\r\n$4\r\npong\r\n$0\r\n\r\n"),
            ("psubscribe a*", "*3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:3\r\n"),
        ]);
        // Another client asks and publishes.
        let subscriber = std::mem::replace(&mut h.client, ClientState::new(2, true));
        h.check(&[
            ("pubsub numpat", ":1\r\n"),
            (
                "pubsub numsub a c",
                "*4\r\n$1\r\na\r\n:1\r\n$1\r\nc\r\n:0\r\n",
            ),
            ("pubsub channels", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
            ("publish a hi", ":2\r\n"),
        ]);
        h.client = subscriber;
        let mut pushed = bytes::BytesMut::new();
        h.client
            .subs
            .as_ref()
            .unwrap()
            .outbox
            .drain_into(&mut pushed);
        assert_eq!(
            &pushed[..],
            &b"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n*4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$2\r\nhi\r\n"[..]
        );
        h.check(&[
            (
                "unsubscribe",
                "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n",
            ),
            ("punsubscribe", "*3\r\n$12\r\npunsubscribe\r\n$2\r\na*\r\n:0\r\n"),
            ("unsubscribe", "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"),
            ("get x", "$-1\r\n"),
        ]);
    }
}
