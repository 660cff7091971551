//! The CLI against Valkey 9 (`valkey-server`): create and check as on redis-server; slot
//! moves with Valkey's atomic migration and forced key by key, in every database of a
//! `cluster-databases 4` cluster, TTLs kept; a master emptied with replicas (NOREPLICAS);
//! a stalled atomic job cancelled by --timeout and by Ctrl-C. Verified with independent
//! clients and `redis-cli --cluster check`.

use std::time::Duration;

use crate::create::create_cluster_of;
use crate::harness::{
    assert_exit, assert_redis_cli_check, rclust, value_of, wait_until, ClusterClient, Process,
    ServerOpts, ValkeyServer,
};
use crate::require_valkey;
use rclust::model::key_slot;

#[test]
fn create_and_check_on_valkey() {
    require_valkey!();
    let nodes = ValkeyServer::cluster_nodes(6);
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr()).collect();
    create_cluster_of(&addrs, 1);
    for n in &nodes {
        let info: String = n.cmd(&["CLUSTER", "INFO"]);
        assert!(info.contains("cluster_state:ok"), "{}: {info}", n.addr());
        assert!(
            info.contains("cluster_known_nodes:6"),
            "{}: {info}",
            n.addr()
        );
    }
    let version: String = nodes[0].cmd(&["INFO", "server"]);
    assert!(version.contains("valkey_version:9."), "{version}");
    let out = rclust().args(["check", &addrs[0]]).output().unwrap();
    assert_exit(&out, 0);
}

/// Valkey nodes with a short node timeout and `cluster-databases 4`.
fn valkey_nodes(n: usize) -> Vec<ValkeyServer> {
    (0..n)
        .map(|_| {
            ValkeyServer::start_with_conf(
                ServerOpts {
                    node_timeout_ms: 1000,
                    ..ServerOpts::default()
                },
                "cluster-databases 4\n",
            )
        })
        .collect()
}

fn addrs_of(nodes: &[ValkeyServer]) -> Vec<String> {
    nodes.iter().map(|n| n.addr()).collect()
}

/// `masters` masters (with `replicas` each) created by rclust, plus `empty` masters that
/// joined with no slots.
fn valkey_cluster(masters: usize, replicas: usize, empty: usize) -> Vec<ValkeyServer> {
    let built = masters * (1 + replicas);
    let nodes = valkey_nodes(built + empty);
    create_cluster_of(&addrs_of(&nodes[..built]), replicas);
    for n in &nodes[built..] {
        let _: String = n.cmd(&["CLUSTER", "MEET", "127.0.0.1", &nodes[0].port.to_string()]);
    }
    wait_until(
        Duration::from_secs(30),
        "every node to know every other",
        || {
            nodes.iter().all(|n| {
                let view = n.cluster_nodes_text();
                view.lines().count() == nodes.len() && !view.contains("handshake")
            })
        },
    );
    rclust()
        .args(["check", &nodes[0].addr(), "--wait", "30", "-q"])
        .assert()
        .code(0);
    nodes
}

fn own_slots(node: &Process) -> usize {
    let view = node.cluster_nodes_text();
    let me = view.lines().find(|l| l.contains("myself")).unwrap();
    me.split(' ')
        .skip(8)
        .filter(|t| !t.starts_with('['))
        .map(|t| match t.split_once('-') {
            Some((a, b)) => b.parse::<usize>().unwrap() - a.parse::<usize>().unwrap() + 1,
            None => 1,
        })
        .sum()
}

