//! `rclust local` and the README's tour, run as a user would: start a cluster, write and
//! read through `redis-cli -c`, stop a master, watch its replica take over, bring the old
//! master back as a replica, tear everything down with no process left behind.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::harness::ports::lease_block;
use crate::harness::{assert_exit, rclust, wait_until};
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
    // The key is still readable. The node asked may answer CLUSTERDOWN for a moment after
    // the views agree (redis-server recomputes its state on its next cron), so wait for it.
    wait_until(
        Duration::from_secs(10),
        "foo readable after the failover",
        || redis_cli(base + 1, &["get", "foo"]) == "bar",
    );
    assert_eq!(redis_cli(base + 1, &["get", "foo"]), "bar");

    // Bring the old master back: it rejoins as a replica of the winner.
    let (code, _, err) = local(&dir, &["start", &base_s]);
    assert_eq!(code, Some(0), "{err}");
    let out = rclust()
        .args(["check", &format!("127.0.0.1:{base}"), "--wait", "30"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
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

/// The README's tour, as written there, with its ports moved to leased ones and the
/// local cluster's directory inside the test's temporary directory.
fn readme_tour_script(bin_dir: &Path, dir: &Path, base: u16, engine: &str) -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("<!-- tour:begin -->")
        .expect("tour markers in README");
    let end = readme.find("<!-- tour:end -->").unwrap();
    let mut script = String::from("set -euo pipefail\n");
    for line in readme[start..end].lines() {
        let line = line.trim_end();
        if line.starts_with("<!--") || line.starts_with("```") || line.starts_with("cargo build") {
            continue;
        }
        let mut line = if line.starts_with("export PATH=") {
            format!("export PATH=\"{}:$PATH\"", bin_dir.display())
        } else {
            line.replace(
                "rclust local ",
                &format!("rclust local --dir {} ", dir.display()),
            )
        };
        // `local up` starts at 7000 unless told: start it at the leased base instead.
        line = line.replace(
            &format!("--dir {} up", dir.display()),
            &format!("--dir {} up --base-port {base}", dir.display()),
        );
        if engine != "rclust-node" {
            line = line.replace(
                &format!("--dir {} up", dir.display()),
                &format!("--dir {} up --engine {engine}", dir.display()),
            );
        }
        for n in 0..10u16 {
            line = line.replace(&format!("{}", 7000 + n), &(base + n).to_string());
        }
        script.push_str(&line);
        script.push('\n');
    }
    script
}

fn run_readme_tour(engine: &str) {
    let ports = lease_block(4);
    let base = ports[0].port;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cluster");
    let _guard = LocalGuard { dir: dir.clone() };
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_rclust"))
        .parent()
        .unwrap()
        .to_path_buf();
    let script = readme_tour_script(&bin_dir, &dir, base, engine);
    assert!(
        script.contains(&format!("rclust local --dir {} up", dir.display())),
        "{script}"
    );
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the README tour did not finish in 120 s:\n{script}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        status.success(),
        "tour failed\n--- script\n{script}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    // What the tour shows: the key read back twice, the old master back as a replica.
    assert_eq!(stdout.matches("bar").count(), 2, "{stdout}");
    assert!(stdout.contains("[OK] All 16384 slots covered."), "{stdout}");
    assert!(!dir.exists(), "local down removed the data");
}

#[test]
fn readme_tour_with_redis_server() {
    require_redis!();
    run_readme_tour("redis-server");
}

#[test]
fn readme_tour_with_bundled_nodes() {
    require_redis!();
    run_readme_tour("rclust-node");
}
