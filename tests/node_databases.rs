//! Databases outside cluster mode (SELECT 0-15) against redis-server 7.0: the same
//! commands get the same replies, dump.rdb files with several databases move both ways,
//! replicas (rclust-node and redis-server) follow writes to every database, and keyspace
//! notifications name the database.

use std::io::Read;
use std::net::TcpStream;
use std::time::Duration;

use crate::harness::{raw, wait_until, NodeServer, Process, RedisServer, ServerOpts};
use crate::replication::contents;
use crate::require_redis;

const SCRIPT: &[&str] = &[
    "FLUSHALL",
    "SET k zero",
    "SELECT 16",
    "SELECT -1",
    "SELECT x",
    "SELECT 1",
    "GET k",
    "SET k one",
    "SET t v PX 100000",
    "RPUSH l a b c",
    "DBSIZE",
    "MOVE k 0",
    "MOVE t 1",
    "MOVE t 16",
    "MOVE t x",
    "MOVE nope 2",
    "MOVE t 2",
    "MOVE l 3",
    "DBSIZE",
    "COPY k k",
    "COPY k k DB 4",
    "COPY k k DB 4",
    "COPY k k DB 4 REPLACE",
    "COPY k k DB 99",
    "SELECT 2",
    "EXISTS t",
    "SWAPDB 0",
    "SWAPDB x 1",
    "SWAPDB 0 x",
    "SWAPDB 0 16",
    "SWAPDB 0 1",
    "SWAPDB 5 5",
    "SELECT 0",
    "GET k",
    "SELECT 1",
    "GET k",
    "FLUSHDB",
    "DBSIZE",
    "SELECT 3",
    "LRANGE l 0 -1",
    "MULTI",
    "SET in3 x",
    "SELECT 4",
    "SET in4 y",
    "EXEC",
    "GET in4",
    "GET k",
    "SELECT 3",
    "GET in3",
    "EVAL \"redis.call('SELECT', 6); redis.call('SET', 'fromlua', 'x'); return redis.call('DBSIZE')\" 0",
    "GET fromlua",
    "SELECT 6",
    "GET fromlua",
    "WATCH w",
    "SELECT 7",
    "SET w changed-in-7",
    "MULTI",
    "PING",
    "EXEC",
    "SELECT 6",
    "WATCH w",
    "SELECT 7",
    "MULTI",
    "PING",
    "SELECT 6",
    "SET w x",
    "SELECT 7",
    "EXEC",
    "SELECT 0",
    "DBSIZE",
    "FLUSHALL",
    "SELECT 3",
    "DBSIZE",
];

#[test]
fn database_replies_match_redis_server() {
    require_redis!();
    let node = NodeServer::start(ServerOpts::standalone());
    let redis = RedisServer::start(ServerOpts::standalone());
    let mismatches = raw::differences(&node, &redis, SCRIPT);
    assert!(
        mismatches.is_empty(),
        "replies differ:\n{}",
        mismatches.join("\n")
    );
}

/// A client of database `db` on `p`.
fn db_client(p: &Process, db: usize) -> redis::Connection {
    redis::Client::open(format!("redis://{}/{db}", p.addr()))
        .unwrap()
        .get_connection_with_timeout(Duration::from_secs(5))
        .unwrap()
}

/// Keys in databases 0, 3 and 9 (database 9 with a TTL).
fn fill(p: &Process) {
    for (db, tag) in [(0, "a"), (3, "b"), (9, "c")] {
        let mut c = db_client(p, db);
        let _: () = redis::cmd("SET")
            .arg(format!("s{tag}"))
            .arg(db)
            .query(&mut c)
            .unwrap();
        let _: () = redis::cmd("RPUSH")
            .arg(format!("l{tag}"))
            .arg("x")
            .arg("y")
            .query(&mut c)
            .unwrap();
        let _: () = redis::cmd("SET")
            .arg(format!("t{tag}"))
            .arg("v")
            .arg("EX")
            .arg(1000)
            .query(&mut c)
            .unwrap();
    }
}

/// Every database's contents, by database.
fn all_contents(p: &Process) -> Vec<(usize, Vec<String>)> {
    (0..16)
        .map(|db| (db, contents(&mut db_client(p, db))))
        .filter(|(_, c)| !c.is_empty())
        .collect()
}

/// dump.rdb with several databases (a SELECTDB for each) loads into redis-server, and
/// redis-server's into the node; BGSAVE's point-in-time file too.
#[test]
fn rdb_with_databases_moves_between_node_and_redis_server() {
    require_redis!();
    let mut redis = RedisServer::start(ServerOpts::standalone());
    let mut node = NodeServer::start(ServerOpts::standalone());
    fill(&node);
    let want = all_contents(&node);
    assert_eq!(want.len(), 3, "{want:?}");
    let info: String = node.cmd(&["INFO", "keyspace"]);
    assert!(info.contains("db3:keys=3,expires=1"), "{info}");
    node.hand_dump_to(&mut redis);
    let file = node.dir.path().join("dump.rdb");
    assert_eq!(all_contents(&redis), want);
    let _: () = redis::cmd("SET")
        .arg("from-redis")
        .arg(12)
        .query(&mut db_client(&redis, 12))
        .unwrap();
    let _: () = redis.cmd(&["SAVE"]);
    std::fs::copy(redis.dir.path().join("dump.rdb"), &file).unwrap();
    node.restart();
    node.wait_loaded();
    let back = all_contents(&node);
    assert_eq!(back, all_contents(&redis));
    assert_eq!(back.len(), 4);
    // A background save writes every database too.
    let _: String = node.cmd(&["BGSAVE"]);
    wait_until(Duration::from_secs(10), "BGSAVE ends", || {
        let info: String = node.cmd(&["INFO", "persistence"]);
        info.contains("rdb_bgsave_in_progress:0")
    });
    node.kill();
    std::fs::copy(&file, redis.dir.path().join("dump.rdb")).unwrap();
    redis.restart();
    redis.wait_loaded();
    assert_eq!(all_contents(&redis), back);
}

