//! `add-node`, `del-node`, `failover`, `call` and `set-timeout` against real redis-server.

use std::time::Duration;

use crate::create::create_cluster;
use crate::harness::{rclust, wait_until, RedisServer};
use crate::require_redis;

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = rclust().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn role(n: &RedisServer) -> String {
    let info: String = n.cmd(&["INFO", "replication"]);
    info.lines()
        .find_map(|l| l.strip_prefix("role:"))
        .unwrap()
        .trim()
        .to_string()
}

fn master_of(n: &RedisServer) -> Option<String> {
    n.cluster_nodes_text()
        .lines()
        .find(|l| l.contains("myself"))
        .and_then(|l| l.split(' ').nth(3))
        .filter(|m| *m != "-")
        .map(str::to_string)
}

fn check_ok(seed: &RedisServer) {
    let (code, out, err) = run(&["check", &seed.addr()]);
    assert_eq!(code, Some(0), "{out}{err}");
}

#[test]
fn add_node_as_master_and_as_replicas() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(3);
    create_cluster(&nodes, 0);
    let extra = RedisServer::cluster_nodes(3);

    let (code, out, err) = run(&["add-node", &extra[0].addr(), &nodes[0].addr(), "--yes"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let id = extra[0].myid();
    for n in &nodes {
        let view = n.cluster_nodes_text();
        let line = view
            .lines()
            .find(|l| l.starts_with(&id))
            .expect("new node known everywhere");
        assert!(
            line.contains(" master ") && !line.contains("handshake"),
            "{line}"
        );
    }
    let info: String = extra[0].cmd(&["CLUSTER", "INFO"]);
    assert!(info.contains("cluster_state:ok"), "{info}");

    // A replica with no master named goes to a master with the fewest replicas (not the
    // empty one).
    let (code, out, err) = run(&[
        "add-node",
        &extra[1].addr(),
        &nodes[1].addr(),
        "--replica",
        "--yes",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(role(&extra[1]), "slave");
    let master = master_of(&extra[1]).unwrap();
    assert_ne!(master, id);
    let repl: String = extra[1].cmd(&["INFO", "replication"]);
    assert!(repl.contains("master_link_status:up"), "{repl}");

    // --master-id by unique prefix.
    let target = nodes[2].myid();
    let (code, out, err) = run(&[
        "add-node",
        &extra[2].addr(),
        &nodes[0].addr(),
        "--master-id",
        &target[..10],
        "--yes",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(master_of(&extra[2]).as_deref(), Some(target.as_str()));
    let ok = std::process::Command::new("redis-cli")
        .args(["--cluster", "check", &nodes[0].addr()])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
}

#[test]
fn add_node_rejects_a_node_with_keys_and_changes_nothing() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(3);
    create_cluster(&nodes, 0);
    let other = RedisServer::cluster_nodes(3);
    create_cluster(&other, 0);
    // A member of another cluster: knows other nodes.
    let (code, _, err) = run(&["add-node", &other[0].addr(), &nodes[0].addr(), "--yes"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains(&other[0].addr()) && err.contains("belongs to a cluster"),
        "{err}"
    );
    for n in &nodes {
        assert_eq!(n.cluster_nodes_text().lines().count(), 3);
    }
    // Already a member.
    let (code, _, err) = run(&["add-node", &nodes[1].addr(), &nodes[0].addr(), "--yes"]);
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn del_node_removes_live_and_dead_replicas_and_refuses_masters_with_slots() {
    require_redis!();
    let mut nodes = RedisServer::cluster_nodes(6);
    create_cluster(&nodes, 1);
    let replicas: Vec<usize> = (0..6).filter(|i| role(&nodes[*i]) == "slave").collect();
    let masters: Vec<usize> = (0..6).filter(|i| role(&nodes[*i]) == "master").collect();

    let (code, _, err) = run(&[
        "del-node",
        &nodes[masters[0]].addr(),
        &nodes[masters[0]].myid()[..8],
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("still serves") && err.contains("rclust reshard"),
        "{err}"
    );

    // A live replica: forgotten everywhere and reset.
    let live = replicas[0];
    let live_id = nodes[live].myid();
    let seed = nodes[masters[0]].addr();
    let (code, out, err) = run(&["del-node", &seed, &nodes[live].addr(), "--yes"]);
    assert_eq!(code, Some(0), "{out}{err}");
    for (i, n) in nodes.iter().enumerate() {
        if i != live {
            assert!(
                !n.cluster_nodes_text().contains(&live_id),
                "{} still knows it",
                n.addr()
            );
        }
    }
    assert_eq!(
        nodes[live].cluster_nodes_text().lines().count(),
        1,
        "removed node was reset"
    );

    // A dead replica.
    let dead = replicas[1];
    let dead_id = nodes[dead].myid();
    nodes[dead].kill();
    let (code, out, err) = run(&["del-node", &seed, &dead_id, "--yes"]);
    assert_eq!(code, Some(0), "{out}{err}");
    for (i, n) in nodes.iter().enumerate() {
        if i != dead && i != live {
            assert!(!n.cluster_nodes_text().contains(&dead_id));
        }
    }
    check_ok(&nodes[masters[0]]);
}

#[test]
fn failover_of_a_replica_and_of_a_master() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(6);
    create_cluster(&nodes, 1);
    let replica = (0..6).find(|i| role(&nodes[*i]) == "slave").unwrap();
    let old_master_id = master_of(&nodes[replica]).unwrap();
    let old_master = (0..6).find(|i| nodes[*i].myid() == old_master_id).unwrap();

    let (code, out, err) = run(&["failover", &nodes[replica].addr(), "--yes"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(err.contains("Switch took"), "{err}");
    assert_eq!(role(&nodes[replica]), "master");
    assert_eq!(
        master_of(&nodes[old_master]).as_deref(),
        Some(nodes[replica].myid().as_str())
    );
    check_ok(&nodes[0]);

    // Now fail back by naming the master: its replica (the old master) is promoted.
    let (code, out, err) = run(&["failover", &nodes[replica].addr(), "--yes"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(role(&nodes[old_master]), "master");
    assert_eq!(role(&nodes[replica]), "slave");
}

#[test]
fn failover_errors_are_clear() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(3);
    create_cluster(&nodes, 0);
    let (code, _, err) = run(&["failover", &nodes[0].addr(), "--yes"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no replica to promote"), "{err}");
    let (code, _, err) = run(&["failover", "abcd1234", "--yes"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--seed"), "{err}");
}

#[test]
fn call_and_set_timeout() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(6);
    create_cluster(&nodes, 1);
    let (code, out, _) = run(&["call", &nodes[0].addr(), "--", "PING"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        out.lines().filter(|l| l.ends_with(": PONG")).count(),
        6,
        "{out}"
    );
    let (code, out, _) = run(&[
        "call",
        &nodes[0].addr(),
        "--masters",
        "--json",
        "--",
        "DBSIZE",
    ]);
    assert_eq!(code, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 3);
    assert!(doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["reply"] == 0));
    // An error on any node: exit 1, the error shown per node.
    let (code, out, _) = run(&["call", &nodes[0].addr(), "--", "GET"]);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("(error)") && out.contains("wrong number of arguments"),
        "{out}"
    );

    let (code, _, err) = run(&["set-timeout", &nodes[0].addr(), "50", "--yes"]);
    assert_eq!(code, Some(2), "{err}");
    let (code, out, err) = run(&["set-timeout", &nodes[0].addr(), "3000", "--yes"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("6 OK, 0 ERR; persisted on 6"), "{out}");
    for n in &nodes {
        let v: Vec<String> = n.cmd(&["CONFIG", "GET", "cluster-node-timeout"]);
        assert_eq!(v[1], "3000");
        let conf = std::fs::read_to_string(n.dir.path().join("redis.conf")).unwrap();
        assert!(conf.contains("cluster-node-timeout 3000"), "{conf}");
    }
    wait_until(Duration::from_secs(5), "still healthy", || {
        rclust()
            .args(["check", &nodes[0].addr(), "-q"])
            .output()
            .unwrap()
            .status
            .success()
    });
}

#[test]
fn del_node_drain_moves_a_masters_slots_and_keys_key_by_key_then_removes_it() {
    require_redis!();
    let nodes = RedisServer::cluster_nodes(4);
    create_cluster(&nodes, 0);
    let seeds: Vec<String> = nodes.iter().map(|n| n.addr()).collect();
    let mut client = crate::harness::ClusterClient::new(&seeds);
    client.load("drain:", 2000);
    let id = nodes[0].myid();
    // --dry-run prints the drain and changes nothing.
    let (code, out, err) = run(&["del-node", &seeds[1], &seeds[0], "--drain", "--dry-run"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Plan: drain 4096 slots"), "{out}");
    let (code, out, err) = run(&["del-node", &seeds[1], &seeds[0], "--drain", "--yes"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(!err.contains("atomic"), "{err}");
    for n in &nodes[1..] {
        assert!(
            !n.cluster_nodes_text().contains(&id),
            "{} knows it",
            n.addr()
        );
    }
    crate::harness::ClusterClient::new(&seeds[1..]).verify("drain:", 2000);
    check_ok(&nodes[1]);
}
