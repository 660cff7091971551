//! The slot commands run the same scenario on each server kind: create, check, add-node,
//! reshard, rebalance and fix against redis-server 7 and valkey-server 9 (where reshard
//! and rebalance move slots atomically). A kind whose server is missing is skipped, except
//! under CI=true where it fails. (The bundled node has its own suites, node_cluster.)

use crate::create::create_cluster_of;
use crate::harness::{
    assert_exit, assert_redis_cli_check, rclust, ClusterClient, Kind, Process, ServerOpts,
};
use crate::valkey::{own_slot_set, own_slots, plant_stray_key};
use rclust::model::key_slot;

fn healthy(seed: &str) {
    rclust()
        .args(["check", seed, "--wait", "30", "-q"])
        .assert()
        .code(0);
    assert_redis_cli_check(seed);
}

fn slot_commands_on(kind: Kind) {
    let nodes: Vec<Process> = (0..7).map(|_| kind.start(ServerOpts::default())).collect();
    let seeds: Vec<String> = nodes.iter().map(Process::addr).collect();
    create_cluster_of(&seeds[..6], 1);
    healthy(&seeds[0]);
    let mut client = ClusterClient::new(&seeds[..6]);
    client.load("kind:", 2000);

    // An empty master joins and takes slots from every other.
    let out = rclust()
        .args(["add-node", &seeds[6], &seeds[0], "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let out = rclust()
        .args(["reshard", &seeds[0], "--from", "all", "--to", &seeds[6]])
        .args(["--slots", "500", "--yes"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(own_slots(&nodes[6]), 500);
    client.verify("kind:", 2000);

    // Rebalanced: four masters within 2% of 4096 each.
    let out = rclust()
        .args(["rebalance", &seeds[1], "--yes", "--threshold", "1"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let masters: Vec<usize> = nodes.iter().map(own_slots).filter(|&s| s > 0).collect();
    assert_eq!(masters.len(), 4, "{masters:?}");
    assert!(
        masters.iter().all(|&s| s.abs_diff(4096) <= 41),
        "{masters:?}"
    );
    client.verify("kind:", 2000);
    healthy(&seeds[2]);

    // fix: a key written into a slot another master imports goes to the slot's owner.
    let key = "fix{kinds}";
    let slot = key_slot(key.as_bytes());
    let owner = nodes
        .iter()
        .find(|n| own_slot_set(n).contains(&slot))
        .unwrap();
    let other = nodes
        .iter()
        .find(|n| n.port != owner.port && own_slots(n) > 0)
        .unwrap();
    plant_stray_key(owner, other, 0, key);
    rclust().args(["check", &seeds[0]]).assert().code(1);
    let out = rclust().args(["fix", &seeds[0], "--yes"]).output().unwrap();
    assert_exit(&out, 0);
    let value: String = owner.cmd(&["GET", key]);
    assert_eq!(value, "stray");
    healthy(&seeds[3]);
    client.verify("kind:", 2000);
}

#[test]
fn slot_commands_on_redis_server() {
    if Kind::Redis.available() {
        slot_commands_on(Kind::Redis);
    }
}

#[test]
fn slot_commands_on_valkey_server() {
    if Kind::Valkey.available() {
        slot_commands_on(Kind::Valkey);
    }
}