/// Writes `n` keys `{prefix}{i}` with a TTL into database `db`, each on its slot's owner.
fn load_db(nodes: &[ValkeyServer], db: u32, prefix: &str, n: usize) {
    for node in nodes.iter().filter(|n| is_master(n)) {
        let mut conn = redis::Client::open(format!("redis://{}/{db}", node.addr()))
            .unwrap()
            .get_connection()
            .unwrap();
        let owned = own_slot_set(node);
        let mut pipe = redis::pipe();
        for i in 0..n {
            let key = format!("{prefix}{i}");
            if owned.contains(&key_slot(key.as_bytes())) {
                pipe.cmd("SET")
                    .arg(&key)
                    .arg(value_of(prefix, i))
                    .arg("EX")
                    .arg(3600)
                    .ignore();
            }
        }
        pipe.query::<()>(&mut conn).unwrap();
    }
}

fn is_master(node: &Process) -> bool {
    let info: String = node.cmd(&["INFO", "replication"]);
    info.contains("role:master")
}

fn own_slot_set(node: &Process) -> std::collections::HashSet<u16> {
    let view = node.cluster_nodes_text();
    let me = view.lines().find(|l| l.contains("myself")).unwrap();
    let mut out = std::collections::HashSet::new();
    for t in me.split(' ').skip(8).filter(|t| !t.starts_with('[')) {
        let (a, b) = t.split_once('-').unwrap_or((t, t));
        out.extend(a.parse::<u16>().unwrap()..=b.parse::<u16>().unwrap());
    }
    out
}

