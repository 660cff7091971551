//! Persistence of the bundled node against redis-server 7.0's: LASTSAVE rules, RDB files
//! that `redis-check-rdb` accepts and redis-server loads (and the other way round),
//! BGSAVE while writes go on, the append-only file surviving SIGKILL, a truncated last
//! command, a rewritten log that redis-server loads, and a cluster master restarted with
//! its keys.

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::harness::{check_rdb, wait_until, NodeServer, Process, RedisServer, ServerOpts};
use crate::require_redis;

fn info_field(p: &Process, field: &str) -> String {
    let text: String = p.cmd(&["INFO", "persistence"]);
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// A few keys of every type, with one TTL.
fn fill(p: &Process) {
    let _: () = p.cmd(&["SET", "s", "plain"]);
    let _: () = p.cmd(&["SET", "n", "12345"]);
    let _: () = p.cmd(&["SET", "ttl", "v", "EX", "1000"]);
    let _: i64 = p.cmd(&["RPUSH", "l", "a", "b", "c"]);
    let _: i64 = p.cmd(&["HSET", "h", "f1", "v1", "f2", "v2"]);
    let _: i64 = p.cmd(&["SADD", "set", "x", "y", "1"]);
    let _: i64 = p.cmd(&["ZADD", "z", "1.5", "a", "-2", "b"]);
}

/// The keys [`fill`] wrote, read back.
fn contents(p: &Process) -> Vec<String> {
    let mut out = Vec::new();
    let get = |k: &str| -> Option<String> { p.cmd(&["GET", k]) };
    out.push(format!("{:?} {:?}", get("s"), get("n")));
    let l: Vec<String> = p.cmd(&["LRANGE", "l", "0", "-1"]);
    let mut h: Vec<String> = p.cmd(&["HGETALL", "h"]);
    h.sort();
    let mut set: Vec<String> = p.cmd(&["SMEMBERS", "set"]);
    set.sort();
    let z: Vec<String> = p.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]);
    let ttl: i64 = p.cmd(&["TTL", "ttl"]);
    out.push(format!("{l:?} {h:?} {set:?} {z:?} ttl>900:{}", ttl > 900));
    out
}

/// LASTSAVE starts at the start time, moves on SAVE, and stays put when the file cannot
/// be written: the same on both servers.
#[test]
fn lastsave_moves_only_when_a_file_is_written() {
    require_redis!();
    let redis = RedisServer::start(ServerOpts::standalone());
    let node = NodeServer::start(ServerOpts::standalone());
    for p in [&*redis, &*node] {
        let started: i64 = p.cmd(&["LASTSAVE"]);
        std::thread::sleep(Duration::from_millis(1100));
        fill(p);
        assert_ne!(info_field(p, "rdb_changes_since_last_save"), "0");
        let _: () = p.cmd(&["SAVE"]);
        let saved: i64 = p.cmd(&["LASTSAVE"]);
        assert!(saved > started, "{}: {saved} after {started}", p.addr());
        assert_eq!(info_field(p, "rdb_changes_since_last_save"), "0");
        check_rdb(&p.dir.path().join("dump.rdb"));
        // A directory where the file should go: the save fails.
        std::fs::remove_file(p.dir.path().join("dump.rdb")).unwrap();
        std::fs::create_dir(p.dir.path().join("dump.rdb")).unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        let failed: redis::RedisResult<()> = redis::cmd("SAVE").query(&mut p.client());
        assert!(failed.is_err(), "{}", p.addr());
        let after: i64 = p.cmd(&["LASTSAVE"]);
        assert_eq!(after, saved, "{}", p.addr());
        let bg: String = p.cmd(&["BGSAVE"]);
        assert_eq!(bg, "Background saving started");
        wait_until(Duration::from_secs(10), "the failed BGSAVE ends", || {
            info_field(p, "rdb_bgsave_in_progress") == "0"
        });
        assert_eq!(
            info_field(p, "rdb_last_bgsave_status"),
            "err",
            "{}",
            p.addr()
        );
        let after: i64 = p.cmd(&["LASTSAVE"]);
        assert_eq!(after, saved, "{}", p.addr());
    }
}

