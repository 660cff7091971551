//! The CLI against Valkey 9 (`valkey-server`): create and check as on redis-server; slot
//! moves with Valkey's atomic migration and forced key by key, in every database of a
//! `cluster-databases 4` cluster, TTLs kept; a master emptied with replicas (NOREPLICAS);
//! a stalled atomic job cancelled by --timeout and by Ctrl-C. Verified with independent
//! clients and `redis-cli --cluster check`.

use std::time::Duration;

use crate::create::create_cluster_of;
use crate::harness::{
    assert_exit, rclust, value_of, wait_until, ClusterClient, Process, ServerOpts, ValkeyServer,
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
    let out = rclust()
        .args(["info", &seeds[0], "--json"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["total_keys"], 4000, "{doc}");
    rclust().args(["check", &seeds[2]]).assert().code(0);
    let cli = std::process::Command::new("redis-cli")
        .args(["--cluster", "check", &seeds[1]])
        .output()
        .unwrap();
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stdout)
    );
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

#[test]
fn a_stalled_atomic_job_is_cancelled_by_timeout_or_ctrl_c_and_rolls_back() {
    require_valkey!();
    let nodes = valkey_cluster(3, 0, 1);
    let seeds = addrs_of(&nodes);
    let mut client = ClusterClient::new(&seeds);
    client.load("s:", 1000);
    // A slow fork on the source: its migration waits to snapshot and makes no progress.
    let _: String = nodes[0].cmd(&["CONFIG", "SET", "rdb-key-save-delay", "1000000"]);
    let _: String = nodes[0].cmd(&["BGSAVE"]);
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
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("rclust"))
        .args(["reshard", &seeds[0], "--from", &seeds[0], "--to", &seeds[3]])
        .args(["--slots", "100", "--yes", "--timeout", "60000"])
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_until(Duration::from_secs(20), "the job to be submitted", || {
        let v: redis::Value = nodes[0].cmd(&["CLUSTER", "GETSLOTMIGRATIONS"]);
        format!("{v:?}").matches("waiting-to-snapshot").count() == 1
    });
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("cancelling"), "{err}");
    assert_eq!(own_slots(&nodes[0]), before);

    // End the slow fork (ours: the child of the server this test started).
    let pid: String = nodes[0].cmd::<String>(&["INFO", "server"]);
    let pid = pid
        .lines()
        .find_map(|l| l.strip_prefix("process_id:"))
        .unwrap()
        .trim()
        .to_string();
    let children = std::process::Command::new("pgrep")
        .args(["-P", &pid])
        .output()
        .unwrap();
    for child in String::from_utf8_lossy(&children.stdout).split_whitespace() {
        let _ = std::process::Command::new("kill").arg(child).status();
    }
    let _: String = nodes[0].cmd(&["CONFIG", "SET", "rdb-key-save-delay", "0"]);
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
