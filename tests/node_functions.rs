//! Redis 7 functions (FUNCTION ..., FCALL, FCALL_RO) against redis-server 7.0: the same
//! commands get the same replies, dump.rdb files with libraries move both ways, replicas
//! (rclust-node and redis-server) get the libraries and what functions write, and in
//! cluster mode FCALL's keys are checked as EVAL's are.

use std::time::Duration;

use crate::harness::{raw, wait_until, NodeServer, Process, RedisServer, ServerOpts};
use crate::require_redis;

const LIB: &str = "#!lua name=mylib\n\
redis.register_function('set_get', function(keys, args)\n\
  redis.call('set', keys[1], args[1])\n\
  return redis.call('get', keys[1])\n\
end)\n\
redis.register_function{function_name='reader', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads a key'}\n";

const LIB2: &str = "#!lua name=mylib\n\
redis.register_function('set_get', function(keys, args) return 'v2' end)\n";

const OTHER: &str = "#!lua name=other\n\
redis.register_function{function_name='writer_ro', callback=function(keys) return redis.call('set', keys[1], 'x') end, flags={'no-writes'}}\n\
redis.register_function{function_name='flagged', callback=function() return redis.status_reply('OK') end, flags={'allow-oom', 'ALLOW-STALE', 'no-cluster', 'allow-cross-slot-keys'}}\n\
redis.register_function('boom', function() return redis.call('nosuchcommand') end)\n\
redis.register_function('errs', function() error('my error') end)\n\
redis.register_function('no_keys_global', function() return KEYS end)\n";

