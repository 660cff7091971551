//! Connection and server commands: PING, AUTH, HELLO, CLIENT, CONFIG, SELECT, SHUTDOWN,
//! DEBUG, MULTI/EXEC, the cluster connection flags and the key-only CLUSTER subcommands.

use std::time::Duration;

use bytes::Bytes;

use super::{
    eq_ic, int, int_arg, lookup, parse_float, run, syntax_error, wrong_args, Action, Ctx, Multi,
};
use crate::model::key_slot;
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
        Ok(0) => Frame::ok(),
        Ok(_) if ctx.shared.cluster_enabled => {
            Frame::static_error("ERR SELECT is not allowed in cluster mode")
        }
        Ok(_) => Frame::static_error("ERR DB index is out of range"),
        Err(e) => e,
    }
}

/// Checks a password for the default user (the only user).
fn check_password(ctx: &mut Ctx, user: Option<&[u8]>, pass: &[u8]) -> Result<(), Frame> {
    let wrong =
        || Frame::static_error("WRONGPASS invalid username-password pair or user is disabled.");
    if user.is_some_and(|u| u != b"default") {
        return Err(wrong());
    }
    match ctx.shared.config.read().requirepass.as_deref() {
        None if user.is_none() => Err(Frame::static_error(
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        )),
        None => Ok(()),
        Some(pw) if pw.as_bytes() == pass => Ok(()),
        Some(_) => Err(wrong()),
    }
}

pub fn auth(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let (user, pass) = match args.len() {
        2 => (None, &args[1]),
        3 => (Some(&args[1][..]), &args[2]),
        _ => return syntax_error(),
    };
    match check_password(ctx, user, pass) {
        Ok(()) => {
            ctx.client.authenticated = true;
            Frame::ok()
        }
        Err(e) => e,
    }
}

pub fn hello(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let mut proto = None;
    if let Some(v) = args.get(1) {
        match int_arg(v) {
            Ok(n @ 2..=3) => proto = Some(n),
            Ok(_) => return Frame::static_error("NOPROTO unsupported protocol version"),
            Err(_) => {
                return Frame::static_error(
                    "ERR Protocol version is not an integer or out of range",
                )
            }
        }
    }
    let mut i = 2;
    let mut name = None;
    while i < args.len() {
        if eq_ic(&args[i], "auth") && i + 2 < args.len() {
            if let Err(e) = check_password(ctx, Some(&args[i + 1]), &args[i + 2]) {
                return e;
            }
            ctx.client.authenticated = true;
            i += 3;
        } else if eq_ic(&args[i], "setname") && i + 1 < args.len() {
            name = Some(args[i + 1].clone());
            i += 2;
        } else {
            return Frame::error(format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(&args[i])
            ));
        }
    }
    if !ctx.client.authenticated {
        return Frame::static_error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
    }
    if let Some(n) = name {
        if let Err(e) = set_name(ctx, n) {
            return e;
        }
    }
    if let Some(p) = proto {
        ctx.client.resp3 = p == 3;
        if let Some(c) = ctx.shared.clients.lock().get_mut(&ctx.client.id) {
            c.resp = p as u8;
        }
    }
    let s = |t: &str| Frame::bulk_str(t);
    Frame::Map(vec![
        (s("server"), s("redis")),
        (s("version"), s("7.0.15")),
        (
            s("proto"),
            Frame::Integer(if ctx.client.resp3 { 3 } else { 2 }),
        ),
        (s("id"), Frame::Integer(ctx.client.id as i64)),
        (
            s("mode"),
            s(if ctx.shared.cluster_enabled {
                "cluster"
            } else {
                "standalone"
            }),
        ),
        (
            s("role"),
            s(if ctx.shared.repl.is_replica() {
                "replica"
            } else {
                "master"
            }),
        ),
        (s("modules"), Frame::Array(vec![])),
    ])
}