/// Every key of database `db` on the masters, each with its value and a TTL still set.
fn verify_db(nodes: &[ValkeyServer], db: u32, prefix: &str, n: usize) {
    let mut found = std::collections::HashMap::new();
    for node in nodes.iter().filter(|n| is_master(n)) {
        let mut conn = redis::Client::open(format!("redis://{}/{db}", node.addr()))
            .unwrap()
            .get_connection()
            .unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query(&mut conn)
            .unwrap();
        let owned = own_slot_set(node);
        for k in keys {
            assert!(
                owned.contains(&key_slot(k.as_bytes())),
                "{k} (db {db}) is on {} which does not own its slot",
                node.addr()
            );
            let value: String = redis::cmd("GET").arg(&k).query(&mut conn).unwrap();
            let ttl: i64 = redis::cmd("TTL").arg(&k).query(&mut conn).unwrap();
            assert!(ttl > 0, "{k} (db {db}) lost its TTL: {ttl}");
            found.insert(k, value);
        }
    }
    for i in 0..n {
        let key = format!("{prefix}{i}");
        assert_eq!(
            found.get(&key),
            Some(&value_of(prefix, i)),
            "{key} (db {db}) lost or wrong"
        );
    }
    assert_eq!(found.len(), n, "db {db}: unexpected extra keys");
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `info` counts `keys` in every database, and rclust's and redis-cli's checks pass.
fn assert_counted_and_clean(seeds: &[String], keys: u64) {
    let out = rclust()
        .args(["info", &seeds[1], "--json"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["total_keys"], keys, "{doc}");
    rclust().args(["check", &seeds[2]]).assert().code(0);
    assert_redis_cli_check(&seeds[0]);
}

#[test]
fn reshard_on_valkey_moves_every_database_atomically_and_key_by_key() {
    require_valkey!();
    let nodes = valkey_cluster(3, 0, 1);
    let seeds = addrs_of(&nodes);
    let mut client = ClusterClient::new(&seeds);
    client.load("v:", 3000);
    load_db(&nodes, 2, "d2:", 1000);

    // Atomic (the default where every node involved is Valkey 9).
    let out = rclust()
        .args(["reshard", &seeds[0], "--from", "all", "--to", &seeds[3]])
        .args(["--slots", "2000", "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("atomic slot migration"),
        "{}",
        stderr(&out)
    );
    assert_eq!(own_slots(&nodes[3]), 2000);
    client.verify("v:", 3000);
    verify_db(&nodes, 2, "d2:", 1000);

    // Forced key by key, back to one of the others: every database moves too.
    let out = rclust()
        .args(["reshard", &seeds[0], "--from", &seeds[3], "--to", &seeds[1]])
        .args(["--slots", "1500", "--yes", "--key-by-key"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert!(!stderr(&out).contains("atomic"), "{}", stderr(&out));
    assert_eq!(own_slots(&nodes[3]), 500);
    client.verify("v:", 3000);
    verify_db(&nodes, 2, "d2:", 1000);

    // info counts every database.
    assert_counted_and_clean(&seeds, 4000);
}

#[test]
fn emptying_a_valkey_master_with_replicas_key_by_key_then_atomically_back() {
    require_valkey!();
    let nodes = valkey_cluster(3, 1, 0);
    let seeds = addrs_of(&nodes);
    let mut client = ClusterClient::new(&seeds);
    client.load("w:", 2000);
    let master = nodes
        .iter()
        .find(|n| is_master(n) && own_slots(n) > 0)
        .unwrap();
    // The master's last SETSLOT waits for replicas that may migrate away (NOREPLICAS).
    let out = rclust()
        .args(["rebalance", &seeds[0], "--weight"])
        .arg(format!("{}=0", master.addr()))
        .args(["--yes", "--key-by-key"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(own_slots(master), 0);
    client.verify("w:", 2000);
    rclust()
        .args(["check", &seeds[0], "--wait", "30", "-q"])
        .assert()
        .code(0);
    // Another master emptied the same way, atomically this time.
    let other = nodes
        .iter()
        .find(|n| is_master(n) && own_slots(n) > 0 && n.port != master.port)
        .unwrap();
    let out = rclust()
        .args(["rebalance", &seeds[0], "--weight"])
        .arg(format!("{}=0", other.addr()))
        .arg("--yes")
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("atomic slot migration"),
        "{}",
        stderr(&out)
    );
    assert_eq!(own_slots(other), 0);
    client.verify("w:", 2000);
    let owners: Vec<usize> = nodes.iter().map(|n| own_slots(n)).collect();
    assert_eq!(
        owners.iter().filter(|&&s| s == 16384).count(),
        1,
        "{owners:?}"
    );
    rclust()
        .args(["check", &seeds[1], "--wait", "30", "-q"])
        .assert()
        .code(0);
}

/// A slow fork on `node`: a migration from it waits to snapshot and makes no progress.
fn start_slow_fork(node: &Process) {
    let _: String = node.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "1000000"]);
    let _: String = node.cmd(&["BGSAVE"]);
}

/// Ends the slow fork (ours: the child of the server this test started).
fn end_slow_fork(node: &Process) {
    let info: String = node.cmd(&["INFO", "server"]);
    let pid = info
        .lines()
        .find_map(|l| l.strip_prefix("process_id:"))
        .unwrap()
        .trim()
        .to_string();
    let children = std::process::Command::new("pgrep")
        .args(["-P", &pid])
        .output()
        .unwrap();
    // SIGUSR1 is how the server itself ends a child without counting it as an error (the
    // child ignores SIGTERM while it sleeps between keys).
    for child in String::from_utf8_lossy(&children.stdout).split_whitespace() {
        let _ = std::process::Command::new("kill")
            .args(["-USR1", child])
            .status();
    }
    let _: String = node.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    wait_until(Duration::from_secs(10), "the slow fork to end", || {
        let info: String = node.cmd(&["INFO", "persistence"]);
        info.contains("rdb_bgsave_in_progress:0")
    });
}

/// Runs rclust with `args` and `more`, sends it Ctrl-C once `jobs` migrations from the
/// stalled `source` are waiting to snapshot, and returns its exit code and stderr.
fn interrupt_stalled(
    source: &Process,
    args: &[&str],
    more: &[&str],
    jobs: usize,
) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("rclust"))
        .args(args)
        .args(more)
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_until(Duration::from_secs(20), "the job to be submitted", || {
        let v: redis::Value = source.cmd(&["CLUSTER", "GETSLOTMIGRATIONS"]);
        format!("{v:?}").matches("waiting-to-snapshot").count() == jobs
    });
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    (status.code(), err)
}

#[test]
fn a_stalled_atomic_job_is_cancelled_by_timeout_or_ctrl_c_and_rolls_back() {
    require_valkey!();
    let nodes = valkey_cluster(3, 0, 1);
    let seeds = addrs_of(&nodes);
    let mut client = ClusterClient::new(&seeds);
    client.load("s:", 1000);
    start_slow_fork(&nodes[0]);
    let before = own_slots(&nodes[0]);
    let out = rclust()
        .args(["reshard", &seeds[0], "--from", &seeds[0], "--to", &seeds[3]])
        .args(["--slots", "100", "--yes", "--timeout", "1500"])
        .output()
        .unwrap();
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("waiting-to-snapshot") && err.contains("rolled back"),
        "{err}"
    );
    assert_eq!(own_slots(&nodes[0]), before);
    assert_eq!(own_slots(&nodes[3]), 0);

    // Ctrl-C cancels the job under way: exit 1, nothing moved, nothing left open.
    let (code, err) = interrupt_stalled(
        &nodes[0],
        &["reshard", &seeds[0], "--from", &seeds[0], "--to", &seeds[3]],
        &["--slots", "100", "--yes", "--timeout", "60000"],
        1,
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cancelling"), "{err}");
    assert_eq!(own_slots(&nodes[0]), before);

    end_slow_fork(&nodes[0]);
    rclust()
        .args(["check", &seeds[1], "--wait", "30", "-q"])
        .assert()
        .code(0);
    client.verify("s:", 1000);
}

#[test]
fn valkeycli_auth_and_primary_spellings() {
    require_valkey!();
    let nodes: Vec<ValkeyServer> = (0..3)
        .map(|_| {
            ValkeyServer::start(ServerOpts {
                password: Some("vk-secret".into()),
                ..ServerOpts::default()
            })
        })
        .collect();
    let seeds = addrs_of(&nodes);
    // Without a password: refused, naming the node and the ways to give one.
    let out = rclust().args(["check", &seeds[0]]).output().unwrap();
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("VALKEYCLI_AUTH"), "{}", stderr(&out));
    let out = rclust()
        .arg("create")
        .args(&seeds)
        .args(["--yes", "--timeout", "30"])
        .env("VALKEYCLI_AUTH", "vk-secret")
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let out = rclust()
        .args(["call", &seeds[1], "--primaries", "--", "PING"])
        .env("VALKEYCLI_AUTH", "vk-secret")
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).matches("PONG").count(),
        3
    );
    // REDISCLI_AUTH wins over VALKEYCLI_AUTH, like -a over both.
    let out = rclust()
        .args(["check", &seeds[2]])
        .env("REDISCLI_AUTH", "vk-secret")
        .env("VALKEYCLI_AUTH", "wrong")
        .output()
        .unwrap();
    assert_exit(&out, 0);
}