/// Each command, with the arguments as sent.
fn script() -> Vec<Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        s(&["FUNCTION", "FLUSH"]),
        s(&["FUNCTION", "LIST"]),
        s(&["FUNCTION", "STATS"]),
        s(&["FUNCTION", "LOAD", LIB]),
        s(&["FUNCTION", "LOAD", LIB]),
        s(&["FUNCTION", "LOAD", "FOO", LIB]),
        s(&["FUNCTION", "LOAD"]),
        s(&["FCALL", "set_get", "1", "k", "hello"]),
        s(&["FCALL", "reader", "1", "k"]),
        s(&["FCALL_RO", "reader", "1", "k"]),
        s(&["FCALL_RO", "set_get", "1", "k", "x"]),
        s(&["FCALL", "nope", "0"]),
        s(&["FCALL", "reader", "x"]),
        s(&["FCALL", "reader", "5", "k"]),
        s(&["FCALL", "reader", "-1"]),
        s(&["FCALL"]),
        s(&["FUNCTION", "LIST"]),
        s(&["FUNCTION", "LIST", "WITHCODE"]),
        s(&["FUNCTION", "LIST", "LIBRARYNAME", "my*"]),
        s(&["FUNCTION", "LIST", "LIBRARYNAME", "nomatch*"]),
        s(&["FUNCTION", "LIST", "LIBRARYNAME"]),
        s(&["FUNCTION", "LIST", "BAD"]),
        s(&["FUNCTION", "STATS"]),
        s(&["FUNCTION", "LOAD", "REPLACE", LIB2]),
        s(&["FCALL", "set_get", "0"]),
        s(&["FCALL", "reader", "1", "k"]),
        s(&["FUNCTION", "LOAD", OTHER]),
        s(&["FCALL", "writer_ro", "1", "k"]),
        s(&["FCALL", "flagged", "0"]),
        s(&["FCALL", "boom", "0"]),
        s(&["FCALL", "errs", "0"]),
        s(&["FCALL", "no_keys_global", "0"]),
        s(&["FUNCTION", "DELETE", "other"]),
        s(&["FUNCTION", "DELETE", "other"]),
        s(&["FUNCTION", "DELETE"]),
        s(&["FUNCTION", "LOAD", "no shebang"]),
        s(&["FUNCTION", "LOAD", "#!lua"]),
        s(&["FUNCTION", "LOAD", "#!lua\nreturn 1"]),
        s(&["FUNCTION", "LOAD", "#!lua name=a name=b\nreturn 1"]),
        s(&["FUNCTION", "LOAD", "#!lua foo=bar\nreturn 1"]),
        s(&["FUNCTION", "LOAD", "#!lua name=bad-name\nreturn 1"]),
        s(&["FUNCTION", "LOAD", "#!python name=p\nreturn 1"]),
        s(&["FUNCTION", "LOAD", "#!lua name=empty\nreturn 1"]),
        s(&["FUNCTION", "LOAD", "#!lua name=dup\nredis.register_function('set_get', function() return 1 end)"]),
        s(&["FUNCTION", "LOAD", "#!lua name=twice\nredis.register_function('t', function() return 1 end)\nredis.register_function('t', function() return 1 end)"]),
        s(&["FUNCTION", "LOAD", "#!lua name=badfn\nredis.register_function('bad-fn', function() return 1 end)"]),
        s(&["FUNCTION", "LOAD", "#!lua name=args\nredis.register_function('a')"]),
        s(&["FUNCTION", "LOAD", "#!lua name=args\nredis.register_function()"]),
        s(&["FUNCTION", "LOAD", "#!lua name=args\nredis.register_function(1, 2, 3)"]),
        s(&["FUNCTION", "LOAD", "#!lua name=args\nredis.register_function{function_name='x'}"]),
        s(&["FUNCTION", "LOAD", "#!lua name=args\nredis.register_function{callback=function() end}"]),
        s(&["FUNCTION", "LOAD", "#!lua name=args\nredis.register_function{function_name='x', callback=function() end, flags={'bogus'}}"]),
        s(&["FUNCTION", "LOAD", "#!lua name=args\nredis.register_function{function_name='x', callback=function() end, what=1}"]),
        s(&["FUNCTION", "LOAD", "#!lua name=args\nredis.register_function{function_name='x', callback=function() end, flags='no-writes'}"]),
        s(&["FUNCTION", "LOAD", "#!lua name=syntax\nthis is not lua"]),
        s(&["FUNCTION", "LOAD", "#!lua name=calls\nredis.call('ping')"]),
        s(&["FUNCTION", "LOAD", "#!lua name=errors\nerror('at load')"]),
        s(&["FUNCTION", "DUMP", "x"]),
        s(&["FUNCTION", "RESTORE", "garbage"]),
        s(&["FUNCTION", "RESTORE", "garbage", "SIDEWAYS"]),
        s(&["FUNCTION", "RESTORE", "a", "b", "c"]),
        s(&["FUNCTION", "FLUSH", "LATER"]),
        s(&["FUNCTION", "FLUSH", "ASYNC", "x"]),
        s(&["FUNCTION", "KILL"]),
        s(&["FUNCTION", "NOPE"]),
        s(&["FUNCTION", "HELP"]),
        s(&["FUNCTION", "FLUSH", "SYNC"]),
        s(&["FUNCTION", "LIST"]),
        s(&["FCALL", "set_get", "0"]),
    ]
}