fn set_name(ctx: &mut Ctx, name: Bytes) -> Result<(), Frame> {
    if name.iter().any(|c| *c <= b' ' || *c > b'~') {
        return Err(Frame::static_error(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    let name = (!name.is_empty()).then_some(name);
    if let Some(c) = ctx.shared.clients.lock().get_mut(&ctx.client.id) {
        c.name = name.clone();
    }
    ctx.client.name = name;
    Ok(())
}

fn client_line(id: u64, c: &crate::node::shared::ClientEntry) -> String {
    let name = c
        .name
        .as_ref()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_default();
    let lib = |b: &Option<Bytes>| {
        b.as_ref()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default()
    };
    format!(
        "id={id} addr={} laddr={} fd=8 name={name} age={} idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=client|list user=default redir=-1 resp={} lib-name={} lib-ver={}\n",
        c.addr,
        c.laddr,
        c.created.elapsed().as_secs(),
        c.resp,
        lib(&c.lib_name),
        lib(&c.lib_ver)
    )
}

pub fn client(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    let argc = args.len();
    match (sub.as_str(), argc) {
        ("id", 2) => Frame::Integer(ctx.client.id as i64),
        ("getname", 2) => ctx.client.name.clone().map_or(Frame::Null, Frame::Bulk),
        ("setname", 3) => match set_name(ctx, args[2].clone()) {
            Ok(()) => Frame::ok(),
            Err(e) => e,
        },
        ("setinfo", 4) => {
            let mut clients = ctx.shared.clients.lock();
            let Some(c) = clients.get_mut(&ctx.client.id) else {
                return Frame::ok();
            };
            if eq_ic(&args[2], "lib-name") {
                c.lib_name = Some(args[3].clone());
            } else if eq_ic(&args[2], "lib-ver") {
                c.lib_ver = Some(args[3].clone());
            } else {
                return Frame::error(format!(
                    "ERR Unrecognized option '{}'",
                    String::from_utf8_lossy(&args[2])
                ));
            }
            Frame::ok()
        }
        ("info", 2) => {
            let clients = ctx.shared.clients.lock();
            let line = clients
                .get(&ctx.client.id)
                .map(|c| client_line(ctx.client.id, c))
                .unwrap_or_default();
            Frame::Verbatim(*b"txt", Bytes::from(line))
        }
        ("list", _) => {
            let clients = ctx.shared.clients.lock();
            let text: String = clients.iter().map(|(id, c)| client_line(*id, c)).collect();
            Frame::Verbatim(*b"txt", Bytes::from(text))
        }
        ("kill", 3..) => {
            let clients = ctx.shared.clients.lock();
            let by_id = argc == 4 && eq_ic(&args[2], "id");
            let mut killed = 0;
            for (id, c) in clients.iter() {
                let hit = if by_id {
                    args[3] == id.to_string().as_bytes()
                } else if argc == 4 && eq_ic(&args[2], "addr") {
                    args[3] == c.addr.as_bytes()
                } else {
                    args[2] == c.addr.as_bytes()
                };
                if hit {
                    c.kill.notify_one();
                    killed += 1;
                }
            }
            if argc == 3 {
                if killed == 0 {
                    return Frame::static_error("ERR No such client");
                }
                return Frame::ok();
            }
            int(killed)
        }
        ("no-evict" | "no-touch" | "reply", 3) => Frame::ok(),
        _ => super::bad_subcommand(
            "client",
            &args[1],
            &[
                "id", "getname", "setname", "setinfo", "info", "list", "kill", "no-evict",
                "no-touch", "reply",
            ],
        ),
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
            let mut cfg = ctx.shared.config.write();
            let mut next = cfg.clone();
            for pair in args[2..].chunks(2) {
                let name = text(&pair[0]).to_ascii_lowercase();
                if !crate::node::config::NodeConfig::is_known(&name) {
                    return Frame::error(format!(
                        "ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
                    ));
                }
                if !crate::node::config::NodeConfig::is_mutable(&name) {
                    return Frame::error(format!("ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config"));
                }
                if let Err(why) = next.set(&name, &text(&pair[1])) {
                    return Frame::error(format!(
                        "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
                    ));
                }
            }
            *cfg = next;
            Frame::ok()
        }
        "rewrite" if args.len() == 2 => {
            let cfg = ctx.shared.config.read();
            let Some(path) = cfg.config_file.clone() else {
                return Frame::static_error("ERR The server is running without a config file");
            };
            let tmp = path.with_extension("tmp-rewrite");
            match std::fs::write(&tmp, cfg.rewrite_text())
                .and_then(|_| std::fs::rename(&tmp, &path))
            {
                Ok(()) => Frame::ok(),
                Err(e) => Frame::error(format!("ERR Rewriting config file: {e}")),
            }
        }
        "resetstat" if args.len() == 2 => {
            ctx.ks.stats = Default::default();
            Frame::ok()
        }
        _ => super::bad_subcommand("config", &args[1], &["get", "set", "rewrite", "resetstat"]),
    }
}

pub fn shutdown(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    for a in &args[1..] {
        if !["nosave", "save", "now", "force", "abort"]
            .iter()
            .any(|w| eq_ic(a, w))
        {
            return syntax_error();
        }
        if eq_ic(a, "abort") {
            return Frame::static_error("ERR No shutdown in progress.");
        }
    }
    ctx.client.action = Some(Action::Shutdown);
    Frame::ok()
}

pub fn quit(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    ctx.client.action = Some(Action::Close);
    Frame::ok()
}

pub fn reset(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    ctx.client.multi = None;
    ctx.client.readonly = false;
    ctx.client.asking = false;
    ctx.client.resp3 = false;
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

pub fn debug(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    match sub.as_str() {
        "sleep" if args.len() == 3 => match parse_float(&args[2]) {
            Some(secs) if secs >= 0.0 && secs.is_finite() => {
                ctx.client.action = Some(Action::Sleep(Duration::from_secs_f64(secs)));
                Frame::ok()
            }
            _ => super::not_float(),
        },
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
        _ => super::bad_subcommand("debug", &args[1], &["sleep", "digest-value", "populate"]),
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
        Some(_) => Frame::ok(),
        None => Frame::static_error("ERR DISCARD without MULTI"),
    }
}

pub fn exec(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    let Some(multi) = ctx.client.multi.take() else {
        return Frame::static_error("ERR EXEC without MULTI");
    };
    if multi.dirty {
        return Frame::static_error("EXECABORT Transaction discarded because of previous errors.");
    }
    let mut replies = Vec::with_capacity(multi.queued.len());
    for args in &multi.queued {
        // Queued commands were looked up when queued; the table does not change.
        match lookup(&args[0]) {
            Some(spec) => replies.push(run(ctx, spec, args)),
            None => replies.push(super::unknown_command(args)),
        }
    }
    Frame::Array(replies)
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
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    let slot_arg = |a: &[u8]| match int_arg(a) {
        Ok(n) if (0..16384).contains(&n) => Ok(n as u16),
        _ => Err(Frame::static_error("ERR Invalid slot")),
    };
    match (sub.as_str(), args.len()) {
        ("keyslot", 3) => Frame::Integer(key_slot(&args[2]) as i64),
        ("countkeysinslot", 3) => match slot_arg(&args[2]) {
            Ok(slot) => int(ctx.ks.count_in_slot(slot)),
            Err(e) => e,
        },
        ("getkeysinslot", 4) => {
            let count = match int_arg(&args[3]) {
                Ok(n) if n >= 0 => n as usize,
                _ => return Frame::static_error("ERR Invalid number of keys"),
            };
            match slot_arg(&args[2]) {
                Ok(slot) => Frame::Array(
                    ctx.ks
                        .keys_in_slot(slot, count)
                        .into_iter()
                        .map(Frame::Bulk)
                        .collect(),
                ),
                Err(e) => e,
            }
        }
        _ => ctx.shared.router().cluster_command(&args[1..], ctx.ks),
    }
}

pub fn lastsave(ctx: &mut Ctx, _: &[Bytes]) -> Frame {
    let started = crate::node::clock::now_ms() / 1000 - ctx.shared.started.elapsed().as_secs();
    Frame::Integer(started as i64)
}

pub fn save(_: &mut Ctx, _: &[Bytes]) -> Frame {
    Frame::ok()
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
        assert_eq!(h.client.action, Some(crate::node::cmd::Action::Close));
    }

    #[test]
    fn hello_switches_protocol() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("hello 4"),
            "-NOPROTO unsupported protocol version\r\n"
        );
        let reply = h.run("hello 3");
        assert!(
            reply.starts_with("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"),
            "{reply}"
        );
        assert_eq!(h.run("get nope"), "_\r\n");
        assert_eq!(h.run("zadd z 1.5 a"), ":1\r\n");
        assert_eq!(h.run("zscore z a"), ",1.5\r\n");
    }
}