/// `nodes[0]` is still a member serving its `slots` slots, and the cluster checks clean.
fn assert_still_whole(nodes: &[ValkeyServer], slots: usize) {
    assert_eq!(own_slots(&nodes[0]), slots);
    assert!(nodes[1].cluster_nodes_text().contains(&nodes[0].myid()));
    rclust()
        .args(["check", &nodes[1].addr(), "--wait", "30", "-q"])
        .assert()
        .code(0);
}

#[test]
fn del_node_drains_a_valkey_master_atomically_and_a_cancelled_drain_keeps_it_whole() {
    require_valkey!();
    let nodes = valkey_cluster(4, 0, 0);
    let seeds = addrs_of(&nodes);
    let mut client = ClusterClient::new(&seeds);
    client.load("dn:", 2000);
    load_db(&nodes, 3, "d3:", 500);
    let victim = &nodes[0];
    let before = own_slots(victim);
    let id = victim.myid();

    // Stalled: --move-timeout cancels the jobs, which roll back; the node stays, whole.
    start_slow_fork(victim);
    let out = rclust()
        .args(["del-node", &seeds[1], &seeds[0], "--drain", "--yes"])
        .args(["--move-timeout", "1500"])
        .output()
        .unwrap();
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("rolled back") && err.contains("no slot is left open"),
        "{err}"
    );
    assert_still_whole(&nodes, before);

    // Ctrl-C: the three jobs (one per other master) are cancelled; exit 1, not removed.
    let (code, err) = interrupt_stalled(
        victim,
        &["del-node", &seeds[1], &seeds[0], "--drain", "--yes"],
        &[],
        3,
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("cancelling") && err.contains("not removed"),
        "{err}"
    );
    assert_still_whole(&nodes, before);
    client.verify("dn:", 2000);
    verify_db(&nodes, 3, "d3:", 500);

    // Unstalled: drained atomically, then forgotten everywhere.
    end_slow_fork(victim);
    let out = rclust()
        .args(["del-node", &seeds[1], &seeds[0], "--drain", "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("atomic slot migration"),
        "{}",
        stderr(&out)
    );
    for n in &nodes[1..] {
        assert!(
            !n.cluster_nodes_text().contains(&id),
            "{} knows it",
            n.addr()
        );
    }
    let shares: Vec<usize> = nodes[1..].iter().map(|n| own_slots(n)).collect();
    assert_eq!(shares.iter().sum::<usize>(), 16384, "{shares:?}");
    assert!(
        shares.iter().all(|&s| s.abs_diff(16384 / 3) <= 1),
        "{shares:?}"
    );
    ClusterClient::new(&seeds[1..]).verify("dn:", 2000);
    verify_db(&nodes[1..], 3, "d3:", 500);
    assert_redis_cli_check(&seeds[1]);
}

