//! MULTI/EXEC/DISCARD and WATCH/UNWATCH. Commands queue on the connection and EXEC runs
//! them in one go; the keyspace lock is held for the whole batch, so nothing interleaves.
//!
//! WATCH works at slot granularity: the keyspace keeps a version per slot that every
//! successful write bumps, and EXEC aborts if a watched key's slot moved on. A write to
//! another key of the same slot aborts too (a false alarm the client retries, which the
//! WATCH contract allows); a write to the key itself always does.

use bytes::Bytes;

use super::{lookup, run, unknown_command, Ctx, Multi};
use crate::model::key_slot;
use crate::node::resp::Frame;

pub fn multi(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    if ctx.client.multi.is_some() {
        return Frame::static_error("ERR MULTI calls can not be nested");
    }
    ctx.client.multi = Some(Multi::default());
    Frame::ok()
}

pub fn discard(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    match ctx.client.multi.take() {
        Some(_) => {
            unwatch_all(ctx);
            Frame::ok()
        }
        None => Frame::static_error("ERR DISCARD without MULTI"),
    }
}

pub fn exec(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    let Some(multi) = ctx.client.multi.take() else {
        return Frame::static_error("ERR EXEC without MULTI");
    };
    let watched_changed = ctx
        .client
        .watched
        .iter()
        .any(|(slot, version)| ctx.ks.slot_version(*slot) != *version);
    unwatch_all(ctx);
    if multi.dirty {
        return Frame::static_error("EXECABORT Transaction discarded because of previous errors.");
    }
    if watched_changed {
        return Frame::NullArray;
    }
    let mut replies = Vec::with_capacity(multi.queued.len());
    // Blocking commands inside EXEC answer at once, as on timeout.
    let no_block = std::mem::replace(&mut ctx.client.no_block, true);
    for args in &multi.queued {
        // Queued commands were looked up when queued; the table does not change.
        match lookup(&args[0]) {
            Some(spec) => replies.push(run(ctx, spec, args)),
            None => replies.push(unknown_command(args)),
        }
    }
    ctx.client.no_block = no_block;
    Frame::Array(replies)
}

pub fn watch(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    if ctx.client.multi.is_some() {
        return Frame::static_error("ERR WATCH inside MULTI is not allowed");
    }
    if ctx.client.watched.is_empty() {
        ctx.ks.watchers += 1;
    }
    for key in &args[1..] {
        let slot = key_slot(key);
        if !ctx.client.watched.iter().any(|(s, _)| *s == slot) {
            let version = ctx.ks.slot_version(slot);
            ctx.client.watched.push((slot, version));
        }
    }
    Frame::ok()
}

pub fn unwatch(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    unwatch_all(ctx);
    Frame::ok()
}

/// Forgets this connection's watches (EXEC, DISCARD, UNWATCH, disconnect).
pub fn unwatch_all(ctx: &mut Ctx) {
    if !ctx.client.watched.is_empty() {
        ctx.client.watched.clear();
        ctx.ks.watchers = ctx.ks.watchers.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn watch_aborts_exec_after_a_write() {
        let mut a = Harness::new();
        a.check(&[
            ("watch k", "+OK\r\n"),
            ("multi", "+OK\r\n"),
            ("watch k", "-ERR WATCH inside MULTI is not allowed\r\n"),
            ("incr k", "+QUEUED\r\n"),
            ("exec", "*1\r\n:1\r\n"),
            ("watch k", "+OK\r\n"),
        ]);
        // Another connection writes the key.
        let mut b = Harness {
            shared: a.shared.clone(),
            client: crate::node::cmd::ClientState::new(2, true),
            now: a.now,
        };
        b.check(&[("set k 10", "+OK\r\n")]);
        a.check(&[
            ("multi", "+OK\r\n"),
            ("incr k", "+QUEUED\r\n"),
            ("exec", "*-1\r\n"),
            ("get k", "$2\r\n10\r\n"),
            ("watch k", "+OK\r\n"),
            ("unwatch", "+OK\r\n"),
        ]);
        b.check(&[("set k 11", "+OK\r\n")]);
        a.check(&[
            ("multi", "+OK\r\n"),
            ("get k", "+QUEUED\r\n"),
            ("exec", "*1\r\n$2\r\n11\r\n"),
        ]);
        assert_eq!(a.shared.keyspace.lock().watchers, 0);
    }
}