/// The node's dump.rdb loads into redis-server, and redis-server's into the node.
#[test]
fn rdb_files_move_between_node_and_redis_server() {
    require_redis!();
    let mut redis = RedisServer::start(ServerOpts::standalone());
    let mut node = NodeServer::start(ServerOpts::standalone());
    fill(&node);
    let want = contents(&node);
    node.hand_dump_to(&mut redis);
    let file = node.dir.path().join("dump.rdb");
    assert_eq!(contents(&redis), want);
    // And back: redis-server's own encodings (listpacks, integers) load in the node.
    let _: () = redis.cmd(&["SET", "from-redis", "1"]);
    let _: () = redis.cmd(&["SAVE"]);
    std::fs::copy(redis.dir.path().join("dump.rdb"), &file).unwrap();
    node.restart();
    node.wait_loaded();
    assert_eq!(contents(&node), want);
    let v: Option<String> = node.cmd(&["GET", "from-redis"]);
    assert_eq!(v.as_deref(), Some("1"));
}

/// BGSAVE writes the data as it was when it started while clients keep writing.
#[test]
fn bgsave_keeps_serving_writes_and_writes_a_point_in_time_file() {
    require_redis!();
    let mut node = NodeServer::start(ServerOpts::standalone());
    let _: () = node.cmd(&["DEBUG", "POPULATE", "50000", "key", "100"]);
    let stop = Arc::new(AtomicBool::new(false));
    let during = Arc::new(AtomicU64::new(0));
    let writer = {
        let (stop, during) = (Arc::clone(&stop), Arc::clone(&during));
        let mut c = node.client();
        let probe = node.port;
        std::thread::spawn(move || {
            let mut i = 0u64;
            let mut info = redis::Client::open(format!("redis://127.0.0.1:{probe}/"))
                .unwrap()
                .get_connection()
                .unwrap();
            while !stop.load(Ordering::Relaxed) {
                let _: () = redis::cmd("SET")
                    .arg(format!("new:{i}"))
                    .arg("x")
                    .query(&mut c)
                    .unwrap();
                let _: () = redis::cmd("SET")
                    .arg(format!("key:{}", i % 1000))
                    .arg("changed")
                    .query(&mut c)
                    .unwrap();
                let text: String = redis::cmd("INFO")
                    .arg("persistence")
                    .query(&mut info)
                    .unwrap();
                if text.contains("rdb_bgsave_in_progress:1") {
                    during.fetch_add(1, Ordering::Relaxed);
                }
                i += 1;
            }
        })
    };
    // BGSAVE must start while the writer is writing, not before its first SET.
    wait_until(Duration::from_secs(10), "the writer's first keys", || {
        node.cmd::<i64>(&["DBSIZE"]) > 50_000
    });
    let keys_before: i64 = node.cmd(&["DBSIZE"]);
    let _: String = node.cmd(&["BGSAVE"]);
    wait_until(Duration::from_secs(60), "BGSAVE ends", || {
        info_field(&node, "rdb_bgsave_in_progress") == "0"
    });
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    assert_eq!(info_field(&node, "rdb_last_bgsave_status"), "ok");
    assert!(
        during.load(Ordering::Relaxed) > 0,
        "no write completed while BGSAVE ran"
    );
    let file = node.dir.path().join("dump.rdb");
    check_rdb(&file);
    // The file holds what was there at the BGSAVE: restarting from it gives back the
    // 50000 keys (with their old values) and at most the new keys written before it.
    node.kill();
    node.restart();
    node.wait_loaded();
    let keys_after: i64 = node.cmd(&["DBSIZE"]);
    assert!(
        keys_after >= keys_before && keys_after < keys_before + 2000,
        "{keys_before} keys before BGSAVE, {keys_after} in the file"
    );
    let v: String = node.cmd(&["GET", "key:999"]);
    assert!(v == "changed" || v.starts_with("value:999"), "{v}");
}