/// A connection to `node` with database `db` selected.
fn db_conn(node: &Process, db: u32) -> redis::Connection {
    redis::Client::open(format!("redis://{}/{db}", node.addr()))
        .unwrap()
        .get_connection()
        .unwrap()
}

fn count_in_slot(node: &Process, db: u32, slot: u16) -> i64 {
    redis::cmd("CLUSTER")
        .arg("COUNTKEYSINSLOT")
        .arg(slot)
        .query(&mut db_conn(node, db))
        .unwrap()
}

#[test]
fn multi_database_clusters_in_create_fix_import_info_and_check() {
    require_valkey!();
    let nodes = valkey_nodes(3);
    let seeds = addrs_of(&nodes);

    // create: a key in database 3 only makes a node not empty.
    let slot = key_slot(b"stray");
    let _: String = nodes[2].cmd(&["CONFIG", "SET", "cluster-require-full-coverage", "no"]);
    let _: String = nodes[2].cmd(&["CLUSTER", "ADDSLOTS", &slot.to_string()]);
    wait_until(Duration::from_secs(10), "the lone node to serve", || {
        let info: String = nodes[2].cmd(&["CLUSTER", "INFO"]);
        info.contains("cluster_state:ok")
    });
    let _: () = redis::cmd("SET")
        .arg("stray")
        .arg("1")
        .query(&mut db_conn(&nodes[2], 3))
        .unwrap();
    let _: String = nodes[2].cmd(&["CLUSTER", "DELSLOTS", &slot.to_string()]);
    let out = rclust()
        .arg("create")
        .args(&seeds)
        .arg("--yes")
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains(&format!("{}: not empty: it holds 1 key(s)", seeds[2])),
        "{}",
        stderr(&out)
    );
    let _: String = nodes[2].cmd(&["FLUSHALL"]);
    let _: String = nodes[2].cmd(&["CONFIG", "SET", "cluster-require-full-coverage", "yes"]);
    create_cluster_of(&seeds, 0);

    // fix: keys of database 2 on a node importing a slot it does not own are drained into
    // the owner (the owner's own key of that database stays).
    let key = "fx{multi}";
    let slot = key_slot(key.as_bytes());
    let owner = nodes
        .iter()
        .find(|n| own_slot_set(n).contains(&slot))
        .unwrap();
    let other = nodes.iter().find(|n| n.port != owner.port).unwrap();
    let _: () = redis::cmd("SET")
        .arg("own{multi}")
        .arg("o")
        .query(&mut db_conn(owner, 2))
        .unwrap();
    let _: String = other.cmd(&[
        "CLUSTER",
        "SETSLOT",
        &slot.to_string(),
        "IMPORTING",
        &owner.myid(),
    ]);
    let _: ((), ()) = redis::pipe()
        .cmd("ASKING")
        .cmd("SET")
        .arg(key)
        .arg("stray")
        .query(&mut db_conn(other, 2))
        .unwrap();
    assert_eq!(count_in_slot(other, 2, slot), 1);
    rclust().args(["check", &seeds[0]]).assert().code(1);
    let out = rclust().args(["fix", &seeds[0], "--yes"]).output().unwrap();
    assert_exit(&out, 0);
    assert_eq!(count_in_slot(other, 2, slot), 0);
    assert_eq!(count_in_slot(owner, 2, slot), 2);
    let value: String = redis::cmd("GET")
        .arg(key)
        .query(&mut db_conn(owner, 2))
        .unwrap();
    assert_eq!(value, "stray");

    // import: a standalone server's database 1 into the cluster's database 2.
    let source = ValkeyServer::start(ServerOpts {
        cluster: false,
        ..ServerOpts::default()
    });
    let mut pipe = redis::pipe();
    for i in 0..300 {
        pipe.cmd("SET")
            .arg(format!("imp:{i}"))
            .arg(value_of("imp:", i))
            .arg("EX")
            .arg(3600)
            .ignore();
    }
    pipe.query::<()>(&mut db_conn(&source, 1)).unwrap();
    let out = rclust()
        .args(["import", &seeds[0], "--from", &source.addr()])
        .args(["--from-db", "1", "--to-db", "4", "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("cluster-databases 5"),
        "{}",
        stderr(&out)
    );
    let out = rclust()
        .args(["import", &seeds[0], "--from", &source.addr()])
        .args(["--from-db", "1", "--to-db", "2", "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    verify_db(&nodes, 2, "imp:", 300);
    let left: i64 = redis::cmd("DBSIZE")
        .query(&mut db_conn(&source, 1))
        .unwrap();
    assert_eq!(left, 0);

    // info counts every database.
    assert_counted_and_clean(&seeds, 302);
}

/// Each node's master id, from `view` (CLUSTER NODES text), by node id.
fn masters_in(view: &str) -> std::collections::HashMap<String, String> {
    view.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (f[3] != "-").then(|| (f[0].to_string(), f[3].to_string()))
        })
        .collect()
}