/// Writes to several databases, in and out of a transaction.
fn write_dbs(p: &Process, tag: &str) {
    let mut c = db_client(p, 0);
    let run = |c: &mut redis::Connection, args: &[&str]| {
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        let _: redis::Value = cmd.query(c).unwrap();
    };
    run(&mut c, &["SET", &format!("zero{tag}"), "0"]);
    run(&mut c, &["SELECT", "5"]);
    run(&mut c, &["SET", &format!("five{tag}"), "5"]);
    run(&mut c, &["RPUSH", &format!("list{tag}"), "a", "b"]);
    run(&mut c, &["MULTI"]);
    run(&mut c, &["SET", &format!("multi5{tag}"), "x"]);
    run(&mut c, &["SELECT", "6"]);
    run(&mut c, &["SET", &format!("multi6{tag}"), "y"]);
    run(&mut c, &["EXEC"]);
    run(&mut c, &["MOVE", &format!("multi6{tag}"), "7"]);
    run(&mut c, &["SELECT", "0"]);
    run(&mut c, &["SET", &format!("back{tag}"), "0"]);
    run(&mut c, &["SWAPDB", "0", "8"]);
}

/// A node master feeds a node replica and a redis-server replica; a redis-server master
/// feeds a node replica: every database arrives.
#[test]
fn replicas_follow_every_database() {
    require_redis!();
    let master = NodeServer::start(ServerOpts::standalone());
    let node_replica = NodeServer::start(ServerOpts::standalone());
    let redis_replica = RedisServer::start(ServerOpts::standalone());
    write_dbs(&master, "before");
    for r in [&*node_replica, &*redis_replica] {
        let _: () = r.cmd(&["REPLICAOF", "127.0.0.1", &master.port.to_string()]);
    }
    wait_until(Duration::from_secs(10), "both replicas are linked", || {
        [&*node_replica, &*redis_replica].iter().all(|r| {
            let info: String = r.cmd(&["INFO", "replication"]);
            info.contains("master_link_status:up")
        })
    });
    write_dbs(&master, "after");
    let acked: i64 = master.cmd(&["WAIT", "2", "5000"]);
    assert_eq!(acked, 2);
    let want = all_contents(&master);
    assert!(want.len() >= 4, "{want:?}");
    assert_eq!(all_contents(&node_replica), want);
    assert_eq!(all_contents(&redis_replica), want);

    let redis_master = RedisServer::start(ServerOpts::standalone());
    let node = NodeServer::start(ServerOpts::standalone());
    write_dbs(&redis_master, "before");
    let _: String = node.cmd(&["REPLICAOF", "127.0.0.1", &redis_master.port.to_string()]);
    wait_until(Duration::from_secs(10), "the node is linked", || {
        let info: String = node.cmd(&["INFO", "replication"]);
        info.contains("master_link_status:up")
    });
    write_dbs(&redis_master, "after");
    let acked: i64 = redis_master.cmd(&["WAIT", "1", "5000"]);
    assert_eq!(acked, 1);
    assert_eq!(all_contents(&node), all_contents(&redis_master));
}

/// `__keyspace@N__` and `__keyevent@N__` name the database the key is in.
#[test]
fn notifications_name_the_database() {
    require_redis!();
    let node = NodeServer::start(ServerOpts::standalone());
    let redis = RedisServer::start(ServerOpts::standalone());
    for p in [&*node, &*redis] {
        let _: () = p.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
        let mut sub = TcpStream::connect(("127.0.0.1", p.port)).unwrap();
        sub.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        raw::inline(&mut sub, "PSUBSCRIBE __key*@*");
        let mut c = db_client(p, 3);
        let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut c).unwrap();
        let _: i64 = redis::cmd("MOVE").arg("k").arg(4).query(&mut c).unwrap();
        // SET: one keyspace and one keyevent message; MOVE: two of each.
        let mut text = String::new();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while text.matches("pmessage").count() < 6 {
            let n = sub.read(&mut chunk).unwrap();
            assert!(n > 0);
            buf.extend_from_slice(&chunk[..n]);
            text = String::from_utf8_lossy(&buf).into_owned();
        }
        for want in [
            "__keyspace@3__:k",
            "__keyevent@3__:set",
            "__keyevent@3__:move_from",
            "__keyevent@4__:move_to",
            "__keyspace@4__:k",
        ] {
            assert!(text.contains(want), "{}: no {want} in\n{text}", p.addr());
        }
    }
}