/// Acknowledged writes survive SIGKILL with the append-only file.
fn aof_survives_sigkill(fsync: &str) {
    let mut node = NodeServer::start_with(
        ServerOpts::standalone(),
        &["--appendonly", "yes", "--appendfsync", fsync],
    );
    let acked = Arc::new(AtomicU64::new(0));
    let writer = {
        let acked = Arc::clone(&acked);
        let mut c = node.client();
        std::thread::spawn(move || {
            for i in 0u64.. {
                let r: redis::RedisResult<()> =
                    redis::cmd("SET").arg(format!("k{i}")).arg(i).query(&mut c);
                if r.is_err() {
                    return;
                }
                acked.store(i + 1, Ordering::Relaxed);
            }
        })
    };
    // `always` costs an fsync per write: a few hundred are enough.
    wait_until(Duration::from_secs(60), "some writes", || {
        acked.load(Ordering::Relaxed) > 300
    });
    node.kill();
    writer.join().unwrap();
    let acked = acked.load(Ordering::Relaxed);
    node.restart();
    node.wait_loaded();
    let keys: i64 = node.cmd(&["DBSIZE"]);
    assert!(
        keys as u64 >= acked,
        "appendfsync {fsync}: {acked} writes acknowledged, {keys} keys after SIGKILL"
    );
    let last: Option<String> = node.cmd(&["GET", &format!("k{}", acked - 1)]);
    assert_eq!(last, Some((acked - 1).to_string()));
}

#[test]
fn aof_always_loses_no_acknowledged_write_on_sigkill() {
    aof_survives_sigkill("always");
}

#[test]
fn aof_everysec_loses_no_acknowledged_write_on_sigkill() {
    // Writes reach the kernel before the reply, so only a machine crash could lose up
    // to a second; a killed process loses nothing.
    aof_survives_sigkill("everysec");
}

