//! Moving keys: DUMP/RESTORE payloads exchanged with redis-server for every type (compact
//! and plain encodings both ways), RESTORE and MIGRATE errors worded as Redis words them,
//! MIGRATE between rclust-nodes and redis-server in every form, and
//! `redis-cli --cluster reshard` and `rclust reshard` moving slots under replication and
//! across a cluster mixing rclust-node and redis-server, with no key lost.

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use crate::harness::*;
use crate::replication::contents;
use crate::require_redis;

fn run(c: &mut redis::Connection, args: &[&str]) -> redis::RedisResult<redis::Value> {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(c)
}

/// Keys of every type, small (compact encodings in redis-server) and large (plain).
fn fill_types(c: &mut redis::Connection) {
    let ok = |r: redis::RedisResult<redis::Value>| {
        r.unwrap();
    };
    ok(run(c, &["SET", "str", "hello"]));
    ok(run(c, &["SET", "int", "12345"]));
    ok(run(c, &["SET", "neg", "-7"]));
    ok(run(c, &["SET", "long", &"ab".repeat(600)]));
    ok(run(c, &["SET", "ttl", "v", "EX", "1000"]));
    ok(run(c, &["RPUSH", "list", "a", "1", "-300", "b"]));
    ok(run(c, &["SADD", "intset", "1", "2", "70000", "-5"]));
    ok(run(c, &["SADD", "strset", "a", "b"]));
    ok(run(c, &["HSET", "hash", "f", "v", "n", "42"]));
    ok(run(
        c,
        &["ZADD", "zset", "1.5", "a", "-2", "b", "1e10", "c"],
    ));
    for i in 0..600 {
        let s = i.to_string();
        let long = format!("member-{i}-{}", "x".repeat(i % 80));
        ok(run(c, &["RPUSH", "biglist", &long]));
        ok(run(c, &["SADD", "bigset", &long]));
        ok(run(c, &["SADD", "bigintset", &s]));
        ok(run(c, &["HSET", "bighash", &long, &s]));
        ok(run(c, &["ZADD", "bigzset", &s, &long]));
    }
}

fn keys(c: &mut redis::Connection) -> Vec<String> {
    redis::cmd("KEYS").arg("*").query(c).unwrap()
}

/// DUMPs every key of `from` and RESTOREs it (with its TTL) into `to`.
fn copy_all(from: &mut redis::Connection, to: &mut redis::Connection) {
    for k in keys(from) {
        let payload: Vec<u8> = redis::cmd("DUMP").arg(&k).query(from).unwrap();
        let ttl: i64 = redis::cmd("PTTL").arg(&k).query(from).unwrap();
        let _: () = redis::cmd("RESTORE")
            .arg(&k)
            .arg(ttl.max(0))
            .arg(payload)
            .query(to)
            .unwrap_or_else(|e| panic!("RESTORE {k}: {e}"));
    }
}

#[test]
fn dump_and_restore_with_redis_server_both_ways() {
    require_redis!();
    let redis = RedisServer::start(ServerOpts::standalone());
    let node = NodeServer::start(ServerOpts::standalone());
    let (mut r, mut n) = (redis.client(), node.client());
    fill_types(&mut r);
    copy_all(&mut r, &mut n);
    let want = contents(&mut r);
    assert_eq!(contents(&mut n), want);
    let _: () = redis::cmd("FLUSHALL").query(&mut r).unwrap();
    copy_all(&mut n, &mut r);
    assert_eq!(contents(&mut r), want);
    // Our own payloads round trip too.
    let _: () = redis::cmd("FLUSHALL").query(&mut r).unwrap();
    let other = NodeServer::start(ServerOpts::standalone());
    copy_all(&mut n, &mut other.client());
    assert_eq!(contents(&mut other.client()), want);
}

