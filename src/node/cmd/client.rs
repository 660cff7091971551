//! Connection-level commands: AUTH, HELLO and CLIENT.

use bytes::Bytes;

use super::{eq_ic, int, int_arg, syntax_error, Ctx};
use crate::node::resp::Frame;

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

/// What CLIENT KILL's filters select; every given filter must match.
struct KillFilter {
    id: Option<u64>,
    kind: Option<ClientKind>,
    addr: Option<Bytes>,
    laddr: Option<Bytes>,
    skip_me: bool,
}

impl Default for KillFilter {
    fn default() -> Self {
        KillFilter {
            id: None,
            kind: None,
            addr: None,
            laddr: None,
            skip_me: true,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ClientKind {
    Normal,
    Master,
    Replica,
    PubSub,
}

impl KillFilter {
    /// `ID id`, `TYPE type`, `ADDR ip:port`, `LADDR ip:port`, `SKIPME yes|no` pairs, with
    /// Redis's errors.
    fn parse(args: &[Bytes]) -> Result<KillFilter, Frame> {
        let mut f = KillFilter::default();
        for pair in args.chunks(2) {
            let [name, value] = pair else {
                return Err(syntax_error());
            };
            if eq_ic(name, "id") {
                let id = std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.parse::<i64>().ok());
                match id {
                    Some(id) if id >= 1 => f.id = Some(id as u64),
                    _ => {
                        return Err(Frame::static_error(
                            "ERR client-id should be greater than 0",
                        ))
                    }
                }
            } else if eq_ic(name, "type") {
                f.kind = Some(if eq_ic(value, "normal") {
                    ClientKind::Normal
                } else if eq_ic(value, "master") {
                    ClientKind::Master
                } else if eq_ic(value, "replica") || eq_ic(value, "slave") {
                    ClientKind::Replica
                } else if eq_ic(value, "pubsub") {
                    ClientKind::PubSub
                } else {
                    return Err(Frame::error(format!(
                        "ERR Unknown client type '{}'",
                        String::from_utf8_lossy(value)
                    )));
                });
            } else if eq_ic(name, "addr") {
                f.addr = Some(value.clone());
            } else if eq_ic(name, "laddr") {
                f.laddr = Some(value.clone());
            } else if eq_ic(name, "skipme") {
                f.skip_me = if eq_ic(value, "yes") {
                    true
                } else if eq_ic(value, "no") {
                    false
                } else {
                    return Err(syntax_error());
                };
            } else {
                return Err(syntax_error());
            }
        }
        Ok(f)
    }
}

/// Closes the connections `filter` selects and returns how many. A replica's feed leaves
/// INFO's replicas at once; the link to our master (type master, its master's address)
/// drops and connects again.
fn kill_clients(ctx: &mut Ctx, filter: &KillFilter) -> usize {
    let repl = &ctx.shared.repl;
    let replicas: std::collections::HashSet<u64> = {
        let st = repl.state.lock();
        st.replicas
            .keys()
            .chain(st.handoffs.keys())
            .copied()
            .collect()
    };
    let subscribers = ctx.shared.pubsub.lock().subscribers();
    let kind_of = |id: u64| {
        if replicas.contains(&id) {
            ClientKind::Replica
        } else if subscribers.contains(&id) {
            ClientKind::PubSub
        } else {
            ClientKind::Normal
        }
    };
    let mut killed = 0;
    let mut gone_replicas = Vec::new();
    {
        let clients = ctx.shared.clients.lock();
        for (id, c) in clients.iter() {
            let hit = filter.id.is_none_or(|want| want == *id)
                && filter.kind.is_none_or(|k| k == kind_of(*id))
                && filter.addr.as_ref().is_none_or(|a| a == c.addr.as_bytes())
                && filter
                    .laddr
                    .as_ref()
                    .is_none_or(|a| a == c.laddr.as_bytes())
                && !(filter.skip_me && *id == ctx.client.id);
            if hit {
                c.kill();
                killed += 1;
                if replicas.contains(id) {
                    gone_replicas.push(*id);
                }
            }
        }
    }
    if !gone_replicas.is_empty() {
        let mut st = repl.state.lock();
        for id in gone_replicas {
            st.replicas.remove(&id);
        }
    }
    let master_hit = filter.id.is_none()
        && filter.laddr.is_none()
        && filter.kind.is_none_or(|k| k == ClientKind::Master)
        && match &filter.addr {
            Some(a) => repl.master_link_addr().is_some_and(|m| m.as_bytes() == a),
            None => filter.kind == Some(ClientKind::Master),
        };
    if master_hit && repl.kill_master_link() {
        killed += 1;
    }
    killed
}

pub fn client(ctx: &mut Ctx, args: &[Bytes]) -> Frame {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    let argc = args.len();
    match (sub.as_str(), argc) {
        ("id", 2) => Frame::Integer(ctx.client.id as i64),
        ("pause", 3 | 4) => {
            let all = match args.get(3) {
                None => true,
                Some(m) if eq_ic(m, "all") => true,
                Some(m) if eq_ic(m, "write") => false,
                Some(_) => {
                    return Frame::static_error("ERR CLIENT PAUSE mode must be WRITE or ALL")
                }
            };
            let ms = match std::str::from_utf8(&args[2])
                .ok()
                .and_then(|t| t.parse::<i64>().ok())
            {
                Some(ms) if ms < 0 => return Frame::static_error("ERR timeout is negative"),
                Some(ms) => ms as u64,
                None => {
                    return Frame::static_error("ERR timeout is not an integer or out of range")
                }
            };
            ctx.shared
                .repl
                .pause_clients(ctx.now.saturating_add(ms), all, ctx.now);
            Frame::ok()
        }
        ("unpause", 2) => {
            ctx.shared.repl.unpause_clients();
            Frame::ok()
        }
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
        ("kill", 3) => {
            // The old form: one address; it may name this very connection.
            let filter = KillFilter {
                addr: Some(args[2].clone()),
                skip_me: false,
                ..KillFilter::default()
            };
            match kill_clients(ctx, &filter) {
                0 => Frame::static_error("ERR No such client"),
                _ => Frame::ok(),
            }
        }
        ("kill", _) => match KillFilter::parse(&args[2..]) {
            Ok(filter) => int(kill_clients(ctx, &filter)),
            Err(e) => e,
        },
        ("no-evict" | "no-touch", 3) => Frame::ok(),
        ("reply", 3) => {
            use super::ReplyMode;
            let mode = &args[2];
            ctx.client.reply = if eq_ic(mode, "on") {
                ReplyMode::On
            } else if eq_ic(mode, "off") {
                ReplyMode::Off
            } else if eq_ic(mode, "skip") {
                match ctx.client.reply {
                    ReplyMode::Off => ReplyMode::Off,
                    _ => ReplyMode::Skip,
                }
            } else {
                return syntax_error();
            };
            Frame::ok()
        }
        ("unblock", 3 | 4) => super::blocking::client_unblock(ctx, args),
        _ => super::bad_subcommand(
            "client",
            &args[1],
            &[
                "id", "getname", "setname", "setinfo", "info", "list", "kill", "no-evict",
                "no-touch", "reply", "unblock",
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::node::cmd::testing::Harness;

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
