//! `rclust check`, `nodes` and `info` against real clusters in known states: exit codes,
//! the findings that name nodes and slots, and the JSON documents.

use std::time::Duration;

use serde_json::Value;

use crate::create::create_cluster;
use crate::harness::{rclust, wait_until, RedisServer};
use crate::require_redis;

/// Runs `rclust check --json` and returns (exit code, document).
fn check_json(seed: &RedisServer) -> (Option<i32>, Value) {
    let out = rclust()
        .args(["check", &seed.addr(), "--json"])
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code(), doc)
}

fn kinds(doc: &Value) -> Vec<String> {
    doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_string())
        .collect()
}

fn find<'a>(doc: &'a Value, kind: &str) -> &'a Value {
    doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {doc:#}"))
}

fn cluster(n: usize, replicas: usize) -> Vec<RedisServer> {
    let nodes = RedisServer::cluster_nodes(n);
    create_cluster(&nodes, replicas);
    nodes
}

#[test]
fn healthy_cluster_passes_with_familiar_lines() {
    require_redis!();
    let nodes = cluster(6, 1);
    let out = rclust().args(["check", &nodes[3].addr()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "[OK] All nodes agree about slots configuration.",
        "[OK] All 16384 slots covered.",
        ">>> Check for open slots...",
        "1 additional replica(s)",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    assert!(!text.contains('\u{1b}'), "no colour when not a terminal");
    let quiet = rclust()
        .args(["check", &nodes[3].addr(), "-q"])
        .output()
        .unwrap();
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&quiet.stdout),
        "[OK] Cluster is healthy (6 nodes).\n"
    );
    let (code, doc) = check_json(&nodes[0]);
    assert_eq!(code, Some(0));
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["slots_covered"], 16384);
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 6);
    assert!(doc["problems"].as_array().unwrap().is_empty());
    assert!(doc["warnings"].as_array().unwrap().is_empty(), "{doc:#}");
}

#[test]
fn open_slot_is_a_problem_naming_node_and_slot() {
    require_redis!();
    let nodes = cluster(3, 0);
    let target = nodes[1].myid();
    // Slot 100 belongs to the first master.
    let _: () = nodes[0].cmd(&["CLUSTER", "SETSLOT", "100", "MIGRATING", &target]);
    let (code, doc) = check_json(&nodes[2]);
    assert_eq!(code, Some(1));
    let p = find(&doc, "open_slot");
    assert_eq!(p["slots"], "100");
    let msg = p["message"].as_str().unwrap();
    assert!(
        msg.contains(&nodes[0].addr())
            && msg.contains("migrating to")
            && msg.contains(&nodes[1].addr()),
        "{msg}"
    );
    let out = rclust().args(["check", &nodes[0].addr()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("[WARNING] node") && text.contains("has slot 100 migrating"),
        "{text}"
    );
}

#[test]
fn uncovered_slot_is_a_problem() {
    require_redis!();
    let nodes = cluster(3, 0);
    for n in &nodes {
        // Every node forgets slot 5 locally: nobody serves it.
        let _: redis::Value = n.cmd(&["CLUSTER", "DELSLOTS", "5"]);
    }
    let (code, doc) = check_json(&nodes[0]);
    assert_eq!(code, Some(1));
    assert_eq!(find(&doc, "uncovered_slots")["slots"], "5");
    let out = rclust().args(["check", &nodes[0].addr()]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("[ERR] Not all 16384 slots are covered by nodes."),
        "{text}"
    );
    let quiet = rclust()
        .args(["check", &nodes[0].addr(), "--quiet"])
        .output()
        .unwrap();
    assert_eq!(quiet.status.code(), Some(1));
    let text = String::from_utf8_lossy(&quiet.stdout);
    assert!(!text.contains(">>>"), "{text}");
    assert!(
        text.contains("not covered by any node: 5") && text.ends_with(" problem(s) found.\n"),
        "{text}"
    );
}

#[test]
fn disagreement_names_the_viewer_and_the_node() {
    require_redis!();
    let nodes = cluster(3, 0);
    let forgotten = nodes[2].myid();
    let _: () = nodes[0].cmd(&["CLUSTER", "FORGET", &forgotten]);
    let (code, doc) = check_json(&nodes[1]);
    assert_eq!(code, Some(1));
    let p = find(&doc, "disagreement");
    let msg = p["message"].as_str().unwrap();
    assert!(
        msg.contains(&forgotten[..8])
            && msg.contains("unknown to")
            && msg.contains(&nodes[0].addr()),
        "{msg}"
    );
}

#[test]
fn dead_node_is_a_problem_and_dead_seed_is_an_error() {
    require_redis!();
    let mut nodes = cluster(4, 0);
    let dead_addr = nodes[3].addr();
    nodes[3].kill();
    let (code, doc) = check_json(&nodes[0]);
    assert_eq!(code, Some(1));
    assert!(kinds(&doc).contains(&"unreachable".to_string()), "{doc:#}");
    assert!(find(&doc, "unreachable")["message"]
        .as_str()
        .unwrap()
        .contains(&dead_addr));
    let out = rclust().args(["check", &dead_addr]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("rclust: cannot load the cluster from") && err.contains("refused"),
        "{err}"
    );
    // After node-timeout the others flag it too.
    wait_until(Duration::from_secs(20), "pfail flag", || {
        nodes[0].cluster_nodes_text().contains("fail")
    });
    let (_, doc) = check_json(&nodes[0]);
    assert!(kinds(&doc).contains(&"flagged".to_string()), "{doc:#}");
}

#[test]
fn nodes_and_info_json_documents() {
    require_redis!();
    let nodes = cluster(6, 1);
    // Write each key through the node that owns it, so that keys spread over the masters.
    for i in 0..50 {
        let key = format!("key:{i}");
        let written = nodes.iter().any(|n| {
            let r: redis::RedisResult<()> =
                redis::cmd("SET").arg(&key).arg("v").query(&mut n.client());
            r.is_ok()
        });
        assert!(written, "no node accepted {key}");
    }
    let out = rclust()
        .args(["nodes", &nodes[0].addr(), "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = doc["nodes"].as_array().unwrap();
    assert_eq!(list.len(), 6);
    let masters: Vec<&Value> = list.iter().filter(|n| n["role"] == "master").collect();
    assert_eq!(masters.len(), 3);
    let slot_total: u64 = masters
        .iter()
        .map(|m| m["slot_count"].as_u64().unwrap())
        .sum();
    assert_eq!(slot_total, 16384);
    let keys_total: u64 = masters.iter().map(|m| m["keys"].as_u64().unwrap()).sum();
    assert_eq!(keys_total, 50);
    for n in list {
        for field in [
            "id",
            "addr",
            "role",
            "slots",
            "keys",
            "config_epoch",
            "link",
            "flags",
        ] {
            assert!(n.get(field).is_some(), "{field} missing in {n}");
        }
    }
    let out = rclust()
        .args(["info", &nodes[0].addr(), "--json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["total_keys"], 50);
    assert_eq!(doc["master_count"], 3);
    assert!(doc["masters"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["replicas"] == 1));
    let out = rclust().args(["info", &nodes[0].addr()]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[OK] 50 keys in 3 masters."), "{text}");
    let out = rclust().args(["nodes", &nodes[0].addr()]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("└ replica") && text.contains("slots ["),
        "{text}"
    );
}
