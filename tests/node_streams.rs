//! Streams on rclust-node against redis-server 7: the same calls give byte-identical
//! replies (IDs are given explicitly where the reply would carry the clock), and an RDB
//! file with streams moves between the two servers both ways and passes redis-check-rdb.

use crate::harness::{check_rdb, raw, wait_until, NodeServer, Process, RedisServer, ServerOpts};
use crate::require_redis;

fn raw(p: &Process, args: &[&str]) -> String {
    let mut c = p.client();
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    let v: redis::RedisResult<redis::Value> = cmd.query(&mut c);
    format!("{v:?}")
}

const SCENARIO: &[&[&str]] = &[
    &["XADD", "s", "1-1", "a", "1", "b", "2"],
    &["XADD", "s", "1-*", "a", "3"],
    &["XADD", "s", "1", "a", "3"],
    &["XADD", "s", "0-0", "a", "3"],
    &["XADD", "s", "2-1", "a"],
    &["XADD", "s", "bad", "a", "1"],
    &["XADD", "s", "MAXLEN", "1", "LIMIT", "1", "3-1", "a", "1"],
    &["XADD", "s", "MAXLEN", "-1", "3-1", "a", "1"],
    &["XADD", "nope", "NOMKSTREAM", "1-1", "a", "1"],
    &["EXISTS", "nope"],
    &["XADD", "s", "5-0", "c", "4"],
    &["XADD", "s", "5-*", "c", "5"],
    &["XLEN", "s"],
    &["TYPE", "s"],
    &["XRANGE", "s", "-", "+"],
    &["XRANGE", "s", "(1-1", "+", "COUNT", "2"],
    &["XRANGE", "s", "-", "(5-0"],
    &["XRANGE", "s", "-", "+", "COUNT", "0"],
    &[
        "XRANGE",
        "s",
        "(18446744073709551615-18446744073709551615",
        "+",
    ],
    &["XRANGE", "s", "-", "+", "FOO"],
    &["XREVRANGE", "s", "+", "-", "COUNT", "2"],
    &["XREVRANGE", "s", "5", "1"],
    &["XDEL", "s", "1-2", "9-9"],
    &["XLEN", "s"],
    &["XTRIM", "s", "MAXLEN", "2"],
    &["XTRIM", "s", "MINID", "=", "5-1"],
    &["XTRIM", "s", "LIMIT", "1"],
    &["XTRIM", "s", "MAXLEN", "1", "LIMIT", "1"],
    &["XRANGE", "s", "-", "+"],
    &["XREAD", "COUNT", "5", "STREAMS", "s", "0"],
    &["XREAD", "STREAMS", "s", "$"],
    &["XREAD", "STREAMS", "s"],
    &["XREAD", "STREAMS", "s", ">"],
    &["XREAD", "BLOCK", "-1", "STREAMS", "s", "0"],
    &["SET", "str", "x"],
    &["XADD", "str", "1-1", "a", "1"],
    &["XRANGE", "str", "-", "+"],
];

#[test]
fn stream_commands_match_redis() {
    require_redis!();
    let redis = RedisServer::start(ServerOpts::standalone());
    let node = NodeServer::start(ServerOpts::standalone());
    for (i, call) in SCENARIO.iter().enumerate() {
        let want = raw(&redis, call);
        let got = raw(&node, call);
        assert_eq!(got, want, "step {i} {call:?}: rclust-node vs redis-server");
    }
}

/// Entries, trimmed and deleted, in nodes of a few entries, so the file has several
/// listpacks and non-trivial bookkeeping.
fn fill(p: &Process) {
    raw(p, &["CONFIG", "SET", "stream-node-max-entries", "4"]);
    for i in 1..=30 {
        let id = format!("{i}-1");
        let v = i.to_string();
        if i % 3 == 0 {
            raw(p, &["XADD", "s", &id, "other", &v, "x", "y"]);
        } else {
            raw(p, &["XADD", "s", &id, "f", &v]);
        }
    }
    raw(p, &["XDEL", "s", "7-1", "30-1"]);
    raw(p, &["XTRIM", "s", "MAXLEN", "~", "20"]);
    raw(p, &["XADD", "empty", "1-1", "a", "1"]);
    raw(p, &["XDEL", "empty", "1-1"]);
}

