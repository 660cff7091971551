//! `rclust import`, `backup` and `restore` against real redis-server, Valkey and rclust-node
//! processes: every type and TTL arrives intact (compared by DUMP payload through an
//! independent client), --copy / --replace, every refusal, backups that pass
//! redis-check-rdb, and a 3-master backup restored into a 5-master cluster.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::create::create_cluster_of;
use crate::harness::*;
use crate::{require_redis, require_valkey};

fn run(c: &mut redis::Connection, args: &[&str]) {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    let _: redis::Value = cmd.query(c).unwrap_or_else(|e| panic!("{args:?}: {e}"));
}

/// Keys of every type the RDB reader knows, small (compact encodings) and large (plain), a
/// third of them with a TTL; plus `n` plain strings.
fn fill(c: &mut redis::Connection, n: usize) {
    run(c, &["SET", "str", "hello"]);
    run(c, &["SET", "int", "12345"]);
    run(c, &["SET", "ttl", "v", "EX", "1000"]);
    run(c, &["RPUSH", "list", "a", "1", "-300", "b"]);
    run(c, &["SADD", "intset", "1", "2", "70000", "-5"]);
    run(c, &["SADD", "strset", "a", "b"]);
    run(c, &["HSET", "hash", "f", "v", "n", "42"]);
    run(c, &["ZADD", "zset", "1.5", "a", "-2", "b", "1e10", "c"]);
    run(c, &["PEXPIRE", "hash", "500000"]);
    for i in 0..300 {
        let s = i.to_string();
        let long = format!("member-{i}-{}", "x".repeat(i % 80));
        run(c, &["RPUSH", "biglist", &long]);
        run(c, &["SADD", "bigset", &long]);
        run(c, &["HSET", "bighash", &long, &s]);
        run(c, &["ZADD", "bigzset", &s, &long]);
    }
    run(c, &["PEXPIRE", "bigzset", "800000"]);
    let mut pipe = redis::pipe();
    for i in 0..n {
        let key = format!("k:{i}");
        if i % 3 == 0 {
            pipe.cmd("SET").arg(&key).arg(i).arg("PX").arg(600_000 + i);
        } else {
            pipe.cmd("SET").arg(&key).arg(i);
        }
    }
    let _: () = pipe.query(c).unwrap();
}

/// A key's value in a form that does not depend on the server's encoding: its type, then
/// its contents in a canonical order.
fn value_of(c: &mut redis::Connection, key: &str) -> Vec<u8> {
    let kind: String = redis::cmd("TYPE").arg(key).query(c).unwrap();
    let q = |c: &mut redis::Connection, args: &[&str]| -> Vec<Vec<u8>> {
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        cmd.query(c).unwrap()
    };
    let mut parts: Vec<Vec<u8>> = match kind.as_str() {
        "string" => vec![redis::cmd("GET").arg(key).query(c).unwrap()],
        "list" => q(c, &["LRANGE", key, "0", "-1"]),
        "set" => {
            let mut m = q(c, &["SMEMBERS", key]);
            m.sort();
            m
        }
        "hash" => {
            let flat = q(c, &["HGETALL", key]);
            let mut pairs: Vec<Vec<u8>> = flat
                .chunks(2)
                .map(|p| [&p[0][..], b"=", &p[1][..]].concat())
                .collect();
            pairs.sort();
            pairs
        }
        "zset" => q(c, &["ZRANGE", key, "0", "-1", "WITHSCORES"]),
        "stream" => {
            let v: redis::Value = redis::cmd("XRANGE")
                .arg(key)
                .arg("-")
                .arg("+")
                .query(c)
                .unwrap();
            vec![format!("{v:?}").into_bytes()]
        }
        other => panic!("{key}: unexpected type {other}"),
    };
    parts.insert(0, kind.into_bytes());
    parts.join(&b"\n"[..])
}

/// Every key of a standalone server: its value (see [`value_of`]) and its TTL in ms (-1: none).
fn contents_of(c: &mut redis::Connection) -> BTreeMap<String, (Vec<u8>, i64)> {
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(c).unwrap();
    keys.into_iter()
        .map(|k| {
            let value = value_of(c, &k);
            let ttl: i64 = redis::cmd("PTTL").arg(&k).query(c).unwrap();
            (k, (value, ttl))
        })
        .collect()
}

