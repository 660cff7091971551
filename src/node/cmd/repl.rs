//! Replication commands: REPLICAOF/SLAVEOF, REPLCONF, PSYNC, ROLE, WAIT. The work is in
//! [`crate::node::replication`]; these parse and reply.

use std::sync::Arc;

use bytes::Bytes;

use super::{eq_ic, int_arg, Ctx, FollowUp, Outcome};
use crate::node::replication::LinkState;
use crate::node::resp::Frame;

/// `REPLICAOF host port` or `REPLICAOF NO ONE` (outside cluster mode, as in Redis).
pub fn replicaof(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    if ctx.shared.cluster_enabled {
        return Frame::static_error("ERR REPLICAOF not allowed in cluster mode.");
    }
    let repl = Arc::clone(&ctx.shared.repl);
    if eq_ic(&args[1], "no") && eq_ic(&args[2], "one") {
        // The connection holds the keyspace lock; the switch takes it, so it runs after.
        let shared = ctx.shared.arc();
        tokio::spawn(async move { repl.set_master(&shared, None) });
        return Frame::ok();
    }
    let port = match int_arg(&args[2]) {
        Ok(p) if (0..=65535).contains(&p) => p as u16,
        _ => return Frame::static_error("ERR Invalid master port"),
    };
    let host = String::from_utf8_lossy(&args[1]).into_owned();
    {
        let st = repl.state.lock();
        if st
            .master
            .as_ref()
            .is_some_and(|m| m.host == host && m.port == port)
        {
            return Frame::simple("OK Already connected to specified master");
        }
    }
    let shared = ctx.shared.arc();
    tokio::spawn(async move { repl.set_master(&shared, Some((host, port))) });
    Frame::ok()
}

/// `REPLCONF listening-port|ip-address|capa|ack|getack ...`.
pub fn replconf(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    if args.len().is_multiple_of(2) {
        return super::syntax_error();
    }
    for pair in args[1..].chunks(2) {
        if eq_ic(&pair[0], "listening-port") {
            let Ok(port) = int_arg(&pair[1]) else {
                return super::not_integer();
            };
            let id = ctx.client.id;
            ctx.shared
                .repl
                .state
                .lock()
                .listening_ports
                .insert(id, port.clamp(0, 65535) as u16);
        } else if ["ip-address", "capa", "ack", "getack", "rdb-only"]
            .iter()
            .all(|o| !eq_ic(&pair[0], o))
        {
            return Frame::error(format!(
                "ERR Unrecognized REPLCONF option: {}",
                String::from_utf8_lossy(&pair[0])
            ));
        }
    }
    Frame::ok()
}

/// `PSYNC replid offset`: the connection becomes a replica feed.
pub fn psync(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    if ctx.client.multi.is_some() {
        return Frame::static_error("ERR Command not allowed inside a transaction").into();
    }
    let offset = int_arg(&args[2]).unwrap_or(-1);
    let repl = Arc::clone(&ctx.shared.repl);
    match repl.psync(ctx, &args[1], offset) {
        e @ Frame::Error(_) => e.into(),
        line => Outcome::then(line, FollowUp::Replica),
    }
}

/// `SYNC`: the old full synchronisation, PSYNC's full resync without its reply line (the
/// snapshot comes first, then the stream).
pub fn sync(ctx: &mut Ctx, _: &[Bytes]) -> Outcome {
    if ctx.client.multi.is_some() {
        return Frame::static_error("ERR Command not allowed inside a transaction").into();
    }
    let repl = Arc::clone(&ctx.shared.repl);
    match repl.psync(ctx, b"?", -1) {
        e @ Frame::Error(_) => e.into(),
        _ => Outcome::then(Frame::Replies(vec![]), FollowUp::Replica),
    }
}

/// `ROLE` as Redis 7 answers it.
pub fn role(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    let st = ctx.shared.repl.state.lock();
    match &st.master {
        Some(m) => Frame::Array(vec![
            Frame::bulk_str("slave"),
            Frame::bulk_str(&m.host),
            Frame::Integer(m.port as i64),
            Frame::bulk_str(match m.state {
                LinkState::Connecting => "connecting",
                LinkState::Sync => "sync",
                LinkState::Connected => "connected",
            }),
            Frame::Integer(st.offset as i64),
        ]),
        None => Frame::Array(vec![
            Frame::bulk_str("master"),
            Frame::Integer(st.offset as i64),
            Frame::Array(
                st.replicas
                    .values()
                    .map(|r| {
                        Frame::Array(vec![
                            Frame::bulk_str(&r.ip),
                            Frame::bulk_str(&r.port.to_string()),
                            Frame::bulk_str(&r.ack_offset.to_string()),
                        ])
                    })
                    .collect(),
            ),
        ]),
    }
}

/// `WAIT numreplicas timeout`: the connection waits (see [`FollowUp::Wait`]) for that many
/// replicas to acknowledge the current offset.
pub fn wait(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    let (Ok(want), Ok(timeout)) = (int_arg(&args[1]), int_arg(&args[2])) else {
        return super::not_integer().into();
    };
    if timeout < 0 {
        return Frame::static_error("ERR timeout is negative").into();
    }
    let repl = &ctx.shared.repl;
    if repl.is_replica() {
        return Frame::static_error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.").into();
    }
    let offset = repl.state.lock().offset;
    let have = repl.acked(offset);
    // Inside a transaction (EXEC has taken `multi` by now, `no_block` tells) WAIT answers
    // at once, as in Redis.
    if want <= have as i64 || ctx.client.multi.is_some() || ctx.client.no_block {
        return Frame::Integer(have as i64).into();
    }
    Outcome::deferred(FollowUp::Wait {
        offset,
        replicas: want.max(0) as usize,
        timeout_ms: timeout as u64,
    })
}
