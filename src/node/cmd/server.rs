//! Connection and server commands: PING, AUTH, HELLO, CLIENT, CONFIG, SELECT, SHUTDOWN,
//! DEBUG, MULTI/EXEC, the cluster connection flags and the key-only CLUSTER subcommands.

use std::time::Duration;

use bytes::Bytes;

use super::{eq_ic, int_arg, parse_float, syntax_error, wrong_args, Ctx, FollowUp, Outcome};
use crate::bus::cluster_command::ClusterCommand;
use crate::node::cluster_seam::{cluster_frame, KeysFor};
use crate::node::resp::Frame;

pub fn ping(_: &mut Ctx, args: &[Bytes]) -> Frame {
    match args.len() {
        1 => Frame::simple("PONG"),
        2 => Frame::Bulk(args[1].clone()),
        _ => wrong_args("ping"),
    }
}

pub fn echo(_: &mut Ctx, args: &[Bytes]) -> Frame {
    Frame::Bulk(args[1].clone())
}

pub fn time(_: &mut Ctx, _: &[Bytes]) -> Frame {
    let us = crate::node::clock::now_us();
    Frame::Array(vec![
        Frame::Bulk(Bytes::from((us / 1_000_000).to_string())),
        Frame::Bulk(Bytes::from((us % 1_000_000).to_string())),
    ])
}

pub fn select(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    match int_arg(&args[1]) {
        Ok(n) if n != 0 && ctx.shared.cluster_enabled => {
            Frame::static_error("ERR SELECT is not allowed in cluster mode")
        }
        Ok(_) => {
            let db = try_frame!(super::generic::db_index(ctx, &args[1]));
            // Waiters that an EXEC's writes so far made ready are served in their own
            // database before the next commands run in another.
            if ctx.ks.blocked.has_ready() {
                super::blocking::serve_ready(ctx);
            }
            ctx.client.db = db;
            ctx.ks.select(db);
            Frame::ok()
        }
        Err(e) => e,
    }
}

pub fn config(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    let text = |b: &Bytes| String::from_utf8_lossy(b).into_owned();
    match sub.as_str() {
        "get" if args.len() >= 3 => {
            let cfg = ctx.shared.config.read();
            let mut pairs: Vec<(String, String)> = Vec::new();
            for pattern in &args[2..] {
                for (k, v) in cfg.matching(&text(pattern).to_ascii_lowercase()) {
                    if !pairs.iter().any(|(pk, _)| *pk == k) {
                        pairs.push((k, v));
                    }
                }
            }
            Frame::Map(
                pairs
                    .into_iter()
                    .map(|(k, v)| (Frame::bulk_str(&k), Frame::bulk_str(&v)))
                    .collect(),
            )
        }
        "set" if args.len() >= 4 && args.len().is_multiple_of(2) => {
            use crate::node::config::{Notify, SetError};
            let mut next = ctx.shared.config.read().clone();
            let addr = client_addr(ctx);
            let mut notify = Vec::new();
            let mut seen: Vec<&'static str> = Vec::new();
            for pair in args[2..].chunks(2) {
                let name = text(&pair[0]).to_ascii_lowercase();
                let fail = |why: &str| {
                    Frame::error(format!(
                        "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
                    ))
                };
                if let Some(s) = crate::node::config::lookup(&name) {
                    if seen.contains(&s.name) {
                        return fail("duplicate parameter");
                    }
                    seen.push(s.name);
                }
                match next.set_at_runtime_from(&name, &text(&pair[1]), &addr) {
                    Ok(n) => notify.push(n),
                    Err(SetError::Unknown) => {
                        return Frame::error(format!(
                            "ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
                        ))
                    }
                    Err(SetError::Immutable) => return fail("can't set immutable config"),
                    Err(SetError::Protected) => return fail("can't set protected config"),
                    Err(SetError::Invalid(why)) => return fail(&why),
                }
            }
            // The evictor and the pub/sub limit live next to the data, under the keyspace
            // lock this command holds, so they are handed their values here.
            if notify
                .iter()
                .any(|n| matches!(n, Notify::Memory | Notify::Clients | Notify::Events))
            {
                crate::node::shared::apply_settings(&next, ctx.ks, &mut ctx.shared.pubsub.lock());
            }
            *ctx.shared.config.write() = next;
            ctx.shared.config_changed(&notify);
            // A lowered maxmemory evicts at once, as in Redis (whose CONFIG SET runs the
            // evictor), not only at the next command that needs room.
            if notify.iter().any(|n| matches!(n, Notify::Memory)) {
                let _ = crate::node::keyspace::evict::make_room(ctx);
            }
            Frame::ok()
        }
        "rewrite" if args.len() == 2 => {
            let cfg = ctx.shared.config.read().clone();
            match cfg.rewrite() {
                Ok(()) => Frame::ok(),
                Err(e) => Frame::error(format!("ERR {e}")),
            }
        }
        "resetstat" if args.len() == 2 => {
            ctx.ks.stats = Default::default();
            ctx.ks.evict.evicted = 0;
            ctx.shared.stats.reset();
            Frame::ok()
        }
        _ => super::bad_subcommand("config", &args[1], &["get", "set", "rewrite", "resetstat"]),
    }
}

