//! Clusters of real `rclust-node` processes driven by tools nobody here wrote
//! (`redis-cli --cluster`, redis-py's RedisCluster) and by `rclust`, alone and mixed with
//! real redis-server 7 nodes.

use std::process::Command;
use std::time::Duration;

use crate::create::create_cluster_of;
use crate::harness::{
    assert_exit, assert_redis_cli_check, rclust, wait_until, Kind, NodeServer, Process,
    RedisServer, ServerOpts,
};
use crate::require_redis;

fn nodes(n: usize) -> Vec<NodeServer> {
    (0..n)
        .map(|_| NodeServer::start(ServerOpts::default()))
        .collect()
}

fn wait_healthy(addr: &str) {
    let out = rclust()
        .args(["check", addr, "--wait", "30"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
}

#[test]
fn redis_cli_creates_and_checks_an_rclust_node_cluster() {
    require_redis!();
    let nodes = nodes(3);
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr()).collect();
    let out = Command::new("redis-cli")
        .args(["--cluster", "create"])
        .args(&addrs)
        .args(["--cluster-replicas", "0", "--cluster-yes"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    wait_healthy(&addrs[0]);
    assert_redis_cli_check(&addrs[1]);
}

/// redis-py is the client most scripts use; it must follow MOVED on our nodes.
fn redis_py_round_trip(port: u16, keys: usize) {
    let have_py = Command::new("python3")
        .args(["-c", "import redis.cluster"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !have_py {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "redis-py is missing under CI=true (pip install redis)"
        );
        eprintln!("skipping redis-py: not installed");
        return;
    }
    let script = format!(
        r#"
import redis.cluster as rc
c = rc.RedisCluster(host="127.0.0.1", port={port}, decode_responses=True)
for i in range({keys}):
    c.set(f"key:{{i}}", f"value:{{i}}")
bad = [i for i in range({keys}) if c.get(f"key:{{i}}") != f"value:{{i}}"]
assert not bad, bad[:10]
print("ok")
"#
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "redis-py: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn rclust_creates_a_cluster_that_redis_py_uses() {
    require_redis!();
    let nodes = nodes(3);
    create_cluster_of(&nodes.iter().map(|n| n.addr()).collect::<Vec<_>>(), 0);
    assert_redis_cli_check(&nodes[0].addr());
    redis_py_round_trip(nodes[1].port, 20_000);
    // Every master holds a share of the keys, and none is lost.
    let sizes: Vec<i64> = nodes.iter().map(|n| n.cmd(&["DBSIZE"])).collect();
    assert_eq!(sizes.iter().sum::<i64>(), 20_000, "{sizes:?}");
    assert!(sizes.iter().all(|s| *s > 5000), "{sizes:?}");
}

#[test]
fn restarted_node_keeps_id_slots_and_epoch() {
    require_redis!();
    let mut nodes = nodes(3);
    create_cluster_of(&nodes.iter().map(|n| n.addr()).collect::<Vec<_>>(), 0);
    let myself = |n: &Process| {
        n.cluster_nodes_text()
            .lines()
            .find(|l| l.contains("myself"))
            .map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                (f[0].to_string(), f[6].to_string(), f[8..].join(" "))
            })
            .unwrap()
    };
    let before = myself(&nodes[1]);
    let _: redis::RedisResult<()> = redis::cmd("SHUTDOWN")
        .arg("NOSAVE")
        .query(&mut nodes[1].client());
    let _ = nodes[1].wait_exit(Duration::from_secs(5));
    nodes[1].restart();
    assert_eq!(
        myself(&nodes[1]),
        before,
        "id, config epoch and slots survive a restart"
    );
    wait_healthy(&nodes[0].addr());
    // And after a crash (SIGKILL), from the last nodes.conf written.
    nodes[2].kill();
    let before = myself(&nodes[0]);
    nodes[2].restart();
    wait_healthy(&nodes[2].addr());
    assert_eq!(myself(&nodes[0]), before);
}

#[test]
fn mixed_cluster_of_redis_servers_and_rclust_nodes() {
    require_redis!();
    let ours = nodes(3);
    let theirs = RedisServer::cluster_nodes(3);
    let mut addrs: Vec<String> = theirs.iter().map(|n| n.addr()).collect();
    addrs.extend(ours.iter().map(|n| n.addr()));
    create_cluster_of(&addrs, 0);
    for a in &addrs {
        let out = Command::new("redis-cli")
            .args(["-u", &format!("redis://{a}"), "cluster", "info"])
            .output()
            .unwrap();
        let info = String::from_utf8_lossy(&out.stdout);
        assert!(
            info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:6"),
            "{a}: {info}"
        );
    }
    assert_redis_cli_check(&addrs[0]);
    assert_redis_cli_check(&addrs[5]);
    redis_py_round_trip(ours[0].port, 5_000);
    let total: i64 = ours.iter().map(|n| n.cmd::<i64>(&["DBSIZE"])).sum::<i64>()
        + theirs
            .iter()
            .map(|n| n.cmd::<i64>(&["DBSIZE"]))
            .sum::<i64>();
    assert_eq!(total, 5_000);
}

/// Replica migration, the same scenario on redis-server and on rclust-node: master 0 has
/// two replicas, masters 1 and 2 one each; when master 1's replica dies, one of master 0's
/// replicas moves to master 1 (Redis: once the dead replica is FAIL and the master has
/// stayed orphaned for 5 s).
fn replica_migration_on(kind: Kind) {
    if !kind.available() {
        return;
    }
    let opts = ServerOpts {
        node_timeout_ms: 1000,
        ..ServerOpts::default()
    };
    let mut procs: Vec<Process> = (0..7).map(|_| kind.start(opts.clone())).collect();
    let addrs: Vec<String> = procs[..3].iter().map(|n| n.addr()).collect();
    create_cluster_of(&addrs, 0);
    let master_ids: Vec<String> = procs[..3].iter().map(|p| p.myid()).collect();
    let seed_port = procs[0].port.to_string();
    let layout = [(3, 0), (4, 0), (5, 1), (6, 2)];
    for (r, master) in layout {
        let p = &procs[r];
        let _: () = p.cmd(&["CLUSTER", "MEET", "127.0.0.1", &seed_port]);
        let id = &master_ids[master];
        wait_until(
            Duration::from_secs(20),
            "the replica to know its master",
            || {
                let mut c = redis::cmd("CLUSTER");
                c.arg("REPLICATE").arg(id);
                c.query::<()>(&mut p.client()).is_ok()
            },
        );
    }
    wait_healthy(&addrs[0]);
    let replicas_of = |viewer: &Process, master: &str| -> Vec<String> {
        viewer
            .cluster_nodes_text()
            .lines()
            .filter(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                f.len() > 3 && f[2].contains("slave") && !f[2].contains("fail") && f[3] == master
            })
            .map(|l| l.split(' ').next().unwrap_or_default().to_string())
            .collect()
    };
    let ids: Vec<String> = procs.iter().map(|p| p.myid()).collect();
    for (r, master) in layout {
        assert!(
            replicas_of(&procs[0], &master_ids[master]).contains(&ids[r]),
            "{kind:?}: before the kill, node {r} should replicate master {master}:\n{}",
            procs[0].cluster_nodes_text()
        );
    }
    let movers = [ids[3].clone(), ids[4].clone()];
    procs[5].kill();
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    loop {
        let of1 = replicas_of(&procs[0], &master_ids[1]);
        if of1.len() == 1 && movers.contains(&of1[0]) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{kind:?}: no replica of master 0 moved to the orphaned master 1:\n{}",
            procs[0].cluster_nodes_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Exactly one moved: master 0 keeps the other, master 2 its own.
    assert_eq!(replicas_of(&procs[0], &master_ids[0]).len(), 1, "{kind:?}");
    assert_eq!(replicas_of(&procs[0], &master_ids[2]), [ids[6].clone()]);
}

#[test]
fn replica_migrates_to_an_orphaned_master_on_redis_server() {
    replica_migration_on(Kind::Redis);
}

#[test]
fn replica_migrates_to_an_orphaned_master_on_rclust_node() {
    replica_migration_on(Kind::Node);
}

/// What a client sees of `cluster-announce-hostname` and `cluster-preferred-endpoint-type`
/// (Redis's 27-endpoints): CLUSTER SLOTS entries, MOVED targets, hostname validation.
fn endpoints_seen_on(kind: Kind) -> Option<Vec<String>> {
    if !kind.available() {
        return None;
    }
    let procs: Vec<Process> = (0..3).map(|_| kind.start(ServerOpts::default())).collect();
    let addrs: Vec<String> = procs.iter().map(|n| n.addr()).collect();
    create_cluster_of(&addrs, 0);
    let set = |p: &Process, name: &str, value: &str| -> String {
        let mut c = redis::cmd("CONFIG");
        c.arg("SET").arg(name).arg(value);
        match c.query::<()>(&mut p.client()) {
            Ok(()) => "OK".into(),
            Err(e) => e.to_string(),
        }
    };
    set(&procs[0], "cluster-announce-hostname", "me.com");
    set(&procs[2], "cluster-announce-hostname", "them.com");
    let slots_text = |p: &Process| -> String {
        p.cli(&["--no-raw", "CLUSTER", "SLOTS"])
            .replace(&procs[0].port.to_string(), "P0")
            .replace(&procs[1].port.to_string(), "P1")
            .replace(&procs[2].port.to_string(), "P2")
            .lines()
            .map(str::trim)
            .map(|l| l.split_once(") ").map_or(l, |(_, rest)| rest).to_string())
            // Node ids differ between runs: the quoted 40-character lines go.
            .filter(|l| l.len() != 42)
            .collect::<Vec<_>>()
            .join(" ")
    };
    wait_until(Duration::from_secs(10), "hostnames to propagate", || {
        let t = slots_text(&procs[0]);
        t.contains("me.com") && t.contains("them.com")
    });
    // foo hashes to 12182 (node 2), barfoo to 6426 (node 1).
    let moved = |p: &Process, key: &str| -> String {
        let mut c = redis::cmd("SET");
        c.arg(key).arg("v");
        match c.query::<()>(&mut p.client()) {
            Ok(()) => "OK".into(),
            Err(e) => format!(
                "{:?} {}",
                e.kind(),
                e.redirect_node()
                    .map_or(String::new(), |(a, _)| a.to_string())
            ),
        }
        .replace(&procs[1].port.to_string(), "P1")
        .replace(&procs[2].port.to_string(), "P2")
    };
    let mut seen = Vec::new();
    for endpoint in ["ip", "hostname", "unknown-endpoint"] {
        seen.push(set(&procs[0], "cluster-preferred-endpoint-type", endpoint));
        seen.push(format!("{endpoint}: {}", slots_text(&procs[0])));
        seen.push(moved(&procs[0], "foo"));
        seen.push(moved(&procs[0], "barfoo"));
    }
    seen.push(set(
        &procs[0],
        "cluster-announce-hostname",
        &"x".repeat(256),
    ));
    seen.push(set(&procs[0], "cluster-announce-hostname", "?.com"));
    seen.push(set(&procs[0], "cluster-announce-hostname", "a\r\nb"));
    Some(seen)
}

#[test]
fn hostnames_and_preferred_endpoints_as_redis_server_shows_them() {
    let (Some(redis), Some(ours)) = (
        endpoints_seen_on(Kind::Redis),
        endpoints_seen_on(Kind::Node),
    ) else {
        return;
    };
    assert_eq!(ours, redis);
}

/// A shard channel in a slot being migrated is still served where the slot is: SPUBLISH
/// and SSUBSCRIBE get no ASK (Redis counts channels as present in every slot), while a
/// missing key of that slot is asked for at the importing node.
fn shard_channels_in_a_migrating_slot_on(kind: Kind) -> Option<Vec<String>> {
    if !kind.available() {
        return None;
    }
    let procs: Vec<Process> = (0..3).map(|_| kind.start(ServerOpts::default())).collect();
    let addrs: Vec<String> = procs.iter().map(|n| n.addr()).collect();
    create_cluster_of(&addrs, 0);
    let slot = "12183"; // mychannel's
    let run = |p: &Process, args: &[&str]| -> String {
        let mut c = redis::cmd(args[0]);
        for a in &args[1..] {
            c.arg(*a);
        }
        match c.query::<redis::Value>(&mut p.client()) {
            Ok(v) => format!("{v:?}"),
            Err(e) => format!("{:?}", e.kind()),
        }
    };
    let owner = (0..3)
        .find(|&i| run(&procs[i], &["GET", "mychannel"]) != "Moved")
        .unwrap();
    let (from, to) = (&procs[owner], &procs[(owner + 1) % 3]);
    run(to, &["CLUSTER", "SETSLOT", slot, "IMPORTING", &from.myid()]);
    run(from, &["CLUSTER", "SETSLOT", slot, "MIGRATING", &to.myid()]);
    Some(vec![
        run(from, &["SPUBLISH", "mychannel", "hello"]),
        run(from, &["GET", "mychannel"]),
        run(to, &["SPUBLISH", "mychannel", "hello"]),
    ])
}

#[test]
fn shard_channels_in_a_migrating_slot_as_redis_server() {
    let (Some(redis), Some(ours)) = (
        shard_channels_in_a_migrating_slot_on(Kind::Redis),
        shard_channels_in_a_migrating_slot_on(Kind::Node),
    ) else {
        return;
    };
    assert_eq!(ours, redis);
    assert_eq!(ours[0], "int(0)", "{ours:?}");
}

/// A reshard of 1500 slots onto a bundled master with a replica, node timeout 2000: the
/// target answers the bus all along (no failover, so no MIGRATE meets MOVED or READONLY)
/// and every key is where the cluster says. It used to freeze for seconds on a loaded
/// machine, rendering nodes.conf for every SETSLOT on the thread that answers the bus.
#[test]
fn a_long_reshard_onto_a_bundled_master_keeps_it_master() {
    let procs = nodes(6);
    let addrs: Vec<String> = procs.iter().map(|p| p.addr()).collect();
    create_cluster_of(&addrs, 1);
    wait_healthy(&addrs[0]);
    let mut client = crate::harness::ClusterClient::new(&addrs);
    client.load("long:", 20000);
    let target = procs
        .iter()
        .find(|p| {
            let text = p.cluster_nodes_text();
            let me = text.lines().find(|l| l.contains("myself")).unwrap();
            me.contains("master") && me.split(' ').nth(8).is_some_and(|s| s.starts_with("10923"))
        })
        .expect("the master of slots 10923-16383");
    let out = rclust()
        .args([
            "reshard",
            &addrs[0],
            "--from",
            "all",
            "--to",
            &target.addr(),
        ])
        .args(["--slots", "1500", "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let me = target.cluster_nodes_text();
    let me = me
        .lines()
        .find(|l| l.contains("myself"))
        .unwrap()
        .to_string();
    assert!(me.contains("master"), "the target was failed over: {me}");
    wait_healthy(&addrs[0]);
    client.verify("long:", 20000);
}
