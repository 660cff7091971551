//! Requests no client may use to break the node, compared byte for byte with
//! redis-server: replies that echo input never carry a line break, counts that could
//! blow a reply up get Redis's errors or are streamed in bounded memory, WATCH follows
//! Redis's expiry and flush rules, and RESP3 pairs values.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::harness::{raw, wait_until, NodeServer, RedisServer, ServerOpts};

/// Sends a command given as raw arguments and reads one reply.
fn call(s: &mut TcpStream, args: &[&[u8]]) -> Vec<u8> {
    s.write_all(&raw::encode(args)).unwrap();
    raw::only_reply(s, &String::from_utf8_lossy(&args.concat()))
}

/// Sends a command split on spaces and reads one reply.
fn line(s: &mut TcpStream, text: &str) -> Vec<u8> {
    let args: Vec<&[u8]> = text.split(' ').map(str::as_bytes).collect();
    call(s, &args)
}

struct Pair {
    _node: NodeServer,
    _redis: RedisServer,
    node_port: u16,
    redis_port: u16,
}

fn pair() -> Pair {
    let opts = ServerOpts {
        cluster: false,
        ..Default::default()
    };
    let node = NodeServer::start(opts.clone());
    let redis = RedisServer::start(opts);
    Pair {
        node_port: node.port,
        redis_port: redis.port,
        _node: node,
        _redis: redis,
    }
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// Runs `steps` on both servers (each step: which connection, then the command) and
/// collects every difference.
fn compare(p: &Pair, steps: &[(usize, &str)]) -> Vec<String> {
    let mut node = [connect(p.node_port), connect(p.node_port)];
    let mut redis = [connect(p.redis_port), connect(p.redis_port)];
    let mut diffs = Vec::new();
    for (c, step) in steps {
        if let Some(ms) = step.strip_prefix("sleep ") {
            std::thread::sleep(Duration::from_millis(ms.parse().unwrap()));
            continue;
        }
        let got = line(&mut node[*c], step);
        let want = line(&mut redis[*c], step);
        if got != want {
            diffs.push(format!(
                "[{c}] {step}\n   rclust-node:  {:?}\n   redis-server: {:?}",
                String::from_utf8_lossy(&got[..got.len().min(200)]),
                String::from_utf8_lossy(&want[..want.len().min(200)])
            ));
        }
    }
    diffs
}

#[test]
fn echoed_input_never_splits_a_reply() {
    crate::require_redis!();
    let p = pair();
    let mut node = connect(p.node_port);
    let mut redis = connect(p.redis_port);
    let probes: &[&[&[u8]]] = &[
        &[b"FOOX", b"a\r\nb"],
        &[b"FOO\r\n+OK"],
        &[b"CONFIG", b"GET\r\n:1"],
        &[b"CLIENT", b"NOPE\n-ERR"],
        &[b"OBJECT", b"x\r\n", b"k"],
        &[b"SET", b"k", b"v", b"EX", b"1\r\n2"],
        &[b"HELLO", b"3", b"bad\r\n"],
        &[b"CLIENT", b"SETNAME", b"a\r\nb"],
    ];
    for probe in probes {
        let got = call(&mut node, probe);
        let want = call(&mut redis, probe);
        assert!(
            !got[..got.len() - 2].contains(&b'\n'),
            "line break inside {got:?}"
        );
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "reply to {probe:?}"
        );
        // The connection reads no forged second reply.
        assert_eq!(line(&mut node, "PING"), b"+PONG\r\n");
        assert_eq!(line(&mut redis, "PING"), b"+PONG\r\n");
    }
}

#[test]
fn counts_that_could_blow_up_match_redis() {
    crate::require_redis!();
    let p = pair();
    let diffs = compare(
        &p,
        &[
            (0, "SADD s a"),
            (0, "HSET h f v"),
            (0, "ZADD z 1.5 m"),
            (0, "SRANDMEMBER s -9223372036854775808"),
            (0, "SRANDMEMBER s 1 2"),
            (0, "HRANDFIELD h -9223372036854775808"),
            (0, "HRANDFIELD h -9223372036854770000 WITHVALUES"),
            (0, "HRANDFIELD h 4611686018427387904 WITHVALUES"),
            (0, "HRANDFIELD h 3 WITHVALUE"),
            (0, "HRANDFIELD nope -9223372036854775808"),
            (0, "ZRANDMEMBER z -9223372036854775808"),
            (0, "ZRANDMEMBER z -9223372036854770000 WITHSCORES"),
            (0, "ZRANDMEMBER z 5 WITHSCORES"),
            (0, "ZRANDMEMBER z -3 WITHSCORES"),
            (0, "ZRANDMEMBER nope 3"),
            (0, "ZRANDMEMBER nope"),
            (0, "ZRANDMEMBER z"),
            (0, "SET str x"),
            (0, "ZRANDMEMBER str 1"),
            // Large enough to stream: one element makes the reply deterministic.
            (0, "SRANDMEMBER s -70000"),
            (0, "HRANDFIELD h -70000 WITHVALUES"),
            (0, "MULTI"),
            (0, "SRANDMEMBER s -70000"),
            (0, "EXEC"),
            (0, "PING"),
        ],
    );
    assert!(diffs.is_empty(), "replies differ:\n{}", diffs.join("\n"));
}