fn error_of(c: &mut redis::Connection, args: &[&str]) -> String {
    match run(c, args) {
        Ok(v) => format!("ok {v:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn restore_and_migrate_errors_match_redis() {
    require_redis!();
    let redis = RedisServer::start(ServerOpts::standalone());
    let node = NodeServer::start(ServerOpts::standalone());
    let closed = crate::harness::ports::lease();
    for (mut c, port) in [(redis.client(), redis.port), (node.client(), node.port)] {
        let _ = run(&mut c, &["SET", "k", "v"]);
        let _ = port;
    }
    let dump: Vec<u8> = redis::cmd("DUMP")
        .arg("k")
        .query(&mut redis.client())
        .unwrap();
    let dump = String::from_utf8(dump).unwrap_or_default();
    let cases: Vec<Vec<String>> = vec![
        vec!["RESTORE", "k", "0", "bad"],
        vec!["RESTORE", "k2", "0", "bad"],
        vec!["RESTORE", "k2", "-1", "bad"],
        vec!["RESTORE", "k2", "x", "bad"],
        vec!["RESTORE", "k2", "0", "bad", "NOPE"],
        vec!["RESTORE", "k2", "0", "bad", "IDLETIME", "-1"],
        vec!["RESTORE", "k2", "0", "bad", "FREQ", "300"],
        vec!["MIGRATE", "127.0.0.1", "1", "missing", "0", "100"],
        vec!["MIGRATE", "127.0.0.1", "1", "k", "0", "100", "KEYS", "k"],
        vec!["MIGRATE", "127.0.0.1", "1", "k", "0", "100", "BOGUS"],
        vec![
            "MIGRATE",
            "127.0.0.1",
            &closed.port.to_string(),
            "k",
            "0",
            "100",
        ],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect();
    for case in cases {
        let args: Vec<&str> = case.iter().map(String::as_str).collect();
        assert_eq!(
            error_of(&mut node.client(), &args),
            error_of(&mut redis.client(), &args),
            "{args:?}"
        );
    }
    if !dump.is_empty() {
        let args = ["RESTORE", "k", "0", &dump];
        assert_eq!(
            error_of(&mut node.client(), &args),
            error_of(&mut redis.client(), &args)
        );
    }
}

#[test]
fn migrate_between_rclust_nodes_and_redis_server() {
    require_redis!();
    let a = NodeServer::start(ServerOpts::standalone());
    let b = NodeServer::start(ServerOpts {
        password: Some("pw".into()),
        ..ServerOpts::standalone()
    });
    let redis = RedisServer::start(ServerOpts::standalone());
    let mut ac = a.client();
    fill_types(&mut ac);
    let want = contents(&mut ac);
    let all = keys(&mut ac);
    let bport = b.port.to_string();
    // Single key, with AUTH, keeping its TTL.
    let r = run(
        &mut ac,
        &[
            "MIGRATE",
            "127.0.0.1",
            &bport,
            "ttl",
            "0",
            "1000",
            "AUTH",
            "pw",
        ],
    );
    assert_eq!(r.unwrap(), redis::Value::Okay);
    assert_eq!(
        run(&mut ac, &["EXISTS", "ttl"]).unwrap(),
        redis::Value::Int(0)
    );
    let pttl: i64 = b.cmd(&["PTTL", "ttl"]);
    assert!(pttl > 990_000, "{pttl}");
    // The rest in one KEYS call (AUTH2 with the default user), COPY leaves the source.
    let mut args = vec![
        "MIGRATE",
        "127.0.0.1",
        &bport,
        "",
        "0",
        "1000",
        "COPY",
        "AUTH2",
        "default",
        "pw",
        "KEYS",
    ];
    let rest: Vec<String> = all.iter().filter(|k| *k != "ttl").cloned().collect();
    args.extend(rest.iter().map(String::as_str));
    assert_eq!(run(&mut ac, &args).unwrap(), redis::Value::Okay);
    assert_eq!(contents(&mut b.client()), want);
    // A second copy collides, unless REPLACE.
    let e = run(&mut ac, &args).unwrap_err().to_string();
    assert!(
        e.contains("Target instance replied with error: BUSYKEY Target key name already exists."),
        "{e}"
    );
    args.insert(7, "REPLACE");
    assert_eq!(run(&mut ac, &args).unwrap(), redis::Value::Okay);
    // Without COPY the source loses them.
    let mut args: Vec<&str> = vec![
        "MIGRATE",
        "127.0.0.1",
        "",
        "",
        "0",
        "1000",
        "REPLACE",
        "KEYS",
    ];
    let rport = redis.port.to_string();
    args[2] = &rport;
    args.extend(rest.iter().map(String::as_str));
    assert_eq!(run(&mut ac, &args).unwrap(), redis::Value::Okay);
    assert_eq!(run(&mut ac, &["DBSIZE"]).unwrap(), redis::Value::Int(0));
    // And back from redis-server to rclust-node.
    let aport = a.port.to_string();
    args[2] = &aport;
    assert_eq!(run(&mut redis.client(), &args).unwrap(), redis::Value::Okay);
    let _: () = b.cmd(&["DEL", "ttl"]);
    assert_eq!(contents(&mut a.client()).len(), want.len() - 1);
    assert_eq!(
        run(
            &mut ac,
            &[
                "MIGRATE",
                "127.0.0.1",
                &bport,
                "nothing",
                "0",
                "1000",
                "AUTH",
                "pw"
            ]
        )
        .unwrap(),
        redis::Value::SimpleString("NOKEY".into())
    );
}

/// `n` key names, half of them in slots below `low` (the ones a reshard moves first).
fn key_names(n: usize, low: u16) -> Vec<String> {
    let (mut lows, mut others) = (Vec::new(), Vec::new());
    for i in 0.. {
        let k = format!("key:{i}");
        if rclust::model::key_slot(k.as_bytes()) < low {
            if lows.len() < n / 2 {
                lows.push(k);
            }
        } else if others.len() < n - n / 2 {
            others.push(k);
        }
        if lows.len() + others.len() == n {
            break;
        }
    }
    lows.extend(others);
    lows
}

/// Writes the keys through a cluster, following MOVED; returns key -> value.
fn load_cluster(ports: &[u16], names: Vec<String>) -> HashMap<String, String> {
    let mut conns: HashMap<u16, redis::Connection> = HashMap::new();
    let mut data = HashMap::new();
    let mut target = ports[0];
    for k in names {
        let v = format!("value-of-{k}");
        loop {
            let c = conns.entry(target).or_insert_with(|| {
                redis::Client::open(format!("redis://127.0.0.1:{target}/"))
                    .unwrap()
                    .get_connection()
                    .unwrap()
            });
            match redis::cmd("SET").arg(&k).arg(&v).query::<()>(c) {
                Ok(()) => break,
                Err(e) if e.code() == Some("MOVED") => {
                    let to = e.redirect_node().unwrap().0.to_string();
                    target = to.rsplit(':').next().unwrap().parse().unwrap();
                }
                Err(e) => panic!("SET {k}: {e}"),
            }
        }
        data.insert(k, v);
    }
    data
}

/// Every key reads back through the cluster (MOVED followed, ASK too).
fn assert_cluster_has(ports: &[u16], data: &HashMap<String, String>) {
    let mut conns: HashMap<u16, redis::Connection> = HashMap::new();
    let mut lost = Vec::new();
    for (k, v) in data {
        let mut target = ports[0];
        let mut asking = false;
        let got: Option<String> = loop {
            let c = conns.entry(target).or_insert_with(|| {
                redis::Client::open(format!("redis://127.0.0.1:{target}/"))
                    .unwrap()
                    .get_connection()
                    .unwrap()
            });
            if asking {
                let _: () = redis::cmd("ASKING").query(c).unwrap();
            }
            match redis::cmd("GET").arg(k).query(c) {
                Ok(v) => break v,
                Err(e) if matches!(e.code(), Some("MOVED") | Some("ASK")) => {
                    asking = e.code() == Some("ASK");
                    let to = e.redirect_node().unwrap().0.to_string();
                    target = to.rsplit(':').next().unwrap().parse().unwrap();
                }
                Err(e) => panic!("GET {k}: {e}"),
            }
        };
        if got.as_deref() != Some(v.as_str()) {
            lost.push(k.clone());
        }
    }
    assert!(
        lost.is_empty(),
        "{} keys lost: {:?}",
        lost.len(),
        &lost[..lost.len().min(10)]
    );
}

fn cli_ok(args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(args)
        .output()
        .expect("redis-cli on PATH");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && !text.contains("[ERR]"),
        "{args:?}\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn myid(port: u16) -> String {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    redis::cmd("CLUSTER")
        .arg("MYID")
        .query(&mut c.get_connection().unwrap())
        .unwrap()
}

fn master_ports(port: u16) -> Vec<u16> {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let text: String = redis::cmd("CLUSTER")
        .arg("NODES")
        .query(&mut c.get_connection().unwrap())
        .unwrap();
    text.lines()
        .filter(|l| l.split(' ').nth(2).is_some_and(|f| f.contains("master")))
        .map(|l| {
            l.split(' ')
                .nth(1)
                .unwrap()
                .split(['@', ':'])
                .nth(1)
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect()
}

fn wait_state_ok(ports: &[u16]) {
    wait_until(
        Duration::from_secs(30),
        "cluster_state:ok everywhere",
        || {
            ports.iter().all(|p| {
                let c = redis::Client::open(format!("redis://127.0.0.1:{p}/")).unwrap();
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(&mut c.get_connection().unwrap())
                    .unwrap();
                info.contains("cluster_state:ok")
            })
        },
    );
}

fn dbsize(port: u16) -> i64 {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    redis::cmd("DBSIZE")
        .query(&mut c.get_connection().unwrap())
        .unwrap()
}

/// `rclust reshard` of `slots` slots between two masters, given by address.
fn rclust_reshard(seed: &str, from: u16, to: u16, slots: usize) {
    let out = rclust()
        .args(["reshard", seed, "--from", &format!("127.0.0.1:{from}")])
        .args([
            "--to",
            &format!("127.0.0.1:{to}"),
            "--slots",
            &slots.to_string(),
            "--yes",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn check_passes(addr: &str) -> bool {
    Command::new("redis-cli")
        .args(["--cluster", "check", addr])
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn redis_cli_reshard_moves_every_key_and_replicas_follow() {
    let opts = ServerOpts {
        node_timeout_ms: 1000,
        ..Default::default()
    };
    let nodes: Vec<NodeServer> = (0..6).map(|_| NodeServer::start(opts.clone())).collect();
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr()).collect();
    let mut args = vec!["--cluster", "create"];
    args.extend(addrs.iter().map(String::as_str));
    args.extend(["--cluster-replicas", "1", "--cluster-yes"]);
    cli_ok(&args);
    wait_until(Duration::from_secs(30), "a converged cluster", || {
        check_passes(&addrs[0])
    });
    let ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
    wait_state_ok(&ports);
    // Slots move one by one (several commands and a nodes.conf save each): 100 keep
    // the test short while 1000 keys move.
    let data = load_cluster(&ports, key_names(2000, 100));
    let masters = master_ports(ports[0]);
    let (from, to) = (myid(masters[0]), myid(masters[1]));
    cli_ok(&[
        "--cluster",
        "reshard",
        &addrs[0],
        "--cluster-from",
        &from,
        "--cluster-to",
        &to,
        "--cluster-slots",
        "100",
        "--cluster-yes",
    ]);
    assert_cluster_has(&ports, &data);
    wait_until(
        Duration::from_secs(20),
        "redis-cli --cluster check passes",
        || check_passes(&addrs[0]),
    );
    // And rclust's own reshard moves them on.
    rclust_reshard(&addrs[0], masters[1], masters[2], 100);
    assert_cluster_has(&ports, &data);
    let total: i64 = masters.iter().map(|p| dbsize(*p)).sum();
    assert_eq!(total, 2000);
    // Replicas hold what their masters hold: the moves reached them as RESTOREs and DELs.
    wait_until(
        Duration::from_secs(10),
        "replicas agree with masters",
        || {
            let all: i64 = ports.iter().map(|p| dbsize(*p)).sum();
            all == 4000
        },
    );
}

#[test]
fn redis_cli_reshard_between_rclust_node_and_redis_server() {
    require_redis!();
    let opts = ServerOpts {
        node_timeout_ms: 2000,
        ..Default::default()
    };
    let redis: Vec<RedisServer> = (0..2).map(|_| RedisServer::start(opts.clone())).collect();
    let nodes: Vec<NodeServer> = (0..2).map(|_| NodeServer::start(opts.clone())).collect();
    let mut addrs: Vec<String> = redis.iter().map(|n| n.addr()).collect();
    addrs.extend(nodes.iter().map(|n| n.addr()));
    let mut args = vec!["--cluster", "create"];
    args.extend(addrs.iter().map(String::as_str));
    args.extend(["--cluster-replicas", "0", "--cluster-yes"]);
    cli_ok(&args);
    wait_until(Duration::from_secs(30), "a converged cluster", || {
        addrs.iter().all(|a| check_passes(a))
    });
    let ports: Vec<u16> = redis
        .iter()
        .map(|n| n.port)
        .chain(nodes.iter().map(|n| n.port))
        .collect();
    wait_state_ok(&ports);
    let data = load_cluster(&ports, key_names(1000, 100));
    // redis-server -> rclust-node, then rclust-node -> redis-server.
    for (from, to) in [(ports[0], ports[2]), (ports[3], ports[1])] {
        cli_ok(&[
            "--cluster",
            "reshard",
            &addrs[0],
            "--cluster-from",
            &myid(from),
            "--cluster-to",
            &myid(to),
            "--cluster-slots",
            "100",
            "--cluster-yes",
        ]);
        assert_cluster_has(&ports, &data);
    }
    wait_until(
        Duration::from_secs(20),
        "redis-cli --cluster check passes",
        || {
            Command::new("redis-cli")
                .args(["--cluster", "check", &addrs[3]])
                .output()
                .unwrap()
                .status
                .success()
        },
    );
    // rclust reshard: redis-server -> rclust-node -> redis-server again.
    for (from, to) in [(ports[1], ports[3]), (ports[3], ports[0])] {
        rclust_reshard(&addrs[0], from, to, 100);
        assert_cluster_has(&ports, &data);
    }
    let total: i64 = ports.iter().map(|p| dbsize(*p)).sum();
    assert_eq!(total, 1000);
}