pub fn shutdown(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    for a in &args[1..] {
        if !["nosave", "save", "now", "force", "abort"]
            .iter()
            .any(|w| eq_ic(a, w))
        {
            return syntax_error().into();
        }
        if eq_ic(a, "abort") {
            return Frame::static_error("ERR No shutdown in progress.").into();
        }
    }
    use crate::node::persist::ShutdownSave;
    let mode = if args[1..].iter().any(|a| eq_ic(a, "nosave")) {
        ShutdownSave::NoSave
    } else if args[1..].iter().any(|a| eq_ic(a, "save")) {
        ShutdownSave::Save
    } else {
        ShutdownSave::Default
    };
    ctx.shared.persist.set_shutdown_save(mode);
    Outcome::then(Frame::ok(), FollowUp::Shutdown)
}

pub fn quit(_: &mut Ctx, _: &[Bytes]) -> Outcome {
    Outcome::then(Frame::ok(), FollowUp::Close)
}

pub fn reset(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    ctx.client.multi = None;
    ctx.client.db = 0;
    ctx.ks.select(0);
    super::transactions::unwatch_all(ctx);
    ctx.client.readonly = false;
    ctx.client.asking = false;
    ctx.client.resp3 = false;
    super::pubsub::reset(ctx);
    Frame::simple("RESET")
}

/// A stable 40-hex digest of a value, like DEBUG DIGEST-VALUE (zeros for a missing key).
fn digest(ctx: &mut Ctx, key: &[u8]) -> String {
    let Some(v) = ctx.ks.get(key, ctx.now) else {
        return "0".repeat(40);
    };
    let mut input = Vec::new();
    v.digest_input(&mut input);
    let h = sha1_smol::Sha1::from(&input);
    h.digest().to_string()
}

/// DEBUG DIGEST: one value for the whole dataset, equal on two nodes that hold the same
/// keys and values (a replica and its master), 40 zeros when empty, as redis-server's.
/// Each key's digest (its database, name and DEBUG DIGEST-VALUE input) is XORed in, so
/// the order keys are stored in does not matter. The figures are the node's own: they do
/// not equal redis-server's for the same data.
fn dataset_digest(ctx: &mut Ctx) -> String {
    let mut total = [0u8; 20];
    for db in 0..ctx.ks.databases() {
        ctx.ks
            .for_each_key_in_db(db, ctx.now, |key, value, expire_at| {
                let mut input = (db as u32).to_be_bytes().to_vec();
                input.extend_from_slice(&(key.len() as u64).to_be_bytes());
                input.extend_from_slice(key);
                value.digest_input(&mut input);
                if let Some(at) = expire_at {
                    input.extend_from_slice(b"!!expire!!");
                    input.extend_from_slice(&at.to_be_bytes());
                }
                let d = sha1_smol::Sha1::from(&input).digest().bytes();
                for (t, b) in total.iter_mut().zip(d) {
                    *t ^= b;
                }
            });
    }
    total.iter().map(|b| format!("{b:02x}")).collect()
}

/// The client's address as CLIENT LIST shows it (`127.0.0.1:50312`).
fn client_addr(ctx: &Ctx) -> String {
    ctx.shared
        .clients
        .lock()
        .get(&ctx.client.id)
        .map(|c| c.addr.clone())
        .unwrap_or_default()
}