fn warning_kinds(seed: &str) -> Vec<String> {
    let out = rclust().args(["check", seed, "--json"]).output().unwrap();
    assert_exit(&out, 0);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn availability_zones_count_for_placement_in_create_add_node_and_check() {
    require_valkey!();
    let zoned = |zone: &str| {
        ValkeyServer::start_with_conf(
            ServerOpts {
                node_timeout_ms: 1000,
                ..ServerOpts::default()
            },
            &format!("availability-zone {zone}\n"),
        )
    };
    // In this order a plan by host alone (one host here) gives the z2 master the z2 spare.
    let zones = ["z1", "z2", "z3", "z3", "z2", "z1", "z1"];
    let mut nodes: Vec<ValkeyServer> = zones[..6].iter().map(|z| zoned(z)).collect();
    create_cluster_of(&addrs_of(&nodes), 1);
    nodes.push(zoned("z1"));
    let zone_of = |nodes: &[ValkeyServer], id: &str| {
        zones[nodes.iter().position(|n| n.myid() == id).unwrap()]
    };
    let pairs = masters_in(&nodes[0].cluster_nodes_text());
    assert_eq!(pairs.len(), 3);
    for (replica, master) in &pairs {
        assert_ne!(
            zone_of(&nodes, replica),
            zone_of(&nodes, master),
            "{pairs:?}"
        );
    }
    assert!(!warning_kinds(&nodes[0].addr()).contains(&"shard_one_zone".to_string()));

    // A new replica in z1 goes to a master in another zone (every master has one).
    let out = rclust()
        .args([
            "add-node",
            &nodes[6].addr(),
            &nodes[0].addr(),
            "--replica",
            "--yes",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let pairs = masters_in(&nodes[0].cluster_nodes_text());
    let new_master = &pairs[&nodes[6].myid()];
    assert_ne!(zone_of(&nodes, new_master), "z1", "{pairs:?}");

    // A shard whose one replica moves into its master's zone is warned about.
    let (replica, master) = pairs
        .iter()
        .find(|(_, m)| pairs.values().filter(|x| x == m).count() == 1)
        .unwrap();
    let replica = nodes.iter().find(|n| &n.myid() == replica).unwrap();
    let _: String = replica.cmd(&[
        "CONFIG",
        "SET",
        "availability-zone",
        zone_of(&nodes, master),
    ]);
    let kinds = warning_kinds(&nodes[0].addr());
    assert_eq!(
        kinds.iter().filter(|k| *k == "shard_one_zone").count(),
        1,
        "{kinds:?}"
    );
    let out = rclust().args(["check", &nodes[1].addr()]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("in zone {}", zone_of(&nodes, master))),
        "{text}"
    );
}

#[test]
fn announced_hostnames_are_shown_and_accepted_as_node_names() {
    require_valkey!();
    let nodes: Vec<ValkeyServer> = (1..=3)
        .map(|i| {
            ValkeyServer::start_with_conf(
                ServerOpts {
                    node_timeout_ms: 1000,
                    ..ServerOpts::default()
                },
                &format!(
                    "cluster-announce-hostname node-{i}.test\ncluster-preferred-endpoint-type hostname\n"
                ),
            )
        })
        .collect();
    let seeds = addrs_of(&nodes);
    create_cluster_of(&seeds, 0);
    wait_until(Duration::from_secs(20), "hostnames to be gossiped", || {
        nodes[0].cluster_nodes_text().matches(".test").count() == 3
    });
    let out = rclust().args(["nodes", &seeds[0]]).output().unwrap();
    assert_exit(&out, 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(node-2.test)"), "{text}");
    let out = rclust().args(["check", &seeds[0]]).output().unwrap();
    assert_exit(&out, 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("hostname node-3.test") && text.contains("redirected by: hostname"),
        "{text}"
    );
    assert!(
        !text.contains("announce(s) none") && !text.contains("differ in"),
        "{text}"
    );

    // Names: a bare hostname and hostname:port.
    let to = format!("node-2.test:{}", nodes[1].port);
    let out = rclust()
        .args(["reshard", &seeds[0], "--from", "node-1.test", "--to", &to])
        .args(["--slots", "10", "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(own_slots(&nodes[1]), 5461 + 10);
    let out = rclust()
        .args(["reshard", &seeds[0], "--from", "node-9.test", "--to", &to])
        .args(["--slots", "10", "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("hostname"), "{}", stderr(&out));

    // A node that stops announcing one gets '?' from nodes redirecting by hostname.
    let _: String = nodes[2].cmd(&["CONFIG", "SET", "cluster-announce-hostname", ""]);
    wait_until(
        Duration::from_secs(20),
        "the hostname to be dropped",
        || nodes[0].cluster_nodes_text().matches(".test").count() == 2,
    );
    let out = rclust()
        .args(["check", &seeds[0], "--json"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["preferred_endpoint_type"], "hostname");
    let warned: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["kind"].as_str())
        .filter(|k| *k != "no_replica")
        .collect();
    assert_eq!(warned, ["hostname_missing"], "{doc}");
}
