//! Replication between real processes outside cluster mode: full sync of every type,
//! the write stream (relative expiries made absolute, expirations sent as DEL), WAIT,
//! read-only replicas, partial resync after a dropped link, AUTH with masterauth, and
//! replication with redis-server 7.0 and valkey-server 9 in both directions.

use std::time::Duration;

use crate::harness::*;
use crate::{require_redis, require_valkey};

fn info_field(info: &str, name: &str) -> Option<String> {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(|v| v.trim().to_string())
}

fn link_up(replica: &NodeServer) -> bool {
    let info = replica.cli(&["INFO", "replication"]);
    info_field(&info, "master_link_status").as_deref() == Some("up")
}

/// Writes one key of each type (and one with a TTL) through `c`.
fn write_types(c: &mut redis::Connection, tag: &str) {
    let run = |c: &mut redis::Connection, args: &[&str]| {
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        let _: redis::Value = cmd.query(c).unwrap();
    };
    run(c, &["SET", &format!("s{tag}"), "hello"]);
    run(c, &["SET", &format!("n{tag}"), "12345"]);
    run(c, &["SET", &format!("t{tag}"), "v", "EX", "1000"]);
    run(c, &["RPUSH", &format!("l{tag}"), "a", "b", "1"]);
    run(c, &["SADD", &format!("set{tag}"), "1", "2", "x"]);
    run(c, &["HSET", &format!("h{tag}"), "f", "v", "g", "2"]);
    run(c, &["ZADD", &format!("z{tag}"), "1.5", "a", "-2", "b"]);
}