fn snapshot(p: &Process) -> Vec<String> {
    vec![
        raw(p, &["XRANGE", "s", "-", "+"]),
        raw(p, &["XLEN", "empty"]),
        raw(p, &["TYPE", "empty"]),
        raw(p, &["XADD", "empty", "1-2", "a", "1"]),
    ]
}

fn move_rdb(from: &mut Process, to: &mut Process) {
    let saved = raw(from, &["SAVE"]);
    assert!(saved.starts_with("Ok("), "SAVE: {saved}");
    let file = from.dir.path().join("dump.rdb");
    std::fs::copy(&file, to.dir.path().join("dump.rdb")).unwrap();
    to.restart();
}

#[test]
fn stream_rdb_files_move_between_node_and_redis() {
    require_redis!();
    let mut redis = RedisServer::start(ServerOpts::standalone());
    let mut node = NodeServer::start(ServerOpts::standalone());
    fill(&redis);
    fill(&node);
    assert_eq!(
        raw(&node, &["XRANGE", "s", "-", "+"]),
        raw(&redis, &["XRANGE", "s", "-", "+"])
    );
    raw(&node, &["SAVE"]);
    check_rdb(&node.dir.path().join("dump.rdb"));
    let want = snapshot(&redis);
    raw(&redis, &["FLUSHALL"]);
    move_rdb(&mut node, &mut redis);
    assert_eq!(
        snapshot(&redis)[..3],
        want[..3],
        "redis-server loading the node's file"
    );
    // Back: redis-server's file (with the stream it just wrote to) into the node.
    raw(&node, &["FLUSHALL"]);
    move_rdb(&mut redis, &mut node);
    assert_eq!(
        raw(&node, &["XRANGE", "empty", "-", "+"]),
        raw(&redis, &["XRANGE", "empty", "-", "+"])
    );
    assert_eq!(
        raw(&node, &["XRANGE", "s", "-", "+"]),
        raw(&redis, &["XRANGE", "s", "-", "+"])
    );
}

/// Replies with what depends on the clock or on Redis's radix tree left out: idle and seen
/// times (the value after `idle` or `seen-time`), `radix-tree-nodes`, and unless
/// `exact_times`, unix ms times (delivery times) and the third field of an XPENDING entry.
fn masked(v: redis::Value, exact_times: bool) -> redis::Value {
    use redis::Value;
    let masked_after = |v: &Value| matches!(v, Value::BulkString(b) if [&b"idle"[..], b"radix-tree-nodes", b"seen-time"].contains(&&b[..]));
    match v {
        Value::Int(n) if n > 1_000_000_000_000 && !exact_times => {
            Value::SimpleString("time".into())
        }
        Value::Array(items) => {
            let pending_entry = !exact_times
                && items.len() == 4
                && matches!(&items[0], Value::BulkString(b) if b.contains(&b'-'))
                && matches!(items[1], Value::BulkString(_))
                && matches!(items[2], Value::Int(_))
                && matches!(items[3], Value::Int(_));
            let mut out = Vec::with_capacity(items.len());
            let mut mask_next = false;
            for (i, item) in items.into_iter().enumerate() {
                if mask_next || (pending_entry && i == 2) {
                    out.push(Value::SimpleString("masked".into()));
                } else {
                    mask_next = masked_after(&item);
                    out.push(masked(item, exact_times));
                    continue;
                }
                mask_next = false;
            }
            Value::Array(out)
        }
        other => other,
    }
}