#[test]
fn function_replies_match_redis_server() {
    require_redis!();
    let node = NodeServer::start(ServerOpts::standalone());
    let redis = RedisServer::start(ServerOpts::standalone());
    let (mut a, mut b) = (
        raw::connect(&node, Duration::from_secs(10)),
        raw::connect(&redis, Duration::from_secs(10)),
    );
    let mut mismatches = Vec::new();
    for cmd in script() {
        let args: Vec<&str> = cmd.iter().map(|s| s.as_str()).collect();
        let mut got = raw::call(&mut a, &args);
        let mut want = raw::call(&mut b, &args);
        if args.len() >= 2 && args[0] == "FUNCTION" && args[1] == "LIST" {
            // redis-server keeps libraries and functions in dicts seeded at random on each
            // start, so it lists them in an order that changes from run to run.
            got = listing_in_order(&got);
            want = listing_in_order(&want);
        }
        if got != want {
            mismatches.push(format!(
                "{:?}\n   rclust-node:  {:?}\n   redis-server: {:?}",
                args.iter()
                    .map(|a| a.chars().take(60).collect::<String>())
                    .collect::<Vec<_>>(),
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want)
            ));
        }
    }
    // Each server restores the other's FUNCTION DUMP (redis-server compresses the code,
    // the node does not, so the payloads differ in bytes).
    for c in [&mut a, &mut b] {
        raw::call(c, &["FUNCTION", "LOAD", LIB]);
    }
    let node_payload: Vec<u8> = redis::cmd("FUNCTION")
        .arg("DUMP")
        .query(&mut node.client())
        .unwrap();
    let restored: String = redis::cmd("FUNCTION")
        .arg("RESTORE")
        .arg(&node_payload)
        .arg("FLUSH")
        .query(&mut redis.client())
        .unwrap();
    assert_eq!(restored, "OK");
    let payload: Vec<u8> = redis::cmd("FUNCTION")
        .arg("DUMP")
        .query(&mut redis.client())
        .unwrap();
    let mut records = Vec::new();
    for p in [&*node, &*redis] {
        let mut c = p.client();
        let restore = |policy: Option<&str>, c: &mut redis::Connection| {
            let mut cmd = redis::cmd("FUNCTION");
            cmd.arg("RESTORE").arg(&payload);
            if let Some(policy) = policy {
                cmd.arg(policy);
            }
            cmd.query::<String>(c).map_err(|e| e.to_string())
        };
        let outcomes = vec![
            restore(None, &mut c),
            restore(Some("APPEND"), &mut c),
            restore(Some("REPLACE"), &mut c),
            restore(Some("FLUSH"), &mut c),
        ];
        records.push(format!("{outcomes:?} {:?}", libraries(p)));
    }
    if records[0] != records[1] {
        mismatches.push(format!(
            "FUNCTION RESTORE\n   rclust-node:  {}\n   redis-server: {}",
            records[0], records[1]
        ));
    }
    assert!(
        mismatches.is_empty(),
        "replies differ:\n{}",
        mismatches.join("\n")
    );
}

/// FUNCTION LIST WITHCODE as sorted text (redis-server lists in hash order).
/// A FUNCTION LIST reply with every list of libraries or functions sorted, as text.
fn listing_in_order(reply: &[u8]) -> Vec<u8> {
    fn sorted(v: redis::Value) -> redis::Value {
        match v {
            redis::Value::Array(items) => {
                let mut items: Vec<redis::Value> = items.into_iter().map(sorted).collect();
                if items.iter().all(|i| matches!(i, redis::Value::Array(_))) {
                    items.sort_by_cached_key(|i| format!("{i:?}"));
                }
                redis::Value::Array(items)
            }
            other => other,
        }
    }
    match redis::parse_redis_value(reply) {
        Ok(v) => format!("{:?}", sorted(v)).into_bytes(),
        Err(_) => reply.to_vec(),
    }
}