/// Every key with its type and a printable value, sorted: equal on two servers when
/// they hold the same data.
pub fn contents(c: &mut redis::Connection) -> Vec<String> {
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(c).unwrap();
    let mut out: Vec<String> = keys
        .into_iter()
        .map(|k| {
            let t: String = redis::cmd("TYPE").arg(&k).query(c).unwrap();
            let v: String = match t.as_str() {
                "string" => redis::cmd("GET").arg(&k).query(c).unwrap(),
                "list" => {
                    let v: Vec<String> = redis::cmd("LRANGE")
                        .arg(&k)
                        .arg(0)
                        .arg(-1)
                        .query(c)
                        .unwrap();
                    v.join(",")
                }
                "set" => {
                    let mut v: Vec<String> = redis::cmd("SMEMBERS").arg(&k).query(c).unwrap();
                    v.sort();
                    v.join(",")
                }
                "hash" => {
                    let mut v: Vec<(String, String)> =
                        redis::cmd("HGETALL").arg(&k).query(c).unwrap();
                    v.sort();
                    format!("{v:?}")
                }
                _ => {
                    let v: Vec<String> = redis::cmd("ZRANGE")
                        .arg(&k)
                        .arg(0)
                        .arg(-1)
                        .arg("WITHSCORES")
                        .query(c)
                        .unwrap();
                    v.join(",")
                }
            };
            let ttl: i64 = redis::cmd("TTL").arg(&k).query(c).unwrap();
            format!("{k} {t} {v} ttl:{}", ttl > 0)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn replica_syncs_then_follows_the_stream() {
    let master = NodeServer::start(ServerOpts::standalone());
    let replica = NodeServer::start(ServerOpts::standalone());
    write_types(&mut master.client(), "1");
    let reply: String = replica.cmd(&["REPLICAOF", "127.0.0.1", &master.port.to_string()]);
    assert_eq!(reply, "OK");
    wait_until(Duration::from_secs(10), "the replica's link is up", || {
        link_up(&replica)
    });
    write_types(&mut master.client(), "2");
    let mut m = master.client();
    let _: () = redis::cmd("INCRBYFLOAT")
        .arg("n1")
        .arg("0.5")
        .query(&mut m)
        .unwrap();
    let _: () = redis::cmd("EXPIRE")
        .arg("s1")
        .arg("500")
        .query(&mut m)
        .unwrap();
    let popped: Option<String> = redis::cmd("SPOP").arg("set1").query(&mut m).unwrap();
    assert!(popped.is_some());
    let acked: i64 = redis::cmd("WAIT").arg(1).arg(5000).query(&mut m).unwrap();
    assert_eq!(acked, 1);
    assert_eq!(
        contents(&mut replica.client()),
        contents(&mut master.client())
    );

    let refused: redis::RedisResult<()> = redis::cmd("SET")
        .arg("x")
        .arg("1")
        .query(&mut replica.client());
    let e = refused.unwrap_err();
    assert_eq!(e.code(), Some("READONLY"), "{e}");

    let minfo = master.cli(&["INFO", "replication"]);
    assert_eq!(info_field(&minfo, "role").as_deref(), Some("master"));
    assert_eq!(info_field(&minfo, "connected_slaves").as_deref(), Some("1"));
    let slave0 = info_field(&minfo, "slave0").unwrap();
    assert!(
        slave0.starts_with(&format!(
            "ip=127.0.0.1,port={},state=online,offset=",
            replica.port
        )),
        "{slave0}"
    );
    let rinfo = replica.cli(&["INFO", "replication"]);
    assert_eq!(info_field(&rinfo, "role").as_deref(), Some("slave"));
    assert_eq!(
        info_field(&rinfo, "master_port"),
        Some(master.port.to_string())
    );
    assert_eq!(
        info_field(&rinfo, "master_replid"),
        info_field(&minfo, "master_replid")
    );
    wait_until(Duration::from_secs(5), "offsets agree", || {
        let m = info_field(&master.cli(&["INFO", "replication"]), "master_repl_offset");
        let r = info_field(&replica.cli(&["INFO", "replication"]), "slave_repl_offset");
        m == r
    });
    let role = replica.cli(&["ROLE"]);
    assert!(
        role.starts_with(&format!("slave\n127.0.0.1\n{}\nconnected\n", master.port)),
        "{role}"
    );

    // Promoted, it accepts writes and starts a new history.
    let _: String = replica.cmd(&["REPLICAOF", "NO", "ONE"]);
    wait_until(Duration::from_secs(5), "the replica is a master", || {
        info_field(&replica.cli(&["INFO", "replication"]), "role").as_deref() == Some("master")
    });
    let _: () = replica.cmd(&["SET", "x", "1"]);
}

#[test]
fn expirations_reach_the_replica_as_deletes() {
    let master = NodeServer::start(ServerOpts::standalone());
    let replica = NodeServer::start(ServerOpts::standalone());
    let _: String = replica.cmd(&["REPLICAOF", "127.0.0.1", &master.port.to_string()]);
    wait_until(Duration::from_secs(10), "the replica's link is up", || {
        link_up(&replica)
    });
    for i in 0..20 {
        let _: () = master.cmd(&["SET", &format!("k{i}"), "v", "PX", "300"]);
    }
    let _: () = master.cmd(&["SET", "stays", "v"]);
    wait_until(
        Duration::from_secs(10),
        "expired keys deleted on the replica",
        || replica.cmd::<i64>(&["DBSIZE"]) == 1,
    );
}

#[test]
fn partial_resync_after_the_link_drops() {
    let master = NodeServer::start(ServerOpts::standalone());
    let replica = NodeServer::start(ServerOpts::standalone());
    let _: String = replica.cmd(&["REPLICAOF", "127.0.0.1", &master.port.to_string()]);
    wait_until(Duration::from_secs(10), "the replica's link is up", || {
        link_up(&replica)
    });
    let _: () = master.cmd(&["SET", "before", "1"]);
    // Drop every connection but ours: the replica's link goes.
    let mut m = master.client();
    let me: i64 = redis::cmd("CLIENT").arg("ID").query(&mut m).unwrap();
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut m).unwrap();
    for line in list.lines() {
        let field = |name: &str| {
            line.split(' ')
                .find_map(|f| f.strip_prefix(&format!("{name}=")))
                .unwrap_or_default()
                .to_string()
        };
        if field("id") != me.to_string() {
            let _: redis::Value = redis::cmd("CLIENT")
                .arg("KILL")
                .arg("ID")
                .arg(field("id"))
                .query(&mut m)
                .unwrap();
        }
    }
    let _: () = redis::cmd("SET")
        .arg("after")
        .arg("2")
        .query(&mut m)
        .unwrap();
    wait_until(
        Duration::from_secs(10),
        "the write after the drop arrives",
        || replica.cmd::<Option<String>>(&["GET", "after"]).as_deref() == Some("2"),
    );
    let log = std::fs::read_to_string(replica.dir.path().join("node.log")).unwrap();
    assert!(
        log.contains("Successful partial resynchronization with master."),
        "{log}"
    );
    assert_eq!(
        log.matches("MASTER <-> REPLICA sync: Finished").count(),
        1,
        "{log}"
    );
}

#[test]
fn replica_authenticates_with_masterauth() {
    let master = NodeServer::start(ServerOpts {
        password: Some("pw".into()),
        ..ServerOpts::standalone()
    });
    let replica = NodeServer::start_with(ServerOpts::standalone(), &["--masterauth", "pw"]);
    let _: () = master.cmd(&["SET", "k", "v"]);
    let _: String = replica.cmd(&["REPLICAOF", "127.0.0.1", &master.port.to_string()]);
    wait_until(Duration::from_secs(10), "the replica's link is up", || {
        link_up(&replica)
    });
    assert_eq!(replica.cmd::<String>(&["GET", "k"]), "v");
}

#[test]
fn replication_with_redis_server_both_ways() {
    require_redis!();
    both_ways(&RedisServer::start(ServerOpts::standalone()));
}

#[test]
fn replication_with_valkey_9_both_ways() {
    require_valkey!();
    both_ways(&ValkeyServer::start(ServerOpts::standalone()));
}

/// rclust-node replicates `other` (its RDB with compact encodings, Valkey 9's `VALKEY080`
/// files included, then the stream), and `other` replicates rclust-node.
fn both_ways(other: &Process) {
    let node = NodeServer::start(ServerOpts::standalone());
    write_types(&mut other.client(), "r");
    let _: () = other.cmd(&["SET", "long", &"x".repeat(500)]);
    let _: String = node.cmd(&["REPLICAOF", "127.0.0.1", &other.port.to_string()]);
    wait_until(Duration::from_secs(10), "the node's link is up", || {
        link_up(&node)
    });
    write_types(&mut other.client(), "s");
    let acked: i64 = other.cmd(&["WAIT", "1", "5000"]);
    assert_eq!(acked, 1);
    assert_eq!(contents(&mut node.client()), contents(&mut other.client()));

    let _: String = node.cmd(&["REPLICAOF", "NO", "ONE"]);
    wait_until(Duration::from_secs(5), "the node is a master", || {
        info_field(&node.cli(&["INFO", "replication"]), "role").as_deref() == Some("master")
    });
    let _: () = other.cmd(&["REPLICAOF", "127.0.0.1", &node.port.to_string()]);
    wait_until(
        Duration::from_secs(10),
        "the other server's link is up",
        || {
            let info: String = other.cmd(&["INFO", "replication"]);
            info_field(&info, "master_link_status").as_deref() == Some("up")
        },
    );
    write_types(&mut node.client(), "t");
    let acked: i64 = node.cmd(&["WAIT", "1", "5000"]);
    assert_eq!(acked, 1);
    assert_eq!(contents(&mut other.client()), contents(&mut node.client()));
}

/// What a replica shows while it loads its master's snapshot slowly (`key-load-delay`,
/// the test knob Redis's cluster suite uses): which INFO flag is up, what a read of a key
/// it had before gets, and what it holds once the load ends early (the delay set to 0).
fn slow_load_on(kind: Kind, diskless_load: &str) -> Option<Vec<String>> {
    if !kind.available() {
        return None;
    }
    let master = kind.start(ServerOpts::standalone());
    let replica = kind.start(ServerOpts::standalone());
    let mut m = master.client();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("repl-diskless-sync-delay")
        .arg("0")
        .query(&mut m)
        .unwrap();
    // Values of 1 KB: redis-server answers clients between keys only every
    // loading-process-events-interval-bytes (1 KB at least).
    let value = "A".repeat(1024);
    for i in 0..200 {
        let _: () = redis::cmd("SET")
            .arg(format!("k{i}"))
            .arg(&value)
            .query(&mut m)
            .unwrap();
    }
    let mut r = replica.client();
    let _: () = redis::cmd("SET").arg("old").arg("1").query(&mut r).unwrap();
    for (name, value) in [
        ("key-load-delay", "50000"),
        ("loading-process-events-interval-bytes", "1024"),
        ("repl-diskless-load", diskless_load),
    ] {
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg(name)
            .arg(value)
            .query(&mut r)
            .unwrap();
    }
    let _: () = redis::cmd("REPLICAOF")
        .arg("127.0.0.1")
        .arg(master.port)
        .query(&mut r)
        .unwrap();
    let mut seen = Vec::new();
    let flags = |r: &mut redis::Connection| {
        let info: String = redis::cmd("INFO").arg("persistence").query(r).unwrap();
        let f = |n| info_field(&info, n).unwrap_or_default();
        (f("loading"), f("async_loading"))
    };
    // 200 keys at 50 ms each: ten seconds of loading, unless the delay is lowered.
    wait_until(
        Duration::from_secs(8),
        "the replica to start loading",
        || flags(&mut r) != ("0".into(), "0".into()),
    );
    let (loading, async_loading) = flags(&mut r);
    seen.push(format!("loading:{loading} async_loading:{async_loading}"));
    let read: redis::RedisResult<Option<String>> = redis::cmd("GET").arg("old").query(&mut r);
    seen.push(match read {
        Ok(v) => format!("GET old: {v:?}"),
        Err(e) => format!("GET old: {:?}", e.code()),
    });
    let info: String = redis::cmd("INFO").arg("replication").query(&mut r).unwrap();
    seen.push(format!(
        "master_link_status:{}",
        info_field(&info, "master_link_status").unwrap_or_default()
    ));
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("key-load-delay")
        .arg("0")
        .query(&mut r)
        .unwrap();
    wait_until(Duration::from_secs(10), "the load to finish", || {
        let info: String = redis::cmd("INFO").arg("replication").query(&mut r).unwrap();
        info_field(&info, "master_link_status").as_deref() == Some("up")
    });
    seen.push(format!("after: {:?}", flags(&mut r)));
    let keys: i64 = redis::cmd("DBSIZE").query(&mut r).unwrap();
    seen.push(format!("dbsize: {keys}"));
    Some(seen)
}

#[test]
fn slow_snapshot_load_as_redis_server() {
    for mode in ["disabled", "swapdb"] {
        let (Some(redis), Some(ours)) = (
            slow_load_on(Kind::Redis, mode),
            slow_load_on(Kind::Node, mode),
        ) else {
            return;
        };
        assert_eq!(ours, redis, "repl-diskless-load {mode}");
    }
}

/// CLIENT KILL's filters with redis-server's replies: bad filters, TYPE normal, the link
/// to the master (TYPE master, and its address in the old form) which connects again, and
/// TYPE replica on the master, after which INFO counts no replica at once.
fn client_kill_on(kind: Kind) -> Option<Vec<String>> {
    if !kind.available() {
        return None;
    }
    let master = kind.start(ServerOpts::standalone());
    let replica = kind.start(ServerOpts::standalone());
    let mut m = master.client();
    let mut r = replica.client();
    let run = |c: &mut redis::Connection, args: &[&str]| -> String {
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        match cmd.query::<redis::Value>(c) {
            Ok(v) => format!("{v:?}"),
            Err(e) => e.to_string(),
        }
    };
    let mut seen = Vec::new();
    for bad in [
        &["CLIENT", "KILL", "TYPE", "bogus"][..],
        &["CLIENT", "KILL", "ID", "0"],
        &["CLIENT", "KILL", "ID", "x"],
        &["CLIENT", "KILL", "SKIPME", "maybe"],
        &["CLIENT", "KILL", "TYPE"],
        &["CLIENT", "KILL", "1.2.3.4:5"],
    ] {
        seen.push(run(&mut m, bad));
    }
    let _other = master.client();
    seen.push(format!(
        "type normal: {}",
        run(&mut m, &["CLIENT", "KILL", "TYPE", "normal"])
    ));
    seen.push(format!(
        "type master on a master: {}",
        run(&mut m, &["CLIENT", "KILL", "TYPE", "master"])
    ));
    run(
        &mut r,
        &["REPLICAOF", "127.0.0.1", &master.port.to_string()],
    );
    let up = |r: &mut redis::Connection| {
        let info: String = redis::cmd("INFO").arg("replication").query(r).unwrap();
        info_field(&info, "master_link_status").as_deref() == Some("up")
    };
    wait_until(Duration::from_secs(10), "the link to come up", || {
        up(&mut r)
    });
    seen.push(format!(
        "type master: {}",
        run(&mut r, &["CLIENT", "KILL", "TYPE", "master"])
    ));
    wait_until(Duration::from_secs(10), "the link to come back", || {
        up(&mut r)
    });
    let addr = format!("127.0.0.1:{}", master.port);
    seen.push(format!(
        "master's address: {}",
        run(&mut r, &["CLIENT", "KILL", &addr])
    ));
    wait_until(Duration::from_secs(10), "the link to come back", || {
        up(&mut r)
    });
    seen.push(format!(
        "type replica: {}",
        run(&mut m, &["CLIENT", "KILL", "TYPE", "replica"])
    ));
    // Right after the kill the count is 0 or, once the replica has connected again
    // (redis-server's replica sometimes does within the same millisecond), 1: compare
    // where it settles.
    wait_until(
        Duration::from_secs(10),
        "the replica to connect again",
        || {
            let info: String = redis::cmd("INFO").arg("replication").query(&mut m).unwrap();
            info_field(&info, "connected_slaves").as_deref() == Some("1")
        },
    );
    seen.push("connected_slaves:1 again".into());
    Some(seen)
}

#[test]
fn client_kill_filters_as_redis_server() {
    let (Some(redis), Some(ours)) = (client_kill_on(Kind::Redis), client_kill_on(Kind::Node))
    else {
        return;
    };
    assert_eq!(ours, redis);
}
