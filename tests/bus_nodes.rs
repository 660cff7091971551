//! Real `rclust-node` processes with the cluster bus: clusters created and checked by
//! `redis-cli --cluster`, a mixed cluster with redis-server 7, and a restart.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rclust::model::{parse_cluster_nodes, SlotSet};

use crate::harness::{wait_until, NodeServer, RedisServer, ServerOpts};
use crate::require_redis;

fn opts() -> ServerOpts {
    ServerOpts {
        node_timeout_ms: 2000,
        ..Default::default()
    }
}

/// Runs `redis-cli --cluster <args>`; returns (success, stdout + stderr).
fn redis_cli_cluster(args: &[&str]) -> (bool, String) {
    let out = Command::new("redis-cli")
        .arg("--cluster")
        .args(args)
        .output()
        .expect("redis-cli runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn create(addrs: &[String]) {
    let mut args = vec!["create"];
    args.extend(addrs.iter().map(String::as_str));
    args.extend(["--cluster-replicas", "0", "--cluster-yes"]);
    let (ok, out) = redis_cli_cluster(&args);
    assert!(ok, "redis-cli --cluster create failed:\n{out}");
    assert!(out.contains("[OK] All 16384 slots covered."), "{out}");
}

fn check_passes(addr: &str) {
    let mut last = String::new();
    let passed = (0..50).any(|_| {
        let (ok, out) = redis_cli_cluster(&["check", addr]);
        last = out;
        if !ok || last.contains("[ERR]") || last.contains("[WARNING]") {
            std::thread::sleep(Duration::from_millis(200));
            return false;
        }
        true
    });
    assert!(passed, "redis-cli --cluster check failed:\n{last}");
    assert!(
        last.contains("[OK] All nodes agree about slots configuration."),
        "{last}"
    );
    assert!(last.contains("[OK] All 16384 slots covered."), "{last}");
}

/// A node's second life: started again on its port and directory after a SIGKILL, killed
/// when dropped.
struct Restarted(Child);

impl Drop for Restarted {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn restart(node: &mut NodeServer) -> Restarted {
    node.kill();
    let child = Command::new(env!("CARGO_BIN_EXE_rclust-node"))
        .args(["--port", &node.port.to_string(), "--bind", "127.0.0.1"])
        .args(["--dir", node.dir.path().to_str().unwrap()])
        .args(["--logfile", "node.log", "--cluster-enabled", "yes"])
        .args([
            "--cluster-node-timeout",
            &node.opts.node_timeout_ms.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let restarted = Restarted(child);
    wait_until(Duration::from_secs(10), "the node to serve again", || {
        std::net::TcpStream::connect(("127.0.0.1", node.port)).is_ok()
    });
    restarted
}

fn cluster_ok(info: &str) -> bool {
    info.contains("cluster_state:ok")
}

#[test]
fn redis_cli_creates_and_checks_an_rclust_node_cluster() {
    require_redis!();
    let nodes: Vec<NodeServer> = (0..3).map(|_| NodeServer::start(opts())).collect();
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr()).collect();
    create(&addrs);
    wait_until(Duration::from_secs(30), "cluster_state:ok on all", || {
        nodes
            .iter()
            .all(|n| cluster_ok(&n.cmd::<String>(&["CLUSTER", "INFO"])))
    });
    check_passes(&addrs[0]);
    // Keys land on their owners through MOVED redirections.
    for i in 0..50 {
        let key = format!("key:{i}");
        let out = Command::new("redis-cli")
            .args(["-c", "-p", &nodes[0].port.to_string(), "set", &key, "v"])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "OK\n");
    }
    let total: usize = nodes
        .iter()
        .map(|n| {
            let info: String = n.cmd(&["INFO", "keyspace"]);
            info.split("keys=")
                .nth(1)
                .and_then(|s| s.split(',').next())
                .map_or(0, |k| k.parse().unwrap())
        })
        .sum();
    assert_eq!(total, 50);
    // One node serves key:0; the others redirect to it with MOVED <slot>.
    let slot = rclust::model::key_slot(b"key:0");
    let mut served = 0;
    for n in &nodes {
        match redis::cmd("GET")
            .arg("key:0")
            .query::<String>(&mut n.client())
        {
            Ok(v) => {
                assert_eq!(v, "v");
                served += 1;
            }
            Err(e) => assert!(e.to_string().contains(&slot.to_string()), "{e}"),
        }
    }
    assert_eq!(served, 1);
}

#[test]
fn mixed_cluster_of_redis_servers_and_rclust_nodes_created_by_redis_cli() {
    require_redis!();
    let redis = RedisServer::many(3, opts());
    let nodes: Vec<NodeServer> = (0..3).map(|_| NodeServer::start(opts())).collect();
    let addrs: Vec<String> = redis
        .iter()
        .map(|r| r.addr())
        .zip(nodes.iter().map(|n| n.addr()))
        .flat_map(|(a, b)| [a, b])
        .collect();
    create(&addrs);
    wait_until(
        Duration::from_secs(60),
        "cluster_state:ok on all six",
        || {
            redis
                .iter()
                .all(|r| cluster_ok(&r.cmd::<String>(&["CLUSTER", "INFO"])))
                && nodes
                    .iter()
                    .all(|n| cluster_ok(&n.cmd::<String>(&["CLUSTER", "INFO"])))
        },
    );
    check_passes(&addrs[0]);
    check_passes(&addrs[1]);
}

#[test]
fn restarted_rclust_node_keeps_id_slots_and_epoch() {
    require_redis!();
    let mut nodes: Vec<NodeServer> = (0..3).map(|_| NodeServer::start(opts())).collect();
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr()).collect();
    create(&addrs);
    wait_until(Duration::from_secs(30), "cluster_state:ok on all", || {
        nodes
            .iter()
            .all(|n| cluster_ok(&n.cmd::<String>(&["CLUSTER", "INFO"])))
    });
    let me = |n: &NodeServer| {
        parse_cluster_nodes(&n.cmd::<String>(&["CLUSTER", "NODES"]))
            .unwrap()
            .into_iter()
            .find(|x| x.flags.myself)
            .unwrap()
    };
    let before = me(&nodes[1]);
    let _second_life = restart(&mut nodes[1]);
    let after = me(&nodes[1]);
    assert_eq!(after.id, before.id);
    assert_eq!(after.slots, before.slots);
    assert_eq!(after.config_epoch, before.config_epoch);
    assert_ne!(after.slots, SlotSet::new());
    wait_until(Duration::from_secs(30), "the cluster to reconverge", || {
        nodes
            .iter()
            .all(|n| cluster_ok(&n.cmd::<String>(&["CLUSTER", "INFO"])))
    });
    check_passes(&addrs[0]);
}
