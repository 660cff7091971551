//! `rclust local` and the README's tour, run as a user would: start a cluster, write and
//! read through `redis-cli -c`, stop a master, watch its replica take over, bring the old
//! master back as a replica, tear everything down with no process left behind.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::harness::ports::lease_block;
use crate::harness::{rclust, wait_until};
use crate::require_redis;

/// Tears the local cluster down even when the test fails.
struct LocalGuard {
    dir: PathBuf,
}

impl Drop for LocalGuard {
    fn drop(&mut self) {
        let _ = rclust()
            .args(["local", "down", "--dir"])
            .arg(&self.dir)
            .output();
    }
}

fn local(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = rclust()
        .arg("local")
        .args(args)
        .arg("--dir")
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn redis_cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-c", "-p", &port.to_string()])
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn nodes_json(port: u16) -> Value {
    let out = rclust()
        .args(["nodes", &format!("127.0.0.1:{port}"), "--json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn role_of(doc: &Value, port: u16) -> String {
    doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["addr"] == format!("127.0.0.1:{port}"))
        .map(|n| n["role"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

fn pids(dir: &Path) -> Vec<i32> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("pid")).ok())
        .filter_map(|p| p.trim().parse().ok())
        .collect()
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.rsplit_once(')').unwrap().1.trim_start().starts_with('Z'))
        .unwrap_or(false)
}

fn tour(engine: &str) {
    let ports = lease_block(6);
    let base = ports[0].port;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cluster");
    let _guard = LocalGuard { dir: dir.clone() };
    let base_s = base.to_string();

    let (code, out, err) = local(&dir, &["up", "--engine", engine, "--base-port", &base_s]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(err.contains(&format!("redis-cli -c -p {base}")), "{err}");
    let (code, out, _) = local(&dir, &["status"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("6 of 6 node(s) running"), "{out}");
    // Every replica has its data link to its master up.
    wait_until(Duration::from_secs(30), "every replica linked", || {
        let infos: Vec<String> = (0..6)
            .map(|i| redis_cli(base + i, &["info", "replication"]))
            .collect();
        let replicas: Vec<&String> = infos.iter().filter(|i| i.contains("role:slave")).collect();
        replicas.len() == 3 && replicas.iter().all(|i| i.contains("master_link_status:up"))
    });

    // Shard keys: set through one node, get through another (redirections followed).
    assert_eq!(redis_cli(base, &["set", "foo", "bar"]), "OK");
    assert_eq!(redis_cli(base + 2, &["get", "foo"]), "bar");

    // Stop the master that serves slot 0 (the first node) and watch its replica take over.
    let doc = nodes_json(base + 1);
    assert_eq!(role_of(&doc, base), "master");
    let (code, _, err) = local(&dir, &["stop", &base_s]);
    assert_eq!(code, Some(0), "{err}");
    let (code, _, _) = local(&dir, &["status"]);
    assert_eq!(code, Some(1), "status reports the stopped node");
    wait_until(Duration::from_secs(30), "a replica promoted", || {
        let out = rclust()
            .args(["check", &format!("127.0.0.1:{}", base + 1), "--json"])
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["slots_covered"] == 16384
            && doc["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["role"] == "master" && n["slot_count"].as_u64().unwrap() > 0)
                .count()
                == 3
            && !doc["nodes"].as_array().unwrap().iter().any(|n| {
                n["addr"] == format!("127.0.0.1:{base}") && n["slot_count"].as_u64().unwrap() > 0
            })
    });
    // The key is still readable.
    assert_eq!(redis_cli(base + 1, &["get", "foo"]), "bar");

    // Bring the old master back: it rejoins as a replica of the winner.
    let (code, _, err) = local(&dir, &["start", &base_s]);
    assert_eq!(code, Some(0), "{err}");
    let out = rclust()
        .args(["check", &format!("127.0.0.1:{base}"), "--wait", "30"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(role_of(&nodes_json(base), base), "replica");

    // Down leaves no process behind and removes the data.
    let before = pids(&dir);
    assert_eq!(before.len(), 6);
    let (code, _, err) = local(&dir, &["down"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        before.iter().all(|p| !alive(*p)),
        "a node survived local down"
    );
    assert!(!dir.exists());
}

#[test]
fn tour_with_rclust_node() {
    tour("rclust-node");
}

#[test]
fn tour_with_redis_server() {
    require_redis!();
    tour("redis-server");
}

#[test]
fn local_up_reports_taken_ports_and_missing_cluster() {
    let ports = lease_block(6);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    // Occupy the third port.
    let _taken = std::net::TcpListener::bind(("127.0.0.1", ports[2].port)).unwrap();
    let (code, _, err) = local(&dir, &["up", "--base-port", &ports[0].port.to_string()]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains(&format!("127.0.0.1:{} is taken", ports[2].port)),
        "{err}"
    );
    let (code, _, err) = local(&dir, &["status"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no local cluster"), "{err}");
}
