//! MULTI/EXEC/DISCARD and WATCH/UNWATCH. Commands queue on the connection and EXEC runs
//! them in one go; the keyspace lock is held for the whole batch, so nothing interleaves.
//!
//! WATCH is per key, with Redis's rules: EXEC aborts when a watched key was written, was
//! flushed while it lived, or expired (lazily, actively, or simply by its time running out
//! before EXEC) after being watched alive. A key that was already stale when watched may
//! vanish without aborting, and flushing a key that does not exist touches nothing.

use bytes::Bytes;

use super::{lookup, run, unknown_command, Ctx, Multi, Outcome};
use crate::node::keyspace::WatchVersion;
use crate::node::resp::Frame;

/// One key a connection WATCHes.
pub struct WatchedKey {
    /// The database the key was watched in.
    db: usize,
    key: Bytes,
    version: WatchVersion,
    /// The key was stored but already expired when watched.
    stale: bool,
}

impl WatchedKey {
    /// Whether this key changed since WATCH, in the sense that aborts EXEC.
    fn touched(&self, ks: &mut crate::node::keyspace::Keyspace, now: u64) -> bool {
        let version = ks.watched.version(self.db, &self.key);
        version.changed != self.version.changed
            || (!self.stale
                && (version.expired != self.version.expired
                    || ks.with_db(self.db, |ks| ks.is_expired(&self.key, now))))
    }
}

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

pub fn exec(ctx: &mut Ctx, _: &[Bytes]) -> Outcome {
    let Some(multi) = ctx.client.multi.take() else {
        return Frame::static_error("ERR EXEC without MULTI").into();
    };
    let watched_changed = ctx
        .client
        .watched
        .iter()
        .any(|w| w.touched(ctx.ks, ctx.now));
    unwatch_all(ctx);
    if multi.dirty {
        return Frame::static_error("EXECABORT Transaction discarded because of previous errors.")
            .into();
    }
    if watched_changed {
        return Frame::NullArray.into();
    }
    // What a queued command leaves for the connection (QUIT, DEBUG SLEEP): the last one
    // follows EXEC's reply.
    let mut then = None;
    let mut replies = Vec::with_capacity(multi.queued.len());
    // Blocking commands inside EXEC answer at once, as on timeout.
    let no_block = std::mem::replace(&mut ctx.client.no_block, true);
    let holding = super::hold_writes(ctx);
    for args in &multi.queued {
        // Queued commands were looked up when queued; the table does not change.
        let outcome = match lookup(&args[0]) {
            Some(spec) => run(ctx, spec, args),
            None => unknown_command(args).into(),
        };
        let (reply, left) = outcome.gathered(ctx.client.resp3);
        // DEBUG SLEEP holds the whole node here, as redis-server sleeps: the commands
        // after it run after the sleep and nothing else runs meanwhile (Redis's suites
        // stall a replica this way). Outside a transaction it delays only its connection.
        let left = match left {
            Some(super::FollowUp::Sleep(d)) => {
                std::thread::sleep(d);
                None
            }
            other => other,
        };
        // Each queued command's error counts, as Redis counts it.
        ctx.shared.stats.error_reply(&reply);
        replies.push(reply);
        then = left.or(then);
    }
    ctx.client.no_block = no_block;
    if holding {
        super::feed_transaction(ctx);
    }
    Outcome {
        reply: Frame::Array(replies),
        then,
        propagate: None,
    }
}

pub fn watch(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    if ctx.client.multi.is_some() {
        return Frame::static_error("ERR WATCH inside MULTI is not allowed");
    }
    for key in &args[1..] {
        let db = ctx.ks.selected();
        if !ctx
            .client
            .watched
            .iter()
            .any(|w| w.db == db && w.key == key)
        {
            let version = ctx.ks.watched.add(db, key);
            let stale = ctx.ks.is_expired(key, ctx.now);
            ctx.client.watched.push(WatchedKey {
                db,
                key: key.clone(),
                version,
                stale,
            });
        }
    }
    Frame::ok()
}

pub fn unwatch(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    unwatch_all(ctx);
    Frame::ok()
}

/// Forgets this connection's watches (EXEC, DISCARD, UNWATCH).
pub fn unwatch_all(ctx: &mut Ctx) {
    forget(ctx.ks, &mut ctx.client.watched);
}

/// Drops `watched` from the keyspace's registry (also when a connection leaves).
pub fn forget(ks: &mut crate::node::keyspace::Keyspace, watched: &mut Vec<WatchedKey>) {
    for w in watched.drain(..) {
        ks.watched.remove(w.db, &w.key);
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
        assert!(a.shared.keyspace.lock().watched.is_empty());
    }

    fn second_client(a: &Harness) -> Harness {
        Harness {
            shared: a.shared.clone(),
            client: crate::node::cmd::ClientState::new(2, true),
            now: a.now,
        }
    }

    #[test]
    fn watch_is_per_key() {
        let mut a = Harness::new();
        let mut b = second_client(&a);
        a.check(&[("watch {t}a", "+OK\r\n")]);
        // Another key of the same slot is not the watched key.
        b.check(&[("set {t}b 1", "+OK\r\n")]);
        a.check(&[("multi", "+OK\r\n"), ("ping", "+QUEUED\r\n")]);
        a.check(&[("exec", "*1\r\n+PONG\r\n")]);
    }

    #[test]
    fn expiry_after_watch_aborts_exec() {
        let mut a = Harness::new();
        a.check(&[("set k 1 px 100", "+OK\r\n"), ("watch k", "+OK\r\n")]);
        a.now += 101;
        a.check(&[
            ("multi", "+OK\r\n"),
            ("incr k", "+QUEUED\r\n"),
            ("exec", "*-1\r\n"),
        ]);
        // Deleted by expiry before EXEC: aborts as well.
        a.check(&[("set k 1 px 100", "+OK\r\n"), ("watch k", "+OK\r\n")]);
        a.now += 101;
        a.check(&[("exists k", ":0\r\n"), ("multi", "+OK\r\n")]);
        a.check(&[("ping", "+QUEUED\r\n"), ("exec", "*-1\r\n")]);
    }

    #[test]
    fn stale_keys_may_vanish() {
        let mut a = Harness::new();
        for vanish in ["exists k", "flushdb", "flushall", "ping"] {
            a.check(&[("set k 1 px 1", "+OK\r\n")]);
            a.now += 2;
            a.check(&[("watch k", "+OK\r\n")]);
            a.run(vanish);
            a.check(&[
                ("multi", "+OK\r\n"),
                ("ping", "+QUEUED\r\n"),
                ("exec", "*1\r\n+PONG\r\n"),
            ]);
            a.run("del k");
        }
    }

    #[test]
    fn flush_touches_only_keys_that_exist() {
        let mut a = Harness::new();
        for flush in ["flushall", "flushdb"] {
            a.check(&[
                ("del x", ":0\r\n"),
                ("watch x", "+OK\r\n"),
                (flush, "+OK\r\n"),
            ]);
            a.check(&[("multi", "+OK\r\n"), ("ping", "+QUEUED\r\n")]);
            a.check(&[("exec", "*1\r\n+PONG\r\n")]);
            a.check(&[
                ("set x 30", "+OK\r\n"),
                ("watch x", "+OK\r\n"),
                (flush, "+OK\r\n"),
            ]);
            a.check(&[("multi", "+OK\r\n"), ("ping", "+QUEUED\r\n")]);
            a.check(&[("exec", "*-1\r\n")]);
        }
    }
}