/// Every key of a cluster, from each master's own keys.
fn cluster_contents<P: std::ops::Deref<Target = Process>>(
    nodes: &[P],
) -> BTreeMap<String, (Vec<u8>, i64)> {
    let mut all = BTreeMap::new();
    for n in nodes {
        let role = n.cmd::<redis::Value>(&["ROLE"]).first_string();
        if role == "master" {
            all.extend(contents_of(&mut n.client()));
        }
    }
    all
}

trait FirstString {
    fn first_string(self) -> String;
}

impl FirstString for redis::Value {
    fn first_string(self) -> String {
        match self {
            redis::Value::Array(items) => match items.into_iter().next() {
                Some(redis::Value::BulkString(b)) => String::from_utf8_lossy(&b).into_owned(),
                other => panic!("ROLE: {other:?}"),
            },
            other => panic!("ROLE: {other:?}"),
        }
    }
}

/// Values equal, TTLs within `slack` ms of each other (time passed between the reads).
fn assert_same(
    want: &BTreeMap<String, (Vec<u8>, i64)>,
    got: &BTreeMap<String, (Vec<u8>, i64)>,
    slack: i64,
) {
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>(),
        "the same keys"
    );
    for (k, (dump, ttl)) in want {
        let (gd, gt) = &got[k];
        assert!(dump == gd, "{k}: the value differs");
        if *ttl < 0 {
            assert_eq!(*gt, -1, "{k}: no TTL");
        } else {
            assert!(
                *gt > 0 && *gt <= *ttl + 50 && *gt >= ttl - slack,
                "{k}: TTL {ttl} became {gt}"
            );
        }
    }
}

fn cluster(n: usize) -> Vec<RedisServer> {
    let nodes = RedisServer::cluster_nodes(n);
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr()).collect();
    create_cluster_of(&addrs, 0);
    // Hand over the RDB at once, not after the default 5 s diskless delay.
    for n in &nodes {
        let _: () = n.cmd(&["CONFIG", "SET", "repl-diskless-sync-delay", "0"]);
    }
    nodes
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn dbsize(p: &Process) -> i64 {
    p.cmd(&["DBSIZE"])
}

/// Runs `rclust import SEED --from SOURCE FLAGS...`.
fn import(seed: &str, source: &str, flags: &[&str]) -> std::process::Output {
    rclust()
        .args(["import", seed, "--from", source])
        .args(flags)
        .output()
        .unwrap()
}

