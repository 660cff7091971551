//! What goes into the replication stream after a command ran: keys that expired while it
//! ran (as DEL, before it), then the command itself when it wrote, rewritten where
//! replaying it verbatim would not give the same data: relative expiry times become
//! absolute (`PXAT`, `PEXPIREAT`), SPOP becomes the SREM of what it popped.

use bytes::Bytes;

use super::Replication;
use crate::node::cmd::{eq_ic, CommandSpec, Ctx};
use crate::node::resp::Frame;

pub use crate::node::repl_state::encode;

fn text(n: u64) -> Bytes {
    Bytes::from(n.to_string())
}

/// `at` for a relative or absolute time argument, in Unix ms.
fn absolute(unit: &[u8], value: &[u8], now: u64) -> Option<u64> {
    let v: i64 = std::str::from_utf8(value).ok()?.parse().ok()?;
    let v = v.max(0) as u64;
    Some(if eq_ic(unit, "ex") {
        now.saturating_add(v.saturating_mul(1000))
    } else if eq_ic(unit, "px") {
        now.saturating_add(v)
    } else if eq_ic(unit, "exat") {
        v.saturating_mul(1000)
    } else {
        v
    })
}

/// The commands to feed for a write that succeeded (`None`: feed it as it is).
fn rewrite(name: &str, args: &[Bytes], reply: &Frame, now: u64) -> Option<Vec<Vec<Bytes>>> {
    let b = |s: &'static str| Bytes::from_static(s.as_bytes());
    match name {
        "set" => {
            let mut out = args[..3].to_vec();
            let mut i = 3;
            let mut changed = false;
            while i < args.len() {
                let a = &args[i];
                // PXAT too, so that the stream always spells it as Redis does.
                let timed = ["ex", "px", "exat", "pxat"].iter().any(|w| eq_ic(a, w));
                if timed && i + 1 < args.len() {
                    out.push(b("PXAT"));
                    out.push(text(absolute(a, &args[i + 1], now)?));
                    changed = true;
                    i += 2;
                } else {
                    out.push(a.clone());
                    i += 1;
                }
            }
            changed.then(|| vec![out])
        }
        "setex" | "psetex" => {
            let unit = if name == "setex" { "ex" } else { "px" };
            let at = absolute(unit.as_bytes(), &args[2], now)?;
            Some(vec![vec![
                b("SET"),
                args[1].clone(),
                args[3].clone(),
                b("PXAT"),
                text(at),
            ]])
        }
        "expire" | "pexpire" | "expireat" | "pexpireat" => {
            let unit = match name {
                "expire" => "ex",
                "pexpire" => "px",
                "expireat" => "exat",
                _ => "pxat",
            };
            let at = absolute(unit.as_bytes(), &args[2], now)?;
            // A time already past deleted the key.
            if at <= now {
                return Some(vec![vec![b("DEL"), args[1].clone()]]);
            }
            let mut out = vec![b("PEXPIREAT"), args[1].clone(), text(at)];
            out.extend_from_slice(&args[3..]);
            Some(vec![out])
        }
        // GETDEL reaches replicas as the DEL it amounts to, as in Redis.
        "getdel" => Some(vec![vec![b("DEL"), args[1].clone()]]),
        "getex" => {
            if matches!(reply, Frame::Null) {
                return Some(vec![]);
            }
            let Some(unit) = args.get(2) else {
                return Some(vec![]);
            };
            if eq_ic(unit, "persist") {
                return Some(vec![vec![b("PERSIST"), args[1].clone()]]);
            }
            let at = absolute(unit, args.get(3)?, now)?;
            if at <= now {
                return Some(vec![vec![b("DEL"), args[1].clone()]]);
            }
            Some(vec![vec![b("PEXPIREAT"), args[1].clone(), text(at)]])
        }
        "spop" => {
            let members: Vec<Bytes> = match reply {
                Frame::Bulk(m) => vec![m.clone()],
                Frame::Array(items) | Frame::Set(items) => items
                    .iter()
                    .filter_map(|f| match f {
                        Frame::Bulk(m) => Some(m.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => vec![],
            };
            if members.is_empty() {
                return Some(vec![]);
            }
            let mut out = vec![b("SREM"), args[1].clone()];
            out.extend(members);
            Some(vec![out])
        }
        "blpop" | "brpop" | "brpoplpush" | "blmove" | "blmpop" | "lmpop" | "bzpopmin"
        | "bzpopmax" | "bzmpop" | "zmpop" => {
            crate::node::cmd::blocking::propagate_as(name, args, reply)
        }
        "xadd" => crate::node::cmd::streams::xadd_propagated(args, reply),
        // MIGRATE feeds the DELs of what it moved itself, once the target took it.
        "migrate" => Some(vec![]),
        "restore" | "restore-asking" => {
            // A relative TTL becomes absolute (ABSTTL), as Redis propagates it.
            let ttl: u64 = std::str::from_utf8(&args[2]).ok()?.parse().ok()?;
            if ttl == 0 || args[4..].iter().any(|a| eq_ic(a, "absttl")) {
                return None;
            }
            let mut out = args.to_vec();
            out[2] = text(now + ttl);
            out.push(b("ABSTTL"));
            Some(vec![out])
        }
        _ => None,
    }
}

/// Writes whose reply says they changed nothing, which Redis does not propagate (it feeds
/// only commands that made the data dirty): deleting or adding nothing, an expiry on a
/// missing key, a pop from an empty list.
pub fn changed_nothing(name: &str, reply: &Frame) -> bool {
    match reply {
        Frame::Integer(0) => matches!(
            name,
            "del"
                | "unlink"
                | "srem"
                | "sadd"
                | "hdel"
                | "zrem"
                | "lrem"
                | "persist"
                | "setnx"
                | "hsetnx"
                | "msetnx"
                | "renamenx"
                | "smove"
                | "expire"
                | "pexpire"
                | "expireat"
                | "pexpireat"
                | "lpushx"
                | "rpushx"
                | "zremrangebyscore"
                | "zremrangebyrank"
                | "zremrangebylex"
                | "xdel"
                | "xtrim"
                | "xack"
        ),
        Frame::Null | Frame::NullArray => matches!(
            name,
            "lpop" | "rpop" | "getdel" | "lmove" | "rpoplpush" | "getex" | "xadd"
        ),
        Frame::Array(items) if items.is_empty() => matches!(name, "zpopmin" | "zpopmax"),
        _ => false,
    }
}

/// What a command that ran must leave in the replication stream and the append-only
/// file, encoded: nothing unless it wrote, else itself or its rewriting.
pub fn written(spec: &CommandSpec, args: &[Bytes], reply: &Frame, now: u64) -> Vec<Vec<u8>> {
    if !spec.writes(args) || reply.is_error() || changed_nothing(spec.name, reply) {
        return Vec::new();
    }
    match rewrite(spec.name, args, reply, now) {
        None => vec![encode(args)],
        Some(cmds) => cmds.iter().map(|c| encode(c)).collect(),
    }
}

/// [`written`], unless the command said itself what it amounts to
/// (`Outcome::propagate`: a read through a consumer group, a claim).
pub fn written_by(
    spec: &CommandSpec,
    args: &[Bytes],
    outcome: &crate::node::cmd::Outcome,
    now: u64,
) -> Vec<Vec<u8>> {
    match &outcome.propagate {
        Some(_) if outcome.reply.is_error() => Vec::new(),
        Some(cmds) => cmds.iter().map(|c| encode(c)).collect(),
        None => written(spec, args, &outcome.reply, now),
    }
}

/// Feeds a write made outside the command path (MIGRATE's and eviction's deletions) to
/// the append-only file and the replicas, as [`written`] does for commands.
pub fn feed_effect(
    shared: &crate::node::shared::Shared,
    ks: &mut crate::node::keyspace::Keyspace,
    args: &[Bytes],
) {
    if shared.persist.logging() {
        let db = ks.selected();
        shared.persist.feed(db, &[encode(args)], db);
    }
    if shared.repl.feeding() {
        shared.repl.feed_command(ks, args);
    }
}

impl Replication {
    /// Feeds the stream after a command ran on a master with a backlog: the keys that
    /// expired meanwhile, then `cmds` (see [`written`]).
    pub fn after_command(&self, ctx: &mut Ctx, first_db: usize, cmds: &[Vec<u8>], last_db: usize) {
        if cmds.is_empty() && ctx.ks.expired_log.is_empty() {
            return;
        }
        let mut st = self.state.lock();
        self.feed_expired(&mut st, ctx.ks);
        if let Some((first, rest)) = cmds.split_first() {
            self.append_command(&mut st, first_db, first);
            for cmd in rest {
                self.append(&mut st, cmd);
            }
            st.stream_db = Some(last_db);
        }
        let offset = st.offset;
        drop(st);
        if let Some(bus) = self.bus() {
            bus.set_repl_offset(offset);
        }
    }

    /// Feeds one command run outside the command path (MIGRATE's deletions).
    pub fn feed_command(&self, ks: &mut crate::node::keyspace::Keyspace, args: &[Bytes]) {
        let mut st = self.state.lock();
        self.feed_expired(&mut st, ks);
        self.append_command(&mut st, ks.selected(), &encode(args));
        let offset = st.offset;
        drop(st);
        if let Some(bus) = self.bus() {
            bus.set_repl_offset(offset);
        }
    }

    /// Feeds DELs for keys expired outside commands (active expiry).
    pub fn after_expiry(&self, ks: &mut crate::node::keyspace::Keyspace) {
        if ks.expired_log.is_empty() {
            return;
        }
        let mut st = self.state.lock();
        self.feed_expired(&mut st, ks);
    }

    fn feed_expired(&self, st: &mut super::ReplState, ks: &mut crate::node::keyspace::Keyspace) {
        for (db, key) in std::mem::take(&mut ks.expired_log) {
            self.append_command(st, db, &encode(&[&b"DEL"[..], &key]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<Bytes> {
        crate::node::resp::split_args(line.as_bytes()).unwrap()
    }

    fn show(cmds: Option<Vec<Vec<Bytes>>>) -> Option<Vec<String>> {
        cmds.map(|cs| {
            cs.into_iter()
                .map(|c| {
                    c.iter()
                        .map(|a| String::from_utf8_lossy(a).into_owned())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect()
        })
    }

    #[test]
    fn relative_times_become_absolute() {
        let ok = Frame::ok();
        let now = 1_000_000;
        let cases = [
            ("set k v ex 10 nx", Some(vec!["set k v PXAT 1010000 nx"])),
            ("set k v", None),
            ("setex k 2 v", Some(vec!["SET k v PXAT 1002000"])),
            ("psetex k 5 v", Some(vec!["SET k v PXAT 1000005"])),
            ("expire k 3 gt", Some(vec!["PEXPIREAT k 1003000 gt"])),
            ("expireat k 2000", Some(vec!["PEXPIREAT k 2000000"])),
            // A time already past deleted the key: replicas get the DEL.
            ("expireat k 7", Some(vec!["DEL k"])),
            ("pexpireat k 5", Some(vec!["DEL k"])),
            ("getex k exat 1", Some(vec!["DEL k"])),
            ("set k v pxat 5", Some(vec!["set k v PXAT 5"])),
            ("getex k px 1", Some(vec!["PEXPIREAT k 1000001"])),
            ("getex k persist", Some(vec!["PERSIST k"])),
            (
                "restore k 50 payload",
                Some(vec!["restore k 1000050 payload ABSTTL"]),
            ),
            ("restore k 0 payload", None),
        ];
        for (line, want) in cases {
            let a = args(line);
            let name = String::from_utf8_lossy(&a[0]).to_ascii_lowercase();
            let got = show(rewrite(&name, &a, &ok, now));
            let want = want.map(|w| w.into_iter().map(String::from).collect::<Vec<_>>());
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn spop_becomes_srem_of_what_was_popped() {
        let reply = Frame::Array(vec![Frame::bulk_str("a"), Frame::bulk_str("b")]);
        assert_eq!(
            show(rewrite("spop", &args("spop s 2"), &reply, 0)),
            Some(vec!["SREM s a b".to_string()])
        );
        assert_eq!(
            show(rewrite("spop", &args("spop s"), &Frame::Null, 0)),
            Some(vec![])
        );
    }

    #[test]
    fn stream_encoding() {
        assert_eq!(
            encode(&[&b"DEL"[..], b"k"]),
            b"*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"
        );
    }
}