fn last_incr(dir: &std::path::Path) -> std::path::PathBuf {
    let manifest =
        std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap();
    let name = manifest
        .lines()
        .rfind(|l| l.ends_with("type i"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .to_string();
    dir.join("appendonlydir").join(name)
}

/// A last command cut short: loaded without it (aof-load-truncated yes), or refused
/// (no), as redis-server does.
#[test]
fn truncated_aof_is_handled_like_redis_server() {
    require_redis!();
    let mut redis = RedisServer::start(ServerOpts::standalone());
    let _: () = redis.cmd(&["CONFIG", "SET", "appendonly", "yes"]);
    wait_until(Duration::from_secs(10), "redis writes its AOF", || {
        info_field(&redis, "aof_rewrite_in_progress") == "0"
            && info_field(&redis, "aof_enabled") == "1"
    });
    let mut node = NodeServer::start_with(ServerOpts::standalone(), &["--appendonly", "yes"]);
    for p in [&mut *redis, &mut *node] {
        let _: () = p.cmd(&["SET", "kept", "1"]);
        let _: () = p.cmd(&["SET", "second", "2"]);
        p.kill();
        let incr = last_incr(p.dir.path());
        let mut bytes = std::fs::read(&incr).unwrap();
        bytes.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$1");
        std::fs::write(&incr, bytes).unwrap();
    }
    // redis-server reads appendonly from its file; the node from its flags.
    let conf = redis.dir.path().join("redis.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(&conf, text.replace("appendonly no", "appendonly yes")).unwrap();
    for p in [&mut *redis, &mut *node] {
        p.restart();
        p.wait_loaded();
        let got: Vec<Option<String>> = p.cmd(&["MGET", "kept", "second", "lost"]);
        assert_eq!(
            got,
            vec![Some("1".into()), Some("2".into()), None],
            "{}",
            p.addr()
        );
    }
}

#[test]
fn truncated_aof_refused_with_aof_load_truncated_no() {
    let mut node = NodeServer::start_with(
        ServerOpts::standalone(),
        &["--appendonly", "yes", "--aof-load-truncated", "no"],
    );
    let _: () = node.cmd(&["SET", "kept", "1"]);
    node.kill();
    let incr = last_incr(node.dir.path());
    let mut bytes = std::fs::read(&incr).unwrap();
    bytes.extend_from_slice(b"*2\r\n$3\r\nDEL");
    std::fs::write(&incr, bytes).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_rclust-node"))
        .args(["--port", &node.port.to_string(), "--cluster-enabled", "no"])
        .args(["--dir", node.dir.path().to_str().unwrap()])
        .args(["--appendonly", "yes", "--aof-load-truncated", "no"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success());
}

/// After BGREWRITEAOF the log is a new base plus a new incremental file, which
/// redis-server 7.0 loads.
#[test]
fn rewritten_aof_loads_in_redis_server() {
    require_redis!();
    let mut node = NodeServer::start_with(ServerOpts::standalone(), &["--appendonly", "yes"]);
    fill(&node);
    let text: String = node.cmd(&["BGREWRITEAOF"]);
    assert_eq!(text, "Background append only file rewriting started");
    wait_until(Duration::from_secs(10), "the rewrite ends", || {
        info_field(&node, "aof_rewrite_in_progress") == "0"
    });
    assert_eq!(info_field(&node, "aof_last_bgrewrite_status"), "ok");
    let _: () = node.cmd(&["SET", "after", "rewrite"]);
    let want = contents(&node);
    node.kill();
    let dir = node.dir.path().join("appendonlydir");
    let manifest = std::fs::read_to_string(dir.join("appendonly.aof.manifest")).unwrap();
    assert_eq!(
        manifest,
        "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    let check = Command::new("redis-check-aof")
        .arg(dir.join("appendonly.aof.manifest"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let mut redis = RedisServer::start(ServerOpts::standalone());
    redis.kill();
    let target = redis.dir.path().join("appendonlydir");
    std::fs::create_dir(&target).unwrap();
    for e in std::fs::read_dir(&dir).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), target.join(e.file_name())).unwrap();
    }
    let conf = redis.dir.path().join("redis.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(&conf, text.replace("appendonly no", "appendonly yes")).unwrap();
    redis.restart();
    redis.wait_loaded();
    assert_eq!(contents(&redis), want);
    let v: Option<String> = redis.cmd(&["GET", "after"]);
    assert_eq!(v.as_deref(), Some("rewrite"));
}

/// `save <secs> <changes>` takes a snapshot by itself.
#[test]
fn save_points_take_snapshots() {
    let node = NodeServer::start_with(ServerOpts::standalone(), &["--save", "1 2"]);
    let before: i64 = node.cmd(&["LASTSAVE"]);
    let _: () = node.cmd(&["SET", "a", "1"]);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        !node.dir.path().join("dump.rdb").exists(),
        "one change is below the point"
    );
    let _: () = node.cmd(&["SET", "b", "1"]);
    wait_until(Duration::from_secs(10), "the save point fires", || {
        node.dir.path().join("dump.rdb").exists()
    });
    wait_until(Duration::from_secs(10), "LASTSAVE moves", || {
        node.cmd::<i64>(&["LASTSAVE"]) > before
    });
}

/// A bundled cluster master restarted by SIGKILL comes back with its keys.
#[test]
fn restarted_cluster_master_keeps_its_keys() {
    let mut node = NodeServer::start_with(ServerOpts::default(), &["--appendonly", "yes"]);
    node.serve_all_slots();
    for i in 0..500 {
        let _: () = node.cmd(&["SET", &format!("key:{i}"), &i.to_string()]);
    }
    node.kill();
    node.restart();
    wait_until(Duration::from_secs(20), "the cluster is ok again", || {
        let info: String = node.cmd(&["CLUSTER", "INFO"]);
        info.contains("cluster_state:ok")
    });
    let n: i64 = node.cmd(&["DBSIZE"]);
    assert_eq!(n, 500);
    let v: String = node.cmd(&["GET", "key:499"]);
    assert_eq!(v, "499");
}