fn libraries(p: &Process) -> Vec<String> {
    let list: Vec<Vec<redis::Value>> = redis::cmd("FUNCTION")
        .arg("LIST")
        .arg("WITHCODE")
        .query(&mut p.client())
        .unwrap();
    let mut out: Vec<String> = list
        .into_iter()
        .map(|lib| {
            lib.into_iter()
                .map(|v| match v {
                    redis::Value::Array(fs) => {
                        let mut fs: Vec<String> = fs.iter().map(|f| format!("{f:?}")).collect();
                        fs.sort();
                        fs.join(",")
                    }
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    out.sort();
    out
}

/// The node's dump.rdb (RDB_OPCODE_FUNCTION2) gives redis-server the libraries, and
/// redis-server's gives them to the node; so does an append-only file's base and log.
#[test]
fn rdb_with_libraries_moves_between_node_and_redis_server() {
    require_redis!();
    let mut redis = RedisServer::start(ServerOpts::standalone());
    let mut node = NodeServer::start(ServerOpts::standalone());
    let _: String = node.cmd(&["FUNCTION", "LOAD", LIB]);
    let _: String = node.cmd(&["FCALL", "set_get", "1", "k", "from-node"]);
    let want = libraries(&node);
    node.hand_dump_to(&mut redis);
    let file = node.dir.path().join("dump.rdb");
    assert_eq!(libraries(&redis), want);
    let v: String = redis.cmd(&["FCALL", "reader", "1", "k"]);
    assert_eq!(v, "from-node");
    // And back, with a second library redis-server loaded.
    let _: String = redis.cmd(&[
        "FUNCTION",
        "LOAD",
        &OTHER.replace("name=other", "name=more"),
    ]);
    let _: () = redis.cmd(&["SAVE"]);
    std::fs::copy(redis.dir.path().join("dump.rdb"), &file).unwrap();
    node.restart();
    node.wait_loaded();
    assert_eq!(libraries(&node), libraries(&redis));
    let v: String = node.cmd(&["FCALL", "reader", "1", "k"]);
    assert_eq!(v, "from-node");
    // FLUSHALL keeps the libraries; FUNCTION FLUSH is what drops them.
    let _: () = node.cmd(&["FLUSHALL"]);
    assert_eq!(libraries(&node), libraries(&redis));

    // The append-only file: the libraries survive a restart through the log alone, and
    // through a rewritten base.
    let mut aof = NodeServer::start_with(ServerOpts::standalone(), &["--appendonly", "yes"]);
    let _: String = aof.cmd(&["FUNCTION", "LOAD", LIB]);
    let _: String = aof.cmd(&[
        "FUNCTION",
        "LOAD",
        &OTHER.replace("name=other", "name=more"),
    ]);
    let _: String = aof.cmd(&["FUNCTION", "DELETE", "more"]);
    let want = libraries(&aof);
    aof.restart();
    aof.wait_loaded();
    assert_eq!(libraries(&aof), want);
    let _: String = aof.cmd(&["BGREWRITEAOF"]);
    wait_until(Duration::from_secs(10), "the rewrite ends", || {
        let info: String = aof.cmd(&["INFO", "persistence"]);
        info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0")
    });
    aof.restart();
    aof.wait_loaded();
    assert_eq!(libraries(&aof), want);
}

/// A node master's libraries and function writes reach a node replica and a
/// redis-server replica (full sync, then the stream); a redis-server master's reach a
/// node replica.
#[test]
fn replicas_get_libraries_and_function_writes() {
    require_redis!();
    let master = NodeServer::start(ServerOpts::standalone());
    let node_replica = NodeServer::start(ServerOpts::standalone());
    let redis_replica = RedisServer::start(ServerOpts::standalone());
    let _: String = master.cmd(&["FUNCTION", "LOAD", LIB]);
    for r in [&*node_replica, &*redis_replica] {
        let _: () = r.cmd(&["REPLICAOF", "127.0.0.1", &master.port.to_string()]);
    }
    wait_until(Duration::from_secs(10), "both replicas are linked", || {
        [&*node_replica, &*redis_replica].iter().all(|r| {
            let info: String = r.cmd(&["INFO", "replication"]);
            info.contains("master_link_status:up")
        })
    });
    let stream = |m: &Process| {
        let _: String = m.cmd(&["FCALL", "set_get", "1", "k", "v1"]);
        let _: String = m.cmd(&[
            "FUNCTION",
            "LOAD",
            &OTHER.replace("name=other", "name=more"),
        ]);
        let _: String = m.cmd(&["FUNCTION", "DELETE", "more"]);
        let _: String = m.cmd(&["FUNCTION", "LOAD", "REPLACE", LIB2]);
        let _: String = m.cmd(&["FUNCTION", "LOAD", OTHER]);
        let payload: Vec<u8> = redis::cmd("FUNCTION")
            .arg("DUMP")
            .query(&mut m.client())
            .unwrap();
        let _: String = m.cmd(&["FUNCTION", "FLUSH"]);
        let _: String = redis::cmd("FUNCTION")
            .arg("RESTORE")
            .arg(payload)
            .query(&mut m.client())
            .unwrap();
    };
    stream(&master);
    let acked: i64 = master.cmd(&["WAIT", "2", "5000"]);
    assert_eq!(acked, 2);
    let want = libraries(&master);
    assert_eq!(libraries(&node_replica), want);
    assert_eq!(libraries(&redis_replica), want);
    for r in [&*node_replica, &*redis_replica] {
        let v: Option<String> = r.cmd(&["GET", "k"]);
        assert_eq!(v.as_deref(), Some("v1"), "{}", r.addr());
        // A replica refuses functions that may write, runs those that do not.
        let mut c = raw::connect(r, Duration::from_secs(10));
        for f in ["flagged", "set_get"] {
            let text = String::from_utf8_lossy(&raw::call(&mut c, &["FCALL", f, "0"])).into_owned();
            assert_eq!(
                text,
                "-READONLY You can't write against a read only replica.\r\n",
                "{} {f}",
                r.addr()
            );
        }
        let text = String::from_utf8_lossy(&raw::call(&mut c, &["FCALL", "writer_ro", "1", "k"]))
            .into_owned();
        assert!(
            text.contains("Write commands are not allowed from read-only scripts"),
            "{}: {text}",
            r.addr()
        );
    }

    let redis_master = RedisServer::start(ServerOpts::standalone());
    let node = NodeServer::start(ServerOpts::standalone());
    let _: String = redis_master.cmd(&["FUNCTION", "LOAD", LIB]);
    let _: String = node.cmd(&["REPLICAOF", "127.0.0.1", &redis_master.port.to_string()]);
    wait_until(Duration::from_secs(10), "the node is linked", || {
        let info: String = node.cmd(&["INFO", "replication"]);
        info.contains("master_link_status:up")
    });
    assert_eq!(libraries(&node), libraries(&redis_master));
    stream(&redis_master);
    let acked: i64 = redis_master.cmd(&["WAIT", "1", "5000"]);
    assert_eq!(acked, 1);
    assert_eq!(libraries(&node), libraries(&redis_master));
    let v: Option<String> = node.cmd(&["GET", "k"]);
    assert_eq!(v.as_deref(), Some("v1"));
}

/// In cluster mode FCALL's declared keys are routed as EVAL's (CROSSSLOT, MOVED or
/// CLUSTERDOWN), and keys the function touches must hash to their slot unless it has
/// `allow-cross-slot-keys`.
#[test]
fn cluster_checks_fcall_keys_as_eval_keys() {
    let node = NodeServer::start(ServerOpts::default());
    let _: () = node.cmd(&["CONFIG", "SET", "cluster-require-full-coverage", "no"]);
    let _: () = node.cmd(&["CLUSTER", "ADDSLOTSRANGE", "0", "8000"]);
    wait_until(Duration::from_secs(10), "the node serves its slots", || {
        let r: redis::RedisResult<()> = redis::cmd("SET")
            .arg("b")
            .arg("1")
            .query(&mut node.client());
        r.is_ok()
    });
    let lib = "#!lua name=c\n\
redis.register_function('touch', function(keys, args) return redis.call('get', args[1]) end)\n\
redis.register_function{function_name='touch_any', callback=function(keys, args) return redis.call('get', args[1]) end, flags={'allow-cross-slot-keys'}}\n\
redis.register_function{function_name='local_only', callback=function() return 1 end, flags={'no-cluster'}}\n";
    let mut c = raw::connect(&node, Duration::from_secs(10));
    assert_eq!(
        raw::call(&mut c, &["FUNCTION", "LOAD", lib]),
        b"$1\r\nc\r\n"
    );
    let eval = "return redis.call('get', ARGV[1])";
    // a: slot 15495 (not served); b: 3300; c: 7365; {b}x: 3300.
    for (keys, arg) in [
        (&["b", "c"][..], "b"),
        (&["a"][..], "b"),
        (&["b"][..], "c"),
        (&["b"][..], "{b}x"),
        (&[][..], "b"),
    ] {
        let n = keys.len().to_string();
        let mut f = vec!["FCALL", "touch", &n];
        f.extend_from_slice(keys);
        f.push(arg);
        let mut e = vec!["EVAL", eval, &n];
        e.extend_from_slice(keys);
        e.push(arg);
        let fcall = String::from_utf8_lossy(&raw::call(&mut c, &f)).into_owned();
        let evalr = String::from_utf8_lossy(&raw::call(&mut c, &e)).into_owned();
        let head = |s: &str| s.split(" script:").next().unwrap_or("").to_string();
        assert_eq!(head(&fcall), head(&evalr), "keys {keys:?} arg {arg}");
    }
    let crossslot = String::from_utf8_lossy(&raw::call(&mut c, &["FCALL", "touch", "2", "b", "c"]))
        .into_owned();
    assert!(crossslot.starts_with("-CROSSSLOT"), "{crossslot}");
    let moved = String::from_utf8_lossy(&raw::call(&mut c, &["FCALL", "touch", "1", "a", "b"]))
        .into_owned();
    assert!(
        moved.starts_with("-CLUSTERDOWN") || moved.starts_with("-MOVED"),
        "{moved}"
    );
    let other = String::from_utf8_lossy(&raw::call(&mut c, &["FCALL", "touch", "1", "b", "c"]))
        .into_owned();
    assert!(other.contains("do not hash to the same slot"), "{other}");
    let allowed =
        String::from_utf8_lossy(&raw::call(&mut c, &["FCALL", "touch_any", "1", "b", "c"]))
            .into_owned();
    assert_eq!(allowed, "$-1\r\n");
    let refused =
        String::from_utf8_lossy(&raw::call(&mut c, &["FCALL", "local_only", "0"])).into_owned();
    assert_eq!(
        refused,
        "-ERR Can not run script on cluster, 'no-cluster' flag is set.\r\n"
    );
}

/// What Redis's own suite (tests/unit/functions.tcl) checks beyond the basics: function
/// names in any case, quoted library names, the load API read-only and gone after the
/// load, the `bit` library, OOM refusals of FUNCTION LOAD/RESTORE and `allow-oom`.
#[test]
fn suite_details_match_redis_server() {
    require_redis!();
    let node = NodeServer::start(ServerOpts::standalone());
    let redis = RedisServer::start(ServerOpts::standalone());
    let (mut a, mut b) = (
        raw::connect(&node, Duration::from_secs(10)),
        raw::connect(&redis, Duration::from_secs(10)),
    );
    let tricky = "#!lua name=tricky\n\
        local lib = redis\n\
        lib.register_function('poke', function() lib.redis = redis return {ok='OK'} end)\n\
        lib.register_function('late', function() lib.register_function('x', function() return 1 end) end)\n";
    let bits = "#!lua name=bits\n\
        redis.register_function('bits', function()\n\
          return {bit.band(redis.REDIS_VERSION_NUM, 0x00ff0000), bit.rshift(-1, 28),\n\
            bit.tohex(255), bit.tohex(-1, -4), bit.bxor(5, 3, 1), bit.tobit(2^32 + 5),\n\
            bit.lshift(1, 33), bit.arshift(-256, 4), bit.bswap(0x12345678), bit.rol(0x80000001, 1)}\n\
        end)\n";
    let oomy = "#!lua name=oomy\n\
        redis.register_function{function_name='oomy', callback=function(keys) return redis.call('set', keys[1], '1') end, flags={'allow-oom'}}\n";
    let script: Vec<Vec<&str>> = vec![
        vec!["FUNCTION", "LOAD", "#!lua name=\"quoted\"\nredis.register_function('MixedCase', function() return 'hi' end)"],
        vec!["FCALL", "mixedcase", "0"],
        vec!["FCALL", "MIXEDCASE", "0"],
        vec!["FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('MIXEDCASE', function() return 1 end)"],
        vec!["FUNCTION", "LOAD", "#!lua name=\"unbalanced\nredis.register_function('u', function() return 1 end)"],
        vec!["FUNCTION", "LOAD", tricky],
        vec!["FCALL", "poke", "0"],
        vec!["FCALL", "late", "0"],
        vec!["FUNCTION", "LOAD", "#!lua name=writes\nredis.x = 1"],
        vec!["FUNCTION", "LOAD", bits],
        vec!["FCALL", "bits", "0"],
        vec!["FUNCTION", "LOAD", oomy],
        vec!["CONFIG", "SET", "maxmemory", "1"],
        vec!["FCALL", "oomy", "1", "k"],
        vec!["GET", "k"],
        vec!["FUNCTION", "LOAD", "#!lua name=more\nredis.register_function('m', function() return 1 end)"],
        vec!["FUNCTION", "RESTORE", "whatever"],
        vec!["FUNCTION", "DELETE", "bits"],
        vec!["CONFIG", "SET", "maxmemory", "0"],
        vec!["FUNCTION", "STATS"],
    ];
    let mut mismatches = Vec::new();
    for args in &script {
        let got = raw::call(&mut a, args);
        let want = raw::call(&mut b, args);
        if got != want {
            let what: Vec<String> = args.iter().map(|s| s.chars().take(50).collect()).collect();
            mismatches.push(raw::mismatch(&format!("{what:?}"), &got, &want));
        }
    }
    assert!(
        mismatches.is_empty(),
        "replies differ:\n{}",
        mismatches.join("\n")
    );
}

/// FUNCTION STATS while a function is busy names it, the caller's command and how long
/// it has run, as redis-server does; FUNCTION KILL then stops it.
#[test]
fn function_stats_while_busy_match_redis_server() {
    require_redis!();
    let node = NodeServer::start(ServerOpts::standalone());
    let redis = RedisServer::start(ServerOpts::standalone());
    let mut replies = Vec::new();
    for p in [&*node, &*redis] {
        let mut c = raw::connect(p, Duration::from_secs(10));
        raw::call(&mut c, &["CONFIG", "SET", "busy-reply-threshold", "10"]);
        raw::call(
            &mut c,
            &["FUNCTION", "LOAD", "#!lua name=spin\nredis.register_function('spin', function() local a = 1 while true do a = a + 1 end end)"],
        );
        let mut busy = raw::connect(p, Duration::from_secs(10));
        use std::io::Write;
        busy.write_all(&raw::encode(&[b"FCALL", b"spin", b"0", b"extra"]))
            .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let ping = raw::call(&mut c, &["PING"]);
        let stats =
            String::from_utf8_lossy(&raw::call(&mut c, &["FUNCTION", "STATS"])).into_owned();
        // The duration differs from run to run: keep only that there is one.
        let at = stats.find("duration_ms\r\n:").expect("duration_ms") + 14;
        let end = at + stats[at..].find("\r\n").unwrap();
        let ms: u64 = stats[at..end].parse().unwrap();
        assert!(ms >= 100, "{stats}");
        let stats = format!("{}<ms>{}", &stats[..at], &stats[end..]);
        let kill = raw::call(&mut c, &["FUNCTION", "KILL"]);
        let killed = raw::first_reply(&mut busy, "the killed FCALL");
        replies.push(format!(
            "{}|{stats}|{}|{}",
            String::from_utf8_lossy(&ping),
            String::from_utf8_lossy(&kill),
            String::from_utf8_lossy(&killed)
        ));
    }
    assert_eq!(replies[0], replies[1]);
}