fn call_masked(p: &Process, args: &[&str], exact_times: bool) -> String {
    let mut c = p.client();
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    let v: redis::RedisResult<redis::Value> = cmd.query(&mut c);
    format!("{:?}", v.map(|v| masked(v, exact_times)))
}

fn call(p: &Process, args: &[&str]) -> String {
    call_masked(p, args, false)
}

/// Consumer groups: creation and its errors, reads of new entries and of a consumer's
/// history, NOACK, acknowledgements, the PEL summary and ranges, claims (with TIME so the
/// delivery times agree), automatic claims over deleted entries, consumers, SETID, XSETID
/// and every XINFO form.
const GROUP_SCENARIO: &[&[&str]] = &[
    &["XGROUP", "CREATE", "s", "g", "$"],
    &["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"],
    &["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"],
    &["XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-2"],
    &["XGROUP", "CREATE", "s", "g2", "0", "BOGUS"],
    &["XGROUP", "CREATE", "s", "g3", "bad"],
    &["XGROUP", "CREATE", "s"],
    &["XGROUP", "FOO", "s", "g"],
    &["XGROUP", "HELP"],
    &["XGROUP", "HELP", "x"],
    &["XGROUP", "SETID", "s", "nope", "0"],
    &["XGROUP", "CREATECONSUMER", "nokey", "g", "c"],
    &["XINFO", "GROUPS", "s"],
    &["XADD", "s", "1-1", "a", "1"],
    &["XADD", "s", "2-1", "b", "2"],
    &["XADD", "s", "3-1", "c", "3"],
    &["XADD", "s", "4-1", "d", "4"],
    &["XGROUP", "CREATE", "s", "g2", "0"],
    &["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"],
    &["XGROUP", "SETID", "s", "g", "0"],
    &[
        "XREADGROUP",
        "GROUP",
        "g",
        "alice",
        "COUNT",
        "2",
        "STREAMS",
        "s",
        ">",
    ],
    &["XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"],
    &["XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"],
    &["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"],
    &[
        "XREADGROUP",
        "GROUP",
        "g",
        "alice",
        "COUNT",
        "1",
        "STREAMS",
        "s",
        "1-1",
    ],
    &["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "$"],
    &["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s"],
    &["XREADGROUP", "GROUP", "nope", "alice", "STREAMS", "s", ">"],
    &["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "nokey", ">"],
    &["XREADGROUP", "STREAMS", "s", ">", "x", "y"],
    &[
        "XREADGROUP",
        "GROUP",
        "g2",
        "carol",
        "NOACK",
        "COUNT",
        "3",
        "STREAMS",
        "s",
        ">",
    ],
    &["XPENDING", "s", "g2"],
    &["XPENDING", "s", "g"],
    &["XPENDING", "s", "g", "-", "+", "10"],
    &["XPENDING", "s", "g", "-", "+", "10", "bob"],
    &["XPENDING", "s", "g", "-", "+", "10", "nobody"],
    &["XPENDING", "s", "g", "(1-1", "(4-1", "10"],
    &["XPENDING", "s", "g", "IDLE", "0", "-", "+", "1"],
    &["XPENDING", "s", "g", "IDLE", "x", "-", "+", "1"],
    &["XPENDING", "s", "g", "-", "+"],
    &["XPENDING", "s", "nope"],
    &["XPENDING", "nokey", "g"],
    &["XACK", "s", "g", "1-1", "1-1", "9-9"],
    &["XACK", "s", "g", "bad"],
    &["XACK", "s", "nope", "1-1"],
    &["XDEL", "s", "3-1"],
    &[
        "XCLAIM",
        "s",
        "g",
        "dave",
        "0",
        "2-1",
        "3-1",
        "TIME",
        "1700000000000",
        "RETRYCOUNT",
        "7",
    ],
    &[
        "XCLAIM", "s", "g", "dave", "0", "4-1", "JUSTID", "LASTID", "9-9",
    ],
    &["XCLAIM", "s", "g", "erin", "3600000", "4-1"],
    &[
        "XCLAIM",
        "s",
        "g",
        "erin",
        "0",
        "1-1",
        "FORCE",
        "JUSTID",
        "TIME",
        "1700000000001",
    ],
    &["XCLAIM", "s", "g", "erin", "x", "1-1"],
    &["XCLAIM", "s", "g", "erin", "0", "1-1", "BOGUS"],
    &["XCLAIM", "s", "g", "erin", "0", "1-1", "IDLE", "x"],
    &["XCLAIM", "s", "nope", "erin", "0", "1-1"],
    &["XPENDING", "s", "g"],
    &["XINFO", "GROUPS", "s"],
    &["XADD", "s", "5-1", "e", "5"],
    &["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"],
    &["XDEL", "s", "5-1"],
    &["XAUTOCLAIM", "s", "g", "frank", "0", "0", "COUNT", "2"],
    &[
        "XAUTOCLAIM",
        "s",
        "g",
        "frank",
        "0",
        "0",
        "COUNT",
        "10",
        "JUSTID",
    ],
    &["XAUTOCLAIM", "s", "g", "frank", "0", "0", "COUNT", "0"],
    &["XAUTOCLAIM", "s", "g", "frank", "0", "0", "BOGUS"],
    &["XAUTOCLAIM", "s", "nope", "frank", "0", "0"],
    &["XPENDING", "s", "g"],
    &["XINFO", "CONSUMERS", "s", "g"],
    &["XINFO", "CONSUMERS", "s", "nope"],
    &["XINFO", "STREAM", "s"],
    &["XINFO", "STREAM", "s", "FULL"],
    &["XINFO", "STREAM", "s", "FULL", "COUNT", "1"],
    &["XINFO", "STREAM", "s", "BOGUS"],
    &["XINFO", "STREAM", "nokey"],
    &["XINFO", "HELP"],
    &["XINFO", "FOO", "s"],
    &["XGROUP", "CREATECONSUMER", "s", "g", "gina"],
    &["XGROUP", "CREATECONSUMER", "s", "g", "gina"],
    &["XGROUP", "DELCONSUMER", "s", "g", "frank"],
    &["XGROUP", "DELCONSUMER", "s", "g", "nobody"],
    &["XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "3"],
    &["XGROUP", "SETID", "s", "g2", "1-1"],
    &["XINFO", "GROUPS", "s"],
    &["XGROUP", "DESTROY", "s", "g2"],
    &["XGROUP", "DESTROY", "s", "g2"],
    &["XSETID", "s", "1-1"],
    &["XSETID", "s", "9-9", "ENTRIESADDED", "1"],
    &["XSETID", "s", "9-9", "MAXDELETEDID", "10-0"],
    &["XSETID", "s", "9-9", "ENTRIESADDED", "-1"],
    &[
        "XSETID",
        "s",
        "9-9",
        "ENTRIESADDED",
        "10",
        "MAXDELETEDID",
        "8-8",
    ],
    &["XSETID", "nokey", "9-9"],
    &["XINFO", "STREAM", "s"],
    &["SET", "str", "x"],
    &["XGROUP", "CREATE", "str", "g", "$"],
    &["XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">"],
    &["XINFO", "STREAM", "str"],
    &["XACK", "str", "g", "1-1"],
    &["XGROUP", "CREATE", "e", "g", "$", "MKSTREAM"],
    &["XINFO", "STREAM", "e", "FULL"],
    &["XREADGROUP", "GROUP", "g", "c", "STREAMS", "e", "0"],
];

#[test]
fn consumer_group_commands_match_redis() {
    require_redis!();
    let redis = RedisServer::start(ServerOpts::standalone());
    let node = NodeServer::start(ServerOpts::standalone());
    for (i, call_args) in GROUP_SCENARIO.iter().enumerate() {
        let want = call(&redis, call_args);
        let got = call(&node, call_args);
        assert_eq!(
            got, want,
            "step {i} {call_args:?}: rclust-node vs redis-server"
        );
    }
}

/// A stream with groups, pending entries (one of them deleted), consumers with and
/// without pending entries, an unknown read counter, in a few nodes.
fn fill_groups(p: &Process) {
    raw(p, &["CONFIG", "SET", "stream-node-max-entries", "4"]);
    for i in 1..=10 {
        raw(p, &["XADD", "gs", &format!("{i}-1"), "f", &i.to_string()]);
    }
    raw(p, &["XGROUP", "CREATE", "gs", "readers", "0"]);
    raw(p, &["XGROUP", "CREATE", "gs", "later", "$"]);
    raw(p, &["XGROUP", "CREATE", "gs", "unknown", "3-1"]);
    raw(
        p,
        &[
            "XREADGROUP",
            "GROUP",
            "readers",
            "alice",
            "COUNT",
            "3",
            "STREAMS",
            "gs",
            ">",
        ],
    );
    raw(
        p,
        &[
            "XREADGROUP",
            "GROUP",
            "readers",
            "bob",
            "COUNT",
            "2",
            "STREAMS",
            "gs",
            ">",
        ],
    );
    raw(
        p,
        &[
            "XCLAIM",
            "gs",
            "readers",
            "carol",
            "0",
            "2-1",
            "TIME",
            "1700000000000",
            "RETRYCOUNT",
            "5",
        ],
    );
    raw(p, &["XACK", "gs", "readers", "1-1"]);
    raw(p, &["XGROUP", "CREATECONSUMER", "gs", "readers", "idle"]);
    raw(p, &["XDEL", "gs", "4-1"]);
    raw(p, &["XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM"]);
}

fn group_snapshot(p: &Process) -> Vec<String> {
    vec![
        call(p, &["XINFO", "STREAM", "gs", "FULL"]),
        call(p, &["XPENDING", "gs", "readers", "-", "+", "100"]),
        call(p, &["XINFO", "GROUPS", "gs"]),
        call(p, &["XINFO", "STREAM", "empty", "FULL"]),
    ]
}

#[test]
fn stream_groups_survive_rdb_files_both_ways() {
    require_redis!();
    let mut redis = RedisServer::start(ServerOpts::standalone());
    let mut node = NodeServer::start(ServerOpts::standalone());
    fill_groups(&redis);
    fill_groups(&node);
    let want = group_snapshot(&redis);
    assert_eq!(
        group_snapshot(&node),
        want,
        "the same groups before any file"
    );
    raw(&node, &["SAVE"]);
    check_rdb(&node.dir.path().join("dump.rdb"));
    raw(&redis, &["FLUSHALL"]);
    move_rdb(&mut node, &mut redis);
    assert_eq!(
        group_snapshot(&redis),
        want,
        "redis-server loading the node's file"
    );
    raw(&node, &["FLUSHALL"]);
    move_rdb(&mut redis, &mut node);
    assert_eq!(
        group_snapshot(&node),
        want,
        "the node loading redis-server's file"
    );
    // DUMP payloads both ways.
    let mut rc = redis.client();
    let mut nc = node.client();
    let from_node: Vec<u8> = redis::cmd("DUMP").arg("gs").query(&mut nc).unwrap();
    let from_redis: Vec<u8> = redis::cmd("DUMP").arg("gs").query(&mut rc).unwrap();
    let _: () = redis::cmd("RESTORE")
        .arg("copy")
        .arg(0)
        .arg(from_node)
        .query(&mut rc)
        .unwrap();
    let _: () = redis::cmd("RESTORE")
        .arg("copy")
        .arg(0)
        .arg(from_redis)
        .query(&mut nc)
        .unwrap();
    assert_eq!(
        call(&node, &["XINFO", "STREAM", "copy", "FULL"]),
        call(&redis, &["XINFO", "STREAM", "copy", "FULL"])
    );
}

/// Reads through groups, NOACK reads, claims and automatic claims on a node master reach
/// its replicas as Redis propagates them (XCLAIM ... FORCE JUSTID LASTID, XGROUP SETID):
/// the same calls on a redis-server master leave its redis-server replica with the same
/// groups (Redis's propagation does not carry everything: a replica's read counter can
/// differ from its master's, and must differ the same way), and a redis-server and a node
/// replica of the node agree to the delivery time.
#[test]
fn group_reads_and_claims_replicate() {
    require_redis!();
    let node_master = NodeServer::start(ServerOpts::standalone());
    let redis_master = RedisServer::start(ServerOpts::standalone());
    let redis_of_node = RedisServer::start(ServerOpts::standalone());
    let node_of_node = NodeServer::start(ServerOpts::standalone());
    let redis_of_redis = RedisServer::start(ServerOpts::standalone());
    let masters: [&Process; 2] = [&node_master, &redis_master];
    for m in masters {
        raw(m, &["XADD", "r", "1-1", "f", "1"]);
        raw(m, &["XGROUP", "CREATE", "r", "g", "0"]);
    }
    for (replica, master) in [
        (&*redis_of_node, &*node_master),
        (&*node_of_node, &*node_master),
        (&*redis_of_redis, &*redis_master),
    ] {
        raw(
            replica,
            &["REPLICAOF", "127.0.0.1", &master.port.to_string()],
        );
    }
    wait_until(
        std::time::Duration::from_secs(15),
        "replicas online",
        || {
            raw(&node_master, &["INFO", "replication"])
                .matches("state=online")
                .count()
                == 2
                && raw(&redis_master, &["INFO", "replication"]).contains("state=online")
        },
    );
    for m in masters {
        for i in 2..=8 {
            raw(m, &["XADD", "r", &format!("{i}-1"), "f", &i.to_string()]);
        }
        raw(
            m,
            &[
                "XREADGROUP",
                "GROUP",
                "g",
                "alice",
                "COUNT",
                "3",
                "STREAMS",
                "r",
                ">",
            ],
        );
        raw(
            m,
            &[
                "XREADGROUP",
                "GROUP",
                "g",
                "bob",
                "NOACK",
                "COUNT",
                "2",
                "STREAMS",
                "r",
                ">",
            ],
        );
        raw(
            m,
            &[
                "XREADGROUP",
                "GROUP",
                "g",
                "carol",
                "COUNT",
                "1",
                "STREAMS",
                "r",
                ">",
            ],
        );
        raw(
            m,
            &["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "r", "0"],
        );
        raw(
            m,
            &[
                "XCLAIM",
                "r",
                "g",
                "dave",
                "0",
                "2-1",
                "TIME",
                "1700000000000",
            ],
        );
        raw(m, &["XDEL", "r", "3-1"]);
        raw(m, &["XAUTOCLAIM", "r", "g", "erin", "0", "0", "COUNT", "1"]);
        raw(
            m,
            &["XCLAIM", "r", "g", "erin", "0", "9-9", "LASTID", "7-1"],
        );
        raw(m, &["XACK", "r", "g", "6-1"]);
        raw(m, &["XGROUP", "CREATE", "r", "g2", "$"]);
        raw(m, &["XGROUP", "DELCONSUMER", "r", "g", "carol"]);
    }
    for (m, replicas) in [(&*node_master, 2), (&*redis_master, 1)] {
        let acked: i64 = m.cmd(&["WAIT", &replicas.to_string(), "5000"]);
        assert_eq!(acked, replicas);
    }
    let state = |p: &Process, exact_times: bool| {
        vec![
            call(p, &["XPENDING", "r", "g", "-", "+", "100"]),
            call_masked(p, &["XINFO", "GROUPS", "r"], exact_times),
            call_masked(p, &["XINFO", "STREAM", "r", "FULL"], exact_times),
        ]
    };
    assert_eq!(
        state(&node_master, false),
        state(&redis_master, false),
        "the masters"
    );
    assert_eq!(
        state(&redis_of_node, false),
        state(&redis_of_redis, false),
        "redis-server replicas of the node and of redis-server"
    );
    assert_eq!(
        state(&node_of_node, true),
        state(&redis_of_node, true),
        "a node and a redis-server replica of the node"
    );
}

/// Every keyspace event the group scenario makes, as a subscriber receives them.
fn group_events(p: &Process) -> String {
    use std::io::{Read, Write};
    raw(p, &["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
    let mut sub = std::net::TcpStream::connect(("127.0.0.1", p.port)).unwrap();
    sub.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    sub.write_all(b"PSUBSCRIBE __key*\r\n").unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    let mut read_until = |sub: &mut std::net::TcpStream, buf: &mut Vec<u8>, end: &str| {
        while !String::from_utf8_lossy(buf).contains(end) {
            let n = sub.read(&mut chunk).unwrap();
            assert!(n > 0, "subscriber closed");
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    read_until(&mut sub, &mut buf, ":1\r\n");
    buf.clear();
    for call_args in GROUP_SCENARIO {
        call(p, call_args);
    }
    raw(p, &["SET", "the-end", "x"]);
    read_until(&mut sub, &mut buf, "__keyevent@0__:set\r\n$7\r\nthe-end");
    String::from_utf8_lossy(&buf).into_owned()
}

#[test]
fn consumer_group_events_match_redis() {
    require_redis!();
    let redis = RedisServer::start(ServerOpts::standalone());
    let node = NodeServer::start(ServerOpts::standalone());
    let want = group_events(&redis);
    assert!(want.contains("xgroup-createconsumer"), "{want}");
    assert_eq!(group_events(&node), want);
}

/// A blocked XREADGROUP ended by XGROUP DESTROY with -NOGROUP counts as a failed call and
/// in errorstats, as redis-server counts it (Redis's stream-cgroups.tcl checks so).
#[test]
fn unblocking_error_counts_in_errorstats_as_redis_server() {
    require_redis!();
    let node = NodeServer::start(ServerOpts::standalone());
    let redis = RedisServer::start(ServerOpts::standalone());
    let mut seen = Vec::new();
    for p in [&*node, &*redis] {
        let mut c = raw::connect(p, std::time::Duration::from_secs(10));
        let mut blocked = raw::connect(p, std::time::Duration::from_secs(10));
        raw::inline(&mut c, "XGROUP CREATE s g $ MKSTREAM");
        raw::inline(&mut c, "CONFIG RESETSTAT");
        std::io::Write::write_all(
            &mut blocked,
            b"XREADGROUP GROUP g alice BLOCK 0 STREAMS s >\r\n",
        )
        .unwrap();
        wait_until(
            std::time::Duration::from_secs(10),
            "the reader blocks",
            || {
                String::from_utf8_lossy(&raw::inline(&mut c, "INFO clients"))
                    .contains("blocked_clients:1")
            },
        );
        raw::inline(&mut c, "XGROUP DESTROY s g");
        let err = raw::first_reply(&mut blocked, "the unblocked XREADGROUP");
        let info = String::from_utf8_lossy(&raw::inline(&mut c, "INFO everything")).into_owned();
        // The line, without its timings (which differ from run to run).
        let pick = |prefix: &str| {
            info.lines()
                .find(|l| l.starts_with(prefix))
                .map(|l| {
                    l.split(',')
                        .filter(|part| !part.starts_with("usec"))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default()
        };
        seen.push(format!(
            "{} {} {} {}",
            String::from_utf8_lossy(&err),
            pick("errorstat_NOGROUP"),
            pick("total_error_replies"),
            pick("cmdstat_xreadgroup"),
        ));
    }
    assert_eq!(seen[0], seen[1]);
    assert!(seen[0].contains("errorstat_NOGROUP:count=1"), "{}", seen[0]);
}
