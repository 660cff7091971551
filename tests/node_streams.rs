//! Streams on rclust-node against redis-server 7: the same calls give byte-identical
//! replies (IDs are given explicitly where the reply would carry the clock), and an RDB
//! file with streams moves between the two servers both ways and passes redis-check-rdb.

use std::process::Command;

use crate::harness::{NodeServer, Process, RedisServer, ServerOpts};
use crate::require_redis;

fn standalone() -> ServerOpts {
    ServerOpts {
        cluster: false,
        ..Default::default()
    }
}

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
    let redis = RedisServer::start(standalone());
    let node = NodeServer::start(standalone());
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
    let mut redis = RedisServer::start(standalone());
    let mut node = NodeServer::start(standalone());
    fill(&redis);
    fill(&node);
    assert_eq!(
        raw(&node, &["XRANGE", "s", "-", "+"]),
        raw(&redis, &["XRANGE", "s", "-", "+"])
    );
    raw(&node, &["SAVE"]);
    let checked = Command::new("redis-check-rdb")
        .arg(node.dir.path().join("dump.rdb"))
        .output();
    if let Ok(out) = checked {
        assert!(
            out.status.success(),
            "redis-check-rdb refused the node's file: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
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