pub fn debug(ctx: &mut Ctx, args: &[Bytes]) -> Outcome {
    let allowed = ctx.shared.config.read().enable_debug_command.clone();
    if !crate::node::config::allowed_for(&allowed, &client_addr(ctx)) {
        return Frame::error(
            "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", \
             you can run it from a local connection, otherwise you need to set this option in the \
             configuration file, and then restart the server.",
        )
        .into();
    }
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    if sub == "sleep" && args.len() == 3 {
        return match parse_float(&args[2]) {
            Some(secs) if secs >= 0.0 => {
                // Absurd lengths saturate instead of overflowing Duration.
                let d = Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX);
                Outcome::then(Frame::ok(), FollowUp::Sleep(d))
            }
            _ => super::not_float().into(),
        };
    }
    debug_reply(ctx, &sub, args).into()
}

/// DEBUG's subcommands that only reply.
fn debug_reply(ctx: &mut Ctx, sub: &str, args: &[Bytes]) -> Frame {
    match sub {
        "set-active-expire" if args.len() == 3 => match int_arg(&args[2]) {
            Ok(n) => {
                ctx.shared
                    .active_expire
                    .store(n != 0, std::sync::atomic::Ordering::Relaxed);
                Frame::ok()
            }
            Err(e) => e,
        },
        "drop-cluster-packet-filter" if args.len() == 3 => match int_arg(&args[2]) {
            Ok(-1) => {
                ctx.shared.router().drop_packet_filter(None);
                Frame::ok()
            }
            Ok(n) => match u16::try_from(n) {
                Ok(kind) => {
                    ctx.shared.router().drop_packet_filter(Some(kind));
                    Frame::ok()
                }
                Err(_) => Frame::static_error("ERR value is out of range"),
            },
            Err(e) => e,
        },
        "digest" if args.len() == 2 => Frame::Simple(Bytes::from(dataset_digest(ctx))),
        "digest-value" => {
            let keys: Vec<Bytes> = args[2..].to_vec();
            Frame::Array(
                keys.iter()
                    .map(|k| Frame::bulk_str(&digest(ctx, k)))
                    .collect(),
            )
        }
        "populate" if (3..=5).contains(&args.len()) => {
            let count = match int_arg(&args[2]) {
                Ok(n) if n >= 0 => n as u64,
                _ => return Frame::static_error("ERR value is out of range, must be positive"),
            };
            let prefix = args
                .get(3)
                .cloned()
                .unwrap_or_else(|| Bytes::from_static(b"key"));
            let size = match args.get(4).map(|s| int_arg(s)) {
                Some(Ok(n)) if n >= 0 => Some(n as usize),
                Some(_) => {
                    return Frame::static_error("ERR value is out of range, must be positive")
                }
                None => None,
            };
            let mut key = Vec::with_capacity(prefix.len() + 21);
            for i in 0..count {
                key.clear();
                key.extend_from_slice(&prefix);
                key.push(b':');
                key.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
                if ctx.ks.contains(&key, ctx.now) {
                    continue;
                }
                let mut value = format!("value:{i}").into_bytes();
                if let Some(size) = size {
                    value.resize(size, 0);
                }
                ctx.ks.put(
                    &key,
                    crate::node::keyspace::Value::string(&value),
                    crate::node::keyspace::Ttl::Clear,
                );
            }
            Frame::ok()
        }
        _ => super::bad_subcommand(
            "debug",
            &args[1],
            &["sleep", "digest", "digest-value", "populate"],
        ),
    }
}

pub fn asking(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    if !ctx.shared.cluster_enabled {
        return Frame::static_error("ERR This instance has cluster support disabled");
    }
    ctx.client.asking = true;
    Frame::ok()
}

pub fn readonly(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    if !ctx.shared.cluster_enabled {
        return Frame::static_error("ERR This instance has cluster support disabled");
    }
    ctx.client.readonly = eq_ic(&args[0], "readonly");
    Frame::ok()
}

pub fn cluster(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    if !ctx.shared.cluster_enabled {
        return Frame::static_error("ERR This instance has cluster support disabled");
    }
    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_ref()).collect();
    match ClusterCommand::parse(&argv) {
        Err(e) => Frame::error(e.0),
        Ok(ClusterCommand::Help(reply)) => cluster_frame(reply),
        // Keyspace questions never take the bus's lock.
        Ok(ClusterCommand::Keyspace(q)) => cluster_frame(q.answer(&KeysFor(ctx.ks))),
        Ok(ClusterCommand::Bus(cmd)) => {
            let (reply, version) = ctx.shared.router().cluster_command(cmd, ctx.ks);
            // The reply waits in the connection until this is on disk (see `flush`).
            if let Some(v) = version {
                let pending = &mut ctx.client.unsaved_cluster_config;
                *pending = Some(pending.map_or(v, |p| p.max(v)));
            }
            reply
        }
    }
}

