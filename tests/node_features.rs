//! What Redis users rely on beyond plain commands, run against rclust-node and redis-server
//! 7 in the same way, with byte-identical replies where Redis defines them: pub/sub (RESP2
//! and RESP3 pushes, across a cluster over the bus), blocking pops (arrival order, timeouts,
//! MULTI, CLIENT UNBLOCK), Lua scripts, maxmemory eviction and output-buffer limits.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use rclust::test_support::{parse_frame, ParseError};

use crate::harness::{wait_until, NodeServer, Process, RedisServer, ServerOpts};
use crate::require_redis;

/// A raw RESP client that keeps what it read past one reply.
struct Raw {
    s: TcpStream,
    buf: BytesMut,
}

impl Raw {
    fn connect(p: &Process) -> Raw {
        let s = TcpStream::connect(("127.0.0.1", p.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        Raw {
            s,
            buf: BytesMut::new(),
        }
    }

    fn send(&mut self, args: &[&str]) {
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out += &format!("${}\r\n{a}\r\n", a.len());
        }
        self.s.write_all(out.as_bytes()).unwrap();
    }

    /// The raw bytes of the next reply.
    fn read(&mut self) -> Vec<u8> {
        let mut chunk = [0u8; 65536];
        loop {
            match parse_frame(&Bytes::copy_from_slice(&self.buf)) {
                Ok((_, n)) => return self.buf.split_to(n).to_vec(),
                Err(ParseError::Incomplete) => {}
                Err(ParseError::Invalid(e)) => panic!("bad reply: {e}"),
            }
            let n = self.s.read(&mut chunk).expect("a reply in time");
            assert!(n > 0, "connection closed");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    fn call(&mut self, args: &[&str]) -> String {
        self.send(args);
        String::from_utf8_lossy(&self.read()).into_owned()
    }
}

fn info_field(p: &Process, field: &str) -> String {
    let info: String = p.cmd(&["INFO"]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn wait_blocked(p: &Process, n: usize) {
    wait_until(Duration::from_secs(10), "clients to block", || {
        info_field(p, "blocked_clients") == n.to_string()
    });
}

/// Runs `scenario` against a redis-server and an rclust-node and compares what it recorded.
fn same_on_both(scenario: impl Fn(&Process) -> Vec<String>) {
    let redis = RedisServer::start(ServerOpts::standalone());
    let node = NodeServer::start(ServerOpts::standalone());
    let want = scenario(&redis);
    let got = scenario(&node);
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(g, w, "step {i}: rclust-node vs redis-server");
    }
    assert_eq!(got.len(), want.len());
}

#[test]
fn pubsub_matches_redis_in_resp2_and_resp3() {
    require_redis!();
    same_on_both(|p| {
        let mut out = Vec::new();
        let mut sub = Raw::connect(p);
        let mut sub3 = Raw::connect(p);
        let mut publisher = Raw::connect(p);
        sub.send(&["SUBSCRIBE", "news", "sport"]);
        out.push(String::from_utf8_lossy(&sub.read()).into_owned());
        out.push(String::from_utf8_lossy(&sub.read()).into_owned());
        out.push(sub.call(&["PSUBSCRIBE", "n*"]));
        out.push(sub.call(&["GET", "x"]));
        out.push(sub.call(&["PING"]));
        sub3.call(&["HELLO", "3"]);
        out.push(sub3.call(&["SUBSCRIBE", "news"]));
        out.push(sub3.call(&["GET", "x"]));
        out.push(publisher.call(&["PUBLISH", "news", "hello"]));
        for _ in 0..2 {
            out.push(String::from_utf8_lossy(&sub.read()).into_owned());
        }
        out.push(String::from_utf8_lossy(&sub3.read()).into_owned());
        out.push(publisher.call(&["PUBSUB", "NUMSUB", "news", "sport", "none"]));
        out.push(publisher.call(&["PUBSUB", "NUMPAT"]));
        out.push(publisher.call(&["PUBSUB", "CHANNELS", "s*"]));
        out.push(sub.call(&["UNSUBSCRIBE", "sport"]));
        out.push(sub.call(&["PUNSUBSCRIBE"]));
        out.push(sub.call(&["UNSUBSCRIBE"]));
        out.push(sub.call(&["UNSUBSCRIBE"]));
        out.push(sub.call(&["SET", "x", "1"]));
        out.push(sub3.call(&["SSUBSCRIBE", "shard"]));
        out.push(publisher.call(&["SPUBLISH", "shard", "s1"]));
        out.push(String::from_utf8_lossy(&sub3.read()).into_owned());
        out.push(publisher.call(&["PUBLISH", "news", "bye"]));
        out.push(String::from_utf8_lossy(&sub3.read()).into_owned());
        out
    });
}

#[test]
fn blocked_clients_are_served_in_arrival_order_like_redis() {
    require_redis!();
    same_on_both(|p| {
        let mut out = Vec::new();
        let mut first = Raw::connect(p);
        let mut second = Raw::connect(p);
        let mut writer = Raw::connect(p);
        first.send(&["BLPOP", "l", "other", "0"]);
        wait_blocked(p, 1);
        second.send(&["BLPOP", "l", "0"]);
        wait_blocked(p, 2);
        // One EXEC pushes three: each waiter gets the head as EXEC left it, in order.
        writer.call(&["MULTI"]);
        writer.call(&["RPUSH", "l", "a"]);
        writer.call(&["RPUSH", "l", "b", "c"]);
        out.push(writer.call(&["EXEC"]));
        out.push(String::from_utf8_lossy(&first.read()).into_owned());
        out.push(String::from_utf8_lossy(&second.read()).into_owned());
        out.push(writer.call(&["LRANGE", "l", "0", "-1"]));
        // Linked moves: the chain runs before the writer's next command.
        first.send(&["BLMOVE", "src", "mid", "RIGHT", "LEFT", "0"]);
        wait_blocked(p, 1);
        second.send(&["BRPOPLPUSH", "mid", "dst", "0"]);
        wait_blocked(p, 2);
        out.push(writer.call(&["RPUSH", "src", "x"]));
        out.push(writer.call(&["LRANGE", "dst", "0", "-1"]));
        out.push(String::from_utf8_lossy(&first.read()).into_owned());
        out.push(String::from_utf8_lossy(&second.read()).into_owned());
        // Sorted sets, multi-key pops, timeouts, MULTI, wrong types.
        first.send(&["BZPOPMIN", "z1", "z2", "0"]);
        wait_blocked(p, 1);
        out.push(writer.call(&["ZADD", "z2", "2", "b", "1", "a"]));
        out.push(String::from_utf8_lossy(&first.read()).into_owned());
        first.send(&["BLMPOP", "0", "2", "m1", "m2", "RIGHT", "COUNT", "2"]);
        wait_blocked(p, 1);
        out.push(writer.call(&["RPUSH", "m2", "1", "2", "3"]));
        out.push(String::from_utf8_lossy(&first.read()).into_owned());
        out.push(first.call(&["BZMPOP", "0.05", "1", "nothing", "MAX"]));
        out.push(first.call(&["BLPOP", "nothing", "0.05"]));
        out.push(first.call(&["BLMOVE", "nothing", "x", "LEFT", "LEFT", "0.05"]));
        out.push(first.call(&["BLPOP", "nothing", "-1"]));
        out.push(first.call(&["BLPOP", "nothing", "x"]));
        first.call(&["MULTI"]);
        first.call(&["BLPOP", "nothing", "0"]);
        first.call(&["BZPOPMAX", "nothing", "0"]);
        out.push(first.call(&["EXEC"]));
        writer.call(&["SET", "str", "v"]);
        out.push(first.call(&["BLPOP", "str", "0"]));
        // CLIENT UNBLOCK, with and without an error.
        let id = first.call(&["CLIENT", "ID"]);
        let id = id.trim_start_matches(':').trim().to_string();
        first.send(&["BLPOP", "nothing", "0"]);
        wait_blocked(p, 1);
        out.push(writer.call(&["CLIENT", "UNBLOCK", &id]));
        out.push(String::from_utf8_lossy(&first.read()).into_owned());
        first.send(&["BRPOP", "nothing", "0"]);
        wait_blocked(p, 1);
        out.push(writer.call(&["CLIENT", "UNBLOCK", &id, "ERROR"]));
        out.push(String::from_utf8_lossy(&first.read()).into_owned());
        out.push(writer.call(&["CLIENT", "UNBLOCK", &id]));
        // A client that leaves while blocked is forgotten.
        second.send(&["BLPOP", "gone", "0"]);
        wait_blocked(p, 1);
        drop(second);
        wait_blocked(p, 0);
        out.push(writer.call(&["RPUSH", "gone", "kept"]));
        out.push(writer.call(&["LRANGE", "gone", "0", "-1"]));
        out
    });
}

#[test]
fn lua_scripts_match_redis() {
    require_redis!();
    let scripts: &[&[&str]] = &[
        &["EVAL", "return 'hello'", "0"],
        &["EVAL", "return 100.5", "0"],
        &["EVAL", "return {1,2,3,'ciao',{1,2}}", "0"],
        &["EVAL", "return {ok='fine'}", "0"],
        &["EVAL", "return {err='ERR this is an error'}", "0"],
        &[
            "EVAL",
            "return redis.call('set',KEYS[1],ARGV[1])",
            "1",
            "k",
            "v",
        ],
        &["EVAL", "return redis.call('get',KEYS[1])", "1", "k"],
        &["EVAL", "return redis.pcall('incr',KEYS[1])", "1", "k"],
        &["EVAL", "return redis.call('exists','nope')", "0"],
        &["EVAL", "return redis.call('get','nope')", "0"],
        &[
            "EVAL",
            "return {redis.call('rpush','l','a','b'), redis.call('lrange','l',0,-1)}",
            "0",
        ],
        &["EVAL", "return redis.call('blpop','empty',0)", "0"],
        &["EVAL", "return redis.status_reply('FINE')", "0"],
        &["EVAL", "return redis.error_reply('MY error')", "0"],
        &["EVAL", "return redis.sha1hex('Pizza & Mandolino')", "0"],
        &[
            "EVAL",
            "local t = redis.pcall('hgetall','k') return t['err']",
            "0",
        ],
        &["EVAL", "return tostring(3.5)", "0"],
        &["EVAL", "return 1", "-1"],
        &["EVAL", "return 1", "3", "a"],
        &["SCRIPT", "LOAD", "return KEYS[1]"],
        &[
            "SCRIPT",
            "EXISTS",
            "ffffffffffffffffffffffffffffffffffffffff",
        ],
        &["SCRIPT", "KILL"],
        &["SCRIPT", "FLUSH"],
    ];
    same_on_both(|p| {
        let mut c = Raw::connect(p);
        let mut out: Vec<String> = scripts.iter().map(|args| c.call(args)).collect();
        let sha = c.call(&["SCRIPT", "LOAD", "return ARGV[1]"]);
        let sha = sha.lines().nth(1).unwrap().to_string();
        out.push(sha.clone());
        out.push(c.call(&["EVALSHA", &sha.to_uppercase(), "0", "x"]));
        // Errors: Redis's text up to where it names the script.
        for body in [
            "redis.call('nosuchcommand')",
            "redis.call('get','a','b','c')",
            "return redis.call('lpush','k','x')",
            "return a",
            "a = 1",
            "return redis.call()",
        ] {
            let reply = c.call(&["EVAL", body, "0"]);
            out.push(
                reply
                    .split(" script:")
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
        out
    });
}

#[test]
fn scripts_replicate_their_effects() {
    let master = NodeServer::start(ServerOpts::standalone());
    let replica = NodeServer::start(ServerOpts::standalone());
    replica.cmd::<String>(&["REPLICAOF", "127.0.0.1", &master.port.to_string()]);
    let mut c = Raw::connect(&master);
    c.call(&[
        "EVAL",
        "redis.call('set','a',ARGV[1]); redis.call('rpush','l','x','y'); return redis.call('lpop','l')",
        "0",
        "from-script",
    ]);
    // A waiter served by a push replicates as the pop it made.
    let mut waiter = Raw::connect(&master);
    waiter.send(&["BLPOP", "q", "0"]);
    wait_blocked(&master, 1);
    c.call(&["RPUSH", "q", "1", "2"]);
    waiter.read();
    wait_until(Duration::from_secs(20), "the replica to catch up", || {
        replica.cmd::<Option<String>>(&["GET", "a"]).as_deref() == Some("from-script")
            && replica.cmd::<Vec<String>>(&["LRANGE", "q", "0", "-1"]) == vec!["2".to_string()]
    });
    assert_eq!(
        replica.cmd::<Vec<String>>(&["LRANGE", "l", "0", "-1"]),
        vec!["y".to_string()]
    );
}

/// The append-only file gets what replicas get: a script's effects and a served
/// waiter's pop; eviction settings given as flags reach CONFIG GET and INFO.
#[test]
fn the_append_only_file_keeps_script_effects_and_served_pops() {
    let mut node = NodeServer::start_with(
        ServerOpts::standalone(),
        &[
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--maxmemory-policy",
            "allkeys-lfu",
            "--maxmemory-samples",
            "7",
        ],
    );
    let mut c = Raw::connect(&node);
    c.call(&[
        "EVAL",
        "redis.call('set','a',ARGV[1]); redis.call('rpush','l','x','y'); return redis.call('lpop','l')",
        "0",
        "from-script",
    ]);
    let mut waiter = Raw::connect(&node);
    waiter.send(&["BLPOP", "q", "0"]);
    wait_blocked(&node, 1);
    c.call(&["RPUSH", "q", "1", "2"]);
    assert_eq!(waiter.read(), b"*2\r\n$1\r\nq\r\n$1\r\n1\r\n");
    drop((c, waiter));
    node.kill();
    node.restart();
    assert_eq!(
        node.cmd::<Option<String>>(&["GET", "a"]).as_deref(),
        Some("from-script")
    );
    assert_eq!(node.cmd::<Vec<String>>(&["LRANGE", "l", "0", "-1"]), ["y"]);
    assert_eq!(node.cmd::<Vec<String>>(&["LRANGE", "q", "0", "-1"]), ["2"]);
    assert_eq!(
        node.cmd::<Vec<String>>(&["CONFIG", "GET", "maxmemory-*"]),
        ["maxmemory-policy", "allkeys-lfu", "maxmemory-samples", "7"]
    );
    assert_eq!(info_field(&node, "maxmemory_policy"), "allkeys-lfu");
    // The policy reached the evictor: OBJECT FREQ answers only under an LFU policy.
    assert!(node.cmd::<i64>(&["OBJECT", "FREQ", "a"]) >= 0);
}

/// Keyspace notifications, event by event as redis-server publishes them, and CLIENT
/// REPLY OFF/SKIP/ON.
#[test]
fn keyspace_notifications_and_client_reply_match_redis() {
    require_redis!();
    same_on_both(|p| {
        let mut c = Raw::connect(p);
        let mut sub = Raw::connect(p);
        c.call(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
        let mut out = vec![c.call(&["CONFIG", "GET", "notify-keyspace-events"])];
        out.push(sub.call(&["PSUBSCRIBE", "__key*__:*"]));
        for cmd in [
            &["SET", "s", "1", "EX", "100"][..],
            &["INCRBY", "s", "2"],
            &["APPEND", "s", "x"],
            &["RPUSH", "l", "a", "b"],
            &["LPOP", "l"],
            &["RPOP", "l"],
            &["SADD", "set", "a"],
            &["SREM", "set", "nope"],
            &["HSET", "h", "f", "1"],
            &["HINCRBY", "h", "f", "1"],
            &["ZADD", "z", "1", "a"],
            &["ZINCRBY", "z", "1", "a"],
            &["RENAME", "h", "h2"],
            &["EXPIRE", "h2", "100"],
            &["PERSIST", "h2"],
            &["DEL", "h2", "nope", "z"],
            &["SET", "end", "1"],
        ] {
            c.call(cmd);
        }
        loop {
            let msg = String::from_utf8_lossy(&sub.read()).into_owned();
            let last = msg.ends_with("__keyevent@0__:set\r\n$3\r\nend\r\n");
            out.push(msg);
            if last {
                break;
            }
        }
        c.call(&["CONFIG", "SET", "notify-keyspace-events", ""]);
        // CLIENT REPLY: OFF silences replies until ON; SKIP drops the next one only.
        c.send(&["CLIENT", "REPLY", "OFF"]);
        c.send(&["SET", "quiet", "1"]);
        c.send(&["CLIENT", "REPLY", "SKIP"]);
        c.send(&["CLIENT", "REPLY", "ON"]);
        out.push(String::from_utf8_lossy(&c.read()).into_owned());
        c.send(&["CLIENT", "REPLY", "SKIP"]);
        c.send(&["GET", "quiet"]);
        out.push(c.call(&["PING"]));
        out
    });
}

/// A script running past busy-reply-threshold: other clients get -BUSY (a transaction
/// they had open is doomed), SCRIPT KILL stops it, and the node answers normally again.
#[test]
fn a_busy_script_answers_busy_until_script_kill_like_redis() {
    require_redis!();
    same_on_both(|p| {
        let mut c = Raw::connect(p);
        let mut script = Raw::connect(p);
        let mut out = vec![c.call(&["CONFIG", "SET", "lua-time-limit", "10"])];
        out.push(c.call(&["MULTI"]));
        out.push(c.call(&["INCR", "xx"]));
        script.send(&["EVAL", "while true do end", "0"]);
        std::thread::sleep(Duration::from_millis(300));
        let mut other = Raw::connect(p);
        out.push(other.call(&["GET", "xx"]));
        out.push(c.call(&["EXEC"]));
        out.push(other.call(&["SCRIPT", "KILL"]));
        let killed = String::from_utf8_lossy(&script.read()).into_owned();
        out.push(killed[..killed.find("...").unwrap_or(killed.len())].to_string());
        out.push(other.call(&["GET", "xx"]));
        out.push(other.call(&["SCRIPT", "KILL"]));
        out
    });
}

#[test]
fn cluster_scripts_refuse_keys_of_other_slots() {
    let node = NodeServer::start(ServerOpts::default());
    node.serve_all_slots();
    let mut c = Raw::connect(&node);
    let reply = c.call(&["EVAL", "return redis.call('get','b')", "1", "a"]);
    assert!(
        reply.starts_with("-ERR Script attempted to access keys that do not hash to the same slot"),
        "{reply}"
    );
    assert!(c
        .call(&["EVAL", "return 1", "2", "a", "b"])
        .starts_with("-CROSSSLOT"));
    assert_eq!(
        c.call(&["EVAL", "return redis.call('set',KEYS[1],'1')", "1", "{t}a"]),
        "+OK\r\n"
    );
}

#[test]
fn publish_reaches_subscribers_on_other_cluster_nodes() {
    let a = NodeServer::start(ServerOpts::default());
    let b = NodeServer::start(ServerOpts::default());
    a.serve_all_slots();
    a.cmd::<String>(&["CLUSTER", "MEET", "127.0.0.1", &b.port.to_string()]);
    wait_until(Duration::from_secs(20), "the nodes to meet", || {
        let info: String = b.cmd(&["CLUSTER", "INFO"]);
        info.contains("cluster_known_nodes:2") && info.contains("cluster_state:ok")
    });
    let mut sub = Raw::connect(&b);
    sub.call(&["SUBSCRIBE", "events"]);
    let mut publisher = Raw::connect(&a);
    // The local count is 0: the subscriber is on the other node.
    assert_eq!(publisher.call(&["PUBLISH", "events", "hello"]), ":0\r\n");
    assert_eq!(
        String::from_utf8_lossy(&sub.read()),
        "*3\r\n$7\r\nmessage\r\n$6\r\nevents\r\n$5\r\nhello\r\n"
    );
    // SPUBLISH goes to the shard that serves the channel's slot.
    assert!(Raw::connect(&b)
        .call(&["SPUBLISH", "ch", "x"])
        .starts_with("-MOVED"));
}

#[test]
fn a_blocked_client_is_redirected_when_its_slot_moves_away() {
    let a = NodeServer::start(ServerOpts::default());
    let b = NodeServer::start(ServerOpts::default());
    a.serve_all_slots();
    a.cmd::<String>(&["CLUSTER", "MEET", "127.0.0.1", &b.port.to_string()]);
    wait_until(Duration::from_secs(20), "the nodes to meet", || {
        let info: String = b.cmd(&["CLUSTER", "INFO"]);
        info.contains("cluster_known_nodes:2")
    });
    let mut waiter = Raw::connect(&a);
    waiter.send(&["BLPOP", "q", "0"]);
    wait_blocked(&a, 1);
    let slot: i64 = a.cmd(&["CLUSTER", "KEYSLOT", "q"]);
    let b_id = b.myid();
    for node in [&b, &a] {
        node.cmd::<String>(&["CLUSTER", "SETSLOT", &slot.to_string(), "NODE", &b_id]);
    }
    let reply = String::from_utf8_lossy(&waiter.read()).into_owned();
    assert!(
        reply.starts_with(&format!("-MOVED {slot} 127.0.0.1:{}", b.port)),
        "{reply}"
    );
}

#[test]
fn maxmemory_evicts_by_policy_and_refuses_under_noeviction() {
    require_redis!();
    // The OOM refusal is worded as redis-server words it.
    same_on_both(|p| {
        let mut c = Raw::connect(p);
        let mut out = vec![c.call(&["CONFIG", "SET", "maxmemory-policy", "noeviction"])];
        c.call(&["CONFIG", "SET", "maxmemory", "1"]);
        out.push(c.call(&["SET", "k", "v"]));
        out.push(c.call(&["GET", "k"]));
        out.push(c.call(&["DEL", "k"]));
        c.call(&["CONFIG", "SET", "maxmemory", "0"]);
        out.push(c.call(&["CONFIG", "SET", "maxmemory-policy", "sometimes"]));
        out
    });
    let node = NodeServer::start(ServerOpts::standalone());
    let used: u64 = info_field(&node, "used_memory").parse().unwrap();
    let limit = used + 4 * 1024 * 1024;
    let mut c = Raw::connect(&node);
    c.call(&["CONFIG", "SET", "maxmemory", &limit.to_string()]);
    for policy in [
        "allkeys-lru",
        "allkeys-lfu",
        "allkeys-random",
        "volatile-ttl",
    ] {
        c.call(&["FLUSHALL"]);
        c.call(&["CONFIG", "SET", "maxmemory-policy", policy]);
        let value = "x".repeat(1000);
        for i in 0..8_000 {
            let key = format!("{policy}:{i}");
            let reply = if policy.starts_with("volatile") {
                c.call(&["SET", &key, &value, "EX", "1000"])
            } else {
                c.call(&["SET", &key, &value])
            };
            assert_eq!(reply, "+OK\r\n", "{policy}");
        }
        let used: u64 = info_field(&node, "used_memory").parse().unwrap();
        let keys: u64 = node.cmd(&["DBSIZE"]);
        assert!(
            used <= limit + 1024 * 1024,
            "{policy}: used {used} over {limit}"
        );
        assert!(keys < 8_000, "{policy}: nothing evicted");
    }
    assert!(info_field(&node, "evicted_keys").parse::<u64>().unwrap() > 0);
    // volatile-lru with no TTLs has nothing to evict: writes are refused.
    c.call(&["FLUSHALL"]);
    c.call(&["CONFIG", "SET", "maxmemory-policy", "volatile-lru"]);
    let value = "x".repeat(1000);
    let refused = (0..8_000).any(|i| {
        c.call(&["SET", &format!("p:{i}"), &value])
            .starts_with("-OOM command not allowed")
    });
    assert!(refused);
}

#[test]
fn a_subscriber_that_stops_reading_is_cut_off_at_its_limit() {
    require_redis!();
    for p in [
        &*RedisServer::start(ServerOpts::standalone()) as &Process,
        &*NodeServer::start(ServerOpts::standalone()),
    ] {
        let mut admin = Raw::connect(p);
        assert_eq!(
            admin.call(&[
                "CONFIG",
                "SET",
                "client-output-buffer-limit",
                "pubsub 1mb 0 0"
            ]),
            "+OK\r\n"
        );
        let mut sub = Raw::connect(p);
        sub.call(&["SUBSCRIBE", "flood"]);
        let message = "m".repeat(256 * 1024);
        let mut receivers = 1;
        for _ in 0..1000 {
            let reply = admin.call(&["PUBLISH", "flood", &message]);
            if reply == ":0\r\n" {
                receivers = 0;
                break;
            }
        }
        assert_eq!(receivers, 0, "the subscriber was never cut off");
        wait_until(Duration::from_secs(10), "the subscriber to be gone", || {
            admin.call(&["PUBSUB", "NUMSUB", "flood"]) == "*2\r\n$5\r\nflood\r\n:0\r\n"
        });
    }
}