#[test]
fn import_moves_every_type_with_its_ttl_and_empties_the_source() {
    require_redis!();
    let nodes = cluster(3);
    let source = RedisServer::start(ServerOpts::standalone());
    let mut sc = source.client();
    fill(&mut sc, 3000);
    run(&mut sc, &["XADD", "stream", "1-1", "f", "v"]);
    let before = contents_of(&mut sc);

    let dry = import(&nodes[0].addr(), &source.addr(), &["--dry-run", "--json"]);
    assert_exit(&dry, 0);
    let plan = json_of(&dry);
    assert_eq!(plan["keys"], before.len());
    let spread: u64 = plan["masters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["keys"].as_u64().unwrap())
        .sum();
    assert_eq!(spread, before.len() as u64);
    assert_eq!(
        dbsize(&source),
        before.len() as i64,
        "a dry run moves nothing"
    );
    assert!(nodes.iter().all(|n| dbsize(n) == 0));

    let out = import(&nodes[0].addr(), &source.addr(), &["--yes", "--json"]);
    assert_exit(&out, 0);
    let summary = json_of(&out);
    assert_eq!(summary["moved"], before.len());
    assert_eq!(summary["skipped"], 0);
    assert_eq!(summary["deleted_from_source"], before.len());
    assert_eq!(dbsize(&source), 0, "the source is emptied");
    assert_same(&before, &cluster_contents(&nodes), 60_000);
    // Each key is on the master that owns its slot: a cluster client reads it.
    let mut client = ClusterClient::new(&[nodes[0].addr()]);
    assert_eq!(client.get("str").unwrap().as_deref(), Some("hello"));
    assert_eq!(client.get("k:2999").unwrap().as_deref(), Some("2999"));
}

#[test]
fn import_copy_keeps_the_source_and_existing_keys_need_replace() {
    require_redis!();
    let nodes = cluster(3);
    let source = RedisServer::start(ServerOpts::standalone());
    let mut sc = source.client();
    fill(&mut sc, 500);
    let mut client = ClusterClient::new(&[nodes[0].addr()]);
    for k in ["k:1", "k:2", "str"] {
        client.set(k, "already-there").unwrap();
    }
    let before = contents_of(&mut sc);

    let out = import(&nodes[0].addr(), &source.addr(), &["--copy", "--yes"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("3 key(s) already exist in the cluster and were left alone")
            && err.contains("'k:1'")
            && err.contains("--replace"),
        "{err}"
    );
    for k in ["k:1", "k:2", "str"] {
        assert_eq!(
            client.get(k).unwrap().as_deref(),
            Some("already-there"),
            "{k}"
        );
    }
    assert_eq!(client.get("k:3").unwrap().as_deref(), Some("3"));
    // --copy leaves the source as it was.
    assert_same(&before, &contents_of(&mut sc), 60_000);

    // Now every key is in the cluster: without --replace, all are refused and none leaves
    // the source.
    client.set("k:1", "changed-in-the-cluster").unwrap();
    let out = import(&nodes[0].addr(), &source.addr(), &["--yes"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains(&format!("{} key(s) already exist", before.len())),
        "{}",
        stderr(&out)
    );
    assert_eq!(dbsize(&source), before.len() as i64);
    assert_eq!(
        client.get("k:1").unwrap().as_deref(),
        Some("changed-in-the-cluster")
    );

    let out = import(&nodes[0].addr(), &source.addr(), &["--replace", "--yes"]);
    assert_exit(&out, 0);
    assert_eq!(client.get("k:1").unwrap().as_deref(), Some("1"));
    assert_eq!(client.get("str").unwrap().as_deref(), Some("hello"));
    assert_eq!(dbsize(&source), 0);
    assert_same(&before, &cluster_contents(&nodes), 60_000);
}

#[test]
fn import_refuses_bad_sources_with_one_line_and_exit_2() {
    require_redis!();
    let nodes = cluster(3);
    let one_line = |out: &std::process::Output| {
        assert_exit(out, 2);
        let err = stderr(out);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        err
    };
    let import = |from: &str, extra: &[&str]| {
        rclust()
            .args(["import", &nodes[0].addr(), "--from", from, "--yes"])
            .args(extra)
            .output()
            .unwrap()
    };
    let err = one_line(&import(&nodes[1].addr(), &[]));
    assert!(err.contains("is a cluster node"), "{err}");

    let dead = RedisServer::start(ServerOpts::standalone());
    let dead_addr = dead.addr();
    drop(dead);
    let err = one_line(&import(&dead_addr, &[]));
    assert!(
        err.contains(&dead_addr) && err.contains("connection refused"),
        "{err}"
    );

    let locked = RedisServer::start(ServerOpts {
        cluster: false,
        password: Some("sesame".into()),
        ..Default::default()
    });
    let _: () = locked.cmd(&["SET", "x", "1"]);
    let err = one_line(&import(&locked.addr(), &[]));
    assert!(err.contains("authentication required"), "{err}");
    let err = one_line(&import(&locked.addr(), &["--from-pass", "wrong"]));
    assert!(err.contains("authentication failed"), "{err}");
    assert_eq!(dbsize(&locked), 1, "nothing moved");
    assert!(nodes.iter().all(|n| dbsize(n) == 0));

    // The right password, and a database other than 0.
    let mut lc = locked.client();
    run(&mut lc, &["SELECT", "3"]);
    run(&mut lc, &["SET", "in-db-3", "yes"]);
    let out = import(&locked.addr(), &["--from-pass", "sesame", "--from-db", "3"]);
    assert_exit(&out, 0);
    let mut client = ClusterClient::new(&[nodes[0].addr()]);
    assert_eq!(client.get("in-db-3").unwrap().as_deref(), Some("yes"));
    assert_eq!(client.get("x").unwrap(), None, "db 0 was not imported");

    // No terminal and no --yes: refused before anything changes.
    let out = rclust()
        .args(["import", &nodes[0].addr(), "--from", &locked.addr()])
        .args(["--from-pass", "sesame"])
        .output()
        .unwrap();
    let err = one_line(&out);
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(dbsize(&locked), 1);
}

fn redis_check_rdb() -> std::path::PathBuf {
    "redis-check-rdb".into()
}

/// Reads a backup's manifest and checks every file against it.
fn checked_manifest(dir: &Path, tool: &Path) -> serde_json::Value {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    for m in manifest["masters"].as_array().unwrap() {
        let path = dir.join(m["file"].as_str().unwrap());
        let data = std::fs::read(&path).unwrap();
        assert_eq!(m["size"], data.len());
        let sha = Command::new("sha256sum").arg(&path).output().unwrap();
        let sha = String::from_utf8_lossy(&sha.stdout);
        assert_eq!(
            m["sha256"].as_str().unwrap(),
            sha.split(' ').next().unwrap()
        );
        check_rdb_with(tool, &path);
    }
    manifest
}

#[test]
fn backup_of_three_masters_restores_into_five() {
    require_redis!();
    let nodes = cluster(3);
    let source = RedisServer::start(ServerOpts::standalone());
    let mut sc = source.client();
    fill(&mut sc, 4000);
    let before = contents_of(&mut sc);
    let out = import(&nodes[0].addr(), &source.addr(), &["--copy", "--yes"]);
    assert_exit(&out, 0);

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("backup");
    let out = rclust()
        .args(["backup", &nodes[0].addr(), dir.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let manifest = checked_manifest(&dir, &redis_check_rdb());
    assert_eq!(manifest["total_keys"], before.len());
    let masters = manifest["masters"].as_array().unwrap();
    assert_eq!(masters.len(), 3);
    let ids: Vec<String> = nodes.iter().map(|n| n.myid()).collect();
    for m in masters {
        assert!(ids.contains(&m["id"].as_str().unwrap().to_string()));
        assert_eq!(m["read_from"]["role"], "master");
        assert_eq!(m["read_from"]["server"], "redis 7.0.15");
        let slots = m["slot_count"].as_u64().unwrap();
        assert!((5461..=5462).contains(&slots), "{m}");
    }
    assert_eq!(manifest["nodes"].as_array().unwrap().len(), 3);

    // Another shape: five masters.
    let five = cluster(5);
    let out = rclust()
        .args([
            "restore",
            &five[0].addr(),
            dir.to_str().unwrap(),
            "--dry-run",
            "--json",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let plan = json_of(&out);
    assert_eq!(plan["masters"].as_array().unwrap().len(), 5);
    assert_eq!(plan["to_write"], before.len());
    assert!(
        five.iter().all(|n| dbsize(n) == 0),
        "a dry run writes nothing"
    );

    let out = rclust()
        .args([
            "restore",
            &five[0].addr(),
            dir.to_str().unwrap(),
            "--yes",
            "--json",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let summary = json_of(&out);
    assert_eq!(summary["restored"], before.len());
    assert_eq!(summary["verified"], true);
    assert_same(&before, &cluster_contents(&five), 120_000);
    assert!(five.iter().all(|n| dbsize(n) > 0), "every master got keys");

    // Again: every key exists now, nothing is overwritten, exit 1.
    let mut five_client = ClusterClient::new(&[five[0].addr()]);
    five_client.set("str", "changed").unwrap();
    let out = rclust()
        .args(["restore", &five[0].addr(), dir.to_str().unwrap(), "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert!(stderr(&out).contains(&format!("{} key(s) already exist", before.len())));
    assert_eq!(five_client.get("str").unwrap().as_deref(), Some("changed"));
    let out = rclust()
        .args([
            "restore",
            &five[0].addr(),
            dir.to_str().unwrap(),
            "--yes",
            "--replace",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(five_client.get("str").unwrap().as_deref(), Some("hello"));

    // A damaged file is refused before anything is written.
    let file = dir.join(masters[0]["file"].as_str().unwrap());
    let mut data = std::fs::read(&file).unwrap();
    let at = data.len() / 2;
    data[at] ^= 0xff;
    std::fs::write(&file, data).unwrap();
    for n in &five {
        let _: () = n.cmd(&["FLUSHALL"]);
    }
    let out = rclust()
        .args(["restore", &five[0].addr(), dir.to_str().unwrap(), "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("does not match the manifest"),
        "{}",
        stderr(&out)
    );
    assert!(five.iter().all(|n| dbsize(n) == 0));
}

#[test]
fn backup_refusals_leave_no_manifest() {
    require_redis!();
    let mut nodes = cluster(3);
    let tmp = tempfile::tempdir().unwrap();
    let plain_file = tmp.path().join("file");
    std::fs::write(&plain_file, "x").unwrap();
    let under_file = plain_file.join("backup");
    let out = rclust()
        .args(["backup", &nodes[0].addr(), under_file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("cannot create"), "{}", stderr(&out));

    let dir = tmp.path().join("b1");
    let out = rclust()
        .args(["backup", &nodes[0].addr(), dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let out = rclust()
        .args(["backup", &nodes[0].addr(), dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("already holds a backup"));

    // A master that is gone: the cluster is not whole, nothing is written.
    nodes[2].kill();
    let dir = tmp.path().join("b2");
    let out = rclust()
        .args(["backup", &nodes[0].addr(), dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert_eq!(
        stderr(&out).trim_end().lines().count(),
        1,
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("manifest.json").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A master already writing a snapshot (here a slowed-down BGSAVE) keeps a new replica
/// waiting for the next one, sending it keepalive newlines before its +FULLRESYNC; backup
/// must wait through them (it once took the first newline for a refusal).
#[test]
fn backup_waits_for_a_master_busy_with_another_snapshot() {
    require_redis!();
    let nodes = cluster(3);
    let mut client = ClusterClient::new(&[nodes[0].addr()]);
    client.load("b", 60);
    let busy = &nodes[0];
    let keys = dbsize(busy);
    assert!(keys > 0);
    // About 1.5 s of BGSAVE whatever the key count; the fork keeps the delay it started
    // with, so the backup's own snapshot afterwards is fast again.
    let delay = (1_500_000 / keys).to_string();
    let _: () = busy.cmd(&["CONFIG", "SET", "rdb-key-save-delay", &delay]);
    let _: String = busy.cmd(&["BGSAVE"]);
    let _: () = busy.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    let tmp = tempfile::tempdir().unwrap();
    let out = rclust()
        .args(["backup", &busy.addr(), tmp.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let manifest = checked_manifest(tmp.path(), &redis_check_rdb());
    assert_eq!(manifest["total_keys"], 60);
}

#[test]
fn backup_from_replicas_reads_the_replicas() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(6);
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr()).collect();
    create_cluster_of(&addrs, 1);
    for n in &nodes {
        let _: () = n.cmd(&["CONFIG", "SET", "repl-diskless-sync-delay", "0"]);
    }
    let mut client = ClusterClient::new(&[nodes[0].addr()]);
    client.load("r", 300);
    // Wait until every replica has every key.
    wait_until(
        std::time::Duration::from_secs(20),
        "replicas in sync",
        || {
            let total: i64 = nodes
                .iter()
                .filter(|n| n.cmd::<redis::Value>(&["ROLE"]).first_string() == "slave")
                .map(|n| dbsize(n))
                .sum();
            total == 300
        },
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = rclust()
        .args([
            "backup",
            &nodes[0].addr(),
            tmp.path().to_str().unwrap(),
            "--from-replicas",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let manifest = checked_manifest(tmp.path(), &redis_check_rdb());
    assert_eq!(manifest["total_keys"], 300);
    for m in manifest["masters"].as_array().unwrap() {
        assert_eq!(m["read_from"]["role"], "replica", "{m}");
        assert_eq!(m["read_from"]["master_id"], m["id"]);
    }
    assert_eq!(manifest["nodes"].as_array().unwrap().len(), 6);
}

#[test]
fn backup_and_restore_on_rclust_nodes() {
    require_redis!();
    let nodes: Vec<NodeServer> = (0..3)
        .map(|_| NodeServer::start(ServerOpts::default()))
        .collect();
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr()).collect();
    create_cluster_of(&addrs, 0);
    let source = RedisServer::start(ServerOpts::standalone());
    let mut sc = source.client();
    fill(&mut sc, 1000);
    let before = contents_of(&mut sc);
    let out = rclust()
        .args(["import", &addrs[0], "--from", &source.addr(), "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let tmp = tempfile::tempdir().unwrap();
    let out = rclust()
        .args(["backup", &addrs[0], tmp.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let manifest = checked_manifest(tmp.path(), &redis_check_rdb());
    assert_eq!(manifest["total_keys"], before.len());
    // Back into redis-server.
    let target = cluster(3);
    let out = rclust()
        .args([
            "restore",
            &target[0].addr(),
            tmp.path().to_str().unwrap(),
            "--yes",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_same(&before, &cluster_contents(&target), 60_000);
    let mut tc = ClusterClient::new(&[target[0].addr()]);
    assert_eq!(tc.get("str").unwrap().as_deref(), Some("hello"));
    let members: Vec<String> = tc.query(&[b"ZRANGE", b"zset", b"0", b"-1"]).unwrap();
    assert_eq!(members, ["b", "a", "c"]);
}

#[test]
fn import_backup_and_restore_on_valkey() {
    require_valkey!();
    let program = valkey_server_path().unwrap();
    let nodes = ValkeyServer::cluster_nodes(3);
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr()).collect();
    create_cluster_of(&addrs, 0);
    for n in &nodes {
        let _: () = n.cmd(&["CONFIG", "SET", "repl-diskless-sync-delay", "0"]);
    }
    let source = ValkeyServer::start(ServerOpts::standalone());
    let mut sc = source.client();
    fill(&mut sc, 1000);
    run(&mut sc, &["XADD", "stream", "1-1", "f", "v"]);
    let before = contents_of(&mut sc);
    let out = rclust()
        .args(["import", &addrs[0], "--from", &source.addr(), "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_same(&before, &cluster_contents(&nodes), 60_000);
    assert_eq!(dbsize(&source), 0);

    let tmp = tempfile::tempdir().unwrap();
    let out = rclust()
        .args(["backup", &addrs[0], tmp.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    // valkey-server checks RDB files when run under the name valkey-check-rdb.
    let tools = tempfile::tempdir().unwrap();
    let checker = tools.path().join("valkey-check-rdb");
    let real = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .unwrap();
    std::os::unix::fs::symlink(String::from_utf8_lossy(&real.stdout).trim(), &checker).unwrap();
    let manifest = checked_manifest(tmp.path(), &checker);
    assert_eq!(manifest["masters"].as_array().unwrap().len(), 3);
    for m in manifest["masters"].as_array().unwrap() {
        assert!(m["read_from"]["server"]
            .as_str()
            .unwrap()
            .starts_with("valkey 9."));
    }
}

#[test]
fn import_leaves_refused_keys_on_the_source_and_moves_the_rest() {
    require_redis!();
    let nodes = cluster(3);
    let source = RedisServer::start(ServerOpts::standalone());
    let mut sc = source.client();
    fill(&mut sc, 200);
    let mut client = ClusterClient::new(&[nodes[0].addr()]);
    client.set("str", "mine").unwrap();
    client.set("k:7", "mine too").unwrap();
    let out = import(&nodes[0].addr(), &source.addr(), &["--yes", "--json"]);
    assert_exit(&out, 1);
    let summary = json_of(&out);
    assert_eq!(summary["skipped"], 2);
    let mut left: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut sc).unwrap();
    left.sort();
    assert_eq!(
        left,
        ["k:7", "str"],
        "only the refused keys stay on the source"
    );
    assert_eq!(client.get("str").unwrap().as_deref(), Some("mine"));
    assert_eq!(client.get("k:8").unwrap().as_deref(), Some("8"));
    let in_cluster: i64 = nodes.iter().map(|n| dbsize(n)).sum();
    assert_eq!(in_cluster, summary["moved"].as_i64().unwrap() + 2);
}