#[test]
fn resp3_randfield_pairs_values() {
    crate::require_redis!();
    let p = pair();
    let mut node = connect(p.node_port);
    let mut redis = connect(p.redis_port);
    for s in [&mut node, &mut redis] {
        line(s, "HSET h f v");
        line(s, "ZADD z 1.5 m");
        line(s, "HELLO 3");
    }
    for cmd in [
        "HRANDFIELD h 2 WITHVALUES",
        "HRANDFIELD h -2 WITHVALUES",
        "HRANDFIELD h -70000 WITHVALUES",
        "ZRANDMEMBER z -2 WITHSCORES",
        "HRANDFIELD h 1",
    ] {
        assert_eq!(
            String::from_utf8_lossy(&line(&mut node, cmd)),
            String::from_utf8_lossy(&line(&mut redis, cmd)),
            "reply to {cmd}"
        );
    }
}

/// RSS of a process in kB.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn an_endless_reply_streams_in_bounded_memory_and_stops_when_the_client_leaves() {
    let node = NodeServer::start(ServerOpts {
        cluster: false,
        ..Default::default()
    });
    let pid = node.pid().expect("running");
    let mut c = connect(node.port);
    line(&mut c, "SADD s a");
    let before = rss_kb(pid);
    c.write_all(&raw::encode(&[
        b"SRANDMEMBER",
        b"s",
        b"-9223372036854775807",
    ]))
    .unwrap();
    let mut got = 0usize;
    let mut chunk = vec![0u8; 1 << 16];
    while got < 16 << 20 {
        let n = c.read(&mut chunk).unwrap();
        assert!(n > 0);
        if got == 0 {
            assert!(chunk[..n].starts_with(b"*9223372036854775807\r\n$1\r\na\r\n"));
        }
        got += n;
    }
    let during = rss_kb(pid);
    assert!(
        during < before + 32 * 1024,
        "RSS grew from {before} kB to {during} kB while streaming"
    );
    drop(c);
    // The node notices the client left and serves others.
    let mut other = connect(node.port);
    wait_until(
        Duration::from_secs(10),
        "the streaming client to be dropped",
        || {
            assert_eq!(line(&mut other, "SCARD s"), b":1\r\n");
            let clients = String::from_utf8_lossy(&line(&mut other, "CLIENT LIST")).into_owned();
            clients.matches("id=").count() == 1
        },
    );
    assert!(rss_kb(pid) < before + 32 * 1024);
}

#[test]
fn watch_follows_redis_expiry_and_flush_rules() {
    crate::require_redis!();
    let p = pair();
    let diffs = compare(
        &p,
        &[
            // A watched key that expires before EXEC aborts it.
            (0, "SET k 1 PX 100"),
            (0, "WATCH k"),
            (0, "sleep 150"),
            (0, "MULTI"),
            (0, "INCR k"),
            (0, "EXEC"),
            // Deleted by another client's lookup after it expired: aborts too.
            (0, "SET k 1 PX 100"),
            (0, "WATCH k"),
            (0, "sleep 150"),
            (1, "EXISTS k"),
            (0, "MULTI"),
            (0, "PING"),
            (0, "EXEC"),
            // A missing watched key is not touched by FLUSHALL or FLUSHDB.
            (0, "DEL x"),
            (0, "WATCH x"),
            (1, "FLUSHALL"),
            (0, "MULTI"),
            (0, "PING"),
            (0, "EXEC"),
            (0, "WATCH x"),
            (1, "FLUSHDB"),
            (0, "MULTI"),
            (0, "PING"),
            (0, "EXEC"),
            // An existing one is.
            (0, "SET x 30"),
            (0, "WATCH x"),
            (1, "FLUSHALL"),
            (0, "MULTI"),
            (0, "PING"),
            (0, "EXEC"),
            // Another key of the same slot is not the watched key.
            (0, "WATCH {t}a"),
            (1, "SET {t}b 1"),
            (0, "MULTI"),
            (0, "PING"),
            (0, "EXEC"),
            // A key that was stale when watched may disappear.
            (0, "SET y 1 PX 1"),
            (0, "sleep 20"),
            (0, "WATCH y"),
            (1, "FLUSHDB"),
            (0, "MULTI"),
            (0, "PING"),
            (0, "EXEC"),
        ],
    );
    assert!(diffs.is_empty(), "replies differ:\n{}", diffs.join("\n"));
}