/// LASTSAVE: when a snapshot was last written (the start time before the first).
pub fn lastsave(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    Frame::Integer(ctx.shared.persist.lastsave() as i64)
}

pub fn save(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    match ctx.shared.persist.save(ctx.shared, ctx.ks) {
        Ok(()) => Frame::ok(),
        Err(e) => Frame::error(e),
    }
}

/// BGSAVE [SCHEDULE]: a snapshot written in the background while writes go on.
pub fn bgsave(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    match args.get(1) {
        None => {}
        Some(a) if eq_ic(a, "schedule") && args.len() == 2 => {}
        Some(_) => return syntax_error(),
    }
    match ctx.shared.persist.bgsave(ctx.shared, ctx.ks) {
        Ok(()) => Frame::simple("Background saving started"),
        Err(e) => Frame::error(e),
    }
}

pub fn bgrewriteaof(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    match ctx.shared.persist.bgrewriteaof(ctx.shared, ctx.ks) {
        Ok(text) => Frame::simple(text),
        Err(e) => Frame::error(e),
    }
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

    #[test]
    fn server_commands() {
        let mut h = Harness::new();
        h.check(&[
            ("ping", "+PONG\r\n"),
            ("ping hi", "$2\r\nhi\r\n"),
            ("ping a b", "-ERR wrong number of arguments for 'ping' command\r\n"),
            ("echo x", "$1\r\nx\r\n"),
            ("select 0", "+OK\r\n"),
            ("select 1", "-ERR SELECT is not allowed in cluster mode\r\n"),
            ("select x", "-ERR value is not an integer or out of range\r\n"),
            ("auth x", "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"),
            ("client setname a b", "-ERR wrong number of arguments for 'client|setname' command\r\n"),
            ("client getname", "$-1\r\n"),
            ("client setname conn1", "+OK\r\n"),
            ("client getname", "$5\r\nconn1\r\n"),
            ("client id", ":1\r\n"),
            ("config get port", "*2\r\n$4\r\nport\r\n$4\r\n6379\r\n"),
            ("config set maxmemory 10mb", "+OK\r\n"),
            ("config get maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$8\r\n10485760\r\n"),
            ("config set port 1", "-ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config\r\n"),
            ("config set nope 1", "-ERR Unknown option or number of arguments for CONFIG SET - 'nope'\r\n"),
            ("config rewrite", "-ERR The server is running without a config file\r\n"),
            ("cluster keyslot foo", ":12182\r\n"),
            ("set foo 1", "+OK\r\n"),
            ("cluster countkeysinslot 12182", ":1\r\n"),
            ("cluster getkeysinslot 12182 10", "*1\r\n$3\r\nfoo\r\n"),
            ("cluster countkeysinslot 20000", "-ERR Invalid slot\r\n"),
            ("debug digest-value nope", "*1\r\n$40\r\n0000000000000000000000000000000000000000\r\n"),
            ("debug populate 3", "+OK\r\n"),
            ("get key:2", "$7\r\nvalue:2\r\n"),
            ("readonly", "+OK\r\n"),
            ("asking", "+OK\r\n"),
            ("quit", "+OK\r\n"),
        ]);
        assert!(matches!(
            h.outcome("quit").then,
            Some(crate::node::cmd::FollowUp::Close)
        ));
    }

    #[test]
    fn databases_outside_cluster_mode() {
        let mut h = Harness::standalone();
        h.check(&[
            ("set k zero", "+OK\r\n"),
            ("select 16", "-ERR DB index is out of range\r\n"),
            ("select -1", "-ERR DB index is out of range\r\n"),
            ("select 1", "+OK\r\n"),
            ("get k", "$-1\r\n"),
            ("set k one", "+OK\r\n"),
            ("set only1 x px 100000", "+OK\r\n"),
            ("dbsize", ":2\r\n"),
            ("move k 0", ":0\r\n"),
            (
                "move only1 1",
                "-ERR source and destination objects are the same\r\n",
            ),
            ("move only1 16", "-ERR DB index is out of range\r\n"),
            ("move only1 2", ":1\r\n"),
            ("move nope 2", ":0\r\n"),
            ("copy k k db 3", ":1\r\n"),
            (
                "copy k k",
                "-ERR source and destination objects are the same\r\n",
            ),
            ("select 2", "+OK\r\n"),
            ("pttl only1", ":100000\r\n"),
            ("swapdb 0 x", "-ERR invalid second DB index\r\n"),
            ("swapdb 0 16", "-ERR DB index is out of range\r\n"),
            ("swapdb 0 1", "+OK\r\n"),
            ("select 0", "+OK\r\n"),
            ("get k", "$3\r\none\r\n"),
            ("select 1", "+OK\r\n"),
            ("get k", "$4\r\nzero\r\n"),
            ("flushdb", "+OK\r\n"),
            ("dbsize", ":0\r\n"),
            ("select 3", "+OK\r\n"),
            ("get k", "$3\r\none\r\n"),
        ]);
        let info = h.run("info keyspace");
        assert!(info.contains("db0:keys=1,expires=0"), "{info}");
        assert!(info.contains("db2:keys=1,expires=1"), "{info}");
        assert!(info.contains("db3:keys=1,expires=0"), "{info}");
        assert!(!info.contains("db1:"), "{info}");
        // The connection's database holds across commands; RESET goes back to 0.
        h.check(&[
            ("dbsize", ":1\r\n"),
            ("reset", "+RESET\r\n"),
            ("get k", "$3\r\none\r\n"),
            ("flushall", "+OK\r\n"),
        ]);
        assert_eq!(h.shared.keyspace.lock().total_len(), 0);
    }

    #[test]
    fn snapshots_keep_every_database() {
        let mut h = Harness::standalone();
        h.check(&[
            ("set a 0", "+OK\r\n"),
            ("select 5", "+OK\r\n"),
            ("set b 5", "+OK\r\n"),
            ("rpush l x y", ":2\r\n"),
        ]);
        let mut ks = h.shared.keyspace.lock();
        let rdb = crate::node::rdb::snapshot(&ks, 0, None, true);
        let mut dbs = Vec::new();
        crate::node::rdb::read_file(&rdb, |e| dbs.push((e.db, e.key))).unwrap();
        dbs.sort();
        assert_eq!(
            dbs,
            vec![
                (0, bytes::Bytes::from("a")),
                (5, bytes::Bytes::from("b")),
                (5, bytes::Bytes::from("l"))
            ]
        );
        // And through a frozen (background) snapshot, with writes going on.
        assert!(ks.freeze(0));
        ks.select(5);
        ks.put(
            b"later",
            crate::node::keyspace::Value::string(b"x"),
            crate::node::keyspace::Ttl::Clear,
        );
        ks.select(0);
        let mut bytes = crate::node::rdb::header(0, None, &ks);
        while let Some((part, last)) = ks.thaw_step(16) {
            bytes.extend_from_slice(&part);
            if last {
                break;
            }
        }
        crate::node::rdb::finish(&mut bytes, 0, true);
        let mut fresh = crate::node::keyspace::Keyspace::with_databases(16);
        crate::node::rdb::load_into(&bytes, &mut fresh, 0, &h.shared.script_run).unwrap();
        assert_eq!(fresh.db_size(0).0, 1);
        assert_eq!(fresh.db_size(5).0, 2);
    }

    #[test]
    fn debug_digest_is_zero_when_empty_and_equal_for_equal_data() {
        use crate::node::cmd::testing::Harness;
        let mut a = Harness::new();
        let zeros = format!("+{}\r\n", "0".repeat(40));
        assert_eq!(a.run("debug digest"), zeros);
        let mut b = Harness::new();
        for h in [&mut a, &mut b] {
            h.run("set k v");
            h.run("rpush l 1 2");
        }
        b.run("set x y");
        assert_ne!(a.run("debug digest"), b.run("debug digest"));
        b.run("del x");
        assert_eq!(a.run("debug digest"), b.run("debug digest"));
        assert_ne!(a.run("debug digest"), zeros);
        a.run("set k w");
        assert_ne!(a.run("debug digest"), b.run("debug digest"));
    }
}
